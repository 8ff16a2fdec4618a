//! CanonicalABI.md, "Canonical Definitions": `canon lift` (with the
//! callback event loop), `canon lower`, the `resource.*` built-ins and the
//! 🔀 built-ins that do not wait (`context.*`, `backpressure.*`,
//! `task.return`, `task.cancel`, `thread.index`); the others are in
//! `canon_async` and `streams`.

use std::sync::Arc;

use super::concurrency::{
    AfterBlock, BuiltinBlock, Callee, CallerSide, Continuation, ReadyFunc, Step, Subtask,
    SubtaskState, Task, TaskState, Thread, Wait, call_func_inst, current_instance, current_task,
    current_thread, new_subtask,
};
use super::context::{BorrowScope, LiftLowerContext};
use super::flattening::{MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use super::instance::check_may_leave;
use super::lift_flat::{CoreValueIter, lift_flat_values};
use super::lower_flat::lower_flat_values;
use super::options::{CanonicalOptions, LiftOptions};
use super::resources::{Dtor, HandleElem, ResourceHandle, add_handle_elem, remove_handle_elem};
use super::waitables::{EventCode, EventTuple, WaitableSet};
use super::{trap, trap_if};
use crate::component::store::{
    FuncInst, HostImpl, InstanceId, SubtaskId, TaskId, WsetId, internal,
};
use crate::component::types::{FuncType, ResourceType, Signature, ValType};
use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::runtime::thread::Thread as CoreThread;
use crate::trace::Event;
use crate::values::{Func as CoreFunc, Val as CoreVal};

/// Which core call of `canon_lift`'s `thread_func` a core thread runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreCall {
    Callee,
    Callback,
    PostReturn,
}

/// What a callback's event loop waits for after `YIELD` or `WAIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallbackWait {
    Yield,
    Wait(WsetId),
}

/// Where `canon_lift`'s `thread_func` is.
#[derive(Debug)]
enum LiftPhase {
    /// Not started: `enter_implicit_thread`, lower the arguments, call.
    Start,
    /// Waiting in `enter_implicit_thread` for backpressure to clear.
    Entering,
    /// Core code runs on this core thread; `after` is the rest of the
    /// built-in it blocked in, if it did.
    Core {
        thread: CoreThread,
        call: CoreCall,
        after: Option<AfterBlock>,
    },
    /// The callback event loop waits (`YIELD` or `WAIT`).
    CallbackWait(CallbackWait),
    Finished,
}

/// `canon_lift`'s `thread_func` as a state machine over the core threads it
/// runs: each phase ends where core wasm runs or where the thread waits, so
/// a blocking built-in inside the callee suspends the core thread and the
/// spec thread with it, and the next resumption continues the phase.
#[derive(Debug)]
pub(crate) struct LiftCall {
    callee: Callee,
    sig: Arc<Signature>,
    opts: Arc<CanonicalOptions>,
    inst: InstanceId,
    task: TaskId,
    cx: Option<LiftLowerContext>,
    phase: LiftPhase,
}

