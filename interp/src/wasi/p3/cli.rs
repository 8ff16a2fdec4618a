//! `wasi:cli@0.3`: environment, exit, terminals, and stdio as streams.
//! `stdout.write-via-stream(data)` takes the readable end of the guest's
//! `stream<u8>` and returns a `future<result<_, error-code>>`; a
//! background [`OutputPump`] reads the stream into stdout (or stderr) and
//! writes the result to the future when the guest drops its writable end.
//! `stdin.read-via-stream()` gives a new stream and future; an
//! [`InputPump`] reads stdin whenever the guest waits to read, as much as
//! it asked for (at most `MAX_CHUNK` bytes).

use super::{host_trap, iface};
use crate::component::{
    CopyOutcome, HostEnd, HostTask, Linker, TaskPoll, Val, ValType, spawn_host_task,
};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::MAX_CHUNK;
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
            let mut pump = OutputPump {
                which,
                data: Some(data),
                result: ResultFuture::new(result),
            };
            // Start reading at once: a guest's write already waiting
            // completes now.
            pump.poll(store, false)?;
            spawn_host_task(store, Box::new(pump));
            Ok(vec![future])
        })?;
    }
    iface(linker, "wasi:cli/stdin")?.func_new("read-via-stream", |store, _| {
        let (stream, data) = HostEnd::new(store, Some(ValType::U8), false);
        let (future, result) = HostEnd::new(store, Some(result_type()), true);
        let pump = InputPump {
            data: Some(data),
            result: ResultFuture::new(result),
        };
        spawn_host_task(store, Box::new(pump));
        Ok(vec![Val::Tuple(vec![stream, future])])
    })?;

    let input = host_resource_type(store, "terminal-input");
    let output = host_resource_type(store, "terminal-output");
    add_terminals(linker, super::VERSION, input, output)?;
    Ok(())
}

/// The future reporting how a stdio stream ended: written once the stream
/// is over, dropped once the guest has the value (or dropped its end).
struct ResultFuture {
    end: Option<HostEnd>,
    /// `None` (success) or an error code; set before the stream ends.
    error: Option<&'static str>,
    written: bool,
}

impl ResultFuture {
    fn new(end: HostEnd) -> ResultFuture {
        ResultFuture {
            end: Some(end),
            error: None,
            written: false,
        }
    }

    /// Writes the result and waits for the write to complete.
    fn poll(&mut self, store: &mut Store) -> Result<TaskPoll, Trap> {
        let Some(end) = &mut self.end else {
            return Ok(TaskPoll::Done);
        };
        let mut progress = false;
        if !self.written {
            let v = Val::Result(match self.error {
                None => Ok(None),
                Some(code) => Err(Some(Box::new(Val::Enum(code.into())))),
            });
            end.write(store, vec![v]).map_err(host_trap)?;
            self.written = true;
            progress = true;
        }
        if end.poll(store).map_err(host_trap)?.is_some() {
            if let Some(end) = self.end.take() {
                end.drop(store).map_err(host_trap)?;
            }
            return Ok(TaskPoll::Done);
        }
        Ok(progress_or_idle(progress))
    }
}

/// Drops the host's end of a stdio stream and starts reporting the
/// result.
fn close_stream(
    store: &mut Store,
    data: &mut Option<HostEnd>,
    result: &mut ResultFuture,
) -> Result<TaskPoll, Trap> {
    if let Some(data) = data.take() {
        data.drop(store).map_err(host_trap)?;
    }
    result.poll(store)?;
    Ok(TaskPoll::Progress)
}

fn progress_or_idle(progress: bool) -> TaskPoll {
    if progress {
        TaskPoll::Progress
    } else {
        TaskPoll::Idle
    }
}

/// Copies a guest's stream into stdout or stderr.
struct OutputPump {
    which: Stdio,
    data: Option<HostEnd>,
    result: ResultFuture,
}

impl HostTask for OutputPump {
    fn poll(&mut self, store: &mut Store, _block: bool) -> Result<TaskPoll, Trap> {
        let Some(data) = &mut self.data else {
            return self.result.poll(store);
        };
        let mut progress = false;
        let mut close = false;
        if let Some(copy) = data.poll(store).map_err(host_trap)? {
            progress = true;
            let bytes: Vec<u8> = copy
                .vals
                .iter()
                .filter_map(|v| match v {
                    Val::U8(b) => Some(*b),
                    _ => None,
                })
                .collect();
            if !bytes.is_empty() && ctx(store)?.write_stdio(self.which, &bytes).is_err() {
                self.result.error = Some("io");
            }
            close = copy.outcome == CopyOutcome::Dropped || self.result.error.is_some();
        }
        if close {
            return close_stream(store, &mut self.data, &mut self.result);
        }
        if !data.is_copying(store).map_err(host_trap)? {
            data.read(store, MAX_CHUNK).map_err(host_trap)?;
            progress = true;
        }
        Ok(progress_or_idle(progress))
    }
}

/// Copies stdin into a stream the guest reads, when the guest waits to
/// read and as much as it asked for. The host's stdin is read (which may
/// block) only when the store has nothing else to run.
struct InputPump {
    data: Option<HostEnd>,
    result: ResultFuture,
}

impl HostTask for InputPump {
    fn poll(&mut self, store: &mut Store, block: bool) -> Result<TaskPoll, Trap> {
        let Some(data) = &mut self.data else {
            return self.result.poll(store);
        };
        let mut progress = false;
        let mut close = false;
        if let Some(copy) = data.poll(store).map_err(host_trap)? {
            progress = true;
            if copy.outcome == CopyOutcome::Dropped {
                close = true;
            } else if !copy.vals.is_empty() {
                // What the guest did not take yet is offered again.
                data.write(store, copy.vals).map_err(host_trap)?;
            }
        }
        if !close
            && !data.is_copying(store).map_err(host_trap)?
            && let Some(room) = data.peer_waiting(store).map_err(host_trap)?
        {
            // A zero-length read waits for data to be ready: a chunk is
            // offered, which the guest's next read takes.
            let want = if room == 0 {
                MAX_CHUNK
            } else {
                room.min(MAX_CHUNK)
            };
            let c = ctx(store)?;
            if block || !matches!(c.stdin, Input::Inherit) {
                progress = true;
                match c.read_stdin(want) {
                    Ok(bytes) if bytes.is_empty() => close = true,
                    Ok(bytes) => {
                        let vals = bytes.into_iter().map(Val::U8).collect();
                        data.write(store, vals).map_err(host_trap)?;
                    }
                    Err(_) => {
                        self.result.error = Some("io");
                        close = true;
                    }
                }
            }
        }
        if close {
            return close_stream(store, &mut self.data, &mut self.result);
        }
        Ok(progress_or_idle(progress))
    }
}
