//! CanonicalABI.md, "Canonical Definitions": the 🔀 built-ins of waitables
//! and subtasks, and the 🧵 built-ins that block the current thread. A
//! built-in that blocks gives [`BuiltinResult::Block`]: its core host
//! function suspends the core thread (`HostResult::Suspend`), and the rest
//! of the built-in ([`AfterBlock`]) runs when the thread is resumed.

use super::canon::{
    BuiltinResult, CoreStep, call_and_trap_on_throw, finish_block, finish_wait_for_event,
    resume_core,
};
use super::concurrency::{
    AfterBlock, Block, BuiltinBlock, Continuation, ReadyFunc, Step, Subtask, Task, Thread, Wait,
    current_instance, current_task, current_thread,
};
use super::instance::check_may_leave;
use super::options::MemInst;
use super::resources::{HandleElem, add_handle_elem, remove_handle_elem};
use super::waitables::{self, EventTuple, WaitableRef, WaitableSet};
use super::{trap, trap_if};
use crate::component::store::{InstanceId, SubtaskId, TaskId, ThreadId, WsetId, internal};
use crate::error::{Result, Trap};
use crate::runtime::host::HostResult;
use crate::runtime::store::Store;
use crate::runtime::thread::Thread as CoreThread;
use crate::values::{Func as CoreFunc, Val as CoreVal};

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
    add_handle_elem(store, inst, HandleElem::WaitableSet(wset))
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
    super::waitables::trace_event(store, "memory", event);
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
    let h = remove_handle_elem(store, inst, i)?;
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
        "waitable cannot be used synchronously while added to a waitable set \
         (waitable.join: a synchronous call is waiting on the waitable)",
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
        match on_cancel {
            Some(super::concurrency::OnCancel::Task(task)) => {
                super::concurrency::Task::request_cancellation(store, task, Some(inst))?;
            }
            Some(super::concurrency::OnCancel::Host(call)) => {
                super::host_calls::cancel_host_call(store, call)?;
            }
            None => {}
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
    let h = remove_handle_elem(store, inst, i)?;
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

/// `canon_thread_new_indirect`'s `thread_func` as a state machine: call
/// `f(c)` on a core thread, then unregister the thread from its task.
#[derive(Debug)]
pub(crate) struct ExplicitThread {
    f: CoreFunc,
    c: CoreVal,
    task: TaskId,
    /// The running core call, and the rest of the built-in it blocked in.
    core: Option<(CoreThread, Option<AfterBlock>)>,
}

impl ExplicitThread {
    pub(crate) fn step(&mut self, store: &mut Store, cancelled: bool) -> Result<Step> {
        let (mut thread, after) = match self.core.take() {
            Some(core) => core,
            None => (call_and_trap_on_throw(store, self.f, &[self.c])?, None),
        };
        let results = match after {
            Some(after) => finish_block(store, after, cancelled)?,
            None => Vec::new(),
        };
        match resume_core(store, &mut thread, &results)? {
            CoreStep::Blocked(b) => {
                let b = *b;
                self.core = Some((thread, Some(b.after)));
                Ok(Step::Blocked(b.block))
            }
            CoreStep::Finished(_) => {
                let me = current_thread(store)?;
                Task::unregister_thread(store, self.task, me)?;
                Ok(Step::Done)
            }
        }
    }
}

/// The thread a thread index of the current instance names.
fn thread_at(store: &Store, inst: InstanceId, i: u32) -> Result<ThreadId> {
    Ok(*store.component.inst(inst)?.threads.get(i)?)
}

/// Implements `definitions.py::canon_thread_new_indirect`: `f` is the
/// table's element at `fi`, which must have the type `(func (param t))`
/// for the type `t` of `c`.
pub(crate) fn canon_thread_new_indirect(
    store: &mut Store,
    table: crate::runtime::Table,
    fi: u32,
    c: CoreVal,
) -> Result<u32> {
    let task = current_task(store)?;
    leaving_instance(store)?;
    let slot = store
        .tables
        .get(table.0 as usize)
        .ok_or_else(|| internal("thread.new-indirect table"))?
        .get(fi as u64);
    let Ok(slot) = slot else {
        return trap(format!(
            "thread.new-indirect: table index {fi} is out of bounds"
        ));
    };
    let Some(addr) = crate::values::func_ref_addr(slot) else {
        return trap(format!(
            "thread.new-indirect: table element {fi} is a null reference"
        ));
    };
    let f = CoreFunc(addr);
    let ft = store.func_type(f)?;
    let param = match c {
        CoreVal::I64(_) => wasmparser::ValType::I64,
        _ => wasmparser::ValType::I32,
    };
    let expected = wasmparser::FuncType::new([param], []);
    trap_if(
        ft != expected,
        &format!(
            "thread.new-indirect: the function at table index {fi} has type {ft}, expected {expected}"
        ),
    )?;
    let call = ExplicitThread {
        f,
        c,
        task,
        core: None,
    };
    let new_thread = Thread::new(store, task, Continuation::Explicit(Box::new(call)));
    Task::register_thread(store, task, new_thread)?;
    store
        .component
        .threads
        .get(new_thread.0)?
        .index
        .ok_or_else(|| internal("registered thread without an index"))
}

/// Implements `definitions.py::canon_thread_resume_later`.
pub(crate) fn canon_thread_resume_later(store: &mut Store, i: u32) -> Result<()> {
    let inst = leaving_instance(store)?;
    let other = thread_at(store, inst, i)?;
    trap_if(
        !store.component.threads.get(other.0)?.suspended(),
        &format!("thread.resume-later: thread {i} is not suspended"),
    )?;
    Thread::resume_later(store, other)
}

/// `Thread.{suspend,yield}_then_resume`: block, switching to `other`
/// (`yield_`: staying ready meanwhile).
fn switch_to(
    store: &mut Store,
    cancellable: bool,
    other: ThreadId,
    yield_: bool,
) -> Result<BuiltinResult> {
    let thread = current_thread(store)?;
    let task = store.component.threads.get(thread.0)?.task;
    if Task::deliver_pending_cancel(store, task, cancellable)? {
        return Ok(cancelled_result(Wait::Now(true)));
    }
    Ok(cancelled_result(Wait::Block(Block {
        ready: yield_.then_some(ReadyFunc::Always),
        cancellable,
        switch_to: Some(other),
    })))
}

/// Implements `definitions.py::canon_thread_suspend_then_resume` (`yield_`
/// false) and `canon_thread_yield_then_resume` (`yield_` true).
pub(crate) fn canon_thread_switch_then_resume(
    store: &mut Store,
    cancellable: bool,
    i: u32,
    yield_: bool,
) -> Result<BuiltinResult> {
    let inst = leaving_instance(store)?;
    let other = thread_at(store, inst, i)?;
    trap_if(
        !store.component.threads.get(other.0)?.suspended(),
        &format!("thread {i} is not suspended, so it cannot be resumed"),
    )?;
    switch_to(store, cancellable, other, yield_)
}

/// Implements `definitions.py::canon_thread_suspend_then_promote` (`yield_`
/// false) and `canon_thread_yield_then_promote` (`yield_` true).
pub(crate) fn canon_thread_switch_then_promote(
    store: &mut Store,
    cancellable: bool,
    i: u32,
    yield_: bool,
) -> Result<BuiltinResult> {
    let inst = leaving_instance(store)?;
    let other = thread_at(store, inst, i)?;
    let thread = current_thread(store)?;
    let task = store.component.threads.get(thread.0)?.task;
    if Task::deliver_pending_cancel(store, task, cancellable)? {
        return Ok(cancelled_result(Wait::Now(true)));
    }
    if Thread::ready(store, other)? {
        Thread::promote(store, other)?;
        return switch_to(store, cancellable, other, yield_);
    }
    let wait = if yield_ {
        Thread::wait_until(store, thread, ReadyFunc::Always, cancellable)?
    } else {
        Thread::suspend(store, thread, cancellable)?
    };
    Ok(cancelled_result(wait))
}

/// Implements `definitions.py::canon_error_context_new`. The debug message
/// is the host's choice: the deterministic profile gives the empty string;
/// otherwise the store's `Nondet` decides whether the guest's message is
/// kept (`host_defined_transformation` is the identity).
pub(crate) fn canon_error_context_new(
    store: &mut Store,
    opts: &std::sync::Arc<super::options::CanonicalOptions>,
    ptr: u64,
    tagged_code_units: u64,
) -> Result<u32> {
    let inst = leaving_instance(store)?;
    let s = if store.nondet.error_context_keeps_message() {
        let cx = super::context::LiftLowerContext::new(store, opts.clone(), inst, None);
        super::strings::load_string_from_range(&cx, store, ptr, tagged_code_units)?
    } else {
        crate::component::values::Str::new("")
    };
    let e = crate::component::values::ErrorContext(std::sync::Arc::new(s));
    add_handle_elem(store, inst, HandleElem::ErrorContext(e))
}

/// Implements `definitions.py::canon_error_context_debug_message`.
pub(crate) fn canon_error_context_debug_message(
    store: &mut Store,
    opts: &std::sync::Arc<super::options::CanonicalOptions>,
    i: u32,
    ptr: u64,
) -> Result<()> {
    let inst = leaving_instance(store)?;
    let e = match store.component.inst(inst)?.handles.get(i)? {
        HandleElem::ErrorContext(e) => e.clone(),
        _ => return trap(format!("handle index {i} is not an error-context")),
    };
    let cx = super::context::LiftLowerContext::new(store, opts.clone(), inst, None);
    super::strings::store_string(&cx, store, &e.0, ptr)
}

/// Implements `definitions.py::canon_error_context_drop`.
pub(crate) fn canon_error_context_drop(store: &mut Store, i: u32) -> Result<()> {
    let inst = leaving_instance(store)?;
    match remove_handle_elem(store, inst, i)? {
        HandleElem::ErrorContext(_) => Ok(()),
        _ => trap(format!("handle index {i} is not an error-context")),
    }
}
