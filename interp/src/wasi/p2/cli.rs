//! `wasi:cli@0.2`: environment, exit, stdio and terminals. `exit` ends the
//! guest with a trap after recording the status in the context, where the
//! embedder finds it (`WasiCtx::exit_status`).

use super::{Types, ctx, iface, new_own};
use crate::component::{Linker, LinkerInstance, ResourceType, Str, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::ctx::{Resource, Stdio};

/// The message of the trap that ends a guest calling `wasi:cli/exit`.
pub const EXIT_MESSAGE: &str = "wasi:cli/exit: the guest exited";

pub(super) fn add(linker: &mut Linker, t: Types) -> Result<()> {
    let env = iface(linker, "wasi:cli/environment")?;
    env.func_new("get-environment", get_environment)?;
    env.func_new("get-arguments", get_arguments)?;
    env.func_new("initial-cwd", initial_cwd)?;

    let exit = iface(linker, "wasi:cli/exit")?;
    add_exit(exit)?;

    for (name, func, which) in [
        ("wasi:cli/stdout", "get-stdout", Stdio::Out),
        ("wasi:cli/stderr", "get-stderr", Stdio::Err),
    ] {
        let i = iface(linker, name)?;
        i.resource("output-stream", t.output_stream)?;
        i.func_new(func, move |store, _| {
            Ok(vec![new_own(
                store,
                t.output_stream,
                Resource::StdoutStream(which),
            )?])
        })?;
    }
    let stdin = iface(linker, "wasi:cli/stdin")?;
    stdin.resource("input-stream", t.input_stream)?;
    stdin.func_new("get-stdin", move |store, _| {
        Ok(vec![new_own(store, t.input_stream, Resource::StdinStream)?])
    })?;

    add_terminals(linker, super::VERSION, t.terminal_input, t.terminal_output)?;
    Ok(())
}

/// `environment.get-environment`.
pub(in crate::wasi) fn get_environment(store: &mut Store, _: &[Val]) -> Result<Vec<Val>, Trap> {
    let vars = ctx(store)?
        .env
        .iter()
        .map(|(k, v)| {
            Val::Tuple(vec![
                Val::String(Str::new(k.as_str())),
                Val::String(Str::new(v.as_str())),
            ])
        })
        .collect();
    Ok(vec![Val::List(vars)])
}

/// `environment.get-arguments`.
pub(in crate::wasi) fn get_arguments(store: &mut Store, _: &[Val]) -> Result<Vec<Val>, Trap> {
    let args = ctx(store)?
        .args
        .iter()
        .map(|a| Val::String(Str::new(a.as_str())))
        .collect();
    Ok(vec![Val::List(args)])
}

/// `environment.initial-cwd` (0.3: `get-initial-cwd`).
pub(in crate::wasi) fn initial_cwd(store: &mut Store, _: &[Val]) -> Result<Vec<Val>, Trap> {
    let cwd = ctx(store)?.cwd.clone();
    Ok(vec![Val::Option(
        cwd.map(|c| Box::new(Val::String(Str::new(c)))),
    )])
}

/// The `exit` interface's functions (the same in 0.2 and 0.3).
pub(in crate::wasi) fn add_exit(exit: &mut LinkerInstance) -> Result<()> {
    exit.func_new("exit", |store, args| {
        let status = match args.first() {
            Some(Val::Result(Ok(_))) => 0,
            Some(Val::Result(Err(_))) => 1,
            _ => return Err(super::bad_args()),
        };
        Err(exit_with(store, status))
    })?;
    exit.func_new("exit-with-code", |store, args| match args.first() {
        Some(Val::U8(code)) => Err(exit_with(store, *code)),
        _ => Err(super::bad_args()),
    })?;
    Ok(())
}

/// What `wasi:cli/exit` does: records the exit status in the store's
/// [`WasiCtx`](crate::wasi::WasiCtx) and gives the trap that ends the
/// guest (for an embedder's own exit function to return).
pub fn exit_with(store: &mut Store, status: u8) -> Trap {
    match ctx(store) {
        Ok(c) => {
            c.exit = Some(status);
            Trap::host(EXIT_MESSAGE)
        }
        Err(t) => t,
    }
}

/// The `terminal-*` interfaces at `version`, with the resource types
/// `input` and `output` (the same functions in 0.2 and 0.3).
pub(in crate::wasi) fn add_terminals(
    linker: &mut Linker,
    version: &str,
    input: ResourceType,
    output: ResourceType,
) -> Result<()> {
    fn iface<'a>(
        linker: &'a mut Linker,
        name: &str,
        version: &str,
    ) -> Result<&'a mut LinkerInstance> {
        linker.root().instance(&format!("{name}@{version}"))
    }
    iface(linker, "wasi:cli/terminal-input", version)?.resource("terminal-input", input)?;
    iface(linker, "wasi:cli/terminal-output", version)?.resource("terminal-output", output)?;
    let i = iface(linker, "wasi:cli/terminal-stdin", version)?;
    i.resource("terminal-input", input)?;
    i.func_new("get-terminal-stdin", move |store, _| {
        terminal(store, None, input)
    })?;
    for (name, func, which) in [
        (
            "wasi:cli/terminal-stdout",
            "get-terminal-stdout",
            Stdio::Out,
        ),
        (
            "wasi:cli/terminal-stderr",
            "get-terminal-stderr",
            Stdio::Err,
        ),
    ] {
        let i = iface(linker, name, version)?;
        i.resource("terminal-output", output)?;
        i.func_new(func, move |store, _| terminal(store, Some(which), output))?;
    }
    Ok(())
}

/// `get-terminal-*`: a terminal handle of type `ty` (`terminal-input`
/// for stdin, else `terminal-output`) when that stdio stream is the host's
/// terminal.
fn terminal(store: &mut Store, which: Option<Stdio>, ty: ResourceType) -> Result<Vec<Val>, Trap> {
    if !ctx(store)?.is_terminal(which) {
        return Ok(vec![Val::Option(None)]);
    }
    let r = match which {
        None => Resource::TerminalInput,
        Some(_) => Resource::TerminalOutput,
    };
    Ok(vec![Val::Option(Some(Box::new(new_own(store, ty, r)?)))])
}
