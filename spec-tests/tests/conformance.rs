//! cmref's own conformance tests (conformance/**/*.wast) under their
//! shrink-only expected-failure manifest.

use cmref_interp::NondetMode;
use cmref_spec_tests::{Manifest, default_jobs, run_all_with, suites};

fn run(gc_stress: bool) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance");
    let scripts = suites::collect(&[root.to_string()]).expect("conformance/ is readable");
    assert!(scripts.len() >= 7, "found only {} scripts", scripts.len());
    let mut reports = run_all_with(
        &scripts,
        NondetMode::Deterministic,
        gc_stress,
        default_jobs(),
    );
    // Manifest keys are relative to conformance/.
    for r in &mut reports {
        r.path = r
            .path
            .trim_start_matches(root)
            .trim_start_matches('/')
            .to_string();
    }
    let text = std::fs::read_to_string(format!("{root}/expected-failures/conformance.txt"))
        .expect("manifest exists");
    let problems = Manifest::parse(&text)
        .expect("manifest parses")
        .check(&reports);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn own_conformance_suite() {
    run(false);
}

/// Again with a collection before every allocation (`gc/` checks that
/// every place a live reference can be is a root).
#[test]
fn own_conformance_suite_under_gc_stress() {
    run(true);
}
