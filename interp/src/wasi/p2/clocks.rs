//! `wasi:clocks@0.2`: `monotonic-clock` and `wall-clock`, from the
//! context's clock (the host's, or a deterministic one).

use super::{Types, ctx, datetime, iface, new_own, u64_arg};
use crate::component::{Linker, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::ctx::Resource;

pub(super) fn add(linker: &mut Linker, t: Types) -> Result<()> {
    let mono = iface(linker, "wasi:clocks/monotonic-clock")?;
    mono.resource("pollable", t.pollable)?;
    mono.func_new("now", |store, _| {
        Ok(vec![Val::U64(ctx(store)?.clock.monotonic_now())])
    })?;
    mono.func_new("resolution", |store, _| {
        Ok(vec![Val::U64(ctx(store)?.clock.resolution())])
    })?;
    mono.func_new("subscribe-instant", move |store, args| {
        let when = u64_arg(args, 0)?;
        Ok(vec![pollable_at(store, t, when)?])
    })?;
    mono.func_new("subscribe-duration", move |store, args| {
        let d = u64_arg(args, 0)?;
        let when = ctx(store)?.clock.monotonic_peek().saturating_add(d);
        Ok(vec![pollable_at(store, t, when)?])
    })?;

    let wall = iface(linker, "wasi:clocks/wall-clock")?;
    wall.func_new("now", |store, _| {
        Ok(vec![datetime(ctx(store)?.clock.wall_now())])
    })?;
    wall.func_new("resolution", |store, _| {
        let ns = ctx(store)?.clock.resolution();
        Ok(vec![datetime((
            ns / 1_000_000_000,
            (ns % 1_000_000_000) as u32,
        ))])
    })?;
    Ok(())
}

/// A pollable that is ready once the monotonic clock reaches `when`.
fn pollable_at(store: &mut Store, t: Types, when: u64) -> Result<Val, Trap> {
    let deadline = Some(when);
    new_own(store, t.pollable, Resource::Pollable { deadline })
}
