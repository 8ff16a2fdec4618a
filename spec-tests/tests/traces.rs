//! The structured trace: snapshots of our own async conformance tests'
//! traces (so a change in what the Canonical ABI does, or in the order it
//! does it, shows up as a reviewed diff), and the same seed giving the same
//! trace twice.

use std::path::Path;

use cmref_interp::NondetMode;
use cmref_spec_tests::{FileReport, RunOptions, default_jobs, run_all_opts, suites};

fn run(paths: &[String], nondet: NondetMode) -> Vec<FileReport> {
    let scripts = suites::collect(paths).expect("scripts are readable");
    assert!(!scripts.is_empty(), "no scripts under {paths:?}");
    let options = RunOptions {
        nondet,
        gc_stress: false,
        trace: true,
    };
    run_all_opts(&scripts, &options, default_jobs())
}

fn conformance_async() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/component/async"
    )
    .to_string()
}

#[test]
fn our_async_conformance_traces_match_their_snapshots() {
    let reports = run(&[conformance_async()], NondetMode::Deterministic);
    assert!(reports.len() >= 4, "expected our async tests");
    for r in &reports {
        assert_eq!(r.failed(), 0, "{} fails", r.path);
        let trace = r.trace.as_deref().expect("a trace was asked for");
        assert!(
            trace
                .lines()
                .any(|l| l.contains("\"event\":\"task.start\"")),
            "{}: the trace has no task",
            r.path
        );
        let name = Path::new(&r.path)
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a file name")
            .to_string();
        insta::with_settings!({ snapshot_path => "snapshots/async", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, trace);
        });
    }
}

/// The same seed gives byte-identical traces, for our async tests and for
/// the official suite's `async/` directory (whose schedules depend on the
/// seed); and some other seed gives a different one, so the seed is really
/// an input.
#[test]
fn the_same_seed_gives_the_same_trace() {
    let mut paths = vec![conformance_async()];
    let official = suites::component_suite_dir().join("async");
    if official.is_dir() {
        paths.push(official.display().to_string());
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the official suite is missing at {}", official.display());
    }
    let traces = |seed| -> Vec<String> {
        run(&paths, NondetMode::Seeded(seed))
            .into_iter()
            .map(|r| r.trace.expect("a trace was asked for"))
            .collect()
    };
    let first = traces(7);
    assert!(first.iter().map(|t| t.lines().count()).sum::<usize>() > 100);
    assert_eq!(first, traces(7), "seed 7 twice gave different traces");
    let differs = (8..12).any(|seed| traces(seed) != first);
    assert!(differs, "seeds 8..12 all gave seed 7's traces");
}
