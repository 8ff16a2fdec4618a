//! `core_differential`: a wasm-smith module, every exported function called
//! with arbitrary arguments in cmref and in Wasmtime, then the final state
//! of exported memories, globals and tables compared.
//!
//! What counts as a divergence:
//! - one side accepts the module and the other rejects it;
//! - a call returns different values (NaNs compare equal to NaNs: wasm-smith
//!   canonicalises them, and the spec allows different NaN payloads), or
//!   traps on one side only, or traps with a different kind;
//! - exported memories, globals or tables differ at the end.
//!
//! What is not compared: anything after one side exhausted a resource that
//! the two engines bound differently (host stack depth, engine fuel,
//! instantiation-time allocation limits). The module's own termination is
//! guaranteed by wasm-smith's `ensure_termination`.

use arbitrary::{Result as ArbResult, Unstructured};

use crate::values::{Value, arbitrary_args};
use crate::{cmref_side, wasmtime_side};

/// How one call ended.
#[derive(Clone, Debug, PartialEq)]
pub enum CallOutcome {
    Returned(Vec<Value>),
    Trapped(TrapClass),
    /// An exception left the call.
    Thrown,
    /// A limit that differs between engines was hit: stop comparing.
    Exhausted,
}

/// Trap kinds both engines can name; the spec's traps, grouped where
/// Wasmtime does not distinguish what cmref does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapClass {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversion,
    MemoryOutOfBounds,
    TableOutOfBounds,
    UninitializedElement,
    IndirectCallTypeMismatch,
    NullReference,
    CastFailure,
    ArrayOutOfBounds,
    UnalignedAtomic,
    /// `memory.atomic.wait` on an unshared memory.
    ExpectedSharedMemory,
    Other,
}

/// The state an engine leaves behind, for comparison.
#[derive(Clone, PartialEq)]
pub struct FinalState {
    pub memories: Vec<(String, Vec<u8>)>,
    pub globals: Vec<(String, Value)>,
    /// Table size and which entries are null.
    pub tables: Vec<(String, Vec<bool>)>,
}

/// Memories and tables are summarised (lengths, a hash, null counts): a divergence report must
/// stay readable when memories are megabytes long.
impl std::fmt::Debug for FinalState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let memories: Vec<String> = self
            .memories
            .iter()
            .map(|(name, bytes)| {
                format!("{name:?}: {} bytes, fnv {:016x}", bytes.len(), fnv(bytes))
            })
            .collect();
        let tables: Vec<String> = self
            .tables
            .iter()
            .map(|(name, nulls)| {
                let n = nulls.iter().filter(|&&null| null).count();
                format!("{name:?}: {} entries, {n} null", nulls.len())
            })
            .collect();
        f.debug_struct("FinalState")
            .field("memories", &memories)
            .field("globals", &self.globals)
            .field("tables", &tables)
            .finish()
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Where two final states' memories first differ, for the report.
fn memory_difference(a: &FinalState, b: &FinalState) -> String {
    for ((name, x), (_, y)) in a.memories.iter().zip(&b.memories) {
        if x.len() != y.len() {
            return format!("; memory {name:?} has {} vs {} bytes", x.len(), y.len());
        }
        if let Some(at) = x.iter().zip(y).position(|(p, q)| p != q) {
            return format!(
                "; memory {name:?} first differs at byte {at}: {} vs {}",
                x[at], y[at]
            );
        }
    }
    String::new()
}

/// Everything an engine reports for one module.
#[derive(Clone, Debug, PartialEq)]
pub enum Run {
    /// The module did not compile.
    Rejected(String),
    /// Compilation succeeded, instantiation did not (limits, start trap...).
    NotInstantiated(String),
    /// cmref stopped instantiating at a limit that engines bound
    /// differently (fuel, call depth, GC heap, memory): nothing to compare.
    LimitReached(String),
    Ran {
        calls: Vec<CallOutcome>,
        state: Option<FinalState>,
    },
}

/// The wasm-smith configuration: the features both engines run, with NaNs
/// canonicalised and no imports. That is Wasm 3.0 (typed function
/// references and GC, tail calls, exceptions, 64-bit and multiple
/// memories, atomics, extended constants) plus custom page sizes and wide
/// arithmetic, except:
/// - relaxed SIMD: its results are implementation-defined per operator,
///   and cmref's deterministic choices are not what Wasmtime computes on
///   the host machine, so the engines may legitimately differ;
/// - `memory.atomic.wait` on a shared memory (see [`blocks_forever`]).
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        canonicalize_nans: true,
        max_imports: 0,
        gc_enabled: true,
        exceptions_enabled: true,
        tail_call_enabled: true,
        memory64_enabled: true,
        threads_enabled: true,
        relaxed_simd_enabled: false,
        extended_const_enabled: true,
        custom_page_sizes_enabled: true,
        wide_arithmetic_enabled: true,
        simd_enabled: true,
        // Within the memory limit of both engines, so `memory.grow` past a
        // declared maximum never depends on it (Wasmtime's store limits do
        // not govern shared memories).
        max_memory32_bytes: 16 << 20,
        max_memory64_bytes: 16 << 20,
        max_table_elements: 10_000,
        max_memories: 4,
        export_everything: true,
        allow_start_export: true,
        min_funcs: 1,
        max_funcs: 20,
        ..wasm_smith::Config::default()
    }
}

