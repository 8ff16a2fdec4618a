//! Resumable wasm threads: the embedding API over the explicit interpreter
//! state. A host function may suspend the thread; the embedder resumes it
//! later with the host function's results.

use std::any::Any;

use wasmparser::ValType;

use crate::error::{Error, Result, Trap, TrapKind};
use crate::exec::{self, Exit, ThreadState};
use crate::runtime::host::{Caller, HostResult};
use crate::runtime::store::{FuncInst, Store};
use crate::runtime::waiters::WaitState;
use crate::types::slots_of;
use crate::values::{Func, Val, val_from_slots, val_to_slots};

/// How a call to [`Thread::resume`] ended.
pub enum Outcome {
    /// The thread's function returned these results.
    Finished(Vec<Val>),
    /// A host function suspended the thread with this payload.
    Suspended(Box<dyn Any + Send>),
    /// The thread is blocked in `memory.atomic.wait`. Resuming it continues
    /// once another thread notified it or its timeout passed (see
    /// [`Store::advance_time`]); until then a resume returns `Waiting` again.
    Waiting,
    /// The store's time slice ran out ([`Store::set_time_slice`]); resume
    /// to continue.
    Yielded,
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Finished(v) => f.debug_tuple("Finished").field(v).finish(),
            Outcome::Suspended(_) => f.write_str("Suspended(..)"),
            Outcome::Waiting => f.write_str("Waiting"),
            Outcome::Yielded => f.write_str("Yielded"),
        }
    }
}

#[derive(Debug)]
enum State {
    /// A host function is the entry point and has not run yet.
    HostEntry(Func, Vec<Val>),
    /// Waiting for the results of a suspended host entry function.
    HostEntrySuspended,
    Wasm,
    Done,
}

/// A wasm thread: a function call that can be suspended and resumed.
///
/// A thread blocked in `memory.atomic.wait` stays registered as a waiter of
/// its store until it is resumed after a notify or timeout, or ended with
/// [`Thread::deadlock`]; dropping it while it waits would leave a waiter
/// that a later notify still counts.
#[derive(Debug)]
pub struct Thread {
    state: State,
    ts: ThreadState,
    params: Vec<ValType>,
    results: Vec<ValType>,
}

