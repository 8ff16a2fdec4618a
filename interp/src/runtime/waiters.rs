//! Waiting and notification on shared memories (threads proposal,
//! `memory.atomic.wait32/64` and `memory.atomic.notify`), and the virtual
//! clock their timeouts are measured on.
//!
//! A store is single-threaded: its wasm threads are interleaved, never run
//! in parallel, so every atomic access is trivially sequentially consistent
//! and waiting is bookkeeping. A thread that waits registers a [`Waiter`]
//! here and suspends; `notify` marks waiters as woken in arrival order;
//! the thread reads its waiter's state when it is resumed.
//!
//! Time is virtual. It advances by the length of each preemption slice
//! (one nanosecond per unit of fuel, see `Store::set_time_slice`) and, when
//! every thread is blocked, jumps straight to the earliest timeout
//! ([`Waiters::advance`]): a timed wait that nothing notifies times out as
//! soon as nothing else can run. Runs are reproducible because no real
//! clock is ever read.

/// Identifies one registered wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaiterId(u64);

/// Where a wait stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitState {
    /// Still suspended.
    Waiting,
    /// Woken by `memory.atomic.notify`: the wait returns 0 ("ok").
    Notified,
    /// Its timeout passed: the wait returns 2 ("timed-out").
    TimedOut,
}

#[derive(Debug)]
struct Waiter {
    id: WaiterId,
    /// Store address of the (shared) memory.
    memory: u32,
    /// Effective address waited on.
    addr: u64,
    /// Virtual time at which the wait times out; `None` waits forever.
    deadline: Option<u64>,
    state: WaitState,
}

/// Every wait registered in a store, in arrival order.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    list: Vec<Waiter>,
    next_id: u64,
    /// Virtual time in nanoseconds.
    now: u64,
}

impl Waiters {
    /// Registers a wait on `memory[addr]`; `timeout` in nanoseconds, negative
    /// meaning forever (the instruction's operand).
    pub(crate) fn register(&mut self, memory: u32, addr: u64, timeout: i64) -> WaiterId {
        let id = WaiterId(self.next_id);
        self.next_id += 1;
        let deadline = u64::try_from(timeout)
            .ok()
            .map(|t| self.now.saturating_add(t));
        self.list.push(Waiter {
            id,
            memory,
            addr,
            deadline,
            state: WaitState::Waiting,
        });
        id
    }

    /// `memory.atomic.notify`: wakes up to `count` waiters of `memory[addr]`,
    /// oldest first, and returns how many it woke.
    pub(crate) fn notify(&mut self, memory: u32, addr: u64, count: u32) -> u32 {
        let mut woken = 0;
        for w in &mut self.list {
            if woken == count {
                break;
            }
            if w.state == WaitState::Waiting && w.memory == memory && w.addr == addr {
                w.state = WaitState::Notified;
                woken += 1;
            }
        }
        woken
    }

    /// The state of a wait (a forgotten one counts as timed out, which
    /// cannot happen for a thread that still holds its id).
    pub(crate) fn state(&self, id: WaiterId) -> WaitState {
        self.list
            .iter()
            .find(|w| w.id == id)
            .map_or(WaitState::TimedOut, |w| w.state)
    }

    /// Forgets a wait that has ended (or is abandoned), returning its state.
    pub(crate) fn remove(&mut self, id: WaiterId) -> WaitState {
        match self.list.iter().position(|w| w.id == id) {
            Some(i) => self.list.remove(i).state,
            None => WaitState::TimedOut,
        }
    }

    /// Lets `ns` nanoseconds pass; waits whose deadline is reached time out.
    pub(crate) fn elapse(&mut self, ns: u64) {
        self.now = self.now.saturating_add(ns);
        let now = self.now;
        for w in &mut self.list {
            if w.state == WaitState::Waiting && w.deadline.is_some_and(|d| d <= now) {
                w.state = WaitState::TimedOut;
            }
        }
    }

    /// Lets time pass until the earliest pending timeout, which fires.
    /// Returns false when no pending wait has a timeout: then nothing but a
    /// notify can ever wake a waiter.
    pub(crate) fn advance(&mut self) -> bool {
        let next = self
            .list
            .iter()
            .filter(|w| w.state == WaitState::Waiting)
            .filter_map(|w| w.deadline)
            .min();
        match next {
            Some(deadline) => {
                let ns = deadline.saturating_sub(self.now);
                self.elapse(ns);
                true
            }
            None => false,
        }
    }

    /// The current virtual time in nanoseconds.
    #[cfg(test)]
    pub(crate) fn now(&self) -> u64 {
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_wakes_the_oldest_waiters_of_that_address_only() {
        let mut w = Waiters::default();
        let a = w.register(0, 8, -1);
        let b = w.register(0, 8, -1);
        let other_addr = w.register(0, 16, -1);
        let other_mem = w.register(1, 8, -1);
        assert_eq!(w.notify(0, 8, 1), 1);
        assert_eq!(w.state(a), WaitState::Notified);
        assert_eq!(w.state(b), WaitState::Waiting);
        assert_eq!(w.notify(0, 8, u32::MAX), 1);
        assert_eq!(w.state(b), WaitState::Notified);
        assert_eq!(w.notify(0, 8, 5), 0, "woken waiters are not woken again");
        assert_eq!(w.state(other_addr), WaitState::Waiting);
        assert_eq!(w.state(other_mem), WaitState::Waiting);
        assert_eq!(w.remove(a), WaitState::Notified);
        assert_eq!(w.notify(0, 8, 0), 0);
    }

    #[test]
    fn time_jumps_to_the_earliest_timeout_and_stops_without_one() {
        let mut w = Waiters::default();
        let forever = w.register(0, 0, -1);
        let late = w.register(0, 0, 500);
        let soon = w.register(0, 4, 100);
        assert!(w.advance());
        assert_eq!(w.now(), 100);
        assert_eq!(w.state(soon), WaitState::TimedOut);
        assert_eq!(w.state(late), WaitState::Waiting);
        w.elapse(400);
        assert_eq!(w.state(late), WaitState::TimedOut);
        assert!(!w.advance(), "only a wait without timeout is left");
        assert_eq!(w.state(forever), WaitState::Waiting);
    }
}
