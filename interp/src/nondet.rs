//! Nondeterminism as an input.
//!
//! Every choice the specifications leave open goes through [`Nondet`]: the
//! bit pattern of a NaN an instruction produces, whether `memory.grow` fails
//! although the limits allow it, relaxed-SIMD choices, and which thread
//! runs next for how long. The default mode is deterministic; a
//! seed makes each choice pseudo-random but reproducible.

/// The canonical quiet NaN of f32 (positive sign).
pub const F32_CANONICAL_NAN: u32 = 0x7fc0_0000;
/// The canonical quiet NaN of f64 (positive sign).
pub const F64_CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// The deterministic preemption quantum, in units of fuel.
pub const DEFAULT_TIME_SLICE: u64 = 10_000;

/// How choices are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NondetMode {
    /// Always the first allowed choice: positive canonical NaNs (the core
    /// spec's deterministic profile), `memory.grow` never fails spuriously.
    #[default]
    Deterministic,
    /// Pseudo-random choices from a seed; the same seed makes the same choices.
    Seeded(u64),
}

/// The single source of nondeterministic choices for a store.
#[derive(Clone, Debug)]
pub struct Nondet {
    mode: NondetMode,
    state: u64,
}

impl Default for Nondet {
    fn default() -> Self {
        Nondet::new(NondetMode::Deterministic)
    }
}

impl Nondet {
    pub fn new(mode: NondetMode) -> Nondet {
        let state = match mode {
            NondetMode::Deterministic => 0,
            NondetMode::Seeded(seed) => seed,
        };
        Nondet { mode, state }
    }

    pub fn mode(&self) -> NondetMode {
        self.mode
    }

    pub fn is_deterministic(&self) -> bool {
        self.mode == NondetMode::Deterministic
    }

    /// splitmix64: small, fast and good enough to explore choices.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Picks one of `n` allowed alternatives (`n > 0`); alternative 0 is the
    /// deterministic choice.
    pub fn choose(&mut self, n: usize) -> usize {
        match self.mode {
            NondetMode::Deterministic => 0,
            NondetMode::Seeded(_) if n <= 1 => 0,
            NondetMode::Seeded(_) => (self.next_u64() % n as u64) as usize,
        }
    }

    /// A choice among `n` alternatives that stays the same for the whole run
    /// (all executions with the same `key` agree), as the spec requires of
    /// relaxed-SIMD results; alternative 0 is the deterministic choice.
    pub fn fixed_choice(&self, key: u64, n: usize) -> usize {
        match self.mode {
            NondetMode::Deterministic => 0,
            NondetMode::Seeded(_) if n <= 1 => 0,
            NondetMode::Seeded(seed) => {
                let mut probe =
                    Nondet::new(NondetMode::Seeded(seed ^ key.wrapping_mul(0x9e37_79b9)));
                (probe.next_u64() % n as u64) as usize
            }
        }
    }

    /// The NaN an f32 instruction produces. The spec allows the canonical NaN
    /// of either sign; when some input was a non-canonical NaN
    /// (`arithmetic`), any arithmetic NaN (quiet bit set) is allowed too.
    pub fn nan_f32(&mut self, arithmetic: bool) -> u32 {
        match self.mode {
            NondetMode::Deterministic => F32_CANONICAL_NAN,
            NondetMode::Seeded(_) => {
                let r = self.next_u64();
                let sign = ((r & 1) as u32) << 31;
                let payload = if arithmetic {
                    ((r >> 1) as u32) & 0x003f_ffff
                } else {
                    0
                };
                sign | F32_CANONICAL_NAN | payload
            }
        }
    }

    /// The NaN an f64 instruction produces; see [`Nondet::nan_f32`].
    pub fn nan_f64(&mut self, arithmetic: bool) -> u64 {
        match self.mode {
            NondetMode::Deterministic => F64_CANONICAL_NAN,
            NondetMode::Seeded(_) => {
                let r = self.next_u64();
                let sign = (r & 1) << 63;
                let payload = if arithmetic {
                    (r >> 1) & 0x0007_ffff_ffff_ffff
                } else {
                    0
                };
                sign | F64_CANONICAL_NAN | payload
            }
        }
    }

    /// Raw random bits for choices whose shape the caller defines (e.g. the
    /// Canonical ABI's `random_nan_bits`); 0 in deterministic mode, where the
    /// caller must not ask (it takes the deterministic profile's choice).
    pub fn random_bits(&mut self) -> u64 {
        match self.mode {
            NondetMode::Deterministic => 0,
            NondetMode::Seeded(_) => self.next_u64(),
        }
    }

