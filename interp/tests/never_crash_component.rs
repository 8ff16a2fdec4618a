//! Never crash, for components: arbitrary bytes and mutated valid
//! components go through decode, validate, instantiate and calls of every
//! export with fuel. Every outcome must be a value or a typed error.

use cmref_interp::component::{self, Component};
use cmref_interp::{Config, Engine};
use proptest::prelude::*;

mod common;
use common::mutate::{mutate, mutation};

fn engine() -> Engine {
    let mut config = Config::default()
        .features(component::features())
        .fuel(Some(20_000))
        .max_memory_bytes(16 << 20)
        .max_table_elements(10_000)
        .max_call_depth(1_000);
    config.max_stack_slots = 1 << 20;
    config.max_value_bytes = 1 << 20;
    Engine::new(config)
}

use cmref_interp::harness::component::{SEEDS, exercise};

fn seeds() -> Vec<Vec<u8>> {
    SEEDS
        .iter()
        .map(|s| wat::parse_str(s).expect("seed parses"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_component_bytes_never_panic(tail in prop::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
        bytes.extend(tail);
        exercise(&engine(), &bytes, 20_000);
    }

    #[test]
    fn mutated_valid_components_never_panic(
        seed in 0..SEEDS.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let bytes = mutate(seeds()[seed].clone(), &mutations);
        exercise(&engine(), &bytes, 20_000);
    }
}

/// Guards the property against becoming vacuous: the seeds run their
/// exports, and a fair share of mutants still decode.
#[test]
fn the_seeds_run_and_mutants_often_decode() {
    let engine = engine();
    for bytes in seeds() {
        assert_eq!(exercise(&engine, &bytes, 20_000), "ran");
    }
    let mut state = 7u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut decoded = 0;
    for i in 0..200 {
        let mut bytes = seeds()[i % SEEDS.len()].clone();
        let len = bytes.len();
        bytes[8 + next() % (len - 8)] ^= 1 << (next() % 8);
        if Component::new(&engine, &bytes).is_ok() {
            decoded += 1;
        }
    }
    assert!(
        decoded >= 20,
        "only {decoded} of 200 single-bit mutants decoded"
    );
}
