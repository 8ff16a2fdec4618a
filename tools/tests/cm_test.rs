//! `cm-test` end to end: reports, the totals line, JSON, filters, exit codes.

use std::process::Command;

fn cm_test(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cm-test"))
        .args(args)
        .output()
        .expect("cm-test runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn script(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("cm-test-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const GOOD: &str = r#"(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 1))
(assert_trap (module (func unreachable) (start 0)) "unreachable")"#;

const BAD: &str = r#"(module (func (export "f") (result i32) (i32.const 1)))
(assert_return (invoke "f") (i32.const 2))
(assert_invalid (module (func (result i32))) "type mismatch")"#;

#[test]
fn passing_scripts_exit_zero_with_the_totals_line() {
    let (code, out) = cm_test(&[&script("good.wast", GOOD)]);
    assert_eq!(code, 0);
    assert_eq!(out, "3 passed, 0 failed\n");
}

#[test]
fn failures_name_file_line_directive_expected_and_actual() {
    let bad = script("bad.wast", BAD);
    let (code, out) = cm_test(&[&bad]);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!(
            "{bad}:2:2: assert_return failed\n  expected [i32:2]\n"
        )),
        "{out}"
    );
    assert!(out.contains("\n  actual   [i32:1]\n"), "{out}");
    assert_eq!(out.lines().last(), Some("2 passed, 1 failed"));
}

#[test]
fn json_reports_totals_and_failures() {
    let (code, out) = cm_test(&[
        "--format",
        "json",
        &script("good2.wast", GOOD),
        &script("bad2.wast", BAD),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("{\"passed\":5,\"failed\":1,\"files\":["),
        "{out}"
    );
    assert!(
        out.contains("\"line\":2,\"col\":2,\"directive\":\"assert_return\""),
        "{out}"
    );
}

#[test]
fn filter_and_embedded_suites() {
    let (code, out) = cm_test(&["--filter", "wasm-v2/fac", "testsuite:wasm-v2"]);
    assert_eq!(code, 0);
    let last = out.lines().last().unwrap();
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "{out}"
    );
}

#[test]
fn an_unparsable_script_is_a_failure_not_a_crash() {
    let (code, out) = cm_test(&[&script("junk.wast", "(module (func")]);
    assert_eq!(code, 1);
    assert!(out.contains("the script does not parse"), "{out}");
    assert_eq!(out.lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let (code, _) = cm_test(&["/nonexistent/x.wast"]);
    assert_eq!(code, 2);
}

const COMPONENT_GOOD: &str = r#"(component definition $C
  (core module $M
    (memory (export "mem") 1)
    (func (export "len") (param i32 i32) (result i32) (local.get 1))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64))
    (func (export "boom") unreachable))
  (core instance $m (instantiate $M))
  (func (export "len") (param "s" string) (result u32)
    (canon lift (core func $m "len") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "boom") (canon lift (core func $m "boom"))))
(component instance $i $C)
(assert_return (invoke "len" (str.const "héllo")) (u32.const 6))
(assert_trap (invoke "boom") "unreachable")
(assert_trap (invoke "len" (str.const "")) "cannot enter component instance")
(assert_invalid (component (core func (canon resource.new 0))) "type index out of bounds")
(assert_malformed (component binary "\00asm" "\0d\00\01\00" "\01") "unexpected end")"#;

#[test]
fn component_scripts_run_with_the_same_report() {
    let (code, out) = cm_test(&[&script("component.wast", COMPONENT_GOOD)]);
    assert_eq!((code, out.as_str()), (0, "7 passed, 0 failed\n"));
}

#[test]
fn component_failures_show_expected_and_actual_values() {
    let bad = script(
        "component-bad.wast",
        &COMPONENT_GOOD.replace("(u32.const 6)", "(u32.const 5)"),
    );
    let (code, out) = cm_test(&[&bad]);
    assert_eq!(code, 1);
    assert!(
        out.contains(&format!("{bad}:12:2: assert_return failed\n")),
        "{out}"
    );
    assert!(out.contains("expected [5]\n  actual   [6]"), "{out}");
    assert_eq!(out.lines().last(), Some("6 passed, 1 failed"));
}

#[test]
fn a_component_trap_of_the_wrong_kind_fails() {
    let wrong = script(
        "component-wrong-trap.wast",
        &COMPONENT_GOOD.replace(r#""boom") "unreachable""#, r#""boom") "unaligned pointer""#),
    );
    let (code, out) = cm_test(&[&wrong]);
    assert_eq!(code, 1);
    assert!(
        out.contains("expected trap `unaligned pointer`, got trap: unreachable"),
        "{out}"
    );
}

#[test]
fn the_conformance_components_pass() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../conformance/component");
    let (code, out) = cm_test(&[dir]);
    assert_eq!(code, 0, "{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 "),
        "{out}"
    );
}

const COMPONENT_LINKING: &str = r#"(component $lib
  (core module $M (func (export "f") (result i32) (i32.const 42)))
  (core instance $m (instantiate $M))
  (func (export "answer") (result u32) (canon lift (core func $m "f"))))
(register "lib" $lib)
(component
  (import "lib" (instance $lib (export "answer" (func (result u32)))))
  (export "answer" (func $lib "answer")))
(assert_return (invoke "answer") (u32.const 42))
(assert_unlinkable
  (component (import "lib" (instance (export "answer" (func (result string))))))
  "type mismatch")
(assert_unlinkable (component (import "nothing-here" (func))) "unknown import")"#;

#[test]
fn registered_component_instances_satisfy_imports() {
    let (code, out) = cm_test(&[&script("component-linking.wast", COMPONENT_LINKING)]);
    assert_eq!((code, out.as_str()), (0, "6 passed, 0 failed\n"));
}
