//! Replays every committed regression input of every target, and a fixed
//! set of pseudo-random inputs so the harness itself is exercised in CI.

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(target);
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("regression directory exists") {
        let path = entry.expect("readable entry").path();
        if path.is_file() && path.file_name().is_some_and(|n| n != ".gitkeep") {
            out.push((
                path.display().to_string(),
                std::fs::read(&path).expect("readable input"),
            ));
        }
    }
    out.sort();
    out
}

/// Deterministic pseudo-random inputs (splitmix64).
fn smoke_inputs(count: usize, len: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            (0..len)
                .map(|_| {
                    state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                    let mut z = state;
                    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                    (z ^ (z >> 31)) as u8
                })
                .collect()
        })
        .collect()
}

#[test]
fn core_differential_regressions() {
    for (name, data) in inputs("core_differential") {
        if let Err(d) = cmref_fuzz::core_differential::check(&data) {
            panic!("{name}: {d}");
        }
    }
}

#[test]
fn core_differential_smoke() {
    let mut compared_calls = 0;
    for data in smoke_inputs(500, 4096, 1) {
        match cmref_fuzz::core_differential::check(&data) {
            Ok(calls) => compared_calls += calls,
            Err(d) => panic!("{d}"),
        }
    }
    // The harness must really compare executions, not just reject input.
    assert!(
        compared_calls >= 150,
        "only {compared_calls} calls compared"
    );
}

#[test]
fn never_crash_regressions() {
    for (_, data) in inputs("never_crash") {
        cmref_fuzz::never_crash::check(&data);
    }
    for data in smoke_inputs(100, 2048, 2) {
        cmref_fuzz::never_crash::check(&data);
    }
}

/// Guards the component inputs of `never_crash` against becoming vacuous:
/// unmutated seeds run their exports, and many mutated ones still decode.
#[test]
fn never_crash_component_inputs_reach_execution() {
    let seeds = cmref_interp::harness::component::SEEDS.len();
    let mut ran = 0;
    let mut decoded = 0;
    for (i, data) in smoke_inputs(200, 7, 3).into_iter().enumerate() {
        // Seed `i`, unmutated for the first ones, then one edit.
        let input = if i < seeds {
            vec![i as u8]
        } else {
            data[..4].to_vec()
        };
        let outcome = cmref_fuzz::never_crash::component_outcome(&input);
        if i < seeds {
            assert_eq!(outcome, "ran", "seed {i}");
        }
        ran += usize::from(outcome == "ran");
        decoded += usize::from(outcome != "rejected");
    }
    assert!(
        decoded >= 40,
        "only {decoded} of 200 component inputs decoded"
    );
    assert!(ran >= 20, "only {ran} of 200 component inputs ran");
}

#[test]
fn component_values_regressions() {
    for (name, data) in inputs("component_values") {
        if let Err(d) = cmref_fuzz::component_values::check(&data) {
            panic!("{name}: {d}");
        }
    }
}

#[test]
fn component_values_smoke() {
    use cmref_fuzz::component_values::{check, generate, handle_counts};
    let mut compared_calls = 0;
    // Compared calls whose argument holds owned, borrowed handles.
    let (mut with_own, mut with_borrow) = (0, 0);
    for data in smoke_inputs(200, 2048, 4) {
        match check(&data) {
            Ok(calls) => {
                compared_calls += calls;
                if calls > 0 {
                    let (own, borrow) = handle_counts(&generate(&data).unwrap().args[0]);
                    with_own += usize::from(own > 0) * calls;
                    with_borrow += usize::from(borrow > 0) * calls;
                }
            }
            Err(d) => panic!("{d}"),
        }
    }
    assert!(
        compared_calls >= 360,
        "only {compared_calls} calls compared"
    );
    assert!(with_own >= 20, "only {with_own} calls passed owned handles");
    assert!(
        with_borrow >= 12,
        "only {with_borrow} calls passed borrowed handles"
    );
}

#[test]
fn component_async_regressions() {
    for (name, data) in inputs("component_async") {
        if let Err(d) = cmref_fuzz::component_async::check(&data) {
            panic!("{name}: {d}");
        }
    }
}

/// Guards `component_async` against becoming vacuous: the programs run to
/// completion in both engines and their logs are compared.
#[test]
fn component_async_smoke() {
    let (mut compared, mut returned, mut seeded) = (0, 0, 0);
    for data in smoke_inputs(300, 256, 5) {
        match cmref_fuzz::component_async::check(&data) {
            Ok(Some(v)) => {
                compared += 1;
                returned += usize::from(v.returned);
                seeded += usize::from(v.seed.is_some());
            }
            Ok(None) => {}
            Err(d) => panic!("{d}"),
        }
    }
    // Both engines must really run the programs to completion: most
    // return a log (at the time of writing 300 compared, 284 returned, none
    // needing a seed).
    assert!(compared >= 250, "only {compared} programs compared");
    assert!(
        returned >= 200,
        "only {returned} programs returned a log ({seeded} matched under a seed)"
    );
}
