//! The collector of the store's heap: mark from every root, then sweep
//! what was not reached into the free list (see `ARCHITECTURE.md`, "The
//! heap and the collector", for the soundness argument).
//!
//! Roots are precise. A wasm frame's references are its reference-typed
//! params and locals (`CompiledFunc::ref_locals`) and the reference-typed
//! operand-stack slots live at the instruction the frame is stopped at
//! (`CompiledFunc::gc_map`): translation records them at every instruction
//! a frame can be stopped at while a collection runs (calls, allocations,
//! `memory.atomic.wait`, and, with fuel, the `ConsumeFuel` where a time
//! slice may preempt a thread). Marking uses an explicit stack, never Rust
//! recursion.

use crate::exec::ThreadState;
use crate::runtime::heap::{Body, Heap};
use crate::runtime::store::{InstanceData, Store, TagInst, ThreadSlot};
use crate::values::heap_index;

/// Marks the object `bits` names, if it is an unmarked heap object.
#[inline]
fn mark(heap: &mut Heap, grey: &mut Vec<u32>, bits: u64) {
    if let Some(i) = heap_index(bits)
        && let Some(o) = heap.objects.get_mut(i as usize)
        && !o.marked
        && !matches!(o.body, Body::Free)
    {
        o.marked = true;
        grey.push(i);
    }
}

/// Marks the references of a thread's frames.
fn mark_thread(heap: &mut Heap, grey: &mut Vec<u32>, instances: &[InstanceData], ts: &ThreadState) {
    let top = ts.frames.len().wrapping_sub(1);
    for (i, f) in ts.frames.iter().enumerate() {
        let code = &instances[f.instance as usize].module.funcs[f.func as usize];
        let fp = f.fp as usize;
        for &s in code.ref_locals.iter() {
            mark(heap, grey, ts.stack[fp + s as usize]);
        }
        // Every frame is stopped after instruction `pc - 1` (a call, an
        // allocation, or `memory.atomic.wait`), except a preempted top
        // frame, stopped before the `ConsumeFuel` at `pc`; a frame that has
        // not started has no operands.
        let at = if ts.preempted && i == top {
            Some(f.pc)
        } else {
            f.pc.checked_sub(1)
        };
        if let Some(at) = at {
            for &s in code.gc_map(at) {
                mark(heap, grey, ts.stack[fp + s as usize]);
            }
        }
    }
}

/// Marks everything reachable from the grey objects.
fn trace(heap: &mut Heap, grey: &mut Vec<u32>, tags: &[TagInst]) {
    while let Some(i) = grey.pop() {
        let mut k = 0;
        loop {
            // Re-borrow per child: marking mutates other objects.
            let child = match &heap.objects[i as usize].body {
                Body::Struct { ty, fields } => {
                    ty.layout.ref_slots.get(k).map(|&s| fields[s as usize])
                }
                Body::Array { ty, elems } => {
                    if ty.layout.ref_slots.is_empty() {
                        None
                    } else {
                        elems.get(k).copied()
                    }
                }
                Body::Exn { tag, payload } => tags[*tag as usize]
                    .ref_slots
                    .get(k)
                    .map(|&s| payload[s as usize]),
                Body::Free => None,
            };
            let Some(bits) = child else { break };
            mark(heap, grey, bits);
            k += 1;
        }
    }
}

/// A full collection. `running` is the thread executing on this Rust
/// stack, if any (every other thread is in the store: parked, or waiting
/// for a host function it called).
pub(crate) fn collect(store: &mut Store, running: Option<&ThreadState>) {
    let Store {
        heap,
        instances,
        threads,
        free_threads,
        in_host,
        globals,
        tables,
        elems,
        host_roots,
        tags,
        ..
    } = store;
    let mut grey = Vec::new();
    if let Some(ts) = running {
        mark_thread(heap, &mut grey, instances, ts);
    }
    for ts in in_host.iter() {
        mark_thread(heap, &mut grey, instances, ts);
    }
    for (i, slot) in threads.iter_mut().enumerate() {
        if let ThreadSlot::Parked(p) = slot {
            if p.owner.strong_count() == 0 {
                // The embedder dropped the thread: its references die with it.
                *slot = ThreadSlot::Free;
                free_threads.push(i as u32);
            } else {
                mark_thread(heap, &mut grey, instances, &p.state);
            }
        }
    }
    for g in globals.iter() {
        if matches!(g.cty, crate::types::ValTy::Ref(_)) {
            mark(heap, &mut grey, g.value[0]);
        }
    }
    for t in tables.iter() {
        for &e in &t.elements {
            mark(heap, &mut grey, e);
        }
    }
    for e in elems.iter() {
        for &item in &e.items {
            mark(heap, &mut grey, item);
        }
    }
    for &r in host_roots.iter() {
        mark(heap, &mut grey, r);
    }
    trace(heap, &mut grey, tags);
    heap.sweep();
}

/// The size of the embedder's root set at some point (see
/// [`Store::roots_mark`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RootsMark(pub(crate) usize);

impl Store {
    /// Collects garbage now. Everything reachable from the store's threads,
    /// globals, tables, element segments and the embedder's roots survives.
    pub fn gc(&mut self) {
        collect(self, None);
    }

    /// Counters of the heap.
    pub fn heap_stats(&self) -> crate::runtime::heap::HeapStats {
        self.heap.stats()
    }

    /// Marks the embedder's root set. Every heap reference the store hands
    /// to the embedder (call results, `Global::get`, `Table::get`, exception
    /// payloads) stays alive until the roots taken after a mark are
    /// released with [`Store::release_roots`]; host functions release what
    /// they took when they return.
    pub fn roots_mark(&self) -> RootsMark {
        RootsMark(self.host_roots.len())
    }

    /// Releases the roots taken since `mark`. A reference used after its
    /// object was collected is reported as a stale reference
    /// ([`crate::Error::Api`]), never mistaken for another object.
    pub fn release_roots(&mut self, mark: RootsMark) {
        self.host_roots.truncate(mark.0);
    }
}
