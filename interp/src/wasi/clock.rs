//! The clocks behind `wasi:clocks`: the host's, or deterministic ones that
//! start at zero (the monotonic clock) and at the Unix epoch (the wall
//! clock) and advance by [`CLOCK_STEP_NS`] at every reading, so a program
//! that measures time sees it pass, and two runs read the same times.

use std::time::{Duration, Instant, SystemTime};

/// How far a deterministic clock advances at each reading, in nanoseconds.
pub const CLOCK_STEP_NS: u64 = 1_000_000;

#[derive(Debug)]
pub(crate) enum Clock {
    /// The host's clocks; the monotonic one counts from the context's
    /// creation.
    Real { start: Instant },
    /// Virtual time in nanoseconds, shared by both clocks.
    Deterministic { now: u64 },
}

impl Clock {
    /// `monotonic-clock.now`.
    pub(crate) fn monotonic_now(&mut self) -> u64 {
        match self {
            Clock::Real { start } => u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Clock::Deterministic { now } => {
                *now = now.saturating_add(CLOCK_STEP_NS);
                *now
            }
        }
    }

    /// The monotonic time without advancing a deterministic clock (to ask
    /// whether a deadline has passed).
    pub(crate) fn monotonic_peek(&self) -> u64 {
        match self {
            Clock::Real { start } => u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Clock::Deterministic { now } => *now,
        }
    }

    /// `wall-clock.now`: seconds and nanoseconds since the Unix epoch.
    pub(crate) fn wall_now(&mut self) -> (u64, u32) {
        match self {
            Clock::Real { .. } => {
                let d = SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap_or_default();
                (d.as_secs(), d.subsec_nanos())
            }
            Clock::Deterministic { .. } => {
                let t = self.monotonic_now();
                (t / 1_000_000_000, (t % 1_000_000_000) as u32)
            }
        }
    }

    /// The resolution of both clocks, in nanoseconds.
    pub(crate) fn resolution(&self) -> u64 {
        match self {
            Clock::Real { .. } => 1,
            Clock::Deterministic { .. } => CLOCK_STEP_NS,
        }
    }

    /// Blocks until the monotonic clock reaches `deadline`: the host sleeps;
    /// a deterministic clock jumps there.
    pub(crate) fn wait_until(&mut self, deadline: u64) {
        match self {
            Clock::Real { .. } => {
                let now = self.monotonic_peek();
                if deadline > now {
                    std::thread::sleep(Duration::from_nanos(deadline - now));
                }
            }
            Clock::Deterministic { now } => *now = (*now).max(deadline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_clocks_advance_by_steps_and_jump_to_deadlines() {
        let mut c = Clock::Deterministic { now: 0 };
        assert_eq!(c.monotonic_now(), CLOCK_STEP_NS);
        assert_eq!(c.monotonic_now(), 2 * CLOCK_STEP_NS);
        assert_eq!(c.wall_now(), (0, 3 * CLOCK_STEP_NS as u32));
        c.wait_until(5_000_000_000);
        assert_eq!(c.monotonic_peek(), 5_000_000_000);
        assert_eq!(c.wall_now(), (5, CLOCK_STEP_NS as u32));
        c.wait_until(0);
        assert_eq!(c.monotonic_peek(), 5_000_000_000 + CLOCK_STEP_NS);
    }
}
