//! `wasi:filesystem@0.2`: `types` (descriptors, directory streams, error
//! codes) and `preopens`, over the sandboxed resolution of
//! [`crate::wasi::fs`]. Without preopened directories a guest has no
//! descriptor, so no filesystem at all.

use std::os::fd::AsFd;

use super::{
    Types, bad_args, bytes_arg, bytes_val, ctx, datetime, err, flag, iface, new_own, ok, rep,
    str_arg, u64_arg,
};
use crate::component::{Linker, Str, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::ctx::{Descriptor, FilePos, Resource};
use crate::wasi::fs::{self, ErrorCode, NewTime, OpenOptions, Resolved, Stat};

type FsResult<T> = std::result::Result<T, ErrorCode>;

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
    i.func_new("[method]descriptor.advise", |store, args| {
        let d = desc(store, args)?;
        // Advice may be ignored; it is checked to name a file.
        Ok(vec![unit(file(&d, false, false))])
    })?;
    for (name, data) in [
        ("[method]descriptor.sync-data", true),
        ("[method]descriptor.sync", false),
    ] {
        i.func_new(name, move |store, args| {
            let d = desc(store, args)?;
            Ok(vec![unit(fs::sync(d.fd.as_fd(), data))])
        })?;
    }
    i.func_new("[method]descriptor.get-flags", |store, args| {
        let d = desc(store, args)?;
        let mut set = Vec::new();
        for (on, label) in [
            (d.read, "read"),
            (d.write, "write"),
            (d.mutate, "mutate-directory"),
        ] {
            if on {
                set.push(label.to_string());
            }
        }
        Ok(vec![ok(Some(Val::Flags(set)))])
    })?;
    i.func_new("[method]descriptor.get-type", |store, args| {
        let d = desc(store, args)?;
        Ok(vec![value(
            fs::fstat(d.fd.as_fd()).map(|s| Val::Enum(s.ty.into())),
        )])
    })?;
    i.func_new("[method]descriptor.set-size", |store, args| {
        let d = desc(store, args)?;
        let size = u64_arg(args, 1)?;
        Ok(vec![unit(
            file(&d, false, true).and_then(|()| fs::set_size(d.fd.as_fd(), size)),
        )])
    })?;
    i.func_new("[method]descriptor.set-times", |store, args| {
        let d = desc(store, args)?;
        let (a, m) = (new_time(args, 1)?, new_time(args, 2)?);
        Ok(vec![unit(fs::set_times(d.fd.as_fd(), None, a, m))])
    })?;
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
    i.func_new("[method]descriptor.create-directory-at", |store, args| {
        let d = desc(store, args)?;
        let path = str_arg(args, 1)?;
        Ok(vec![unit(
            at(&d, true, path, false).and_then(|r| fs::mkdir_at(d.fd.as_fd(), &r)),
        )])
    })?;
    i.func_new("[method]descriptor.stat", |store, args| {
        let d = desc(store, args)?;
        Ok(vec![value(fs::fstat(d.fd.as_fd()).map(|s| stat(&s)))])
    })?;
    i.func_new("[method]descriptor.stat-at", |store, args| {
        let d = desc(store, args)?;
        let (follow, path) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        Ok(vec![value(
            at(&d, false, path, follow)
                .and_then(|r| fs::stat_at(d.fd.as_fd(), &r))
                .map(|s| stat(&s)),
        )])
    })?;
    i.func_new("[method]descriptor.set-times-at", |store, args| {
        let d = desc(store, args)?;
        let (follow, path) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        let (a, m) = (new_time(args, 3)?, new_time(args, 4)?);
        Ok(vec![unit(at(&d, false, path, follow).and_then(|r| {
            fs::set_times(d.fd.as_fd(), Some(&r), a, m)
        }))])
    })?;
    i.func_new("[method]descriptor.link-at", |store, args| {
        let d = desc(store, args)?;
        let (follow, old) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        let nd = descriptor(store, rep(args, 3)?)?;
        let new = str_arg(args, 4)?;
        Ok(vec![unit(at(&d, true, old, follow).and_then(|o| {
            let n = at(&nd, true, new, false)?;
            fs::link_at(d.fd.as_fd(), &o, nd.fd.as_fd(), &n)
        }))])
    })?;
    i.func_new("[method]descriptor.open-at", move |store, args| {
        let d = desc(store, args)?;
        let follow = flag(args, 1, "symlink-follow")?;
        let path = str_arg(args, 2)?;
        let o = OpenOptions {
            create: flag(args, 3, "create")?,
            directory: flag(args, 3, "directory")?,
            exclusive: flag(args, 3, "exclusive")?,
            truncate: flag(args, 3, "truncate")?,
            read: flag(args, 4, "read")?,
            write: flag(args, 4, "write")?,
        };
        let mutate = flag(args, 4, "mutate-directory")?;
        // A descriptor gives no more than its directory may: writing,
        // creating and truncating need `mutate-directory` there.
        let changes = o.write || o.create || o.truncate || mutate;
        let opened = if changes && !d.mutate {
            Err(ErrorCode::NOT_PERMITTED)
        } else {
            at(&d, false, path, follow).and_then(|r| fs::open_at(d.fd.as_fd(), &r, o))
        };
        match opened {
            Ok((fd, is_dir)) => {
                let nd = Descriptor {
                    fd: std::sync::Arc::new(fd),
                    dir: is_dir,
                    read: o.read,
                    write: o.write,
                    mutate: mutate && is_dir,
                };
                let h = new_own(store, t.descriptor, Resource::Descriptor(nd))?;
                Ok(vec![ok(Some(h))])
            }
            Err(e) => Ok(vec![code(e)]),
        }
    })?;
    i.func_new("[method]descriptor.readlink-at", |store, args| {
        let d = desc(store, args)?;
        let path = str_arg(args, 1)?;
        Ok(vec![value(
            at(&d, false, path, false)
                .and_then(|r| fs::readlink_at(d.fd.as_fd(), &r))
                .map(|s| Val::String(Str::new(s))),
        )])
    })?;
    for (name, is_dir) in [
        ("[method]descriptor.remove-directory-at", true),
        ("[method]descriptor.unlink-file-at", false),
    ] {
        i.func_new(name, move |store, args| {
            let d = desc(store, args)?;
            let path = str_arg(args, 1)?;
            Ok(vec![unit(
                at(&d, true, path, false).and_then(|r| fs::unlink_at(d.fd.as_fd(), &r, is_dir)),
            )])
        })?;
    }
    i.func_new("[method]descriptor.rename-at", |store, args| {
        let d = desc(store, args)?;
        let old = str_arg(args, 1)?;
        let nd = descriptor(store, rep(args, 2)?)?;
        let new = str_arg(args, 3)?;
        Ok(vec![unit(at(&d, true, old, false).and_then(|o| {
            let n = at(&nd, true, new, false)?;
            fs::rename_at(d.fd.as_fd(), &o, nd.fd.as_fd(), &n)
        }))])
    })?;
    i.func_new("[method]descriptor.symlink-at", |store, args| {
        let d = desc(store, args)?;
        let (target, path) = (str_arg(args, 1)?, str_arg(args, 2)?);
        Ok(vec![unit(
            at(&d, true, path, false).and_then(|r| fs::symlink_at(d.fd.as_fd(), target, &r)),
        )])
    })?;
    i.func_new("[method]descriptor.is-same-object", |store, args| {
        let a = desc(store, args)?;
        let b = descriptor(store, rep(args, 1)?)?;
        let same = match (fs::fstat(a.fd.as_fd()), fs::fstat(b.fd.as_fd())) {
            (Ok(x), Ok(y)) => x.dev == y.dev && x.ino == y.ino,
            _ => false,
        };
        Ok(vec![Val::Bool(same)])
    })?;
    i.func_new("[method]descriptor.metadata-hash", |store, args| {
        let d = desc(store, args)?;
        Ok(vec![value(fs::fstat(d.fd.as_fd()).map(|s| hash(&s)))])
    })?;
    i.func_new("[method]descriptor.metadata-hash-at", |store, args| {
        let d = desc(store, args)?;
        let (follow, path) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        Ok(vec![value(
            at(&d, false, path, follow)
                .and_then(|r| fs::stat_at(d.fd.as_fd(), &r))
                .map(|s| hash(&s)),
        )])
    })?;
    i.func_new(
        "[method]directory-entry-stream.read-directory-entry",
        |store, args| {
            let rep = rep(args, 0)?;
            let Some(Resource::DirStream(entries)) = ctx(store)?.table.get_mut(rep) else {
                return Err(super::io::bad_handle("directory-entry-stream"));
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
            _ => return Err(super::io::bad_handle("error")),
        };
        Ok(vec![Val::Option(
            code.map(|c| Box::new(Val::Enum(c.0.into()))),
        )])
    })?;

    let p = iface(linker, "wasi:filesystem/preopens")?;
    p.resource("descriptor", t.descriptor)?;
    p.func_new("get-directories", move |store, _| {
        let dirs: Vec<(Descriptor, String)> = ctx(store)?
            .preopens
            .iter()
            .map(|p| {
                let d = Descriptor {
                    fd: p.fd.clone(),
                    dir: true,
                    read: true,
                    write: false,
                    mutate: true,
                };
                (d, p.guest.clone())
            })
            .collect();
        let mut out = Vec::with_capacity(dirs.len());
        for (d, name) in dirs {
            let h = new_own(store, t.descriptor, Resource::Descriptor(d))?;
            out.push(Val::Tuple(vec![h, Val::String(Str::new(name))]));
        }
        Ok(vec![Val::List(out)])
    })?;
    Ok(())
}

