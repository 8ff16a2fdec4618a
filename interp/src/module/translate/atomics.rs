//! Translation of the atomic memory operators (threads proposal). Every
//! one takes its memory argument from the side table: none of them is on
//! the hot path of ordinary code, and they may name any memory.

use wasmparser::{MemArg, Operator, ValType};

use super::Translator;
use crate::exec::atomics::RmwOp;
use crate::exec::instr::{Instr, LoadKind};

impl Translator<'_> {
    /// Atomic operators; false if `op` is not one.
    pub(super) fn atomic(&mut self, op: &Operator<'_>, top: Option<ValType>) -> bool {
        use LoadKind as K;
        use Operator as O;
        use RmwOp as R;
        match *op {
            // Sequential consistency holds for every access of an
            // interleaved store: the fence has nothing left to order.
            O::AtomicFence => {}
            O::I32AtomicLoad { memarg } => self.atomic_load(K::U32, memarg, top),
            O::I64AtomicLoad { memarg } => self.atomic_load(K::U64, memarg, top),
            O::I32AtomicLoad8U { memarg } | O::I64AtomicLoad8U { memarg } => {
                self.atomic_load(K::U8, memarg, top)
            }
            O::I32AtomicLoad16U { memarg } | O::I64AtomicLoad16U { memarg } => {
                self.atomic_load(K::U16, memarg, top)
            }
            O::I64AtomicLoad32U { memarg } => self.atomic_load(K::U32, memarg, top),
            O::I32AtomicStore { memarg } | O::I64AtomicStore32 { memarg } => {
                self.atomic_store(4, memarg)
            }
            O::I64AtomicStore { memarg } => self.atomic_store(8, memarg),
            O::I32AtomicStore8 { memarg } | O::I64AtomicStore8 { memarg } => {
                self.atomic_store(1, memarg)
            }
            O::I32AtomicStore16 { memarg } | O::I64AtomicStore16 { memarg } => {
                self.atomic_store(2, memarg)
            }
            O::I32AtomicRmwAdd { memarg } => self.rmw(R::Add, 4, memarg, top),
            O::I64AtomicRmwAdd { memarg } => self.rmw(R::Add, 8, memarg, top),
            O::I32AtomicRmw8AddU { memarg } | O::I64AtomicRmw8AddU { memarg } => {
                self.rmw(R::Add, 1, memarg, top)
            }
            O::I32AtomicRmw16AddU { memarg } | O::I64AtomicRmw16AddU { memarg } => {
                self.rmw(R::Add, 2, memarg, top)
            }
            O::I64AtomicRmw32AddU { memarg } => self.rmw(R::Add, 4, memarg, top),
            O::I32AtomicRmwSub { memarg } => self.rmw(R::Sub, 4, memarg, top),
            O::I64AtomicRmwSub { memarg } => self.rmw(R::Sub, 8, memarg, top),
            O::I32AtomicRmw8SubU { memarg } | O::I64AtomicRmw8SubU { memarg } => {
                self.rmw(R::Sub, 1, memarg, top)
            }
            O::I32AtomicRmw16SubU { memarg } | O::I64AtomicRmw16SubU { memarg } => {
                self.rmw(R::Sub, 2, memarg, top)
            }
            O::I64AtomicRmw32SubU { memarg } => self.rmw(R::Sub, 4, memarg, top),
            O::I32AtomicRmwAnd { memarg } => self.rmw(R::And, 4, memarg, top),
            O::I64AtomicRmwAnd { memarg } => self.rmw(R::And, 8, memarg, top),
            O::I32AtomicRmw8AndU { memarg } | O::I64AtomicRmw8AndU { memarg } => {
                self.rmw(R::And, 1, memarg, top)
            }
            O::I32AtomicRmw16AndU { memarg } | O::I64AtomicRmw16AndU { memarg } => {
                self.rmw(R::And, 2, memarg, top)
            }
            O::I64AtomicRmw32AndU { memarg } => self.rmw(R::And, 4, memarg, top),
            O::I32AtomicRmwOr { memarg } => self.rmw(R::Or, 4, memarg, top),
            O::I64AtomicRmwOr { memarg } => self.rmw(R::Or, 8, memarg, top),
            O::I32AtomicRmw8OrU { memarg } | O::I64AtomicRmw8OrU { memarg } => {
                self.rmw(R::Or, 1, memarg, top)
            }
            O::I32AtomicRmw16OrU { memarg } | O::I64AtomicRmw16OrU { memarg } => {
                self.rmw(R::Or, 2, memarg, top)
            }
            O::I64AtomicRmw32OrU { memarg } => self.rmw(R::Or, 4, memarg, top),
            O::I32AtomicRmwXor { memarg } => self.rmw(R::Xor, 4, memarg, top),
            O::I64AtomicRmwXor { memarg } => self.rmw(R::Xor, 8, memarg, top),
            O::I32AtomicRmw8XorU { memarg } | O::I64AtomicRmw8XorU { memarg } => {
                self.rmw(R::Xor, 1, memarg, top)
            }
            O::I32AtomicRmw16XorU { memarg } | O::I64AtomicRmw16XorU { memarg } => {
                self.rmw(R::Xor, 2, memarg, top)
            }
            O::I64AtomicRmw32XorU { memarg } => self.rmw(R::Xor, 4, memarg, top),
            O::I32AtomicRmwXchg { memarg } => self.rmw(R::Xchg, 4, memarg, top),
            O::I64AtomicRmwXchg { memarg } => self.rmw(R::Xchg, 8, memarg, top),
            O::I32AtomicRmw8XchgU { memarg } | O::I64AtomicRmw8XchgU { memarg } => {
                self.rmw(R::Xchg, 1, memarg, top)
            }
            O::I32AtomicRmw16XchgU { memarg } | O::I64AtomicRmw16XchgU { memarg } => {
                self.rmw(R::Xchg, 2, memarg, top)
            }
            O::I64AtomicRmw32XchgU { memarg } => self.rmw(R::Xchg, 4, memarg, top),
            O::I32AtomicRmwCmpxchg { memarg } => self.cmpxchg(4, memarg, top),
            O::I64AtomicRmwCmpxchg { memarg } => self.cmpxchg(8, memarg, top),
            O::I32AtomicRmw8CmpxchgU { memarg } | O::I64AtomicRmw8CmpxchgU { memarg } => {
                self.cmpxchg(1, memarg, top)
            }
            O::I32AtomicRmw16CmpxchgU { memarg } | O::I64AtomicRmw16CmpxchgU { memarg } => {
                self.cmpxchg(2, memarg, top)
            }
            O::I64AtomicRmw32CmpxchgU { memarg } => self.cmpxchg(4, memarg, top),
            O::MemoryAtomicWait32 { memarg } => self.wait(4, memarg),
            O::MemoryAtomicWait64 { memarg } => self.wait(8, memarg),
            O::MemoryAtomicNotify { memarg } => {
                let base = self.pop_consecutive(2);
                let dst = self.push_temp(ValType::I32);
                let memarg = self.memarg_index(&memarg);
                self.emit_producer(Instr::AtomicNotify { dst, base, memarg });
            }
            _ => return false,
        }
        true
    }

    fn atomic_load(&mut self, kind: LoadKind, memarg: MemArg, top: Option<ValType>) {
        let addr = self.pop_read();
        let dst = self.push_temp(top.expect("validated atomic load"));
        let memarg = self.memarg_index(&memarg);
        self.emit_producer(Instr::AtomicLoad {
            kind,
            dst,
            addr,
            memarg,
        });
    }

    fn atomic_store(&mut self, size: u8, memarg: MemArg) {
        let value = self.pop();
        let src = self.read(value);
        let addr = self.pop_read();
        let memarg = self.memarg_index(&memarg);
        self.emit(Instr::AtomicStore {
            size,
            addr,
            src,
            memarg,
        });
    }

    fn rmw(&mut self, op: RmwOp, size: u8, memarg: MemArg, top: Option<ValType>) {
        let base = self.pop_consecutive(2);
        let dst = self.push_temp(top.expect("validated atomic rmw"));
        let memarg = self.memarg_index(&memarg);
        self.emit_producer(Instr::AtomicRmw {
            op,
            size,
            dst,
            base,
            memarg,
        });
    }

    fn cmpxchg(&mut self, size: u8, memarg: MemArg, top: Option<ValType>) {
        let base = self.pop_consecutive(3);
        let dst = self.push_temp(top.expect("validated atomic cmpxchg"));
        let memarg = self.memarg_index(&memarg);
        self.emit_producer(Instr::AtomicCmpxchg {
            size,
            dst,
            base,
            memarg,
        });
    }

    /// A wait's result is written when the thread resumes, so it stays in
    /// its own slot (it is not a retargetable producer). A blocked thread
    /// is stopped after the wait while other threads may collect garbage:
    /// the wait has a stack map.
    fn wait(&mut self, size: u8, memarg: MemArg) {
        let base = self.pop_consecutive_gc(3);
        let dst = self.push_temp(ValType::I32);
        let memarg = self.memarg_index(&memarg);
        self.emit(Instr::AtomicWait {
            size,
            dst,
            base,
            memarg,
        });
    }
}
