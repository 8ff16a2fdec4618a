//! Core wasm values in scripts: arguments to `invoke` and the result
//! patterns of `assert_return` (NaN patterns, v128 lanes, references).

use cmref_interp::{AnyRef, AnyRefKind, ExternRef, Val};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};

/// The interpreter's name of a text-format abstract heap type.
fn abstract_heap(ty: AbstractHeapType) -> Option<cmref_interp::AbstractHeapType> {
    use cmref_interp::AbstractHeapType as A;
    let ty = match ty {
        AbstractHeapType::Func => A::Func,
        AbstractHeapType::Extern => A::Extern,
        AbstractHeapType::Exn => A::Exn,
        AbstractHeapType::NoExn => A::NoExn,
        AbstractHeapType::Any => A::Any,
        AbstractHeapType::Eq => A::Eq,
        AbstractHeapType::Struct => A::Struct,
        AbstractHeapType::Array => A::Array,
        AbstractHeapType::I31 => A::I31,
        AbstractHeapType::NoFunc => A::NoFunc,
        AbstractHeapType::NoExtern => A::NoExtern,
        AbstractHeapType::None => A::None,
        _ => return None,
    };
    Some(ty)
}

/// The null of the hierarchy a text-format heap type belongs to.
fn null_of(ht: &HeapType<'_>) -> Option<Val> {
    match ht {
        HeapType::Abstract { ty, .. } => Some(Val::null_of(abstract_heap(*ty)?)),
        _ => None,
    }
}

use wast::token::{F32, F64};

/// Converts a script argument to a value.
pub fn arg(a: &WastArgCore<'_>) -> Result<Val, String> {
    Ok(match a {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(f) => Val::F32(f.bits),
        WastArgCore::F64(f) => Val::F64(f.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(ht) => {
            null_of(ht).ok_or_else(|| format!("unsupported argument (ref.null {ht:?})"))?
        }
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::host(*n))),
        WastArgCore::RefHost(n) => Val::AnyRef(Some(AnyRef::host(*n))),
    })
}

/// Renders a value the way failures report it.
pub fn show(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(b) => format!("f32:{} (0x{b:08x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} (0x{b:016x})", f64::from_bits(*b)),
        Val::V128(x) => format!("v128:0x{x:032x}"),
        Val::FuncRef(None) => "ref.null func".into(),
        Val::FuncRef(Some(f)) => format!("ref.func {f:?}"),
        Val::ExternRef(None) => "ref.null extern".into(),
        Val::ExternRef(Some(e)) => match e.host_id() {
            Some(n) => format!("ref.extern {n}"),
            None => format!("ref.extern ({})", show_any(&e.to_any())),
        },
        Val::AnyRef(None) => "ref.null any".into(),
        Val::AnyRef(Some(a)) => show_any(a),
        Val::ExnRef(None) => "ref.null exn".into(),
        Val::ExnRef(Some(_)) => "ref.exn".into(),
    }
}

fn show_any(a: &AnyRef) -> String {
    match a.kind() {
        AnyRefKind::I31 => format!("ref.i31 {}", a.i31_get_s().unwrap_or_default()),
        AnyRefKind::Host => format!("ref.host {}", a.host_id().unwrap_or_default()),
        AnyRefKind::Struct => "ref.struct".into(),
        AnyRefKind::Array => "ref.array".into(),
    }
}

pub fn show_all(vs: &[Val]) -> String {
    let parts: Vec<String> = vs.iter().map(show).collect();
    format!("[{}]", parts.join(", "))
}

fn f32_matches(p: &NanPattern<F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    let bytes = v.to_le_bytes();
    match p {
        V128Pattern::I8x16(lanes) => lanes.iter().zip(bytes).all(|(l, b)| *l as u8 == b),
        V128Pattern::I16x8(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, l)| *l as u16 == u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]])),
        V128Pattern::I32x4(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, l)| *l as u32 == (v >> (32 * i)) as u32),
        V128Pattern::I64x2(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, l)| *l as u64 == (v >> (64 * i)) as u64),
        V128Pattern::F32x4(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, l)| f32_matches(l, (v >> (32 * i)) as u32)),
        V128Pattern::F64x2(lanes) => lanes
            .iter()
            .enumerate()
            .all(|(i, l)| f64_matches(l, (v >> (64 * i)) as u64)),
    }
}

/// Whether `v` matches the expected result pattern.
pub fn matches(expected: &WastRetCore<'_>, v: &Val) -> Result<bool, String> {
    Ok(match (expected, v) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(a)) => f32_matches(p, *a),
        (WastRetCore::F64(p), Val::F64(a)) => f64_matches(p, *a),
        (WastRetCore::V128(p), Val::V128(a)) => v128_matches(p, *a),
        (
            WastRetCore::RefNull(None),
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None),
        ) => true,
        (WastRetCore::RefNull(Some(ht)), v) => match null_of(ht) {
            // Same hierarchy, both null.
            Some(null) => null == *v,
            // A type index: its hierarchy is the module's business.
            None => matches!(
                v,
                Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None)
            ),
        },
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(e))) => e.host_id() == Some(*n),
        (WastRetCore::RefHost(n), Val::AnyRef(Some(a))) => a.host_id() == Some(*n),
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::RefAny, Val::AnyRef(Some(_))) => true,
        (WastRetCore::RefEq, Val::AnyRef(Some(a))) => a.kind() != AnyRefKind::Host,
        (WastRetCore::RefStruct, Val::AnyRef(Some(a))) => a.kind() == AnyRefKind::Struct,
        (WastRetCore::RefArray, Val::AnyRef(Some(a))) => a.kind() == AnyRefKind::Array,
        (WastRetCore::RefI31, Val::AnyRef(Some(a))) => a.kind() == AnyRefKind::I31,
        (WastRetCore::Either(options), v) => {
            for o in options {
                if matches(o, v)? {
                    return Ok(true);
                }
            }
            false
        }
        (WastRetCore::RefI31Shared, _) => {
            return Err(format!("unsupported result pattern {expected:?}"));
        }
        _ => false,
    })
}

/// Renders an expected pattern for failure messages.
pub fn show_expected(expected: &WastRetCore<'_>) -> String {
    match expected {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(NanPattern::Value(v)) => {
            format!("f32:{} (0x{:08x})", f32::from_bits(v.bits), v.bits)
        }
        WastRetCore::F64(NanPattern::Value(v)) => {
            format!("f64:{} (0x{:016x})", f64::from_bits(v.bits), v.bits)
        }
        WastRetCore::F32(NanPattern::CanonicalNan) => "f32:nan:canonical".into(),
        WastRetCore::F32(NanPattern::ArithmeticNan) => "f32:nan:arithmetic".into(),
        WastRetCore::F64(NanPattern::CanonicalNan) => "f64:nan:canonical".into(),
        WastRetCore::F64(NanPattern::ArithmeticNan) => "f64:nan:arithmetic".into(),
        other => format!("{other:?}"),
    }
}
