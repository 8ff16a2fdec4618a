//! The store (core spec, "Runtime Structure"): every function, table,
//! memory, global, segment and instance, addressed by index.

use std::sync::Arc;

use wasmparser::{FuncType, GlobalType};

use crate::config::Engine;
use crate::error::{Error, Result};
use crate::exec::ThreadState;
use crate::module::{CompiledFunc, ModuleInner};
use crate::nondet::Nondet;
use crate::runtime::heap::Heap;
use crate::runtime::host::HostFunc;
use crate::runtime::memory::MemoryInst;
use crate::runtime::table::TableInst;
use crate::runtime::waiters::Waiters;
use crate::types::{TypeId, TypeInfo, ValTy};
use crate::values::{Func, Val};

/// A function instance.
#[derive(Clone)]
pub(crate) enum FuncInst {
    Wasm {
        instance: u32,
        /// Index among the module's defined functions.
        def_index: u32,
        code: Arc<CompiledFunc>,
        ty: TypeId,
        info: Arc<TypeInfo>,
    },
    Host {
        ty: FuncType,
        id: TypeId,
        info: Arc<TypeInfo>,
        func: HostFunc,
    },
}

impl FuncInst {
    pub(crate) fn type_id(&self) -> TypeId {
        match self {
            FuncInst::Wasm { ty, .. } => *ty,
            FuncInst::Host { id, .. } => *id,
        }
    }

    /// The function's canonical type.
    pub(crate) fn info(&self) -> &Arc<TypeInfo> {
        match self {
            FuncInst::Wasm { info, .. } | FuncInst::Host { info, .. } => info,
        }
    }
}

impl std::fmt::Debug for FuncInst {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FuncInst::Wasm {
                instance,
                def_index,
                ..
            } => write!(f, "wasm function {def_index} of instance {instance}"),
            FuncInst::Host { ty, .. } => write!(f, "host function {ty}"),
        }
    }
}

#[derive(Debug)]
pub(crate) struct GlobalInst {
    pub(crate) ty: GlobalType,
    /// The canonical value type.
    pub(crate) cty: ValTy,
    /// Two slots, so a v128 fits.
    pub(crate) value: [u64; 2],
}

/// A tag instance: the canonical type of its payload signature.
#[derive(Debug)]
pub(crate) struct TagInst {
    pub(crate) info: Arc<TypeInfo>,
    /// Payload slots holding references (for the collector).
    pub(crate) ref_slots: Box<[u32]>,
}

impl TagInst {
    pub(crate) fn new(info: Arc<TypeInfo>) -> TagInst {
        let mut ref_slots = Vec::new();
        let mut at = 0;
        if let Some((params, _)) = info.func() {
            for p in params {
                if matches!(p, ValTy::Ref(_)) {
                    ref_slots.push(at);
                }
                at += crate::types::val_slots(*p);
            }
        }
        TagInst {
            info,
            ref_slots: ref_slots.into(),
        }
    }

    pub(crate) fn params(&self) -> &[ValTy] {
        self.info.func().map_or(&[], |(p, _)| p)
    }
}

/// A thread that is not running: suspended in a host call, or created and
/// not yet started. The store keeps its state so the collector sees its
/// references; the embedder's [`crate::Thread`] names it.
#[derive(Debug)]
pub(crate) struct ParkedThread {
    pub(crate) state: ThreadState,
    /// Dead once the embedder dropped its `Thread`.
    pub(crate) owner: std::sync::Weak<()>,
}

/// An entry of the store's thread table.
#[derive(Debug)]
pub(crate) enum ThreadSlot {
    Free,
    /// Taken out by [`crate::Thread::resume`] while it runs.
    Running,
    Parked(ParkedThread),
}

/// An element instance; emptied by `elem.drop`.
#[derive(Debug)]
pub(crate) struct ElemInst {
    pub(crate) items: Vec<u64>,
}

/// A data instance; emptied by `data.drop`.
#[derive(Debug)]
pub(crate) struct DataInst {
    pub(crate) bytes: Arc<[u8]>,
}

/// A module instance: the module plus the store addresses of everything in
/// its index spaces.
#[derive(Debug)]
pub(crate) struct InstanceData {
    pub(crate) module: Arc<ModuleInner>,
    pub(crate) funcs: Vec<u32>,
    pub(crate) tables: Vec<u32>,
    pub(crate) memories: Vec<u32>,
    pub(crate) globals: Vec<u32>,
    pub(crate) elems: Vec<u32>,
    pub(crate) datas: Vec<u32>,
    pub(crate) tags: Vec<u32>,
    pub(crate) exports: Vec<(String, crate::runtime::Extern)>,
}

