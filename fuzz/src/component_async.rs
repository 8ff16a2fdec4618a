//! `component_async`: small async programs run in cmref and in Wasmtime.
//!
//! The component is fixed ([`async_actor`]): two components whose core code
//! interprets scripts of async operations, so a program is a script — the
//! top-level task's operations in `d`, with sub-scripts for the tasks it
//! calls in `c` — and Wasmtime compiles the component once per process.
//! The program's result is `d`'s log: every built-in's return code, every
//! delivered event, every value read, and the logs of the callees that
//! returned, in the order the guest observed them.
//!
//! The spec leaves the schedule open (which ready thread the store
//! resumes, which pending event a wait delivers, whether a wait on a ready
//! condition returns at once), so different logs can all be right. A
//! divergence is counted only when cmref cannot produce Wasmtime's outcome:
//! cmref runs deterministically first, then with [`SEEDS`] seeds
//! (`NondetMode::Seeded(0..SEEDS)`), and the case passes when any run gives
//! Wasmtime's outcome (the same log, or a trap in both).

use arbitrary::{Result as ArbResult, Unstructured};
use cmref_interp::NondetMode;

use crate::async_actor::{op, style};
use crate::{cmref_async, wasmtime_async};

/// How many seeded cmref runs may try to reproduce Wasmtime's outcome
/// before a difference counts as a divergence.
pub const SEEDS: u64 = 256;

/// A program: `d`'s script and which of `d`'s exports runs it.
#[derive(Clone, Debug)]
pub struct Case {
    pub script: Vec<u32>,
    /// The style of `d`'s task (a [`style`] constant).
    pub style: u32,
}

impl Case {
    /// The export of the outer component that runs the script.
    pub fn export(&self) -> &'static str {
        ["run-cb", "run-sy", "run-sf"][self.style as usize % 3]
    }
}

/// How one engine ran a program.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The component did not compile or instantiate: a harness bug.
    Rejected(String),
    /// The call returned this log.
    Returned(Vec<u32>),
    /// The call trapped (a deadlock included).
    Trapped(String),
}

impl Outcome {
    /// The outcome of a call whose result is `list` (when it is a list),
    /// with elements read by `u32_of`: the log, or `Rejected` for a result
    /// of another type.
    pub fn returned<V: std::fmt::Debug>(
        list: Option<&[V]>,
        u32_of: impl Fn(&V) -> Option<u32>,
    ) -> Outcome {
        let Some(items) = list else {
            return Outcome::Rejected("the result is not a list".into());
        };
        match items.iter().map(u32_of).collect() {
            Some(log) => Outcome::Returned(log),
            None => Outcome::Rejected(format!("result {items:?}")),
        }
    }

    /// Whether two outcomes agree: the same log, or both trapped.
    pub fn agrees(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Returned(a), Outcome::Returned(b)) => a == b,
            (Outcome::Trapped(_), Outcome::Trapped(_)) => true,
            _ => false,
        }
    }
}

/// Slots whose writable stream ends `d`'s `CALL` names (their futures'
/// ends go to the slot four places on); the other operations name any of
/// the eight.
const STREAM_SLOTS: u32 = 4;
const MAX_OPS: usize = 12;
const MAX_CALLEE_OPS: usize = 8;
const MAX_COPY: u32 = 8;

/// The filter for the Wasmtime divergence "cancelling a ready callback
/// task" (FUZZING.md): Wasmtime 48.0.8 does not deliver a cancellation at
/// once to a callback task whose wait can already end (parked by the YIELD
/// code, or by WAIT with an event pending): `subtask.cancel` returns
/// BLOCKED, where the spec resumes the task with `TASK_CANCELLED` inside
/// the call. With the filter on, a program that calls `c.cb` does not
/// cancel.
pub const AVOID_CANCEL_OF_CALLBACK_TASKS: bool = true;

/// The filter for the Wasmtime divergence "a call into `c` runs its ready
/// tasks" (FUZZING.md): when `d` calls into `c` (an `async`-typed export,
/// lowered `async`) while an earlier task of `c` is ready to run (an event
/// for it is pending), Wasmtime 48.0.8 runs that task first, where the
/// spec runs nothing but the callee until a thread blocks: the earlier
/// task then drops ends or receives events too early (a read reported
/// COMPLETED where the spec has DROPPED; a future write reported DROPPED
/// where the spec has it block). With the filter on, a program calls `c`
/// once.
pub const ONE_CALLEE_TASK: bool = true;

/// The filter for the divergence "cancelling a copy that has made
/// progress" (FUZZING.md; a spec question the official suite also has,
/// `async/cancel-stream.wast:202` in our expected failures): when a stream
/// copy has already copied some values (its `COMPLETED` event is pending)
/// and is then cancelled, definitions.py returns that event (`COMPLETED`
/// with the progress), Wasmtime 48.0.8 `CANCELLED` with the progress. With
/// the filter on, `CANCEL-COPY` names future ends only.
pub const AVOID_CANCEL_AFTER_PARTIAL_COPY: bool = true;

