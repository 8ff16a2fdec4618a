//! `cm-run`: runs a WebAssembly module or component (binary or `.wat`
//! text): a WASI 0.2 command (a component exporting `wasi:cli/run`), a
//! core wasip1 module (wrapped with the preview1 adapter), or an exported
//! function: `cm-run fib.wat --invoke 'fib(30)'`, `cm-run c.wat --invoke
//! 'concat("a", "b")'`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cmref_interp::component::{self, Component};
use cmref_interp::{Config, Engine, Error, Extern, Linker, Module, NondetMode, Store, Trap};
use cmref_tools::{component_call, core_call, wasi_run};

/// Run a WebAssembly module or component on cmref.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The module or component: a binary `.wasm` or `.wat` text.
    file: PathBuf,
    /// Call this export, e.g. `fib(30)` or `f(1.5, i32x4(1, 2, 3, 4))` for a
    /// module, `concat("a", "b")` (WAVE values) for a component, and print
    /// each result on its own line. Functions of exported instances are
    /// named `instance#func`.
    #[arg(long, value_name = "CALL")]
    invoke: Option<String>,
    /// Instruction budget; running out is a trap.
    #[arg(long)]
    fuel: Option<u64>,
    /// Largest size of a linear memory in bytes.
    #[arg(long, value_name = "BYTES")]
    max_memory: Option<u64>,
    /// Make nondeterministic choices (NaN bit patterns, ...) from this seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Write the structured trace of Canonical ABI events (JSON lines:
    /// tasks, subtasks, threads, events, copies, handles, traps) to FILE.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Arguments for the program (a WASI command; its argv[0] is FILE).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
    /// Preopen the host directory HOST as GUEST (HOST when not given);
    /// without it the guest has no filesystem.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set an environment variable of the guest.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Give the guest this process's environment (before any --env).
    #[arg(long)]
    inherit_env: bool,
    /// Deterministic WASI clocks (and random bytes from seed 0 unless
    /// --seed is given), so two runs print the same bytes.
    #[arg(long)]
    deterministic: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("error: {e}");
            let backtrace = match &e {
                Error::Trap(t) => t.backtrace_string(),
                Error::Exception(x) => Trap {
                    backtrace: x.backtrace.clone(),
                    ..Trap::host("")
                }
                .backtrace_string(),
                _ => String::new(),
            };
            if !backtrace.is_empty() {
                eprintln!("wasm backtrace:\n{}", backtrace.trim_end());
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs the file; the exit status is the guest's (0 for `--invoke`).
fn run(args: &Args) -> Result<u8, Error> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| Error::Api(format!("cannot read {}: {e}", args.file.display())))?;
    let wasm = wat::parse_bytes(&bytes).map_err(|e| {
        let mut e = e;
        e.set_path(&args.file);
        Error::Malformed(e.to_string())
    })?;
    let mut is_component = wasm.get(4..8).is_some_and(|v| v != [1, 0, 0, 0]);
    // A wasip1 module runs as a component, through the preview1 adapter.
    let adapted = !is_component && wasi_run::imports_wasip1(&wasm);
    let wasm = if adapted {
        is_component = true;
        wasi_run::adapt_module(&wasm, true)?
    } else {
        wasm.into_owned()
    };
    if !is_component && !args.args.is_empty() {
        return Err(Error::Api(
            "program arguments are for WASI programs; this module imports no WASI".into(),
        ));
    }
    let mut config = Config::default()
        .features(cmref_spec_tests::suites::supported())
        .fuel(args.fuel)
        .nondet(
            args.seed
                .map_or(NondetMode::Deterministic, NondetMode::Seeded),
        );
    if let Some(max) = args.max_memory {
        config = config.max_memory_bytes(max);
    }
    let engine = Engine::new(config);
    if is_component {
        let wasi = wasi_run::WasiOptions {
            argv: std::iter::once(args.file.display().to_string())
                .chain(args.args.iter().cloned())
                .collect(),
            env: args.env.clone(),
            inherit_env: args.inherit_env,
            dirs: args.dirs.clone(),
            seed: args.seed,
            deterministic: args.deterministic,
            adapted,
        };
        return run_component(&engine, &wasm, args, &wasi);
    }
    let module = Module::new(&engine, &wasm)?;
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module)?;
    let Some(invoke) = &args.invoke else {
        return Ok(0);
    };
    let call = core_call::parse_call(invoke).map_err(Error::Api)?;
    let func = match instance.get_export(&store, &call.name) {
        Some(Extern::Func(f)) => f,
        _ => {
            let funcs: Vec<String> = instance
                .exports(&store)
                .into_iter()
                .filter_map(|(name, e)| match e {
                    Extern::Func(f) => Some(format!(
                        "  {name}: {}",
                        store
                            .func_type(f)
                            .map(|t| t.to_string())
                            .unwrap_or_default()
                    )),
                    _ => None,
                })
                .collect();
            return Err(Error::Api(format!(
                "no exported function `{}`; the exported functions are:\n{}",
                call.name,
                if funcs.is_empty() {
                    "  (none)".to_string()
                } else {
                    funcs.join("\n")
                }
            )));
        }
    };
    let ty = store.func_type(func)?;
    let mut vals = core_call::typed_args(&call, &ty).map_err(Error::Api)?;
    // `null` for a type that names a type index: the parameter's own null.
    for (i, (text, val)) in call.args.iter().zip(vals.iter_mut()).enumerate() {
        if text == "null"
            && let Some(null) = store.param_default(func, i)
        {
            *val = null;
        }
    }
    for result in store.call(func, &vals)? {
        println!("{}", core_call::format_val(&result));
    }
    Ok(0)
}

