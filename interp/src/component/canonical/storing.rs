//! CanonicalABI.md, "Storing": component values into linear memory. (The
//! string functions are in `strings`.)

use std::borrow::Cow;

use super::abi::{
    Cases, Despecialized, Fields, align_to, alignment, despecialize, discriminant_type, elem_size,
    elem_size_flags, max_case_alignment,
};
use super::context::{BorrowScope, LiftLowerContext};
use super::resources::{HandleElem, ResourceHandle, add_handle_elem};
use super::strings::store_string;
use super::trap_if;
use crate::component::store::{InstanceId, internal};
use crate::component::types::{ResourceType, ValType};
use crate::component::values::Val;
use crate::error::{Error, Result};
use crate::nondet::{F32_CANONICAL_NAN, F64_CANONICAL_NAN, Nondet};
use crate::runtime::store::Store;

/// A value that does not have the type it is lowered as. Host values are
/// type-checked before lowering and lifted values have their type by
/// construction, so this means an embedder bypassed the checks.
pub(crate) fn mismatch(v: &Val, t: &ValType) -> Error {
    Error::Api(format!("value {v} does not have type {t}"))
}

/// Implements `definitions.py::store`. The caller has checked that `ptr` is
/// aligned and the value in bounds.
pub(crate) fn store(
    cx: &LiftLowerContext,
    store_: &mut Store,
    v: &Val,
    t: &ValType,
    ptr: u64,
) -> Result<()> {
    let store = store_;
    match (despecialize(t), v) {
        (Despecialized::Bool, Val::Bool(b)) => store_int(cx, store, *b as u64, ptr, 1),
        (Despecialized::U8, Val::U8(x)) => store_int(cx, store, *x as u64, ptr, 1),
        (Despecialized::U16, Val::U16(x)) => store_int(cx, store, *x as u64, ptr, 2),
        (Despecialized::U32, Val::U32(x)) => store_int(cx, store, *x as u64, ptr, 4),
        (Despecialized::U64, Val::U64(x)) => store_int(cx, store, *x, ptr, 8),
        (Despecialized::S8, Val::S8(x)) => store_int(cx, store, *x as u8 as u64, ptr, 1),
        (Despecialized::S16, Val::S16(x)) => store_int(cx, store, *x as u16 as u64, ptr, 2),
        (Despecialized::S32, Val::S32(x)) => store_int(cx, store, *x as u32 as u64, ptr, 4),
        (Despecialized::S64, Val::S64(x)) => store_int(cx, store, *x as u64, ptr, 8),
        (Despecialized::F32, Val::F32(f)) => {
            let bits = encode_float_as_i32(&mut store.nondet, *f);
            store_int(cx, store, bits as u64, ptr, 4)
        }
        (Despecialized::F64, Val::F64(f)) => {
            let bits = encode_float_as_i64(&mut store.nondet, *f);
            store_int(cx, store, bits, ptr, 8)
        }
        (Despecialized::Char, Val::Char(c)) => store_int(cx, store, char_to_i32(*c) as u64, ptr, 4),
        (Despecialized::String, Val::String(s)) => store_string(cx, store, s, ptr),
        (Despecialized::List(elem, l), _) => {
            let elems = list_elems(v, t)?;
            store_list(cx, store, &elems, ptr, elem, l)
        }
        (Despecialized::Record(fields), _) => {
            store_record(cx, store, &field_values(v, t, fields)?, ptr, fields)
        }
        (Despecialized::Variant(cases), _) => store_variant(cx, store, v, t, ptr, cases),
        (Despecialized::Flags(labels), Val::Flags(set)) => store_flags(cx, store, set, ptr, labels),
        (Despecialized::Own(rt), Val::Own(r)) => {
            let i = lower_own(cx, store, r.rep, rt)?;
            store_int(cx, store, i as u64, ptr, 4)
        }
        (Despecialized::Borrow(rt), Val::Borrow(r)) => {
            let i = lower_borrow(cx, store, r.rep, rt)?;
            store_int(cx, store, i as u64, ptr, 4)
        }
        (Despecialized::Stream(_), Val::Stream(s)) => {
            let i = lower_stream(cx, store, *s)?;
            store_int(cx, store, i as u64, ptr, 4)
        }
        (Despecialized::Future(_), Val::Future(s)) => {
            let i = lower_future(cx, store, *s)?;
            store_int(cx, store, i as u64, ptr, 4)
        }
        (Despecialized::ErrorContext, Val::ErrorContext(e)) => {
            let i = lower_error_context(cx, store, e)?;
            store_int(cx, store, i as u64, ptr, 4)
        }
        _ => Err(mismatch(v, t)),
    }
}

