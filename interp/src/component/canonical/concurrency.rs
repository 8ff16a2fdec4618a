//! CanonicalABI.md, "Concurrency" (threads and tasks), "Subtask State" and
//! "Embedding API" (`Store.invoke`, `Store.lift`, `Store.lower`).
//!
//! A spec `Thread`'s continuation is data here: a [`Continuation`] is an
//! explicit state machine whose steps run core wasm on resumable core
//! threads ([`crate::Thread`]). `Thread.resume` takes the continuation out
//! of the thread (the thread is then "running", as in the spec) and steps
//! it until it finishes or blocks. Blocking needs the async ABI: in this
//! version no step ever blocks, and every place where the spec would block
//! (`wait_until`, backpressure) reports `Error::Unsupported` instead.

use std::sync::Arc;

use super::canon::LiftCall;
use super::context::{BorrowScope, LiftLowerContext};
use super::flattening::{CoreFuncType, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use super::instance::{enter_from, leave_to, may_enter_from};
use super::lift_flat::{CoreValueIter, lift_flat_values};
use super::lower_flat::lower_flat_values;
use super::options::CanonicalOptions;
use super::resources::HandleElem;
use super::{trap, trap_if};
use crate::component::store::{FuncInst, InstanceId, SubtaskId, TaskId, ThreadId, internal};
use crate::component::types::Signature;
use crate::component::values::Val;
use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::values::{Func as CoreFunc, Val as CoreVal};

/// The `callee` of `canon_lift`: a core function, or the spec's default
/// destructor `lambda rep: []`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Callee {
    Core(CoreFunc),
    Noop,
}

/// The `on_start`/`on_resolve` pair a caller hands to a function instance:
/// either the embedder (`Store.invoke`, or `LiftLowerContext.reallocate`,
/// which calls `canon_lift` with host closures), or a `canon_lower` whose
/// subtask lifts the arguments and lowers the results.
#[derive(Debug)]
pub(crate) enum CallerSide {
    Host {
        args: Option<Vec<Val>>,
        result: Option<Vec<Val>>,
    },
    Lower(SubtaskId),
}

/// Runs the caller's `on_start`: the arguments of the call.
fn on_start(store: &mut Store, caller: &mut CallerSide) -> Result<Vec<Val>> {
    match caller {
        CallerSide::Host { args, .. } => args.take().ok_or_else(|| internal("on_start twice")),
        CallerSide::Lower(subtask) => Subtask::on_start(store, *subtask),
    }
}

/// Runs the caller's `on_resolve` with the results (`None`: cancelled).
fn on_resolve(store: &mut Store, caller: &mut CallerSide, result: Option<Vec<Val>>) -> Result<()> {
    match caller {
        CallerSide::Host { result: slot, .. } => {
            *slot = result;
            Ok(())
        }
        CallerSide::Lower(subtask) => Subtask::on_resolve(store, *subtask, result),
    }
}

// ---------------------------------------------------------------- Threads

/// `Thread.ready_func`; only `lambda: True` exists without the async ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // used by the async ABI
pub(crate) enum ReadyFunc {
    Always,
}

/// The continuation of a thread: its `thread_func` as a state machine.
#[derive(Debug)]
pub(crate) enum Continuation {
    /// `canon_lift`'s `thread_func`.
    Lift(Box<LiftCall>),
}

/// How far one resumption of a continuation got.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The thread function returned.
    Done,
}

impl Continuation {
    fn step(&mut self, store: &mut Store) -> Result<Step> {
        match self {
            Continuation::Lift(call) => call.step(store),
        }
    }
}

/// `definitions.py::Thread`.
#[derive(Debug)]
pub(crate) struct Thread {
    pub(crate) cont: Option<Continuation>,
    pub(crate) ready_func: Option<ReadyFunc>,
    pub(crate) task: TaskId,
    pub(crate) cancellable: bool,
    pub(crate) index: Option<u32>,
    pub(crate) storage: [u64; 2],
}

impl Thread {
    /// `Thread.running`.
    pub(crate) fn running(&self) -> bool {
        self.cont.is_none()
    }

    /// `Thread.suspended`.
    #[allow(dead_code)] // used by the async ABI
    pub(crate) fn suspended(&self) -> bool {
        !self.running() && self.ready_func.is_none()
    }

