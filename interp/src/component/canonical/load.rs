//! CanonicalABI.md, "Loading": component values from linear memory. (The
//! string functions are in `strings`.)

use super::abi::{
    Cases, Despecialized, Fields, align_to, alignment, despecialize, discriminant_type, elem_size,
    elem_size_flags, max_case_alignment,
};
use super::canon::check_handle_type;
use super::concurrency::Subtask;
use super::context::{BorrowScope, LiftLowerContext};
use super::strings::load_string;
use super::{trap, trap_if};
use crate::component::store::internal;
use crate::component::types::{ResourceType, ValType};
use crate::component::values::{Resource, Val};
use crate::error::Result;
use crate::nondet::{F32_CANONICAL_NAN, F64_CANONICAL_NAN};
use crate::runtime::store::Store;

/// `definitions.py::MAX_LIST_BYTE_LENGTH`.
pub(crate) const MAX_LIST_BYTE_LENGTH: u64 = (1 << 28) - 1;

/// Implements `definitions.py::load`. The caller has checked that `ptr` is
/// aligned and the value in bounds.
pub(crate) fn load(cx: &LiftLowerContext, store: &mut Store, ptr: u64, t: &ValType) -> Result<Val> {
    Ok(match despecialize(t) {
        Despecialized::Bool => Val::Bool(convert_int_to_bool(load_int(cx, store, ptr, 1)?)),
        Despecialized::U8 => Val::U8(load_int(cx, store, ptr, 1)? as u8),
        Despecialized::U16 => Val::U16(load_int(cx, store, ptr, 2)? as u16),
        Despecialized::U32 => Val::U32(load_int(cx, store, ptr, 4)? as u32),
        Despecialized::U64 => Val::U64(load_int(cx, store, ptr, 8)?),
        Despecialized::S8 => Val::S8(load_int(cx, store, ptr, 1)? as i8),
        Despecialized::S16 => Val::S16(load_int(cx, store, ptr, 2)? as i16),
        Despecialized::S32 => Val::S32(load_int(cx, store, ptr, 4)? as i32),
        Despecialized::S64 => Val::S64(load_int(cx, store, ptr, 8)? as i64),
        Despecialized::F32 => Val::F32(decode_i32_as_float(load_int(cx, store, ptr, 4)? as u32)),
        Despecialized::F64 => Val::F64(decode_i64_as_float(load_int(cx, store, ptr, 8)?)),
        Despecialized::Char => Val::Char(convert_i32_to_char(
            cx,
            load_int(cx, store, ptr, 4)? as u32,
        )?),
        Despecialized::String => Val::String(load_string(cx, store, ptr)?),
        Despecialized::ErrorContext => {
            let i = load_int(cx, store, ptr, 4)? as u32;
            lift_error_context(cx, store, i)?
        }
        Despecialized::List(elem, l) => make_list(t, load_list(cx, store, ptr, elem, l)?),
        Despecialized::Record(fields) => make_record(fields, load_record(cx, store, ptr, fields)?),
        Despecialized::Variant(cases) => {
            let (i, v) = load_variant(cx, store, ptr, cases)?;
            make_variant(cases, i, v)
        }
        Despecialized::Flags(labels) => Val::Flags(load_flags(cx, store, ptr, labels)?),
        Despecialized::Own(rt) => {
            let i = load_int(cx, store, ptr, 4)? as u32;
            Val::Own(Resource {
                ty: rt,
                rep: lift_own(cx, store, i, rt)?,
            })
        }
        Despecialized::Borrow(rt) => {
            let i = load_int(cx, store, ptr, 4)? as u32;
            Val::Borrow(Resource {
                ty: rt,
                rep: lift_borrow(cx, store, i, rt)?,
            })
        }
        Despecialized::Stream(e) => {
            let i = load_int(cx, store, ptr, 4)? as u32;
            lift_stream(cx, store, i, e)?
        }
        Despecialized::Future(e) => {
            let i = load_int(cx, store, ptr, 4)? as u32;
            lift_future(cx, store, i, e)?
        }
    })
}

/// Implements `definitions.py::load_int` (little-endian, zero-extended; the
/// caller reinterprets signed values).
pub(crate) fn load_int(cx: &LiftLowerContext, store: &Store, ptr: u64, nbytes: u64) -> Result<u64> {
    let bytes = cx.memory()?.bytes(store);
    let start = usize::try_from(ptr).ok();
    let slice = start
        .and_then(|s| bytes.get(s..s.checked_add(nbytes as usize)?))
        .ok_or_else(|| internal("load_int out of the bounds its caller checked"))?;
    let mut buf = [0u8; 8];
    buf[..slice.len()].copy_from_slice(slice);
    Ok(u64::from_le_bytes(buf))
}

/// Implements `definitions.py::convert_int_to_bool`.
pub(crate) fn convert_int_to_bool(i: u64) -> bool {
    i != 0
}

/// Implements `definitions.py::canonicalize_nan32`.
pub(crate) fn canonicalize_nan32(f: f32) -> f32 {
    if f.is_nan() {
        return core_f32_reinterpret_i32(F32_CANONICAL_NAN);
    }
    f
}

