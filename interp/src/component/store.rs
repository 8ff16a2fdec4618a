//! The component-level part of a [`Store`](crate::Store): the spec's
//! `Store` (CanonicalABI.md "Embedding API"), plus the component instances,
//! component functions, resource types, tasks and threads it holds.
//!
//! It lives inside the core store because lowered imports run as core host
//! functions, which only receive the core store; and the spec's store holds
//! all the component instances that can interact, whose core instances are
//! exactly the core store's.

use std::sync::Arc;

use super::canonical::concurrency::{Callee, Subtask, Task, Thread};
use super::canonical::instance::ComponentInstance;
use super::canonical::options::CanonicalOptions;
use super::canonical::resources::ResourceTypeInst;
use super::canonical::waitables::WaitableSet;
use super::types::Signature;
use super::values::Val;
use crate::error::{Error, Trap};
use crate::runtime::store::Store;

/// A component instance of a store (index into `ComponentStore::instances`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct InstanceId(pub(crate) u32);

/// A component-level function of a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);

/// A task (`definitions.py::Task`) in the store's task arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TaskId(pub(crate) u32);

/// A thread (`definitions.py::Thread`) in the store's thread arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ThreadId(pub(crate) u32);

/// A subtask (`definitions.py::Subtask`) in the store's subtask arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SubtaskId(pub(crate) u32);

/// A waitable set (`definitions.py::WaitableSet`) in the store's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct WsetId(pub(crate) u32);

/// A stream or future end (`definitions.py::CopyEnd`) in the store's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct EndId(pub(crate) u32);

/// The shared state of a stream or future (`SharedStreamImpl`,
/// `SharedFutureImpl`) in the store's arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SharedId(pub(crate) u32);

/// A host implementation of a component function: arguments in, results
/// out (at most one, as component functions have at most one result).
pub type HostFn = dyn Fn(&mut Store, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync;

/// A host implementation of a component function whose results may arrive
/// later ([`HostCall::Pending`](super::HostCall)): the store's event loop
/// polls it while guest tasks go on.
pub type HostAsyncFn = dyn Fn(&mut Store, &[Val]) -> Result<super::HostCall, Trap> + Send + Sync;

/// A host function of either kind.
#[derive(Clone)]
pub(crate) enum HostImpl {
    Sync(Arc<HostFn>),
    Async(Arc<HostAsyncFn>),
}

/// A component function instance: what `Store.lift` returns (`FuncInst`
/// in `definitions.py`), or a function the host implements.
#[derive(Clone)]
pub(crate) enum FuncInst {
    /// `Store.lift(callee, ft, opts, inst)`.
    Lifted {
        callee: Callee,
        sig: Arc<Signature>,
        opts: Arc<CanonicalOptions>,
        inst: InstanceId,
    },
    Host {
        sig: Arc<Signature>,
        func: HostImpl,
        name: String,
    },
}

impl FuncInst {
    pub(crate) fn sig(&self) -> &Arc<Signature> {
        match self {
            FuncInst::Lifted { sig, .. } | FuncInst::Host { sig, .. } => sig,
        }
    }
}

/// An arena with index reuse for short-lived records (tasks, threads,
/// subtasks), so a long run of calls does not grow the store.
#[derive(Debug)]
pub(crate) struct Arena<T> {
    slots: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Arena<T> {
    pub(crate) fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(value);
                i
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() as u32 - 1
            }
        }
    }

    pub(crate) fn get(&self, i: u32) -> Result<&T, Error> {
        self.slots
            .get(i as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| internal("dangling arena index"))
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> Result<&mut T, Error> {
        self.slots
            .get_mut(i as usize)
            .and_then(Option::as_mut)
            .ok_or_else(|| internal("dangling arena index"))
    }

    /// How many records are alive.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub(crate) fn remove(&mut self, i: u32) -> Option<T> {
        let v = self.slots.get_mut(i as usize)?.take();
        if v.is_some() {
            self.free.push(i);
        }
        v
    }
}

