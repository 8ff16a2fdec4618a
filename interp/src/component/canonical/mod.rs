//! The Canonical ABI (CanonicalABI.md), mirroring `definitions.py` at the
//! pinned commit: one Rust item per spec item, with the spec's names, each
//! documented with the `definitions.py` function or class it implements.
//! The modules follow the sections of CanonicalABI.md.
//!
//! | module | CanonicalABI.md section |
//! | --- | --- |
//! | `instance` | Component Instances |
//! | `concurrency` | Concurrency (Thread, Task), Subtask State, Embedding API |
//! | `options` | Canonical ABI Options |
//! | `context` | Lifting and Lowering Context |
//! | `table`, `resources` | Runtime State (Table, Resource State) |
//! | `abi` | Despecialization, Type Predicates, Alignment, Element Size |
//! | `load`, `storing`, `strings` | Loading, Storing |
//! | `flattening` | Flattening |
//! | `lift_flat`, `lower_flat` | Flat Lifting, Flat Lowering, Lifting and Lowering Values |
//! | `waitables` | Waitable State |
//! | `streams` | Buffer, Stream and Future State; the `stream.*`/`future.*` built-ins |
//! | `canon` | Canonical Definitions |
//! | `canon_async` | Canonical Definitions: the 🔀 built-ins that wait |
//! | `host_calls` | Embedding API: host functions that resolve later, background host tasks |
//! | `host_streams` | the host's stream and future ends (host buffers, as `definitions.py`'s tests have) |
//!
//! Every function returns `Result`: the spec's `trap()` is an
//! `Error::Trap` of kind [`TrapKind::CanonicalAbi`] whose message names the
//! rule; what cmref does not run yet is `Error::Unsupported`.

pub(crate) mod abi;
pub(crate) mod canon;
pub(crate) mod canon_async;
pub(crate) mod concurrency;
pub(crate) mod context;
pub(crate) mod flattening;
pub(crate) mod host_calls;
pub(crate) mod host_streams;
pub(crate) mod instance;
pub(crate) mod lift_flat;
pub(crate) mod load;
pub(crate) mod lower_flat;
pub(crate) mod options;
pub(crate) mod resources;
pub(crate) mod storing;
pub(crate) mod streams;
pub(crate) mod strings;
pub(crate) mod table;
pub(crate) mod waitables;

#[cfg(test)]
mod tests;

use crate::error::{Error, Trap, TrapKind};

/// Implements `definitions.py::trap`, with a message saying which rule failed.
pub(crate) fn trap<T>(message: impl Into<String>) -> Result<T, Error> {
    Err(Error::Trap(Trap::with_message(
        TrapKind::CanonicalAbi,
        message.into(),
    )))
}

/// Implements `definitions.py::trap_if`.
pub(crate) fn trap_if(cond: bool, message: &str) -> Result<(), Error> {
    if cond { trap(message) } else { Ok(()) }
}
