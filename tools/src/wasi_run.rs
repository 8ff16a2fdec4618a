//! `cm-run` as a WASI runner: the guest's WASI context from the command
//! line, core wasip1 modules wrapped into components with the preview1
//! adapter, and running a `wasi:cli/run` export.

use cmref_interp::component::{Exports, Instance, Val};
use cmref_interp::wasi::WasiCtx;
use cmref_interp::{Error, Store};

/// The WASI options of the command line.
#[derive(Clone, Debug, Default)]
pub struct WasiOptions {
    /// `argv`, the program's name first.
    pub argv: Vec<String>,
    /// `--env K=V`.
    pub env: Vec<String>,
    /// `--inherit-env`.
    pub inherit_env: bool,
    /// `--dir HOST[::GUEST]`.
    pub dirs: Vec<String>,
    pub seed: Option<u64>,
    pub deterministic: bool,
}

/// The guest's context: the host's stdio, the given arguments, variables
/// and directories, and nothing else.
pub fn wasi_ctx(o: &WasiOptions) -> Result<WasiCtx, Error> {
    let mut b = WasiCtx::builder().args(o.argv.clone()).inherit_stdio();
    if o.inherit_env {
        for (k, v) in std::env::vars() {
            b = b.env(k, v);
        }
    }
    for kv in &o.env {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| Error::Api(format!("--env `{kv}`: expected KEY=VALUE")))?;
        b = b.env(k, v);
    }
    for d in &o.dirs {
        let (host, guest) = d.split_once("::").unwrap_or((d, d));
        b = b.preopened_dir(host, guest);
    }
    if let Some(s) = o.seed {
        b = b.seed(s);
    }
    b.deterministic(o.deterministic).build()
}

/// Whether a core module imports `wasi_snapshot_preview1`.
pub fn imports_wasip1(wasm: &[u8]) -> bool {
    use wasmparser::{Parser, Payload};
    Parser::new(0).parse_all(wasm).any(|p| match p {
        Ok(Payload::ImportSection(imports)) => imports
            .into_imports()
            .any(|i| i.is_ok_and(|i| i.module == "wasi_snapshot_preview1")),
        _ => false,
    })
}

/// Wraps a wasip1 command module into a component with the preview1
/// adapter (it implements `wasi_snapshot_preview1` on WASI 0.2 and exports
/// `wasi:cli/run`).
pub fn adapt_module(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    use wasi_preview1_component_adapter_provider::{
        WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    };
    fn adapt(e: impl std::fmt::Display) -> Error {
        Error::Invalid(format!("cannot adapt the wasip1 module: {e:#}"))
    }
    wit_component::ComponentEncoder::default()
        .module(wasm)
        .map_err(adapt)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        )
        .map_err(adapt)?
        .validate(true)
        .encode()
        .map_err(adapt)
}

/// The `run` function of an exported `wasi:cli/run@0.2.x` or `@0.3.x`
/// (in 0.3 an async function, which `Func::call` runs through the store's
/// event loop).
pub fn find_run(exports: &Exports) -> Option<cmref_interp::component::Func> {
    exports.iter().find_map(|(name, e)| match e {
        cmref_interp::component::Export::Instance(i)
            if name.starts_with("wasi:cli/run@0.2.") || name.starts_with("wasi:cli/run@0.3.") =>
        {
            i.get_func("run")
        }
        _ => None,
    })
}

/// Runs a command: calls `wasi:cli/run`'s `run` and gives the exit status
/// (`wasi:cli/exit` ends the guest with its own status).
pub fn run_command(store: &mut Store, instance: &Instance) -> Result<u8, Error> {
    let run = find_run(&instance.exports()).ok_or_else(|| {
        Error::Api(
            "the component exports no `wasi:cli/run@0.2.x` or `@0.3.x` (use --invoke to call a function)"
                .into(),
        )
    })?;
    let result = run.call(store, &[]);
    // What the guest wrote to a stdio stream (WASI 0.3) but the host has
    // not copied out yet reaches the host's stdio.
    let flushed = cmref_interp::component::run_host_tasks(store);
    if let Some(status) = store.data::<WasiCtx>().and_then(|c| c.exit_status()) {
        return Ok(status);
    }
    match result.and_then(|r| flushed.map(|_| r))?.first() {
        Some(Val::Result(Ok(_))) => Ok(0),
        Some(Val::Result(Err(_))) => Ok(1),
        other => Err(Error::Api(format!(
            "`run` returned {other:?}, not a result"
        ))),
    }
}
