//! GC instructions (core spec, "Instructions › Aggregate and reference
//! instructions"): allocation of structs and arrays on the store's heap,
//! field and element access, `i31`, and run-time type tests and casts.
//!
//! Every allocation first asks the heap whether to collect; the running
//! thread's state is passed along because its frames are roots.

use std::sync::Arc;

use wasmparser::AbstractHeapType;

use crate::error::TrapKind;
use crate::exec::ThreadState;
use crate::exec::instr::Access;
use crate::runtime::gc::collect;
use crate::runtime::heap::{Body, Heap};
use crate::runtime::store::Store;
use crate::types::{Composite, Storage, TypeInfo, ValTy};
use crate::values::{TAG_I31, TAG_MASK, func_ref_addr, heap_index, heap_ref};

/// The heap type of a `ref.test`, `ref.cast` or `br_on_cast` target.
#[derive(Clone, Debug)]
pub(crate) enum CastHeap {
    Abs(AbstractHeapType),
    Def(Arc<TypeInfo>),
}

/// A reference type tested at run time.
#[derive(Clone, Debug)]
pub(crate) struct CastTarget {
    pub(crate) nullable: bool,
    pub(crate) heap: CastHeap,
}

/// Whether reference `r` belongs to the target type. Validation guarantees
/// that `r` comes from the target's hierarchy.
pub(crate) fn ref_test(store: &Store, r: u64, t: &CastTarget) -> bool {
    use AbstractHeapType as A;
    if r == 0 {
        return t.nullable;
    }
    let body = || {
        heap_index(r)
            .and_then(|i| store.heap.get(i))
            .map(|o| &o.body)
    };
    match &t.heap {
        CastHeap::Abs(a) => match a {
            A::Any | A::Extern | A::Func | A::Exn => true,
            A::I31 => r & TAG_MASK == TAG_I31,
            A::Eq => {
                r & TAG_MASK == TAG_I31
                    || matches!(body(), Some(Body::Struct { .. } | Body::Array { .. }))
            }
            A::Struct => matches!(body(), Some(Body::Struct { .. })),
            A::Array => matches!(body(), Some(Body::Array { .. })),
            _ => false,
        },
        CastHeap::Def(info) => {
            if let Some(addr) = func_ref_addr(r) {
                return store
                    .funcs
                    .get(addr as usize)
                    .is_some_and(|f| f.info().is_subtype_of(info));
            }
            match body() {
                Some(Body::Struct { ty, .. } | Body::Array { ty, .. }) => ty.is_subtype_of(info),
                _ => false,
            }
        }
    }
}

/// Makes room for an object of `bytes`: collects if the heap asks for it
/// (with the running thread as a root), and traps if it still does not fit.
pub(crate) fn reserve(store: &mut Store, ts: &ThreadState, bytes: u64) -> Result<(), TrapKind> {
    if store.heap.wants_gc(bytes) {
        collect(store, Some(ts));
    }
    if store.heap.fits(bytes) {
        Ok(())
    } else {
        Err(TrapKind::HeapExhausted)
    }
}

/// The operands `(ref, a, b, c)` at `ts.stack[at..]` of the instructions
/// that take a reference and three i32s (offsets and a length).
fn ref_and_i32s(ts: &ThreadState, at: usize) -> (u64, u64, u64, u64) {
    let i32 = |k: usize| ts.stack[at + k] as u32 as u64;
    (ts.stack[at], i32(1), i32(2), i32(3))
}

/// The operands `offset, len` (i32s) at `ts.stack[at..]`.
fn offset_and_len(ts: &ThreadState, at: usize) -> (u64, u64) {
    (ts.stack[at] as u32 as u64, ts.stack[at + 1] as u32 as u64)
}

/// A zeroed slot vector of `n` slots, or exhaustion.
fn zeroed(n: u64) -> Result<Vec<u64>, TrapKind> {
    let n = usize::try_from(n).map_err(|_| TrapKind::HeapExhausted)?;
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| TrapKind::HeapExhausted)?;
    v.resize(n, 0);
    Ok(v)
}

fn struct_slots(info: &TypeInfo) -> u64 {
    info.layout.slots as u64
}

/// The mask a packed storage type keeps of an i32 operand.
fn packed_mask(s: Storage) -> Option<u64> {
    match s {
        Storage::I8 => Some(0xff),
        Storage::I16 => Some(0xffff),
        Storage::Val(_) => None,
    }
}

