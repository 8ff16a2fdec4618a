//! Translation of exception handling: `throw`, `throw_ref`, `try_table`,
//! and the legacy `try`/`catch`/`catch_all`/`delegate`/`rethrow`. The
//! handlers go to the function's handler table (see `exec::exceptions`).
//!
//! A catch clause delivers the payload (and, for the `_ref` forms, the
//! exception) where its label expects its values and continues there. When
//! the label's values live where the `try_table`'s own stack starts, the
//! handler jumps straight to the label; otherwise (values must move, or the
//! label is the function's and the catch returns) it jumps to a small stub,
//! emitted behind a jump at the start of the `try_table`, that branches to
//! the label the ordinary way.

use wasmparser::{Catch, Operator, TryTable, ValType};

use super::{Control, Fixup, Kind, Translator};
use crate::error::Result;
use crate::exec::exceptions::{CatchClause, Handler, HandlerKind, NO_HANDLER};
use crate::exec::instr::Instr;

impl Translator<'_> {
    /// Exception-handling operators; false if `op` is not one.
    pub(super) fn exn_op(&mut self, op: &Operator<'_>, _top: Option<ValType>) -> Result<bool> {
        match op {
            Operator::Throw { tag_index } => {
                let n = self.tag_params(*tag_index).len();
                let base = self.pop_consecutive_gc(n);
                self.emit(Instr::Throw {
                    base,
                    tag: *tag_index,
                });
                self.set_unreachable();
            }
            Operator::ThrowRef => {
                let src = self.pop_read();
                self.emit(Instr::ThrowRef { src });
                self.set_unreachable();
            }
            Operator::TryTable { try_table } => self.try_table(try_table),
            Operator::Try { blockty } => {
                self.block_start(Kind::LegacyTry, *blockty, None);
                let parent = self.active_handler(self.controls.len() - 1);
                let handler = self.open_handler(parent);
                let exn_slot = self.next_hidden;
                self.next_hidden += 1;
                let c = self.controls.last_mut().expect("try frame");
                c.handler = handler;
                c.exn_slot = Some(exn_slot);
            }
            Operator::Catch { tag_index } => self.legacy_catch(Some(*tag_index)),
            Operator::CatchAll => self.legacy_catch(None),
            Operator::Delegate { relative_depth } => self.legacy_delegate(*relative_depth)?,
            Operator::Rethrow { relative_depth } => {
                let src = self
                    .frame(*relative_depth)
                    .exn_slot
                    .expect("validated rethrow of a catch");
                self.emit(Instr::ThrowRef { src });
                self.set_unreachable();
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The payload types of a tag.
    fn tag_params(&self, tag: u32) -> Vec<ValType> {
        self.m
            .func_type_at(self.m.tag_types[tag as usize])
            .params()
            .to_vec()
    }

    /// The handler in effect for code in `controls[..=idx]`: the innermost
    /// `try_table` or legacy `try` body around it.
    fn active_handler(&self, idx: usize) -> u32 {
        self.controls[..idx]
            .iter()
            .rev()
            .find(|c| c.handler != NO_HANDLER && matches!(c.kind, Kind::TryTable | Kind::LegacyTry))
            .map_or(NO_HANDLER, |c| c.handler)
    }

    /// Adds a handler covering code from here on (its end is set when its
    /// block's body ends).
    fn open_handler(&mut self, parent: u32) -> u32 {
        let start = self.place_label();
        self.handlers.push(Handler {
            start,
            end: start,
            parent,
            kind: HandlerKind::Catches { first: 0, len: 0 },
        });
        self.handlers.len() as u32 - 1
    }

    fn try_table(&mut self, tt: &TryTable) {
        // The block opens as usual; its catch clauses are translated in the
        // context outside it (their labels count from there).
        self.block_start(Kind::TryTable, tt.ty, None);
        let mut control = self.controls.pop().expect("try_table frame");
        let (height, base) = (control.height, control.base);
        // The try_table's params, set aside while stubs are translated.
        let saved: Vec<_> = self.stack[height..].to_vec();
        let mut clauses = Vec::with_capacity(tt.catches.len());
        let mut skip = None;
        for c in &tt.catches {
            let (tag, label, with_ref) = match *c {
                Catch::One { tag, label } => (Some(tag), label, false),
                Catch::OneRef { tag, label } => (Some(tag), label, true),
                Catch::All { label } => (None, label, false),
                Catch::AllRef { label } => (None, label, true),
            };
            let idx = self.controls.len() - 1 - label as usize;
            let direct = idx != 0 && self.controls[idx].base == base;
            let target = if direct {
                if self.controls[idx].kind == Kind::Loop {
                    self.controls[idx].head
                } else {
                    // Patched with the label's other forward branches.
                    u32::MAX
                }
            } else {
                if skip.is_none() {
                    skip = Some(self.emit(Instr::Br { target: 0 }));
                }
                let stub = self.place_label();
                self.truncate(height);
                if let Some(t) = tag {
                    for ty in self.tag_params(t) {
                        self.push_temp(ty);
                    }
                }
                if with_ref {
                    self.push_temp(ValType::EXNREF);
                }
                self.branch(label);
                stub
            };
            clauses.push((
                CatchClause {
                    tag,
                    with_ref,
                    dst: base,
                    target,
                    exn_slot: None,
                },
                (direct && target == u32::MAX).then_some(idx),
            ));
        }
        if let Some(at) = skip {
            self.truncate(height);
            for e in saved {
                self.push(e.ty, e.operand);
            }
            let here = self.place_label();
            self.patch(Fixup::Instr(at), here);
        }
        let parent = self.active_handler(self.controls.len());
        let first = self.catches.len() as u32;
        for (clause, forward) in &clauses {
            let index = self.catches.len();
            self.catches.push(*clause);
            if let Some(idx) = forward {
                self.controls[*idx].fixups.push(Fixup::Catch(index));
            }
        }
        let handler = self.open_handler(parent);
        self.handlers[handler as usize].kind = HandlerKind::Catches {
            first,
            len: clauses.len() as u32,
        };
        control.handler = handler;
        self.controls.push(control);
    }

    /// Legacy `catch`/`catch_all`: ends the try body (or the previous catch
    /// body) and starts a catch body, entered with the payload on the stack.
    pub(super) fn legacy_catch(&mut self, tag: Option<u32>) {
        let here = self.end_arm();
        let c = self.controls.last_mut().expect("try frame");
        if c.kind == Kind::LegacyTry {
            self.handlers[c.handler as usize].end = here;
        }
        c.kind = Kind::LegacyCatch;
        c.unreachable = false;
        let clause = CatchClause {
            tag,
            with_ref: false,
            dst: c.base,
            target: here,
            exn_slot: c.exn_slot,
        };
        c.legacy_clauses.push(clause);
        let height = c.height;
        self.truncate(height);
        if let Some(t) = tag {
            for ty in self.tag_params(t) {
                self.push_temp(ty);
            }
        }
        self.start_fuel_block();
    }

    /// Legacy `delegate`: ends a `try` whose exceptions go to the handler
    /// of the label `depth` (counted outside the `try`).
    pub(super) fn legacy_delegate(&mut self, depth: u32) -> Result<()> {
        let n = self.controls.len();
        let label = n - 2 - depth as usize;
        let to = if label == 0 {
            NO_HANDLER
        } else {
            self.active_handler(label + 1)
        };
        let handler = self.controls[n - 1].handler;
        if handler != NO_HANDLER {
            self.handlers[handler as usize].kind = HandlerKind::Delegate { to };
        }
        self.block_end()
    }

    /// Finishes the handler of a block that ends at `here`.
    pub(super) fn close_handler(&mut self, c: &Control, here: u32) {
        if c.handler == NO_HANDLER {
            return;
        }
        let h = &mut self.handlers[c.handler as usize];
        match c.kind {
            Kind::TryTable | Kind::LegacyTry => h.end = here,
            _ => {}
        }
        if matches!(c.kind, Kind::LegacyTry | Kind::LegacyCatch)
            && let HandlerKind::Catches { .. } = h.kind
        {
            h.kind = HandlerKind::Catches {
                first: self.catches.len() as u32,
                len: c.legacy_clauses.len() as u32,
            };
            self.catches.extend_from_slice(&c.legacy_clauses);
        }
    }
}
