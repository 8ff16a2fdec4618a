//! What `wasi:filesystem` 0.2 and 0.3 share: the descriptor methods that
//! are the same call in both (0.3 makes them `async func`s, which the host
//! completes at once), and `preopens`, over the sandboxed resolution of
//! [`fs`]. The versions differ in how values look ([`Dialect`]): 0.3's
//! `error-code` and `descriptor-type` are variants with an `other` case,
//! and its timestamps are `system-clock.instant`s with signed seconds.
//! Reads, writes and directory listings differ in kind (0.2 resources,
//! 0.3 streams) and live in `p2/filesystem.rs` and `p3/filesystem.rs`.

use std::os::fd::AsFd;

use super::ctx::{Descriptor, Resource};
use super::fs::{self, ErrorCode, NewTime, OpenOptions, Resolved, Stat};
use super::p2::{bad_args, bad_handle, ctx, datetime, err, flag, new_own, ok, rep, str_arg};
use crate::component::{LinkerInstance, ResourceType, Str, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;

pub(in crate::wasi) type FsResult<T> = std::result::Result<T, ErrorCode>;

/// `error-code` labels WASI 0.3 dropped; 0.3 reports them as
/// `other(some(label))`.
const NOT_IN_P3: [&str; 1] = ["would-block"];

/// Which version's value shapes a function speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::wasi) enum Dialect {
    P2,
    P3,
}

impl Dialect {
    /// An `error-code` value: an enum case in 0.2, a variant case in 0.3.
    pub(in crate::wasi) fn code(self, e: ErrorCode) -> Val {
        match self {
            Dialect::P2 => Val::Enum(e.0.into()),
            Dialect::P3 if NOT_IN_P3.contains(&e.0) => other(Some(e.0)),
            Dialect::P3 => Val::Variant(e.0.into(), None),
        }
    }

    /// A `descriptor-type` value (0.2's `unknown` is 0.3's `other(none)`).
    pub(in crate::wasi) fn descriptor_type(self, label: &'static str) -> Val {
        match (self, label) {
            (Dialect::P2, _) => Val::Enum(label.into()),
            (Dialect::P3, "unknown") => other(None),
            (Dialect::P3, _) => Val::Variant(label.into(), None),
        }
    }

    /// A timestamp: `wall-clock.datetime` (0.2) or `system-clock.instant`
    /// (0.3, signed seconds).
    fn time(self, t: (u64, u32)) -> Val {
        match self {
            Dialect::P2 => datetime(t),
            Dialect::P3 => Val::Record(vec![
                (
                    "seconds".into(),
                    Val::S64(i64::try_from(t.0).unwrap_or(i64::MAX)),
                ),
                ("nanoseconds".into(), Val::U32(t.1)),
            ]),
        }
    }

    /// `result<_, error-code>`.
    pub(in crate::wasi) fn unit(self, r: FsResult<()>) -> Val {
        match r {
            Ok(()) => ok(None),
            Err(e) => err(self.code(e)),
        }
    }

    /// `result<T, error-code>`.
    pub(in crate::wasi) fn value(self, r: FsResult<Val>) -> Val {
        match r {
            Ok(v) => ok(Some(v)),
            Err(e) => err(self.code(e)),
        }
    }

    /// `descriptor-stat`.
    fn stat(self, s: &Stat) -> Val {
        let time = |t: Option<(u64, u32)>| Val::Option(t.map(|t| Box::new(self.time(t))));
        Val::Record(vec![
            ("type".into(), self.descriptor_type(s.ty)),
            ("link-count".into(), Val::U64(s.nlink)),
            ("size".into(), Val::U64(s.size)),
            ("data-access-timestamp".into(), time(s.atime)),
            ("data-modification-timestamp".into(), time(s.mtime)),
            ("status-change-timestamp".into(), time(s.ctime)),
        ])
    }
}

/// 0.3's `other(option<string>)` case.
fn other(label: Option<&str>) -> Val {
    let payload = Val::Option(label.map(|l| Box::new(Val::String(Str::new(l)))));
    Val::Variant("other".into(), Some(Box::new(payload)))
}