impl LiftCall {
    /// Runs the thread function until it finishes or blocks; `cancelled`
    /// is the resumption's `Cancelled` value.
    pub(crate) fn step(&mut self, store: &mut Store, cancelled: bool) -> Result<Step> {
        let mut cancelled = cancelled;
        loop {
            let was_cancelled = std::mem::take(&mut cancelled);
            match std::mem::replace(&mut self.phase, LiftPhase::Finished) {
                LiftPhase::Start => match Task::enter_implicit_thread(store, self.task)? {
                    Wait::Now(true) => return Ok(Step::Done),
                    Wait::Now(false) => self.start_callee(store)?,
                    Wait::Block(block) => {
                        self.phase = LiftPhase::Entering;
                        return Ok(Step::Blocked(block));
                    }
                },
                LiftPhase::Entering => {
                    if Task::finish_enter(store, self.task, was_cancelled)? == Wait::Now(true) {
                        return Ok(Step::Done);
                    }
                    self.start_callee(store)?;
                }
                LiftPhase::Core {
                    mut thread,
                    call,
                    after,
                } => {
                    let results = match after {
                        Some(after) => finish_block(store, after, was_cancelled)?,
                        None => Vec::new(),
                    };
                    match resume_core(store, &mut thread, &results)? {
                        CoreStep::Blocked(b) => {
                            self.phase = LiftPhase::Core {
                                thread,
                                call,
                                after: Some(b.after),
                            };
                            return Ok(Step::Blocked(b.block));
                        }
                        CoreStep::Finished(flat) => {
                            if let Some(step) = self.core_returned(store, call, flat)? {
                                return Ok(step);
                            }
                        }
                    }
                }
                LiftPhase::CallbackWait(wait) => {
                    let event = match wait {
                        CallbackWait::Yield if was_cancelled => (EventCode::TaskCancelled, 0, 0),
                        CallbackWait::Yield => (EventCode::None, 0, 0),
                        CallbackWait::Wait(wset) => {
                            finish_wait_for_event(store, wset, was_cancelled)?
                        }
                    };
                    self.call_callback(store, event)?;
                }
                LiftPhase::Finished => return Ok(Step::Done),
            }
        }
    }

    /// After entering: lower the arguments and start the callee.
    fn start_callee(&mut self, store: &mut Store) -> Result<()> {
        let cx = LiftLowerContext::new(
            store,
            self.opts.clone(),
            self.inst,
            Some(BorrowScope::Task(self.task)),
        );
        let args = Task::start(store, self.task)?;
        let flat_args =
            lower_flat_values(&cx, store, MAX_FLAT_PARAMS, &args, &self.sig.params, None)?;
        self.cx = Some(cx);
        match self.callee {
            Callee::Core(f) => {
                self.phase = LiftPhase::Core {
                    thread: call_and_trap_on_throw(store, f, &flat_args)?,
                    call: CoreCall::Callee,
                    after: None,
                };
            }
            Callee::Noop if self.opts.async_ => {
                Task::exit_implicit_thread(store, self.task)?;
                self.phase = LiftPhase::Finished;
            }
            Callee::Noop => self.returned(store, Vec::new())?,
        }
        Ok(())
    }

    /// A core call returned `flat`: go on with the thread function; gives
    /// a step to return when the thread function blocks.
    fn core_returned(
        &mut self,
        store: &mut Store,
        call: CoreCall,
        flat: Vec<CoreVal>,
    ) -> Result<Option<Step>> {
        match call {
            CoreCall::PostReturn => {
                store.component.inst_mut(self.inst)?.may_leave = true;
                Task::exit_implicit_thread(store, self.task)?;
                Ok(Some(Step::Done))
            }
            CoreCall::Callee if !self.opts.async_ => {
                self.returned(store, flat)?;
                Ok(None)
            }
            CoreCall::Callee if self.opts.callback.is_none() => {
                if !flat.is_empty() {
                    return Err(internal("a stackful async callee returned values"));
                }
                Task::exit_implicit_thread(store, self.task)?;
                Ok(Some(Step::Done))
            }
            CoreCall::Callee | CoreCall::Callback => {
                let packed = match flat.as_slice() {
                    [CoreVal::I32(p)] => *p as u32,
                    _ => return Err(internal("a callback returned something else than an i32")),
                };
                let (code, si) = unpack_callback_result(packed)?;
                self.callback_code(store, code, si)
            }
        }
    }