impl Thread {
    /// Prepares a call of `func` with `args`; nothing runs until [`Thread::resume`].
    pub fn new(store: &mut Store, func: Func, args: &[Val]) -> Result<Thread> {
        let ty = store.func_type(func)?;
        if args.len() != ty.params().len()
            || args.iter().zip(ty.params()).any(|(a, t)| !a.matches(*t))
        {
            return Err(Error::Api(format!(
                "arguments {args:?} do not match the function type {ty}"
            )));
        }
        let mut thread = Thread {
            state: State::Done,
            ts: ThreadState::default(),
            params: ty.params().to_vec(),
            results: ty.results().to_vec(),
        };
        match &store.funcs[func.0 as usize] {
            FuncInst::Host { .. } => thread.state = State::HostEntry(func, args.to_vec()),
            FuncInst::Wasm {
                instance,
                def_index,
                code,
                ..
            } => {
                let (instance, def_index, code) = (*instance, *def_index, code.clone());
                let slots = slots_of(&thread.params).max(slots_of(&thread.results)) as usize;
                thread.ts.stack = vec![0; slots.max(code.frame_slots as usize).max(64)];
                let mut at = 0;
                for a in args {
                    val_to_slots(a, &mut thread.ts.stack[at..]);
                    at += if matches!(a, Val::V128(_)) { 2 } else { 1 };
                }
                exec::enter_frame(store, &mut thread.ts, instance, def_index, &code, 0)
                    .map_err(|k| Error::Trap(k.into()))?;
                thread.state = State::Wasm;
            }
        }
        Ok(thread)
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Whether the thread is blocked in `memory.atomic.wait`, neither
    /// notified nor timed out yet.
    pub fn is_waiting(&self, store: &Store) -> bool {
        self.ts
            .waiting
            .is_some_and(|(id, _)| store.waiters.state(id) == WaitState::Waiting)
    }

    /// Ends a thread blocked in `memory.atomic.wait` that nothing can wake
    /// any more, and returns the [`TrapKind::Deadlock`] trap, with the
    /// backtrace of where it waits, that it ends with. A scheduler calls
    /// this instead of waiting forever.
    pub fn deadlock(&mut self, store: &mut Store) -> Error {
        let Some((id, _)) = self.ts.waiting.take() else {
            return Error::Api("the thread is not waiting".into());
        };
        store.waiters.remove(id);
        self.state = State::Done;
        // The top frame's pc is past the wait; name the wait itself.
        if let Some(top) = self.ts.frames.last_mut() {
            top.pc = top.pc.saturating_sub(1);
        }
        let mut trap = Trap::new(TrapKind::Deadlock);
        trap.backtrace = exec::backtrace(store, &self.ts);
        Error::Trap(trap)
    }

    /// Runs until the function returns or a host function suspends.
    /// `host_results` are the results of the host call the thread was
    /// suspended in (empty on the first resume).
    pub fn resume(&mut self, store: &mut Store, host_results: &[Val]) -> Result<Outcome> {
        if store.host_depth >= store.engine.config().max_host_reentry {
            return Err(Error::Trap(TrapKind::CallStackExhausted.into()));
        }
        store.host_depth += 1;
        let result = self.resume_inner(store, host_results);
        store.host_depth -= 1;
        if !matches!(
            result,
            Ok(Outcome::Suspended(_) | Outcome::Waiting | Outcome::Yielded)
        ) {
            self.state = State::Done;
            // A thread that ends (e.g. misused while waiting) waits no more.
            if let Some((id, _)) = self.ts.waiting.take() {
                store.waiters.remove(id);
            }
        }
        result
    }

    fn resume_inner(&mut self, store: &mut Store, host_results: &[Val]) -> Result<Outcome> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Done => Err(Error::Api("the thread has already finished".into())),
            State::HostEntry(func, args) => {
                let FuncInst::Host { func: host, .. } = &store.funcs[func.0 as usize] else {
                    return Err(Error::Api("not a host function".into()));
                };
                let host = host.clone();
                let result = (host.0)(
                    &mut Caller {
                        store,
                        instance: None,
                    },
                    &args,
                )?;
                match result {
                    HostResult::Return(vals) => self.finish_host(vals),
                    HostResult::Suspend(payload) => {
                        self.state = State::HostEntrySuspended;
                        Ok(Outcome::Suspended(payload))
                    }
                }
            }
            State::HostEntrySuspended => self.finish_host(host_results.to_vec()),
            State::Wasm => {
                match self.ts.pending.take() {
                    Some(pending) => {
                        if host_results.len() != pending.results.len()
                            || host_results
                                .iter()
                                .zip(&pending.results)
                                .any(|(v, t)| !v.matches(*t))
                        {
                            return Err(Error::Api(format!(
                                "resumed with {host_results:?}, expected values of types {:?}",
                                pending.results
                            )));
                        }
                        let mut at = pending.base;
                        for (v, t) in host_results.iter().zip(&pending.results) {
                            val_to_slots(v, &mut self.ts.stack[at..]);
                            at += slots_of(std::slice::from_ref(t)) as usize;
                        }
                    }
                    None if !host_results.is_empty() => {
                        return Err(Error::Api(
                            "the thread is not waiting for host results".into(),
                        ));
                    }
                    None => {}
                }
                if let Some((id, at)) = self.ts.waiting {
                    if !host_results.is_empty() {
                        return Err(Error::Api(
                            "a thread blocked in memory.atomic.wait takes no host results".into(),
                        ));
                    }
                    // The wait returns 0 ("ok") when notified, 2 ("timed-out").
                    let result = match store.waiters.state(id) {
                        WaitState::Waiting => {
                            self.state = State::Wasm;
                            return Ok(Outcome::Waiting);
                        }
                        WaitState::Notified => 0,
                        WaitState::TimedOut => 2,
                    };
                    store.waiters.remove(id);
                    self.ts.waiting = None;
                    self.ts.stack[at] = result;
                }
                match exec::run(store, &mut self.ts) {
                    Ok(Exit::Returned) => {
                        let mut at = 0;
                        let mut out = Vec::with_capacity(self.results.len());
                        for t in &self.results {
                            out.push(val_from_slots(*t, &self.ts.stack[at..]));
                            at += slots_of(std::slice::from_ref(t)) as usize;
                        }
                        Ok(Outcome::Finished(out))
                    }
                    Ok(Exit::Suspended(payload)) => {
                        self.state = State::Wasm;
                        Ok(Outcome::Suspended(payload))
                    }
                    Ok(Exit::Waiting) => {
                        self.state = State::Wasm;
                        Ok(Outcome::Waiting)
                    }
                    Ok(Exit::Yielded) => {
                        self.state = State::Wasm;
                        Ok(Outcome::Yielded)
                    }
                    Err(trap) => Err(Error::Trap(trap)),
                }
            }
        }
    }

    fn finish_host(&mut self, vals: Vec<Val>) -> Result<Outcome> {
        if vals.len() != self.results.len()
            || vals.iter().zip(&self.results).any(|(v, t)| !v.matches(*t))
        {
            return Err(Error::Trap(Trap::host(format!(
                "host function returned {vals:?}, expected values of types {:?}",
                self.results
            ))));
        }
        Ok(Outcome::Finished(vals))
    }
}
