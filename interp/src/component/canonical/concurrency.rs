//! CanonicalABI.md, "Concurrency" (threads and tasks), "Subtask State" and
//! "Embedding API" (`Store.invoke`, `Store.lift`, `Store.lower`).
//!
//! A spec `Thread`'s continuation is data here: a [`Continuation`] is an
//! explicit state machine whose steps run core wasm on resumable core
//! threads ([`crate::Thread`]). `Thread.resume` takes the continuation out
//! of the thread (the thread is then "running", as in the spec) and steps
//! it until it finishes or blocks. A built-in that blocks (the spec's
//! `block()`) is a core host function returning `HostResult::Suspend` with
//! a [`BuiltinBlock`]: the core thread stops, the step returns
//! [`Step::Blocked`], and the continuation goes back into the spec thread,
//! which waits in `Store.waiting` until `Store.tick` (or a synchronous
//! caller's loop in `canon_lift`) resumes it; the built-in's remaining work
//! ([`AfterBlock`]) then runs and its results go to the core thread.

use std::sync::Arc;

use super::canon::LiftCall;
use super::context::{BorrowScope, LiftLowerContext};
use super::flattening::{CoreFuncType, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS};
use super::host_calls::{self, HostCallId, call_host};
use super::instance::{enter_from, leave_to, may_enter_from};
use super::lift_flat::{CoreValueIter, lift_flat_values};
use super::lower_flat::lower_flat_values;
use super::options::CanonicalOptions;
use super::waitables::{Waitable, WaitableRef, WaitableSet, has_pending_event};
use super::{trap, trap_if};
use crate::component::store::{
    FuncInst, InstanceId, SubtaskId, TaskId, ThreadId, WsetId, internal,
};
use crate::component::types::Signature;
use crate::component::values::Val;
use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::trace::Event;
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
        /// Where `on_resolve` puts the results: `ComponentStore::host_results`.
        slot: u32,
    },
    Lower(SubtaskId),
}

/// Runs the caller's `on_start`: the arguments of the call.
pub(crate) fn on_start(store: &mut Store, caller: &mut CallerSide) -> Result<Vec<Val>> {
    match caller {
        CallerSide::Host { args, .. } => args.take().ok_or_else(|| internal("on_start twice")),
        CallerSide::Lower(subtask) => Subtask::on_start(store, *subtask),
    }
}

/// Runs the caller's `on_resolve` with the results (`None`: cancelled).
pub(crate) fn on_resolve(
    store: &mut Store,
    caller: &mut CallerSide,
    result: Option<Vec<Val>>,
) -> Result<()> {
    match caller {
        CallerSide::Host { slot, .. } => {
            *store.component.host_results.get_mut(*slot)? = result;
            Ok(())
        }
        CallerSide::Lower(subtask) => Subtask::on_resolve(store, *subtask, result),
    }
}

// ---------------------------------------------------------------- Threads

/// `Thread.ready_func`: the conditions threads wait for, as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadyFunc {
    /// `lambda: True` (`yield`, `resume_later`).
    Always,
    /// `lambda: not inst.exclusive_thread` (a callback's `YIELD`).
    NotExclusive(InstanceId),
    /// `lambda: not has_backpressure()` in `enter_implicit_thread`.
    NoBackpressure(TaskId),
    /// `subtask.resolved` (a synchronous `canon_lower`).
    SubtaskResolved(SubtaskId),
    /// `ready_and_has_event` of `WaitableSet.wait_for_event_and`, with
    /// `not inst.exclusive_thread` when the instance is given.
    WsetEvent {
        wset: WsetId,
        not_exclusive: Option<InstanceId>,
    },
    /// `Waitable.has_pending_event` (`wait_for_pending_event`).
    PendingEvent(WaitableRef),
}

