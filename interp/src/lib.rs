//! cmref: a reference interpreter for WebAssembly.
//!
//! The core layer decodes and validates modules with wasmparser, translates
//! each function once into a compact register-style instruction set
//! ([`exec::instr`]), and runs it on an explicit, heap-allocated stack, so
//! that a running wasm thread can be suspended at a host call and resumed
//! later ([`Thread`]), and runaway recursion ends in a clean trap.
//!
//! ```
//! use cmref_interp::{Engine, Linker, Module, Store, Val};
//! let wasm = wat::parse_str(r#"(module (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))"#).unwrap();
//! let engine = Engine::default();
//! let module = Module::new(&engine, &wasm).unwrap();
//! let mut store = Store::new(&engine);
//! let instance = Linker::new().instantiate(&mut store, &module).unwrap();
//! let add = instance.get_func(&store, "add").unwrap();
//! assert_eq!(store.call(add, &[Val::I32(2), Val::I32(3)]).unwrap(), vec![Val::I32(5)]);
//! ```

pub mod component;
mod config;
mod error;
pub(crate) mod exec;
pub mod harness;
mod module;
mod nondet;
mod runtime;
pub mod trace;
mod types;
mod values;
/// WASI hosts (unix hosts: the filesystem is built on `openat`).
#[cfg(unix)]
pub mod wasi;

pub use config::{Config, Engine};
pub use error::{Error, FrameInfo, Result, Trap, TrapKind, UncaughtException};
pub use module::{ExternType, ImportType, Module};
pub use nondet::{DEFAULT_TIME_SLICE, Nondet, NondetMode};
pub use runtime::gc::RootsMark;
pub use runtime::heap::HeapStats;
pub use runtime::host::{Caller, HostResult};
pub use runtime::linker::Linker;
pub use runtime::sched::Scheduler;
pub use runtime::store::Store;
pub use runtime::thread::{Outcome, Thread};
pub use runtime::{Extern, Global, Instance, Memory, Table, Tag};
pub use types::TypeId;
pub use values::{AnyRef, AnyRefKind, ExnRef, ExternRef, Func, Val};
pub use wasmparser::{
    AbstractHeapType, FuncType, GlobalType, HeapType, MemoryType, RefType, TableType, ValType,
    WasmFeatures,
};
