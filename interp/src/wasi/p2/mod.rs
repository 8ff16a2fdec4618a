//! The WASI 0.2 host: `wasi:cli`, `wasi:io`, `wasi:clocks`, `wasi:random`
//! and `wasi:filesystem` at 0.2, one module per package, one function per
//! WIT function, over the store's [`WasiCtx`]; and `wasi:sockets`, which
//! grants no network (every socket and lookup is `access-denied`).
//!
//! The functions are defined under the names of WASI 0.2.12
//! ([`VERSION`]); the linker's lookup is semver-aware, so a component
//! importing any 0.2.x interface gets them (a function a later minor
//! version added is there for older importers too, unused). Host functions
//! are typed by the importing component: a value of the wrong shape is an
//! error, never a crash.

pub(in crate::wasi) mod cli;
mod clocks;
mod filesystem;
mod io;
pub(in crate::wasi) mod random;
mod sockets;

use std::sync::Arc;

use super::WasiCtx;
use super::ctx::Resource;
use crate::component::{Linker, LinkerInstance, Resource as Handle, ResourceType, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;

/// The WASI version whose interface names the host defines.
pub const VERSION: &str = "0.2.12";

/// The host resource types of WASI 0.2, created in one store.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Types {
    pub(crate) input_stream: ResourceType,
    pub(crate) output_stream: ResourceType,
    pub(crate) pollable: ResourceType,
    pub(crate) error: ResourceType,
    pub(crate) descriptor: ResourceType,
    pub(crate) dir_stream: ResourceType,
    pub(crate) terminal_input: ResourceType,
    pub(crate) terminal_output: ResourceType,
}

impl Types {
    fn new(store: &mut Store) -> Types {
        let mut rt = |name: &str| host_resource_type(store, name);
        Types {
            input_stream: rt("input-stream"),
            output_stream: rt("output-stream"),
            pollable: rt("pollable"),
            error: rt("error"),
            descriptor: rt("descriptor"),
            dir_stream: rt("directory-entry-stream"),
            terminal_input: rt("terminal-input"),
            terminal_output: rt("terminal-output"),
        }
    }
}

/// A host resource type of WASI: dropping a guest's owned handle frees
/// the host object it names.
pub(in crate::wasi) fn host_resource_type(store: &mut Store, name: &str) -> ResourceType {
    let dtor = Arc::new(|store: &mut Store, rep: u32| {
        if let Some(ctx) = store.data_mut::<WasiCtx>() {
            ctx.table.remove(rep);
        }
        Ok(())
    });
    ResourceType::host(store, name, Some(dtor))
}

/// Adds every WASI 0.2 interface the host implements to `linker`, with
/// resource types made in `store` (so the linker serves that store). The
/// guest's state is the [`WasiCtx`] the store holds (`Store::set_data`).
pub fn add_to_linker(linker: &mut Linker, store: &mut Store) -> Result<()> {
    let t = Types::new(store);
    io::add(linker, t)?;
    cli::add(linker, t)?;
    clocks::add(linker, t)?;
    random::add(linker, VERSION, "insecure-seed", false)?;
    filesystem::add(linker, t)?;
    sockets::add(linker, store, t)?;
    Ok(())
}

/// The linker instance of interface `name` (`wasi:io/streams`).
fn iface<'a>(linker: &'a mut Linker, name: &str) -> Result<&'a mut LinkerInstance> {
    linker.root().instance(&format!("{name}@{VERSION}"))
}

/// The store's WASI context.
pub(in crate::wasi) fn ctx(store: &mut Store) -> Result<&mut WasiCtx, Trap> {
    store
        .data_mut::<WasiCtx>()
        .ok_or_else(|| Trap::host("WASI: the store holds no WasiCtx"))
}

/// Puts a host object in the table and gives an owned handle of type `ty`.
pub(in crate::wasi) fn new_own(
    store: &mut Store,
    ty: ResourceType,
    r: Resource,
) -> Result<Val, Trap> {
    let rep = ctx(store)?
        .table
        .push(r)
        .ok_or_else(|| Trap::host("WASI: too many resources held at once"))?;
    Ok(Val::Own(Handle { ty, rep }))
}

/// An argument that must be a handle: its rep.
pub(in crate::wasi) fn rep(args: &[Val], i: usize) -> Result<u32, Trap> {
    match args.get(i) {
        Some(Val::Borrow(h) | Val::Own(h)) => Ok(h.rep),
        _ => Err(bad_args()),
    }
}

pub(in crate::wasi) fn bad_handle(what: &str) -> Trap {
    Trap::host(format!("WASI: a handle that names no {what}"))
}

pub(in crate::wasi) fn bad_args() -> Trap {
    Trap::host("WASI: arguments of an unexpected type")
}

pub(in crate::wasi) fn u64_arg(args: &[Val], i: usize) -> Result<u64, Trap> {
    match args.get(i) {
        Some(Val::U64(n)) => Ok(*n),
        _ => Err(bad_args()),
    }
}

pub(in crate::wasi) fn str_arg(args: &[Val], i: usize) -> Result<&str, Trap> {
    match args.get(i) {
        Some(Val::String(s)) => Ok(s.as_str()),
        _ => Err(bad_args()),
    }
}

/// A `list<u8>` argument.
pub(in crate::wasi) fn bytes_arg(args: &[Val], i: usize) -> Result<Vec<u8>, Trap> {
    match args.get(i) {
        Some(Val::List(items)) => items
            .iter()
            .map(|v| match v {
                Val::U8(b) => Ok(*b),
                _ => Err(bad_args()),
            })
            .collect(),
        _ => Err(bad_args()),
    }
}

/// A `flags` argument: whether `label` is set.
pub(in crate::wasi) fn flag(args: &[Val], i: usize, label: &str) -> Result<bool, Trap> {
    match args.get(i) {
        Some(Val::Flags(set)) => Ok(set.iter().any(|l| l == label)),
        _ => Err(bad_args()),
    }
}

/// A `list<u8>` result.
pub(in crate::wasi) fn bytes_val(b: &[u8]) -> Val {
    Val::List(b.iter().map(|b| Val::U8(*b)).collect())
}

pub(in crate::wasi) fn ok(v: Option<Val>) -> Val {
    Val::Result(Ok(v.map(Box::new)))
}

pub(in crate::wasi) fn err(v: Val) -> Val {
    Val::Result(Err(Some(Box::new(v))))
}

/// `wasi:clocks/wall-clock.datetime`.
pub(in crate::wasi) fn datetime((seconds, nanoseconds): (u64, u32)) -> Val {
    Val::Record(vec![
        ("seconds".into(), Val::U64(seconds)),
        ("nanoseconds".into(), Val::U32(nanoseconds)),
    ])
}