    /// One turn of the callback event loop (`while code != EXIT`).
    fn callback_code(
        &mut self,
        store: &mut Store,
        code: CallbackCode,
        si: u32,
    ) -> Result<Option<Step>> {
        if code == CallbackCode::Exit {
            Task::exit_implicit_thread(store, self.task)?;
            return Ok(Some(Step::Done));
        }
        let thread = current_thread(store)?;
        store.component.inst_mut(self.inst)?.exclusive_thread = None;
        let wait = match code {
            CallbackCode::Yield => CallbackWait::Yield,
            _ => {
                let h = store.component.inst(self.inst)?.handles.get(si)?;
                let HandleElem::WaitableSet(wset) = *h else {
                    return trap(format!(
                        "the callback's waitable set index {si} is not a waitable set"
                    ));
                };
                CallbackWait::Wait(wset)
            }
        };
        let ready = match wait {
            CallbackWait::Yield => ReadyFunc::NotExclusive(self.inst),
            CallbackWait::Wait(wset) => {
                store.component.wsets.get_mut(wset.0)?.num_waiting += 1;
                ReadyFunc::WsetEvent {
                    wset,
                    not_exclusive: Some(self.inst),
                }
            }
        };
        match Thread::wait_until(store, thread, ready, true)? {
            Wait::Block(block) => {
                self.phase = LiftPhase::CallbackWait(wait);
                Ok(Some(Step::Blocked(block)))
            }
            Wait::Now(cancelled) => {
                let event = match wait {
                    CallbackWait::Yield if cancelled => (EventCode::TaskCancelled, 0, 0),
                    CallbackWait::Yield => (EventCode::None, 0, 0),
                    CallbackWait::Wait(wset) => finish_wait_for_event(store, wset, cancelled)?,
                };
                self.call_callback(store, event)?;
                Ok(None)
            }
        }
    }

    /// Takes the exclusive lock again and calls the callback with `event`.
    fn call_callback(&mut self, store: &mut Store, event: EventTuple) -> Result<()> {
        let implicit = store.component.tasks.get(self.task.0)?.implicit_thread;
        store.component.inst_mut(self.inst)?.exclusive_thread = implicit;
        let callback = self
            .opts
            .callback
            .ok_or_else(|| internal("callback loop without a callback"))?;
        super::waitables::trace_event(store, "callback", event);
        let (code, p1, p2) = event;
        let args = [
            CoreVal::I32(code as i32),
            CoreVal::I32(p1 as i32),
            CoreVal::I32(p2 as i32),
        ];
        self.phase = LiftPhase::Core {
            thread: call_and_trap_on_throw(store, callback, &args)?,
            call: CoreCall::Callback,
            after: None,
        };
        Ok(())
    }

    /// The callee returned: lift the results, `task.return_` them (the
    /// caller lowers them in `on_resolve`), then run post-return.
    fn returned(&mut self, store: &mut Store, flat_results: Vec<CoreVal>) -> Result<()> {
        let cx = self
            .cx
            .as_ref()
            .ok_or_else(|| internal("lift without context"))?;
        let mut vi = CoreValueIter::new(flat_results.clone());
        let result = lift_flat_values(cx, store, MAX_FLAT_RESULTS, &mut vi, &self.sig.results)?;
        if !vi.done() {
            return Err(internal(
                "the callee returned more values than its type has",
            ));
        }
        Task::return_(store, self.task, result)?;
        match self.opts.post_return {
            Some(post_return) => {
                store.component.inst_mut(self.inst)?.may_leave = false;
                self.phase = LiftPhase::Core {
                    thread: call_and_trap_on_throw(store, post_return, &flat_results)?,
                    call: CoreCall::PostReturn,
                    after: None,
                };
            }
            None => {
                Task::exit_implicit_thread(store, self.task)?;
                self.phase = LiftPhase::Finished;
            }
        }
        Ok(())
    }
}

/// The second half of `WaitableSet.wait_for_event_and`, after the wait.
pub(crate) fn finish_wait_for_event(
    store: &mut Store,
    wset: WsetId,
    cancelled: bool,
) -> Result<EventTuple> {
    let event = if cancelled {
        (EventCode::TaskCancelled, 0, 0)
    } else {
        WaitableSet::get_pending_event(store, wset)?
    };
    let s = store.component.wsets.get_mut(wset.0)?;
    s.num_waiting = s.num_waiting.saturating_sub(1);
    Ok(event)
}