/// Implements `definitions.py::canonicalize_nan64`.
pub(crate) fn canonicalize_nan64(f: f64) -> f64 {
    if f.is_nan() {
        return core_f64_reinterpret_i64(F64_CANONICAL_NAN);
    }
    f
}

/// Implements `definitions.py::decode_i32_as_float`.
pub(crate) fn decode_i32_as_float(i: u32) -> f32 {
    canonicalize_nan32(core_f32_reinterpret_i32(i))
}

/// Implements `definitions.py::decode_i64_as_float`.
pub(crate) fn decode_i64_as_float(i: u64) -> f64 {
    canonicalize_nan64(core_f64_reinterpret_i64(i))
}

/// Implements `definitions.py::core_f32_reinterpret_i32`.
pub(crate) fn core_f32_reinterpret_i32(i: u32) -> f32 {
    f32::from_bits(i)
}

/// Implements `definitions.py::core_f64_reinterpret_i64`.
pub(crate) fn core_f64_reinterpret_i64(i: u64) -> f64 {
    f64::from_bits(i)
}

/// Implements `definitions.py::convert_i32_to_char`.
pub(crate) fn convert_i32_to_char(_cx: &LiftLowerContext, i: u32) -> Result<char> {
    trap_if(
        i >= 0x110000,
        &format!("invalid `char` bit pattern 0x{i:x} (beyond U+10FFFF)"),
    )?;
    trap_if(
        (0xD800..=0xDFFF).contains(&i),
        &format!("invalid `char` bit pattern 0x{i:x} (a surrogate)"),
    )?;
    char::from_u32(i).ok_or_else(|| internal("char"))
}

/// Implements `definitions.py::lift_error_context`: the handle stays (an
/// error context is shared by reference).
pub(crate) fn lift_error_context(cx: &LiftLowerContext, store: &Store, i: u32) -> Result<Val> {
    match store.component.inst(cx.inst)?.handles.get(i)? {
        super::resources::HandleElem::ErrorContext(e) => Ok(Val::ErrorContext(e.clone())),
        _ => trap(format!("handle index {i} is not an error-context")),
    }
}

/// Implements `definitions.py::load_list`.
pub(crate) fn load_list(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    elem_type: &ValType,
    maybe_length: Option<u32>,
) -> Result<Vec<Val>> {
    if let Some(l) = maybe_length {
        return load_list_from_valid_range(cx, store, ptr, l as u64, elem_type);
    }
    let mem = cx.memory()?;
    let begin = load_int(cx, store, ptr, mem.ptr_size())?;
    let length = load_int(cx, store, ptr + mem.ptr_size(), mem.ptr_size())?;
    load_list_from_range(cx, store, begin, length, elem_type)
}

/// Implements `definitions.py::load_list_from_range`.
pub(crate) fn load_list_from_range(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    length: u64,
    elem_type: &ValType,
) -> Result<Vec<Val>> {
    let ptr_type = cx.ptr_type();
    let byte_length = length as u128 * elem_size(elem_type, ptr_type) as u128;
    trap_if(
        byte_length > MAX_LIST_BYTE_LENGTH as u128,
        &format!("list of {length} elements exceeds the maximum list byte length"),
    )?;
    trap_if(
        ptr != align_to(ptr, alignment(elem_type, ptr_type)),
        "unaligned pointer: list pointer is not aligned for its element type",
    )?;
    let len = cx.memory()?.len(store) as u128;
    trap_if(
        ptr as u128 + byte_length > len,
        "list content out of bounds of memory",
    )?;
    load_list_from_valid_range(cx, store, ptr, length, elem_type)
}

/// Implements `definitions.py::load_list_from_valid_range`.
pub(crate) fn load_list_from_valid_range(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    length: u64,
    elem_type: &ValType,
) -> Result<Vec<Val>> {
    cx.charge(length.saturating_mul(std::mem::size_of::<Val>() as u64))?;
    let size = elem_size(elem_type, cx.ptr_type());
    let mut a = Vec::with_capacity(length as usize);
    for i in 0..length {
        a.push(load(cx, store, ptr + i * size, elem_type)?);
    }
    Ok(a)
}

/// Implements `definitions.py::load_record` (field values in order).
pub(crate) fn load_record(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    fields: Fields<'_>,
) -> Result<Vec<Val>> {
    cx.charge(fields.len() as u64 * std::mem::size_of::<(String, Val)>() as u64)?;
    let ptr_type = cx.ptr_type();
    let mut ptr = ptr;
    let mut record = Vec::with_capacity(fields.len());
    for i in 0..fields.len() {
        let t = fields.t(i);
        ptr = align_to(ptr, alignment(t, ptr_type));
        record.push(load(cx, store, ptr, t)?);
        ptr += elem_size(t, ptr_type);
    }
    Ok(record)
}

