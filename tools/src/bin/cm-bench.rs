//! cm-bench: run the compute programs in `tools/bench/programs` under cmref,
//! wasmi and wasmtime, and compare their times.
//!
//! Build with `cargo run --release -p cmref-tools --features bench --bin cm-bench`.
//!
//! Every program is a module with no imports that exports `run(i32) -> i64`
//! (or `-> i32`) and returns a checksum of its work. For each program and
//! engine the module is compiled once (not timed as call time), then one
//! warm-up run and `--runs` timed runs follow. A run is: a fresh store,
//! instantiation (timed separately), and the call `run(n)` (the time that
//! the table reports). The table reports the minimum call time over the timed
//! runs; the machine lines also give the median. The warm-up absorbs lazy
//! work such as wasmi's default lazy function translation, for all engines
//! alike. Every run of every engine must return the same checksum; otherwise
//! the tool says so loudly and exits with status 1.
//!
//! The default `n` of each program is read from `default-n.txt` in the
//! programs directory (lines `name n`); its order is the order of the table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "cm-bench",
    about = "Compare cmref with wasmi and wasmtime on compute programs"
)]
struct Args {
    /// Directory holding the programs (*.wasm) and default-n.txt.
    #[arg(long, default_value_os_t = default_programs_dir())]
    programs: PathBuf,
    /// Run only programs whose name contains one of these (comma-separated).
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,
    /// Timed runs per program and engine (after one warm-up run).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Multiply every default n by this (e.g. 0.01 for a smoke run); n >= 1.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Use this n for every selected program instead of its default (before --scale).
    #[arg(long)]
    n: Option<u32>,
    /// Engines to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [EngineKind::Cmref, EngineKind::Wasmi, EngineKind::Wasmtime])]
    engines: Vec<EngineKind>,
}

fn default_programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("bench")
        .join("programs")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum EngineKind {
    Cmref,
    Wasmi,
    Wasmtime,
}

impl EngineKind {
    fn name(self) -> &'static str {
        match self {
            EngineKind::Cmref => "cmref",
            EngineKind::Wasmi => "wasmi",
            EngineKind::Wasmtime => "wasmtime",
        }
    }

    /// The seam between the harness and the engines: compile a module.
    fn compile(self, wasm: &[u8]) -> Result<Box<dyn Compiled>, String> {
        match self {
            EngineKind::Cmref => cmref_engine::compile(wasm),
            EngineKind::Wasmi => wasmi_engine::compile(wasm),
            EngineKind::Wasmtime => wasmtime_engine::compile(wasm),
        }
    }
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A module compiled by one engine, ready to be instantiated and run.
trait Compiled {
    /// Instantiate in a fresh store and call `run(n)`.
    fn run(&mut self, n: i32) -> Result<RunOutcome, String>;
}

struct RunOutcome {
    checksum: i64,
    instantiate: Duration,
    call: Duration,
}

/// Read the single result of `run` as a checksum (an i32 is sign-extended).
fn checksum_from(result: Option<i64>) -> Result<i64, String> {
    result.ok_or_else(|| "run must return exactly one i32 or i64".to_string())
}

mod cmref_engine {
    use super::{Compiled, RunOutcome, checksum_from};
    use cmref_interp::{Config, Engine, Linker, Module, Store, Val};
    use std::time::Instant;

    struct CmrefModule {
        engine: Engine,
        module: Module,
    }

    pub fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, String> {
        let engine = Engine::new(Config::default());
        let module = Module::new(&engine, wasm).map_err(|e| format!("compile: {e}"))?;
        Ok(Box::new(CmrefModule { engine, module }))
    }