/// An error that means cmref itself is inconsistent; never expected.
pub(crate) fn internal(what: &str) -> Error {
    Error::Api(format!("cmref internal error: {what}"))
}

/// Component-level state of a store; see the module docs.
#[derive(Default)]
pub(crate) struct ComponentStore {
    /// `ComponentInstance`s, never freed (like core instances).
    pub(crate) instances: Vec<ComponentInstance>,
    pub(crate) funcs: Vec<FuncInst>,
    pub(crate) resource_types: Vec<ResourceTypeInst>,
    pub(crate) tasks: Arena<Task>,
    pub(crate) threads: Arena<Thread>,
    pub(crate) subtasks: Arena<Subtask>,
    pub(crate) wsets: Arena<WaitableSet>,
    pub(crate) ends: Arena<super::canonical::streams::CopyEnd>,
    pub(crate) shared: Arena<super::canonical::streams::Shared>,
    /// The results of the embedder's calls (`Store.invoke`'s `on_resolve`
    /// stores them here), by call.
    pub(crate) host_results: Arena<Option<Vec<Val>>>,
    /// Host calls that have not resolved yet, and their creation order
    /// (the order the event loop polls them in).
    pub(crate) host_calls: Arena<super::canonical::host_calls::PendingHostCall>,
    pub(crate) pending_host_calls: Vec<super::canonical::host_calls::HostCallId>,
    /// Background host tasks, in creation order (`None` while one is
    /// being polled).
    pub(crate) host_tasks: Vec<Option<Box<dyn super::canonical::host_calls::HostTask>>>,
    /// The threads being resumed, innermost last: the top is the spec's
    /// `current_thread()`.
    pub(crate) current: Vec<ThreadId>,
    /// `Store.waiting`.
    pub(crate) waiting: Vec<ThreadId>,
    /// `Store.nesting_depth`.
    pub(crate) nesting_depth: u32,
    /// A non-trap error (e.g. `Unsupported`) raised inside a lowered import;
    /// the core interpreter only carries traps, so the error waits here
    /// until the call reaches the embedder.
    pub(crate) pending_error: Option<Error>,
    /// Nesting of component instantiations in progress.
    pub(crate) instantiation_depth: u32,
}

impl ComponentStore {
    pub(crate) fn inst(&self, id: InstanceId) -> Result<&ComponentInstance, Error> {
        self.instances
            .get(id.0 as usize)
            .ok_or_else(|| internal("unknown component instance"))
    }

    pub(crate) fn inst_mut(&mut self, id: InstanceId) -> Result<&mut ComponentInstance, Error> {
        self.instances
            .get_mut(id.0 as usize)
            .ok_or_else(|| internal("unknown component instance"))
    }

    pub(crate) fn func(&self, f: Func) -> Result<&FuncInst, Error> {
        self.funcs
            .get(f.0 as usize)
            .ok_or_else(|| Error::Api("component function does not belong to this store".into()))
    }

    pub(crate) fn resource_type(
        &self,
        rt: super::types::ResourceType,
    ) -> Result<&ResourceTypeInst, Error> {
        self.resource_types
            .get(rt.0 as usize)
            .ok_or_else(|| Error::Api("resource type does not belong to this store".into()))
    }

    /// Records a non-trap error raised below a core host function and
    /// returns the trap that unwinds the core stack in its place.
    pub(crate) fn defer_error(&mut self, e: Error) -> Trap {
        match e {
            Error::Trap(t) => t,
            other => {
                let trap = Trap::host(other.to_string());
                if self.pending_error.is_none() {
                    self.pending_error = Some(other);
                }
                trap
            }
        }
    }

    /// The error a call that ended in `e` reports to the embedder.
    pub(crate) fn take_error(&mut self, e: Error) -> Error {
        match (self.pending_error.take(), e) {
            (Some(pending), Error::Trap(_)) => pending,
            (_, e) => e,
        }
    }
}
