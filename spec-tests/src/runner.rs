//! Running many scripts in parallel.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cmref_interp::NondetMode;

use crate::report::FileReport;
use crate::script::{ScriptOptions, run_script};
use crate::suites::Script;

/// The stack of each worker thread.
pub const WORKER_STACK_BYTES: usize = 256 << 20;

/// Runs scripts on `jobs` threads; reports come back in input order.
pub fn run_all(scripts: &[Script], nondet: NondetMode, jobs: usize) -> Vec<FileReport> {
    run_all_with(scripts, nondet, false, jobs)
}

/// [`run_all`], optionally collecting garbage before every allocation.
pub fn run_all_with(
    scripts: &[Script],
    nondet: NondetMode,
    gc_stress: bool,
    jobs: usize,
) -> Vec<FileReport> {
    let options = RunOptions {
        nondet,
        gc_stress,
        trace: false,
    };
    run_all_opts(scripts, &options, jobs)
}

/// How [`run_all_opts`] runs every script (each script's features are its
/// suite's).
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    pub nondet: NondetMode,
    pub gc_stress: bool,
    /// Record each script's trace (`FileReport::trace`).
    pub trace: bool,
}

/// Runs scripts on `jobs` threads with `options`; reports come back in
/// input order.
pub fn run_all_opts(scripts: &[Script], options: &RunOptions, jobs: usize) -> Vec<FileReport> {
    let RunOptions {
        nondet,
        gc_stress,
        trace,
    } = *options;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<FileReport>>> = Mutex::new(vec![None; scripts.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, scripts.len().max(1)) {
            // Calls between components recurse on the host stack (bounded by
            // `Config::max_host_reentry`); give them room.
            let worker = std::thread::Builder::new().stack_size(WORKER_STACK_BYTES);
            let spawned = worker.spawn_scoped(scope, || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(script) = scripts.get(i) else { break };
                    let options = ScriptOptions {
                        features: script.features,
                        nondet,
                        gc_stress,
                        trace,
                    };
                    let report = run_script(&script.name, &script.source, &options);
                    results.lock().expect("results lock")[i] = Some(report);
                }
            });
            if let Err(e) = spawned {
                eprintln!("cm-test: cannot start a worker thread: {e}");
            }
        }
    });
    results
        .into_inner()
        .expect("results lock")
        .into_iter()
        .flatten()
        .collect()
}

/// The default parallelism: one job per CPU.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
