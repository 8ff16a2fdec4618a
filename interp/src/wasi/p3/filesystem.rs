//! `wasi:filesystem@0.3`: `types` and `preopens`. The methods that are
//! the same call as in 0.2 come from [`crate::wasi::filesystem`] (the
//! host completes its `async func`s at once); here are 0.3's streams.
//! `read-via-stream` and `read-directory` give a stream a [`ReadPump`]
//! fills from the file or the listing as the guest reads;
//! `write-via-stream` and `append-via-stream` take the guest's stream,
//! which a [`WritePump`] drains into the file. Each comes with a future
//! of `result<_, error-code>` written when the stream is over; a
//! descriptor that cannot do what is asked gives a stream that is over
//! at once and the error in the future.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use super::pump::{ReadPump, ResultFuture, Sink, Source, WritePump};
use super::{bytes_of, host_trap, iface};
use crate::component::{HostEnd, HostTask, Linker, Str, Val, ValType, spawn_host_task};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::ctx::FilePos;
use crate::wasi::filesystem::{Dialect, add_descriptor_methods, add_preopens, desc, dir, file};
use crate::wasi::fs::{self, DirEntries};
use crate::wasi::p2::{bad_args, host_resource_type, u64_arg};

/// `error-code`'s cases in WASI 0.3, in order; `other` carries an
/// `option<string>`.
const ERROR_CODES: [&str; 36] = [
    "access",
    "already",
    "bad-descriptor",
    "busy",
    "deadlock",
    "quota",
    "exist",
    "file-too-large",
    "illegal-byte-sequence",
    "in-progress",
    "interrupted",
    "invalid",
    "io",
    "is-directory",
    "loop",
    "too-many-links",
    "message-size",
    "name-too-long",
    "no-device",
    "no-entry",
    "no-lock",
    "insufficient-memory",
    "insufficient-space",
    "not-directory",
    "not-empty",
    "not-recoverable",
    "unsupported",
    "no-tty",
    "no-such-device",
    "overflow",
    "not-permitted",
    "pipe",
    "read-only",
    "invalid-seek",
    "text-file-busy",
    "cross-device",
];

/// `descriptor-type`'s cases in WASI 0.3, in order, before `other`.
const DESCRIPTOR_TYPES: [&str; 7] = [
    "block-device",
    "character-device",
    "directory",
    "fifo",
    "symbolic-link",
    "regular-file",
    "socket",
];

/// The most directory entries one read of a listing gives.
const MAX_ENTRIES: u64 = 1024;

/// A variant of `labels` (no payloads) plus `other(option<string>)`.
fn with_other(labels: &[&str]) -> ValType {
    let mut cases: Vec<(String, Option<ValType>)> =
        labels.iter().map(|l| (l.to_string(), None)).collect();
    cases.push(("other".into(), Some(ValType::option(ValType::String))));
    ValType::variant(cases)
}

/// `result<_, error-code>`, the element type of the streams' futures.
fn result_type() -> ValType {
    ValType::result(None, Some(with_other(&ERROR_CODES)))
}

/// `directory-entry`.
fn entry_type() -> ValType {
    ValType::record(vec![
        ("type".into(), with_other(&DESCRIPTOR_TYPES)),
        ("name".into(), ValType::String),
    ])
}

pub(super) fn add(linker: &mut Linker, store: &mut Store) -> Result<()> {
    let t = host_resource_type(store, "descriptor");
    let i = iface(linker, "wasi:filesystem/types")?;
    i.resource("descriptor", t)?;
    add_descriptor_methods(i, Dialect::P3, t)?;

    i.func_new("[method]descriptor.read-via-stream", |store, args| {
        let d = desc(store, args)?;
        let offset = u64_arg(args, 1)?;
        let source = file(&d, true, false).map(|()| FileSource {
            fd: d.fd.clone(),
            offset,
        });
        read_stream(store, ValType::U8, source)
    })?;
    for (name, append) in [
        ("[method]descriptor.write-via-stream", false),
        ("[method]descriptor.append-via-stream", true),
    ] {
        i.func_new(name, move |store, args| {
            let d = desc(store, args)?;
            let data = args.get(1).ok_or_else(bad_args)?;
            let data = HostEnd::take_readable(store, data).map_err(host_trap)?;
            let pos = if append {
                FilePos::Append
            } else {
                FilePos::At(u64_arg(args, 2)?)
            };
            let (future, result) = HostEnd::new(store, Some(result_type()), true);
            let task: Box<dyn HostTask> = match file(&d, false, true) {
                Ok(()) => {
                    let sink = FileSink {
                        fd: d.fd.clone(),
                        pos,
                    };
                    Box::new(WritePump::new(store, sink, data, result)?)
                }
                Err(e) => refused(store, data, result, e)?,
            };
            spawn_host_task(store, task);
            Ok(vec![future])
        })?;
    }
    i.func_new("[method]descriptor.read-directory", |store, args| {
        let d = desc(store, args)?;
        let source = dir(&d, false)
            .and_then(|()| DirEntries::open(d.fd.as_fd()))
            .map(|entries| DirSource {
                entries: Box::new(entries),
                error: None,
            });
        read_stream(store, entry_type(), source)
    })?;

    add_preopens(iface(linker, "wasi:filesystem/preopens")?, t)?;
    Ok(())
}