/// All runtime state of a group of instances that may call each other.
pub struct Store {
    pub(crate) engine: Engine,
    pub(crate) funcs: Vec<FuncInst>,
    pub(crate) tables: Vec<TableInst>,
    pub(crate) memories: Vec<MemoryInst>,
    pub(crate) globals: Vec<GlobalInst>,
    pub(crate) elems: Vec<ElemInst>,
    pub(crate) datas: Vec<DataInst>,
    pub(crate) tags: Vec<TagInst>,
    pub(crate) instances: Vec<InstanceData>,
    pub(crate) heap: Heap,
    /// Heap references handed to the embedder, alive until released.
    pub(crate) host_roots: Vec<u64>,
    /// Threads that are not running, by the id their `Thread` holds.
    pub(crate) threads: Vec<ThreadSlot>,
    /// Indices of `ThreadSlot::Free` entries of `threads`.
    pub(crate) free_threads: Vec<u32>,
    /// Threads whose wasm called a host function that is still running
    /// (outer threads of nested calls), innermost last.
    pub(crate) in_host: Vec<ThreadState>,
    /// Distinguishes stores, so a `Thread` is never resumed in another one.
    pub(crate) id: u64,
    pub(crate) nondet: Nondet,
    /// Remaining fuel; `u64::MAX` when fuel is not metered.
    pub(crate) fuel: u64,
    /// Nesting of host calls that re-entered wasm.
    pub(crate) host_depth: u32,
    /// Counts successful `memory.grow`s, so the interpreter knows when its
    /// cached memory base may have moved.
    pub(crate) memory_epoch: u64,
    /// Component instances, component functions, resource types, tasks and
    /// threads (empty unless components are instantiated).
    pub(crate) component: crate::component::ComponentStore,
    /// Threads waiting in `memory.atomic.wait`, and the virtual clock.
    pub(crate) waiters: Waiters,
    /// Fuel held back from `fuel` while a time slice is set: the real
    /// remaining fuel is `fuel + fuel_reserve` (see `Store::set_time_slice`).
    pub(crate) fuel_reserve: u64,
    /// The preemption quantum, in units of fuel.
    pub(crate) time_slice: Option<u64>,
    /// The structured trace's sink, when tracing (see [`crate::trace`]).
    pub(crate) trace: Option<crate::trace::Trace>,
    /// The embedder's data, one value per type (e.g. a WASI context), for
    /// host functions to reach through the store they are given.
    pub(crate) data: Vec<Box<dyn std::any::Any + Send>>,
}

impl Store {
    pub fn new(engine: &Engine) -> Store {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let config = engine.config();
        Store {
            engine: engine.clone(),
            funcs: Vec::new(),
            tables: Vec::new(),
            memories: Vec::new(),
            globals: Vec::new(),
            elems: Vec::new(),
            datas: Vec::new(),
            tags: Vec::new(),
            instances: Vec::new(),
            heap: Heap::new(config.max_heap_bytes, config.gc_stress),
            host_roots: Vec::new(),
            threads: Vec::new(),
            free_threads: Vec::new(),
            in_host: Vec::new(),
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            nondet: Nondet::new(config.nondet),
            fuel: config.fuel.unwrap_or(u64::MAX),
            host_depth: 0,
            memory_epoch: 0,
            component: Default::default(),
            waiters: Waiters::default(),
            fuel_reserve: 0,
            time_slice: None,
            trace: None,
            data: Vec::new(),
        }
    }

    /// Keeps `value` in the store for host functions (one value per type;
    /// it replaces and returns a previous value of the same type).
    pub fn set_data<T: std::any::Any + Send>(&mut self, value: T) -> Option<T> {
        let old = self.take_data::<T>();
        self.data.push(Box::new(value));
        old
    }

    /// The embedder's value of type `T`, if [`Store::set_data`] gave one.
    pub fn data<T: std::any::Any + Send>(&self) -> Option<&T> {
        self.data.iter().find_map(|d| d.downcast_ref::<T>())
    }

    /// The embedder's value of type `T`, mutably.
    pub fn data_mut<T: std::any::Any + Send>(&mut self) -> Option<&mut T> {
        self.data.iter_mut().find_map(|d| d.downcast_mut::<T>())
    }

    /// Takes the embedder's value of type `T` out of the store.
    pub fn take_data<T: std::any::Any + Send>(&mut self) -> Option<T> {
        let i = self.data.iter().position(|d| d.is::<T>())?;
        self.data.swap_remove(i).downcast::<T>().ok().map(|b| *b)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Fuel left, when fuel is metered.
    pub fn fuel(&self) -> Option<u64> {
        self.engine
            .config()
            .fuel
            .map(|_| self.fuel.saturating_add(self.fuel_reserve))
    }

    /// Sets the remaining fuel (for metered engines).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        if self.engine.config().fuel.is_none() {
            return Err(Error::Api(
                "fuel is not enabled in this engine's config".into(),
            ));
        }
        self.fuel = fuel;
        self.fuel_reserve = 0;
        self.set_time_slice(self.time_slice);
        Ok(())
    }

    /// The type of a function.
    pub fn func_type(&self, func: Func) -> Result<FuncType> {
        match self.funcs.get(func.0 as usize) {
            Some(FuncInst::Wasm { code, .. }) => Ok(FuncType::new(
                code.params.iter().copied(),
                code.results.iter().copied(),
            )),
            Some(FuncInst::Host { ty, .. }) => Ok(ty.clone()),
            None => Err(Error::Api("function does not belong to this store".into())),
        }
    }

    /// Calls a function to completion. A host function that suspends inside
    /// this call is an error; use [`crate::Thread`] to run resumable code.
    ///
    /// The call runs alone: a `memory.atomic.wait` inside it can only end by
    /// timing out (virtual time passes at once) or, without a timeout, in a
    /// [`crate::TrapKind::Deadlock`] trap, since no other thread runs until
    /// it returns.
    pub fn call(&mut self, func: Func, args: &[Val]) -> Result<Vec<Val>> {
        use crate::runtime::thread::Thread;
        let mut thread = Thread::new(self, func, args)?;
        thread
            .resume_alone(self, &[])?
            .map_err(|_| Error::Api("a host function suspended during a non-resumable call".into()))
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("funcs", &self.funcs.len())
            .field("instances", &self.instances.len())
            .finish_non_exhaustive()
    }
}
