//! Real programs: our own C programs (`tests/wasi/c`), built with clang and
//! wasi-libc to wasip1 modules when the tests run, then run by `cm-run`
//! both as modules (which cm-run adapts) and as components adapted here,
//! with stdout, stderr and the exit code checked byte for byte.
//!
//! The tools are Debian's `clang`, `lld` and `wasi-libc` (with
//! `libclang-rt-dev-wasm32`); `.ci/run` installs them. Without them these
//! tests fail under `CI=true` and otherwise print a NOTICE and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const PROGRAMS: [&str; 9] = [
    "args", "env", "stdio", "exit", "files", "clocks", "random", "entropy", "sandbox",
];

/// Builds every program once: `Some(dir)` holding `NAME.wasm` (the module)
/// and `NAME.component.wasm` (adapted), or `None` when clang or wasi-libc
/// is missing outside CI.
fn built() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi/c");
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-programs");
        std::fs::create_dir_all(&out).unwrap();
        for p in PROGRAMS {
            let wasm = out.join(format!("{p}.wasm"));
            let status = Command::new("clang")
                .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror", "-o"])
                .arg(&wasm)
                .arg(src.join(format!("{p}.c")))
                .status();
            match status {
                Ok(s) if s.success() => {}
                other => {
                    let why = format!(
                        "cannot build {p}.c with clang for wasm32-wasi ({other:?}); install clang, lld, wasi-libc and libclang-rt-dev-wasm32"
                    );
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!("{why}");
                    }
                    eprintln!("NOTICE: the WASI program tests did not run: {why}");
                    return None;
                }
            }
            let module = std::fs::read(&wasm).unwrap();
            let component = cmref_tools::wasi_run::adapt_module(&module, false).unwrap();
            std::fs::write(out.join(format!("{p}.component.wasm")), component).unwrap();
        }
        Some(out)
    })
    .as_deref()
}

/// One run's outcome: exit code, stdout, stderr.
type Outcome = (i32, String, String);

fn cm_run(file: &Path, opts: &[&str], args: &[&str], stdin: &[u8]) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cm-run"))
        .args(opts)
        .arg(file)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cm-run runs");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs program `p` as a module and as an adapted component; both must
/// give `expected`.
fn check(p: &str, opts: &[&str], args: &[&str], stdin: &[u8], expected: (i32, &str, &str)) {
    let Some(dir) = built() else { return };
    for file in [format!("{p}.wasm"), format!("{p}.component.wasm")] {
        let got = cm_run(&dir.join(&file), opts, args, stdin);
        assert_eq!(
            (got.0, got.1.as_str(), got.2.as_str()),
            expected,
            "{file} {opts:?} {args:?}"
        );
    }
}

