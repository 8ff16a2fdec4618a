//! CanonicalABI.md "Embedding API": host functions whose results arrive
//! later. A `FuncInst` may return before it calls `on_resolve` (the spec's
//! `FuncInst` returns an `OnCancel` and resolves whenever it likes); for
//! a host function that is a [`HostFuture`] which the store's event loop
//! polls. Until it resolves, a caller that lowered the import `async` gets
//! a subtask in the STARTED state, and a synchronous caller waits.
//!
//! Polling order is creation order, so a run is as deterministic as its
//! host futures are: each `Store.tick` first polls every pending call
//! without blocking; only when no guest thread is ready does it let the
//! oldest call block until it makes progress (e.g. a read of stdin).

use std::sync::Arc;
use std::task::Poll;

use super::concurrency::{CallerSide, on_resolve, on_start};
use crate::component::store::{HostImpl, internal};
use crate::component::types::Signature;
use crate::component::values::Val;
use crate::error::{Error, Result, Trap};
use crate::runtime::store::Store;
use crate::trace::Event;

/// A host call in progress: what a [`HostAsyncFn`] returns when its result
/// is not ready yet.
pub trait HostFuture: Send {
    /// Makes progress. `block` is true when the store has nothing else to
    /// run: the future may then block the OS thread until it can resolve
    /// (returning `Pending` then means it never will, which is a deadlock).
    fn poll(&mut self, store: &mut Store, block: bool) -> Poll<Result<Vec<Val>, Trap>>;

    /// The caller asked to cancel the call (`subtask.cancel`). Returning
    /// true resolves the call now as cancelled (the caller's subtask
    /// becomes `CANCELLED_BEFORE_RETURNED`); false lets it run to its
    /// result, as the spec allows.
    fn cancel(&mut self, _store: &mut Store) -> bool {
        false
    }
}

/// Work the host does in the background of the guest's tasks, polled by
/// the store's event loop like pending host calls (after them): e.g. the
/// copying between a host stream end and stdout or stdin, which goes on
/// after the host function that started it has returned.
pub trait HostTask: Send {
    /// Makes progress; `block` as for [`HostFuture::poll`] (a task blocks
    /// only for something the guest waits for, such as stdin it reads).
    fn poll(&mut self, store: &mut Store, block: bool) -> Result<TaskPoll, Trap>;
}

/// What a [`HostTask`]'s poll did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskPoll {
    /// Something changed (a copy, a write to stdout): the loop goes on.
    Progress,
    /// Nothing to do until the guest acts.
    Idle,
    /// Finished: the task leaves the store.
    Done,
}

/// Starts a background [`HostTask`] in the store.
pub fn spawn_host_task(store: &mut Store, task: Box<dyn HostTask>) {
    store.component.host_tasks.push(Some(task));
}

/// Polls the background host tasks until none makes progress (e.g. to
/// flush what a guest wrote to stdout before its call returned).
pub fn run_host_tasks(store: &mut Store) -> Result<()> {
    while poll_host_tasks(store, false)? {}
    Ok(())
}

/// Polls the host tasks in creation order; with `block`, they are polled
/// one at a time, allowed to block, until one makes progress. Returns
/// whether any did.
fn poll_host_tasks(store: &mut Store, block: bool) -> Result<bool> {
    let mut progress = false;
    let mut i = 0;
    while i < store.component.host_tasks.len() {
        let Some(mut task) = store.component.host_tasks[i].take() else {
            return Err(internal("host task polled re-entrantly"));
        };
        let r = task.poll(store, block).map_err(Error::Trap)?;
        match r {
            TaskPoll::Done => {
                store.component.host_tasks.remove(i);
                progress = true;
            }
            TaskPoll::Progress => {
                store.component.host_tasks[i] = Some(task);
                progress = true;
                i += 1;
            }
            TaskPoll::Idle => {
                store.component.host_tasks[i] = Some(task);
                i += 1;
            }
        }
        if block && progress {
            break;
        }
    }
    Ok(progress)
}

/// What a [`HostAsyncFn`] gives back: results now, or later.
pub enum HostCall {
    Ready(Vec<Val>),
    Pending(Box<dyn HostFuture>),
}

/// A pending host call: its caller's `on_start`/`on_resolve` and the
/// future that will resolve it.
pub(crate) struct PendingHostCall {
    caller: CallerSide,
    future: Option<Box<dyn HostFuture>>,
    sig: Arc<Signature>,
    name: String,
}

/// The id of a pending host call in `ComponentStore::host_calls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HostCallId(pub(crate) u32);

