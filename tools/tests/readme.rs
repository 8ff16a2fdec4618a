//! The README's `cm-run` examples run as written: each `$ ` line of the
//! block after "Every example below runs as written" runs in `sh` from the
//! repository's root, with the `cm-run` under test first on `PATH` and
//! `/tmp/` moved to a fresh directory of the test's, and must print
//! exactly the lines that follow it. The examples build C programs with
//! clang, so without clang and wasi-libc this test fails under `CI=true`
//! and otherwise prints a NOTICE and passes.

use std::path::Path;
use std::process::Command;

/// The README's tested block: (command, expected stdout) pairs.
fn examples() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("Every example below runs as written")
        .expect("the README's tested examples");
    let block = &readme[start..];
    let block = &block[block.find("```sh\n").expect("a sh block") + 6..];
    let block = &block[..block.find("```").expect("the block's end")];
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            out.push((cmd.to_string(), String::new()));
        } else if let Some((_, expected)) = out.last_mut() {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    out
}

fn have_clang() -> bool {
    let ok = Command::new("clang")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "clang is missing; install clang, lld, wasi-libc and libclang-rt-dev-wasm32"
        );
        eprintln!("NOTICE: the README examples did not run: clang is missing");
    }
    ok
}

#[test]
fn the_readmes_cm_run_examples_print_what_it_shows() {
    let examples = examples();
    assert!(examples.len() >= 10, "{examples:?}");
    if !have_clang() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_cm-run")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (cmd, expected) in &examples {
        let run = cmd.replace("/tmp/", &format!("{}/", tmp.display()));
        let out = Command::new("sh")
            .args(["-c", &run])
            .current_dir(&root)
            .env("PATH", &path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "`{cmd}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(&stdout, expected, "`{cmd}`");
    }
}
