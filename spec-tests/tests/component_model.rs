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

/// Failures of `async/` that are not `unsupported`: where the suite (which
/// is Wasmtime's behaviour) and definitions.py disagree. Each is a spec
/// question, argued here from definitions.py at 6d281648.
const ASYNC_DIVERGENCES: &[(&str, &str)] = &[
    (
        "async/cross-abi-calls.wast:491",
        "task.return without `memory` in a task lifted with `memory`: \
         `LiftOptions.equal` compares `memory` by identity, so the spec traps",
    ),
    (
        "async/cross-abi-calls.wast:495",
        "as cross-abi-calls.wast:491",
    ),
    (
        "async/drop-cross-task-borrow.wast:305",
        "a synchronous call of an `async`-typed import from a synchronous task: \
         definitions.py runs the callee (which traps at its own `unreachable`), \
         Wasmtime traps before the call",
    ),
    (
        "async/during-sync-call-no-sibling-resume.wast:155",
        "as drop-cross-task-borrow.wast:305",
    ),
    (
        "async/trap-if-block-and-sync.wast:287",
        "as drop-cross-task-borrow.wast:305",
    ),
    (
        "async/trap-if-block-and-sync.wast:289",
        "as drop-cross-task-borrow.wast:305",
    ),
    (
        "async/dont-block-start.wast:24",
        "as drop-cross-task-borrow.wast:305 (a start function calls the import)",
    ),
    (
        "async/trap-on-reenter.wast:65",
        "a child calling its parent: `entering_set` is `self_and_ancestors() - \
         caller.self_and_ancestors()`, empty here, so definitions.py enters and \
         the callee traps at its `unreachable`; Wasmtime forbids it for now",
    ),
    (
        "async/trap-on-reenter.wast:86",
        "a parent calling its child: `entering_set` is the child alone, which may \
         be entered, so definitions.py returns; Wasmtime forbids it for now",
    ),
    (
        "async/trap-on-reenter.wast:110",
        "as trap-on-reenter.wast:65, with a callee that returns",
    ),
    (
        "async/during-sync-call-no-exclusive-resume.wast:163",
        "(nyi.txt) `canon_lift`'s loop for a synchronous task resumes ready threads \
         that are not `inst.exclusive_thread`; a synchronously-typed task never \
         takes the exclusive lock (`enter_implicit_thread` only does for `async` \
         types), so the callback thread parked by YIELD is resumed and traps at \
         its `unreachable` rather than the call ending in a deadlock",
    ),
    (
        "async/trap-if-block-and-sync.wast:317",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:319",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:321",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:323",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:325",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:327",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:329",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/trap-if-block-and-sync.wast:331",
        "as trap-if-block-and-sync.wast:315, for a synchronous stream or future \
         copy or cancellation of an invalid handle",
    ),
    (
        "async/cancel-stream.wast:202",
        "cancelling a read after a partial copy: the end already has the \
         `on_copy` event, so `cancel_copy` returns it, COMPLETED with the \
         progress (0x40), as definitions.py's own run_tests.py asserts \
         (`n == 2 and result == CopyResult.COMPLETED`); the suite expects \
         CANCELLED (0x42)",
    ),
    (
        "async/sync-streams.wast:208",
        "a callback-lifted task ($C.get) blocks in a synchronous stream.write, \
         holding `inst.exclusive_thread` (only the callback loop releases it), \
         so $C.set's `enter_implicit_thread` waits on backpressure and the async \
         call returns STARTING, where the suite expects STARTED",
    ),
    (
        "async/drop-stream.wast:158",
        "Wasmtime's wording differs by where it checks the same rule \
         (`trap_if(self.copying())` of `CopyEnd.drop`): `cannot remove busy \
         stream` here, `cannot drop busy stream` elsewhere",
    ),
    (
        "async/during-sync-call-no-exclusive-resume.wast:119",
        "as during-sync-call-no-exclusive-resume.wast:163",
    ),
    (
        "async/trap-if-block-and-sync.wast:315",
        "a synchronous `subtask.cancel` of an invalid index in a synchronous task: \
         definitions.py traps on the index (`inst.handles.get`), Wasmtime on blocking",
    ),
];

/// A file whose failures are not analysed yet (the driver program of
/// `big-interleaving-test.wast` runs many stream and future interleavings
/// on one instance; two of them end in a trap in cmref).
const ASYNC_UNDER_INVESTIGATION: &str = "async/big-interleaving-test.wast";

/// `async/`: partial while the async ABI is being built. At least
/// [`ASYNC_MIN_PASSED`] directives pass, and every failure is an
/// `unsupported` error, one of [`ASYNC_DIVERGENCES`], a later directive of a
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
    let reports = run_all(&scripts, NondetMode::Deterministic, default_jobs());
    let prefix = format!("{}/", root.display());
    let mut passed = 0;
    let mut wrong = Vec::new();
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
            let allowed = failure.contains("unsupported")
                || ASYNC_DIVERGENCES.iter().any(|(k, _)| *k == key)
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
    assert!(
        passed >= ASYNC_MIN_PASSED,
        "async: {passed} directives passed, the ratchet is {ASYNC_MIN_PASSED}"
    );
}
