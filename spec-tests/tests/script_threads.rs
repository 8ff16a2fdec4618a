//! The `thread` and `wait` script directives: script threads interleave on
//! one store, deterministically by default and differently per seed, and
//! never hang on waits nobody can end.

use cmref_interp::NondetMode;
use cmref_spec_tests::{FileReport, ScriptOptions, run_script, suites};

fn run(source: &str, nondet: NondetMode) -> FileReport {
    let options = ScriptOptions {
        features: suites::supported(),
        nondet,
        gc_stress: false,
        trace: false,
    };
    run_script("inline.wast", source, &options)
}

fn failures(report: &FileReport) -> Vec<(u32, String)> {
    report
        .results
        .iter()
        .filter_map(|r| r.failure.clone().map(|f| (r.line, f)))
        .collect()
}

/// Two threads append two entries each to a log; line 30 asserts the
/// deterministic order, line 31 what every order has in common.
const ORDER: &str = r#"(module $Mem (memory (export "mem") 1 1 shared))
(thread $A (shared (module $Mem))
  (register "m" $Mem)
  (module (memory (import "m" "mem") 1 1 shared)
    (func (export "log") (param i32)
      (i32.store
        (i32.add (i32.const 16)
          (i32.shl (i32.atomic.rmw.add (i32.const 0) (i32.const 1)) (i32.const 2)))
        (local.get 0))))
  (invoke "log" (i32.const 1))
  (invoke "log" (i32.const 2)))
(thread $B (shared (module $Mem))
  (register "m" $Mem)
  (module (memory (import "m" "mem") 1 1 shared)
    (func (export "log") (param i32)
      (i32.store
        (i32.add (i32.const 16)
          (i32.shl (i32.atomic.rmw.add (i32.const 0) (i32.const 1)) (i32.const 2)))
        (local.get 0))))
  (invoke "log" (i32.const 3))
  (invoke "log" (i32.const 4)))
(wait $A)
(wait $B)
(register "m" $Mem)
(module $Check (memory (import "m" "mem") 1 1 shared)
  (func $at (param i32) (result i32) (i32.load offset=16 (i32.shl (local.get 0) (i32.const 2))))
  (func (export "order") (result i32)
    (i32.or (i32.or (i32.shl (call $at (i32.const 0)) (i32.const 12)) (i32.shl (call $at (i32.const 1)) (i32.const 8)))
            (i32.or (i32.shl (call $at (i32.const 2)) (i32.const 4)) (call $at (i32.const 3))))))
(assert_return (invoke $Check "order") (i32.const 0x1234))
(assert_return (invoke $Check "order") (either (i32.const 0x1234) (i32.const 0x1324) (i32.const 0x1342) (i32.const 0x3124) (i32.const 0x3142) (i32.const 0x3412)))
"#;

#[test]
fn script_threads_run_in_a_fixed_order_by_default() {
    let report = run(ORDER, NondetMode::Deterministic);
    assert_eq!(failures(&report), vec![]);
    assert_eq!(report.results.len(), 17);
    assert_eq!(run(ORDER, NondetMode::Deterministic), report);
}

#[test]
fn seeds_interleave_script_threads_differently() {
    let mut reordered = 0;
    for seed in 0..32 {
        let report = run(ORDER, NondetMode::Seeded(seed));
        assert_eq!(run(ORDER, NondetMode::Seeded(seed)), report, "seed {seed}");
        match &failures(&report)[..] {
            [] => {}
            // Only the order-specific assertion may fail.
            [(30, _)] => reordered += 1,
            other => panic!("seed {seed}: {other:?}"),
        }
    }
    assert!(reordered > 0, "no seed changed the order");
}

#[test]
fn a_thread_that_can_never_be_notified_fails_instead_of_hanging() {
    let source = r#"(module $Mem (memory (export "mem") 1 1 shared))
(thread $T (shared (module $Mem))
  (register "m" $Mem)
  (module (memory (import "m" "mem") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
    (func (export "timed") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 100))))
  (assert_return (invoke "wait") (i32.const 0))
  (assert_return (invoke "timed") (i32.const 2)))
(wait $T)
(wait $U)
(module $Unshared (memory (export "mem") 1) (func (export "f")))
(thread $V (shared (module $Unshared)))
(thread $W (assert_return (invoke "anything")))
"#;
    for mode in [NondetMode::Deterministic, NondetMode::Seeded(7)] {
        let report = run(source, mode);
        let failures = failures(&report);
        let lines: Vec<u32> = failures.iter().map(|f| f.0).collect();
        assert_eq!(lines, vec![9, 12, 14, 15], "{failures:#?}");
        assert!(failures[0].1.contains("deadlock"), "{}", failures[0].1);
        assert!(failures[1].1.contains("unknown thread $U"));
        assert!(failures[2].1.contains("not sharable"));
        // By default the main script goes on and ends before $W runs; a
        // seed may run $W first, which then fails on its own.
        let ended = failures[3].1.contains("the script ended before $W");
        let ran = failures[3].1.contains("no module instantiated");
        assert!(
            ended || (ran && mode != NondetMode::Deterministic),
            "{}",
            failures[3].1
        );
    }
}
