//! The store's garbage-collected heap: structs, arrays and exception
//! packages, addressed by index (a heap reference is `index << 2`, see
//! `values.rs`). Freed slots go to a free list and are reused; each slot
//! counts its generation so that a stale embedder reference is detected.
//! The collector that decides what to free is `runtime/gc.rs`.

use std::sync::Arc;

use crate::error::TrapKind;
use crate::types::TypeInfo;

/// Bytes charged per object on top of its slots (header and bookkeeping).
pub(crate) const OBJECT_OVERHEAD: u64 = 32;

/// The heap collects once this many bytes were allocated since the last
/// collection, or as many as survived it, whichever is more.
pub(crate) const MIN_GC_TRIGGER: u64 = 1 << 20;

/// What a heap slot holds.
#[derive(Debug)]
pub(crate) enum Body {
    Free,
    /// A struct: one slot per field (two for v128), packed fields masked.
    Struct {
        ty: Arc<TypeInfo>,
        fields: Box<[u64]>,
    },
    /// An array: `layout.slots` slots per element, packed elements masked.
    Array {
        ty: Arc<TypeInfo>,
        elems: Box<[u64]>,
    },
    /// An exception package: the tag (store address) and its payload.
    Exn {
        tag: u32,
        payload: Box<[u64]>,
    },
}

#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) generation: u32,
    pub(crate) marked: bool,
    pub(crate) body: Body,
}

impl Object {
    fn bytes(&self) -> u64 {
        let slots = match &self.body {
            Body::Free => return 0,
            Body::Struct { fields, .. } => fields.len(),
            Body::Array { elems, .. } => elems.len(),
            Body::Exn { payload, .. } => payload.len(),
        };
        OBJECT_OVERHEAD + 8 * slots as u64
    }
}

/// Counters an embedder (or a test) can read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Objects currently allocated (reachable or not yet collected).
    pub objects: u64,
    /// Bytes of those objects, as the heap limit counts them.
    pub bytes: u64,
    /// Completed collections.
    pub collections: u64,
    /// Objects freed by collections so far.
    pub freed: u64,
}

#[derive(Debug)]
pub(crate) struct Heap {
    /// Slot 0 is never used, so no heap reference is 0 (null).
    pub(crate) objects: Vec<Object>,
    pub(crate) free: Vec<u32>,
    pub(crate) live_objects: u64,
    pub(crate) live_bytes: u64,
    pub(crate) since_gc: u64,
    pub(crate) trigger: u64,
    /// While non-zero, allocation never collects (instantiation evaluates
    /// constant expressions whose intermediate values are not rooted).
    pub(crate) inhibit: u32,
    pub(crate) collections: u64,
    pub(crate) freed: u64,
    pub(crate) max_bytes: u64,
    /// Collect before every allocation (`Config::gc_stress`).
    pub(crate) stress: bool,
}

impl Heap {
    pub(crate) fn new(max_bytes: u64, stress: bool) -> Heap {
        Heap {
            objects: vec![Object {
                generation: 0,
                marked: false,
                body: Body::Free,
            }],
            free: Vec::new(),
            live_objects: 0,
            live_bytes: 0,
            since_gc: 0,
            trigger: MIN_GC_TRIGGER,
            inhibit: 0,
            collections: 0,
            freed: 0,
            max_bytes,
            stress,
        }
    }

    /// Bytes an object of `slots` slots costs.
    pub(crate) fn cost(slots: u64) -> u64 {
        OBJECT_OVERHEAD.saturating_add(slots.saturating_mul(8))
    }

    /// Whether allocating `bytes` should first collect.
    #[inline]
    pub(crate) fn wants_gc(&self, bytes: u64) -> bool {
        self.inhibit == 0
            && (self.stress
                || self.since_gc.saturating_add(bytes) > self.trigger
                || self.live_bytes.saturating_add(bytes) > self.max_bytes)
    }

    /// Whether `bytes` more fit under the limit.
    pub(crate) fn fits(&self, bytes: u64) -> bool {
        self.live_bytes.saturating_add(bytes) <= self.max_bytes
    }

    /// Stores a new object; the caller checked [`Heap::fits`] (collecting
    /// first if [`Heap::wants_gc`]).
    pub(crate) fn insert(&mut self, body: Body) -> Result<u32, TrapKind> {
        let object = Object {
            generation: 0,
            marked: false,
            body,
        };
        let bytes = object.bytes();
        if !self.fits(bytes) {
            return Err(TrapKind::HeapExhausted);
        }
        let index = match self.free.pop() {
            Some(i) => {
                let slot = &mut self.objects[i as usize];
                slot.body = object.body;
                slot.marked = false;
                i
            }
            None => {
                // Heap references are 62-bit, store indices 32-bit.
                if self.objects.len() >= u32::MAX as usize {
                    return Err(TrapKind::HeapExhausted);
                }
                self.objects.push(object);
                self.objects.len() as u32 - 1
            }
        };
        self.live_objects += 1;
        self.live_bytes += bytes;
        self.since_gc = self.since_gc.saturating_add(bytes);
        Ok(index)
    }

    /// The object at a heap index, if allocated.
    #[inline]
    pub(crate) fn get(&self, index: u32) -> Option<&Object> {
        self.objects
            .get(index as usize)
            .filter(|o| !matches!(o.body, Body::Free))
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, index: u32) -> Option<&mut Object> {
        self.objects
            .get_mut(index as usize)
            .filter(|o| !matches!(o.body, Body::Free))
    }

    /// Frees every allocated, unmarked object and clears the marks.
    pub(crate) fn sweep(&mut self) {
        for (i, o) in self.objects.iter_mut().enumerate().skip(1) {
            if matches!(o.body, Body::Free) {
                continue;
            }
            if o.marked {
                o.marked = false;
                continue;
            }
            self.live_bytes -= o.bytes();
            self.live_objects -= 1;
            self.freed += 1;
            o.body = Body::Free;
            o.generation = o.generation.wrapping_add(1);
            self.free.push(i as u32);
        }
        self.collections += 1;
        self.since_gc = 0;
        self.trigger = self.live_bytes.max(MIN_GC_TRIGGER);
    }

    pub(crate) fn stats(&self) -> HeapStats {
        HeapStats {
            objects: self.live_objects,
            bytes: self.live_bytes,
            collections: self.collections,
            freed: self.freed,
        }
    }
}