/// Checks a host function's results against its type.
fn check_results(name: &str, sig: &Signature, results: &[Val]) -> Result<()> {
    if results.len() != sig.results.ts.len()
        || results
            .iter()
            .zip(&sig.results.ts)
            .any(|(v, t)| v.typecheck(t).is_err())
    {
        return Err(Error::Api(format!(
            "host function `{name}` returned {results:?}, expected results of types {:?}",
            sig.results
                .ts
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
        )));
    }
    Ok(())
}

/// Calls a host function as a `FuncInst`: runs the caller's `on_start`,
/// then the function; returns the pending call (the spec's `on_cancel`)
/// when an async one has not resolved.
pub(crate) fn call_host(
    store: &mut Store,
    func: &HostImpl,
    sig: &Arc<Signature>,
    name: &str,
    caller: CallerSide,
) -> Result<Option<HostCallId>> {
    let mut caller = caller;
    let args = on_start(store, &mut caller)?;
    store.trace(|_| {
        Event::new("host.call")
            .str("func", name)
            .list("args", &args)
    });
    let call = match func {
        HostImpl::Sync(f) => HostCall::Ready(f(store, &args).map_err(Error::Trap)?),
        HostImpl::Async(f) => f(store, &args).map_err(Error::Trap)?,
    };
    match call {
        HostCall::Ready(results) => {
            resolve(store, caller, sig, name, Some(results))?;
            Ok(None)
        }
        HostCall::Pending(future) => {
            let id = HostCallId(store.component.host_calls.insert(PendingHostCall {
                caller,
                future: Some(future),
                sig: sig.clone(),
                name: name.to_string(),
            }));
            store.component.pending_host_calls.push(id);
            store.trace(|_| {
                Event::new("host.pending")
                    .str("func", name)
                    .num("call", id.0)
            });
            Ok(Some(id))
        }
    }
}

/// The host's `on_resolve` call: results (checked) or cancellation.
fn resolve(
    store: &mut Store,
    mut caller: CallerSide,
    sig: &Signature,
    name: &str,
    results: Option<Vec<Val>>,
) -> Result<()> {
    match &results {
        Some(results) => {
            check_results(name, sig, results)?;
            store.trace(|_| {
                Event::new("host.return")
                    .str("func", name)
                    .list("results", results)
            });
        }
        None => store.trace(|_| Event::new("host.cancelled").str("func", name)),
    }
    on_resolve(store, &mut caller, results)
}

/// Removes a pending call from the store.
fn take_call(store: &mut Store, id: HostCallId) -> Result<PendingHostCall> {
    store.component.pending_host_calls.retain(|c| *c != id);
    store
        .component
        .host_calls
        .remove(id.0)
        .ok_or_else(|| internal("unknown host call"))
}

/// Polls one pending call; whether it resolved.
fn poll_one(store: &mut Store, id: HostCallId, block: bool) -> Result<bool> {
    let mut future = store
        .component
        .host_calls
        .get_mut(id.0)?
        .future
        .take()
        .ok_or_else(|| internal("host call polled re-entrantly"))?;
    let polled = future.poll(store, block);
    match polled {
        Poll::Pending => {
            store.component.host_calls.get_mut(id.0)?.future = Some(future);
            Ok(false)
        }
        Poll::Ready(r) => {
            let call = take_call(store, id)?;
            let results = r.map_err(Error::Trap)?;
            resolve(store, call.caller, &call.sig, &call.name, Some(results))?;
            Ok(true)
        }
    }
}

/// Polls the pending host calls in creation order without blocking, and
/// the background host tasks; then, if nothing progressed and `block` is
/// set, lets the oldest call block, and failing that the tasks. Returns
/// whether any call resolved or any task progressed.
pub(crate) fn poll_host_calls(store: &mut Store, block: bool) -> Result<bool> {
    let mut progress = false;
    for id in store.component.pending_host_calls.clone() {
        progress |= poll_one(store, id, false)?;
    }
    progress |= poll_host_tasks(store, false)?;
    if !progress
        && block
        && let Some(&oldest) = store.component.pending_host_calls.first()
    {
        progress = poll_one(store, oldest, true)?;
    }
    if !progress && block {
        progress = poll_host_tasks(store, true)?;
    }
    Ok(progress)
}

/// The `on_cancel` of a pending host call: asks its future to cancel.
pub(crate) fn cancel_host_call(store: &mut Store, id: HostCallId) -> Result<()> {
    let Ok(call) = store.component.host_calls.get_mut(id.0) else {
        // It resolved already.
        return Ok(());
    };
    let mut future = call
        .future
        .take()
        .ok_or_else(|| internal("host call cancelled re-entrantly"))?;
    if future.cancel(store) {
        let call = take_call(store, id)?;
        return resolve(store, call.caller, &call.sig, &call.name, None);
    }
    store.component.host_calls.get_mut(id.0)?.future = Some(future);
    Ok(())
}
