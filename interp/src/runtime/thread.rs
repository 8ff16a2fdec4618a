//! Resumable wasm threads: the embedding API over the explicit interpreter
//! state. A host function may suspend the thread; the embedder resumes it
//! later with the host function's results.
//!
//! While a thread is not running its state lives in the store (so the
//! collector sees its references); the [`Thread`] the embedder holds names
//! it. Dropping a suspended `Thread` releases its state at the next
//! collection.

use std::any::Any;
use std::sync::Arc;

use crate::error::{Error, FrameInfo, Result, Trap, TrapKind, UncaughtException};
use crate::exec::{self, Exit, ThreadState};
use crate::runtime::Tag;
use crate::runtime::host::{Caller, HostResult};
use crate::runtime::store::{FuncInst, ParkedThread, Store, ThreadSlot};
use crate::runtime::waiters::WaitState;
use crate::types::{ValTy, val_slots};
use crate::values::{ExnRef, Func, Val, heap_index};

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
    /// Wasm code; the state is in the store's thread table at `slot`
    /// (while suspended, blocked in a wait, preempted, or not started).
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
    store_id: u64,
    /// Index in the store's thread table (wasm threads only).
    slot: u32,
    /// The store holds a weak reference: when this is dropped, the state goes.
    owner: Arc<()>,
    results: Vec<ValTy>,
}

/// Registers a thread state in the store's table.
fn park(store: &mut Store, slot: Option<u32>, state: ThreadState, owner: &Arc<()>) -> u32 {
    let parked = ThreadSlot::Parked(ParkedThread {
        state,
        owner: Arc::downgrade(owner),
    });
    if let Some(i) = slot {
        store.threads[i as usize] = parked;
        return i;
    }
    match store.free_threads.pop() {
        Some(i) => {
            store.threads[i as usize] = parked;
            i
        }
        None => {
            store.threads.push(parked);
            store.threads.len() as u32 - 1
        }
    }
}

impl Thread {
    /// Prepares a call of `func` with `args`; nothing runs until [`Thread::resume`].
    pub fn new(store: &mut Store, func: Func, args: &[Val]) -> Result<Thread> {
        let Some(f) = store.funcs.get(func.0 as usize) else {
            return Err(Error::Api("function does not belong to this store".into()));
        };
        let info = Arc::clone(f.info());
        let (params, results) = info.func().unwrap_or((&[], &[]));
        let owner = Arc::new(());
        let mut thread = Thread {
            state: State::Done,
            store_id: store.id,
            slot: u32::MAX,
            owner,
            results: results.to_vec(),
        };
        let slots_of = |tys: &[ValTy]| tys.iter().map(|t| val_slots(*t) as usize).sum::<usize>();
        // Arguments are checked (types, stale references) either way.
        let mut stack = vec![0; slots_of(params).max(slots_of(results)).max(64)];
        store
            .vals_to_slots(args, params, &mut stack)
            .map_err(|e| Error::Api(format!("arguments do not match the function type: {e}")))?;
        match &store.funcs[func.0 as usize] {
            FuncInst::Host { .. } => thread.state = State::HostEntry(func, args.to_vec()),
            FuncInst::Wasm {
                instance,
                def_index,
                code,
                ..
            } => {
                let (instance, def_index, code) = (*instance, *def_index, code.clone());
                if stack.len() < code.frame_slots as usize {
                    stack.resize(code.frame_slots as usize, 0);
                }
                let mut ts = ThreadState {
                    stack,
                    ..ThreadState::default()
                };
                exec::enter_frame(store, &mut ts, instance, def_index, &code, 0)
                    .map_err(|k| Error::Trap(k.into()))?;
                thread.slot = park(store, None, ts, &thread.owner);
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
        self.parked(store)
            .and_then(|ts| ts.waiting)
            .is_some_and(|(id, _)| store.waiters.state(id) == WaitState::Waiting)
    }

    /// The thread's state while it is parked in the store.
    fn parked<'s>(&self, store: &'s Store) -> Option<&'s ThreadState> {
        if store.id != self.store_id || !matches!(self.state, State::Wasm) {
            return None;
        }
        match store.threads.get(self.slot as usize) {
            Some(ThreadSlot::Parked(p)) => Some(&p.state),
            _ => None,
        }
    }

