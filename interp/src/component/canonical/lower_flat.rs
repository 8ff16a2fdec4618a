//! CanonicalABI.md, "Flat Lowering" and `lower_flat_values` of "Lifting and
//! Lowering Values": core values from component values.

use std::collections::VecDeque;

use super::abi::{Cases, Despecialized, Fields, align_to, alignment, despecialize, elem_size};
use super::context::LiftLowerContext;
use super::flattening::{CoreType, flatten_type, flatten_variant};
use super::lift_flat::{ValueIter, next_ptr};
use super::storing::{
    char_to_i32, encode_float_as_i32, encode_float_as_i64, field_values, list_elems, lower_borrow,
    lower_error_context, lower_future, lower_own, lower_stream, match_case, maybe_scramble_nan32,
    maybe_scramble_nan64, mismatch, pack_flags_into_int, store_list_into_range,
};
use super::strings::store_string_into_range;
use super::{trap, trap_if};
use crate::component::store::internal;
use crate::component::types::{TypeSeq, ValType};
use crate::component::values::Val;
use crate::error::Result;
use crate::runtime::store::Store;
use crate::values::Val as CoreVal;

fn i32v(x: u64) -> CoreVal {
    CoreVal::I32(x as u32 as i32)
}

fn ptrv(cx: &LiftLowerContext, x: u64) -> CoreVal {
    match CoreType::ptr(cx.ptr_type()) {
        CoreType::I64 => CoreVal::I64(x as i64),
        _ => i32v(x),
    }
}

/// Implements `definitions.py::lower_flat`.
pub(crate) fn lower_flat(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &Val,
    t: &ValType,
) -> Result<Vec<CoreVal>> {
    Ok(match (despecialize(t), v) {
        (Despecialized::Bool, Val::Bool(b)) => vec![i32v(*b as u64)],
        (Despecialized::U8, Val::U8(x)) => vec![i32v(*x as u64)],
        (Despecialized::U16, Val::U16(x)) => vec![i32v(*x as u64)],
        (Despecialized::U32, Val::U32(x)) => vec![i32v(*x as u64)],
        (Despecialized::U64, Val::U64(x)) => vec![CoreVal::I64(*x as i64)],
        (Despecialized::S8, Val::S8(x)) => lower_flat_signed(*x as i64, 32),
        (Despecialized::S16, Val::S16(x)) => lower_flat_signed(*x as i64, 32),
        (Despecialized::S32, Val::S32(x)) => lower_flat_signed(*x as i64, 32),
        (Despecialized::S64, Val::S64(x)) => lower_flat_signed(*x, 64),
        (Despecialized::F32, Val::F32(f)) => {
            vec![CoreVal::F32(
                maybe_scramble_nan32(&mut store.nondet, *f).to_bits(),
            )]
        }
        (Despecialized::F64, Val::F64(f)) => {
            vec![CoreVal::F64(
                maybe_scramble_nan64(&mut store.nondet, *f).to_bits(),
            )]
        }
        (Despecialized::Char, Val::Char(c)) => vec![i32v(char_to_i32(*c) as u64)],
        (Despecialized::String, Val::String(_)) => lower_flat_string(cx, store, v)?,
        (Despecialized::List(elem, l), _) => lower_flat_list(cx, store, v, t, elem, l)?,
        (Despecialized::Record(fields), _) => {
            lower_flat_record(cx, store, &field_values(v, t, fields)?, fields)?
        }
        (Despecialized::Variant(cases), _) => lower_flat_variant(cx, store, v, t, cases)?,
        (Despecialized::Flags(labels), Val::Flags(set)) => lower_flat_flags(set, labels),
        (Despecialized::Own(rt), Val::Own(r)) => {
            vec![i32v(lower_own(cx, store, r.rep, rt)? as u64)]
        }
        (Despecialized::Borrow(rt), Val::Borrow(r)) => {
            vec![i32v(lower_borrow(cx, store, r.rep, rt)? as u64)]
        }
        (Despecialized::Stream(_), Val::Stream(s)) => {
            vec![i32v(lower_stream(cx, store, *s)? as u64)]
        }
        (Despecialized::Future(_), Val::Future(s)) => {
            vec![i32v(lower_future(cx, store, *s)? as u64)]
        }
        (Despecialized::ErrorContext, Val::ErrorContext(e)) => {
            vec![i32v(lower_error_context(cx, store, e)? as u64)]
        }
        _ => return Err(mismatch(v, t)),
    })
}