/// Implements `definitions.py::canon_lift`: runs `callee` as a new task of
/// `inst` whose arguments come from, and results go to, `caller`. A
/// synchronous function's task has resolved when this returns (other ready
/// threads of the instance run meanwhile, as the spec's loop has it);
/// otherwise the task is returned, for its `request_cancellation`.
pub(crate) fn canon_lift(
    store: &mut Store,
    callee: Callee,
    sig: Arc<Signature>,
    opts: Arc<CanonicalOptions>,
    inst: InstanceId,
    caller: CallerSide,
) -> Result<Option<TaskId>> {
    if opts.gc {
        return Err(Error::Unsupported(
            "the `gc` canonical option (the GC Canonical ABI)".into(),
        ));
    }
    let task = TaskId(store.component.tasks.insert(Task::new(
        sig.clone(),
        opts.clone(),
        inst,
        caller,
    )));
    store.trace(|store| {
        let caller = match store.component.tasks.get(task.0).map(|t| &t.caller) {
            Ok(CallerSide::Lower(s)) => format!("subtask {}", s.0),
            _ => "host".to_string(),
        };
        Event::new("task.new")
            .num("task", task.0)
            .num("inst", inst.0)
            .str("caller", &caller)
            .bool("async", sig.ft.async_)
            .bool("callback", opts.callback.is_some())
    });
    let call = LiftCall {
        callee,
        sig: sig.clone(),
        opts,
        inst,
        task,
        cx: None,
        phase: LiftPhase::Start,
    };
    let thread = Thread::new(store, task, Continuation::Lift(Box::new(call)));
    Thread::resume(store, thread, false)?;
    if !sig.ft.async_ {
        while !task_resolved(store, task)? {
            let exclusive = store.component.inst(inst)?.exclusive_thread;
            let mut candidates = Vec::new();
            for (_, t) in store.component.inst(inst)?.threads.iter() {
                candidates.push(*t);
            }
            let mut ready = Vec::new();
            for t in candidates {
                if Some(t) != exclusive && Thread::ready(store, t)? {
                    ready.push(t);
                }
            }
            if ready.is_empty() {
                // A host call the task waits for may resolve meanwhile.
                if super::host_calls::poll_host_calls(store, true)? {
                    continue;
                }
                return trap(
                    "cannot block a synchronous task before returning (deadlock detected: \
                     event loop cannot make further progress; no other thread of the \
                     instance is ready to run)",
                );
            }
            let t = ready[store.nondet.pick_ready_thread(ready.len())];
            Thread::resume(store, t, false)?;
        }
    }
    if task_resolved(store, task)? {
        Ok(None)
    } else {
        Ok(Some(task))
    }
}

/// Whether a task has resolved (a resolved task whose threads all exited
/// has left the store's arena).
pub(crate) fn task_resolved(store: &Store, task: TaskId) -> Result<bool> {
    Ok(match store.component.tasks.get(task.0) {
        Ok(t) => t.state == TaskState::Resolved,
        Err(_) => true,
    })
}

/// `definitions.py::CallbackCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallbackCode {
    Exit = 0,
    Yield = 1,
    Wait = 2,
}

impl CallbackCode {
    /// `CallbackCode.MAX`.
    pub(crate) const MAX: u32 = 2;
}

/// Implements `definitions.py::unpack_callback_result`.
pub(crate) fn unpack_callback_result(packed: u32) -> Result<(CallbackCode, u32)> {
    let code = packed & 0xf;
    trap_if(
        code > CallbackCode::MAX,
        "unsupported callback code: the callback returned an invalid code",
    )?;
    let code = match code {
        0 => CallbackCode::Exit,
        1 => CallbackCode::Yield,
        _ => CallbackCode::Wait,
    };
    Ok((code, packed >> 4))
}