/// Masks the packed fields of a new struct, or every element of a new
/// array of a packed type (they come from i32 operands).
fn mask_packed(info: &TypeInfo, slots: &mut [u64]) {
    match &info.composite {
        Composite::Struct(fields) => {
            for (f, &at) in fields.iter().zip(info.layout.field_slots.iter()) {
                if let Some(mask) = packed_mask(f.storage) {
                    slots[at as usize] &= mask;
                }
            }
        }
        Composite::Array(f) => {
            if let Some(mask) = packed_mask(f.storage) {
                slots.iter_mut().for_each(|v| *v &= mask);
            }
        }
        Composite::Func { .. } => {}
    }
}

/// `struct.new` (fields from `ts.stack[at..]`) and `struct.new_default` (`at` is `None`).
pub(crate) fn struct_new(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    at: Option<usize>,
) -> Result<u64, TrapKind> {
    let n = struct_slots(info);
    reserve(store, ts, Heap::cost(n))?;
    let mut fields = zeroed(n)?;
    if let Some(at) = at {
        fields.copy_from_slice(&ts.stack[at..at + n as usize]);
        mask_packed(info, &mut fields);
    }
    let index = store.heap.insert(Body::Struct {
        ty: Arc::clone(info),
        fields: fields.into(),
    })?;
    Ok(heap_ref(index))
}

/// The element storage of an array type.
fn elem_storage(info: &TypeInfo) -> Storage {
    match &info.composite {
        Composite::Array(f) => f.storage,
        _ => Storage::I8,
    }
}

/// A new array of `len` elements, each `init` (one or two slots).
fn new_array(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    len: u64,
    fill: impl FnOnce(&mut [u64], &ThreadState) -> Result<(), TrapKind>,
) -> Result<u64, TrapKind> {
    let per = info.layout.slots as u64;
    let n = len.checked_mul(per).ok_or(TrapKind::HeapExhausted)?;
    reserve(store, ts, Heap::cost(n))?;
    let mut elems = zeroed(n)?;
    fill(&mut elems, ts)?;
    mask_packed(info, &mut elems);
    let index = store.heap.insert(Body::Array {
        ty: Arc::clone(info),
        elems: elems.into(),
    })?;
    Ok(heap_ref(index))
}

/// `array.new` with `init, len` at `ts.stack[at..]`.
pub(crate) fn array_new(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    at: usize,
) -> Result<u64, TrapKind> {
    let per = info.layout.slots as usize;
    let len = ts.stack[at + per] as u32 as u64;
    let init = [ts.stack[at], ts.stack[at + per - 1]];
    new_array(store, ts, info, len, |elems, _| {
        for chunk in elems.chunks_exact_mut(per) {
            chunk.copy_from_slice(&init[..per]);
        }
        Ok(())
    })
}

pub(crate) fn array_new_default(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    len: u64,
) -> Result<u64, TrapKind> {
    new_array(store, ts, info, len, |_, _| Ok(()))
}

/// `array.new_fixed` with `n` elements at `ts.stack[at..]`.
pub(crate) fn array_new_fixed(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    at: usize,
    n: u32,
) -> Result<u64, TrapKind> {
    let per = info.layout.slots as usize;
    new_array(store, ts, info, n as u64, |elems, ts| {
        elems.copy_from_slice(&ts.stack[at..at + n as usize * per]);
        Ok(())
    })
}

/// Bytes one element of a storage type takes in a data segment.
fn storage_bytes(s: Storage) -> usize {
    match s {
        Storage::I8 => 1,
        Storage::I16 => 2,
        Storage::Val(ValTy::I32 | ValTy::F32) => 4,
        Storage::Val(ValTy::V128) => 16,
        Storage::Val(_) => 8,
    }
}

/// Decodes `elems.len() / per` elements of storage `s` from little-endian bytes.
fn decode_elems(s: Storage, bytes: &[u8], elems: &mut [u64]) {
    let size = storage_bytes(s);
    for (i, chunk) in bytes.chunks_exact(size).enumerate() {
        let mut b = [0u8; 16];
        b[..size].copy_from_slice(chunk);
        let v = u128::from_le_bytes(b);
        if size == 16 {
            elems[2 * i] = v as u64;
            elems[2 * i + 1] = (v >> 64) as u64;
        } else {
            elems[i] = v as u64;
        }
    }
}

/// The byte range of `n` elements of `size` bytes from offset `s` of a
/// segment of `len` bytes.
fn data_range(s: u64, n: u64, size: usize, len: usize) -> Result<std::ops::Range<usize>, TrapKind> {
    let bytes = n
        .checked_mul(size as u64)
        .ok_or(TrapKind::OutOfBoundsMemoryAccess)?;
    match s.checked_add(bytes) {
        Some(end) if end <= len as u64 => Ok(s as usize..end as usize),
        _ => Err(TrapKind::OutOfBoundsMemoryAccess),
    }
}

