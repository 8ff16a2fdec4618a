//! `never_crash`: arbitrary bytes, and modules wasm-smith generates with
//! every feature cmref supports, through decode, validate, instantiate and
//! run with fuel, memory and heap limits in cmref alone (half of the inputs
//! with a collection before every allocation). Any panic is a finding.

use arbitrary::Unstructured;
use cmref_interp::{Config, Engine, Extern, Module, Store, harness};

use crate::{FUEL, MEMORY_LIMIT, TABLE_LIMIT};

/// An engine with every feature cmref supports (the default), optionally
/// collecting garbage before every allocation.
fn engine(gc_stress: bool) -> Engine {
    let mut config = Config::default()
        .fuel(Some(FUEL))
        .max_memory_bytes(MEMORY_LIMIT)
        .max_table_elements(TABLE_LIMIT)
        .max_call_depth(10_000)
        .max_heap_bytes(MEMORY_LIMIT)
        .gc_stress(gc_stress);
    config.max_stack_slots = 1 << 22;
    Engine::new(config)
}

/// Decodes, instantiates (with fresh imports) and runs every export.
pub fn exercise(engine: &Engine, wasm: &[u8]) {
    let Ok(module) = Module::new(engine, wasm) else {
        return;
    };
    let mut store = Store::new(engine);
    let Ok(instance) = harness::instantiate_with_dummies(&mut store, &module) else {
        return;
    };
    for (_, ext) in instance.exports(&store) {
        if let Extern::Func(f) = ext
            && let Ok(args) = harness::default_args(&store, f)
        {
            let _ = store.set_fuel(FUEL);
            let _ = store.call(f, &args);
        }
    }
}

/// The first byte picks the mode: its low bit raw bytes or a generated
/// module, the next bit whether the collector runs before every allocation.
pub fn check(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let engine = engine(mode & 2 != 0);
    if mode & 1 == 0 {
        exercise(&engine, rest);
        return;
    }
    let mut u = Unstructured::new(rest);
    // Everything cmref runs: wasm-smith's defaults (Wasm 3.0 with relaxed
    // SIMD) plus custom page sizes and wide arithmetic.
    let config = wasm_smith::Config {
        custom_page_sizes_enabled: true,
        wide_arithmetic_enabled: true,
        max_memory32_bytes: MEMORY_LIMIT,
        max_memory64_bytes: MEMORY_LIMIT as u128,
        max_memories: 4,
        export_everything: true,
        ..wasm_smith::Config::default()
    };
    if let Ok(module) = wasm_smith::Module::new(config, &mut u) {
        exercise(&engine, &module.to_bytes());
    }
}