    /// Which of the `runnable` threads (indices in increasing order) runs
    /// next; `None` if there is none. `last` is the thread that ran before,
    /// and `may_stay` says whether it may simply go on (it finished a step
    /// of its own rather than being preempted). Deterministic mode keeps
    /// the last thread while it may stay and otherwise goes round-robin to
    /// the next runnable one after it; seeded mode picks uniformly.
    pub fn pick_thread(
        &mut self,
        runnable: &[usize],
        last: Option<usize>,
        may_stay: bool,
    ) -> Option<usize> {
        if runnable.is_empty() {
            return None;
        }
        match self.mode {
            NondetMode::Deterministic => {
                let Some(last) = last else {
                    return Some(runnable[0]);
                };
                if may_stay && runnable.contains(&last) {
                    return Some(last);
                }
                Some(
                    runnable
                        .iter()
                        .copied()
                        .find(|&t| t > last)
                        .unwrap_or(runnable[0]),
                )
            }
            NondetMode::Seeded(_) => Some(runnable[self.choose(runnable.len())]),
        }
    }

    /// The Canonical ABI's `Thread.wait_until` on a condition that already
    /// holds: whether it returns at once (`random.randint(0,1)`) rather than
    /// blocking and letting the store's loop pick who runs next. Never in
    /// the deterministic profile.
    pub fn wait_returns_at_once(&mut self) -> bool {
        match self.mode {
            NondetMode::Deterministic => false,
            NondetMode::Seeded(_) => self.next_u64() & 1 == 1,
        }
    }

    /// Which of `n` ready component threads `Store.tick` (or a synchronous
    /// task's loop in `canon_lift`) resumes (`random.choice`); the
    /// deterministic choice is the one that has waited longest.
    pub fn pick_ready_thread(&mut self, n: usize) -> usize {
        self.choose(n)
    }

    /// Which of `n` waitables with a pending event a waitable set delivers
    /// (`random.shuffle` in `WaitableSet.get_pending_event`); the
    /// deterministic choice is the one joined first.
    pub fn pick_pending_event(&mut self, n: usize) -> usize {
        self.choose(n)
    }

    /// Whether `error-context.new` keeps the guest's debug message (the
    /// spec's `random.randint(0,1)`); never in the deterministic profile,
    /// which gives the empty string.
    pub fn error_context_keeps_message(&mut self) -> bool {
        match self.mode {
            NondetMode::Deterministic => false,
            NondetMode::Seeded(_) => self.next_u64() & 1 == 1,
        }
    }

    /// The length of the next time slice, in units of fuel: fixed in
    /// deterministic mode; in seeded mode anything from a single block to
    /// the deterministic length, so that fine interleavings get explored.
    pub fn time_slice(&mut self) -> u64 {
        const SLICES: [u64; 6] = [DEFAULT_TIME_SLICE, 1, 7, 50, 400, 3000];
        SLICES[self.choose(SLICES.len())]
    }

    /// Whether a `memory.grow` (or `table.grow`) that the limits allow fails
    /// anyway, as the spec permits. Seeded mode fails one grow in 16.
    pub fn grow_fails(&mut self) -> bool {
        match self.mode {
            NondetMode::Deterministic => false,
            NondetMode::Seeded(_) => self.next_u64().is_multiple_of(16),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_mode_always_picks_the_first_choice() {
        let mut n = Nondet::default();
        assert_eq!(n.nan_f32(true), F32_CANONICAL_NAN);
        assert_eq!(n.nan_f64(true), F64_CANONICAL_NAN);
        assert!(!n.grow_fails());
        assert_eq!(n.choose(5), 0);
        assert_eq!(n.time_slice(), DEFAULT_TIME_SLICE);
    }

    #[test]
    fn deterministic_scheduling_stays_or_goes_round_robin() {
        let mut n = Nondet::default();
        assert_eq!(n.pick_thread(&[], Some(0), true), None);
        assert_eq!(n.pick_thread(&[1, 3], None, false), Some(1));
        assert_eq!(n.pick_thread(&[1, 3], Some(1), true), Some(1));
        assert_eq!(n.pick_thread(&[1, 3], Some(1), false), Some(3));
        assert_eq!(n.pick_thread(&[1, 3], Some(3), false), Some(1));
        assert_eq!(n.pick_thread(&[0, 3], Some(2), true), Some(3));
    }

    #[test]
    fn seeded_scheduling_explores_every_runnable_thread() {
        let mut n = Nondet::new(NondetMode::Seeded(5));
        let mut seen = [false; 3];
        for _ in 0..64 {
            seen[n.pick_thread(&[0, 1, 2], Some(0), true).unwrap()] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn seeded_mode_is_reproducible_and_varies() {
        let picks = |seed| {
            let mut n = Nondet::new(NondetMode::Seeded(seed));
            (0..32).map(|_| n.choose(7)).collect::<Vec<_>>()
        };
        assert_eq!(picks(1), picks(1));
        assert_ne!(picks(1), picks(2));
        assert!(picks(3).iter().any(|&c| c != 0));
    }

    #[test]
    fn seeded_nans_are_nans_of_the_allowed_kind() {
        let mut n = Nondet::new(NondetMode::Seeded(9));
        for _ in 0..100 {
            let c = n.nan_f32(false);
            assert!(f32::from_bits(c).is_nan());
            assert_eq!(c & 0x7fff_ffff, F32_CANONICAL_NAN);
            let a = n.nan_f64(true);
            assert!(f64::from_bits(a).is_nan());
            assert_ne!(a & 0x0008_0000_0000_0000, 0, "quiet bit set");
        }
    }
}