    impl Compiled for CmrefModule {
        fn run(&mut self, n: i32) -> Result<RunOutcome, String> {
            let t0 = Instant::now();
            let mut store = Store::new(&self.engine);
            let instance = Linker::new()
                .instantiate(&mut store, &self.module)
                .map_err(|e| format!("instantiate: {e}"))?;
            let func = instance
                .get_func(&store, "run")
                .ok_or("no export \"run\"")?;
            let t1 = Instant::now();
            let results: Vec<Val> = store
                .call(func, &[Val::I32(n)])
                .map_err(|e| format!("call: {e}"))?;
            let t2 = Instant::now();
            let checksum = match results.as_slice() {
                [Val::I64(v)] => Some(*v),
                [Val::I32(v)] => Some(i64::from(*v)),
                _ => None,
            };
            Ok(RunOutcome {
                checksum: checksum_from(checksum)?,
                instantiate: t1 - t0,
                call: t2 - t1,
            })
        }
    }
}

mod wasmi_engine {
    use super::{Compiled, RunOutcome, checksum_from};
    use std::time::Instant;
    use wasmi::{Config, Engine, Linker, Module, Store, Val};

    struct WasmiModule {
        engine: Engine,
        module: Module,
    }

    /// wasmi's default configuration: validation on, lazy translation.
    pub fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, String> {
        let engine = Engine::new(&Config::default());
        let module = Module::new(&engine, wasm).map_err(|e| format!("compile: {e}"))?;
        Ok(Box::new(WasmiModule { engine, module }))
    }

    impl Compiled for WasmiModule {
        fn run(&mut self, n: i32) -> Result<RunOutcome, String> {
            let t0 = Instant::now();
            let mut store = Store::new(&self.engine, ());
            let instance = Linker::<()>::new(&self.engine)
                .instantiate_and_start(&mut store, &self.module)
                .map_err(|e| format!("instantiate: {e}"))?;
            let func = instance
                .get_func(&store, "run")
                .ok_or("no export \"run\"")?;
            let mut results = [Val::I64(0)];
            let t1 = Instant::now();
            func.call(&mut store, &[Val::I32(n)], &mut results)
                .map_err(|e| format!("call: {e}"))?;
            let t2 = Instant::now();
            let checksum = match results {
                [Val::I64(v)] => Some(v),
                [Val::I32(v)] => Some(i64::from(v)),
                _ => None,
            };
            Ok(RunOutcome {
                checksum: checksum_from(checksum)?,
                instantiate: t1 - t0,
                call: t2 - t1,
            })
        }
    }
}

mod wasmtime_engine {
    use super::{Compiled, RunOutcome, checksum_from};
    use std::time::Instant;
    use wasmtime::{Config, Engine, Instance, Module, Store, Val};

    struct WasmtimeModule {
        engine: Engine,
        module: Module,
    }

    /// wasmtime's default configuration: Cranelift, default optimisation.
    pub fn compile(wasm: &[u8]) -> Result<Box<dyn Compiled>, String> {
        let engine = Engine::new(&Config::default()).map_err(|e| format!("engine: {e}"))?;
        let module = Module::new(&engine, wasm).map_err(|e| format!("compile: {e:#}"))?;
        Ok(Box::new(WasmtimeModule { engine, module }))
    }

    impl Compiled for WasmtimeModule {
        fn run(&mut self, n: i32) -> Result<RunOutcome, String> {
            let t0 = Instant::now();
            let mut store = Store::new(&self.engine, ());
            let instance = Instance::new(&mut store, &self.module, &[])
                .map_err(|e| format!("instantiate: {e:#}"))?;
            let func = instance
                .get_func(&mut store, "run")
                .ok_or("no export \"run\"")?;
            let mut results = [Val::I64(0)];
            let t1 = Instant::now();
            func.call(&mut store, &[Val::I32(n)], &mut results)
                .map_err(|e| format!("call: {e:#}"))?;
            let t2 = Instant::now();
            let checksum = match results {
                [Val::I64(v)] => Some(v),
                [Val::I32(v)] => Some(i64::from(v)),
                _ => None,
            };
            Ok(RunOutcome {
                checksum: checksum_from(checksum)?,
                instantiate: t1 - t0,
                call: t2 - t1,
            })
        }
    }
}

