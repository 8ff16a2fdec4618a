//! Helpers for property tests and fuzzers: instantiate any module by
//! satisfying each import with a fresh item of its type, and call every
//! exported function with default arguments.
//!
//! Imports are typed by the module's own import declarations
//! (`*_for_import`), so they match imports that name defined types (typed
//! function references, GC types, tags). A non-nullable reference has no
//! default: a module importing a function that returns one, or a global or
//! table of such a type, cannot be given dummies (`Error::Unsupported`).

use crate::error::{Error, Result};
use crate::module::{ExternType, Module};
use crate::runtime::host::HostResult;
use crate::runtime::store::Store;
use crate::runtime::{Extern, Global, Instance, Memory, Table, Tag};
use crate::values::{Func, Val};
use wasmparser::ValType;

pub mod component;

/// The default (zero or null) of `ty` in `module`, or an error naming it.
fn default_of(module: &Module, ty: ValType) -> Result<Val> {
    module
        .default_val(ty)?
        .ok_or_else(|| Error::Unsupported(format!("a dummy value of type {ty:?}")))
}

/// A fresh item for every import: host functions that return their
/// results' defaults, memories, tables, globals and tags of the imported
/// type.
pub fn dummy_imports(store: &mut Store, module: &Module) -> Result<Vec<Extern>> {
    let types: Vec<ExternType> = module.imports().map(|i| i.ty.clone()).collect();
    let mut imports = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        imports.push(match ty {
            ExternType::Func(ty) => {
                let results = ty
                    .results()
                    .iter()
                    .map(|t| default_of(module, *t))
                    .collect::<Result<Vec<Val>>>()?;
                Func::new_host_for_import(store, module, i, move |_, _| {
                    Ok(HostResult::Return(results.clone()))
                })?
                .into()
            }
            ExternType::Table(ty) => {
                let init = default_of(module, ValType::Ref(ty.element_type))?;
                Table::new_for_import(store, module, i, init)?.into()
            }
            ExternType::Memory(ty) => Memory::new(store, *ty)?.into(),
            ExternType::Global(ty) => {
                let init = default_of(module, ty.content_type)?;
                Global::new_for_import(store, module, i, init)?.into()
            }
            ExternType::Tag(_) => Tag::new_for_import(store, module, i)?.into(),
        });
    }
    Ok(imports)
}

/// Instantiates with [`dummy_imports`].
pub fn instantiate_with_dummies(store: &mut Store, module: &Module) -> Result<Instance> {
    let imports = dummy_imports(store, module)?;
    Instance::new(store, module, &imports)
}

/// Zero (or null) arguments for a function; `Error::Unsupported` if a
/// parameter is a non-nullable reference.
pub fn default_args(store: &Store, func: Func) -> Result<Vec<Val>> {
    let ty = store.func_type(func)?;
    (0..ty.params().len())
        .map(|i| {
            store.param_default(func, i).ok_or_else(|| {
                Error::Unsupported(format!("a default for parameter {i} of {func:?}"))
            })
        })
        .collect()
}
