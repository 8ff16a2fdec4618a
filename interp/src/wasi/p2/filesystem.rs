//! `wasi:filesystem@0.2`: `types` (descriptors, directory streams, error
//! codes) and `preopens`, over the sandboxed resolution of
//! [`crate::wasi::fs`]. Without preopened directories a guest has no
//! descriptor, so no filesystem at all. The methods 0.3 shares are in
//! [`crate::wasi::filesystem`]; here are 0.2's own: reads and writes
//! through `wasi:io` streams, `read`/`write`, and directory-entry streams.

use std::os::fd::AsFd;

use super::{Types, bad_handle, bytes_arg, bytes_val, ctx, err, iface, new_own, ok, rep, u64_arg};
use crate::component::{Linker, Str, Val};
use crate::error::Result;
use crate::wasi::ctx::{FilePos, Resource};
use crate::wasi::filesystem::{
    Dialect, FsResult, add_descriptor_methods, add_preopens, desc, dir, file,
};
use crate::wasi::fs::{self, ErrorCode};

pub(super) fn add(linker: &mut Linker, t: Types) -> Result<()> {
    let i = iface(linker, "wasi:filesystem/types")?;
    for (name, rt) in [
        ("input-stream", t.input_stream),
        ("output-stream", t.output_stream),
        ("error", t.error),
        ("descriptor", t.descriptor),
        ("directory-entry-stream", t.dir_stream),
    ] {
        i.resource(name, rt)?;
    }

    i.func_new("[method]descriptor.read-via-stream", move |store, args| {
        let d = desc(store, args)?;
        let off = u64_arg(args, 1)?;
        match file(&d, true, false) {
            Ok(()) => {
                let h = new_own(
                    store,
                    t.input_stream,
                    Resource::FileInput {
                        fd: d.fd.clone(),
                        offset: off,
                    },
                )?;
                Ok(vec![ok(Some(h))])
            }
            Err(e) => Ok(vec![code(e)]),
        }
    })?;
    for (name, append) in [
        ("[method]descriptor.write-via-stream", false),
        ("[method]descriptor.append-via-stream", true),
    ] {
        i.func_new(name, move |store, args| {
            let d = desc(store, args)?;
            let pos = if append {
                FilePos::Append
            } else {
                FilePos::At(u64_arg(args, 1)?)
            };
            match file(&d, false, true) {
                Ok(()) => {
                    let h = new_own(
                        store,
                        t.output_stream,
                        Resource::FileOutput {
                            fd: d.fd.clone(),
                            pos,
                        },
                    )?;
                    Ok(vec![ok(Some(h))])
                }
                Err(e) => Ok(vec![code(e)]),
            }
        })?;
    }
    i.func_new("[method]descriptor.read", |store, args| {
        let d = desc(store, args)?;
        let (len, off) = (u64_arg(args, 1)?, u64_arg(args, 2)?);
        Ok(vec![value(
            file(&d, true, false)
                .and_then(|()| fs::pread(d.fd.as_fd(), len, off))
                .map(|b| {
                    let eof = b.is_empty() && len > 0;
                    Val::Tuple(vec![bytes_val(&b), Val::Bool(eof)])
                }),
        )])
    })?;
    i.func_new("[method]descriptor.write", |store, args| {
        let d = desc(store, args)?;
        let (data, off) = (bytes_arg(args, 1)?, u64_arg(args, 2)?);
        Ok(vec![value(
            file(&d, false, true)
                .and_then(|()| fs::pwrite_all(d.fd.as_fd(), &data, off))
                .map(|()| Val::U64(data.len() as u64)),
        )])
    })?;
    i.func_new("[method]descriptor.read-directory", move |store, args| {
        let d = desc(store, args)?;
        match dir(&d, false).and_then(|()| fs::DirEntries::open(d.fd.as_fd())) {
            Ok(entries) => {
                let h = new_own(store, t.dir_stream, Resource::DirStream(Box::new(entries)))?;
                Ok(vec![ok(Some(h))])
            }
            Err(e) => Ok(vec![code(e)]),
        }
    })?;
    i.func_new(
        "[method]directory-entry-stream.read-directory-entry",
        |store, args| {
            let rep = rep(args, 0)?;
            let Some(Resource::DirStream(entries)) = ctx(store)?.table.get_mut(rep) else {
                return Err(bad_handle("directory-entry-stream"));
            };
            Ok(vec![value(entries.next().map(|e| {
                Val::Option(e.map(|(ty, name)| {
                    Box::new(Val::Record(vec![
                        ("type".into(), Val::Enum(ty.into())),
                        ("name".into(), Val::String(Str::new(name))),
                    ]))
                }))
            }))])
        },
    )?;
    i.func_new("filesystem-error-code", |store, args| {
        let rep = rep(args, 0)?;
        let code = match ctx(store)?.table.get(rep) {
            Some(Resource::IoError { code, .. }) => *code,
            _ => return Err(bad_handle("error")),
        };
        Ok(vec![Val::Option(
            code.map(|c| Box::new(Val::Enum(c.0.into()))),
        )])
    })?;

    add_descriptor_methods(i, Dialect::P2, t.descriptor)?;
    add_preopens(iface(linker, "wasi:filesystem/preopens")?, t.descriptor)?;
    Ok(())
}

/// `result<T, error-code>`.
fn value(r: FsResult<Val>) -> Val {
    Dialect::P2.value(r)
}

fn code(e: ErrorCode) -> Val {
    err(Dialect::P2.code(e))
}