/// What one engine did with one program.
enum EngineResult {
    Ok {
        checksum: i64,
        compile: Duration,
        instantiate: Duration,
        min: Duration,
        median: Duration,
    },
    Failed(String),
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn measure(kind: EngineKind, wasm: &[u8], n: i32, runs: u32) -> EngineResult {
    let t = Instant::now();
    let mut compiled = match kind.compile(wasm) {
        Ok(c) => c,
        Err(e) => return EngineResult::Failed(e),
    };
    let compile = t.elapsed();
    let mut checksum = None;
    let mut calls = Vec::new();
    let mut insts = Vec::new();
    // Run 0 is the warm-up; its times are dropped.
    for i in 0..=runs {
        let out = match compiled.run(n) {
            Ok(o) => o,
            Err(e) => return EngineResult::Failed(e),
        };
        match checksum {
            None => checksum = Some(out.checksum),
            Some(c) if c != out.checksum => {
                return EngineResult::Failed(format!(
                    "nondeterministic: run {i} returned {:#018x}, run 0 returned {c:#018x}",
                    out.checksum
                ));
            }
            Some(_) => {}
        }
        if i > 0 {
            calls.push(out.call);
            insts.push(out.instantiate);
        }
    }
    calls.sort();
    insts.sort();
    EngineResult::Ok {
        checksum: checksum.expect("at least one run"),
        compile,
        instantiate: insts[insts.len() / 2],
        min: calls[0],
        median: calls[calls.len() / 2],
    }
}

/// `default-n.txt`: `name n` per line, `#` comments; keeps the file's order.
fn read_defaults(dir: &Path) -> Result<Vec<(String, u32)>, String> {
    let path = dir.join("default-n.txt");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(name), Some(n), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{}:{}: expected `name n`", path.display(), i + 1));
        };
        let n: u32 = n
            .parse()
            .map_err(|e| format!("{}:{}: bad n: {e}", path.display(), i + 1))?;
        out.push((name.to_string(), n));
    }
    Ok(out)
}

fn scaled(n: u32, scale: f64) -> i32 {
    let v = (f64::from(n) * scale).round();
    v.clamp(1.0, f64::from(i32::MAX)) as i32
}

fn fmt_ms(r: Option<&EngineResult>) -> String {
    match r {
        Some(EngineResult::Ok { min, .. }) => format!("{:.2}", ms(*min)),
        Some(EngineResult::Failed(_)) => "error".to_string(),
        None => "-".to_string(),
    }
}