/// Implements `definitions.py::load_variant`: the case index and payload.
pub(crate) fn load_variant(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    cases: Cases<'_>,
) -> Result<(usize, Option<Val>)> {
    let ptr_type = cx.ptr_type();
    let disc_size = elem_size(&discriminant_type(cases), ptr_type);
    let case_index = load_int(cx, store, ptr, disc_size)?;
    let ptr = ptr + disc_size;
    trap_if(
        case_index >= cases.len() as u64,
        "invalid variant discriminant",
    )?;
    let case_index = case_index as usize;
    let ptr = align_to(ptr, max_case_alignment(cases, ptr_type));
    match cases.t(case_index) {
        None => Ok((case_index, None)),
        Some(t) => {
            cx.charge(std::mem::size_of::<Val>() as u64)?;
            Ok((case_index, Some(load(cx, store, ptr, t)?)))
        }
    }
}

/// Implements `definitions.py::load_flags`.
pub(crate) fn load_flags(
    cx: &LiftLowerContext,
    store: &mut Store,
    ptr: u64,
    labels: &[String],
) -> Result<Vec<String>> {
    let i = load_int(cx, store, ptr, elem_size_flags(labels))?;
    Ok(unpack_flags_from_int(i, labels))
}

/// Implements `definitions.py::unpack_flags_from_int`: the labels set.
pub(crate) fn unpack_flags_from_int(i: u64, labels: &[String]) -> Vec<String> {
    let mut i = i;
    let mut set = Vec::new();
    for l in labels {
        if i & 1 != 0 {
            set.push(l.clone());
        }
        i >>= 1;
    }
    set
}

/// Implements `definitions.py::lift_own`.
pub(crate) fn lift_own(
    cx: &LiftLowerContext,
    store: &mut Store,
    i: u32,
    rt: ResourceType,
) -> Result<u32> {
    let h = super::resources::remove_handle_elem(store, cx.inst, i)?;
    let h = h.resource(i)?.clone();
    check_handle_type(store, i, rt, h.rt)?;
    trap_if(
        h.num_lends != 0,
        "cannot remove owned resource while borrowed",
    )?;
    trap_if(
        !h.own,
        &format!("handle index {i} is a borrow, not an owned handle"),
    )?;
    Ok(h.rep)
}

/// Implements `definitions.py::lift_borrow`.
pub(crate) fn lift_borrow(
    cx: &LiftLowerContext,
    store: &mut Store,
    i: u32,
    rt: ResourceType,
) -> Result<u32> {
    let Some(BorrowScope::Subtask(subtask)) = cx.borrow_scope else {
        return Err(internal("lifting a borrow outside of a call"));
    };
    let h = store
        .component
        .inst(cx.inst)?
        .handles
        .get(i)?
        .resource(i)?
        .clone();
    check_handle_type(store, i, rt, h.rt)?;
    Subtask::add_lender(store, subtask, cx.inst, i)?;
    Ok(h.rep)
}

/// Implements `definitions.py::lift_stream`.
pub(crate) fn lift_stream(
    cx: &LiftLowerContext,
    store: &mut Store,
    i: u32,
    t: Option<&ValType>,
) -> Result<Val> {
    let shared = super::streams::lift_async_value(
        store,
        cx.inst,
        i,
        super::streams::EndKind::ReadableStream,
        t,
    )?;
    Ok(Val::Stream(shared))
}

/// Implements `definitions.py::lift_future`.
pub(crate) fn lift_future(
    cx: &LiftLowerContext,
    store: &mut Store,
    i: u32,
    t: Option<&ValType>,
) -> Result<Val> {
    let shared = super::streams::lift_async_value(
        store,
        cx.inst,
        i,
        super::streams::EndKind::ReadableFuture,
        t,
    )?;
    Ok(Val::Future(shared))
}

/// The value a loaded list is for the type it was loaded as: a list, or the
/// key-value entries of a map (whose elements were loaded as tuples).
pub(crate) fn make_list(t: &ValType, elems: Vec<Val>) -> Val {
    if let ValType::Map(_) = t {
        let entries = elems
            .into_iter()
            .filter_map(|e| match e {
                Val::Tuple(mut kv) if kv.len() == 2 => {
                    let v = kv.pop()?;
                    let k = kv.pop()?;
                    Some((k, v))
                }
                _ => None,
            })
            .collect();
        return Val::Map(entries);
    }
    Val::List(elems)
}

/// The value of a loaded record: a record with its labels, or a tuple.
pub(crate) fn make_record(fields: Fields<'_>, vals: Vec<Val>) -> Val {
    match fields {
        Fields::Tuple(_) => Val::Tuple(vals),
        Fields::Record(fs) => Val::Record(fs.iter().map(|f| f.label.clone()).zip(vals).collect()),
    }
}

/// The value of a loaded variant case, by the kind of variant it came from.
pub(crate) fn make_variant(cases: Cases<'_>, i: usize, v: Option<Val>) -> Val {
    let v = v.map(Box::new);
    match cases {
        Cases::Variant(_) => Val::Variant(cases.label(i).to_string(), v),
        Cases::Enum(_) => Val::Enum(cases.label(i).to_string()),
        Cases::Option(_) => Val::Option(if i == 0 { None } else { v }),
        Cases::Result(..) => Val::Result(if i == 0 { Ok(v) } else { Err(v) }),
    }
}