/// Implements `definitions.py::store_int` (little-endian; `v` holds the
/// two's-complement bits of signed values).
pub(crate) fn store_int(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: u64,
    ptr: u64,
    nbytes: u64,
) -> Result<()> {
    let bytes = cx.memory()?.bytes_mut(store);
    let start = usize::try_from(ptr).map_err(|_| internal("store_int"))?;
    let slot = bytes
        .get_mut(start..start + nbytes as usize)
        .ok_or_else(|| internal("store_int out of the bounds its caller checked"))?;
    slot.copy_from_slice(&v.to_le_bytes()[..nbytes as usize]);
    Ok(())
}

/// Implements `definitions.py::maybe_scramble_nan32`: in the deterministic
/// profile a NaN becomes the canonical NaN, otherwise any NaN, chosen by the
/// store's [`Nondet`].
pub(crate) fn maybe_scramble_nan32(nondet: &mut Nondet, f: f32) -> f32 {
    if f.is_nan() {
        if nondet.is_deterministic() {
            return f32::from_bits(F32_CANONICAL_NAN);
        }
        return f32::from_bits(random_nan_bits(nondet, 32, 8) as u32);
    }
    f
}

/// Implements `definitions.py::maybe_scramble_nan64`.
pub(crate) fn maybe_scramble_nan64(nondet: &mut Nondet, f: f64) -> f64 {
    if f.is_nan() {
        if nondet.is_deterministic() {
            return f64::from_bits(F64_CANONICAL_NAN);
        }
        return f64::from_bits(random_nan_bits(nondet, 64, 11));
    }
    f
}

/// Implements `definitions.py::random_nan_bits`: random bits with the
/// exponent all ones and some fraction bit below the top one set.
pub(crate) fn random_nan_bits(nondet: &mut Nondet, total_bits: u32, exponent_bits: u32) -> u64 {
    let fraction_bits = total_bits - exponent_bits - 1;
    let mut bits = nondet.random_bits();
    if total_bits < 64 {
        bits &= (1u64 << total_bits) - 1;
    }
    bits |= ((1u64 << exponent_bits) - 1) << fraction_bits;
    bits |= 1u64 << (nondet.random_bits() % (fraction_bits as u64 - 1));
    bits
}

/// Implements `definitions.py::encode_float_as_i32`.
pub(crate) fn encode_float_as_i32(nondet: &mut Nondet, f: f32) -> u32 {
    core_i32_reinterpret_f32(maybe_scramble_nan32(nondet, f))
}

/// Implements `definitions.py::encode_float_as_i64`.
pub(crate) fn encode_float_as_i64(nondet: &mut Nondet, f: f64) -> u64 {
    core_i64_reinterpret_f64(maybe_scramble_nan64(nondet, f))
}

/// Implements `definitions.py::core_i32_reinterpret_f32`.
pub(crate) fn core_i32_reinterpret_f32(f: f32) -> u32 {
    f.to_bits()
}

/// Implements `definitions.py::core_i64_reinterpret_f64`.
pub(crate) fn core_i64_reinterpret_f64(f: f64) -> u64 {
    f.to_bits()
}

/// Implements `definitions.py::char_to_i32`.
pub(crate) fn char_to_i32(c: char) -> u32 {
    c as u32
}

/// Implements `definitions.py::lower_error_context`: a new handle to the
/// same error context.
pub(crate) fn lower_error_context(
    cx: &LiftLowerContext,
    store: &mut Store,
    e: &crate::component::values::ErrorContext,
) -> Result<u32> {
    add_handle_elem(store, cx.inst, HandleElem::ErrorContext(e.clone()))
}