/// Instantiates a component with the WASI 0.2 host, writing `--trace`,
/// and runs its `wasi:cli/run` export or calls `--invoke` on it.
fn run_component(
    engine: &Engine,
    wasm: &[u8],
    args: &Args,
    wasi: &wasi_run::WasiOptions,
) -> Result<u8, Error> {
    let component = Component::new(engine, wasm)?;
    let mut store = Store::new(engine);
    if let Some(path) = &args.trace {
        let file = std::fs::File::create(path).map_err(|e| {
            Error::Api(format!(
                "cannot create the trace file {}: {e}",
                path.display()
            ))
        })?;
        store.set_trace(Some(Box::new(std::io::BufWriter::new(file))));
    }
    let r = call_component(&mut store, &component, args.invoke.as_deref(), wasi);
    let written = store.finish_trace().map_err(|e| {
        Error::Api(format!(
            "cannot write the trace to {}: {e}",
            args.trace
                .as_deref()
                .unwrap_or(std::path::Path::new(""))
                .display()
        ))
    });
    written.and(r)
}

/// Instantiates `component` with the WASI host and runs it or calls
/// `invoke` on it; the guest's exit status.
fn call_component(
    store: &mut Store,
    component: &Component,
    invoke: Option<&str>,
    wasi: &wasi_run::WasiOptions,
) -> Result<u8, Error> {
    store.set_data(wasi_run::wasi_ctx(wasi)?);
    let mut linker = component::Linker::new();
    cmref_interp::wasi::p2::add_to_linker(&mut linker, store)?;
    cmref_interp::wasi::p3::add_to_linker(&mut linker, store)?;
    if wasi.adapted {
        wasi_run::add_proc_exit(&mut linker)?;
    }
    let instance = match linker.instantiate(store, component) {
        Err(Error::Unlinkable(m)) => {
            return Err(Error::Unlinkable(format!(
                "{m} (cm-run provides WASI 0.2: wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem and wasi:sockets with no network; and WASI 0.3: wasi:cli, wasi:clocks, wasi:random and wasi:filesystem)"
            )));
        }
        r => r?,
    };
    let Some(invoke) = invoke else {
        if wasi_run::find_run(&instance.exports()).is_none() {
            // Nothing to run: instantiating was the whole program.
            return Ok(0);
        }
        return wasi_run::run_command(store, &instance);
    };
    let (name, args) = component_call::split_call(invoke).map_err(Error::Api)?;
    let exports = instance.exports();
    let Some(func) = component_call::find_func(&exports, name) else {
        let mut lines = Vec::new();
        for (path, f) in exports.funcs() {
            let ty = f.ty(store).map(|t| t.to_string()).unwrap_or_default();
            lines.push(format!("  {}: {ty}", path.join("#")));
        }
        return Err(Error::Api(format!(
            "no exported function `{name}`; the exported functions are:\n{}",
            if lines.is_empty() {
                "  (none)".to_string()
            } else {
                lines.join("\n")
            }
        )));
    };
    let ty = func.ty(store)?;
    let vals = component_call::parse_args(args, &ty.params).map_err(Error::Api)?;
    let called = func.call(store, &vals);
    // What the guest wrote to a stdio stream reaches the host's stdio.
    let flushed = component::run_host_tasks(store);
    let results = match called.and_then(|r| flushed.map(|_| r)) {
        Err(e) => {
            // `wasi:cli/exit` ends the call with the guest's status.
            let exit = store.data::<cmref_interp::wasi::WasiCtx>();
            return exit.and_then(|c| c.exit_status()).ok_or(e);
        }
        Ok(r) => r,
    };
    for (v, t) in results.iter().zip(ty.result.iter()) {
        println!("{}", component_call::to_wave(v, t).map_err(Error::Api)?);
    }
    Ok(0)
}
