//! The official Component Model suite (`values/`, `resources/`,
//! `validation/`, `linking/`, `binary/`, and `async/` as far as the async ABI
//! goes)
//! against cmref, under the shrink-only expected-failure manifests.
//!
//! The suite is read from `$CMREF_COMPONENT_SUITE` or
//! `../shared/suites/component-model`. When it is missing the test fails if
//! `CI=true`, and otherwise prints a notice on the terminal.

use std::io::Write;

use cmref_interp::NondetMode;
use cmref_spec_tests::{Manifest, default_jobs, run_all, suites};

fn manifest() -> Manifest {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/expected-failures"
    );
    let text =
        std::fs::read_to_string(format!("{dir}/component-model.txt")).expect("the manifest exists");
    Manifest::parse(&text).expect("the component-model manifest parses")
}

fn run_dir(dir: &str, min_scripts: usize) {
    let root = suites::component_suite_dir();
    if !root.is_dir() {
        let msg = format!(
            "the official Component Model suite is not at {} (set {}); `{dir}/` was NOT run",
            root.display(),
            suites::COMPONENT_SUITE_ENV
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        // Written past the test harness's output capture, so it is seen.
        let _ = writeln!(std::io::stderr(), "\nNOTICE: {msg}\n");
        return;
    }
    let root = root.canonicalize().expect("suite directory");
    let scripts =
        suites::collect(&[root.join(dir).display().to_string()]).expect("suite is readable");
    assert!(
        scripts.len() >= min_scripts,
        "{dir}: expected at least {min_scripts} scripts, found {}",
        scripts.len()
    );
    let mut reports = run_all(&scripts, NondetMode::Deterministic, default_jobs());
    // Manifest keys are relative to the suite root.
    let prefix = format!("{}/", root.display());
    for r in &mut reports {
        r.path = r.path.trim_start_matches(&prefix).to_string();
    }
    let directives: usize = reports.iter().map(|r| r.results.len()).sum();
    let problems = manifest().check(&reports);
    assert!(
        problems.is_empty(),
        "{dir}: {} problem(s) over {directives} directives:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn values() {
    run_dir("values", 8);
}

#[test]
fn resources() {
    run_dir("resources", 3);
}

#[test]
fn validation() {
    run_dir("validation", 13);
}

#[test]
fn linking() {
    run_dir("linking", 4);
}

#[test]
fn binary() {
    run_dir("binary", 1);
}

/// The fewest `async/` directives that must pass: a ratchet raised as the
/// async Canonical ABI grows (README gives the current figure).
const ASYNC_MIN_PASSED: usize = 260;

/// A file whose failures are not analysed yet (the driver program of
/// `big-interleaving-test.wast` runs many stream and future interleavings
/// on one instance; two of them end in a trap in cmref).
const ASYNC_UNDER_INVESTIGATION: &str = "async/big-interleaving-test.wast";

/// `async/`: partial while the async ABI is being built. At least
/// [`ASYNC_MIN_PASSED`] directives pass, and every failure is an
/// `unsupported` error, a spec question listed in
/// `conformance/expected-failures/component-model-async.txt`, a later directive of a
/// file where an earlier one failed and left a component instance entered
/// ("cannot enter component instance"), or in
/// [`ASYNC_UNDER_INVESTIGATION`]: never another wrong answer or wrong trap.
#[test]
fn async_() {
    let root = suites::component_suite_dir();
    if !root.is_dir() {
        run_dir("async", 30);
        return;
    }
    let root = root.canonicalize().expect("suite directory");
    let scripts =
        suites::collect(&[root.join("async").display().to_string()]).expect("suite is readable");
    assert!(
        scripts.len() >= 30,
        "async: found {} scripts",
        scripts.len()
    );
    let divergences = Manifest::parse(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../conformance/expected-failures/component-model-async.txt"
        ))
        .expect("the async manifest exists"),
    )
    .expect("the async manifest parses");
    let reports = run_all(&scripts, NondetMode::Deterministic, default_jobs());
    let prefix = format!("{}/", root.display());
    let mut passed = 0;
    let mut wrong = Vec::new();
    let mut failing = std::collections::BTreeSet::new();
    for r in &reports {
        let path = r.path.trim_start_matches(&prefix);
        let mut saw_failure = false;
        for d in &r.results {
            let Some(failure) = &d.failure else {
                passed += 1;
                continue;
            };
            let earlier_failure = std::mem::replace(&mut saw_failure, true);
            let key = format!("{path}:{}", d.line);
            failing.insert(key.clone());
            let allowed = failure.contains("unsupported")
                || divergences.entries.contains_key(&key)
                || (earlier_failure && failure.contains("cannot enter component instance"))
                || path.ends_with(ASYNC_UNDER_INVESTIGATION);
            if !allowed {
                wrong.push(format!("{key}: {failure}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "async: {} failure(s) that are neither `unsupported` nor known divergences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The manifest only shrinks: a listed directive that passes must go.
    let passing: Vec<&String> = divergences
        .entries
        .keys()
        .filter(|k| !failing.contains(*k))
        .collect();
    assert!(
        passing.is_empty(),
        "async: listed in component-model-async.txt but passing now: {passing:?}"
    );
    assert!(
        passed >= ASYNC_MIN_PASSED,
        "async: {passed} directives passed, the ratchet is {ASYNC_MIN_PASSED}"
    );
}
