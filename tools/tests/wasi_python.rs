//! A large real-world component: our Python program
//! (`tests/wasi/python/app.py`) made into a WASI 0.2 command by
//! componentize-py (CPython and its standard library compiled to
//! WebAssembly, about 18 MB, importing every WASI 0.2 interface, sockets
//! included), run by `cm-run` with byte-exact output and exit status.
//!
//! componentize-py is a Python package (`pip install
//! componentize-py==0.25.1`); `.ci/run` installs it. Without it on `PATH`
//! this test fails under `CI=true` and otherwise prints a NOTICE and
//! passes.

// Only `wit_dir` of the shared helpers is used here.
#[allow(dead_code)]
mod wit_world;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The componentize-py release the expected output was made with.
const COMPONENTIZE_PY: &str = "0.25.1";

/// Builds the component once: `Some(path)`, or `None` when
/// componentize-py is missing outside CI.
fn component() -> Option<&'static Path> {
    static OUT: OnceLock<Option<PathBuf>> = OnceLock::new();
    OUT.get_or_init(|| {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        let version = Command::new("componentize-py").arg("--version").output();
        let version = match version {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            other => {
                let why = format!(
                    "componentize-py is not on PATH ({:?}); pip install componentize-py=={COMPONENTIZE_PY}",
                    other.map(|o| o.status)
                );
                assert!(!ci, "{why}");
                eprintln!("NOTICE: the Python component test did not run: {why}");
                return None;
            }
        };
        assert!(
            version.contains(COMPONENTIZE_PY),
            "componentize-py {COMPONENTIZE_PY} is expected, found {version}"
        );
        // Built from a copy, so Python leaves no cache beside the source.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasi-python");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wasi/python/app.py");
        std::fs::copy(src, dir.join("app.py")).unwrap();
        let wit = wit_world::wit_dir("wasip2-2.0.1+wasi-0.2.12");
        let out = dir.join("app.wasm");
        let status = Command::new("componentize-py")
            .arg("-d")
            .arg(&wit)
            .args(["-w", "wasi:cli/command@0.2.12", "componentize", "app", "-o"])
            .arg(&out)
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "componentize-py failed");
        Some(out)
    })
    .as_deref()
}

/// Runs the component with `data` preopened as `/data`: exit code,
/// stdout, stderr.
fn cm_run(app: &Path, data: &Path, args: &[&str]) -> (i32, String, String) {
    let preopen = format!("{}::/data", data.display());
    let out = Command::new(env!("CARGO_BIN_EXE_cm-run"))
        .args(["--seed", "1", "--deterministic", "--env", "GREETING=hi"])
        .args(["--dir", &preopen])
        .arg(app)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fresh(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("wasi-python")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_componentized_python_program_runs_byte_for_byte() {
    let Some(app) = component() else { return };
    let data = fresh("data");
    let expected = "argv ['3']\n\
        env hi False\n\
        read back True\n\
        listing ['out.json']\n\
        sha256 c0e626c857bec4e5a3510f1aab98336645656ac4d99742c215ac67897d23a30b\n\
        random 17891463338747104159\n\
        time 0.001 0.002\n\
        outside /etc/passwd FileNotFoundError\n\
        outside /data/../etc/passwd PermissionError\n\
        network PermissionError\n";
    // componentize-py ends `sys.exit(3)` with `wasi:cli/exit`'s
    // `exit(err)`, which is status 1 in any runtime.
    let first = cm_run(app, &data, &["3"]);
    assert_eq!(first, (1, expected.to_string(), String::new()));
    assert_eq!(
        std::fs::read_to_string(data.join("out.json")).unwrap(),
        r#"{"name": "cmref", "squares": [0, 1, 4, 9, 16, 25, 36, 49]}"#
    );
    // The same seed and clocks: the same bytes again.
    assert_eq!(cm_run(app, &data, &["3"]), first);
    let (code, out, _) = cm_run(app, &data, &["0"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("argv ['0']\n"), "{out}");
}
