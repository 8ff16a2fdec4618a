//! `cm-run` on hand-written WASI 0.3 commands (`tools/tests/wasi/p3/`):
//! stdout and stdin as streams, monotonic waits, files and directories
//! through streams, exit codes, and 0.2 and 0.3 imports served together,
//! with byte-exact output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn p3(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/wasi/p3")
        .join(name)
}

/// Runs cm-run with `args` and `stdin`: exit code, stdout, stderr.
fn cm_run(args: &[&str], file: &Path, stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cm-run"))
        .args(args)
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cm-run runs");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The guest may stop reading early; a broken pipe is fine.
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The sizes of the host's writes into streams (`host.copy.write`) in a
/// trace, of the lines that also contain `also`.
fn host_write_sizes(trace: &Path, also: &str) -> Vec<u64> {
    std::fs::read_to_string(trace)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"event\":\"host.copy.write\"") && l.contains(also))
        .filter_map(|l| {
            l.split("\"n\":")
                .nth(1)?
                .split(['}', ','])
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

#[test]
fn hello_world_writes_through_a_stream() {
    let (code, out, err) = cm_run(&[], &p3("hello.wat"), b"");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, b"hello, world\n");
}

#[test]
fn stderr_is_a_stream_too() {
    // hello.wat with its stdout import renamed: the same bytes on stderr.
    let text = std::fs::read_to_string(p3("hello.wat"))
        .unwrap()
        .replace("wasi:cli/stdout@0.3.0", "wasi:cli/stderr@0.3.1");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-p3");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hello-stderr.wat");
    std::fs::write(&file, text).unwrap();
    let (code, out, err) = cm_run(&[], &file, b"");
    assert_eq!((code, out.as_slice()), (0, &b""[..]));
    assert_eq!(err, "hello, world\n");
}

#[test]
fn stream_copy_copies_stdin_to_stdout_byte_for_byte() {
    // Many chunks: more than one host read (64 KiB) and than the guest's
    // 1000-byte buffer, with every byte value.
    let big: Vec<u8> = (0..200_003u32).map(|i| (i * 7 % 256) as u8).collect();
    for input in [&b""[..], b"abc\ndef\n", &big] {
        let (code, out, err) = cm_run(&[], &p3("cat.wat"), input);
        assert_eq!((code, err.as_str()), (0, ""), "{} bytes", input.len());
        assert!(out == input, "{} bytes in, {} out", input.len(), out.len());
    }
}

#[test]
fn a_huge_read_gets_bounded_chunks() {
    // cat.wat asking for 1,000,000 bytes per read (into 17 pages): the
    // host gives at most 64 KiB a copy, and everything arrives.
    let text = std::fs::read_to_string(p3("cat.wat"))
        .unwrap()
        .replace(
            "(memory (export \"mem\") 1)",
            "(memory (export \"mem\") 17)",
        )
        .replace(
            "(import \"\" \"mem\" (memory 1))",
            "(import \"\" \"mem\" (memory 17))",
        )
        .replace(
            "(i32.const 1024) (i32.const 1000)",
            "(i32.const 1024) (i32.const 1000000)",
        );
    assert!(text.contains("(i32.const 1000000)") && text.contains("(memory 17)"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-p3");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cat-huge-reads.wat");
    std::fs::write(&file, text).unwrap();
    let big: Vec<u8> = (0..300_001u32).map(|i| (i * 13 % 256) as u8).collect();
    let trace = dir.join("cat-huge-reads.trace.jsonl");
    let (code, out, err) = cm_run(&["--trace", trace.to_str().unwrap()], &file, &big);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out == big, "{} bytes out", out.len());
    // The host's writes into stdin's stream (the first shared state
    // made), as the trace shows them.
    let sizes = host_write_sizes(&trace, "\"writable stream end 0\"");
    assert!(sizes.len() >= 5, "{sizes:?}");
    assert!(sizes.iter().all(|n| *n <= 64 * 1024), "{sizes:?}");
}