/// A generated module plus the calls to make, each with its arguments.
pub struct Case {
    pub wasm: Vec<u8>,
    pub calls: Vec<(String, Vec<Value>)>,
}

/// Builds the module and its calls from fuzz input.
pub fn generate(data: &[u8]) -> ArbResult<Case> {
    let mut u = Unstructured::new(data);
    let mut module = wasm_smith::Module::new(smith_config(), &mut u)?;
    module
        .ensure_termination(10_000)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    let wasm = module.to_bytes();
    if blocks_forever(&wasm) {
        return Err(arbitrary::Error::IncorrectFormat);
    }
    // Argument types come from cmref's reading of the module; a module it
    // rejects gets no calls (the rejection itself is compared).
    let engine = cmref_interp::Engine::default();
    let mut calls = Vec::new();
    if let Ok(m) = cmref_interp::Module::new(&engine, &wasm) {
        for (name, ty) in m.exports() {
            if let cmref_interp::ExternType::Func(f) = ty {
                calls.push((name.to_string(), arbitrary_args(&mut u, f.params())?));
            }
        }
    }
    Ok(Case { wasm, calls })
}

/// Runs one input in both engines. `Ok` carries the number of calls whose
/// outcomes were compared; `Err` describes a divergence.
pub fn check(data: &[u8]) -> Result<usize, String> {
    let Ok(case) = generate(data) else {
        return Ok(0);
    };
    let ours = cmref_side::run(&case);
    let theirs = wasmtime_side::run(&case);
    compare(&case, &ours, &theirs)
}

fn compare(case: &Case, ours: &Run, theirs: &Run) -> Result<usize, String> {
    let diverged = |what: String| {
        Err(format!(
            "cmref and Wasmtime diverge: {what}\n  cmref:    {ours:?}\n  wasmtime: {theirs:?}\n  module: {} bytes",
            case.wasm.len()
        ))
    };
    match (ours, theirs) {
        (Run::Rejected(_), Run::Rejected(_)) => Ok(0),
        (
            Run::LimitReached(_),
            Run::Ran { .. } | Run::NotInstantiated(_) | Run::LimitReached(_),
        )
        | (Run::Ran { .. } | Run::NotInstantiated(_), Run::LimitReached(_)) => Ok(0),
        (Run::Rejected(e), _) => diverged(format!("only cmref rejects the module ({e})")),
        (_, Run::Rejected(e)) => diverged(format!("only Wasmtime rejects the module ({e})")),
        // Instantiation limits are configured alike but reported differently;
        // a start-function trap on one side only is a divergence below.
        (Run::NotInstantiated(_), Run::NotInstantiated(_)) => Ok(0),
        (Run::NotInstantiated(e), Run::Ran { .. }) | (Run::Ran { .. }, Run::NotInstantiated(e)) => {
            diverged(format!("instantiation differs ({e})"))
        }
        (
            Run::Ran {
                calls: ours_calls,
                state: ours_state,
            },
            Run::Ran {
                calls: their_calls,
                state: their_state,
            },
        ) => {
            for (i, (a, b)) in ours_calls.iter().zip(their_calls).enumerate() {
                if matches!(a, CallOutcome::Exhausted) || matches!(b, CallOutcome::Exhausted) {
                    return Ok(i);
                }
                if a != b {
                    return diverged(format!("call {i} (`{}`) differs", case.calls[i].0));
                }
            }
            if ours_state != their_state {
                let detail = match (ours_state, their_state) {
                    (Some(a), Some(b)) => memory_difference(a, b),
                    _ => String::new(),
                };
                return diverged(format!("the final exported state differs{detail}"));
            }
            Ok(ours_calls.len())
        }
    }
}

/// Whether the module has a `memory.atomic.wait` on a shared memory. With
/// one thread nothing can notify it: Wasmtime blocks the OS thread (for
/// the timeout, or forever), while cmref's virtual clock times the wait
/// out at once or ends it with a deadlock trap. A wait on an unshared
/// memory traps in both and stays in.
pub fn blocks_forever(wasm: &[u8]) -> bool {
    use wasmparser::{Operator, Parser, Payload};
    let mut shared = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return false };
        match payload {
            Payload::ImportSection(_) => return true,
            Payload::MemorySection(r) => {
                for m in r.into_iter().flatten() {
                    shared.push(m.shared);
                }
            }
            Payload::CodeSectionEntry(body) => {
                let Ok(mut ops) = body.get_operators_reader() else {
                    return false;
                };
                while !ops.eof() {
                    match ops.read() {
                        Ok(
                            Operator::MemoryAtomicWait32 { memarg }
                            | Operator::MemoryAtomicWait64 { memarg },
                        ) if shared.get(memarg.memory as usize).is_none_or(|s| *s) => {
                            return true;
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            }
            _ => {}
        }
    }
    false
}