    /// `Thread.waiting`.
    pub(crate) fn waiting(&self) -> bool {
        !self.running() && self.ready_func.is_some()
    }

    /// `Thread.ready`.
    #[allow(dead_code)] // used by the async ABI
    pub(crate) fn ready(&self) -> bool {
        self.waiting() && matches!(self.ready_func, Some(ReadyFunc::Always))
    }

    /// `Thread.__init__`: a suspended thread that will run `thread_func`.
    #[allow(clippy::new_ret_no_self)] // the thread lives in the store's arena
    pub(crate) fn new(store: &mut Store, task: TaskId, thread_func: Continuation) -> ThreadId {
        let thread = Thread {
            cont: Some(thread_func),
            ready_func: None,
            task,
            cancellable: false,
            index: None,
            storage: [0, 0],
        };
        ThreadId(store.component.threads.insert(thread))
    }

    /// `Thread.stop_waiting_internal`.
    fn stop_waiting_internal(store: &mut Store, thread: ThreadId) -> Result<()> {
        store.component.threads.get_mut(thread.0)?.ready_func = None;
        store.component.waiting.retain(|t| *t != thread);
        Ok(())
    }

    /// `Thread.resume`: runs the thread until its function returns (or, once
    /// the async ABI exists, until it blocks). The thread is the spec's
    /// `current_thread()` meanwhile.
    pub(crate) fn resume(store: &mut Store, thread: ThreadId, cancelled: bool) -> Result<()> {
        let t = store.component.threads.get(thread.0)?;
        if t.running() || (cancelled && !t.cancellable) {
            return Err(internal("resuming a thread that cannot be resumed"));
        }
        if t.waiting() {
            Thread::stop_waiting_internal(store, thread)?;
        }
        let mut cont = store
            .component
            .threads
            .get_mut(thread.0)?
            .cont
            .take()
            .ok_or_else(|| internal("thread without continuation"))?;
        store.component.current.push(thread);
        let step = cont.step(store);
        store.component.current.pop();
        match step? {
            // `handler.cont = None`: the thread function has returned.
            Step::Done => Ok(()),
        }
    }

    /// `Thread.wait_until`: in the synchronous subset a wait can only be
    /// satisfied at once (the deterministic profile never switches away from
    /// a thread whose condition already holds); anything else would block.
    pub(crate) fn wait_until(what: &str, ready: bool) -> Result<()> {
        if ready {
            Ok(())
        } else {
            Err(Error::Unsupported(format!(
                "blocking ({what}) needs the async Canonical ABI"
            )))
        }
    }
}

/// `definitions.py::current_thread`.
pub(crate) fn current_thread(store: &Store) -> Result<ThreadId> {
    store.component.current.last().copied().ok_or_else(|| {
        Error::Api("a lowered component function was called outside of any component task".into())
    })
}

/// `definitions.py::current_task`.
pub(crate) fn current_task(store: &Store) -> Result<TaskId> {
    Ok(store.component.threads.get(current_thread(store)?.0)?.task)
}

/// `definitions.py::current_instance`.
pub(crate) fn current_instance(store: &Store) -> Result<InstanceId> {
    Ok(store.component.tasks.get(current_task(store)?.0)?.inst)
}

// ------------------------------------------------------------------ Tasks

/// `Task.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // the cancel states belong to the async ABI
pub(crate) enum TaskState {
    Initial,
    Started,
    PendingCancel,
    CancelDelivered,
    Resolved,
}

/// `definitions.py::Task`.
#[derive(Debug)]
pub(crate) struct Task {
    pub(crate) sig: Arc<Signature>,
    pub(crate) opts: Arc<CanonicalOptions>,
    pub(crate) inst: InstanceId,
    /// `on_start` and `on_resolve`.
    pub(crate) caller: CallerSide,
    pub(crate) state: TaskState,
    pub(crate) num_borrows: u32,
    pub(crate) implicit_thread: Option<ThreadId>,
    pub(crate) threads: Vec<ThreadId>,
}

