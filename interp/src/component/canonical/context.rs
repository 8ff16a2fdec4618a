//! CanonicalABI.md, "Lifting and Lowering Context".

use std::cell::Cell;
use std::sync::{Arc, OnceLock};

use super::abi::PtrType;
use super::canon::canon_lift;
use super::concurrency::{Callee, CallerSide};
use super::options::{CanonicalOptions, MemInst};
use super::strings::REALLOC_I32_MAX;
use super::trap;
use crate::component::store::{InstanceId, SubtaskId, TaskId, internal};
use crate::component::types::{FuncType, Signature, ValType};
use crate::component::values::Val;
use crate::error::Error;
use crate::runtime::store::Store;

/// `LiftLowerContext.borrow_scope`: the task a lowered borrow is scoped to,
/// or the subtask a lifted borrow is lent to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BorrowScope {
    Task(TaskId),
    Subtask(SubtaskId),
}

/// `definitions.py::LiftLowerContext`.
#[derive(Debug)]
pub(crate) struct LiftLowerContext {
    pub(crate) opts: Arc<CanonicalOptions>,
    pub(crate) inst: InstanceId,
    pub(crate) borrow_scope: Option<BorrowScope>,
    /// Bytes of lifted values this context may still produce
    /// (`Config::max_value_bytes`); not in the spec, which has no host to
    /// protect.
    budget: Cell<u64>,
}

/// The type of `realloc` for a memory of this address type:
/// `(func (param $T $T $T $T) (result $T))`.
fn realloc_sig(ptr_type: PtrType) -> Arc<Signature> {
    static SIGS: [OnceLock<Arc<Signature>>; 2] = [OnceLock::new(), OnceLock::new()];
    let (i, t) = match ptr_type {
        PtrType::I32 => (0, ValType::U32),
        PtrType::I64 => (1, ValType::U64),
    };
    SIGS[i]
        .get_or_init(|| {
            let params = ["old", "old_size", "align", "new_size"]
                .iter()
                .map(|n| (n.to_string(), t.clone()))
                .collect();
            Arc::new(Signature::new(FuncType::new(params, Some(t.clone()))))
        })
        .clone()
}

impl LiftLowerContext {
    /// `LiftLowerContext.__init__`.
    pub(crate) fn new(
        store: &Store,
        opts: Arc<CanonicalOptions>,
        inst: InstanceId,
        borrow_scope: Option<BorrowScope>,
    ) -> LiftLowerContext {
        LiftLowerContext {
            opts,
            inst,
            borrow_scope,
            budget: Cell::new(store.engine.config().max_value_bytes),
        }
    }

    /// `cx.opts.memory`, which validation guarantees wherever the ABI
    /// touches memory.
    pub(crate) fn memory(&self) -> Result<MemInst, Error> {
        match self.opts.memory {
            Some(m) => Ok(m),
            None => trap("the canonical option `memory` is required here"),
        }
    }

    /// `cx.opts.memory.ptr_type()`.
    pub(crate) fn ptr_type(&self) -> PtrType {
        self.opts.ptr_type()
    }

    /// Accounts for `bytes` of lifted values against the budget.
    pub(crate) fn charge(&self, bytes: u64) -> Result<(), Error> {
        let left = self.budget.get();
        if bytes > left {
            return Err(Error::Limit(
                "lifted component values exceed the configured limit (`max_value_bytes`)".into(),
            ));
        }
        self.budget.set(left - bytes);
        Ok(())
    }

    /// Implements `LiftLowerContext.reallocate`: calls `realloc` like a
    /// lifted function (a task of the instance), with `may_leave` cleared.
    pub(crate) fn reallocate(
        &self,
        store: &mut Store,
        old: u64,
        old_byte_length: u64,
        alignment: u32,
        new_byte_length: u64,
    ) -> Result<u64, Error> {
        let Some(realloc) = self.opts.realloc else {
            return trap("the canonical option `realloc` is required here");
        };
        let ptr_type = self.memory()?.ptr_type();
        let inst = self.inst;
        if ptr_type == PtrType::I32
            && [old, old_byte_length, new_byte_length]
                .iter()
                .any(|v| *v > REALLOC_I32_MAX)
        {
            return trap("a `realloc` argument exceeds the 32-bit address space");
        }
        if !store.component.inst(inst)?.may_leave {
            return Err(internal("reallocate while may_leave is false"));
        }
        store.component.inst_mut(inst)?.may_leave = false;
        let int = |v: u64| match ptr_type {
            PtrType::I32 => Val::U32(v as u32),
            PtrType::I64 => Val::U64(v),
        };
        let args = vec![
            int(old),
            int(old_byte_length),
            int(alignment as u64),
            int(new_byte_length),
        ];
        let slot = store.component.host_results.insert(None);
        let caller = CallerSide::Host {
            args: Some(args),
            slot,
        };
        let opts = Arc::new(CanonicalOptions::default());
        let done = canon_lift(
            store,
            Callee::Core(realloc),
            realloc_sig(ptr_type),
            opts,
            inst,
            caller,
        );
        let result = store.component.host_results.remove(slot).flatten();
        done?;
        let ptr = match result.as_deref() {
            Some([Val::U32(p)]) => *p as u64,
            Some([Val::U64(p)]) => *p,
            _ => return Err(internal("realloc did not return")),
        };
        store.component.inst_mut(inst)?.may_leave = true;
        Ok(ptr)
    }

    /// Implements `LiftLowerContext.allocate`.
    pub(crate) fn allocate(
        &self,
        store: &mut Store,
        alignment: u32,
        byte_length: u64,
    ) -> Result<u64, Error> {
        self.reallocate(store, 0, 0, alignment, byte_length)
    }
}
