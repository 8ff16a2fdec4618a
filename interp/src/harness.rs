//! Helpers for property tests and fuzzers: instantiate any module by
//! satisfying each import with a fresh item of its type, and call every
//! exported function with default arguments.

use crate::error::Result;
use crate::module::{ExternType, Module};
use crate::runtime::store::Store;
use crate::runtime::{Extern, Global, Instance, Memory, Table};
use crate::values::{Func, Val};
use wasmparser::ValType;

/// A fresh item for every import: host functions that return zeros,
/// memories, tables and globals of the imported type.
pub fn dummy_imports(store: &mut Store, module: &Module) -> Result<Vec<Extern>> {
    let mut imports = Vec::new();
    for import in module.imports() {
        imports.push(match &import.ty {
            ExternType::Func(ty) => {
                let results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
                Func::new_host(store, ty.clone(), move |_, _| Ok(results.clone())).into()
            }
            ExternType::Table(ty) => {
                let init = Val::default_for(ValType::Ref(ty.element_type));
                Table::new(store, *ty, init)?.into()
            }
            ExternType::Memory(ty) => Memory::new(store, *ty)?.into(),
            ExternType::Global(ty) => {
                Global::new(store, *ty, Val::default_for(ty.content_type))?.into()
            }
        });
    }
    Ok(imports)
}

/// Instantiates with [`dummy_imports`].
pub fn instantiate_with_dummies(store: &mut Store, module: &Module) -> Result<Instance> {
    let imports = dummy_imports(store, module)?;
    Instance::new(store, module, &imports)
}

/// Zero (or null) arguments for a function.
pub fn default_args(store: &Store, func: Func) -> Result<Vec<Val>> {
    let ty = store.func_type(func)?;
    Ok(ty.params().iter().map(|t| Val::default_for(*t)).collect())
}
