//! `never_crash`: arbitrary bytes, and modules wasm-smith generates with
//! every feature cmref supports, through decode, validate, instantiate and
//! run with fuel and memory limits in cmref alone. Any panic is a finding.

use arbitrary::Unstructured;
use cmref_interp::{Config, Engine, Extern, Module, Store, harness};

use crate::{FUEL, MEMORY_LIMIT, TABLE_LIMIT};

fn engine() -> Engine {
    let mut config = Config::default()
        .fuel(Some(FUEL))
        .max_memory_bytes(MEMORY_LIMIT)
        .max_table_elements(TABLE_LIMIT)
        .max_call_depth(10_000);
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

/// The first byte picks the mode: raw bytes, or a generated module.
pub fn check(data: &[u8]) {
    let engine = engine();
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => {
            let mut u = Unstructured::new(rest);
            let config = wasm_smith::Config {
                gc_enabled: false,
                exceptions_enabled: false,
                tail_call_enabled: false,
                memory64_enabled: false,
                threads_enabled: false,
                extended_const_enabled: false,
                custom_page_sizes_enabled: false,
                wide_arithmetic_enabled: false,
                max_memory32_bytes: MEMORY_LIMIT,
                max_memories: 1,
                export_everything: true,
                ..wasm_smith::Config::default()
            };
            if let Ok(module) = wasm_smith::Module::new(config, &mut u) {
                exercise(&engine, &module.to_bytes());
            }
        }
        Some((_, rest)) => exercise(&engine, rest),
        None => {}
    }
}