/// The elements of a list value: a list's own, or a map's entries as the
/// tuples a map despecializes to.
pub(crate) fn list_elems<'a>(v: &'a Val, t: &ValType) -> Result<Cow<'a, [Val]>> {
    match v {
        Val::List(vs) => Ok(Cow::Borrowed(vs)),
        Val::Map(entries) => Ok(Cow::Owned(
            entries
                .iter()
                .map(|(k, v)| Val::Tuple(vec![k.clone(), v.clone()]))
                .collect(),
        )),
        _ => Err(mismatch(v, t)),
    }
}

/// The field values of a record or tuple value, in the type's field order.
pub(crate) fn field_values<'a>(
    v: &'a Val,
    t: &ValType,
    fields: Fields<'_>,
) -> Result<Vec<&'a Val>> {
    let vals: Vec<&Val> = match v {
        Val::Tuple(vs) if matches!(fields, Fields::Tuple(_)) => vs.iter().collect(),
        Val::Record(fs) if matches!(fields, Fields::Record(_)) => {
            for (i, (label, _)) in fs.iter().enumerate() {
                if i >= fields.len() || *label != fields.label(i) {
                    return Err(mismatch(v, t));
                }
            }
            fs.iter().map(|(_, v)| v).collect()
        }
        _ => return Err(mismatch(v, t)),
    };
    if vals.len() != fields.len() {
        return Err(mismatch(v, t));
    }
    Ok(vals)
}

/// Implements `definitions.py::store_list`.
pub(crate) fn store_list(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &[Val],
    ptr: u64,
    elem_type: &ValType,
    maybe_length: Option<u32>,
) -> Result<()> {
    if let Some(l) = maybe_length {
        if l as usize != v.len() {
            return Err(internal("fixed-length list of another length"));
        }
        return store_list_into_valid_range(cx, store, v, ptr, elem_type);
    }
    let (begin, length) = store_list_into_range(cx, store, v, elem_type)?;
    let n = cx.memory()?.ptr_size();
    store_int(cx, store, begin, ptr, n)?;
    store_int(cx, store, length, ptr + n, n)
}

/// Implements `definitions.py::store_list_into_range`.
pub(crate) fn store_list_into_range(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &[Val],
    elem_type: &ValType,
) -> Result<(u64, u64)> {
    let ptr_type = cx.ptr_type();
    let byte_length = (v.len() as u64).saturating_mul(elem_size(elem_type, ptr_type));
    let a = alignment(elem_type, ptr_type);
    let ptr = cx.allocate(store, a, byte_length)?;
    trap_if(
        ptr != align_to(ptr, a),
        &format!("unaligned pointer: realloc returned {ptr:#x}, which is not {a}-aligned"),
    )?;
    let len = cx.memory()?.len(store);
    trap_if(
        ptr as u128 + byte_length as u128 > len as u128,
        &format!("realloc return: beyond end of memory ({ptr:#x} + {byte_length} bytes > {len})"),
    )?;
    store_list_into_valid_range(cx, store, v, ptr, elem_type)?;
    Ok((ptr, v.len() as u64))
}

/// Implements `definitions.py::store_list_into_valid_range`.
pub(crate) fn store_list_into_valid_range(
    cx: &LiftLowerContext,
    store_: &mut Store,
    v: &[Val],
    ptr: u64,
    elem_type: &ValType,
) -> Result<()> {
    let size = elem_size(elem_type, cx.ptr_type());
    for (i, e) in v.iter().enumerate() {
        store(cx, store_, e, elem_type, ptr + i as u64 * size)?;
    }
    Ok(())
}

/// Implements `definitions.py::store_record` (`v` are the field values).
pub(crate) fn store_record(
    cx: &LiftLowerContext,
    store_: &mut Store,
    v: &[&Val],
    ptr: u64,
    fields: Fields<'_>,
) -> Result<()> {
    let ptr_type = cx.ptr_type();
    let mut ptr = ptr;
    for (i, v) in v.iter().enumerate().take(fields.len()) {
        let t = fields.t(i);
        ptr = align_to(ptr, alignment(t, ptr_type));
        store(cx, store_, v, t, ptr)?;
        ptr += elem_size(t, ptr_type);
    }
    Ok(())
}