    /// Ends a thread blocked in `memory.atomic.wait` that nothing can wake
    /// any more, and returns the [`TrapKind::Deadlock`] trap, with the
    /// backtrace of where it waits, that it ends with. A scheduler calls
    /// this instead of waiting forever.
    pub fn deadlock(&mut self, store: &mut Store) -> Error {
        let Some(ts) = self.parked(store) else {
            return Error::Api("the thread is not waiting".into());
        };
        if ts.waiting.is_none() {
            return Error::Api("the thread is not waiting".into());
        }
        let mut ts =
            match std::mem::replace(&mut store.threads[self.slot as usize], ThreadSlot::Running) {
                ThreadSlot::Parked(p) => p.state,
                _ => unreachable!("checked above"),
            };
        if let Some((id, _)) = ts.waiting.take() {
            store.waiters.remove(id);
        }
        // The top frame's pc is past the wait; name the wait itself.
        if let Some(top) = ts.frames.last_mut() {
            top.pc = top.pc.saturating_sub(1);
        }
        let mut trap = Trap::new(TrapKind::Deadlock);
        trap.backtrace = exec::backtrace(store, &ts);
        self.release(store);
        Error::Trap(trap)
    }

    /// Resumes as the only thread of the store: a time slice that runs out
    /// continues at once, and a `memory.atomic.wait` times out (virtual
    /// time jumps to its deadline) or, with nothing that could notify it,
    /// ends in a [`TrapKind::Deadlock`] trap. So it ends with the results
    /// (`Ok(Ok(_))`) or with the payload of a host function that suspended
    /// the thread (`Ok(Err(_))`).
    pub fn resume_alone(
        &mut self,
        store: &mut Store,
        host_results: &[Val],
    ) -> Result<std::result::Result<Vec<Val>, Box<dyn Any + Send>>> {
        let mut host_results = host_results;
        loop {
            match self.resume(store, host_results)? {
                Outcome::Finished(results) => return Ok(Ok(results)),
                Outcome::Suspended(payload) => return Ok(Err(payload)),
                Outcome::Yielded => {}
                Outcome::Waiting => {
                    if !store.advance_time() {
                        return Err(self.deadlock(store));
                    }
                }
            }
            host_results = &[];
        }
    }