impl ReadyFunc {
    /// Calls the ready function.
    pub(crate) fn call(self, store: &Store) -> Result<bool> {
        Ok(match self {
            ReadyFunc::Always => true,
            ReadyFunc::NotExclusive(inst) => store.component.inst(inst)?.exclusive_thread.is_none(),
            ReadyFunc::NoBackpressure(task) => !Task::has_backpressure(store, task)?,
            ReadyFunc::SubtaskResolved(s) => store.component.subtasks.get(s.0)?.resolved(),
            ReadyFunc::WsetEvent {
                wset,
                not_exclusive,
            } => {
                let free = match not_exclusive {
                    Some(inst) => store.component.inst(inst)?.exclusive_thread.is_none(),
                    None => true,
                };
                free && WaitableSet::has_pending_event(store, wset)?
            }
            ReadyFunc::PendingEvent(w) => has_pending_event(store, w)?,
        })
    }
}

/// The continuation of a thread: its `thread_func` as a state machine.
#[derive(Debug)]
pub(crate) enum Continuation {
    /// `canon_lift`'s `thread_func`.
    Lift(Box<LiftCall>),
    /// `canon_thread_new_indirect`'s `thread_func`.
    Explicit(Box<super::canon_async::ExplicitThread>),
}

/// How a thread blocks (`block_internal`): what it waits for (`None`:
/// suspended, until something resumes it explicitly) and whether it may be
/// resumed cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) ready: Option<ReadyFunc>,
    pub(crate) cancellable: bool,
    /// `block(switch_to)`: the suspended thread to resume in its place.
    pub(crate) switch_to: Option<ThreadId>,
}

/// The payload of a blocking built-in's `HostResult::Suspend`: how its
/// thread blocks, and what the built-in does when the thread is resumed.
#[derive(Debug)]
pub(crate) struct BuiltinBlock {
    pub(crate) block: Block,
    pub(crate) after: AfterBlock,
}

/// The rest of a blocking built-in, run when its thread is resumed; gives
/// the built-in's core results.
#[derive(Debug)]
pub(crate) enum AfterBlock {
    /// `thread.yield`, `thread.suspend`: returns whether it was cancelled.
    Cancelled,
    /// `waitable-set.wait`: `wait_for_event`'s second half, then
    /// `unpack_event` into `mem` at `ptr`.
    WaitEvent {
        wset: WsetId,
        mem: super::options::MemInst,
        ptr: u64,
    },
    /// A synchronous `canon_lower` whose subtask had not resolved.
    LowerResolved(SubtaskId),
    /// A synchronous stream or future copy (or cancellation) waiting for
    /// the end's event.
    CopyDone {
        end: crate::component::store::EndId,
        index: u32,
    },
    /// A synchronous `subtask.cancel` waiting for the subtask's event.
    CancelResolved { subtask: SubtaskId, index: u32 },
}

/// What the non-blocking part of a wait decided: done now (with
/// `cancelled`), or block.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    Now(bool),
    Block(Block),
}

/// How far one resumption of a continuation got.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The thread function returned.
    Done,
    /// The thread blocked.
    Blocked(Block),
}

