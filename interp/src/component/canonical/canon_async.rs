//! CanonicalABI.md, "Canonical Definitions": the 🔀 built-ins of waitables
//! and subtasks, and the 🧵 built-ins that block the current thread. A
//! built-in that blocks gives [`BuiltinResult::Block`]: its core host
//! function suspends the core thread (`HostResult::Suspend`), and the rest
//! of the built-in ([`AfterBlock`]) runs when the thread is resumed.

use super::canon::{BuiltinResult, finish_wait_for_event};
use super::concurrency::{
    AfterBlock, BuiltinBlock, ReadyFunc, Subtask, Thread, Wait, current_instance, current_thread,
};
use super::instance::check_may_leave;
use super::options::MemInst;
use super::resources::HandleElem;
use super::waitables::{self, EventTuple, WaitableRef, WaitableSet};
use super::{trap, trap_if};
use crate::component::store::{InstanceId, SubtaskId, WsetId, internal};
use crate::error::{Result, Trap};
use crate::runtime::host::HostResult;
use crate::runtime::store::Store;
use crate::values::Val as CoreVal;

/// `definitions.py::BLOCKED`.
pub(crate) const BLOCKED: u32 = 0xffff_ffff;

/// Turns a built-in's result into the core host function's: results, a
/// suspension of the calling core thread, or a trap (a non-trap error is
/// kept for the embedder, see `ComponentStore::defer_error`).
pub(crate) fn host_result(
    store: &mut Store,
    r: Result<BuiltinResult>,
) -> std::result::Result<HostResult, Trap> {
    match r {
        Ok(BuiltinResult::Return(vs)) => Ok(HostResult::Return(vs)),
        Ok(BuiltinResult::Block(b)) => Ok(HostResult::Suspend(Box::new(b))),
        Err(e) => Err(store.component.defer_error(e)),
    }
}

/// `trap_if(not inst.may_leave)` of the current instance, which it returns.
fn leaving_instance(store: &Store) -> Result<InstanceId> {
    let inst = current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    Ok(inst)
}

/// The waitable set a handle names (`trap_if(not isinstance(wset,
/// WaitableSet))`).
fn wset_at(store: &Store, inst: InstanceId, si: u32) -> Result<WsetId> {
    match store.component.inst(inst)?.handles.get(si)? {
        HandleElem::WaitableSet(w) => Ok(*w),
        _ => trap(format!("handle index {si} is not a waitable set")),
    }
}

/// The subtask a handle names (`trap_if(not isinstance(subtask, Subtask))`).
fn subtask_at(store: &Store, inst: InstanceId, i: u32) -> Result<SubtaskId> {
    match store.component.inst(inst)?.handles.get(i)? {
        HandleElem::Subtask(s) => Ok(*s),
        _ => trap(format!("handle index {i} is not a subtask")),
    }
}

/// Implements `definitions.py::canon_waitable_set_new`.
pub(crate) fn canon_waitable_set_new(store: &mut Store) -> Result<u32> {
    let inst = leaving_instance(store)?;
    let wset = WsetId(store.component.wsets.insert(WaitableSet::default()));
    let limit = store.engine.config().max_table_elements;
    store
        .component
        .inst_mut(inst)?
        .handles
        .add(HandleElem::WaitableSet(wset), limit)
}

/// Implements `definitions.py::canon_waitable_set_wait`.
pub(crate) fn canon_waitable_set_wait(
    store: &mut Store,
    cancellable: bool,
    mem: MemInst,
    si: u32,
    ptr: u64,
) -> Result<BuiltinResult> {
    let inst = leaving_instance(store)?;
    let wset = wset_at(store, inst, si)?;
    // `wset.wait_for_event(cancellable)`
    store.component.wsets.get_mut(wset.0)?.num_waiting += 1;
    let thread = current_thread(store)?;
    let ready = ReadyFunc::WsetEvent {
        wset,
        not_exclusive: None,
    };
    match Thread::wait_until(store, thread, ready, cancellable)? {
        Wait::Block(block) => Ok(BuiltinResult::Block(BuiltinBlock {
            block,
            after: AfterBlock::WaitEvent { wset, mem, ptr },
        })),
        Wait::Now(cancelled) => {
            let event = finish_wait_for_event(store, wset, cancelled)?;
            Ok(BuiltinResult::Return(unpack_event(store, mem, ptr, event)?))
        }
    }
}

/// Implements `definitions.py::unpack_event`: the payloads go to memory,
/// the event code is the result.
pub(crate) fn unpack_event(
    store: &mut Store,
    mem: MemInst,
    ptr: u64,
    event: EventTuple,
) -> Result<Vec<CoreVal>> {
    let (code, p1, p2) = event;
    let bytes = mem.bytes_mut(store);
    let start = usize::try_from(ptr).ok();
    let slot = start.and_then(|s| bytes.get_mut(s..s.checked_add(8)?));
    let Some(slot) = slot else {
        return trap(format!(
            "the event's payload pointer {ptr} is out of bounds of memory"
        ));
    };
    slot[..4].copy_from_slice(&p1.to_le_bytes());
    slot[4..].copy_from_slice(&p2.to_le_bytes());
    Ok(vec![CoreVal::I32(code as i32)])
}

/// Implements `definitions.py::canon_waitable_set_poll`.
pub(crate) fn canon_waitable_set_poll(
    store: &mut Store,
    cancellable: bool,
    mem: MemInst,
    si: u32,
    ptr: u64,
) -> Result<Vec<CoreVal>> {
    let inst = leaving_instance(store)?;
    let wset = wset_at(store, inst, si)?;
    let event = WaitableSet::poll(store, wset, cancellable)?;
    unpack_event(store, mem, ptr, event)
}