/// Implements `definitions.py::call_and_trap_on_throw`, split in two: this
/// prepares the call on a new core thread, [`resume_core`] runs it and turns
/// an exception that leaves the core function into a trap.
pub(crate) fn call_and_trap_on_throw(
    store: &mut Store,
    callee: CoreFunc,
    args: &[CoreVal],
) -> Result<CoreThread> {
    CoreThread::new(store, callee, args)
}

/// How far a core thread got.
pub(crate) enum CoreStep {
    Finished(Vec<CoreVal>),
    /// A built-in blocked the thread (the spec's `block()`).
    Blocked(Box<BuiltinBlock>),
}

/// Runs a core thread (with `host_results` for the host call it stopped
/// in) until it returns or a built-in blocks it. A `memory.atomic.wait`
/// runs alone, as in `Store::call` (it times out, or nothing can ever
/// notify it); an uncaught exception traps (`call_and_trap_on_throw`).
pub(crate) fn resume_core(
    store: &mut Store,
    thread: &mut CoreThread,
    host_results: &[CoreVal],
) -> Result<CoreStep> {
    match thread.resume_alone(store, host_results) {
        Ok(Ok(results)) => Ok(CoreStep::Finished(results)),
        Ok(Err(payload)) => match payload.downcast::<BuiltinBlock>() {
            Ok(b) => Ok(CoreStep::Blocked(b)),
            Err(_) => Err(Error::Unsupported(
                "a host function suspended a core function inside a component call".into(),
            )),
        },
        Err(Error::Exception(e)) => {
            let mut t = crate::error::Trap::with_message(
                crate::error::TrapKind::CanonicalAbi,
                format!("uncaught exception in a core function the Canonical ABI called: {e}"),
            );
            t.backtrace = e.backtrace;
            Err(Error::Trap(t))
        }
        Err(e) => Err(e),
    }
}

/// Implements `definitions.py::canon_lower`: the body of the core function
/// a `canon lower` defines. The lowering after the callee resolves is the
/// subtask's `on_resolve` ([`Subtask::on_resolve`]), run by the callee's
/// `task.return_` whenever that happens. A synchronous lower of a call
/// that has not resolved blocks its thread ([`AfterBlock::LowerResolved`]);
/// an `async` one returns the subtask's handle.
pub(crate) fn canon_lower(
    store: &mut Store,
    callee: &FuncInst,
    sig: &Arc<Signature>,
    opts: &Arc<CanonicalOptions>,
    lowering_inst: InstanceId,
    flat_args: &[CoreVal],
) -> Result<BuiltinResult> {
    let thread = current_thread(store)?;
    let inst = current_instance(store)?;
    if inst != lowering_inst {
        return Err(Error::Api(
            "a lowered function was called from another component instance".into(),
        ));
    }
    check_may_leave(&store.component, inst)?;
    if opts.gc {
        return Err(Error::Unsupported(
            "the `gc` canonical option (the GC Canonical ABI)".into(),
        ));
    }
    let subtask = new_subtask(store, sig, opts, inst, flat_args.to_vec());
    let on_cancel = call_func_inst(store, callee, CallerSide::Lower(subtask), Some(inst))?;
    store.component.subtasks.get_mut(subtask.0)?.on_cancel = on_cancel;
    let resolved = store.component.subtasks.get(subtask.0)?.resolved();
    if !opts.async_ {
        if !resolved {
            // `thread.wait_until(subtask.resolved)`
            return Ok(
                match Thread::wait_until(store, thread, ReadyFunc::SubtaskResolved(subtask), false)?
                {
                    Wait::Block(block) => BuiltinResult::Block(BuiltinBlock {
                        block,
                        after: AfterBlock::LowerResolved(subtask),
                    }),
                    Wait::Now(_) => BuiltinResult::Return(lower_resolved(store, subtask)?),
                },
            );
        }
        return Ok(BuiltinResult::Return(lower_resolved(store, subtask)?));
    }
    if resolved {
        Subtask::deliver_resolve(store, subtask)?;
        store.component.subtasks.remove(subtask.0);
        return Ok(BuiltinResult::Return(vec![CoreVal::I32(
            SubtaskState::Returned as i32,
        )]));
    }
    let i = add_handle_elem(store, inst, HandleElem::Subtask(subtask))?;
    let s = store.component.subtasks.get_mut(subtask.0)?;
    s.index = Some(i);
    let state = s.state as u32;
    Ok(BuiltinResult::Return(vec![CoreVal::I32(
        (state | (i << 4)) as i32,
    )]))
}

