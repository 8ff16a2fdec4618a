//! Engine configuration: enabled features and the limits cmref enforces.

use std::sync::{Arc, Mutex};

use wasmparser::WasmFeatures;

use crate::nondet::NondetMode;
use crate::types::TypeRegistry;

/// What an engine accepts and how far execution may go. Every limit is a
/// typed error when exceeded, never a crash.
#[derive(Clone, Debug)]
pub struct Config {
    /// The WebAssembly features the validator accepts.
    pub features: WasmFeatures,
    /// Maximum number of nested wasm frames of one thread.
    pub max_call_depth: u32,
    /// Maximum number of 64-bit value slots of one thread's stack.
    pub max_stack_slots: u32,
    /// Maximum size in bytes of one linear memory; `memory.grow` past it
    /// returns -1, an initial size past it fails instantiation.
    pub max_memory_bytes: u64,
    /// Maximum number of elements of one table.
    pub max_table_elements: u64,
    /// When set, every store starts with this many units of fuel and each
    /// executed wasm instruction consumes one.
    pub fuel: Option<u64>,
    /// How nondeterministic choices are made.
    pub nondet: NondetMode,
    /// Maximum nesting of host calls that re-enter wasm (cross-component
    /// calls count: each one re-enters wasm from a lowered import).
    pub max_host_reentry: u32,
    /// Maximum nesting of component definitions inside one binary, and of
    /// component instantiations inside one another.
    pub max_component_nesting: u32,
    /// Maximum size in bytes of the component-level values one lift may
    /// produce (each `Val` counts its own size plus its string bytes), so a
    /// guest cannot make the host allocate without bound.
    pub max_value_bytes: u64,
    /// Maximum bytes of the store's garbage-collected heap (structs, arrays,
    /// exceptions), counted after collection: an allocation that does not
    /// fit even after a full collection traps with
    /// [`crate::TrapKind::HeapExhausted`].
    pub max_heap_bytes: u64,
    /// Collect before every allocation. Slow; it makes any reference the
    /// collector failed to see show up at once (a test of the collector).
    pub gc_stress: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            features: Config::SUPPORTED,
            max_call_depth: 20_000,
            max_stack_slots: 16 * 1024 * 1024,
            max_memory_bytes: 4 << 30,
            max_table_elements: 10_000_000,
            fuel: None,
            nondet: NondetMode::Deterministic,
            max_host_reentry: 64,
            max_component_nesting: 100,
            max_value_bytes: 1 << 30,
            max_heap_bytes: 1 << 30,
            gc_stress: false,
        }
    }
}

impl Config {
    /// Everything cmref executes, the default: Wasm 3.0 (GC, typed
    /// function references, tail calls, exceptions, 64-bit and multiple
    /// memories, threads, relaxed SIMD, extended constants) and the
    /// proposals legacy exceptions, custom page sizes and wide arithmetic.
    pub const SUPPORTED: WasmFeatures = WasmFeatures::WASM3
        .union(WasmFeatures::LEGACY_EXCEPTIONS)
        .union(WasmFeatures::CUSTOM_PAGE_SIZES)
        .union(WasmFeatures::WIDE_ARITHMETIC);

    pub fn features(mut self, features: WasmFeatures) -> Self {
        self.features = features;
        self
    }

    pub fn fuel(mut self, fuel: Option<u64>) -> Self {
        self.fuel = fuel;
        self
    }

    pub fn max_call_depth(mut self, depth: u32) -> Self {
        self.max_call_depth = depth;
        self
    }

    pub fn max_memory_bytes(mut self, bytes: u64) -> Self {
        self.max_memory_bytes = bytes;
        self
    }

    pub fn max_table_elements(mut self, elements: u64) -> Self {
        self.max_table_elements = elements;
        self
    }

    pub fn max_heap_bytes(mut self, bytes: u64) -> Self {
        self.max_heap_bytes = bytes;
        self
    }

    pub fn gc_stress(mut self, on: bool) -> Self {
        self.gc_stress = on;
        self
    }

    pub fn max_stack_slots(mut self, slots: u32) -> Self {
        self.max_stack_slots = slots;
        self
    }

    pub fn nondet(mut self, mode: NondetMode) -> Self {
        self.nondet = mode;
        self
    }

    pub fn max_host_reentry(mut self, depth: u32) -> Self {
        self.max_host_reentry = depth;
        self
    }
}

/// A configuration plus the state shared by every module and store made
/// from it (the type registry). Cheap to clone.
#[derive(Clone, Debug)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

#[derive(Debug)]
pub(crate) struct EngineInner {
    pub(crate) config: Config,
    pub(crate) types: Mutex<TypeRegistry>,
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        Engine {
            inner: Arc::new(EngineInner {
                config,
                types: Mutex::new(TypeRegistry::default()),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The engine's registry of canonical types.
    pub(crate) fn types(&self) -> std::sync::MutexGuard<'_, TypeRegistry> {
        // A poisoned lock only means another thread panicked mid-insert; the
        // registry is append-only and stays consistent.
        self.inner.types.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Config::default())
    }
}