/// Implements `definitions.py::lower_flat_signed`: two's complement in the
/// core width.
pub(crate) fn lower_flat_signed(i: i64, core_bits: u32) -> Vec<CoreVal> {
    if core_bits == 32 {
        vec![CoreVal::I32(i as i32)]
    } else {
        vec![CoreVal::I64(i)]
    }
}

/// Implements `definitions.py::lower_flat_string`.
pub(crate) fn lower_flat_string(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &Val,
) -> Result<Vec<CoreVal>> {
    let Val::String(s) = v else {
        return Err(internal("lower_flat_string"));
    };
    let (ptr, packed_length) = store_string_into_range(cx, store, s)?;
    Ok(vec![ptrv(cx, ptr), ptrv(cx, packed_length)])
}

/// Implements `definitions.py::lower_flat_list`.
pub(crate) fn lower_flat_list(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &Val,
    t: &ValType,
    elem_type: &ValType,
    maybe_length: Option<u32>,
) -> Result<Vec<CoreVal>> {
    let elems = list_elems(v, t)?;
    if let Some(l) = maybe_length {
        if l as usize != elems.len() {
            return Err(mismatch(v, t));
        }
        let mut flat = Vec::new();
        for e in elems.iter() {
            flat.extend(lower_flat(cx, store, e, elem_type)?);
        }
        return Ok(flat);
    }
    let (ptr, length) = store_list_into_range(cx, store, &elems, elem_type)?;
    Ok(vec![ptrv(cx, ptr), ptrv(cx, length)])
}

/// Implements `definitions.py::lower_flat_record`.
pub(crate) fn lower_flat_record(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &[&Val],
    fields: Fields<'_>,
) -> Result<Vec<CoreVal>> {
    let mut flat = Vec::new();
    for (i, v) in v.iter().enumerate().take(fields.len()) {
        flat.extend(lower_flat(cx, store, v, fields.t(i))?);
    }
    Ok(flat)
}

/// A typed zero of a flat type (the padding of a variant's unused slots).
fn zero(t: CoreType) -> CoreVal {
    match t {
        CoreType::I32 => CoreVal::I32(0),
        CoreType::I64 => CoreVal::I64(0),
        CoreType::F32 => CoreVal::F32(0),
        CoreType::F64 => CoreVal::F64(0),
    }
}