/// The descriptor a handle names.
fn descriptor(store: &mut Store, rep: u32) -> Result<Descriptor, Trap> {
    ctx(store)?
        .descriptor(rep)
        .cloned()
        .ok_or_else(|| super::io::bad_handle("descriptor"))
}

/// The method's `self` descriptor.
fn desc(store: &mut Store, args: &[Val]) -> Result<Descriptor, Trap> {
    descriptor(store, rep(args, 0)?)
}

/// Checks that a descriptor is a file opened for what is asked.
fn file(d: &Descriptor, read: bool, write: bool) -> FsResult<()> {
    if d.dir {
        return Err(ErrorCode::IS_DIRECTORY);
    }
    if (read && !d.read) || (write && !d.write) {
        return Err(ErrorCode::BAD_DESCRIPTOR);
    }
    Ok(())
}

/// Checks that a descriptor is a directory (that may be changed).
fn dir(d: &Descriptor, mutate: bool) -> FsResult<()> {
    if !d.dir {
        return Err(ErrorCode::NOT_DIRECTORY);
    }
    if mutate && !d.mutate {
        return Err(ErrorCode::NOT_PERMITTED);
    }
    Ok(())
}

/// Resolves a path beneath a directory descriptor.
fn at(d: &Descriptor, mutate: bool, path: &str, follow: bool) -> FsResult<Resolved> {
    dir(d, mutate)?;
    fs::resolve(d.fd.as_fd(), path, follow)
}

