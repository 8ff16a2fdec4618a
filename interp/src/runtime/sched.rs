//! Interleaving several wasm threads of one store (threads proposal).
//!
//! A store is single-threaded: its wasm threads take turns on one OS
//! thread. A thread gives up its turn when it blocks in
//! `memory.atomic.wait` ([`Outcome::Waiting`]), finishes, or — when the
//! engine meters fuel — when its time slice of fuel runs out
//! ([`Outcome::Yielded`]), so a thread spinning on a flag cannot starve
//! the one that would set it. Which thread runs next and how long a slice
//! lasts are choices of the store's [`crate::Nondet`]: round-robin with a
//! fixed slice by default, pseudo-random from a seed.
//!
//! When no thread can run, virtual time jumps to the earliest timeout
//! (that wait returns 2, "timed-out"); when no wait has a timeout either,
//! nothing can ever wake the waiters, and each ends in a
//! [`crate::TrapKind::Deadlock`] trap instead of hanging.

use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::runtime::thread::{Outcome, Thread};
use crate::values::Val;

impl Store {
    /// Sets the preemption quantum: when the engine meters fuel, a running
    /// thread stops with [`Outcome::Yielded`] after consuming about
    /// `quantum` units of fuel (each slice also lets that many nanoseconds
    /// of virtual time pass). `None` turns preemption off. Without fuel
    /// metering, threads are never preempted.
    pub fn set_time_slice(&mut self, quantum: Option<u64>) {
        let total = self.fuel.saturating_add(self.fuel_reserve);
        self.time_slice = quantum.map(|q| q.max(1));
        match self.time_slice {
            Some(q) => {
                self.fuel = q.min(total);
                self.fuel_reserve = total - self.fuel;
            }
            None => {
                self.fuel = total;
                self.fuel_reserve = 0;
            }
        }
    }

    /// Lets virtual time pass until the earliest timeout of a thread
    /// blocked in `memory.atomic.wait`, which then times out. Returns false
    /// if no blocked thread has a timeout: then only a notify from a thread
    /// that can still run could wake them.
    pub fn advance_time(&mut self) -> bool {
        self.waiters.advance()
    }

    /// The store's source of nondeterministic choices, for embedders that
    /// schedule threads themselves.
    pub fn nondet_mut(&mut self) -> &mut crate::Nondet {
        &mut self.nondet
    }

    /// Called by the interpreter when a block needs `amount` fuel and the
    /// counter holds less: true if that is the end of a time slice (the
    /// counter is refilled for the next one and the thread yields), false
    /// if the real fuel is exhausted.
    #[cold]
    #[inline(never)]
    pub(crate) fn refuel(&mut self, amount: u64) -> bool {
        let total = self.fuel.saturating_add(self.fuel_reserve);
        match self.time_slice {
            Some(q) if total >= amount => {
                self.waiters.elapse(q);
                // A slice shorter than the block still lets the block run.
                self.fuel = q.max(amount).min(total);
                self.fuel_reserve = total - self.fuel;
                true
            }
            _ => {
                self.fuel = 0;
                self.fuel_reserve = 0;
                false
            }
        }
    }
}

/// How many turns [`Scheduler::history`] records.
const HISTORY_LIMIT: usize = 100_000;

enum Entry {
    Live(Thread),
    Done(Result<Vec<Val>>),
}

/// Runs wasm threads of one store by interleaving them until all finish.
#[derive(Default)]
pub struct Scheduler {
    threads: Vec<Entry>,
    last: Option<usize>,
    history: Vec<usize>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("threads", &self.threads.len())
            .field("history", &self.history)
            .finish()
    }
}

impl Scheduler {
    pub fn new() -> Scheduler {
        Scheduler::default()
    }

    /// Adds a thread; the result is its index.
    pub fn spawn(&mut self, thread: Thread) -> usize {
        self.threads.push(Entry::Live(thread));
        self.threads.len() - 1
    }

    /// Runs turns until every thread has finished (see [`Scheduler::step`]).
    pub fn run(&mut self, store: &mut Store) {
        let previous = store.time_slice;
        while self.step(store) {}
        store.set_time_slice(previous);
    }

    /// Gives one turn to a thread chosen by the store's nondeterminism:
    /// resumes it until it finishes, blocks or is preempted. When no thread
    /// can run, lets time pass to the next timeout, or ends every blocked
    /// thread with a deadlock trap. Returns false once all have finished.
    pub fn step(&mut self, store: &mut Store) -> bool {
        let runnable: Vec<usize> = (0..self.threads.len())
            .filter(|&i| matches!(&self.threads[i], Entry::Live(t) if !t.is_waiting(store)))
            .collect();
        let Some(i) = store.nondet.pick_thread(&runnable, self.last, false) else {
            let blocked: Vec<usize> = (0..self.threads.len())
                .filter(|&i| matches!(self.threads[i], Entry::Live(_)))
                .collect();
            if blocked.is_empty() {
                return false;
            }
            if !store.advance_time() {
                for i in blocked {
                    if let Entry::Live(t) = &mut self.threads[i] {
                        self.threads[i] = Entry::Done(Err(t.deadlock(store)));
                    }
                }
            }
            return true;
        };
        self.last = Some(i);
        if self.history.len() < HISTORY_LIMIT {
            self.history.push(i);
        }
        let slice = store.nondet.time_slice();
        store.set_time_slice(Some(slice));
        let Entry::Live(thread) = &mut self.threads[i] else {
            return true;
        };
        match thread.resume(store, &[]) {
            Ok(Outcome::Yielded | Outcome::Waiting) => {}
            Ok(Outcome::Finished(vals)) => self.threads[i] = Entry::Done(Ok(vals)),
            Ok(Outcome::Suspended(_)) => {
                self.threads[i] = Entry::Done(Err(Error::Api(
                    "a host function suspended a thread run by the scheduler".into(),
                )))
            }
            Err(e) => self.threads[i] = Entry::Done(Err(e)),
        }
        true
    }

    /// The result of a finished thread.
    pub fn result(&self, thread: usize) -> Option<&Result<Vec<Val>>> {
        match self.threads.get(thread)? {
            Entry::Done(r) => Some(r),
            Entry::Live(_) => None,
        }
    }

    /// Which thread had each turn so far, in order (only the first 100 000
    /// turns: a long run must not grow it without bound).
    pub fn history(&self) -> &[usize] {
        &self.history
    }
}
