//! Engine-neutral core values, so results of cmref and Wasmtime compare.

use arbitrary::{Result, Unstructured};
use cmref_interp::ValType;

/// A core value. Float equality treats every NaN as equal to every NaN;
/// references compare by null-ness only (their identities are per engine).
#[derive(Clone, Copy, Debug)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    Ref { null: bool },
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (*self, *other) {
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
            }
            (Value::V128(a), Value::V128(b)) => a == b,
            (Value::Ref { null: a }, Value::Ref { null: b }) => a == b,
            _ => false,
        }
    }
}

/// Arbitrary arguments for parameters of these types (references: null).
pub fn arbitrary_args(u: &mut Unstructured<'_>, params: &[ValType]) -> Result<Vec<Value>> {
    params
        .iter()
        .map(|t| {
            Ok(match t {
                ValType::I32 => Value::I32(u.arbitrary()?),
                ValType::I64 => Value::I64(u.arbitrary()?),
                ValType::F32 => Value::F32(u.arbitrary()?),
                ValType::F64 => Value::F64(u.arbitrary()?),
                ValType::V128 => Value::V128(u.arbitrary()?),
                ValType::Ref(_) => Value::Ref { null: true },
            })
        })
        .collect()
}