fn elem_range(s: u64, n: u64, len: usize) -> Result<std::ops::Range<usize>, TrapKind> {
    match s.checked_add(n) {
        Some(end) if end <= len as u64 => Ok(s as usize..end as usize),
        _ => Err(TrapKind::OutOfBoundsTableAccess),
    }
}

/// `array.new_data` of data segment `data` (a store address), operands
/// `offset, len` at `ts.stack[at..]`.
pub(crate) fn array_new_data(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    data: u32,
    at: usize,
) -> Result<u64, TrapKind> {
    let (s, n) = offset_and_len(ts, at);
    let storage = elem_storage(info);
    let bytes = Arc::clone(&store.datas[data as usize].bytes);
    let range = data_range(s, n, storage_bytes(storage), bytes.len())?;
    new_array(store, ts, info, n, |elems, _| {
        decode_elems(storage, &bytes[range], elems);
        Ok(())
    })
}

/// `array.new_elem` of element segment `elem` (a store address).
pub(crate) fn array_new_elem(
    store: &mut Store,
    ts: &ThreadState,
    info: &Arc<TypeInfo>,
    elem: u32,
    at: usize,
) -> Result<u64, TrapKind> {
    let (s, n) = offset_and_len(ts, at);
    let range = elem_range(s, n, store.elems[elem as usize].items.len())?;
    let items: Vec<u64> = store.elems[elem as usize].items[range].to_vec();
    new_array(store, ts, info, n, |elems, _| {
        elems.copy_from_slice(&items);
        Ok(())
    })
}

fn struct_fields(store: &mut Store, r: u64) -> Result<&mut [u64], TrapKind> {
    match heap_index(r).and_then(|i| store.heap.get_mut(i)) {
        Some(o) => match &mut o.body {
            Body::Struct { fields, .. } => Ok(fields),
            _ => Err(TrapKind::NullStructReference),
        },
        None => Err(TrapKind::NullStructReference),
    }
}

fn array_elems(store: &mut Store, r: u64) -> Result<(&Arc<TypeInfo>, &mut [u64]), TrapKind> {
    match heap_index(r).and_then(|i| store.heap.get_mut(i)) {
        Some(o) => match &mut o.body {
            Body::Array { ty, elems } => Ok((ty, elems)),
            _ => Err(TrapKind::NullArrayReference),
        },
        None => Err(TrapKind::NullArrayReference),
    }
}

/// Reads a field or element at `slots[i..]` the way `access` says.
#[inline]
fn read(slots: &[u64], i: usize, access: Access) -> [u64; 2] {
    match access {
        Access::One => [slots[i], 0],
        Access::Two => [slots[i], slots[i + 1]],
        Access::I8 => [slots[i] as u8 as i8 as i32 as u32 as u64, 0],
        Access::I16 => [slots[i] as u16 as i16 as i32 as u32 as u64, 0],
    }
}

#[inline]
fn write(slots: &mut [u64], i: usize, access: Access, v: [u64; 2]) {
    match access {
        Access::One => slots[i] = v[0],
        Access::Two => {
            slots[i] = v[0];
            slots[i + 1] = v[1];
        }
        Access::I8 => slots[i] = v[0] & 0xff,
        Access::I16 => slots[i] = v[0] & 0xffff,
    }
}

fn width(access: Access) -> usize {
    if access == Access::Two { 2 } else { 1 }
}

pub(crate) fn struct_get(
    store: &mut Store,
    r: u64,
    slot: u32,
    access: Access,
) -> Result<[u64; 2], TrapKind> {
    let fields = struct_fields(store, r)?;
    Ok(read(fields, slot as usize, access))
}

pub(crate) fn struct_set(
    store: &mut Store,
    r: u64,
    slot: u32,
    access: Access,
    v: [u64; 2],
) -> Result<(), TrapKind> {
    let fields = struct_fields(store, r)?;
    write(fields, slot as usize, access, v);
    Ok(())
}

/// The slot range of elements `[i, i + n)` of an array with `per` slots an element.
fn elems_range(
    len_slots: usize,
    per: usize,
    i: u64,
    n: u64,
) -> Result<std::ops::Range<usize>, TrapKind> {
    let len = (len_slots / per) as u64;
    match i.checked_add(n) {
        Some(end) if end <= len => Ok(i as usize * per..end as usize * per),
        _ => Err(TrapKind::OutOfBoundsArrayAccess),
    }
}

