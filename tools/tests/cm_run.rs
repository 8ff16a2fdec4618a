//! `cm-run` end to end: the binary on text and binary modules.

use std::process::Command;

const WAT: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $inner (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (call $inner (local.get 0) (local.get 1)))
  (func (export "pair") (param v128 f64) (result v128 f64)
    (i32x4.add (local.get 0) (v128.const i32x4 1 1 1 1)) (f64.neg (local.get 1)))
  (func (export "spin") (loop (br 0))))"#;

fn cm_run(file: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cm-run"))
        .arg(file)
        .args(args)
        .output()
        .expect("cm-run runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cm-run-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn invokes_an_export_of_a_text_module() {
    let file = write("fib.wat", WAT.as_bytes());
    assert_eq!(
        cm_run(&file, &["--invoke", "fib(20)"]),
        (0, "6765\n".into(), String::new())
    );
}

#[test]
fn invokes_an_export_of_a_binary_module_with_v128_and_floats() {
    let file = write("fib.wasm", &wat::parse_str(WAT).unwrap());
    let (code, out, _) = cm_run(&file, &["--invoke", "pair(i32x4(1, 2, 3, -1), -inf)"]);
    assert_eq!(code, 0);
    assert_eq!(out, "i32x4(2, 3, 4, 0)\ninf\n");
}

#[test]
fn a_trap_exits_nonzero_with_message_and_backtrace() {
    let file = write("div.wat", WAT.as_bytes());
    let (code, out, err) = cm_run(&file, &["--invoke", "div(1, 0)"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("integer divide by zero"), "{err}");
    assert!(err.contains("wasm backtrace:\n  0: inner @ 0x"), "{err}");
    assert!(err.contains("\n  1: <wasm function 2> @ 0x"), "{err}");
}

#[test]
fn fuel_bounds_a_runaway_loop() {
    let file = write("spin.wat", WAT.as_bytes());
    let (code, _, err) = cm_run(&file, &["--fuel", "10000", "--invoke", "spin()"]);
    assert_eq!(code, 1);
    assert!(err.contains("all fuel consumed"), "{err}");
}

#[test]
fn an_unknown_export_lists_the_exports() {
    let file = write("list.wat", WAT.as_bytes());
    let (code, _, err) = cm_run(&file, &["--invoke", "fibb(1)"]);
    assert_eq!(code, 1);
    assert!(err.contains("no exported function `fibb`"), "{err}");
    assert!(
        err.contains("  fib: (func (param i32) (result i32))"),
        "{err}"
    );
}

#[test]
fn bad_arguments_are_reported() {
    let file = write("args.wat", WAT.as_bytes());
    let (code, _, err) = cm_run(&file, &["--invoke", "fib(1.5)"]);
    assert_eq!(code, 1);
    assert!(err.contains("argument 1: `1.5` is not an integer"), "{err}");
    let (code, _, err) = cm_run(&file, &["--invoke", "fib(1, 2)"]);
    assert_eq!(code, 1);
    assert!(err.contains("takes 1 argument(s)"), "{err}");
}

#[test]
fn malformed_input_is_an_error_not_a_crash() {
    let file = write("junk.wasm", b"\0asm\x01\0\0\0\x01\xff\xff");
    let (code, _, err) = cm_run(&file, &["--invoke", "f()"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: malformed") || err.starts_with("error: invalid"),
        "{err}"
    );
}

/// The component in conformance/ that the README's examples use.
fn concat_wat() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/component/concat.wat")
}

#[test]
fn invokes_a_component_export_with_wave_values() {
    assert_eq!(
        cm_run(&concat_wat(), &["--invoke", r#"concat("a", "b")"#]),
        (0, "\"ab\"\n".into(), String::new())
    );
    // Escapes and non-ASCII text go through WAVE both ways.
    let (code, out, err) = cm_run(
        &concat_wat(),
        &["--invoke", r#"concat("☃\n", "\u{1f370}")"#],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "\"☃\\n🍰\"\n", ""));
}

#[test]
fn invokes_a_function_of_an_exported_instance_by_its_full_name() {
    for name in ["math#add", "math.add"] {
        let (code, out, err) = cm_run(&concat_wat(), &["--invoke", &format!("{name}(2, 40)")]);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (0, "42\n", ""),
            "{name}"
        );
    }
}

#[test]
fn invokes_a_binary_component() {
    let bytes = wat::parse_file(concat_wat()).unwrap();
    let file = write("concat.wasm", &bytes);
    let (code, out, _) = cm_run(&file, &["--invoke", r#"concat("x", "")"#]);
    assert_eq!((code, out.as_str()), (0, "\"x\"\n"));
}

#[test]
fn a_component_trap_exits_nonzero_with_message_and_backtrace() {
    let (code, out, err) = cm_run(&concat_wat(), &["--invoke", "fail()"]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.starts_with("error: trap: unreachable\n"), "{err}");
    assert!(err.contains("wasm backtrace:\n  0: check @ 0x"), "{err}");
    assert!(err.contains("\n  1: <wasm function 3> @ 0x"), "{err}");
}

#[test]
fn an_unknown_component_export_lists_the_functions_with_their_types() {
    let (code, _, err) = cm_run(&concat_wat(), &["--invoke", "concatenate()"]);
    assert_eq!(code, 1);
    assert!(err.contains("no exported function `concatenate`"), "{err}");
    assert!(
        err.contains("  concat: func(a: string, b: string) -> string\n"),
        "{err}"
    );
    assert!(
        err.contains("  math#add: func(a: u32, b: u32) -> u32"),
        "{err}"
    );
}

#[test]
fn bad_component_arguments_are_reported() {
    let (code, _, err) = cm_run(&concat_wat(), &["--invoke", r#"concat(1, "b")"#]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot parse the arguments"), "{err}");
    let (code, _, err) = cm_run(&concat_wat(), &["--invoke", r#"concat("a")"#]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn a_component_with_imports_is_unlinkable_with_their_names() {
    let wat = r#"(component (import "host-fn" (func)))"#;
    let file = write("imports.wat", wat.as_bytes());
    let (code, _, err) = cm_run(&file, &[]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unlinkable: unknown import `host-fn`"),
        "{err}"
    );
}

#[test]
fn gc_values_print_and_an_uncaught_exception_fails_with_its_backtrace() {
    let wat = r#"(module
      (type $box (struct (field i32)))
      (tag $oops (param i32))
      (func (export "box") (result (ref $box)) (struct.new $box (i32.const 1)))
      (func (export "small") (param i32) (result i31ref) (ref.i31 (local.get 0)))
      (func $deeper (param i32) (throw $oops (local.get 0)))
      (func (export "throw") (param i32) (call $deeper (local.get 0))))"#;
    let file = write("gc.wat", wat.as_bytes());
    assert_eq!(
        cm_run(&file, &["--invoke", "box()"]),
        (0, "struct\n".into(), String::new())
    );
    assert_eq!(
        cm_run(&file, &["--invoke", "small(-3)"]),
        (0, "i31(-3)\n".into(), String::new())
    );
    let (code, out, err) = cm_run(&file, &["--invoke", "throw(7)"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("uncaught exception"), "{err}");
    assert!(err.contains("payload [I32(7)]"), "{err}");
    assert!(err.contains("wasm backtrace:"), "{err}");
}

/// `--trace` writes the Canonical ABI events of the call as JSON lines:
/// the async callback lift of our conformance test `callback.wast` yields
/// twice through its event loop before returning 3.
#[test]
fn trace_writes_the_events_of_an_async_call_as_json_lines() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../conformance/component/async/callback.wast"
    );
    let script = std::fs::read_to_string(script).unwrap();
    let component = &script[..script
        .find("\n(assert_")
        .expect("the component comes first")];
    let file = write("callback.wat", component.as_bytes());
    let trace = file.with_extension("jsonl");
    let (code, stdout, stderr) = cm_run(
        &file,
        &["--trace", trace.to_str().unwrap(), "--invoke", "count()"],
    );
    assert_eq!((code, stdout.as_str()), (0, "3\n"), "{stderr}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let events: Vec<&str> = text
        .lines()
        .map(|l| {
            assert!(l.starts_with("{\"event\":\"") && l.ends_with('}'), "{l}");
            l.split('"').nth(3).unwrap()
        })
        .collect();
    assert_eq!(events.first(), Some(&"invoke"));
    assert_eq!(events.last(), Some(&"invoke.return"));
    assert_eq!(
        events.iter().filter(|e| **e == "event").count(),
        2,
        "{text}"
    );
    for e in [
        "task.new",
        "task.start",
        "thread.wait",
        "store.tick",
        "task.return",
    ] {
        assert!(events.contains(&e), "no {e} in {text}");
    }
    assert!(text.contains(r#"{"event":"task.return","task":0,"results":["3"]}"#));
}
