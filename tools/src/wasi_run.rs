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
    /// The component is a wasip1 module wrapped by [`adapt_module`]
    /// keeping the exit status: its `proc_exit` is served by
    /// [`add_proc_exit`].
    pub adapted: bool,
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

/// The interface a wrapped wasip1 module's `proc_exit` import becomes.
pub const PROC_EXIT_INTERFACE: &str = "cmref:wasip1/exit";

/// Its WIT: `proc_exit`'s own signature, so the status passes whole.
const PROC_EXIT_WIT: &str = "package cmref:wasip1;
interface exit { proc-exit: func(status: u32); }
world proc-exit { import exit; }
";

fn adapt_error(e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("cannot adapt the wasip1 module: {e:#}"))
}

/// Wraps a wasip1 command module into a component with the preview1
/// adapter (it implements `wasi_snapshot_preview1` on WASI 0.2 and exports
/// `wasi:cli/run`).
///
/// The adapter's `proc_exit(N)` calls `wasi:cli/exit.exit`, which carries
/// only success or failure, so every nonzero status arrives as 1, as it
/// does from any runtime running the adapted component; Wasmtime running
/// the module itself keeps N. With `keep_exit_status` the module's
/// `proc_exit` import is renamed first to [`PROC_EXIT_INTERFACE`]'s
/// `proc-exit` (declared by an embedded world), which the runner serves
/// with [`add_proc_exit`]; everything else goes through the adapter. That
/// component runs only where `proc-exit` is provided.
pub fn adapt_module(wasm: &[u8], keep_exit_status: bool) -> Result<Vec<u8>, Error> {
    use wasi_preview1_component_adapter_provider::{
        WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    };
    let module = if keep_exit_status {
        std::borrow::Cow::Owned(rename_proc_exit(wasm)?)
    } else {
        std::borrow::Cow::Borrowed(wasm)
    };
    wit_component::ComponentEncoder::default()
        .module(&module)
        .map_err(adapt_error)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
        )
        .map_err(adapt_error)?
        .validate(true)
        .encode()
        .map_err(adapt_error)
}

/// `wasm` with its `wasi_snapshot_preview1.proc_exit` import (if any)
/// renamed to `proc-exit` of [`PROC_EXIT_INTERFACE`], and the world that
/// declares it embedded.
fn rename_proc_exit(wasm: &[u8]) -> Result<Vec<u8>, Error> {
    use wasm_encoder::reencode::{Error as ReError, Reencode};

    struct Rename {
        renamed: bool,
    }
    impl Reencode for Rename {
        type Error = std::convert::Infallible;

        fn parse_imports(
            &mut self,
            section: &mut wasm_encoder::ImportSection,
            imports: wasmparser::Imports<'_>,
        ) -> Result<(), ReError<Self::Error>> {
            let flat: Vec<(&str, &str, wasmparser::TypeRef)> = match imports {
                wasmparser::Imports::Single(_, i) => vec![(i.module, i.name, i.ty)],
                wasmparser::Imports::Compact1 { module, items } => items
                    .into_iter()
                    .map(|i| i.map(|i| (module, i.name, i.ty)))
                    .collect::<wasmparser::Result<_>>()?,
                wasmparser::Imports::Compact2 { module, ty, names } => names
                    .into_iter()
                    .map(|n| n.map(|n| (module, n, ty)))
                    .collect::<wasmparser::Result<_>>()?,
            };
            for (module, name, ty) in flat {
                let ty = self.entity_type(ty)?;
                if (module, name) == ("wasi_snapshot_preview1", "proc_exit") {
                    self.renamed = true;
                    section.import(PROC_EXIT_INTERFACE, "proc-exit", ty);
                } else {
                    section.import(module, name, ty);
                }
            }
            Ok(())
        }
    }

    let mut rename = Rename { renamed: false };
    let mut module = wasm_encoder::Module::new();
    rename
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(adapt_error)?;
    let mut bytes = module.finish();
    if rename.renamed {
        let mut resolve = wit_parser::Resolve::default();
        let pkg = resolve
            .push_str("cmref-wasip1-exit.wit", PROC_EXIT_WIT)
            .map_err(adapt_error)?;
        let world = resolve
            .select_world(&[pkg], Some("proc-exit"))
            .map_err(adapt_error)?;
        wit_component::embed_component_metadata(
            &mut bytes,
            &resolve,
            world,
            wit_component::StringEncoding::UTF8,
        )
        .map_err(adapt_error)?;
    }
    Ok(bytes)
}

/// Serves a wrapped wasip1 module's `proc_exit` (see [`adapt_module`]):
/// the guest exits with the low 8 bits of its status, as a process does.
pub fn add_proc_exit(linker: &mut cmref_interp::component::Linker) -> Result<(), Error> {
    linker
        .root()
        .instance(PROC_EXIT_INTERFACE)?
        .func_new("proc-exit", |store, args| match args.first() {
            Some(Val::U32(status)) => Err(cmref_interp::wasi::exit_with(store, *status as u8)),
            _ => Err(cmref_interp::Trap::host("proc-exit: expected a u32 status")),
        })?;
    Ok(())
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