/// The end of a synchronous `canon_lower`: `subtask.deliver_resolve()`,
/// then the flat results.
fn lower_resolved(store: &mut Store, subtask: SubtaskId) -> Result<Vec<CoreVal>> {
    Subtask::deliver_resolve(store, subtask)?;
    let s = store
        .component
        .subtasks
        .remove(subtask.0)
        .ok_or_else(|| internal("subtask vanished"))?;
    Ok(s.flat_results)
}

/// What a built-in gives its core caller: results now, or a block.
#[derive(Debug)]
pub(crate) enum BuiltinResult {
    Return(Vec<CoreVal>),
    Block(BuiltinBlock),
}

/// Runs the rest of a blocked built-in when its thread is resumed.
pub(crate) fn finish_block(
    store: &mut Store,
    after: AfterBlock,
    cancelled: bool,
) -> Result<Vec<CoreVal>> {
    match after {
        AfterBlock::Cancelled => Ok(vec![CoreVal::I32(cancelled as i32)]),
        AfterBlock::WaitEvent { wset, mem, ptr } => {
            let event = finish_wait_for_event(store, wset, cancelled)?;
            super::canon_async::unpack_event(store, mem, ptr, event)
        }
        AfterBlock::LowerResolved(subtask) => lower_resolved(store, subtask),
        AfterBlock::CopyDone { end, index } => super::streams::finish_copy(store, end, index),
        AfterBlock::CancelResolved { subtask, index } => {
            super::canon_async::finish_subtask_cancel(store, subtask, index)
        }
    }
}

/// The handle-type check of the `resource.*` built-ins and `lift_own`/
/// `lift_borrow` (`trap_if(h.rt is not rt)`), with a message naming both.
pub(crate) fn check_handle_type(
    store: &Store,
    i: u32,
    expected: ResourceType,
    found: ResourceType,
) -> Result<()> {
    if expected == found {
        return Ok(());
    }
    let kind = |rt: ResourceType| match store.component.resource_type(rt).map(|r| r.impl_) {
        Ok(Some(_)) => "guest-defined resource",
        _ => "host-defined resource",
    };
    let (e, f) = (kind(expected), kind(found));
    let f = if e == f {
        format!("a different {f}")
    } else {
        f.to_string()
    };
    trap(format!(
        "handle index {i} used with the wrong type, expected {e} but found {f} (expected {}, found {})",
        super::resources::describe(store, expected),
        super::resources::describe(store, found)
    ))
}

/// Implements `definitions.py::canon_resource_new`.
pub(crate) fn canon_resource_new(store: &mut Store, rt: ResourceType, rep: u32) -> Result<u32> {
    let inst = current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    let h = ResourceHandle::new(rt, rep, true, None);
    super::storing::add_handle(store, inst, h)
}

/// The type of a destructor: `(func (param u32))`.
fn dtor_sig() -> Arc<Signature> {
    static SIG: std::sync::OnceLock<Arc<Signature>> = std::sync::OnceLock::new();
    SIG.get_or_init(|| {
        Arc::new(Signature::new(FuncType::new(
            vec![("rep".to_string(), ValType::U32)],
            None,
        )))
    })
    .clone()
}

