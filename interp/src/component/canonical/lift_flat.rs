//! CanonicalABI.md, "Flat Lifting" and `lift_flat_values` of "Lifting and
//! Lowering Values": component values from core values.

use std::collections::VecDeque;

use super::abi::{Cases, Despecialized, Fields, align_to, alignment, despecialize, elem_size};
use super::context::LiftLowerContext;
use super::flattening::{CoreType, flatten_type, flatten_variant};
use super::load::{
    canonicalize_nan32, canonicalize_nan64, convert_i32_to_char, convert_int_to_bool,
    decode_i32_as_float, decode_i64_as_float, lift_borrow, lift_error_context, lift_future,
    lift_own, lift_stream, load, load_list_from_range, make_list, make_record, make_variant,
    unpack_flags_from_int,
};
use super::strings::load_string_from_range;
use super::{trap, trap_if};
use crate::component::store::internal;
use crate::component::types::{TypeSeq, ValType};
use crate::component::values::{Resource, Val};
use crate::error::Result;
use crate::runtime::store::Store;
use crate::values::Val as CoreVal;

/// The `next(t)` interface lifting reads core values through.
pub(crate) trait ValueIter {
    fn next(&mut self, t: CoreType) -> Result<CoreVal>;
}

/// `definitions.py::CoreValueIter`.
#[derive(Debug, Default)]
pub(crate) struct CoreValueIter {
    values: Vec<CoreVal>,
    i: usize,
}

impl CoreValueIter {
    pub(crate) fn new(values: Vec<CoreVal>) -> CoreValueIter {
        CoreValueIter { values, i: 0 }
    }

    /// `CoreValueIter.done`.
    pub(crate) fn done(&self) -> bool {
        self.i == self.values.len()
    }
}

impl ValueIter for CoreValueIter {
    /// `CoreValueIter.next`: the next value, which has core type `t`.
    fn next(&mut self, t: CoreType) -> Result<CoreVal> {
        let v = *self
            .values
            .get(self.i)
            .ok_or_else(|| internal("too few core values"))?;
        self.i += 1;
        let ok = matches!(
            (t, v),
            (CoreType::I32, CoreVal::I32(_))
                | (CoreType::I64, CoreVal::I64(_))
                | (CoreType::F32, CoreVal::F32(_))
                | (CoreType::F64, CoreVal::F64(_))
        );
        if !ok {
            return Err(internal("core value of an unexpected type"));
        }
        Ok(v)
    }
}

pub(crate) fn as_u32(v: CoreVal) -> u32 {
    match v {
        CoreVal::I32(x) => x as u32,
        CoreVal::I64(x) => x as u32,
        CoreVal::F32(b) => b,
        CoreVal::F64(b) => b as u32,
        _ => 0,
    }
}

pub(crate) fn as_u64(v: CoreVal) -> u64 {
    match v {
        CoreVal::I32(x) => x as u32 as u64,
        CoreVal::I64(x) => x as u64,
        CoreVal::F32(b) => b as u64,
        CoreVal::F64(b) => b,
        _ => 0,
    }
}

/// Reads a pointer of the context's address type.
pub(crate) fn next_ptr(cx: &LiftLowerContext, vi: &mut dyn ValueIter) -> Result<u64> {
    Ok(as_u64(vi.next(CoreType::ptr(cx.ptr_type()))?))
}