#[test]
fn sleep_is_deterministic_and_does_not_sleep_with_deterministic() {
    let start = Instant::now();
    let a = cm_run(&["--deterministic"], &p3("sleep.wat"), b"");
    let b = cm_run(&["--deterministic"], &p3("sleep.wat"), b"");
    // The guest waits 10 s of virtual time; the two runs take far less.
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(a, b);
    let (code, out, err) = a;
    assert_eq!((code, err.as_str()), (3, ""), "exit-with-code(3)");
    assert_eq!(String::from_utf8(out).unwrap(), "slept 10001 ms\n");
}

#[test]
fn without_deterministic_the_host_really_sleeps() {
    // sleep.wat waiting 50 ms of the host's monotonic clock.
    let text = std::fs::read_to_string(p3("sleep.wat"))
        .unwrap()
        .replace("10_000_000_000", "50_000_000");
    assert!(text.contains("50_000_000"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-p3");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sleep-50ms.wat");
    std::fs::write(&file, text).unwrap();
    let start = Instant::now();
    let (code, out, err) = cm_run(&[], &file, b"");
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!((code, err.as_str()), (3, ""));
    let out = String::from_utf8(out).unwrap();
    let ms: u64 = out
        .strip_prefix("slept ")
        .and_then(|s| s.strip_suffix(" ms\n"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(ms >= 50, "{out}");
}

/// A component importing `wasi:random` at 0.2 and at 0.3: one linker
/// serves both, from one context (one seeded generator).
const MIXED: &str = r#"(component
  (import "wasi:random/random@0.2.3" (instance $r2
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:random/random@0.3.1" (instance $r3
    (export "get-random-u64" (func (result u64)))))
  (import "wasi:random/insecure-seed@0.3.0" (instance $seed
    (export "get-insecure-seed" (func (result (tuple u64 u64))))))
  (core func $a (canon lower (func $r2 "get-random-u64")))
  (core func $b (canon lower (func $r3 "get-random-u64")))
  (core module $M
    (import "" "a" (func $a (result i64)))
    (import "" "b" (func $b (result i64)))
    (func (export "two") (result i64) (i64.xor (call $a) (call $b))))
  (core instance $m (instantiate $M (with "" (instance
    (export "a" (func $a)) (export "b" (func $b))))))
  (func (export "two") (result u64) (canon lift (core func $m "two"))))"#;

#[test]
fn wasi_0_2_and_0_3_imports_are_served_together() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-p3");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mixed.wat");
    std::fs::write(&file, MIXED).unwrap();
    let run = |seed: &str| cm_run(&["--seed", seed, "--invoke", "two()"], &file, b"");
    let (code, out, err) = run("1");
    assert_eq!((code, err.as_str()), (0, ""));
    let x: u64 = String::from_utf8(out.clone())
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Two successive draws of one generator differ.
    assert_ne!(x, 0);
    assert_eq!(run("1").1, out, "the same seed, the same draws");
    assert_ne!(run("2").1, out, "another seed, other draws");
}

#[test]
fn the_trace_shows_the_hosts_stream_copies() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-p3");
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("hello.trace.jsonl");
    let (code, out, _) = cm_run(&["--trace", trace.to_str().unwrap()], &p3("hello.wat"), b"");
    assert_eq!((code, out.as_slice()), (0, &b"hello, world\n"[..]));
    let text = std::fs::read_to_string(&trace).unwrap();
    for e in [
        "host.copy.read",
        "copy.write",
        "host.copy.write",
        "host.drop",
    ] {
        assert!(
            text.contains(&format!("\"event\":\"{e}\"")),
            "{e} in {text}"
        );
    }
}

/// A fresh, empty directory under the test target's temporary directory.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("wasi-p3")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What files.wat prints after the file's contents and the listing.
const REFUSALS: &str = "open ../escape: not-permitted\n\
                        open missing.txt: no-entry\n\
                        write directory: is-directory\n";

#[test]
fn files_are_written_read_and_listed_through_streams() {
    let dir = fresh_dir("files");
    let preopen = format!("{}::.", dir.display());
    let (code, out, err) = cm_run(&["--dir", &preopen], &p3("files.wat"), b"");
    assert_eq!((code, err.as_str()), (0, ""));
    let expected = format!(
        "read write-only: bad-descriptor\n\
         hello file\nappended\n\
         out.txt\n\
         size 20\n\
         {REFUSALS}"
    );
    assert_eq!(String::from_utf8(out).unwrap(), expected);
    assert_eq!(
        std::fs::read(dir.join("out.txt")).unwrap(),
        b"hello file\nappended\n"
    );
    assert!(!dir.parent().unwrap().join("escape").exists());
}