    /// Runs until the function returns or a host function suspends.
    /// `host_results` are the results of the host call the thread was
    /// suspended in (empty on the first resume).
    pub fn resume(&mut self, store: &mut Store, host_results: &[Val]) -> Result<Outcome> {
        if store.id != self.store_id {
            return Err(Error::Api("the thread belongs to another store".into()));
        }
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
            self.release(store);
        }
        result
    }

    /// Frees the thread's slot once it cannot run again. A thread that
    /// ends while blocked in a wait (misused) waits no more.
    fn release(&mut self, store: &mut Store) {
        if matches!(self.state, State::Wasm)
            && let Some(slot) = store.threads.get_mut(self.slot as usize)
        {
            if let ThreadSlot::Parked(p) = slot
                && let Some((id, _)) = p.state.waiting
            {
                store.waiters.remove(id);
            }
            *slot = ThreadSlot::Free;
            store.free_threads.push(self.slot);
        }
        self.state = State::Done;
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
                    HostResult::Return(vals) => self.finish_host(store, vals),
                    HostResult::Suspend(payload) => {
                        self.state = State::HostEntrySuspended;
                        Ok(Outcome::Suspended(payload))
                    }
                    HostResult::Throw(exn) => {
                        let bits = store
                            .ref_bits(&Val::ExnRef(Some(exn)))
                            .map_err(Error::Api)?;
                        Err(uncaught(store, bits, Vec::new()))
                    }
                }
            }
            State::HostEntrySuspended => self.finish_host(store, host_results.to_vec()),
            State::Wasm => {
                self.state = State::Wasm;
                let slot = self.slot as usize;
                let taken = std::mem::replace(&mut store.threads[slot], ThreadSlot::Running);
                let ThreadSlot::Parked(parked) = taken else {
                    store.threads[slot] = taken;
                    return Err(Error::Api("the thread is already running".into()));
                };
                let mut ts = parked.state;
                if let Err(e) = Self::deliver(store, &mut ts, host_results) {
                    park(store, Some(self.slot), ts, &self.owner);
                    return Err(e);
                }
                if let Some((id, at)) = ts.waiting {
                    // The wait returns 0 ("ok") when notified, 2 ("timed-out").
                    let result = match store.waiters.state(id) {
                        WaitState::Waiting => {
                            park(store, Some(self.slot), ts, &self.owner);
                            return Ok(Outcome::Waiting);
                        }
                        WaitState::Notified => 0,
                        WaitState::TimedOut => 2,
                    };
                    store.waiters.remove(id);
                    ts.waiting = None;
                    ts.stack[at] = result;
                }
                ts.preempted = false;
                let exit = exec::run(store, &mut ts);
                match exit {
                    Ok(Exit::Returned) => {
                        let results = self.results.clone();
                        let out = store.slots_to_vals(&results, &ts.stack, true);
                        Ok(Outcome::Finished(out))
                    }
                    Ok(Exit::Suspended(payload)) => {
                        park(store, Some(self.slot), ts, &self.owner);
                        Ok(Outcome::Suspended(payload))
                    }
                    Ok(Exit::Thrown(exn, backtrace)) => Err(uncaught(store, exn, backtrace)),
                    // Blocked or preempted threads wait in the store, like
                    // suspended ones, so the collector sees their frames.
                    Ok(Exit::Waiting) => {
                        park(store, Some(self.slot), ts, &self.owner);
                        Ok(Outcome::Waiting)
                    }
                    Ok(Exit::Yielded) => {
                        // The top frame stopped *before* the `ConsumeFuel`
                        // at its pc, which runs again on resume.
                        ts.preempted = true;
                        park(store, Some(self.slot), ts, &self.owner);
                        Ok(Outcome::Yielded)
                    }
                    Err(trap) => Err(Error::Trap(trap)),
                }
            }
        }
    }

    /// Writes the results of the host call the thread is suspended in.
    fn deliver(store: &Store, ts: &mut ThreadState, host_results: &[Val]) -> Result<()> {
        match ts.pending.take() {
            Some(pending) => {
                if let Err(e) = store.vals_to_slots(
                    host_results,
                    &pending.results,
                    &mut ts.stack[pending.base..],
                ) {
                    let message = format!(
                        "resumed with {host_results:?}, expected values of types {:?}: {e}",
                        pending.results
                    );
                    ts.pending = Some(pending);
                    return Err(Error::Api(message));
                }
                Ok(())
            }
            None if !host_results.is_empty() => Err(Error::Api(
                if ts.waiting.is_some() {
                    "a thread blocked in memory.atomic.wait takes no host results"
                } else {
                    "the thread is not waiting for host results"
                }
                .into(),
            )),
            None => Ok(()),
        }
    }

    fn finish_host(&mut self, store: &Store, vals: Vec<Val>) -> Result<Outcome> {
        let mut scratch = vec![0; vals.len() * 2];
        if let Err(e) = store.vals_to_slots(&vals, &self.results, &mut scratch) {
            return Err(Error::Trap(Trap::host(format!(
                "host function returned {vals:?}, expected values of types {:?}: {e}",
                self.results
            ))));
        }
        Ok(Outcome::Finished(vals))
    }
}

/// The error for exception `exn` leaving a call uncaught; its payload and
/// the exception are rooted for the embedder.
pub(crate) fn uncaught(store: &mut Store, exn: u64, backtrace: Vec<FrameInfo>) -> Error {
    let Some(tag) = crate::exec::exceptions::exception_tag(store, exn) else {
        return Error::Api("not an exception".into());
    };
    let payload: Vec<u64> = match heap_index(exn)
        .and_then(|i| store.heap.get(i))
        .map(|o| &o.body)
    {
        Some(crate::runtime::heap::Body::Exn { payload, .. }) => payload.to_vec(),
        _ => Vec::new(),
    };
    let params = store.tags[tag as usize].params().to_vec();
    let payload = store.slots_to_vals(&params, &payload, true);
    let exn = match store.ref_to_val(wasmparser::AbstractHeapType::Exn, exn, true) {
        Val::ExnRef(Some(e)) => e,
        _ => ExnRef {
            bits: exn,
            generation: 0,
        },
    };
    Error::Exception(UncaughtException {
        tag: Tag(tag),
        payload,
        exn,
        backtrace,
    })
}
