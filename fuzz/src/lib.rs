//! Fuzzing cmref: differential targets against Wasmtime (core modules,
//! component values and async programs) and a never-crash target. Each target's logic lives here so that the libFuzzer binaries
//! (`fuzz_targets/`) and the regression replay (`tests/replay.rs`, a plain
//! `cargo test`) run exactly the same code.

pub mod async_actor;
pub mod cmref_async;
pub mod cmref_component;
pub mod cmref_side;
pub mod component_async;
pub mod component_values;
pub mod core_differential;
pub mod never_crash;
pub mod values;
pub mod wasmtime_async;
pub mod wasmtime_component;
pub mod wasmtime_side;

/// Engine fuel per call; wasm-smith's own fuel ends loops well before this.
pub const FUEL: u64 = 10_000_000;
/// Linear memory limit, configured alike in both engines.
pub const MEMORY_LIMIT: u64 = 64 << 20;
/// Table size limit, configured alike in both engines.
pub const TABLE_LIMIT: u64 = 100_000;
