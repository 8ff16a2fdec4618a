//! `wasi:clocks@0.3`: `monotonic-clock` (whose waits are async host
//! functions: a [`Sleep`] the store's event loop polls) and
//! `system-clock`, from the context's clock.

use std::task::Poll;

use super::iface;
use crate::component::{HostCall, HostFuture, Linker, Val};
use crate::error::{Result, Trap};
use crate::runtime::store::Store;
use crate::wasi::p2::{ctx, u64_arg};

pub(super) fn add(linker: &mut Linker) -> Result<()> {
    // `types` holds only `duration`: an instance with no functions.
    iface(linker, "wasi:clocks/types")?;
    let mono = iface(linker, "wasi:clocks/monotonic-clock")?;
    mono.func_new("now", |store, _| {
        Ok(vec![Val::U64(ctx(store)?.clock.monotonic_now())])
    })?;
    mono.func_new("get-resolution", |store, _| {
        Ok(vec![Val::U64(ctx(store)?.clock.resolution())])
    })?;
    mono.func_new_async("wait-until", |store, args| {
        let when = u64_arg(args, 0)?;
        sleep(store, when)
    })?;
    mono.func_new_async("wait-for", |store, args| {
        let d = u64_arg(args, 0)?;
        let when = ctx(store)?.clock.monotonic_peek().saturating_add(d);
        sleep(store, when)
    })?;

    let sys = iface(linker, "wasi:clocks/system-clock")?;
    sys.func_new("now", |store, _| {
        let (seconds, nanoseconds) = ctx(store)?.clock.wall_now();
        Ok(vec![Val::Record(vec![
            (
                "seconds".into(),
                Val::S64(i64::try_from(seconds).unwrap_or(i64::MAX)),
            ),
            ("nanoseconds".into(), Val::U32(nanoseconds)),
        ])])
    })?;
    sys.func_new("get-resolution", |store, _| {
        Ok(vec![Val::U64(ctx(store)?.clock.resolution())])
    })?;
    Ok(())
}

/// A wait until the monotonic clock reaches `when`: over at once if it
/// has, else a pending call.
fn sleep(store: &mut Store, when: u64) -> Result<HostCall, Trap> {
    if ctx(store)?.clock.monotonic_peek() >= when {
        return Ok(HostCall::Ready(vec![]));
    }
    Ok(HostCall::Pending(Box::new(Sleep { when })))
}

/// A pending `wait-until`/`wait-for`. It resolves when polled after the
/// deadline; when the store has nothing else to run it blocks: the host
/// sleeps, a deterministic clock jumps to the deadline.
struct Sleep {
    when: u64,
}

impl HostFuture for Sleep {
    fn poll(&mut self, store: &mut Store, block: bool) -> Poll<Result<Vec<Val>, Trap>> {
        let clock = match ctx(store) {
            Ok(c) => &mut c.clock,
            Err(t) => return Poll::Ready(Err(t)),
        };
        if clock.monotonic_peek() >= self.when {
            return Poll::Ready(Ok(vec![]));
        }
        if block {
            clock.wait_until(self.when);
            return Poll::Ready(Ok(vec![]));
        }
        Poll::Pending
    }

    /// A wait may be cancelled: it ends at once.
    fn cancel(&mut self, _: &mut Store) -> bool {
        true
    }
}
