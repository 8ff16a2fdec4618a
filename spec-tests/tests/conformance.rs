//! cmref's own conformance tests (conformance/**/*.wast) under their
//! shrink-only expected-failure manifest.

use cmref_interp::NondetMode;
use cmref_spec_tests::{Manifest, default_jobs, run_all, suites};

#[test]
fn own_conformance_suite() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance");
    let scripts = suites::collect(&[root.to_string()]).expect("conformance/ is readable");
    assert!(scripts.len() >= 5, "found only {} scripts", scripts.len());
    let mut reports = run_all(&scripts, NondetMode::Deterministic, default_jobs());
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