/// Adds the descriptor methods both versions share to `i`, the
/// `wasi:filesystem/types` instance of `v`, whose descriptors have
/// resource type `t`.
pub(in crate::wasi) fn add_descriptor_methods(
    i: &mut LinkerInstance,
    v: Dialect,
    t: ResourceType,
) -> Result<()> {
    i.func_new("[method]descriptor.advise", move |store, args| {
        let d = desc(store, args)?;
        // Advice may be ignored; it is checked to name a file.
        Ok(vec![v.unit(file(&d, false, false))])
    })?;
    for (name, data) in [
        ("[method]descriptor.sync-data", true),
        ("[method]descriptor.sync", false),
    ] {
        i.func_new(name, move |store, args| {
            let d = desc(store, args)?;
            Ok(vec![v.unit(fs::sync(d.fd.as_fd(), data))])
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
    i.func_new("[method]descriptor.get-type", move |store, args| {
        let d = desc(store, args)?;
        Ok(vec![v.value(
            fs::fstat(d.fd.as_fd()).map(|s| v.descriptor_type(s.ty)),
        )])
    })?;
    i.func_new("[method]descriptor.set-size", move |store, args| {
        let d = desc(store, args)?;
        let size = super::p2::u64_arg(args, 1)?;
        Ok(vec![v.unit(
            file(&d, false, true).and_then(|()| fs::set_size(d.fd.as_fd(), size)),
        )])
    })?;
    i.func_new("[method]descriptor.set-times", move |store, args| {
        let d = desc(store, args)?;
        let (a, m) = (new_time(args, 1)?, new_time(args, 2)?);
        Ok(vec![v.unit(a.and_then(|a| Ok((a, m?))).and_then(
            |(a, m)| fs::set_times(d.fd.as_fd(), None, a, m),
        ))])
    })?;
    i.func_new(
        "[method]descriptor.create-directory-at",
        move |store, args| {
            let d = desc(store, args)?;
            let path = str_arg(args, 1)?;
            Ok(vec![v.unit(
                at(&d, true, path, false).and_then(|r| fs::mkdir_at(d.fd.as_fd(), &r)),
            )])
        },
    )?;
    i.func_new("[method]descriptor.stat", move |store, args| {
        let d = desc(store, args)?;
        Ok(vec![v.value(fs::fstat(d.fd.as_fd()).map(|s| v.stat(&s)))])
    })?;
    i.func_new("[method]descriptor.stat-at", move |store, args| {
        let d = desc(store, args)?;
        let (follow, path) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        Ok(vec![
            v.value(
                at(&d, false, path, follow)
                    .and_then(|r| fs::stat_at(d.fd.as_fd(), &r))
                    .map(|s| v.stat(&s)),
            ),
        ])
    })?;
    i.func_new("[method]descriptor.set-times-at", move |store, args| {
        let d = desc(store, args)?;
        let (follow, path) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        let (a, m) = (new_time(args, 3)?, new_time(args, 4)?);
        Ok(vec![v.unit(at(&d, false, path, follow).and_then(|r| {
            fs::set_times(d.fd.as_fd(), Some(&r), a?, m?)
        }))])
    })?;
    i.func_new("[method]descriptor.link-at", move |store, args| {
        let d = desc(store, args)?;
        let (follow, old) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        let nd = descriptor(store, rep(args, 3)?)?;
        let new = str_arg(args, 4)?;
        Ok(vec![v.unit(at(&d, true, old, follow).and_then(|o| {
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
                let h = new_own(store, t, Resource::Descriptor(nd))?;
                Ok(vec![ok(Some(h))])
            }
            Err(e) => Ok(vec![err(v.code(e))]),
        }
    })?;
    i.func_new("[method]descriptor.readlink-at", move |store, args| {
        let d = desc(store, args)?;
        let path = str_arg(args, 1)?;
        Ok(vec![
            v.value(
                at(&d, false, path, false)
                    .and_then(|r| fs::readlink_at(d.fd.as_fd(), &r))
                    .map(|s| Val::String(Str::new(s))),
            ),
        ])
    })?;
    for (name, is_dir) in [
        ("[method]descriptor.remove-directory-at", true),
        ("[method]descriptor.unlink-file-at", false),
    ] {
        i.func_new(name, move |store, args| {
            let d = desc(store, args)?;
            let path = str_arg(args, 1)?;
            Ok(vec![v.unit(
                at(&d, true, path, false).and_then(|r| fs::unlink_at(d.fd.as_fd(), &r, is_dir)),
            )])
        })?;
    }
    i.func_new("[method]descriptor.rename-at", move |store, args| {
        let d = desc(store, args)?;
        let old = str_arg(args, 1)?;
        let nd = descriptor(store, rep(args, 2)?)?;
        let new = str_arg(args, 3)?;
        Ok(vec![v.unit(at(&d, true, old, false).and_then(|o| {
            let n = at(&nd, true, new, false)?;
            fs::rename_at(d.fd.as_fd(), &o, nd.fd.as_fd(), &n)
        }))])
    })?;
    i.func_new("[method]descriptor.symlink-at", move |store, args| {
        let d = desc(store, args)?;
        let (target, path) = (str_arg(args, 1)?, str_arg(args, 2)?);
        Ok(vec![v.unit(
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
    i.func_new("[method]descriptor.metadata-hash", move |store, args| {
        let d = desc(store, args)?;
        Ok(vec![v.value(fs::fstat(d.fd.as_fd()).map(|s| hash(&s)))])
    })?;
    i.func_new("[method]descriptor.metadata-hash-at", move |store, args| {
        let d = desc(store, args)?;
        let (follow, path) = (flag(args, 1, "symlink-follow")?, str_arg(args, 2)?);
        Ok(vec![
            v.value(
                at(&d, false, path, follow)
                    .and_then(|r| fs::stat_at(d.fd.as_fd(), &r))
                    .map(|s| hash(&s)),
            ),
        ])
    })?;
    Ok(())
}

/// Adds `preopens` (`get-directories`) to `p`, giving descriptors of
/// resource type `t`.
pub(in crate::wasi) fn add_preopens(p: &mut LinkerInstance, t: ResourceType) -> Result<()> {
    p.resource("descriptor", t)?;
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
            let h = new_own(store, t, Resource::Descriptor(d))?;
            out.push(Val::Tuple(vec![h, Val::String(Str::new(name))]));
        }
        Ok(vec![Val::List(out)])
    })?;
    Ok(())
}

/// The descriptor a handle names.
pub(in crate::wasi) fn descriptor(store: &mut Store, rep: u32) -> Result<Descriptor, Trap> {
    ctx(store)?
        .descriptor(rep)
        .cloned()
        .ok_or_else(|| bad_handle("descriptor"))
}

/// The method's `self` descriptor.
pub(in crate::wasi) fn desc(store: &mut Store, args: &[Val]) -> Result<Descriptor, Trap> {
    descriptor(store, rep(args, 0)?)
}

/// Checks that a descriptor is a file opened for what is asked.
pub(in crate::wasi) fn file(d: &Descriptor, read: bool, write: bool) -> FsResult<()> {
    if d.dir {
        return Err(ErrorCode::IS_DIRECTORY);
    }
    if (read && !d.read) || (write && !d.write) {
        return Err(ErrorCode::BAD_DESCRIPTOR);
    }
    Ok(())
}

/// Checks that a descriptor is a directory (that may be changed).
pub(in crate::wasi) fn dir(d: &Descriptor, mutate: bool) -> FsResult<()> {
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

/// A `new-timestamp` argument. Its seconds are unsigned in 0.2 and signed
/// in 0.3, where a time before 1970 is `invalid` here.
fn new_time(args: &[Val], i: usize) -> Result<FsResult<NewTime>, Trap> {
    let Some(Val::Variant(case, payload)) = args.get(i) else {
        return Err(bad_args());
    };
    match (case.as_str(), payload.as_deref()) {
        ("no-change", _) => Ok(Ok(None)),
        ("now", _) => Ok(Ok(Some(None))),
        ("timestamp", Some(Val::Record(fields))) => {
            let mut secs = None;
            let mut nanos = None;
            for (label, v) in fields {
                match (label.as_str(), v) {
                    ("seconds", Val::U64(s)) => secs = Some(Ok(*s)),
                    ("seconds", Val::S64(s)) => {
                        secs = Some(u64::try_from(*s).map_err(|_| ErrorCode::INVALID))
                    }
                    ("nanoseconds", Val::U32(n)) => nanos = Some(*n),
                    _ => {}
                }
            }
            match (secs, nanos) {
                (Some(s), Some(n)) => Ok(s.map(|s| Some(Some((s, n))))),
                _ => Err(bad_args()),
            }
        }
        _ => Err(bad_args()),
    }
}
