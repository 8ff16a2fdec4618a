//! CanonicalABI.md, "Canonical Definitions": `canon lift`, `canon lower`,
//! the `resource.*` built-ins, and the built-ins of the async ABI (which
//! validate and instantiate, but report `Error::Unsupported` when called).

use std::sync::Arc;

use super::concurrency::{
    Callee, CallerSide, Continuation, Step, Subtask, SubtaskState, Task, TaskState, Thread,
    call_func_inst, current_instance, current_task, current_thread, new_subtask,
};
use super::context::{BorrowScope, LiftLowerContext};
use super::flattening::{MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use super::instance::check_may_leave;
use super::lift_flat::{CoreValueIter, lift_flat_values};
use super::lower_flat::lower_flat_values;
use super::options::{CanonicalOptions, LiftOptions};
use super::resources::{Dtor, HandleElem, ResourceHandle};
use super::{trap, trap_if};
use crate::component::store::{FuncInst, InstanceId, TaskId, internal};
use crate::component::types::{FuncType, ResourceType, Signature, ValType};
use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::runtime::thread::{Outcome, Thread as CoreThread};
use crate::values::{Func as CoreFunc, Val as CoreVal};

/// Where `canon_lift`'s `thread_func` is.
#[derive(Debug)]
enum LiftPhase {
    /// Not started: `enter_implicit_thread`, lower the arguments, call.
    Start,
    /// The callee's core code runs on this core thread.
    Callee(CoreThread),
    /// The post-return function runs on this core thread.
    PostReturn(CoreThread),
    Finished,
}

/// `canon_lift`'s `thread_func` as a state machine over the core threads it
/// runs: each phase ends where core wasm runs, so a blocking built-in inside
/// the callee can suspend the core thread and the spec thread with it (once
/// the async ABI exists), and a later resumption continues the phase.
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
    /// Runs the thread function until it finishes.
    pub(crate) fn step(&mut self, store: &mut Store) -> Result<Step> {
        loop {
            match std::mem::replace(&mut self.phase, LiftPhase::Finished) {
                LiftPhase::Start => {
                    if !Task::enter_implicit_thread(store, self.task)? {
                        return Ok(Step::Done);
                    }
                    let cx = LiftLowerContext::new(
                        store,
                        self.opts.clone(),
                        self.inst,
                        Some(BorrowScope::Task(self.task)),
                    );
                    let args = Task::start(store, self.task)?;
                    let flat_args = lower_flat_values(
                        &cx,
                        store,
                        MAX_FLAT_PARAMS,
                        &args,
                        &self.sig.params,
                        None,
                    )?;
                    self.cx = Some(cx);
                    match self.callee {
                        Callee::Core(f) => {
                            self.phase =
                                LiftPhase::Callee(call_and_trap_on_throw(store, f, &flat_args)?);
                        }
                        Callee::Noop if self.opts.async_ => {
                            Task::exit_implicit_thread(store, self.task)?;
                            return Ok(Step::Done);
                        }
                        Callee::Noop => self.returned(store, Vec::new())?,
                    }
                }
                LiftPhase::Callee(mut thread) => {
                    let flat_results = resume_core(store, &mut thread)?;
                    if self.opts.async_ {
                        // `if not opts.callback`: the result came through
                        // `task.return`; the thread is done.
                        if !flat_results.is_empty() {
                            return Err(internal("a stackful async callee returned values"));
                        }
                        Task::exit_implicit_thread(store, self.task)?;
                        return Ok(Step::Done);
                    }
                    self.returned(store, flat_results)?;
                }
                LiftPhase::PostReturn(mut thread) => {
                    resume_core(store, &mut thread)?;
                    store.component.inst_mut(self.inst)?.may_leave = true;
                    Task::exit_implicit_thread(store, self.task)?;
                    return Ok(Step::Done);
                }
                LiftPhase::Finished => return Ok(Step::Done),
            }
        }
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
                self.phase = LiftPhase::PostReturn(call_and_trap_on_throw(
                    store,
                    post_return,
                    &flat_results,
                )?);
            }
            None => {
                Task::exit_implicit_thread(store, self.task)?;
                self.phase = LiftPhase::Finished;
            }
        }
        Ok(())
    }
}

/// Implements `definitions.py::canon_lift`: runs `callee` as a new task of
/// `inst` whose arguments come from, and results go to, `caller`. Returns
/// the caller side once the task has resolved.
pub(crate) fn canon_lift(
    store: &mut Store,
    callee: Callee,
    sig: Arc<Signature>,
    opts: Arc<CanonicalOptions>,
    inst: InstanceId,
    caller: CallerSide,
) -> Result<CallerSide> {
    if opts.callback.is_some() {
        return Err(Error::Unsupported(
            "`canon lift` with a `callback` (the async event loop) needs the async Canonical ABI"
                .into(),
        ));
    }
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
    if !sig.ft.async_ && store.component.tasks.get(task.0)?.state != TaskState::Resolved {
        // `candidates = { t for t in inst.threads if t.ready() ... }`: no
        // thread can be waiting without the async ABI.
        return trap("a synchronous task did not return a value");
    }
    store.component.threads.remove(thread.0);
    let task = store
        .component
        .tasks
        .remove(task.0)
        .ok_or_else(|| internal("task vanished"))?;
    Ok(task.caller)
}