impl Continuation {
    fn step(&mut self, store: &mut Store, cancelled: bool) -> Result<Step> {
        match self {
            Continuation::Lift(call) => call.step(store, cancelled),
            Continuation::Explicit(call) => call.step(store, cancelled),
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
    pub(crate) fn suspended(&self) -> bool {
        !self.running() && self.ready_func.is_none()
    }

    /// `Thread.waiting`.
    pub(crate) fn waiting(&self) -> bool {
        !self.running() && self.ready_func.is_some()
    }

    /// `Thread.ready`.
    pub(crate) fn ready(store: &Store, thread: ThreadId) -> Result<bool> {
        let t = store.component.threads.get(thread.0)?;
        match t.ready_func {
            Some(f) if t.waiting() => f.call(store),
            _ => Ok(false),
        }
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
        let id = ThreadId(store.component.threads.insert(thread));
        store.trace(|_| {
            Event::new("thread.new")
                .num("thread", id.0)
                .num("task", task.0)
        });
        id
    }

    /// `Thread.start_waiting_internal`.
    fn start_waiting_internal(store: &mut Store, thread: ThreadId, ready: ReadyFunc) -> Result<()> {
        store.component.threads.get_mut(thread.0)?.ready_func = Some(ready);
        store.component.waiting.push(thread);
        Ok(())
    }

    /// `Thread.stop_waiting_internal`.
    fn stop_waiting_internal(store: &mut Store, thread: ThreadId) -> Result<()> {
        store.component.threads.get_mut(thread.0)?.ready_func = None;
        store.component.waiting.retain(|t| *t != thread);
        Ok(())
    }

    /// `Thread.resume`: runs the thread until its function returns or it
    /// blocks. The thread is the spec's `current_thread()` meanwhile. A
    /// thread whose function returned leaves the store's arena.
    pub(crate) fn resume(store: &mut Store, thread: ThreadId, cancelled: bool) -> Result<()> {
        let (mut thread, mut cancelled) = (thread, cancelled);
        loop {
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
            store.trace(|_| {
                Event::new("thread.resume")
                    .num("thread", thread.0)
                    .bool("cancelled", cancelled)
            });
            store.component.current.push(thread);
            let step = cont.step(store, cancelled);
            store.component.current.pop();
            match step? {
                // `handler.cont = None`: the thread function has returned.
                Step::Done => {
                    store.trace(|_| Event::new("thread.exit").num("thread", thread.0));
                    if let Some(t) = store.component.threads.remove(thread.0) {
                        let task = store.component.tasks.get(t.task.0)?;
                        if task.threads.is_empty() && task.state == TaskState::Resolved {
                            store.component.tasks.remove(t.task.0);
                        }
                    }
                    return Ok(());
                }
                Step::Blocked(block) => {
                    store.trace(|_| {
                        Event::new(if block.ready.is_some() {
                            "thread.wait"
                        } else {
                            "thread.suspend"
                        })
                        .num("thread", thread.0)
                        .bool("cancellable", block.cancellable)
                    });
                    let t = store.component.threads.get_mut(thread.0)?;
                    t.cont = Some(cont);
                    t.cancellable = block.cancellable;
                    if let Some(ready) = block.ready {
                        Thread::start_waiting_internal(store, thread, ready)?;
                    }
                    // `while thread is not None`: go on with the thread it
                    // switched to.
                    match block.switch_to {
                        Some(other) => (thread, cancelled) = (other, false),
                        None => return Ok(()),
                    }
                }
            }
        }
    }

    /// `Thread.resume_later`.
    pub(crate) fn resume_later(store: &mut Store, thread: ThreadId) -> Result<()> {
        Thread::start_waiting_internal(store, thread, ReadyFunc::Always)
    }

    /// `Thread.stop_waiting_internal` of a ready thread being promoted.
    pub(crate) fn promote(store: &mut Store, thread: ThreadId) -> Result<()> {
        Thread::stop_waiting_internal(store, thread)
    }

    /// `Thread.wait_until`, up to the point where it blocks: a pending
    /// cancellation is delivered at once; a condition that already holds
    /// returns at once only if the store's `Nondet` says so (never in the
    /// deterministic profile).
    pub(crate) fn wait_until(
        store: &mut Store,
        thread: ThreadId,
        ready: ReadyFunc,
        cancellable: bool,
    ) -> Result<Wait> {
        let task = store.component.threads.get(thread.0)?.task;
        if Task::deliver_pending_cancel(store, task, cancellable)? {
            return Ok(Wait::Now(true));
        }
        if ready.call(store)? && store.nondet.wait_returns_at_once() {
            return Ok(Wait::Now(false));
        }
        Ok(Wait::Block(Block {
            ready: Some(ready),
            cancellable,
            switch_to: None,
        }))
    }

    /// `Thread.suspend`, up to the point where it blocks.
    pub(crate) fn suspend(store: &mut Store, thread: ThreadId, cancellable: bool) -> Result<Wait> {
        let task = store.component.threads.get(thread.0)?.task;
        if Task::deliver_pending_cancel(store, task, cancellable)? {
            return Ok(Wait::Now(true));
        }
        Ok(Wait::Block(Block {
            ready: None,
            cancellable,
            switch_to: None,
        }))
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

    /// `has_backpressure` of `Task.enter_implicit_thread`.
    pub(crate) fn has_backpressure(store: &Store, task: TaskId) -> Result<bool> {
        let t = store.component.tasks.get(task.0)?;
        let i = store.component.inst(t.inst)?;
        Ok(i.backpressure > 0 || (t.needs_exclusive() && i.exclusive_thread.is_some()))
    }

    /// `Task.enter_implicit_thread`, up to the wait for backpressure: gives
    /// `Wait::Block` when the thread must wait, after which
    /// [`Task::finish_enter`] goes on.
    pub(crate) fn enter_implicit_thread(store: &mut Store, task: TaskId) -> Result<Wait> {
        let implicit_thread = current_thread(store)?;
        let t = store.component.tasks.get_mut(task.0)?;
        if t.state != TaskState::Initial {
            return Err(internal("entering a started task"));
        }
        t.implicit_thread = Some(implicit_thread);
        let (inst, async_) = (t.inst, t.sig.ft.async_);
        if async_
            && (Task::has_backpressure(store, task)?
                || store.component.inst(inst)?.num_waiting_to_enter > 0)
        {
            store.component.inst_mut(inst)?.num_waiting_to_enter += 1;
            match Thread::wait_until(
                store,
                implicit_thread,
                ReadyFunc::NoBackpressure(task),
                true,
            )? {
                Wait::Now(cancelled) => return Task::finish_enter(store, task, cancelled),
                block => return Ok(block),
            }
        }
        Task::finish_enter_entered(store, task)?;
        Ok(Wait::Now(false))
    }

    /// The rest of `Task.enter_implicit_thread` after waiting for
    /// backpressure: `Wait::Now(true)` if the task was cancelled (and so
    /// resolved) instead.
    pub(crate) fn finish_enter(store: &mut Store, task: TaskId, cancelled: bool) -> Result<Wait> {
        let inst = store.component.tasks.get(task.0)?.inst;
        let i = store.component.inst_mut(inst)?;
        i.num_waiting_to_enter = i.num_waiting_to_enter.saturating_sub(1);
        if cancelled {
            Task::cancel(store, task)?;
            return Ok(Wait::Now(true));
        }
        Task::finish_enter_entered(store, task)?;
        Ok(Wait::Now(false))
    }

    /// The end of `Task.enter_implicit_thread`: take the exclusive lock if
    /// needed, register the implicit thread.
    fn finish_enter_entered(store: &mut Store, task: TaskId) -> Result<()> {
        let t = store.component.tasks.get(task.0)?;
        let implicit = t
            .implicit_thread
            .ok_or_else(|| internal("no implicit thread"))?;
        let (inst, exclusive) = (t.inst, t.sig.ft.async_ && t.needs_exclusive());
        if exclusive {
            store.component.inst_mut(inst)?.exclusive_thread = Some(implicit);
        }
        Task::register_thread(store, task, implicit)
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

    /// `Task.request_cancellation`: the caller's `on_cancel`. A resolved
    /// task that has left the store has nothing to cancel.
    pub(crate) fn request_cancellation(
        store: &mut Store,
        task: TaskId,
        caller: Option<InstanceId>,
    ) -> Result<()> {
        let Ok(state) = store.component.tasks.get(task.0).map(|t| t.state) else {
            return Ok(());
        };
        store.trace(|_| {
            Event::new("task.request-cancellation")
                .num("task", task.0)
                .str("state", &format!("{state:?}"))
        });
        let t = store.component.tasks.get(task.0)?;
        let (inst, implicit) = (t.inst, t.implicit_thread);
        if t.state == TaskState::Initial {
            store.component.tasks.get_mut(task.0)?.state = TaskState::CancelDelivered;
            let implicit = implicit.ok_or_else(|| internal("no implicit thread"))?;
            return Thread::resume(store, implicit, true);
        }
        if t.state != TaskState::Started {
            return Ok(());
        }
        let mut candidates = Vec::new();
        for th in &t.threads {
            if store.component.threads.get(th.0)?.cancellable {
                candidates.push(*th);
            }
        }
        let exclusive = store.component.inst(inst)?.exclusive_thread;
        if t.needs_exclusive() && exclusive.is_some() && exclusive != implicit {
            candidates.retain(|th| Some(*th) != implicit);
        }
        if !candidates.is_empty() && may_enter_from(&store.component, inst, caller)? {
            store.component.tasks.get_mut(task.0)?.state = TaskState::CancelDelivered;
            enter_from(&mut store.component, inst, caller)?;
            let pick = store.nondet.pick_ready_thread(candidates.len());
            Thread::resume(store, candidates[pick], true)?;
            leave_to(&mut store.component, inst, caller)?;
        } else {
            store.component.tasks.get_mut(task.0)?.state = TaskState::PendingCancel;
            store.trace(|_| Event::new("task.cancel-pending").num("task", task.0));
        }
        Ok(())
    }

    /// `Task.deliver_pending_cancel`.
    pub(crate) fn deliver_pending_cancel(
        store: &mut Store,
        task: TaskId,
        cancellable: bool,
    ) -> Result<bool> {
        let t = store.component.tasks.get_mut(task.0)?;
        if cancellable && t.state == TaskState::PendingCancel {
            t.state = TaskState::CancelDelivered;
            store.trace(|_| Event::new("task.cancel-delivered").num("task", task.0));
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
            slot: u32::MAX,
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
        let args = Task::with_caller(store, task, on_start)?;
        store.trace(|_| {
            Event::new("task.start")
                .num("task", task.0)
                .list("args", &args)
        });
        Ok(args)
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
        store.trace(|_| {
            Event::new("task.return")
                .num("task", task.0)
                .list("results", &result)
        });
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
        store.trace(|_| Event::new("task.cancel").num("task", task.0));
        Task::with_caller(store, task, |store, caller| on_resolve(store, caller, None))?;
        store.component.tasks.get_mut(task.0)?.state = TaskState::Resolved;
        Ok(())
    }
}

// --------------------------------------------------------------- Subtasks

/// `Subtask.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// `definitions.py::Subtask`.
#[derive(Debug)]
pub(crate) struct Subtask {
    pub(crate) waitable: Waitable,
    pub(crate) state: SubtaskState,
    /// `on_cancel`: what cancels the callee, if it has not resolved.
    pub(crate) on_cancel: Option<OnCancel>,
    /// The subtask's handle index once `canon_lower` returned it unresolved
    /// (from then on, progress sets a pending event: `maybe_on_progress`).
    pub(crate) index: Option<u32>,
    /// Handles lent for the call's borrows: (instance, handle index).
    pub(crate) lenders: Option<Vec<(InstanceId, u32)>>,
    pub(crate) cancellation_requested: bool,
    pub(crate) flat_results: Vec<CoreVal>,
    pub(crate) lower: Option<LowerState>,
}

impl Subtask {
    /// `Subtask.__init__`.
    pub(crate) fn new() -> Subtask {
        Subtask {
            waitable: Waitable::default(),
            state: SubtaskState::Starting,
            on_cancel: None,
            index: None,
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
        let h = store
            .component
            .inst_mut(inst)?
            .handles
            .get_mut(i)?
            .resource_mut(i)?;
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
            let h = store
                .component
                .inst_mut(inst)?
                .handles
                .get_mut(i)?
                .resource_mut(i)?;
            h.num_lends -= 1;
        }
        Ok(())
    }

    /// `Subtask.drop`.
    pub(crate) fn drop(store: &mut Store, subtask: SubtaskId) -> Result<()> {
        trap_if(
            !store.component.subtasks.get(subtask.0)?.resolve_delivered(),
            "cannot drop a subtask which has not yet resolved",
        )?;
        super::waitables::drop_waitable(store, WaitableRef::Subtask(subtask))?;
        store.component.subtasks.remove(subtask.0);
        store.trace(|_| Event::new("subtask.drop").num("subtask", subtask.0));
        Ok(())
    }

    /// `maybe_on_progress` of `canon_lower`: once the subtask has a handle,
    /// progress sets its pending event (`on_progress`).
    fn maybe_on_progress(store: &mut Store, subtask: SubtaskId) -> Result<()> {
        if let Some(index) = store.component.subtasks.get(subtask.0)?.index {
            super::waitables::set_pending_event(
                store,
                WaitableRef::Subtask(subtask),
                super::waitables::PendingEvent::Subtask { index },
            )?;
        }
        Ok(())
    }

    /// `Subtask.resolve_delivered`.
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
        Subtask::maybe_on_progress(store, subtask)?;
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
        let args = r?;
        store.trace(|_| {
            Event::new("subtask.start")
                .num("subtask", subtask.0)
                .list("lifted", &args)
        });
        Ok(args)
    }

    /// `canon_lower`'s `on_resolve`: lowers the results into the caller
    /// (through the remaining flat arguments when they spill to memory).
    pub(crate) fn on_resolve(
        store: &mut Store,
        subtask: SubtaskId,
        result: Option<Vec<Val>>,
    ) -> Result<()> {
        Subtask::maybe_on_progress(store, subtask)?;
        let Some(result) = result else {
            let s = store.component.subtasks.get_mut(subtask.0)?;
            let state = if s.state == SubtaskState::Starting {
                SubtaskState::CancelledBeforeStarted
            } else {
                SubtaskState::CancelledBeforeReturned
            };
            s.resolve(state, Vec::new());
            store.trace(|_| {
                Event::new("subtask.resolve")
                    .num("subtask", subtask.0)
                    .str("state", &format!("{state:?}"))
            });
            return Ok(());
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
        store.trace(|_| {
            Event::new("subtask.resolve")
                .num("subtask", subtask.0)
                .str("state", "Returned")
                .list("lowered", &result)
        });
        Ok(())
    }
}

// ------------------------------------------------------------ Embedding API

/// The spec's `OnCancel` of a call that has not resolved: the callee's
/// task (its `request_cancellation`) or a pending host call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnCancel {
    Task(TaskId),
    Host(HostCallId),
}

/// Calls a function instance: `f(on_start, on_resolve, caller)` of
/// `definitions.py`, returning its `on_cancel` when the call has not
/// resolved yet.
pub(crate) fn call_func_inst(
    store: &mut Store,
    f: &FuncInst,
    caller: CallerSide,
    caller_inst: Option<InstanceId>,
) -> Result<Option<OnCancel>> {
    match f {
        FuncInst::Lifted {
            callee,
            sig,
            opts,
            inst,
        } => Ok(
            lift_func_inst(store, *callee, sig, opts, *inst, caller, caller_inst)?
                .map(OnCancel::Task),
        ),
        FuncInst::Host { sig, func, name } => {
            Ok(call_host(store, func, sig, name, caller)?.map(OnCancel::Host))
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
) -> Result<Option<TaskId>> {
    trap_if(
        !may_enter_from(&store.component, inst, caller_inst)?,
        "cannot enter component instance (it is already on the call stack, or a trap left it locked down)",
    )?;
    enter_from(&mut store.component, inst, caller_inst)?;
    let task = super::canon::canon_lift(store, callee, sig.clone(), opts.clone(), inst, caller)?;
    leave_to(&mut store.component, inst, caller_inst)?;
    Ok(task)
}

/// `Store.invoke`, followed by the embedder's event loop: calls `Store.tick`
/// until the call's result has arrived. When no thread is ready and the
/// result has not arrived, nothing can make progress: a deadlock, which
/// traps.
pub(crate) fn invoke(store: &mut Store, f: &FuncInst, args: Vec<Val>) -> Result<Vec<Val>> {
    store.trace(|_| Event::new("invoke").list("args", &args));
    let slot = store.component.host_results.insert(None);
    let r = invoke_and_tick(store, f, args, slot);
    let result = store.component.host_results.remove(slot).flatten();
    if let Err(e) = &r {
        store.trace(|_| match e {
            Error::Trap(t) => Event::new("trap").str("message", &t.to_string()),
            e => Event::new("error").str("message", &e.to_string()),
        });
    }
    r?;
    let result = result.ok_or_else(|| internal("a host call resolved without a result"))?;
    store.trace(|_| Event::new("invoke.return").list("results", &result));
    Ok(result)
}

fn invoke_and_tick(store: &mut Store, f: &FuncInst, args: Vec<Val>, slot: u32) -> Result<()> {
    store.component.nesting_depth += 1;
    let caller = CallerSide::Host {
        args: Some(args),
        slot,
    };
    let r = call_func_inst(store, f, caller, None);
    store.component.nesting_depth -= 1;
    r?;
    while store.component.host_results.get(slot)?.is_none() {
        if store.component.nesting_depth > 0 {
            // A nested embedder call (e.g. from a host function) cannot run
            // the store's event loop (`Store.tick` asserts nesting depth 0).
            return trap(
                "cannot block a synchronous task before returning (an embedder call made \
                 while the store is busy did not return at once)",
            );
        }
        if !tick(store)? {
            return trap("deadlock detected: event loop cannot make further progress");
        }
    }
    Ok(())
}

/// `Store.tick`: resumes one ready waiting thread (the store's `Nondet`
/// picks which), entering its instance from the host. Returns whether any
/// thread was ready.
pub(crate) fn tick(store: &mut Store) -> Result<bool> {
    let host_progress = host_calls::poll_host_calls(store, false)?;
    let mut candidates = Vec::new();
    for t in store.component.waiting.clone() {
        if Thread::ready(store, t)? {
            candidates.push(t);
        }
    }
    if candidates.is_empty() {
        // Nothing else can run: let a pending host call block until it
        // makes progress.
        return Ok(host_progress || host_calls::poll_host_calls(store, true)?);
    }
    store.component.nesting_depth += 1;
    let thread = candidates[store.nondet.pick_ready_thread(candidates.len())];
    store.trace(|_| {
        Event::new("store.tick")
            .num("ready", candidates.len() as u64)
            .num("thread", thread.0)
    });
    let task = store.component.threads.get(thread.0)?.task;
    let inst = store.component.tasks.get(task.0)?.inst;
    let r = (|| {
        enter_from(&mut store.component, inst, None)?;
        Thread::resume(store, thread, false)?;
        leave_to(&mut store.component, inst, None)
    })();
    store.component.nesting_depth -= 1;
    r?;
    Ok(true)
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
    CoreFunc::new_host_suspendable(store, core_ty, move |caller, args| {
        let store = caller.store();
        let result = match store.component.func(callee).cloned() {
            Ok(f) => super::canon::canon_lower(store, &f, &sig, &opts, inst, args),
            Err(e) => Err(e),
        };
        super::canon_async::host_result(store, result)
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
    store.trace(|_| {
        Event::new("subtask.new")
            .num("subtask", id.0)
            .num("inst", inst.0)
            .bool("async", opts.async_)
    });
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
