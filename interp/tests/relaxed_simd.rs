//! Relaxed-SIMD choices are an input: fixed in deterministic mode, varied
//! by a seed, and stable within one run, seen through the whole
//! interpreter (module, instantiation, call).

use cmref_interp::*;

const WAT: &str = r#"
(module
  (func (export "swizzle") (param v128 v128) (result v128)
    (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc") (param v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_s (local.get 0))))
"#;

/// Lanes 0..16 of `a` are 1..=16; every index of `b` is 16..32, which
/// `swizzle` maps to 0 and an x86-like `relaxed_swizzle` maps modulo 16.
fn swizzle(store: &mut Store, instance: Instance) -> u128 {
    let a = u128::from_le_bytes(std::array::from_fn(|i| i as u8 + 1));
    let b = u128::from_le_bytes(std::array::from_fn(|i| i as u8 + 16));
    let f = instance.get_func(store, "swizzle").unwrap();
    match store.call(f, &[Val::V128(a), Val::V128(b)]).unwrap()[..] {
        [Val::V128(v)] => v,
        ref other => panic!("{other:?}"),
    }
}

fn trunc(store: &mut Store, instance: Instance) -> u128 {
    // NaN, +inf, -inf and 3e9: all out of the i32 range.
    let lanes = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 3e9];
    let mut v = 0u128;
    for (i, x) in lanes.iter().enumerate() {
        v |= (x.to_bits() as u128) << (32 * i);
    }
    let f = instance.get_func(store, "trunc").unwrap();
    match store.call(f, &[Val::V128(v)]).unwrap()[..] {
        [Val::V128(v)] => v,
        ref other => panic!("{other:?}"),
    }
}

fn run(mode: NondetMode) -> (u128, u128) {
    let config = Config::default()
        .features(WasmFeatures::WASM2 | WasmFeatures::RELAXED_SIMD)
        .nondet(mode);
    let engine = Engine::new(config);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    let first = (swizzle(&mut store, instance), trunc(&mut store, instance));
    // A relaxed operator makes the same choice for the whole run.
    for _ in 0..4 {
        assert_eq!(
            (swizzle(&mut store, instance), trunc(&mut store, instance)),
            first
        );
    }
    first
}

#[test]
fn a_seed_changes_relaxed_results_and_the_default_does_not() {
    let deterministic = run(NondetMode::Deterministic);
    // The deterministic profile: swizzle's 0 and saturation.
    assert_eq!(deterministic.0, 0);
    let saturated = [0u32, i32::MAX as u32, i32::MIN as u32, i32::MAX as u32];
    let expected = saturated
        .iter()
        .enumerate()
        .fold(0u128, |v, (i, x)| v | (*x as u128) << (32 * i));
    assert_eq!(deterministic.1, expected);
    assert_eq!(run(NondetMode::Deterministic), deterministic);

    let seeded: Vec<(u128, u128)> = (0..16).map(|s| run(NondetMode::Seeded(s))).collect();
    for (s, r) in seeded.iter().enumerate() {
        assert_eq!(run(NondetMode::Seeded(s as u64)), *r, "seed {s} reproduces");
    }
    let modulo = u128::from_le_bytes(std::array::from_fn(|i| i as u8 + 1));
    assert!(
        seeded.iter().any(|r| r.0 == modulo),
        "some seed picks the modulo-16 swizzle"
    );
    assert!(
        seeded.iter().any(|r| r.1 != deterministic.1),
        "some seed picks a non-saturating truncation"
    );
    assert!(seeded.iter().all(|r| r.0 == 0 || r.0 == modulo));
}
