//! The sandboxed filesystem under `wasi:filesystem`: every path is resolved
//! relative to a directory descriptor, one component at a time, with
//! `openat`-style calls on directory file descriptors, never by handing a
//! joined path to the host.
//!
//! The rule (wasi-filesystem's `types` interface, its introduction): a
//! path starting with `/`, a `..` step or a symbolic link step reaching
//! outside the base directory, or a symbolic link to an absolute path,
//! fails with `error-code::not-permitted`. Resolution keeps the stack of
//! directories it descended into, so `..` pops one and fails at the base;
//! symbolic links are read (`readlinkat`) and their relative targets
//! resolved by the same rule, at most [`MAX_SYMLINKS`] times (`loop`
//! beyond); every directory is then opened with `O_NOFOLLOW`, so a
//! component replaced by a symbolic link after it was looked at (a race
//! through a renamed directory) is refused by the host (`loop`) instead of
//! followed. A descriptor names a directory, not a path: renaming it
//! elsewhere does not widen what it reaches, since `..` never goes above it.

use std::collections::VecDeque;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

/// How many symbolic links one resolution may expand (as POSIX's
/// `SYMLOOP_MAX` is commonly 40).
pub(crate) const MAX_SYMLINKS: usize = 40;

/// The longest path accepted, in bytes (Linux's `PATH_MAX`), so resolution
/// holds a bounded number of directories open.
pub(crate) const MAX_PATH: usize = 4096;

/// A `wasi:filesystem/types.error-code`, by its WIT label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ErrorCode(pub(crate) &'static str);

impl ErrorCode {
    pub(crate) const BAD_DESCRIPTOR: ErrorCode = ErrorCode("bad-descriptor");
    pub(crate) const INVALID: ErrorCode = ErrorCode("invalid");
    pub(crate) const IO: ErrorCode = ErrorCode("io");
    pub(crate) const IS_DIRECTORY: ErrorCode = ErrorCode("is-directory");
    pub(crate) const LOOP: ErrorCode = ErrorCode("loop");
    pub(crate) const NAME_TOO_LONG: ErrorCode = ErrorCode("name-too-long");
    pub(crate) const NO_ENTRY: ErrorCode = ErrorCode("no-entry");
    pub(crate) const NOT_DIRECTORY: ErrorCode = ErrorCode("not-directory");
    pub(crate) const NOT_PERMITTED: ErrorCode = ErrorCode("not-permitted");
    pub(crate) const ILLEGAL_BYTE_SEQUENCE: ErrorCode = ErrorCode("illegal-byte-sequence");
}

impl From<Errno> for ErrorCode {
    /// The error code of a host error number (the WIT says which POSIX
    /// error each code is "similar to").
    fn from(e: Errno) -> ErrorCode {
        ErrorCode(match e {
            Errno::ACCESS => "access",
            Errno::AGAIN => "would-block",
            Errno::ALREADY => "already",
            Errno::BADF => "bad-descriptor",
            Errno::BUSY => "busy",
            Errno::DEADLK => "deadlock",
            Errno::DQUOT => "quota",
            Errno::EXIST => "exist",
            Errno::FBIG => "file-too-large",
            Errno::ILSEQ => "illegal-byte-sequence",
            Errno::INPROGRESS => "in-progress",
            Errno::INTR => "interrupted",
            Errno::INVAL => "invalid",
            Errno::ISDIR => "is-directory",
            Errno::LOOP => "loop",
            Errno::MLINK => "too-many-links",
            Errno::MSGSIZE => "message-size",
            Errno::NAMETOOLONG => "name-too-long",
            Errno::NODEV => "no-device",
            Errno::NOENT => "no-entry",
            Errno::NOLCK => "no-lock",
            Errno::NOMEM => "insufficient-memory",
            Errno::NOSPC => "insufficient-space",
            Errno::NOTDIR => "not-directory",
            Errno::NOTEMPTY => "not-empty",
            Errno::NOTRECOVERABLE => "not-recoverable",
            Errno::NOTSUP => "unsupported",
            Errno::NOTTY => "no-tty",
            Errno::NXIO => "no-such-device",
            Errno::OVERFLOW => "overflow",
            Errno::PERM => "not-permitted",
            Errno::PIPE => "pipe",
            Errno::ROFS => "read-only",
            Errno::SPIPE => "invalid-seek",
            Errno::TXTBSY => "text-file-busy",
            Errno::XDEV => "cross-device",
            _ => "io",
        })
    }
}

impl From<std::io::Error> for ErrorCode {
    fn from(e: std::io::Error) -> ErrorCode {
        e.raw_os_error()
            .map_or(ErrorCode::IO, |n| Errno::from_raw_os_error(n).into())
    }
}

