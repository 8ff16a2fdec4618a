//! Host functions: Rust closures callable from wasm, optionally suspending
//! the calling wasm thread.

use std::any::Any;
use std::sync::Arc;

use wasmparser::FuncType;

use crate::error::Trap;
use crate::runtime::store::{FuncInst, Store};
use crate::runtime::{Extern, Instance};
use crate::values::{ExnRef, Func, Val};

/// What a host function does when called.
pub enum HostResult {
    /// Return these results to wasm now.
    Return(Vec<Val>),
    /// Suspend the calling thread; [`crate::Thread::resume`] returns the payload
    /// to its caller, and a later resume supplies the results.
    Suspend(Box<dyn Any + Send>),
    /// Throw this wasm exception from the call site, as if the host
    /// function were wasm code that threw it (e.g. to let an exception a
    /// nested call reported as [`crate::Error::Exception`] continue).
    Throw(ExnRef),
}

pub(crate) type HostFn = dyn Fn(&mut Caller<'_>, &[Val]) -> Result<HostResult, Trap> + Send + Sync;

/// A host function's implementation.
#[derive(Clone)]
pub struct HostFunc(pub(crate) Arc<HostFn>);

/// The context a host function runs in: the store, and the instance whose
/// code called it (none when the embedder called it directly).
pub struct Caller<'a> {
    pub(crate) store: &'a mut Store,
    pub(crate) instance: Option<Instance>,
}

impl<'a> Caller<'a> {
    pub fn store(&mut self) -> &mut Store {
        self.store
    }

    pub fn instance(&self) -> Option<Instance> {
        self.instance
    }

    /// An export of the calling instance (e.g. its `memory`).
    pub fn get_export(&self, name: &str) -> Option<Extern> {
        self.instance?.get_export(self.store, name)
    }
}

impl Func {
    /// Defines a host function that returns synchronously.
    pub fn new_host(
        store: &mut Store,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> Func {
        Func::new_host_suspendable(store, ty, move |caller, args| {
            f(caller, args).map(HostResult::Return)
        })
    }

    /// Defines a host function that may suspend the calling wasm thread.
    pub fn new_host_suspendable(
        store: &mut Store,
        ty: FuncType,
        f: impl Fn(&mut Caller<'_>, &[Val]) -> Result<HostResult, Trap> + Send + Sync + 'static,
    ) -> Func {
        // A signature naming type indices cannot be resolved outside a
        // module: it gets an opaque type that no import or call matches.
        let info = store.engine.types().intern_host_func(&ty);
        store.funcs.push(FuncInst::Host {
            ty,
            id: info.id,
            info,
            func: HostFunc(Arc::new(f)),
        });
        Func(store.funcs.len() as u32 - 1)
    }
}
