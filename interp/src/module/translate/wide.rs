//! Translation of the wide-arithmetic operators.

use wasmparser::{Operator, ValType};

use super::Translator;
use crate::exec::instr::Instr;
use crate::exec::wide::WideOp;

impl Translator<'_> {
    /// Wide-arithmetic operators; false if `op` is not one. The operands
    /// are made consecutive and the two i64 results replace them.
    pub(super) fn wide(&mut self, op: &Operator<'_>) -> bool {
        let op = match op {
            Operator::I64Add128 => WideOp::Add128,
            Operator::I64Sub128 => WideOp::Sub128,
            Operator::I64MulWideS => WideOp::MulWideS,
            Operator::I64MulWideU => WideOp::MulWideU,
            _ => return false,
        };
        let base = self.pop_consecutive(op.arity());
        self.push_temp(ValType::I64);
        self.push_temp(ValType::I64);
        self.emit(Instr::Wide { op, base });
        true
    }
}