/// Implements `definitions.py::canon_resource_drop`. Dropping an owned
/// handle calls the destructor the way the spec does: `Store.lift` of the
/// destructor (or of a no-op) into the implementing instance, called through
/// `Store.lower` from the dropping instance, so the reentrance rules apply.
pub(crate) fn canon_resource_drop(store: &mut Store, rt: ResourceType, i: u32) -> Result<()> {
    let inst = current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    let h = remove_handle_elem(store, inst, i)?;
    let h = h.resource(i)?.clone();
    check_handle_type(store, i, rt, h.rt)?;
    trap_if(
        h.num_lends != 0,
        "cannot remove owned resource while borrowed",
    )?;
    if h.own {
        let rti = store.component.resource_type(rt)?.clone();
        let sig = dtor_sig();
        let opts = Arc::new(CanonicalOptions::default());
        let callee = match (rti.impl_, rti.dtor) {
            (Some(impl_), Dtor::Core(f)) => FuncInst::Lifted {
                callee: Callee::Core(f),
                sig: sig.clone(),
                opts: opts.clone(),
                inst: impl_,
            },
            (Some(impl_), _) => FuncInst::Lifted {
                callee: Callee::Noop,
                sig: sig.clone(),
                opts: opts.clone(),
                inst: impl_,
            },
            (None, Dtor::Host(dtor)) => FuncInst::Host {
                sig: sig.clone(),
                func: HostImpl::Sync(Arc::new(move |store, args| match args {
                    [crate::component::Val::U32(rep)] => dtor(store, *rep).map(|()| Vec::new()),
                    _ => Ok(Vec::new()),
                })),
                name: rti.name.clone(),
            },
            (None, _) => FuncInst::Host {
                sig: sig.clone(),
                func: HostImpl::Sync(Arc::new(|_, _| Ok(Vec::new()))),
                name: rti.name.clone(),
            },
        };
        // A destructor's type is synchronous, so the call has resolved.
        if let BuiltinResult::Block(_) = canon_lower(
            store,
            &callee,
            &sig,
            &opts,
            inst,
            &[CoreVal::I32(h.rep as i32)],
        )? {
            return Err(internal("a destructor call blocked"));
        }
    } else {
        let scope = h
            .borrow_scope
            .ok_or_else(|| internal("borrow without scope"))?;
        let task = store.component.tasks.get_mut(scope.0)?;
        task.num_borrows = task.num_borrows.saturating_sub(1);
    }
    Ok(())
}

/// Implements `definitions.py::canon_resource_rep`.
pub(crate) fn canon_resource_rep(store: &mut Store, rt: ResourceType, i: u32) -> Result<u32> {
    let inst = current_instance(store)?;
    let h = store
        .component
        .inst(inst)?
        .handles
        .get(i)?
        .resource(i)?
        .clone();
    check_handle_type(store, i, rt, h.rt)?;
    Ok(h.rep)
}

/// Implements `definitions.py::canon_context_get` (validation gives each
/// slot one type, `i32` or `i64`).
pub(crate) fn canon_context_get(store: &mut Store, i: u32) -> Result<u64> {
    let thread = current_thread(store)?;
    let storage = &store.component.threads.get(thread.0)?.storage;
    let v = storage
        .get(i as usize)
        .ok_or_else(|| internal("context slot out of range"))?;
    Ok(*v)
}

/// Implements `definitions.py::canon_context_set`.
pub(crate) fn canon_context_set(store: &mut Store, i: u32, v: u64) -> Result<()> {
    let thread = current_thread(store)?;
    let slot = store
        .component
        .threads
        .get_mut(thread.0)?
        .storage
        .get_mut(i as usize)
        .ok_or_else(|| internal("context slot out of range"))?;
    *slot = v;
    Ok(())
}

/// Implements `definitions.py::canon_backpressure_inc`.
pub(crate) fn canon_backpressure_inc(store: &mut Store) -> Result<()> {
    let inst = current_instance(store)?;
    let i = store.component.inst_mut(inst)?;
    i.backpressure += 1;
    trap_if(
        i.backpressure == 1 << 16,
        "backpressure.inc: the backpressure counter overflowed",
    )
}

