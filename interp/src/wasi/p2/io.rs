//! `wasi:io@0.2`: `error`, `poll` and `streams`. Every stream is ready at
//! once (reads of the host's stdin block in the read); a pollable is ready
//! at once or when the monotonic clock reaches its deadline.

use super::{
    Types, bad_args, bad_handle, bytes_arg, bytes_val, ctx, err, iface, new_own, ok, rep, u64_arg,
};
use crate::component::{Linker, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::MAX_CHUNK;
use crate::wasi::ctx::{FilePos, Resource, WasiCtx};
use crate::wasi::fs::{self, ErrorCode};

pub(super) fn add(linker: &mut Linker, t: Types) -> Result<()> {
    let error = iface(linker, "wasi:io/error")?;
    error.resource("error", t.error)?;
    error.func_new("[method]error.to-debug-string", |store, args| {
        let rep = rep(args, 0)?;
        match super::ctx(store)?.table.get(rep) {
            Some(Resource::IoError { message, .. }) => {
                Ok(vec![Val::String(message.as_str().into())])
            }
            _ => Err(bad_handle("error")),
        }
    })?;

    let poll = iface(linker, "wasi:io/poll")?;
    poll.resource("pollable", t.pollable)?;
    poll.func_new("[method]pollable.ready", |store, args| {
        let deadline = deadline(store, rep(args, 0)?)?;
        let c = ctx(store)?;
        Ok(vec![Val::Bool(
            deadline.is_none_or(|d| c.clock.monotonic_peek() >= d),
        )])
    })?;
    poll.func_new("[method]pollable.block", |store, args| {
        if let Some(d) = deadline(store, rep(args, 0)?)? {
            ctx(store)?.clock.wait_until(d);
        }
        Ok(vec![])
    })?;
    poll.func_new("poll", |store, args| {
        let Some(Val::List(list)) = args.first() else {
            return Err(bad_args());
        };
        if list.is_empty() {
            return Err(Trap::host(
                "wasi:io/poll.poll: an empty list can never be ready",
            ));
        }
        let mut deadlines = Vec::with_capacity(list.len());
        for i in 0..list.len() {
            deadlines.push(deadline(store, rep(list, i)?)?);
        }
        let c = ctx(store)?;
        // Wait for the earliest deadline unless something is ready now.
        let now = c.clock.monotonic_peek();
        if !deadlines.iter().any(|d| d.is_none_or(|d| now >= d))
            && let Some(first) = deadlines.iter().flatten().min()
        {
            c.clock.wait_until(*first);
        }
        let now = c.clock.monotonic_peek();
        let ready = deadlines
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_none_or(|d| now >= d))
            .map(|(i, _)| Val::U32(i as u32))
            .collect();
        Ok(vec![Val::List(ready)])
    })?;

    let streams = iface(linker, "wasi:io/streams")?;
    streams.resource("error", t.error)?;
    streams.resource("pollable", t.pollable)?;
    streams.resource("input-stream", t.input_stream)?;
    streams.resource("output-stream", t.output_stream)?;
    for (name, blocking) in [
        ("[method]input-stream.read", false),
        ("[method]input-stream.blocking-read", true),
    ] {
        streams.func_new(name, move |store, args| {
            let _ = blocking; // every read blocks until it has data or the end
            let len = u64_arg(args, 1)?;
            Ok(vec![match read(store, rep(args, 0)?, len)? {
                Ok(b) => ok(Some(bytes_val(&b))),
                Err(e) => err(stream_error(store, t, e)?),
            }])
        })?;
    }
    for name in [
        "[method]input-stream.skip",
        "[method]input-stream.blocking-skip",
    ] {
        streams.func_new(name, move |store, args| {
            let len = u64_arg(args, 1)?;
            Ok(vec![match read(store, rep(args, 0)?, len)? {
                Ok(b) => ok(Some(Val::U64(b.len() as u64))),
                Err(e) => err(stream_error(store, t, e)?),
            }])
        })?;
    }
    for name in [
        "[method]input-stream.subscribe",
        "[method]output-stream.subscribe",
    ] {
        streams.func_new(name, move |store, _| {
            Ok(vec![new_own(
                store,
                t.pollable,
                Resource::Pollable { deadline: None },
            )?])
        })?;
    }
    streams.func_new("[method]output-stream.check-write", |_, _| {
        Ok(vec![ok(Some(Val::U64(MAX_CHUNK)))])
    })?;
    for name in [
        "[method]output-stream.write",
        "[method]output-stream.blocking-write-and-flush",
    ] {
        streams.func_new(name, move |store, args| {
            let data = bytes_arg(args, 1)?;
            Ok(vec![match write(store, rep(args, 0)?, &data)? {
                Ok(()) => ok(None),
                Err(e) => err(stream_error(store, t, e)?),
            }])
        })?;
    }
    for name in [
        "[method]output-stream.write-zeroes",
        "[method]output-stream.blocking-write-zeroes-and-flush",
    ] {
        streams.func_new(name, move |store, args| {
            let len = u64_arg(args, 1)?;
            let r = if len > MAX_CHUNK {
                Err(StreamErr::Failed(
                    format!("write of {len} bytes exceeds check-write's {MAX_CHUNK}"),
                    None,
                ))
            } else {
                write(store, rep(args, 0)?, &vec![0; len as usize])?
            };
            Ok(vec![match r {
                Ok(()) => ok(None),
                Err(e) => err(stream_error(store, t, e)?),
            }])
        })?;
    }
    for name in [
        "[method]output-stream.flush",
        "[method]output-stream.blocking-flush",
    ] {
        streams.func_new(name, move |store, args| {
            // Writes are not buffered; a flush only checks the stream.
            let rep = rep(args, 0)?;
            match ctx(store)?.table.get(rep) {
                Some(Resource::StdoutStream(_) | Resource::FileOutput { .. }) => Ok(vec![ok(None)]),
                _ => Err(bad_handle("output-stream")),
            }
        })?;
    }
    for name in [
        "[method]output-stream.splice",
        "[method]output-stream.blocking-splice",
    ] {
        streams.func_new(name, move |store, args| {
            let (dst, src, len) = (rep(args, 0)?, rep(args, 1)?, u64_arg(args, 2)?);
            let r = match read(store, src, len)? {
                Ok(b) => write(store, dst, &b)?.map(|()| b.len() as u64),
                Err(e) => Err(e),
            };
            Ok(vec![match r {
                Ok(n) => ok(Some(Val::U64(n))),
                Err(e) => err(stream_error(store, t, e)?),
            }])
        })?;
    }
    Ok(())
}