impl Task {
    /// `Task.__init__`.
    pub(crate) fn new(
        sig: Arc<Signature>,
        opts: Arc<CanonicalOptions>,
        inst: InstanceId,
        caller: CallerSide,
    ) -> Task {
        Task {
            sig,
            opts,
            inst,
            caller,
            state: TaskState::Initial,
            num_borrows: 0,
            implicit_thread: None,
            threads: Vec::new(),
        }
    }

    /// `Task.needs_exclusive`.
    pub(crate) fn needs_exclusive(&self) -> bool {
        !self.opts.async_ || self.opts.callback.is_some()
    }

    /// `Task.enter_implicit_thread`.
    pub(crate) fn enter_implicit_thread(store: &mut Store, task: TaskId) -> Result<bool> {
        let implicit_thread = current_thread(store)?;
        let t = store.component.tasks.get_mut(task.0)?;
        if t.state != TaskState::Initial {
            return Err(internal("entering a started task"));
        }
        t.implicit_thread = Some(implicit_thread);
        let (inst, async_, needs_exclusive) = (t.inst, t.sig.ft.async_, t.needs_exclusive());
        if async_ {
            let i = store.component.inst(inst)?;
            let has_backpressure =
                i.backpressure > 0 || (needs_exclusive && i.exclusive_thread.is_some());
            if has_backpressure || i.num_waiting_to_enter > 0 {
                Thread::wait_until("backpressure on entering the instance", false)?;
            }
            if needs_exclusive {
                store.component.inst_mut(inst)?.exclusive_thread = Some(implicit_thread);
            }
        }
        Task::register_thread(store, task, implicit_thread)?;
        Ok(true)
    }

    /// `Task.register_thread`.
    pub(crate) fn register_thread(store: &mut Store, task: TaskId, thread: ThreadId) -> Result<()> {
        let limit = store.engine.config().max_table_elements;
        let t = store.component.tasks.get_mut(task.0)?;
        t.threads.push(thread);
        let inst = t.inst;
        let index = store.component.inst_mut(inst)?.threads.add(thread, limit)?;
        store.component.threads.get_mut(thread.0)?.index = Some(index);
        Ok(())
    }

    /// `Task.exit_implicit_thread`.
    pub(crate) fn exit_implicit_thread(store: &mut Store, task: TaskId) -> Result<()> {
        let t = store.component.tasks.get(task.0)?;
        let implicit = t
            .implicit_thread
            .ok_or_else(|| internal("no implicit thread"))?;
        let (inst, exclusive) = (t.inst, t.sig.ft.async_ && t.needs_exclusive());
        Task::unregister_thread(store, task, implicit)?;
        if exclusive {
            store.component.inst_mut(inst)?.exclusive_thread = None;
        }
        Ok(())
    }

    /// `Task.unregister_thread`.
    pub(crate) fn unregister_thread(
        store: &mut Store,
        task: TaskId,
        thread: ThreadId,
    ) -> Result<()> {
        let t = store.component.tasks.get_mut(task.0)?;
        t.threads.retain(|x| *x != thread);
        if t.threads.is_empty() {
            trap_if(
                t.state != TaskState::Resolved,
                "the task's last thread exited before the task returned a value",
            )?;
        }
        let inst = t.inst;
        let index = store
            .component
            .threads
            .get(thread.0)?
            .index
            .ok_or_else(|| internal("unregistered thread"))?;
        store.component.inst_mut(inst)?.threads.remove(index)?;
        Ok(())
    }

    /// `Task.request_cancellation`: cancellation only exists in the async ABI.
    #[allow(dead_code)] // used by the async ABI
    pub(crate) fn request_cancellation(_store: &mut Store, _task: TaskId) -> Result<()> {
        Err(Error::Unsupported(
            "task cancellation needs the async Canonical ABI".into(),
        ))
    }

    /// `Task.deliver_pending_cancel`.
    #[allow(dead_code)] // used by the async ABI
    pub(crate) fn deliver_pending_cancel(
        store: &mut Store,
        task: TaskId,
        cancellable: bool,
    ) -> Result<bool> {
        let t = store.component.tasks.get_mut(task.0)?;
        if cancellable && t.state == TaskState::PendingCancel {
            t.state = TaskState::CancelDelivered;
            return Ok(true);
        }
        Ok(false)
    }