/// Implements `definitions.py::canon_backpressure_dec`.
pub(crate) fn canon_backpressure_dec(store: &mut Store) -> Result<()> {
    let inst = current_instance(store)?;
    let i = store.component.inst_mut(inst)?;
    trap_if(
        i.backpressure == 0,
        "backpressure.dec: the backpressure counter went below zero",
    )?;
    i.backpressure -= 1;
    Ok(())
}

/// Implements `definitions.py::canon_task_return`.
pub(crate) fn canon_task_return(
    store: &mut Store,
    result_type: &Option<ValType>,
    opts: &Arc<CanonicalOptions>,
    flat_args: &[CoreVal],
) -> Result<()> {
    let task = current_task(store)?;
    let t = store.component.tasks.get(task.0)?;
    let (inst, task_opts, sig) = (t.inst, t.opts.clone(), t.sig.clone());
    check_may_leave(&store.component, inst)?;
    trap_if(
        !task_opts.async_,
        "task.return called by a task whose function was not lifted `async`",
    )?;
    trap_if(
        *result_type != sig.ft.result,
        "task.return's result type differs from the task's function type",
    )?;
    trap_if(
        !LiftOptions::equal(&opts.lift, &task_opts.lift),
        "task.return's options differ from the task's `canon lift` options",
    )?;
    let cx = LiftLowerContext::new(store, opts.clone(), inst, Some(BorrowScope::Task(task)));
    let mut vi = CoreValueIter::new(flat_args.to_vec());
    let result = lift_flat_values(&cx, store, MAX_FLAT_PARAMS, &mut vi, &sig.results)?;
    Task::return_(store, task, result)
}

/// Implements `definitions.py::canon_task_cancel` as far as a synchronous
/// task gets (see [`canon_task_return`]).
pub(crate) fn canon_task_cancel(store: &mut Store) -> Result<()> {
    let task = current_task(store)?;
    let t = store.component.tasks.get(task.0)?;
    let (inst, async_) = (t.inst, t.opts.async_);
    check_may_leave(&store.component, inst)?;
    trap_if(
        !async_,
        "task.cancel called by a task whose function was not lifted `async`",
    )?;
    Task::cancel(store, task)
}

/// Implements `definitions.py::canon_thread_index`.
pub(crate) fn canon_thread_index(store: &mut Store) -> Result<u32> {
    let thread = current_thread(store)?;
    let task = store.component.threads.get(thread.0)?.task;
    let inst = store.component.tasks.get(task.0)?.inst;
    check_may_leave(&store.component, inst)?;
    store
        .component
        .threads
        .get(thread.0)?
        .index
        .ok_or_else(|| internal("running thread without an index"))
}

/// A built-in cmref does not run (the shared-everything `thread.spawn-*`
/// and `thread.available-parallelism`, which are not in the pinned
/// definitions.py): the first check, `trap_if(not inst.may_leave)`, then
/// `Error::Unsupported` naming it.
pub(crate) fn canon_async_builtin(
    store: &mut Store,
    name: &str,
    checks_may_leave: bool,
) -> Result<Vec<CoreVal>> {
    if checks_may_leave {
        let inst = current_instance(store)?;
        check_may_leave(&store.component, inst)?;
    }
    Err(Error::Unsupported(format!(
        "`canon {name}` is not supported by cmref"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_results_unpack_into_code_and_waitable_set() {
        assert_eq!(unpack_callback_result(0).unwrap(), (CallbackCode::Exit, 0));
        assert_eq!(
            unpack_callback_result(0x51).unwrap(),
            (CallbackCode::Yield, 5)
        );
        assert_eq!(
            unpack_callback_result(0x32).unwrap(),
            (CallbackCode::Wait, 3)
        );
        assert!(unpack_callback_result(3).is_err());
        assert!(unpack_callback_result(0xf).is_err());
    }
}