fn ratio(a: Option<&EngineResult>, b: Option<&EngineResult>) -> Option<f64> {
    match (a, b) {
        (Some(EngineResult::Ok { min: x, .. }), Some(EngineResult::Ok { min: y, .. })) => {
            Some(x.as_secs_f64() / y.as_secs_f64().max(1e-9))
        }
        _ => None,
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_string(), |r| format!("{r:.2}"))
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One machine-readable line per program: `cm-bench-json {...}`.
fn machine_line(name: &str, n: i32, results: &BTreeMap<EngineKind, EngineResult>) -> String {
    let mut s = format!("cm-bench-json {{\"program\":{},\"n\":{n}", json_str(name));
    for (kind, r) in results {
        match r {
            EngineResult::Ok {
                checksum,
                compile,
                instantiate,
                min,
                median,
            } => {
                let _ = write!(
                    s,
                    ",\"{kind}\":{{\"call_ms_min\":{:.3},\"call_ms_median\":{:.3},\"instantiate_ms\":{:.3},\"compile_ms\":{:.3},\"checksum\":\"{:#018x}\"}}",
                    ms(*min),
                    ms(*median),
                    ms(*instantiate),
                    ms(*compile),
                    checksum
                );
            }
            EngineResult::Failed(e) => {
                let _ = write!(s, ",\"{kind}\":{{\"error\":{}}}", json_str(e));
            }
        }
    }
    let c = results.get(&EngineKind::Cmref);
    if let Some(r) = ratio(c, results.get(&EngineKind::Wasmi)) {
        let _ = write!(s, ",\"cmref_over_wasmi\":{r:.3}");
    }
    if let Some(r) = ratio(c, results.get(&EngineKind::Wasmtime)) {
        let _ = write!(s, ",\"cmref_over_wasmtime\":{r:.3}");
    }
    s.push('}');
    s
}

fn main() -> ExitCode {
    let args = Args::parse();
    if cfg!(debug_assertions) {
        eprintln!("cm-bench: warning: debug build; timings are meaningless (use --release)");
    }
    if !(args.scale > 0.0 && args.scale.is_finite()) {
        eprintln!("cm-bench: --scale must be a positive number");
        return ExitCode::from(2);
    }
    let mut engines = args.engines.clone();
    engines.sort();
    engines.dedup();

    let defaults = match read_defaults(&args.programs) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cm-bench: {e}");
            return ExitCode::from(2);
        }
    };
    if let Ok(dir) = std::fs::read_dir(&args.programs) {
        for entry in dir.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wasm")
                && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                && !defaults.iter().any(|(name, _)| name == stem)
            {
                eprintln!(
                    "cm-bench: warning: {} is not listed in default-n.txt; skipped",
                    path.display()
                );
            }
        }
    }
    let selected: Vec<_> = defaults
        .into_iter()
        .filter(|(name, _)| {
            args.filter.is_empty() || args.filter.iter().any(|f| name.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() {
        eprintln!("cm-bench: no program selected");
        return ExitCode::from(2);
    }

    let engine_list: Vec<_> = engines.iter().map(|e| e.name()).collect();
    println!(
        "cm-bench: {} program(s), engines {}, call time = minimum of {} run(s) after 1 warm-up, scale {}",
        selected.len(),
        engine_list.join(","),
        args.runs,
        args.scale
    );
    println!();
    println!("| program | n | cmref ms | wasmi ms | wasmtime ms | cmref/wasmi | cmref/wasmtime |");
    println!("|---|---:|---:|---:|---:|---:|---:|");

    let mut failed = false;
    let mut machine = Vec::new();
    for (name, default_n) in &selected {
        let n = scaled(args.n.unwrap_or(*default_n), args.scale);
        let path = args.programs.join(format!("{name}.wasm"));
        let wasm = match std::fs::read(&path) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("cm-bench: {}: {e}", path.display());
                failed = true;
                continue;
            }
        };
        let mut results = BTreeMap::new();
        for &kind in &engines {
            let r = measure(kind, &wasm, n, args.runs);
            if let EngineResult::Failed(e) = &r {
                eprintln!("cm-bench: {name}: {kind} FAILED: {e}");
                failed = true;
            }
            results.insert(kind, r);
        }
        // All engines that ran must agree on the checksum.
        let sums: Vec<_> = results
            .iter()
            .filter_map(|(k, r)| match r {
                EngineResult::Ok { checksum, .. } => Some((*k, *checksum)),
                EngineResult::Failed(_) => None,
            })
            .collect();
        if sums.windows(2).any(|w| w[0].1 != w[1].1) {
            failed = true;
            eprintln!("cm-bench: !!! CHECKSUM MISMATCH in {name} (n = {n}) !!!");
            for (k, c) in &sums {
                eprintln!("cm-bench:     {k:>8}: {c:#018x}");
            }
        }
        let c = results.get(&EngineKind::Cmref);
        println!(
            "| {name} | {n} | {} | {} | {} | {} | {} |",
            fmt_ms(c),
            fmt_ms(results.get(&EngineKind::Wasmi)),
            fmt_ms(results.get(&EngineKind::Wasmtime)),
            fmt_ratio(ratio(c, results.get(&EngineKind::Wasmi))),
            fmt_ratio(ratio(c, results.get(&EngineKind::Wasmtime))),
        );
        machine.push(machine_line(name, n, &results));
    }
    println!();
    for line in &machine {
        println!("{line}");
    }
    if failed {
        eprintln!("cm-bench: FAILED (see the errors above)");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