/// `definitions.py::CallbackCode`.
#[allow(dead_code)] // used by the async ABI
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CallbackCode {
    Exit = 0,
    Yield = 1,
    Wait = 2,
}

#[allow(dead_code)] // used by the async ABI
impl CallbackCode {
    /// `CallbackCode.MAX`.
    pub(crate) const MAX: u32 = 2;
}

/// Implements `definitions.py::unpack_callback_result`.
#[allow(dead_code)] // used by the async ABI
pub(crate) fn unpack_callback_result(packed: u32) -> Result<(CallbackCode, u32)> {
    let code = packed & 0xf;
    trap_if(
        code > CallbackCode::MAX,
        "the callback returned an invalid code",
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
fn call_and_trap_on_throw(
    store: &mut Store,
    callee: CoreFunc,
    args: &[CoreVal],
) -> Result<CoreThread> {
    CoreThread::new(store, callee, args)
}

/// Runs a core call to completion. A suspension would be a blocking
/// built-in, which needs the async ABI; a `memory.atomic.wait` runs alone,
/// as in `Store::call` (it times out, or nothing can ever notify it); an
/// uncaught exception traps (`call_and_trap_on_throw`).
fn resume_core(store: &mut Store, thread: &mut CoreThread) -> Result<Vec<CoreVal>> {
    loop {
        match thread.resume(store, &[]) {
            Ok(Outcome::Finished(results)) => return Ok(results),
            Ok(Outcome::Suspended(_)) => {
                return Err(Error::Unsupported(
                    "a core function suspended inside a synchronous component call".into(),
                ));
            }
            Ok(Outcome::Yielded) => {}
            Ok(Outcome::Waiting) => {
                if !store.advance_time() {
                    return Err(thread.deadlock(store));
                }
            }
            Err(Error::Exception(e)) => {
                let mut t = crate::error::Trap::with_message(
                    crate::error::TrapKind::CanonicalAbi,
                    format!("uncaught exception in a core function the Canonical ABI called: {e}"),
                );
                t.backtrace = e.backtrace;
                return Err(Error::Trap(t));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Implements `definitions.py::canon_lower`: the body of the core function
/// a `canon lower` defines. The lowering after the callee resolves is the
/// subtask's `on_resolve` ([`Subtask::on_resolve`]), run by the callee's
/// `task.return_`; what follows here only collects its results.
pub(crate) fn canon_lower(
    store: &mut Store,
    callee: &FuncInst,
    sig: &Arc<Signature>,
    opts: &Arc<CanonicalOptions>,
    lowering_inst: InstanceId,
    flat_args: &[CoreVal],
) -> Result<Vec<CoreVal>> {
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
    let CallerSide::Lower(subtask) =
        call_func_inst(store, callee, CallerSide::Lower(subtask), Some(inst))?
    else {
        return Err(internal("lowered call resolved to another caller"));
    };
    let resolved = store.component.subtasks.get(subtask.0)?.resolved();
    if !opts.async_ {
        // `if not subtask.resolved(): thread.wait_until(subtask.resolved)`
        Thread::wait_until(
            "a synchronous call of an async function that has not returned",
            resolved,
        )?;
        Subtask::deliver_resolve(store, subtask)?;
        let s = store
            .component
            .subtasks
            .remove(subtask.0)
            .ok_or_else(|| internal("subtask vanished"))?;
        return Ok(s.flat_results);
    }
    if !resolved {
        return Err(Error::Unsupported(
            "an `async` lowered call that does not complete at once needs subtask handles and \
             waitables (the async Canonical ABI)"
                .into(),
        ));
    }
    Subtask::deliver_resolve(store, subtask)?;
    store.component.subtasks.remove(subtask.0);
    Ok(vec![CoreVal::I32(SubtaskState::Returned as i32)])
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
    let HandleElem::Resource(h) = store.component.inst_mut(inst)?.handles.remove(i)?;
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
                func: Arc::new(move |store, args| match args {
                    [crate::component::Val::U32(rep)] => dtor(store, *rep).map(|()| Vec::new()),
                    _ => Ok(Vec::new()),
                }),
                name: rti.name.clone(),
            },
            (None, _) => FuncInst::Host {
                sig: sig.clone(),
                func: Arc::new(|_, _| Ok(Vec::new())),
                name: rti.name.clone(),
            },
        };
        canon_lower(
            store,
            &callee,
            &sig,
            &opts,
            inst,
            &[CoreVal::I32(h.rep as i32)],
        )?;
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
    let HandleElem::Resource(h) = store.component.inst(inst)?.handles.get(i)?.clone();
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

/// A built-in of the async ABI (🔀 async, 🧵 threading, 📝 error
/// contexts): the spec's first check, `trap_if(not inst.may_leave)` (which
/// all but `context.{get,set}` and `backpressure.{inc,dec}` make), then
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
        "`canon {name}` needs the async Canonical ABI, which cmref does not implement yet"
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