/// `result<_, error-code>`.
fn unit(r: FsResult<()>) -> Val {
    match r {
        Ok(()) => ok(None),
        Err(e) => code(e),
    }
}

/// `result<T, error-code>`.
fn value(r: FsResult<Val>) -> Val {
    match r {
        Ok(v) => ok(Some(v)),
        Err(e) => code(e),
    }
}

fn code(e: ErrorCode) -> Val {
    err(Val::Enum(e.0.into()))
}

/// `descriptor-stat`.
fn stat(s: &Stat) -> Val {
    let time = |t: Option<(u64, u32)>| Val::Option(t.map(|t| Box::new(datetime(t))));
    Val::Record(vec![
        ("type".into(), Val::Enum(s.ty.into())),
        ("link-count".into(), Val::U64(s.nlink)),
        ("size".into(), Val::U64(s.size)),
        ("data-access-timestamp".into(), time(s.atime)),
        ("data-modification-timestamp".into(), time(s.mtime)),
        ("status-change-timestamp".into(), time(s.ctime)),
    ])
}

/// `metadata-hash-value`: a hash of the device and inode, which identify
/// the object (mixed so the numbers are not shown as they are).
fn hash(s: &Stat) -> Val {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    Val::Record(vec![
        ("lower".into(), Val::U64(mix(s.ino ^ mix(s.dev)))),
        ("upper".into(), Val::U64(mix(s.dev ^ mix(s.ino)))),
    ])
}

/// A `new-timestamp` argument.
fn new_time(args: &[Val], i: usize) -> Result<NewTime, Trap> {
    match args.get(i) {
        Some(Val::Variant(case, payload)) => match (case.as_str(), payload.as_deref()) {
            ("no-change", _) => Ok(None),
            ("now", _) => Ok(Some(None)),
            ("timestamp", Some(Val::Record(fields))) => {
                let mut secs = None;
                let mut nanos = None;
                for (label, v) in fields {
                    match (label.as_str(), v) {
                        ("seconds", Val::U64(s)) => secs = Some(*s),
                        ("nanoseconds", Val::U32(n)) => nanos = Some(*n),
                        _ => {}
                    }
                }
                match (secs, nanos) {
                    (Some(s), Some(n)) => Ok(Some(Some((s, n)))),
                    _ => Err(bad_args()),
                }
            }
            _ => Err(bad_args()),
        },
        _ => Err(bad_args()),
    }
}