/// Implements `definitions.py::lift_flat`.
pub(crate) fn lift_flat(
    cx: &LiftLowerContext,
    store: &mut Store,
    vi: &mut dyn ValueIter,
    t: &ValType,
) -> Result<Val> {
    Ok(match despecialize(t) {
        Despecialized::Bool => {
            Val::Bool(convert_int_to_bool(as_u32(vi.next(CoreType::I32)?) as u64))
        }
        Despecialized::U8 => Val::U8(lift_flat_unsigned(vi, 32, 8)? as u8),
        Despecialized::U16 => Val::U16(lift_flat_unsigned(vi, 32, 16)? as u16),
        Despecialized::U32 => Val::U32(lift_flat_unsigned(vi, 32, 32)? as u32),
        Despecialized::U64 => Val::U64(lift_flat_unsigned(vi, 64, 64)?),
        Despecialized::S8 => Val::S8(lift_flat_signed(vi, 32, 8)? as i8),
        Despecialized::S16 => Val::S16(lift_flat_signed(vi, 32, 16)? as i16),
        Despecialized::S32 => Val::S32(lift_flat_signed(vi, 32, 32)? as i32),
        Despecialized::S64 => Val::S64(lift_flat_signed(vi, 64, 64)?),
        Despecialized::F32 => Val::F32(canonicalize_nan32(f32::from_bits(as_u32(
            vi.next(CoreType::F32)?,
        )))),
        Despecialized::F64 => Val::F64(canonicalize_nan64(f64::from_bits(as_u64(
            vi.next(CoreType::F64)?,
        )))),
        Despecialized::Char => Val::Char(convert_i32_to_char(cx, as_u32(vi.next(CoreType::I32)?))?),
        Despecialized::String => lift_flat_string(cx, store, vi)?,
        Despecialized::ErrorContext => {
            lift_error_context(cx, store, as_u32(vi.next(CoreType::I32)?))?
        }
        Despecialized::List(elem, l) => make_list(t, lift_flat_list(cx, store, vi, elem, l)?),
        Despecialized::Record(fields) => {
            make_record(fields, lift_flat_record(cx, store, vi, fields)?)
        }
        Despecialized::Variant(cases) => {
            let (i, v) = lift_flat_variant(cx, store, vi, cases)?;
            make_variant(cases, i, v)
        }
        Despecialized::Flags(labels) => Val::Flags(lift_flat_flags(vi, labels)?),
        Despecialized::Own(rt) => Val::Own(Resource {
            ty: rt,
            rep: lift_own(cx, store, as_u32(vi.next(CoreType::I32)?), rt)?,
        }),
        Despecialized::Borrow(rt) => Val::Borrow(Resource {
            ty: rt,
            rep: lift_borrow(cx, store, as_u32(vi.next(CoreType::I32)?), rt)?,
        }),
        Despecialized::Stream(e) => lift_stream(cx, store, as_u32(vi.next(CoreType::I32)?), e)?,
        Despecialized::Future(e) => lift_future(cx, store, as_u32(vi.next(CoreType::I32)?), e)?,
    })
}

/// Implements `definitions.py::lift_flat_unsigned`.
pub(crate) fn lift_flat_unsigned(
    vi: &mut dyn ValueIter,
    core_width: u32,
    t_width: u32,
) -> Result<u64> {
    let i = if core_width == 32 {
        as_u32(vi.next(CoreType::I32)?) as u64
    } else {
        as_u64(vi.next(CoreType::I64)?)
    };
    Ok(if t_width == 64 { i } else { i % (1 << t_width) })
}

/// Implements `definitions.py::lift_flat_signed`.
pub(crate) fn lift_flat_signed(
    vi: &mut dyn ValueIter,
    core_width: u32,
    t_width: u32,
) -> Result<i64> {
    let i = lift_flat_unsigned(vi, core_width, t_width)?;
    // Sign-extend the low `t_width` bits.
    let shift = 64 - t_width;
    Ok(((i << shift) as i64) >> shift)
}

/// Implements `definitions.py::lift_flat_string`.
pub(crate) fn lift_flat_string(
    cx: &LiftLowerContext,
    store: &mut Store,
    vi: &mut dyn ValueIter,
) -> Result<Val> {
    let ptr = next_ptr(cx, vi)?;
    let packed_length = next_ptr(cx, vi)?;
    Ok(Val::String(load_string_from_range(
        cx,
        store,
        ptr,
        packed_length,
    )?))
}

/// Implements `definitions.py::lift_flat_list`.
pub(crate) fn lift_flat_list(
    cx: &LiftLowerContext,
    store: &mut Store,
    vi: &mut dyn ValueIter,
    elem_type: &ValType,
    maybe_length: Option<u32>,
) -> Result<Vec<Val>> {
    if let Some(l) = maybe_length {
        // A flat fixed-length list has at most 16 elements.
        let mut a = Vec::new();
        for _ in 0..l {
            a.push(lift_flat(cx, store, vi, elem_type)?);
        }
        return Ok(a);
    }
    let ptr = next_ptr(cx, vi)?;
    let length = next_ptr(cx, vi)?;
    load_list_from_range(cx, store, ptr, length, elem_type)
}

/// Implements `definitions.py::lift_flat_record` (field values in order).
pub(crate) fn lift_flat_record(
    cx: &LiftLowerContext,
    store: &mut Store,
    vi: &mut dyn ValueIter,
    fields: Fields<'_>,
) -> Result<Vec<Val>> {
    let mut record = Vec::with_capacity(fields.len());
    for i in 0..fields.len() {
        record.push(lift_flat(cx, store, vi, fields.t(i))?);
    }
    Ok(record)
}