/// Runs `file` with `data` preopened as `/data`; it must succeed and print
/// `expected`.
fn check_with_data(file: &Path, data: &Path, expected: &str) {
    let opt = format!("{}::/data", data.display());
    let got = cm_run(file, &["--dir", &opt], &[], b"");
    assert_eq!(
        (got.0, got.1.as_str(), got.2.as_str()),
        (0, expected, ""),
        "{}",
        file.display()
    );
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("wasi-scratch-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn arguments_reach_the_program_after_argv0() {
    check(
        "args",
        &[],
        &["one", "two words", "--flag", ""],
        b"",
        (
            0,
            "argc=5 argv0=file\n[one]\n[two words]\n[--flag]\n[]\n",
            "",
        ),
    );
}

#[test]
fn only_the_given_environment_is_seen() {
    check(
        "env",
        &["--env", "GREETING=hello", "--env", "EMPTY="],
        &[],
        b"",
        (0, "GREETING=hello\nEMPTY=\nGREETING=hello\n", ""),
    );
    check("env", &[], &[], b"", (0, "GREETING=(unset)\n", ""));
}

#[test]
fn stdin_stdout_and_stderr_are_ours() {
    let input: Vec<u8> = (0..100_000).map(|i| b"abcdefghij\n"[i % 11]).collect();
    let upper: String = String::from_utf8(input.to_ascii_uppercase()).unwrap();
    check("stdio", &[], &[], &input, (0, &upper, "100000 bytes\n"));
    check("stdio", &[], &[], b"", (0, "", "0 bytes\n"));
}

/// A module keeps its exit status, as under Wasmtime: cm-run serves its
/// `proc_exit` itself. A component adapted the standard way passes the
/// status through `wasi:cli/exit`'s `result`, success or failure, so a
/// nonzero status arrives as 1 (the adapter at this version does not use
/// the unstable `exit-with-code`), as it does from any runtime.
#[test]
fn the_exit_status_is_the_programs() {
    let Some(dir) = built() else { return };
    for (how, code, status) in [
        ("return", "0", 0),
        ("return", "7", 7),
        ("exit", "42", 42),
        ("exit", "0", 0),
        ("exit", "255", 255),
        ("exit", "256", 0),
        ("exit", "-1", 255),
    ] {
        let out = format!("out before {how}\n");
        for (file, status) in [
            ("exit.wasm", status),
            // The adapter tests the whole status, before a process would
            // keep its low 8 bits.
            ("exit.component.wasm", i32::from(code != "0")),
        ] {
            let got = cm_run(&dir.join(file), &[], &[how, code], b"");
            assert_eq!(
                (got.0, got.1.as_str(), got.2.as_str()),
                (status, out.as_str(), "err before\n"),
                "{file} {how} {code}"
            );
        }
    }
}

#[test]
fn files_and_directories_in_a_preopened_directory() {
    let expected = "input: from the host\n\
        size 12 regular 1\n\
        at 6: world\n\
        truncated to 5\n\
        /data: d input.txt\n\
        /data/d: f.txt\n\
        missing: No such file or directory\n\
        mkdir existing: File exists\n\
        /data: input.txt\n";
    let Some(dir) = built() else { return };
    for file in ["files.wasm", "files.component.wasm"] {
        let d = scratch(file);
        std::fs::write(d.join("input.txt"), "from the host\n").unwrap();
        check_with_data(&dir.join(file), &d, expected);
        // The guest's changes happened on the host.
        assert!(!d.join("g.txt").exists() && !d.join("d").exists());
    }
}

#[test]
fn without_dir_there_is_no_filesystem() {
    check(
        "files",
        &[],
        &[],
        b"",
        (1, "fopen input: Capabilities insufficient\n", ""),
    );
}

#[test]
fn clocks_and_random() {
    let clocks = "monotonic: ok\nsleep: ok\nresolution: ok\nrealtime: ok\n";
    check("clocks", &[], &[], b"", (0, clocks, ""));
    check("clocks", &["--deterministic"], &[], b"", (0, clocks, ""));
    check(
        "random",
        &[],
        &[],
        b"",
        (0, "nonzero: ok\ndiffer: ok\n", ""),
    );
    check(
        "random",
        &["--seed", "3"],
        &[],
        b"",
        (0, "nonzero: ok\ndiffer: ok\n", ""),
    );
}

#[test]
fn a_seed_and_deterministic_clocks_repeat_a_run_byte_for_byte() {
    let Some(dir) = built() else { return };
    let file = dir.join("entropy.wasm");
    let opts = ["--seed", "1", "--deterministic"];
    let first = cm_run(&file, &opts, &[], b"");
    assert_eq!(first.0, 0, "{first:?}");
    assert_eq!(first, cm_run(&file, &opts, &[], b""));
    // The component runs the same host: the same bytes.
    assert_eq!(
        first,
        cm_run(&dir.join("entropy.component.wasm"), &opts, &[], b"")
    );
    // Another seed draws other numbers; the clocks stay where they were.
    let other = cm_run(&file, &["--seed", "2", "--deterministic"], &[], b"");
    let (a, b) = (
        first.1.lines().collect::<Vec<_>>(),
        other.1.lines().collect::<Vec<_>>(),
    );
    assert_ne!(a[0], b[0]);
    assert_eq!(a[1], b[1]);
    assert!(a[1].starts_with("monotonic 0.0"), "{}", a[1]);
}

#[test]
fn no_path_leaves_the_preopened_directory() {
    let expected = "/data/inside.txt: ok\n\
        /data/../secret.txt: EPERM\n\
        /data/sub/../../secret.txt: EPERM\n\
        /data/sub/../inside.txt: ok\n\
        /data/link-in/inside.txt: ok\n\
        /data/link-out-relative: EPERM\n\
        /data/link-out-absolute: EPERM\n\
        /data/link-dir-out/secret.txt: EPERM\n\
        /data/link-loop: ELOOP\n\
        /secret.txt: ENOTCAPABLE\n\
        /etc/passwd: ENOTCAPABLE\n\
        symlink to an absolute path: EPERM\n";
    let Some(dir) = built() else { return };
    for file in ["sandbox.wasm", "sandbox.component.wasm"] {
        let outer = scratch(file);
        std::fs::write(outer.join("secret.txt"), "secret").unwrap();
        let d = outer.join("data");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("inside.txt"), "inside").unwrap();
        use std::os::unix::fs::symlink;
        symlink(".", d.join("link-in")).unwrap();
        symlink("../secret.txt", d.join("link-out-relative")).unwrap();
        symlink(outer.join("secret.txt"), d.join("link-out-absolute")).unwrap();
        symlink("..", d.join("link-dir-out")).unwrap();
        symlink("link-loop", d.join("link-loop")).unwrap();
        check_with_data(&dir.join(file), &d, expected);
        assert!(!d.join("new-absolute-link").exists());
    }
}