/// Implements `definitions.py::lower_flat_variant`.
pub(crate) fn lower_flat_variant(
    cx: &LiftLowerContext,
    store: &mut Store,
    v: &Val,
    t: &ValType,
    cases: Cases<'_>,
) -> Result<Vec<CoreVal>> {
    let (case_index, case_value) = match_case(v, t, cases)?;
    let mut flat_types: VecDeque<CoreType> = flatten_variant(cases, cx.ptr_type()).types.into();
    if flat_types.pop_front() != Some(CoreType::I32) {
        return Err(internal("variant discriminant is not an i32"));
    }
    let mut payload = Vec::new();
    if let (Some(ct), Some(cv)) = (cases.t(case_index), case_value) {
        payload = lower_flat(cx, store, cv, ct)?;
        let have_types = flatten_type(ct, cx.ptr_type()).types;
        for (i, have) in have_types.iter().enumerate() {
            let want = flat_types
                .pop_front()
                .ok_or_else(|| internal("variant payload longer than its flattening"))?;
            let slot = payload
                .get_mut(i)
                .ok_or_else(|| internal("variant payload shorter than its flattening"))?;
            let fv = *slot;
            *slot = match (*have, want) {
                (CoreType::F32, CoreType::I32) => CoreVal::I32(encode_float_as_i32(
                    &mut store.nondet,
                    f32::from_bits(super::lift_flat::as_u32(fv)),
                ) as i32),
                (CoreType::I32, CoreType::I64) => CoreVal::I64(super::lift_flat::as_u32(fv) as i64),
                (CoreType::F32, CoreType::I64) => CoreVal::I64(encode_float_as_i32(
                    &mut store.nondet,
                    f32::from_bits(super::lift_flat::as_u32(fv)),
                ) as i64),
                (CoreType::F64, CoreType::I64) => CoreVal::I64(encode_float_as_i64(
                    &mut store.nondet,
                    f64::from_bits(super::lift_flat::as_u64(fv)),
                ) as i64),
                _ if *have == want => fv,
                _ => return Err(internal("variant payload of an unjoinable type")),
            };
        }
    }
    for t in flat_types {
        payload.push(zero(t));
    }
    let mut out = vec![i32v(case_index as u64)];
    out.extend(payload);
    Ok(out)
}

/// Implements `definitions.py::lower_flat_flags`.
pub(crate) fn lower_flat_flags(v: &[String], labels: &[String]) -> Vec<CoreVal> {
    vec![i32v(pack_flags_into_int(v, labels))]
}

/// Implements `definitions.py::lower_flat_values`: `out_param` is the rest
/// of a lowered call's arguments, whose next value is the pointer to store
/// spilled results at.
pub(crate) fn lower_flat_values(
    cx: &LiftLowerContext,
    store_: &mut Store,
    max_flat: usize,
    vs: &[Val],
    ts: &TypeSeq,
    out_param: Option<&mut dyn ValueIter>,
) -> Result<Vec<CoreVal>> {
    if vs.len() != ts.ts.len() {
        return Err(internal("value count does not match the types"));
    }
    let ptr_type = cx.ptr_type();
    let flat_types = flatten_type(&ts.tuple, ptr_type);
    if flat_types.len() > max_flat {
        let tuple_type = &ts.tuple;
        let allocated = out_param.is_none();
        let (ptr, flat_vals) = match out_param {
            None => {
                let ptr = cx.allocate(
                    store_,
                    alignment(tuple_type, ptr_type),
                    elem_size(tuple_type, ptr_type),
                )?;
                (ptr, vec![ptrv(cx, ptr)])
            }
            Some(out_param) => (next_ptr(cx, out_param)?, Vec::new()),
        };
        let a = alignment(tuple_type, ptr_type);
        trap_if(
            ptr != align_to(ptr, a),
            &format!("unaligned pointer: {ptr:#x} is not {a}-aligned for the spilled values"),
        )?;
        let size = elem_size(tuple_type, ptr_type);
        let len = cx.memory()?.len(store_);
        if ptr as u128 + size as u128 > len as u128 {
            let what = if allocated {
                "realloc return: beyond end of memory"
            } else {
                "the result pointer is out of bounds of memory"
            };
            return trap(format!(
                "{what} (spilled values at {ptr:#x} + {size} bytes > {len})"
            ));
        }
        let refs: Vec<&Val> = vs.iter().collect();
        match despecialize(tuple_type) {
            Despecialized::Record(fields) => {
                super::storing::store_record(cx, store_, &refs, ptr, fields)?
            }
            _ => return Err(internal("tuple type")),
        }
        return Ok(flat_vals);
    }
    let mut flat_vals = Vec::new();
    for (v, t) in vs.iter().zip(&ts.ts) {
        flat_vals.extend(lower_flat(cx, store_, v, t)?);
    }
    Ok(flat_vals)
}
