//! The Component Model: components, their instantiation and linking
//! (Explainer.md), and the synchronous Canonical ABI (CanonicalABI.md) in
//! [`canonical`], which mirrors `definitions.py` item by item.
//!
//! ```
//! use cmref_interp::{Config, Engine, Store};
//! use cmref_interp::component::{self, Component, Linker, Val};
//! let wat = r#"(component
//!   (core module $m (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))
//!   (core instance $i (instantiate $m))
//!   (func (export "add") (param "a" u32) (param "b" u32) (result u32)
//!     (canon lift (core func $i "add"))))"#;
//! let engine = Engine::new(Config::default().features(component::features()));
//! let component = Component::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
//! let mut store = Store::new(&engine);
//! let instance = Linker::new().instantiate(&mut store, &component).unwrap();
//! let add = instance.get_func("add").unwrap();
//! assert_eq!(add.call(&mut store, &[Val::U32(2), Val::U32(3)]).unwrap(), vec![Val::U32(5)]);
//! ```

pub(crate) mod canonical;
mod convert;
mod definition;
mod instance;
mod instantiate;
mod linker;
pub(crate) mod store;
mod types;
mod values;

pub use canonical::abi::PtrType;
pub use canonical::flattening::CoreType;
pub use canonical::host_calls::{
    HostCall, HostFuture, HostTask, TaskPoll, run_host_tasks, spawn_host_task,
};
pub use canonical::host_streams::{CopyOutcome, HostCopy, HostEnd};
pub use canonical::options::StringEncoding;
pub use canonical::resources::HostDtor;
pub use definition::Component;
pub use instance::{Export, Exports, Instance};
pub use linker::{Linker, LinkerInstance};
pub use store::{Func, HostAsyncFn, HostFn};
pub use types::{
    CaseType, EnumType, FieldType, FlagsType, FuncType, FutureType, ListType, MapType, OptionType,
    RecordType, ResourceType, ResultType, StreamType, TupleType, ValType, VariantType,
};
pub use values::{Resource, Str, Val};

use wasmparser::WasmFeatures;

pub(crate) use store::ComponentStore;

/// The component-model features cmref validates components with: those the
/// pinned official suite uses (its README: more-async-builtins, threading,
/// async-stackful, implements, fixed-length-lists, map), plus async, error
/// contexts, and 64-bit memories in canonical options (🐘). What they add
/// beyond the synchronous ABI validates and instantiates, and reports
/// `Error::Unsupported` when run.
pub fn component_model_features() -> WasmFeatures {
    WasmFeatures::COMPONENT_MODEL
        | WasmFeatures::CM_ASYNC
        | WasmFeatures::CM_MORE_ASYNC_BUILTINS
        | WasmFeatures::CM_ASYNC_STACKFUL
        | WasmFeatures::CM_THREADING
        | WasmFeatures::CM_ERROR_CONTEXT
        | WasmFeatures::CM_FIXED_LENGTH_LISTS
        | WasmFeatures::CM_MAP
        | WasmFeatures::CM_IMPLEMENTS
        | WasmFeatures::CM64
}

/// Everything cmref runs: the core features of [`crate::Config::SUPPORTED`]
/// plus the component-model features.
pub fn features() -> WasmFeatures {
    crate::Config::SUPPORTED | component_model_features()
}