    /// Runs `f` with the task's `on_start`/`on_resolve` taken out of the
    /// arena (they need the store mutably).
    fn with_caller<R>(
        store: &mut Store,
        task: TaskId,
        f: impl FnOnce(&mut Store, &mut CallerSide) -> Result<R>,
    ) -> Result<R> {
        let placeholder = CallerSide::Host {
            args: None,
            result: None,
        };
        let mut caller = std::mem::replace(
            &mut store.component.tasks.get_mut(task.0)?.caller,
            placeholder,
        );
        let r = f(store, &mut caller);
        store.component.tasks.get_mut(task.0)?.caller = caller;
        r
    }

    /// `Task.start`.
    pub(crate) fn start(store: &mut Store, task: TaskId) -> Result<Vec<Val>> {
        let t = store.component.tasks.get_mut(task.0)?;
        if t.state != TaskState::Initial {
            return Err(internal("starting a started task"));
        }
        t.state = TaskState::Started;
        Task::with_caller(store, task, on_start)
    }

    /// `Task.return_`.
    pub(crate) fn return_(store: &mut Store, task: TaskId, result: Vec<Val>) -> Result<()> {
        let t = store.component.tasks.get(task.0)?;
        trap_if(
            t.state == TaskState::Resolved,
            "the task has already returned a value",
        )?;
        if t.num_borrows > 0 {
            return trap(format!(
                "borrow handles still remain at the end of the call ({} not dropped)",
                t.num_borrows
            ));
        }
        Task::with_caller(store, task, |store, caller| {
            on_resolve(store, caller, Some(result))
        })?;
        store.component.tasks.get_mut(task.0)?.state = TaskState::Resolved;
        Ok(())
    }

    /// `Task.cancel`.
    pub(crate) fn cancel(store: &mut Store, task: TaskId) -> Result<()> {
        let t = store.component.tasks.get(task.0)?;
        trap_if(
            t.state != TaskState::CancelDelivered,
            "the task was not cancelled",
        )?;
        trap_if(
            t.num_borrows > 0,
            "borrow handles still remain at the end of the call",
        )?;
        Task::with_caller(store, task, |store, caller| on_resolve(store, caller, None))?;
        store.component.tasks.get_mut(task.0)?.state = TaskState::Resolved;
        Ok(())
    }
}

// --------------------------------------------------------------- Subtasks

/// `Subtask.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // the cancelled states belong to the async ABI
pub(crate) enum SubtaskState {
    Starting = 0,
    Started = 1,
    Returned = 2,
    CancelledBeforeStarted = 3,
    CancelledBeforeReturned = 4,
}

/// The variables `canon_lower`'s `on_start` and `on_resolve` close over.
#[derive(Debug)]
pub(crate) struct LowerState {
    pub(crate) sig: Arc<Signature>,
    pub(crate) cx: LiftLowerContext,
    pub(crate) flat_args: CoreValueIter,
    pub(crate) max_flat_params: usize,
    pub(crate) max_flat_results: usize,
}

/// `definitions.py::Subtask` (the waitable part exists with the async ABI).
#[derive(Debug)]
pub(crate) struct Subtask {
    pub(crate) state: SubtaskState,
    /// Handles lent for the call's borrows: (instance, handle index).
    pub(crate) lenders: Option<Vec<(InstanceId, u32)>>,
    #[allow(dead_code)] // used by the async ABI
    pub(crate) cancellation_requested: bool,
    pub(crate) flat_results: Vec<CoreVal>,
    pub(crate) lower: Option<LowerState>,
}

impl Subtask {
    /// `Subtask.__init__`.
    pub(crate) fn new() -> Subtask {
        Subtask {
            state: SubtaskState::Starting,
            lenders: Some(Vec::new()),
            cancellation_requested: false,
            flat_results: Vec::new(),
            lower: None,
        }
    }

    /// `Subtask.resolved`.
    pub(crate) fn resolved(&self) -> bool {
        !matches!(self.state, SubtaskState::Starting | SubtaskState::Started)
    }