/// Implements `definitions.py::canon_waitable_set_drop`.
pub(crate) fn canon_waitable_set_drop(store: &mut Store, i: u32) -> Result<()> {
    let inst = leaving_instance(store)?;
    let h = store.component.inst_mut(inst)?.handles.remove(i)?;
    let HandleElem::WaitableSet(wset) = h else {
        return trap(format!("handle index {i} is not a waitable set"));
    };
    WaitableSet::drop(store, wset)
}

/// Implements `definitions.py::canon_waitable_join`.
pub(crate) fn canon_waitable_join(store: &mut Store, wi: u32, si: u32) -> Result<()> {
    let inst = leaving_instance(store)?;
    let w = match store.component.inst(inst)?.handles.get(wi)? {
        HandleElem::Subtask(s) => WaitableRef::Subtask(*s),
        HandleElem::End(e) => WaitableRef::End(*e),
        _ => return trap(format!("handle index {wi} is not a waitable")),
    };
    trap_if(
        waitables::waitable(store, w)?.has_sync_waiter,
        "waitable.join: a synchronous call is waiting on the waitable",
    )?;
    let wset = if si == 0 {
        None
    } else {
        Some(wset_at(store, inst, si)?)
    };
    waitables::join(store, w, wset)
}

/// Implements `definitions.py::canon_subtask_cancel`.
pub(crate) fn canon_subtask_cancel(
    store: &mut Store,
    async_: bool,
    i: u32,
) -> Result<BuiltinResult> {
    let inst = leaving_instance(store)?;
    let subtask = subtask_at(store, inst, i)?;
    let s = store.component.subtasks.get(subtask.0)?;
    trap_if(
        s.resolve_delivered(),
        "subtask.cancel: the subtask has already resolved and its result was delivered",
    )?;
    trap_if(
        s.cancellation_requested,
        "subtask.cancel: cancellation was already requested",
    )?;
    trap_if(
        s.waitable.wset.is_some() && !async_,
        "waitable cannot be used synchronously while added to a waitable set",
    )?;
    if !s.resolved() {
        let on_cancel = s.on_cancel;
        store
            .component
            .subtasks
            .get_mut(subtask.0)?
            .cancellation_requested = true;
        if let Some(task) = on_cancel {
            super::concurrency::Task::request_cancellation(store, task, Some(inst))?;
        }
        if !store.component.subtasks.get(subtask.0)?.resolved() {
            if async_ {
                return Ok(BuiltinResult::Return(vec![CoreVal::I32(BLOCKED as i32)]));
            }
            // `subtask.wait_for_pending_event()`
            let w = WaitableRef::Subtask(subtask);
            waitables::waitable_mut(store, w)?.has_sync_waiter = true;
            let thread = current_thread(store)?;
            match Thread::wait_until(store, thread, ReadyFunc::PendingEvent(w), false)? {
                Wait::Block(block) => {
                    return Ok(BuiltinResult::Block(BuiltinBlock {
                        block,
                        after: AfterBlock::CancelResolved { subtask, index: i },
                    }));
                }
                Wait::Now(_) => {}
            }
        }
    }
    Ok(BuiltinResult::Return(finish_subtask_cancel(
        store, subtask, i,
    )?))
}

/// The end of `canon_subtask_cancel`: the subtask's event, whose payload
/// is its final state.
pub(crate) fn finish_subtask_cancel(
    store: &mut Store,
    subtask: SubtaskId,
    i: u32,
) -> Result<Vec<CoreVal>> {
    let w = WaitableRef::Subtask(subtask);
    waitables::waitable_mut(store, w)?.has_sync_waiter = false;
    let (_, index, payload) = waitables::get_pending_event(store, w)?;
    if index != i {
        return Err(internal("subtask event of another index"));
    }
    Ok(vec![CoreVal::I32(payload as i32)])
}

/// Implements `definitions.py::canon_subtask_drop`.
pub(crate) fn canon_subtask_drop(store: &mut Store, i: u32) -> Result<()> {
    let inst = leaving_instance(store)?;
    let h = store.component.inst_mut(inst)?.handles.remove(i)?;
    let HandleElem::Subtask(subtask) = h else {
        return trap(format!("handle index {i} is not a subtask"));
    };
    Subtask::drop(store, subtask)
}

/// Implements `definitions.py::canon_thread_yield`.
pub(crate) fn canon_thread_yield(store: &mut Store, cancellable: bool) -> Result<BuiltinResult> {
    leaving_instance(store)?;
    let thread = current_thread(store)?;
    let wait = Thread::wait_until(store, thread, ReadyFunc::Always, cancellable)?;
    Ok(cancelled_result(wait))
}

/// Implements `definitions.py::canon_thread_suspend`.
pub(crate) fn canon_thread_suspend(store: &mut Store, cancellable: bool) -> Result<BuiltinResult> {
    leaving_instance(store)?;
    let thread = current_thread(store)?;
    let wait = Thread::suspend(store, thread, cancellable)?;
    Ok(cancelled_result(wait))
}

/// `[cancelled]`, now or once the thread is resumed.
fn cancelled_result(wait: Wait) -> BuiltinResult {
    match wait {
        Wait::Now(cancelled) => BuiltinResult::Return(vec![CoreVal::I32(cancelled as i32)]),
        Wait::Block(block) => BuiltinResult::Block(BuiltinBlock {
            block,
            after: AfterBlock::Cancelled,
        }),
    }
}
