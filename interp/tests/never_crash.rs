//! Never crash: arbitrary bytes, mutated valid modules and generated valid
//! modules go through decode, validate, instantiate and run-with-fuel. Every
//! outcome must be a value or a typed error; a panic fails the property.

use cmref_interp::*;
use proptest::prelude::*;

mod common;
use common::mutate::{mutate, mutation};

/// What cmref executes: Wasm 3.0 (typed function references, tail calls,
/// GC, exceptions, 64-bit and multiple memories, relaxed SIMD, extended
/// constants) and the neighbouring proposals it runs (threads, legacy
/// exceptions, custom page sizes, wide arithmetic).
fn features() -> WasmFeatures {
    Config::default().features
}

fn engine() -> Engine {
    // The collector runs before every allocation, so that every stack map
    // and root is exercised.
    let config = Config::default()
        .features(features())
        .fuel(Some(20_000))
        .max_memory_bytes(16 << 20)
        .max_table_elements(10_000)
        .max_call_depth(1_000)
        .max_stack_slots(1 << 20)
        .max_heap_bytes(16 << 20)
        .gc_stress(true);
    Engine::new(config)
}

/// Instantiates with fresh imports (typed by the module's imports) and
/// calls every exported function with default arguments. Returns how far
/// it got.
fn exercise(engine: &Engine, bytes: &[u8]) -> &'static str {
    let Ok(module) = Module::new(engine, bytes) else {
        return "rejected";
    };
    let mut store = Store::new(engine);
    let instance = match harness::instantiate_with_dummies(&mut store, &module) {
        Ok(instance) => instance,
        // An import of a non-nullable reference type has no dummy.
        Err(Error::Unsupported(_)) => return "import limits",
        Err(_) => return "instantiation failed",
    };
    for (_, ext) in instance.exports(&store) {
        if let Extern::Func(f) = ext {
            // A function with a non-nullable reference parameter is called
            // with no arguments: a typed error, still exercised.
            let args = harness::default_args(&store, f).unwrap_or_default();
            store.set_fuel(20_000).expect("fuel enabled");
            let _ = store.call(f, &args);
        }
    }
    "ran"
}

/// Small valid modules to mutate: loops, memory, tables, calls, SIMD.
const SEEDS: &[&str] = &[
    r#"(module (memory 1) (func (export "f") (param i32) (result i32)
         (loop (br_if 0 (i32.load (local.get 0)))) (i32.const 1)))"#,
    r#"(module (table 4 funcref) (elem (i32.const 0) $a $b)
         (type $t (func (result i32)))
         (func $a (result i32) (i32.const 1)) (func $b (result i32) (call_indirect (type $t) (i32.const 0)))
         (func (export "g") (result i32) (call_indirect (type $t) (i32.const 1))))"#,
    r#"(module (memory 1 2) (data (i32.const 8) "hello")
         (func (export "h") (result i32) (drop (memory.grow (i32.const 1)))
           (memory.copy (i32.const 0) (i32.const 8) (i32.const 5)) (i32.load8_u (i32.const 4))))"#,
    r#"(module (func (export "v") (param v128) (result v128)
         (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4))))"#,
    r#"(module (global $g (mut i64) (i64.const 0))
         (func $r (export "r") (param i32) (result i64)
           (if (result i64) (local.get 0)
             (then (call $r (i32.sub (local.get 0) (i32.const 1))))
             (else (global.get $g)))))"#,
];

fn seed_modules() -> Vec<Vec<u8>> {
    SEEDS
        .iter()
        .map(|s| wat::parse_str(s).expect("seed parses"))
        .collect()
}

/// wasm-smith configured for everything cmref executes.
fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        gc_enabled: true,
        exceptions_enabled: true,
        tail_call_enabled: true,
        memory64_enabled: true,
        threads_enabled: true,
        relaxed_simd_enabled: true,
        extended_const_enabled: true,
        custom_page_sizes_enabled: true,
        wide_arithmetic_enabled: true,
        max_memory32_bytes: 1 << 20,
        max_memory64_bytes: 1 << 20,
        max_table_elements: 1_000,
        max_memories: 2,
        export_everything: true,
        ..wasm_smith::Config::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..600), header in any::<bool>()) {
        let mut bytes = if header { b"\0asm\x01\0\0\0".to_vec() } else { Vec::new() };
        bytes.extend(tail);
        exercise(&engine(), &bytes);
    }

    #[test]
    fn mutated_valid_modules_never_panic(
        seed in 0..SEEDS.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let bytes = mutate(seed_modules()[seed].clone(), &mutations);
        exercise(&engine(), &bytes);
    }

    #[test]
    fn generated_valid_modules_validate_and_run_without_panicking(
        data in prop::collection::vec(any::<u8>(), 64..4096),
    ) {
        generated(smith_config(), &engine(), &data)?;
    }
}

/// Generates a module from `data`; it is valid for the engine's features,
/// so cmref must accept it, and then run it without panicking.
fn generated(smith: wasm_smith::Config, engine: &Engine, data: &[u8]) -> Result<(), TestCaseError> {
    let mut u = arbitrary::Unstructured::new(data);
    if let Ok(module) = wasm_smith::Module::new(smith, &mut u) {
        let bytes = module.to_bytes();
        if let Err(e) = Module::new(engine, &bytes) {
            prop_assert!(false, "cmref rejected a valid module: {e}");
        }
        exercise(engine, &bytes);
    }
    Ok(())
}

#[test]
fn the_seeds_run() {
    let engine = engine();
    for bytes in seed_modules() {
        assert_eq!(exercise(&engine, &bytes), "ran");
    }
}

/// Guards the property above against becoming vacuous: most generated
/// modules must get all the way to running their exports.
#[test]
fn generated_modules_mostly_reach_execution() {
    let mut state = 12345u64;
    let mut ran = 0;
    let total = 200;
    for _ in 0..total {
        let data: Vec<u8> = (0..2048)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) as u8
            })
            .collect();
        let mut u = arbitrary::Unstructured::new(&data);
        let module = wasm_smith::Module::new(smith_config(), &mut u).expect("generates");
        if exercise(&engine(), &module.to_bytes()) == "ran" {
            ran += 1;
        }
    }
    assert!(
        ran * 10 >= total * 8,
        "only {ran} of {total} generated modules ran"
    );
}

fn memory_smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        memory64_enabled: true,
        threads_enabled: true,
        custom_page_sizes_enabled: true,
        extended_const_enabled: true,
        wide_arithmetic_enabled: true,
        relaxed_simd_enabled: true,
        max_memories: 4,
        max_memory64_bytes: 1 << 20,
        ..smith_config()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Waits that nobody can notify, 64-bit addresses and sizes, several
    /// memories: every generated module still ends in values or typed errors.
    #[test]
    fn generated_memory_feature_modules_never_panic(
        data in prop::collection::vec(any::<u8>(), 64..4096),
    ) {
        generated(memory_smith_config(), &engine(), &data)?;
    }
}