    /// `Subtask.add_lender`.
    pub(crate) fn add_lender(
        store: &mut Store,
        subtask: SubtaskId,
        inst: InstanceId,
        i: u32,
    ) -> Result<()> {
        let HandleElem::Resource(h) = store.component.inst_mut(inst)?.handles.get_mut(i)?;
        h.num_lends += 1;
        store
            .component
            .subtasks
            .get_mut(subtask.0)?
            .lenders
            .as_mut()
            .ok_or_else(|| internal("lending after resolve was delivered"))?
            .push((inst, i));
        Ok(())
    }

    /// `Subtask.resolve`.
    pub(crate) fn resolve(&mut self, state: SubtaskState, flat_results: Vec<CoreVal>) {
        self.state = state;
        self.flat_results = flat_results;
    }

    /// `Subtask.deliver_resolve`.
    pub(crate) fn deliver_resolve(store: &mut Store, subtask: SubtaskId) -> Result<()> {
        let lenders = store
            .component
            .subtasks
            .get_mut(subtask.0)?
            .lenders
            .take()
            .ok_or_else(|| internal("resolve delivered twice"))?;
        for (inst, i) in lenders {
            let HandleElem::Resource(h) = store.component.inst_mut(inst)?.handles.get_mut(i)?;
            h.num_lends -= 1;
        }
        Ok(())
    }

    /// `Subtask.resolve_delivered`.
    #[allow(dead_code)] // used by the async ABI
    pub(crate) fn resolve_delivered(&self) -> bool {
        self.lenders.is_none()
    }

    fn take_lower(store: &mut Store, subtask: SubtaskId) -> Result<LowerState> {
        store
            .component
            .subtasks
            .get_mut(subtask.0)?
            .lower
            .take()
            .ok_or_else(|| internal("subtask without its call state"))
    }

    /// `canon_lower`'s `on_start`: lifts the arguments from the caller.
    pub(crate) fn on_start(store: &mut Store, subtask: SubtaskId) -> Result<Vec<Val>> {
        let s = store.component.subtasks.get_mut(subtask.0)?;
        if s.state != SubtaskState::Starting {
            return Err(internal("subtask started twice"));
        }
        s.state = SubtaskState::Started;
        let mut lower = Subtask::take_lower(store, subtask)?;
        let r = lift_flat_values(
            &lower.cx,
            store,
            lower.max_flat_params,
            &mut lower.flat_args,
            &lower.sig.params,
        );
        store.component.subtasks.get_mut(subtask.0)?.lower = Some(lower);
        r
    }

    /// `canon_lower`'s `on_resolve`: lowers the results into the caller
    /// (through the remaining flat arguments when they spill to memory).
    pub(crate) fn on_resolve(
        store: &mut Store,
        subtask: SubtaskId,
        result: Option<Vec<Val>>,
    ) -> Result<()> {
        let Some(result) = result else {
            return Err(Error::Unsupported(
                "cancelled calls need the async Canonical ABI".into(),
            ));
        };
        if store.component.subtasks.get(subtask.0)?.state != SubtaskState::Started {
            return Err(internal("resolving an unstarted subtask"));
        }
        let mut lower = Subtask::take_lower(store, subtask)?;
        let r = lower_flat_values(
            &lower.cx,
            store,
            lower.max_flat_results,
            &result,
            &lower.sig.results,
            Some(&mut lower.flat_args),
        );
        store.component.subtasks.get_mut(subtask.0)?.lower = Some(lower);
        let flat_results = r?;
        store
            .component
            .subtasks
            .get_mut(subtask.0)?
            .resolve(SubtaskState::Returned, flat_results);
        Ok(())
    }
}

// ------------------------------------------------------------ Embedding API

/// Calls a function instance: `f(on_start, on_resolve, caller)` of
/// `definitions.py`. Returns the caller side once resolved.
pub(crate) fn call_func_inst(
    store: &mut Store,
    f: &FuncInst,
    caller: CallerSide,
    caller_inst: Option<InstanceId>,
) -> Result<CallerSide> {
    match f {
        FuncInst::Lifted {
            callee,
            sig,
            opts,
            inst,
        } => lift_func_inst(store, *callee, sig, opts, *inst, caller, caller_inst),
        FuncInst::Host { sig, func, name } => {
            let mut caller = caller;
            let args = on_start(store, &mut caller)?;
            let results = func(store, &args).map_err(Error::Trap)?;
            if results.len() != sig.results.ts.len()
                || results
                    .iter()
                    .zip(&sig.results.ts)
                    .any(|(v, t)| v.typecheck(t).is_err())
            {
                return Err(Error::Api(format!(
                    "host function `{name}` returned {results:?}, expected results of types {:?}",
                    sig.results
                        .ts
                        .iter()
                        .map(|t| t.to_string())
                        .collect::<Vec<_>>()
                )));
            }
            on_resolve(store, &mut caller, Some(results))?;
            Ok(caller)
        }
    }
}