#[test]
fn a_big_file_streams_through_in_bounded_chunks() {
    // files.wat on big.bin, which exists: it is not truncated, so the
    // write at offset 0 overwrites its first 11 bytes and the append
    // adds 9; then all of it goes to stdout, file stream to stdout stream.
    let text = std::fs::read_to_string(p3("files.wat"))
        .unwrap()
        .replace("\"out.txt\"", "\"big.bin\"")
        .replace("(i32.const 9 (; create|truncate ;))", "(i32.const 1)");
    assert!(text.contains("\"big.bin\"") && !text.contains("create|truncate"));
    let dir = fresh_dir("big");
    let file = dir.parent().unwrap().join("files-big.wat");
    std::fs::write(&file, text).unwrap();
    let mut content: Vec<u8> = (0..200_003u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(dir.join("big.bin"), &content).unwrap();
    content[..11].copy_from_slice(b"hello file\n");
    content.extend_from_slice(b"appended\n");

    let trace = dir.parent().unwrap().join("files-big.trace.jsonl");
    let preopen = format!("{}::.", dir.display());
    let args = ["--dir", &preopen, "--trace", trace.to_str().unwrap()];
    let (code, out, err) = cm_run(&args, &file, b"");
    assert_eq!((code, err.as_str()), (0, ""));
    let mut expected = b"read write-only: bad-descriptor\n".to_vec();
    expected.extend_from_slice(&content);
    expected.extend_from_slice(format!("big.bin\nsize {}\n{REFUSALS}", content.len()).as_bytes());
    assert!(out == expected, "{} bytes out", out.len());
    assert!(std::fs::read(dir.join("big.bin")).unwrap() == content);
    // The host wrote the file into its stream in several copies, none
    // over 64 KiB.
    let sizes = host_write_sizes(&trace, "");
    assert!(sizes.iter().filter(|n| **n > 1).count() >= 4, "{sizes:?}");
    assert!(sizes.iter().all(|n| *n <= 64 * 1024), "{sizes:?}");
}

#[test]
fn without_dir_there_is_no_filesystem() {
    // files.wat finds no preopened directory and stops (unreachable).
    let (code, out, err) = cm_run(&[], &p3("files.wat"), b"");
    assert_ne!(code, 0);
    assert_eq!(out, b"");
    assert!(err.contains("unreachable"), "{err}");
}

#[test]
fn an_async_lowered_filesystem_call_returns_at_once() {
    // files.wat with stat-at (an `async func`) lowered `async`: the host
    // completes it during the call, so the status is RETURNED (2) and the
    // result is in memory as before.
    let text = std::fs::read_to_string(p3("files.wat")).unwrap();
    let text = text
        .replace(
            "(func $stat-at (param i32 i32 i32 i32 i32))",
            "(func $stat-at (param i32 i32 i32 i32 i32) (result i32))",
        )
        .replace(
            "(call $stat-at (local.get $dir) (i32.const 0) (i32.const 0x1000) (i32.const 7) (i32.const 0x600))",
            "(if (i32.ne (call $stat-at (local.get $dir) (i32.const 0) (i32.const 0x1000) (i32.const 7) (i32.const 0x600)) (i32.const 2)) (then unreachable))",
        )
        .replace(
            "(core func $stat-at))",
            "async (core func $stat-at))",
        );
    assert_eq!(
        text.matches("(i32.const 2)) (then unreachable))").count(),
        1
    );
    assert!(text.contains("async (core func $stat-at))"));
    let dir = fresh_dir("async-stat");
    let file = dir.parent().unwrap().join("files-async-stat.wat");
    std::fs::write(&file, text).unwrap();
    let preopen = format!("{}::.", dir.display());
    let (code, out, err) = cm_run(&["--dir", &preopen], &file, b"");
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(String::from_utf8(out).unwrap().contains("\nsize 20\n"));
}