/// Implements `definitions.py::store_variant`.
pub(crate) fn store_variant(
    cx: &LiftLowerContext,
    store_: &mut Store,
    v: &Val,
    t: &ValType,
    ptr: u64,
    cases: Cases<'_>,
) -> Result<()> {
    let (case_index, case_value) = match_case(v, t, cases)?;
    let ptr_type = cx.ptr_type();
    let disc_size = elem_size(&discriminant_type(cases), ptr_type);
    store_int(cx, store_, case_index as u64, ptr, disc_size)?;
    let ptr = align_to(ptr + disc_size, max_case_alignment(cases, ptr_type));
    if let (Some(ct), Some(cv)) = (cases.t(case_index), case_value) {
        store(cx, store_, cv, ct, ptr)?;
    }
    Ok(())
}

/// Implements `definitions.py::match_case`: the case index of a variant
/// value and its payload.
pub(crate) fn match_case<'a>(
    v: &'a Val,
    t: &ValType,
    cases: Cases<'_>,
) -> Result<(usize, Option<&'a Val>)> {
    let by_label = |label: &str| (0..cases.len()).find(|i| cases.label(*i) == label);
    let (index, payload) = match (v, cases) {
        (Val::Variant(label, p), Cases::Variant(_)) => (by_label(label), p.as_deref()),
        (Val::Enum(label), Cases::Enum(_)) => (by_label(label), None),
        (Val::Option(None), Cases::Option(_)) => (Some(0), None),
        (Val::Option(Some(p)), Cases::Option(_)) => (Some(1), Some(&**p)),
        (Val::Result(Ok(p)), Cases::Result(..)) => (Some(0), p.as_deref()),
        (Val::Result(Err(p)), Cases::Result(..)) => (Some(1), p.as_deref()),
        _ => (None, None),
    };
    let index = index.ok_or_else(|| mismatch(v, t))?;
    if payload.is_some() != cases.t(index).is_some() {
        return Err(mismatch(v, t));
    }
    Ok((index, payload))
}

/// Implements `definitions.py::store_flags`.
pub(crate) fn store_flags(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &[String],
    ptr: u64,
    labels: &[String],
) -> Result<()> {
    let i = pack_flags_into_int(v, labels);
    store_int(cx, store, i, ptr, elem_size_flags(labels))
}

/// Implements `definitions.py::pack_flags_into_int`.
pub(crate) fn pack_flags_into_int(v: &[String], labels: &[String]) -> u64 {
    let mut i = 0u64;
    for (shift, l) in labels.iter().enumerate() {
        if v.contains(l) {
            i |= 1 << shift;
        }
    }
    i
}

/// `inst.handles.add(h)`, bounded by `Config::max_table_elements` too.
pub(crate) fn add_handle(store: &mut Store, inst: InstanceId, h: ResourceHandle) -> Result<u32> {
    add_handle_elem(store, inst, HandleElem::Resource(h))
}

/// Implements `definitions.py::lower_own`.
pub(crate) fn lower_own(
    cx: &LiftLowerContext,
    store: &mut Store,
    rep: u32,
    rt: ResourceType,
) -> Result<u32> {
    let h = ResourceHandle::new(rt, rep, true, None);
    add_handle(store, cx.inst, h)
}

/// Implements `definitions.py::lower_borrow`.
pub(crate) fn lower_borrow(
    cx: &LiftLowerContext,
    store: &mut Store,
    rep: u32,
    rt: ResourceType,
) -> Result<u32> {
    let Some(BorrowScope::Task(task)) = cx.borrow_scope else {
        return Err(internal("lowering a borrow outside of a task"));
    };
    if store.component.resource_type(rt)?.impl_ == Some(cx.inst) {
        return Ok(rep);
    }
    let h = ResourceHandle::new(rt, rep, false, Some(task));
    store.component.tasks.get_mut(task.0)?.num_borrows += 1;
    add_handle(store, cx.inst, h)
}

/// Implements `definitions.py::lower_stream`.
pub(crate) fn lower_stream(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: crate::component::values::AsyncValue,
) -> Result<u32> {
    super::streams::lower_async_value(store, cx.inst, v, super::streams::EndKind::ReadableStream)
}

/// Implements `definitions.py::lower_future`.
pub(crate) fn lower_future(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: crate::component::values::AsyncValue,
) -> Result<u32> {
    super::streams::lower_async_value(store, cx.inst, v, super::streams::EndKind::ReadableFuture)
}