pub(crate) fn array_get(
    store: &mut Store,
    r: u64,
    i: u64,
    access: Access,
) -> Result<[u64; 2], TrapKind> {
    let (_, elems) = array_elems(store, r)?;
    let per = width(access);
    let range = elems_range(elems.len(), per, i, 1)?;
    Ok(read(elems, range.start, access))
}

pub(crate) fn array_set(
    store: &mut Store,
    r: u64,
    i: u64,
    access: Access,
    v: [u64; 2],
) -> Result<(), TrapKind> {
    let (_, elems) = array_elems(store, r)?;
    let per = width(access);
    let range = elems_range(elems.len(), per, i, 1)?;
    write(elems, range.start, access, v);
    Ok(())
}

pub(crate) fn array_len(store: &mut Store, r: u64) -> Result<u64, TrapKind> {
    let (ty, elems) = array_elems(store, r)?;
    Ok((elems.len() / ty.layout.slots.max(1) as usize) as u64)
}

/// `array.fill` with operands `arr, offset, value, n` at `ts.stack[at..]`.
pub(crate) fn array_fill(
    store: &mut Store,
    ts: &ThreadState,
    at: usize,
    access: Access,
) -> Result<(), TrapKind> {
    let per = width(access);
    let r = ts.stack[at];
    let off = ts.stack[at + 1] as u32 as u64;
    let v = [ts.stack[at + 2], ts.stack[at + 1 + per]];
    let n = ts.stack[at + 2 + per] as u32 as u64;
    let (_, elems) = array_elems(store, r)?;
    let range = elems_range(elems.len(), per, off, n)?;
    for chunk in elems[range].chunks_exact_mut(per) {
        write(chunk, 0, access, v);
    }
    Ok(())
}

/// `array.copy` with operands `dst, d, src, s, n` at `ts.stack[at..]`.
pub(crate) fn array_copy(store: &mut Store, ts: &ThreadState, at: usize) -> Result<(), TrapKind> {
    let op = |k: usize| ts.stack[at + k];
    let (dr, d, sr, s, n) = (
        op(0),
        op(1) as u32 as u64,
        op(2),
        op(3) as u32 as u64,
        op(4) as u32 as u64,
    );
    // Both references are checked for null before any bounds.
    array_elems(store, dr)?;
    let (sty, selems) = array_elems(store, sr)?;
    let per = sty.layout.slots.max(1) as usize;
    let src = elems_range(selems.len(), per, s, n)?;
    if heap_index(dr) == heap_index(sr) {
        let dst = elems_range(selems.len(), per, d, n)?;
        selems.copy_within(src, dst.start);
        return Ok(());
    }
    let items = selems[src].to_vec();
    let (_, delems) = array_elems(store, dr)?;
    let dst = elems_range(delems.len(), per, d, n)?;
    delems[dst].copy_from_slice(&items);
    Ok(())
}

/// `array.init_data` with operands `arr, d, s, n` at `ts.stack[at..]`.
pub(crate) fn array_init_data(
    store: &mut Store,
    ts: &ThreadState,
    at: usize,
    info: &TypeInfo,
    data: u32,
) -> Result<(), TrapKind> {
    let (r, d, s, n) = ref_and_i32s(ts, at);
    let storage = elem_storage(info);
    let bytes = Arc::clone(&store.datas[data as usize].bytes);
    let (ty, elems) = array_elems(store, r)?;
    let per = ty.layout.slots.max(1) as usize;
    let dst = elems_range(elems.len(), per, d, n)?;
    let src = data_range(s, n, storage_bytes(storage), bytes.len())?;
    decode_elems(storage, &bytes[src], &mut elems[dst]);
    Ok(())
}

/// `array.init_elem` with operands `arr, d, s, n` at `ts.stack[at..]`.
pub(crate) fn array_init_elem(
    store: &mut Store,
    ts: &ThreadState,
    at: usize,
    elem: u32,
) -> Result<(), TrapKind> {
    let (r, d, s, n) = ref_and_i32s(ts, at);
    let items_len = store.elems[elem as usize].items.len();
    let (_, elems) = array_elems(store, r)?;
    let dst = elems_range(elems.len(), 1, d, n)?;
    let src = elem_range(s, n, items_len)?;
    let items = store.elems[elem as usize].items[src].to_vec();
    let (_, elems) = array_elems(store, r)?;
    elems[dst].copy_from_slice(&items);
    Ok(())
}