/// Opens a host directory to preopen.
pub(crate) fn open_host_dir(path: &std::path::Path) -> std::io::Result<OwnedFd> {
    Ok(rfs::open(
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// A resolved path: the directories descended into (the base when empty)
/// and the last component, to be used relative to the last of them.
pub(crate) struct Resolved {
    stack: Vec<OwnedFd>,
    pub(crate) name: String,
}

impl Resolved {
    /// The directory `name` is relative to.
    pub(crate) fn dir<'a>(&'a self, base: BorrowedFd<'a>) -> BorrowedFd<'a> {
        self.stack.last().map_or(base, |f| f.as_fd())
    }
}

/// Resolves `path` beneath the directory `base` (see the module's doc):
/// every component but the last is followed (through symbolic links) and
/// opened; the last is followed too when `follow` is set. A last component
/// of `.`, `..` or an empty one (a trailing `/`) gives `.` in the
/// directory reached.
pub(crate) fn resolve(
    base: BorrowedFd<'_>,
    path: &str,
    follow: bool,
) -> Result<Resolved, ErrorCode> {
    if path.is_empty() {
        return Err(ErrorCode::NO_ENTRY);
    }
    if path.len() > MAX_PATH {
        return Err(ErrorCode::NAME_TOO_LONG);
    }
    if path.starts_with('/') {
        return Err(ErrorCode::NOT_PERMITTED);
    }
    if path.contains('\0') {
        return Err(ErrorCode::ILLEGAL_BYTE_SEQUENCE);
    }
    let mut queue: VecDeque<String> = path.split('/').map(str::to_string).collect();
    let mut stack: Vec<OwnedFd> = Vec::new();
    let mut expansions = 0;
    while let Some(c) = queue.pop_front() {
        let last = queue.is_empty();
        match c.as_str() {
            "" | "." => {}
            ".." => {
                if stack.pop().is_none() {
                    return Err(ErrorCode::NOT_PERMITTED);
                }
            }
            name => {
                let dir = stack.last().map_or(base, |f| f.as_fd());
                if !last || follow {
                    match rfs::readlinkat(dir, name, Vec::new()) {
                        Ok(target) => {
                            expansions += 1;
                            if expansions > MAX_SYMLINKS {
                                return Err(ErrorCode::LOOP);
                            }
                            let target = target
                                .into_string()
                                .map_err(|_| ErrorCode::ILLEGAL_BYTE_SEQUENCE)?;
                            if target.starts_with('/') {
                                return Err(ErrorCode::NOT_PERMITTED);
                            }
                            if target.is_empty() {
                                return Err(ErrorCode::NO_ENTRY);
                            }
                            for t in target.split('/').rev() {
                                queue.push_front(t.to_string());
                            }
                            continue;
                        }
                        // Not a symbolic link; or, for the last component,
                        // nothing yet (a name to create).
                        Err(Errno::INVAL) => {}
                        Err(Errno::NOENT) if last => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                if last {
                    return Ok(Resolved {
                        stack,
                        name: name.to_string(),
                    });
                }
                let fd = rfs::openat(
                    dir,
                    name,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                stack.push(fd);
            }
        }
    }
    Ok(Resolved {
        stack,
        name: ".".to_string(),
    })
}

/// `descriptor-type` of a host file type.
pub(crate) fn type_label(ft: FileType) -> &'static str {
    match ft {
        FileType::RegularFile => "regular-file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic-link",
        FileType::Fifo => "fifo",
        FileType::Socket => "socket",
        FileType::CharacterDevice => "character-device",
        FileType::BlockDevice => "block-device",
        _ => "unknown",
    }
}

/// What `stat` tells, in WASI's terms.
#[derive(Clone, Debug)]
pub(crate) struct Stat {
    pub(crate) ty: &'static str,
    pub(crate) nlink: u64,
    pub(crate) size: u64,
    pub(crate) atime: Option<(u64, u32)>,
    pub(crate) mtime: Option<(u64, u32)>,
    pub(crate) ctime: Option<(u64, u32)>,
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

/// A timestamp since the epoch; `None` before it (WASI's datetime is
/// unsigned).
fn datetime(secs: i64, nsec: i64) -> Option<(u64, u32)> {
    let s = u64::try_from(secs).ok()?;
    let n = u32::try_from(nsec).ok().filter(|n| *n < 1_000_000_000)?;
    Some((s, n))
}

#[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
fn stat_of(s: &rfs::Stat) -> Stat {
    Stat {
        ty: type_label(FileType::from_raw_mode(s.st_mode as _)),
        nlink: s.st_nlink as u64,
        size: s.st_size as u64,
        atime: datetime(s.st_atime as i64, s.st_atime_nsec as i64),
        mtime: datetime(s.st_mtime as i64, s.st_mtime_nsec as i64),
        ctime: datetime(s.st_ctime as i64, s.st_ctime_nsec as i64),
        dev: s.st_dev as u64,
        ino: s.st_ino as u64,
    }
}

/// `fstat`.
pub(crate) fn fstat(fd: BorrowedFd<'_>) -> Result<Stat, ErrorCode> {
    Ok(stat_of(&rfs::fstat(fd)?))
}

/// `stat` of a resolved name, not following a last symbolic link (the
/// resolution did, if asked to).
pub(crate) fn stat_at(base: BorrowedFd<'_>, r: &Resolved) -> Result<Stat, ErrorCode> {
    Ok(stat_of(&rfs::statat(
        r.dir(base),
        r.name.as_str(),
        AtFlags::SYMLINK_NOFOLLOW,
    )?))
}

/// What `open-at` asks for.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OpenOptions {
    pub(crate) create: bool,
    pub(crate) directory: bool,
    pub(crate) exclusive: bool,
    pub(crate) truncate: bool,
    pub(crate) read: bool,
    pub(crate) write: bool,
}

/// Opens a resolved name; the last component is never followed by the
/// host (a symbolic link there gives `loop`, as `O_NOFOLLOW` does), so
/// nothing swapped in after resolution is followed. Returns the file and
/// whether it is a directory.
pub(crate) fn open_at(
    base: BorrowedFd<'_>,
    r: &Resolved,
    o: OpenOptions,
) -> Result<(OwnedFd, bool), ErrorCode> {
    let mut flags = OFlags::CLOEXEC | OFlags::NOFOLLOW;
    flags |= match (o.read, o.write) {
        (true, true) => OFlags::RDWR,
        (false, true) => OFlags::WRONLY,
        _ => OFlags::RDONLY,
    };
    for (set, f) in [
        (o.create, OFlags::CREATE),
        (o.exclusive, OFlags::EXCL),
        (o.truncate, OFlags::TRUNC),
        (o.directory, OFlags::DIRECTORY),
    ] {
        if set {
            flags |= f;
        }
    }
    let fd = rfs::openat(
        r.dir(base),
        r.name.as_str(),
        flags,
        Mode::from_bits_truncate(0o666),
    )?;
    let is_dir = fstat(fd.as_fd())?.ty == "directory";
    Ok((fd, is_dir))
}

/// Reads up to `len` bytes at `offset`.
pub(crate) fn pread(fd: BorrowedFd<'_>, len: u64, offset: u64) -> Result<Vec<u8>, ErrorCode> {
    let len = usize::try_from(len.min(super::MAX_CHUNK)).unwrap_or(0);
    let mut buf = vec![0u8; len];
    let n = rustix::io::pread(fd, &mut buf[..], offset)?;
    buf.truncate(n);
    Ok(buf)
}

/// Writes all of `data` at `offset`.
pub(crate) fn pwrite_all(
    fd: BorrowedFd<'_>,
    mut data: &[u8],
    mut offset: u64,
) -> Result<(), ErrorCode> {
    while !data.is_empty() {
        let n = rustix::io::pwrite(fd, data, offset)?;
        if n == 0 {
            return Err(ErrorCode::IO);
        }
        data = &data[n..];
        offset = offset.saturating_add(n as u64);
    }
    Ok(())
}

/// Appends all of `data` at the end of the file.
pub(crate) fn append_all(fd: BorrowedFd<'_>, data: &[u8]) -> Result<(), ErrorCode> {
    let end = fstat(fd)?.size;
    pwrite_all(fd, data, end)
}

/// A directory's entries (without `.` and `..`), read as asked for.
pub(crate) struct DirEntries {
    dir: rfs::Dir,
    /// The directory, to ask the type of entries the listing does not give.
    fd: OwnedFd,
}

impl DirEntries {
    pub(crate) fn open(fd: BorrowedFd<'_>) -> Result<DirEntries, ErrorCode> {
        let own = rfs::openat(
            fd,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(DirEntries {
            dir: rfs::Dir::read_from(fd)?,
            fd: own,
        })
    }

    /// The next entry: its type and name.
    pub(crate) fn next(&mut self) -> Result<Option<(&'static str, String)>, ErrorCode> {
        loop {
            let Some(entry) = self.dir.read() else {
                return Ok(None);
            };
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name =
                String::from_utf8(name.to_vec()).map_err(|_| ErrorCode::ILLEGAL_BYTE_SEQUENCE)?;
            let ty = match entry.file_type() {
                FileType::Unknown => {
                    rfs::statat(&self.fd, name.as_str(), AtFlags::SYMLINK_NOFOLLOW)
                        .map_or("unknown", |s| {
                            type_label(FileType::from_raw_mode(s.st_mode as _))
                        })
                }
                ft => type_label(ft),
            };
            return Ok(Some((ty, name)));
        }
    }
}

impl std::fmt::Debug for DirEntries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DirEntries")
    }
}

/// `utimensat`/`futimens` times: `None` leaves a time, `Some(None)` sets
/// it to now, `Some(Some(t))` to `t`.
pub(crate) type NewTime = Option<Option<(u64, u32)>>;

fn timespec(t: NewTime) -> rfs::Timespec {
    match t {
        None => rfs::Timespec {
            tv_sec: 0,
            tv_nsec: rfs::UTIME_OMIT,
        },
        Some(None) => rfs::Timespec {
            tv_sec: 0,
            tv_nsec: rfs::UTIME_NOW,
        },
        Some(Some((s, n))) => rfs::Timespec {
            tv_sec: i64::try_from(s).unwrap_or(i64::MAX) as _,
            tv_nsec: n as _,
        },
    }
}

/// Sets the access and modification times of a file, or of a resolved
/// name (not following a last symbolic link).
pub(crate) fn set_times(
    fd: BorrowedFd<'_>,
    at: Option<&Resolved>,
    atime: NewTime,
    mtime: NewTime,
) -> Result<(), ErrorCode> {
    let times = rfs::Timestamps {
        last_access: timespec(atime),
        last_modification: timespec(mtime),
    };
    match at {
        None => rfs::futimens(fd, &times)?,
        Some(r) => rfs::utimensat(
            r.dir(fd),
            r.name.as_str(),
            &times,
            AtFlags::SYMLINK_NOFOLLOW,
        )?,
    }
    Ok(())
}

/// `mkdirat`.
pub(crate) fn mkdir_at(base: BorrowedFd<'_>, r: &Resolved) -> Result<(), ErrorCode> {
    Ok(rfs::mkdirat(
        r.dir(base),
        r.name.as_str(),
        Mode::from_bits_truncate(0o777),
    )?)
}

/// `unlinkat`, of a file or (`dir`) an empty directory.
pub(crate) fn unlink_at(base: BorrowedFd<'_>, r: &Resolved, dir: bool) -> Result<(), ErrorCode> {
    let flags = if dir {
        AtFlags::REMOVEDIR
    } else {
        AtFlags::empty()
    };
    Ok(rfs::unlinkat(r.dir(base), r.name.as_str(), flags)?)
}

/// `renameat`.
pub(crate) fn rename_at(
    old_base: BorrowedFd<'_>,
    old: &Resolved,
    new_base: BorrowedFd<'_>,
    new: &Resolved,
) -> Result<(), ErrorCode> {
    Ok(rfs::renameat(
        old.dir(old_base),
        old.name.as_str(),
        new.dir(new_base),
        new.name.as_str(),
    )?)
}

/// `linkat` (never following a last symbolic link: resolution did that).
pub(crate) fn link_at(
    old_base: BorrowedFd<'_>,
    old: &Resolved,
    new_base: BorrowedFd<'_>,
    new: &Resolved,
) -> Result<(), ErrorCode> {
    Ok(rfs::linkat(
        old.dir(old_base),
        old.name.as_str(),
        new.dir(new_base),
        new.name.as_str(),
        AtFlags::empty(),
    )?)
}

/// `symlinkat`: a link whose target is absolute could only name something
/// outside the sandbox, so it is refused.
pub(crate) fn symlink_at(
    base: BorrowedFd<'_>,
    target: &str,
    r: &Resolved,
) -> Result<(), ErrorCode> {
    if target.starts_with('/') {
        return Err(ErrorCode::NOT_PERMITTED);
    }
    if target.contains('\0') {
        return Err(ErrorCode::ILLEGAL_BYTE_SEQUENCE);
    }
    Ok(rfs::symlinkat(target, r.dir(base), r.name.as_str())?)
}

/// `readlinkat`: an absolute target is not shown (`not-permitted`).
pub(crate) fn readlink_at(base: BorrowedFd<'_>, r: &Resolved) -> Result<String, ErrorCode> {
    let target = rfs::readlinkat(r.dir(base), r.name.as_str(), Vec::new())?;
    let target = target
        .into_string()
        .map_err(|_| ErrorCode::ILLEGAL_BYTE_SEQUENCE)?;
    if target.starts_with('/') {
        return Err(ErrorCode::NOT_PERMITTED);
    }
    Ok(target)
}

/// `ftruncate`.
pub(crate) fn set_size(fd: BorrowedFd<'_>, size: u64) -> Result<(), ErrorCode> {
    Ok(rfs::ftruncate(fd, size)?)
}

/// `fsync` (`data`: `fdatasync`).
pub(crate) fn sync(fd: BorrowedFd<'_>, data: bool) -> Result<(), ErrorCode> {
    if data {
        rfs::fdatasync(fd)?
    } else {
        rfs::fsync(fd)?
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cmref-fs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn open(base: BorrowedFd<'_>, path: &str) -> Result<(OwnedFd, bool), ErrorCode> {
        let r = resolve(base, path, true)?;
        open_at(
            base,
            &r,
            OpenOptions {
                read: true,
                ..Default::default()
            },
        )
    }

    #[test]
    fn escapes_are_not_permitted() {
        let outer = scratch("escapes");
        std::fs::write(outer.join("secret"), "s").unwrap();
        let pre = outer.join("pre");
        std::fs::create_dir_all(pre.join("a/b")).unwrap();
        std::fs::write(pre.join("a/file"), "f").unwrap();
        symlink("../../secret", pre.join("a/out")).unwrap();
        symlink(outer.join("secret"), pre.join("abs")).unwrap();
        symlink("b/..", pre.join("a/in")).unwrap();
        symlink("loop", pre.join("loop")).unwrap();
        let base = open_host_dir(&pre).unwrap();
        let b = base.as_fd();
        assert!(open(b, "a/file").is_ok());
        assert!(open(b, "a/b/../file").is_ok());
        assert!(
            open(b, "a/in/file").is_ok(),
            "a link inside the path, staying in"
        );
        for (path, code) in [
            ("..", ErrorCode::NOT_PERMITTED),
            ("../secret", ErrorCode::NOT_PERMITTED),
            ("a/../../secret", ErrorCode::NOT_PERMITTED),
            ("/etc/passwd", ErrorCode::NOT_PERMITTED),
            ("a/out", ErrorCode::NOT_PERMITTED),
            ("abs", ErrorCode::NOT_PERMITTED),
            ("loop", ErrorCode::LOOP),
            ("a/file/x", ErrorCode::NOT_DIRECTORY),
            ("", ErrorCode::NO_ENTRY),
        ] {
            assert_eq!(open(b, path).err(), Some(code), "{path}");
        }
        // Not following a last symbolic link: the link itself is refused
        // by the host (`O_NOFOLLOW`).
        let r = resolve(b, "abs", false).unwrap();
        assert_eq!(
            open_at(b, &r, OpenOptions::default()).err(),
            Some(ErrorCode::LOOP)
        );
        assert_eq!(readlink_at(b, &r).err(), Some(ErrorCode::NOT_PERMITTED));
        assert_eq!(
            symlink_at(b, "/etc", &resolve(b, "new", false).unwrap()).err(),
            Some(ErrorCode::NOT_PERMITTED)
        );
        let long = "a/".repeat(MAX_PATH);
        assert_eq!(open(b, &long).err(), Some(ErrorCode::NAME_TOO_LONG));
    }

    #[test]
    fn a_renamed_directory_does_not_widen_a_descriptor() {
        let outer = scratch("rename");
        std::fs::write(outer.join("secret"), "s").unwrap();
        let pre = outer.join("pre");
        std::fs::create_dir_all(pre.join("a")).unwrap();
        let base = open_host_dir(&pre).unwrap();
        let (a, is_dir) = open(base.as_fd(), "a").unwrap();
        assert!(is_dir);
        // The directory moves out of the preopen while the guest holds it:
        // `..` from it still stops at the descriptor.
        std::fs::rename(pre.join("a"), outer.join("a")).unwrap();
        assert_eq!(
            open(a.as_fd(), "../secret").err(),
            Some(ErrorCode::NOT_PERMITTED)
        );
        // A directory of the path replaced by a symbolic link pointing out
        // after the guest named it is followed only by the sandbox's rules.
        std::fs::create_dir_all(outer.join("elsewhere")).unwrap();
        std::fs::write(outer.join("elsewhere/x"), "x").unwrap();
        symlink(outer.join("elsewhere"), pre.join("a")).unwrap();
        assert_eq!(
            open(base.as_fd(), "a/x").err(),
            Some(ErrorCode::NOT_PERMITTED)
        );
    }
}
