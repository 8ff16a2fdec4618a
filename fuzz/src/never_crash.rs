//! `never_crash`: arbitrary bytes, modules wasm-smith generates with every
//! feature cmref supports, and mutated valid components, through decode,
//! validate, instantiate and run with fuel, memory, heap and value-size
//! limits in cmref alone (modules half the time with a collection before
//! every allocation). Any panic is a finding.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use cmref_interp::{Config, Engine, Extern, Module, Store, component, harness};

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

/// An engine for components: every feature, the same limits, and a bound
/// on the size of lifted values.
fn component_engine() -> Engine {
    let mut config = Config::default()
        .features(component::features())
        .fuel(Some(FUEL))
        .max_memory_bytes(MEMORY_LIMIT)
        .max_table_elements(TABLE_LIMIT)
        .max_call_depth(10_000)
        .max_heap_bytes(MEMORY_LIMIT);
    config.max_stack_slots = 1 << 22;
    config.max_value_bytes = MEMORY_LIMIT;
    Engine::new(config)
}

/// The valid components that component inputs mutate, encoded once.
fn component_seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        harness::component::SEEDS
            .iter()
            .map(|text| wat::parse_str(text).expect("the seed components parse"))
            .collect()
    })
}

/// A seed component (picked by the first byte) with edits the rest
/// describes, three bytes each: position (two bytes, little-endian, modulo
/// the length) and the byte to store there; a zero byte inserts instead.
fn mutated_component(data: &[u8]) -> Vec<u8> {
    let seeds = component_seeds();
    let Some((pick, edits)) = data.split_first() else {
        return seeds[0].clone();
    };
    let mut bytes = seeds[*pick as usize % seeds.len()].clone();
    for edit in edits.chunks_exact(3) {
        let at = u16::from_le_bytes([edit[0], edit[1]]) as usize % bytes.len().max(1);
        match edit[2] {
            0 => bytes.insert(at, edit[0]),
            b => bytes[at] = b,
        }
    }
    bytes
}

/// What became of a structured component input (a seed index and edits):
/// `rejected`, `instantiation failed` or `ran`.
pub fn component_outcome(data: &[u8]) -> &'static str {
    harness::component::exercise(&component_engine(), &mutated_component(data), FUEL)
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

/// The first byte picks the mode: bit 2 a component, otherwise a module;
/// the low bit raw bytes or a structured input (a mutated seed component, a
/// wasm-smith module); for modules, bit 1 whether the collector runs before
/// every allocation.
pub fn check(data: &[u8]) {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 4 != 0 {
        let bytes = if mode & 1 == 0 {
            let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
            bytes.extend_from_slice(rest);
            bytes
        } else {
            mutated_component(rest)
        };
        harness::component::exercise(&component_engine(), &bytes, FUEL);
        return;
    }
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
