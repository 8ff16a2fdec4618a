//! `cm-run` on hand-written WASI 0.2 components: a hello-world command,
//! exit codes, `--invoke` with WASI imports, seeds, and the error naming
//! an import the host does not provide.

use std::process::Command;

fn cm_run(wat: &str, name: &str, args: &[&str]) -> (i32, String, String) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-cm-run");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, wat).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cm-run"))
        .args(args)
        .arg(&file)
        .output()
        .expect("cm-run runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A command built against WASI 0.2.0 whose `run` calls
/// `exit-with-code(N)` when N is not 0, else returns `ok`/`err` by `ret`.
fn command(code: u32, ret: u32) -> String {
    format!(
        r#"(component
  (import "wasi:cli/exit@0.2.0" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))))
  (core func $ewc (canon lower (func $exit "exit-with-code")))
  (core module $M
    (import "" "ewc" (func $ewc (param i32)))
    (func (export "run") (result i32)
      (if (i32.ne (i32.const {code}) (i32.const 0)) (then (call $ewc (i32.const {code}))))
      (i32.const {ret})))
  (core instance $m (instantiate $M (with "" (instance (export "ewc" (func $ewc))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $r (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $r)))"#
    )
}

#[test]
fn the_guests_exit_code_becomes_ours() {
    assert_eq!(
        cm_run(&command(42, 0), "exit42.wat", &[]),
        (42, String::new(), String::new())
    );
    assert_eq!(
        cm_run(&command(0, 0), "ok.wat", &[]),
        (0, String::new(), String::new())
    );
    // `run` returning `err` is a failure: status 1.
    assert_eq!(
        cm_run(&command(0, 1), "err.wat", &[]),
        (1, String::new(), String::new())
    );
}

const RANDOM: &str = r#"(component
  (import "wasi:random/random@0.2.3" (instance $r (export "get-random-u64" (func (result u64)))))
  (core func $get (canon lower (func $r "get-random-u64")))
  (core module $M (import "" "get" (func $get (result i64)))
    (func (export "r") (result i64) (call $get)))
  (core instance $m (instantiate $M (with "" (instance (export "get" (func $get))))))
  (func (export "r") (result u64) (canon lift (core func $m "r"))))"#;

#[test]
fn invoke_works_with_wasi_imports_and_seeds_random() {
    let a = cm_run(RANDOM, "random.wat", &["--seed", "1", "--invoke", "r()"]);
    assert_eq!(a.0, 0, "{a:?}");
    assert_eq!(
        a,
        cm_run(RANDOM, "random.wat", &["--seed", "1", "--invoke", "r()"])
    );
    let b = cm_run(RANDOM, "random.wat", &["--seed", "2", "--invoke", "r()"]);
    assert_ne!(a.1, b.1);
    assert!(a.1.trim().parse::<u64>().is_ok(), "{a:?}");
}

#[test]
fn an_import_the_host_lacks_is_named() {
    let wat = r#"(component
      (import "wasi:http/outgoing-handler@0.2.0" (instance (export "f" (func))))
    )"#;
    let (code, out, err) = cm_run(wat, "http.wat", &[]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(err.contains("wasi:http/outgoing-handler@0.2.0"), "{err}");
    // A WASI interface of another major version is not ours either.
    let wat = r#"(component
      (import "wasi:random/random@1.0.0" (instance (export "get-random-u64" (func (result u64)))))
    )"#;
    let (code, _, err) = cm_run(wat, "random1.wat", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("wasi:random/random@1.0.0"), "{err}");
}

#[test]
fn a_hand_written_0_2_command_writes_to_stdout() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi/p2/hello.wat");
    let wat = std::fs::read_to_string(file).unwrap();
    assert_eq!(
        cm_run(&wat, "p2-hello.wat", &[]),
        (0, "hello, world\n".into(), String::new())
    );
}