/// The `CoerceValueIter` of `lift_flat_variant`: reads the variant's joined
/// flat types and converts each to the type the case's payload wants.
struct CoerceValueIter<'a> {
    vi: &'a mut dyn ValueIter,
    flat_types: &'a mut VecDeque<CoreType>,
}

impl ValueIter for CoerceValueIter<'_> {
    fn next(&mut self, want: CoreType) -> Result<CoreVal> {
        let have = self
            .flat_types
            .pop_front()
            .ok_or_else(|| internal("variant payload longer than its flattening"))?;
        let x = self.vi.next(have)?;
        Ok(match (have, want) {
            (CoreType::I32, CoreType::F32) => {
                CoreVal::F32(decode_i32_as_float(as_u32(x)).to_bits())
            }
            (CoreType::I64, CoreType::I32) => CoreVal::I32(wrap_i64_to_i32(as_u64(x)) as i32),
            (CoreType::I64, CoreType::F32) => {
                CoreVal::F32(decode_i32_as_float(wrap_i64_to_i32(as_u64(x))).to_bits())
            }
            (CoreType::I64, CoreType::F64) => {
                CoreVal::F64(decode_i64_as_float(as_u64(x)).to_bits())
            }
            _ if have == want => x,
            _ => return Err(internal("variant payload of an unjoinable type")),
        })
    }
}

/// Implements `definitions.py::lift_flat_variant`: the case index and its
/// payload.
pub(crate) fn lift_flat_variant(
    cx: &LiftLowerContext,
    store: &mut Store,
    vi: &mut dyn ValueIter,
    cases: Cases<'_>,
) -> Result<(usize, Option<Val>)> {
    let mut flat_types: VecDeque<CoreType> = flatten_variant(cases, cx.ptr_type()).types.into();
    if flat_types.pop_front() != Some(CoreType::I32) {
        return Err(internal("variant discriminant is not an i32"));
    }
    let case_index = as_u32(vi.next(CoreType::I32)?) as usize;
    trap_if(case_index >= cases.len(), "invalid variant discriminant")?;
    let v = match cases.t(case_index) {
        None => None,
        Some(t) => {
            let mut coerce = CoerceValueIter {
                vi: &mut *vi,
                flat_types: &mut flat_types,
            };
            Some(lift_flat(cx, store, &mut coerce, t)?)
        }
    };
    for have in flat_types {
        vi.next(have)?;
    }
    Ok((case_index, v))
}

/// Implements `definitions.py::wrap_i64_to_i32`.
pub(crate) fn wrap_i64_to_i32(i: u64) -> u32 {
    i as u32
}

/// Implements `definitions.py::lift_flat_flags`.
pub(crate) fn lift_flat_flags(vi: &mut dyn ValueIter, labels: &[String]) -> Result<Vec<String>> {
    let i = as_u32(vi.next(CoreType::I32)?);
    Ok(unpack_flags_from_int(i as u64, labels))
}

/// Implements `definitions.py::lift_flat_values`. (`flatten_types(ts)` is
/// the flattening of the tuple of `ts`, which the tuple type caches.)
pub(crate) fn lift_flat_values(
    cx: &LiftLowerContext,
    store: &mut Store,
    max_flat: usize,
    vi: &mut dyn ValueIter,
    ts: &TypeSeq,
) -> Result<Vec<Val>> {
    let flat_types = flatten_type(&ts.tuple, cx.ptr_type());
    if flat_types.len() > max_flat {
        let ptr = next_ptr(cx, vi)?;
        let tuple_type = &ts.tuple;
        let ptr_type = cx.ptr_type();
        trap_if(
            ptr != align_to(ptr, alignment(tuple_type, ptr_type)),
            "unaligned pointer: the values' pointer is not aligned for their tuple type",
        )?;
        let mem = cx.memory()?;
        if ptr
            .checked_add(elem_size(tuple_type, ptr_type))
            .is_none_or(|end| end > mem.len(store))
        {
            return trap("the values' pointer is out of bounds of memory");
        }
        return match load(cx, store, ptr, tuple_type)? {
            Val::Tuple(vs) => Ok(vs),
            _ => Err(internal("tuple loaded as something else")),
        };
    }
    let mut out = Vec::with_capacity(ts.ts.len());
    for t in &ts.ts {
        out.push(lift_flat(cx, store, vi, t)?);
    }
    Ok(out)
}
