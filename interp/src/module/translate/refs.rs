//! Translation of typed function references and tail calls: `call_ref`,
//! `return_call*`, `ref.as_non_null`, `br_on_null`, `br_on_non_null`, and
//! the conditional branch on a reference that `br_on_cast` shares.

use wasmparser::{Operator, ValType};

use super::{Operand, Translator};
use crate::error::Result;
use crate::exec::instr::{Instr, Slot, Target};
use crate::types::slots_of;

impl Translator<'_> {
    /// Function-reference and tail-call operators; false if `op` is not one.
    pub(super) fn refs_op(&mut self, op: &Operator<'_>, top: Option<ValType>) -> Result<bool> {
        match *op {
            Operator::CallRef { type_index } => self.call_ref(type_index, false),
            Operator::ReturnCallRef { type_index } => self.call_ref(type_index, true),
            Operator::ReturnCall { function_index } => self.call(function_index, true),
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, true),
            Operator::RefAsNonNull => {
                let ty = top.expect("validated ref.as_non_null");
                self.unary(|dst, src| Instr::RefAsNonNull { dst, src }, ty);
            }
            Operator::BrOnNull { relative_depth } => {
                self.br_on_ref(
                    relative_depth,
                    false,
                    |src, target| Instr::BrOnNull { src, target },
                    |src, target| Instr::BrOnNonNull { src, target },
                );
                // Not taken: the reference is non-null.
                self.retype_top(top);
            }
            Operator::BrOnNonNull { relative_depth } => {
                self.br_on_ref(
                    relative_depth,
                    true,
                    |src, target| Instr::BrOnNonNull { src, target },
                    |src, target| Instr::BrOnNull { src, target },
                );
                // Not taken: the (null) reference is dropped.
                self.pop();
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Gives the top entry the type the validator now reports.
    pub(super) fn retype_top(&mut self, top: Option<ValType>) {
        if let (Some(ty), Some(e)) = (top, self.stack.last_mut()) {
            e.ty = ty;
        }
    }

    /// Emits the return of `n` result slots that a call left at `base`
    /// (after a tail call that turned out to call a host function).
    pub(super) fn return_from(&mut self, base: Slot) {
        let results = self.controls[0].results.clone();
        let len = slots_of(&results);
        match (results.len(), len) {
            (0, _) => self.emit(Instr::Return0),
            (1, 1) => self.emit(Instr::Return1 { src: base }),
            _ => self.emit(Instr::ReturnSpan { src: base, len }),
        };
    }

    fn call_ref(&mut self, type_index: u32, tail: bool) {
        let func = self.pop_read();
        let ty = self.m.func_type_at(type_index);
        let (nparams, results) = (ty.params().len(), ty.results().to_vec());
        let base = self.pop_consecutive_gc(nparams);
        if tail {
            self.emit(Instr::ReturnCallRef { base, func });
        } else {
            self.emit(Instr::CallRef { base, func });
        }
        self.after_call(base, results, tail, tail);
    }

    /// A conditional branch on the reference on top of the stack. With
    /// `with_ref` the reference is the label's last value (`br_on_non_null`,
    /// `br_on_cast`, `br_on_cast_fail`); otherwise the label's values lie
    /// below it (`br_on_null`). The reference stays on the stack for the
    /// code that follows. `make` builds the branch, `inverse` the branch on
    /// the opposite condition.
    pub(super) fn br_on_ref(
        &mut self,
        depth: u32,
        with_ref: bool,
        make: impl Fn(Slot, Target) -> Instr,
        inverse: impl Fn(Slot, Target) -> Instr,
    ) {
        let is_return = depth as usize == self.controls.len() - 1;
        let n = self.frame(depth).label_types().len();
        let saved = if with_ref {
            None
        } else {
            // Take the reference off so the label's values are on top; a
            // constant (null) goes to its slot so the branch can read it.
            let top = self.stack.len() - 1;
            if let Operand::Const(_) | Operand::Const128(_) = self.stack[top].operand {
                self.materialize(top);
            }
            Some(self.pop())
        };
        self.materialize_top(n);
        let src = match saved {
            Some(e) => match e.operand {
                Operand::Local(i) => self.local_slots[i as usize],
                _ => e.slot,
            },
            None => self.stack.last().expect("validated reference").slot,
        };
        self.branch_if(
            depth,
            is_return,
            |target| make(src, target),
            |target| inverse(src, target),
        );
        if let Some(e) = saved {
            self.push(e.ty, e.operand);
        }
    }
}