/// A stream's failure: `stream-error`.
#[derive(Debug)]
pub(super) enum StreamErr {
    Closed,
    /// `last-operation-failed`, with a message and the filesystem error.
    Failed(String, Option<ErrorCode>),
}

impl From<ErrorCode> for StreamErr {
    fn from(e: ErrorCode) -> StreamErr {
        StreamErr::Failed(e.0.to_string(), Some(e))
    }
}

/// The `stream-error` value (a `last-operation-failed` gets an `error`).
fn stream_error(store: &mut Store, t: Types, e: StreamErr) -> Result<Val, Trap> {
    Ok(match e {
        StreamErr::Closed => Val::Variant("closed".into(), None),
        StreamErr::Failed(message, code) => {
            let h = new_own(store, t.error, Resource::IoError { message, code })?;
            Val::Variant("last-operation-failed".into(), Some(Box::new(h)))
        }
    })
}

/// A pollable's deadline (`None`: always ready).
fn deadline(store: &mut Store, rep: u32) -> Result<Option<u64>, Trap> {
    match ctx(store)?.table.get(rep) {
        Some(Resource::Pollable { deadline }) => Ok(*deadline),
        _ => Err(bad_handle("pollable")),
    }
}

/// Reads up to `len` bytes (at most [`MAX_CHUNK`]) from an input stream.
fn read(store: &mut Store, rep: u32, len: u64) -> Result<Result<Vec<u8>, StreamErr>, Trap> {
    let c: &mut WasiCtx = ctx(store)?;
    let r = match c.table.get_mut(rep) {
        Some(Resource::StdinStream) => c
            .read_stdin(len)
            .map_err(|e| StreamErr::Failed(e.to_string(), Some(e.into()))),
        Some(Resource::FileInput { fd, offset }) => {
            fs::pread(std::os::fd::AsFd::as_fd(&**fd), len, *offset)
                .map_err(StreamErr::from)
                .inspect(|b| *offset = offset.saturating_add(b.len() as u64))
        }
        _ => return Err(bad_handle("input-stream")),
    };
    Ok(match r {
        Ok(b) if b.is_empty() && len > 0 => Err(StreamErr::Closed),
        r => r,
    })
}

/// Writes all of `data` to an output stream.
fn write(store: &mut Store, rep: u32, data: &[u8]) -> Result<Result<(), StreamErr>, Trap> {
    let c: &mut WasiCtx = ctx(store)?;
    Ok(match c.table.get_mut(rep) {
        Some(Resource::StdoutStream(which)) => {
            let which = *which;
            c.write_stdio(which, data)
                .map_err(|m| StreamErr::Failed(m, None))
        }
        Some(Resource::FileOutput { fd, pos }) => {
            let fd = std::os::fd::AsFd::as_fd(&**fd);
            match pos {
                FilePos::Append => fs::append_all(fd, data).map_err(StreamErr::from),
                FilePos::At(off) => {
                    fs::pwrite_all(fd, data, *off)
                        .map_err(StreamErr::from)
                        .map(|()| {
                            *off = off.saturating_add(data.len() as u64);
                        })
                }
            }
        }
        _ => return Err(bad_handle("output-stream")),
    })
}