/// A sub-script for a task of `c`, whose slots 0 and 1 hold the readable
/// stream and future ends.
fn callee_script(u: &mut Unstructured<'_>) -> ArbResult<Vec<u32>> {
    let mut s = Vec::new();
    let end = |u: &mut Unstructured<'_>| u.int_in_range(0..=1);
    for _ in 0..u.int_in_range(0..=MAX_CALLEE_OPS)? {
        match u.choose_index(10)? {
            0..=2 => s.extend([op::READ, end(u)?, u.int_in_range(1..=MAX_COPY)?]),
            3 => s.push(op::WAIT),
            4 => s.push(op::POLL),
            5 => s.push(op::YIELD),
            // Slot 1 holds the future.
            6 if AVOID_CANCEL_AFTER_PARTIAL_COPY => s.extend([op::CANCEL_COPY, 1]),
            6 => s.extend([op::CANCEL_COPY, end(u)?]),
            7 => s.extend([op::DROP, end(u)?]),
            8 => s.push(op::RETURN),
            _ => s.extend([op::LOG, u.int_in_range(0..=99)?]),
        }
    }
    Ok(s)
}

/// Builds a program from fuzz input.
pub fn generate(data: &[u8]) -> ArbResult<Case> {
    let mut u = Unstructured::new(data);
    let style = u.int_in_range(0..=2)?;
    let mut script = Vec::new();
    let slot = |u: &mut Unstructured<'_>| u.int_in_range(0..=7);
    let mut called = false;
    let mut callback_callee = false;
    for _ in 0..u.int_in_range(1..=MAX_OPS)? {
        match u.choose_index(13)? {
            0..=2 if !(called && ONE_CALLEE_TASK) => {
                called = true;
                // The callee's style, lowered `async` (0..=2) or not.
                let f = u.int_in_range(0..=5)?;
                callback_callee = f % 3 == style::CALLBACK;
                let sub = callee_script(&mut u)?;
                let w = u.int_in_range(0..=STREAM_SLOTS - 1)?;
                script.extend([op::CALL, f, w, slot(&mut u)?, sub.len() as u32]);
                script.extend(sub);
            }
            0..=5 => script.extend([op::WRITE, slot(&mut u)?, u.int_in_range(1..=MAX_COPY)?]),
            6 => script.push(op::WAIT),
            7 => script.push(op::POLL),
            8 => script.push(op::YIELD),
            9 if !(callback_callee && AVOID_CANCEL_OF_CALLBACK_TASKS) => {
                script.extend([op::CANCEL, slot(&mut u)?])
            }
            9 => script.push(op::POLL),
            10 => script.extend([op::DROP, slot(&mut u)?]),
            // Slots 4 to 7 hold futures.
            11 if AVOID_CANCEL_AFTER_PARTIAL_COPY => {
                script.extend([op::CANCEL_COPY, u.int_in_range(4..=7)?])
            }
            11 => script.extend([op::CANCEL_COPY, slot(&mut u)?]),
            _ => script.extend([op::LOG, u.int_in_range(0..=99)?]),
        }
    }
    Ok(Case { script, style })
}

/// What a compared program showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Wasmtime's call returned a log (rather than trapping).
    pub returned: bool,
    /// The cmref run that agreed: `None` for the deterministic one.
    pub seed: Option<u64>,
}

/// Runs one input in both engines: `Ok(None)` when the input makes no
/// program, `Ok(Some(_))` when cmref can produce Wasmtime's outcome, `Err`
/// with a report when it cannot.
pub fn check(data: &[u8]) -> Result<Option<Verdict>, String> {
    let Ok(case) = generate(data) else {
        return Ok(None);
    };
    let theirs = wasmtime_async::run(&case);
    let ours = cmref_async::run(&case, NondetMode::Deterministic);
    let returned = matches!(theirs, Outcome::Returned(_));
    if !matches!(theirs, Outcome::Rejected(_)) {
        if ours.agrees(&theirs) {
            return Ok(Some(Verdict {
                returned,
                seed: None,
            }));
        }
        for seed in 0..SEEDS {
            if cmref_async::run(&case, NondetMode::Seeded(seed)).agrees(&theirs) {
                return Ok(Some(Verdict {
                    returned,
                    seed: Some(seed),
                }));
            }
        }
    }
    Err(format!(
        "cmref cannot produce Wasmtime's outcome (deterministic or {SEEDS} seeds)\n  export: {}\n  script: {:?}\n  cmref (deterministic): {ours:?}\n  wasmtime: {theirs:?}",
        case.export(),
        case.script
    ))
}

/// The compiled component, shared by every input.
pub fn component_wasm() -> &'static [u8] {
    static WASM: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    WASM.get_or_init(|| {
        let text = crate::async_actor::component_text();
        // The text is fixed: one that does not parse is a bug of this file.
        wat::parse_str(&text)
            .unwrap_or_else(|e| panic!("the async component does not parse: {e}\n{text}"))
    })
}
