//! Constant expressions (global initialisers, segment offsets, element items,
//! table initialisers), decoded once into a tiny stack program.

use wasmparser::Operator;

use crate::error::{Error, Result, TrapKind};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// `ref.i31`.
    RefI31,
    /// `any.convert_extern` and `extern.convert_any` keep the bits.
    Convert,
    /// GC allocations; the type index is the module's.
    StructNew(u32),
    StructNewDefault(u32),
    ArrayNew(u32),
    ArrayNewDefault(u32),
    ArrayNewFixed(u32, u32),
}

/// A validated constant expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConstExpr {
    pub(crate) ops: Vec<ConstOp>,
}

/// What evaluating a constant expression needs from its instance.
pub(crate) trait ConstEnv {
    /// A global's value (two slots, for a v128).
    fn global(&self, index: u32) -> u128;
    /// A reference to a function of the module.
    fn func_ref(&self, index: u32) -> u64;
    /// Performs a GC allocation (`StructNew`, ..., `ArrayNewFixed`) with
    /// its operands, in order, and returns the reference.
    fn alloc(&mut self, op: ConstOp, operands: &[u128]) -> Result<u64, TrapKind>;
    /// How many operands an allocation takes.
    fn arity(&self, op: ConstOp) -> usize;
}

impl ConstExpr {
    pub(crate) fn from_op(op: ConstOp) -> ConstExpr {
        ConstExpr { ops: vec![op] }
    }

    /// Decodes an expression the validator has accepted as constant.
    pub(crate) fn read(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        loop {
            let op = reader
                .read()
                .map_err(|e| Error::Malformed(e.message().to_string()))?;
            ops.push(match op {
                Operator::End => break,
                Operator::I32Const { value } => ConstOp::I32(value),
                Operator::I64Const { value } => ConstOp::I64(value),
                Operator::F32Const { value } => ConstOp::F32(value.bits()),
                Operator::F64Const { value } => ConstOp::F64(value.bits()),
                Operator::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
                Operator::RefNull { .. } => ConstOp::RefNull,
                Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                Operator::I32Add => ConstOp::I32Add,
                Operator::I32Sub => ConstOp::I32Sub,
                Operator::I32Mul => ConstOp::I32Mul,
                Operator::I64Add => ConstOp::I64Add,
                Operator::I64Sub => ConstOp::I64Sub,
                Operator::I64Mul => ConstOp::I64Mul,
                Operator::RefI31 => ConstOp::RefI31,
                Operator::AnyConvertExtern | Operator::ExternConvertAny => ConstOp::Convert,
                Operator::StructNew { struct_type_index } => ConstOp::StructNew(struct_type_index),
                Operator::StructNewDefault { struct_type_index } => {
                    ConstOp::StructNewDefault(struct_type_index)
                }
                Operator::ArrayNew { array_type_index } => ConstOp::ArrayNew(array_type_index),
                Operator::ArrayNewDefault { array_type_index } => {
                    ConstOp::ArrayNewDefault(array_type_index)
                }
                Operator::ArrayNewFixed {
                    array_type_index,
                    array_size,
                } => ConstOp::ArrayNewFixed(array_type_index, array_size),
                other => {
                    return Err(Error::Unsupported(format!(
                        "constant expression operator {other:?}"
                    )));
                }
            });
        }
        Ok(ConstExpr { ops })
    }

    /// Evaluates to a 128-bit slot pair.
    pub(crate) fn eval(&self, env: &mut dyn ConstEnv) -> Result<u128, TrapKind> {
        let mut stack: Vec<u128> = Vec::with_capacity(4);
        // Validation guarantees the operands exist; a missing one reads as 0
        // rather than panicking.
        let pop = |s: &mut Vec<u128>| s.pop().unwrap_or(0);
        for op in &self.ops {
            let v = match *op {
                ConstOp::I32(v) => v as u32 as u128,
                ConstOp::I64(v) => v as u64 as u128,
                ConstOp::F32(v) => v as u128,
                ConstOp::F64(v) => v as u128,
                ConstOp::V128(v) => v,
                ConstOp::RefNull => 0,
                ConstOp::RefFunc(f) => env.func_ref(f) as u128,
                ConstOp::GlobalGet(g) => env.global(g),
                ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                    let b = pop(&mut stack) as u32;
                    let a = pop(&mut stack) as u32;
                    let r = match op {
                        ConstOp::I32Add => a.wrapping_add(b),
                        ConstOp::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    r as u128
                }
                ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                    let b = pop(&mut stack) as u64;
                    let a = pop(&mut stack) as u64;
                    let r = match op {
                        ConstOp::I64Add => a.wrapping_add(b),
                        ConstOp::I64Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    };
                    r as u128
                }
                ConstOp::RefI31 => crate::values::i31_ref(pop(&mut stack) as u32) as u128,
                ConstOp::Convert => pop(&mut stack),
                ConstOp::StructNew(_)
                | ConstOp::StructNewDefault(_)
                | ConstOp::ArrayNew(_)
                | ConstOp::ArrayNewDefault(_)
                | ConstOp::ArrayNewFixed(..) => {
                    let n = env.arity(*op).min(stack.len());
                    let operands = stack.split_off(stack.len() - n);
                    env.alloc(*op, &operands)? as u128
                }
            };
            stack.push(v);
        }
        Ok(pop(&mut stack))
    }
}