/// A new stream of `elem` and its result future, as the tuple a guest
/// gets, filled from `source` (or over at once with its error).
fn read_stream<S: Source + 'static>(
    store: &mut Store,
    elem: ValType,
    source: std::result::Result<S, fs::ErrorCode>,
) -> Result<Vec<Val>, Trap> {
    let (stream, data) = HostEnd::new(store, Some(elem), false);
    let (future, result) = HostEnd::new(store, Some(result_type()), true);
    let task: Box<dyn HostTask> = match source {
        Ok(source) => Box::new(ReadPump::new(source, data, result)),
        Err(e) => refused(store, data, result, e)?,
    };
    spawn_host_task(store, task);
    Ok(vec![Val::Tuple(vec![stream, future])])
}

/// The task of a stream refused with `e`: the stream (the host's end
/// `data`) is over at once, and `e` goes to the future.
fn refused(
    store: &mut Store,
    data: HostEnd,
    result: HostEnd,
    e: fs::ErrorCode,
) -> Result<Box<dyn HostTask>, Trap> {
    let code = Dialect::P3.code(e);
    Ok(Box::new(ResultFuture::failed(store, data, result, code)?))
}

/// A file read from an offset on.
struct FileSource {
    fd: Arc<OwnedFd>,
    offset: u64,
}

impl Source for FileSource {
    fn ready(&self, _: &mut Store, _: bool) -> Result<bool, Trap> {
        Ok(true)
    }

    fn read(&mut self, _: &mut Store, want: u64) -> Result<Result<Vec<Val>, Val>, Trap> {
        Ok(match fs::pread(self.fd.as_fd(), want, self.offset) {
            Ok(bytes) => {
                self.offset = self.offset.saturating_add(bytes.len() as u64);
                Ok(bytes.into_iter().map(Val::U8).collect())
            }
            Err(e) => Err(Dialect::P3.code(e)),
        })
    }
}

/// A file written at an offset (moving on) or appended to.
struct FileSink {
    fd: Arc<OwnedFd>,
    pos: FilePos,
}

impl Sink for FileSink {
    fn write(&mut self, _: &mut Store, vals: Vec<Val>) -> Result<Result<(), Val>, Trap> {
        let bytes = bytes_of(&vals);
        let fd = self.fd.as_fd();
        let r = match &mut self.pos {
            FilePos::Append => fs::append_all(fd, &bytes),
            FilePos::At(off) => fs::pwrite_all(fd, &bytes, *off).map(|()| {
                *off = off.saturating_add(bytes.len() as u64);
            }),
        };
        Ok(r.map_err(|e| Dialect::P3.code(e)))
    }
}

/// A directory's listing, as `directory-entry` records.
struct DirSource {
    entries: Box<DirEntries>,
    /// An error met after some entries: it ends the stream next read.
    error: Option<fs::ErrorCode>,
}

impl Source for DirSource {
    fn ready(&self, _: &mut Store, _: bool) -> Result<bool, Trap> {
        Ok(true)
    }

    fn read(&mut self, _: &mut Store, want: u64) -> Result<Result<Vec<Val>, Val>, Trap> {
        if let Some(e) = self.error.take() {
            return Ok(Err(Dialect::P3.code(e)));
        }
        let mut out = Vec::new();
        while (out.len() as u64) < want.min(MAX_ENTRIES) {
            match self.entries.next() {
                Ok(Some((ty, name))) => out.push(Val::Record(vec![
                    ("type".into(), Dialect::P3.descriptor_type(ty)),
                    ("name".into(), Val::String(Str::new(name))),
                ])),
                Ok(None) => break,
                Err(e) if out.is_empty() => return Ok(Err(Dialect::P3.code(e))),
                Err(e) => {
                    // The entries already read go first.
                    self.error = Some(e);
                    break;
                }
            }
        }
        Ok(Ok(out))
    }
}
