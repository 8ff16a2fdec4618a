//! `wasi:cli@0.3`: environment, exit, terminals, and stdio as streams.
//! `stdout.write-via-stream(data)` takes the readable end of the guest's
//! `stream<u8>` and returns a `future<result<_, error-code>>`; a
//! background [`WritePump`] reads the stream into stdout (or stderr) and
//! writes the result to the future when the guest drops its writable end.
//! `stdin.read-via-stream()` gives a new stream and future; a
//! [`ReadPump`] reads stdin whenever the guest waits to read, as much as
//! it asked for (at most `MAX_CHUNK` bytes).

use super::pump::{ReadPump, Sink, Source, WritePump};
use super::{bytes_of, host_trap, iface};
use crate::component::{HostEnd, Linker, Val, ValType, spawn_host_task};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::ctx::{Input, Stdio};
use crate::wasi::p2::cli::{add_exit, add_terminals, get_arguments, get_environment, initial_cwd};
use crate::wasi::p2::{bad_args, ctx, host_resource_type};

/// `wasi:cli/types.error-code`'s cases.
const ERROR_CODES: [&str; 3] = ["io", "illegal-byte-sequence", "pipe"];

/// `result<_, error-code>`, the element type of stdio's result futures.
fn result_type() -> ValType {
    ValType::result(
        None,
        Some(ValType::enum_(
            ERROR_CODES.iter().map(|c| c.to_string()).collect(),
        )),
    )
}

pub(super) fn add(linker: &mut Linker, store: &mut Store) -> Result<()> {
    let env = iface(linker, "wasi:cli/environment")?;
    env.func_new("get-environment", get_environment)?;
    env.func_new("get-arguments", get_arguments)?;
    env.func_new("get-initial-cwd", initial_cwd)?;
    add_exit(iface(linker, "wasi:cli/exit")?)?;
    // `types` holds only `error-code`: an instance with no functions.
    iface(linker, "wasi:cli/types")?;

    for (name, which) in [
        ("wasi:cli/stdout", Stdio::Out),
        ("wasi:cli/stderr", Stdio::Err),
    ] {
        iface(linker, name)?.func_new("write-via-stream", move |store, args| {
            let data = args.first().ok_or_else(bad_args)?;
            let data = HostEnd::take_readable(store, data).map_err(host_trap)?;
            let (future, result) = HostEnd::new(store, Some(result_type()), true);
            let pump = WritePump::new(store, StdioSink(which), data, result)?;
            spawn_host_task(store, Box::new(pump));
            Ok(vec![future])
        })?;
    }
    iface(linker, "wasi:cli/stdin")?.func_new("read-via-stream", |store, _| {
        let (stream, data) = HostEnd::new(store, Some(ValType::U8), false);
        let (future, result) = HostEnd::new(store, Some(result_type()), true);
        let pump = ReadPump::new(StdinSource, data, result);
        spawn_host_task(store, Box::new(pump));
        Ok(vec![Val::Tuple(vec![stream, future])])
    })?;

    let input = host_resource_type(store, "terminal-input");
    let output = host_resource_type(store, "terminal-output");
    add_terminals(linker, super::VERSION, input, output)?;
    Ok(())
}

/// `error-code.io`, the one error stdio reports.
fn io_error() -> Val {
    Val::Enum("io".into())
}

/// Stdout or stderr, as a sink for a stream of bytes.
struct StdioSink(Stdio);

impl Sink for StdioSink {
    fn write(&mut self, store: &mut Store, vals: Vec<Val>) -> Result<Result<(), Val>, Trap> {
        let bytes = bytes_of(&vals);
        Ok(ctx(store)?
            .write_stdio(self.0, &bytes)
            .map_err(|_| io_error()))
    }
}

/// Stdin, as a source of bytes. The host's own stdin is read (which may
/// block) only when the store has nothing else to run.
struct StdinSource;

impl Source for StdinSource {
    fn ready(&self, store: &mut Store, block: bool) -> Result<bool, Trap> {
        Ok(block || !matches!(ctx(store)?.stdin, Input::Inherit))
    }

    fn read(&mut self, store: &mut Store, want: u64) -> Result<Result<Vec<Val>, Val>, Trap> {
        Ok(ctx(store)?
            .read_stdin(want)
            .map(|bytes| bytes.into_iter().map(Val::U8).collect())
            .map_err(|_| io_error()))
    }
}