/// The `func_inst` closure that `Store.lift` returns: the reentrance check
/// of the instances entered, then `canon_lift`. A trap leaves them entered,
/// which is how a trap locks an instance down (Explainer, "Component
/// Invariants" #1).
fn lift_func_inst(
    store: &mut Store,
    callee: super::concurrency::Callee,
    sig: &Arc<Signature>,
    opts: &Arc<CanonicalOptions>,
    inst: InstanceId,
    caller: CallerSide,
    caller_inst: Option<InstanceId>,
) -> Result<CallerSide> {
    trap_if(
        !may_enter_from(&store.component, inst, caller_inst)?,
        "cannot enter component instance (it is already on the call stack, or a trap left it locked down)",
    )?;
    enter_from(&mut store.component, inst, caller_inst)?;
    let done = super::canon::canon_lift(store, callee, sig.clone(), opts.clone(), inst, caller)?;
    leave_to(&mut store.component, inst, caller_inst)?;
    Ok(done)
}

/// `Store.invoke`: the embedder calls a component function.
pub(crate) fn invoke(store: &mut Store, f: &FuncInst, args: Vec<Val>) -> Result<Vec<Val>> {
    store.component.nesting_depth += 1;
    let caller = CallerSide::Host {
        args: Some(args),
        result: None,
    };
    let r = call_func_inst(store, f, caller, None);
    store.component.nesting_depth -= 1;
    match r? {
        CallerSide::Host {
            result: Some(result),
            ..
        } => Ok(result),
        // An `async` function whose task did not return before its thread
        // finished: only possible once threads can block.
        _ => Err(Error::Unsupported(
            "the called `async` function did not return a value without blocking".into(),
        )),
    }
}

/// `Store.lower`: the core function a `canon lower` of `callee` defines,
/// as a host function of the core store.
pub(crate) fn lower(
    store: &mut Store,
    callee: crate::component::store::Func,
    sig: Arc<Signature>,
    opts: Arc<CanonicalOptions>,
    inst: InstanceId,
    flat_ft: &CoreFuncType,
) -> CoreFunc {
    let core_ty = flat_ft.to_wasm();
    CoreFunc::new_host(store, core_ty, move |caller, args| {
        let store = caller.store();
        let result = match store.component.func(callee).cloned() {
            Ok(f) => super::canon::canon_lower(store, &f, &sig, &opts, inst, args),
            Err(e) => Err(e),
        };
        result.map_err(|e| store.component.defer_error(e))
    })
}

/// The flat limits of a `canon lower` with these options.
pub(crate) fn lower_limits(opts: &CanonicalOptions) -> (usize, usize) {
    if opts.async_ {
        (super::flattening::MAX_FLAT_ASYNC_PARAMS, 0)
    } else {
        (MAX_FLAT_PARAMS, MAX_FLAT_RESULTS)
    }
}

/// A subtask for a `canon_lower` call: its context lends borrows to it.
pub(crate) fn new_subtask(
    store: &mut Store,
    sig: &Arc<Signature>,
    opts: &Arc<CanonicalOptions>,
    inst: InstanceId,
    flat_args: Vec<CoreVal>,
) -> SubtaskId {
    let id = SubtaskId(store.component.subtasks.insert(Subtask::new()));
    let (max_flat_params, max_flat_results) = lower_limits(opts);
    let cx = LiftLowerContext::new(store, opts.clone(), inst, Some(BorrowScope::Subtask(id)));
    let lower = LowerState {
        sig: sig.clone(),
        cx,
        flat_args: CoreValueIter::new(flat_args),
        max_flat_params,
        max_flat_results,
    };
    if let Ok(s) = store.component.subtasks.get_mut(id.0) {
        s.lower = Some(lower);
    }
    id
}
