//! A linker: definitions by `(module, name)`, used to satisfy imports.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::module::Module;
use crate::runtime::store::Store;
use crate::runtime::{Extern, Instance};

/// Named definitions for imports. Definitions refer to items of one store.
#[derive(Clone, Debug, Default)]
pub struct Linker {
    defs: HashMap<(String, String), Extern>,
}

impl Linker {
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Defines (or redefines) `module::name`.
    pub fn define(&mut self, module: &str, name: &str, item: impl Into<Extern>) -> &mut Linker {
        self.defs
            .insert((module.to_string(), name.to_string()), item.into());
        self
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn instance(&mut self, store: &Store, module: &str, instance: Instance) -> &mut Linker {
        for (name, ext) in instance.exports(store) {
            self.define(module, &name, ext);
        }
        self
    }

    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        self.defs
            .get(&(module.to_string(), name.to_string()))
            .copied()
    }

    /// Resolves the module's imports by name and instantiates it.
    pub fn instantiate(&self, store: &mut Store, module: &Module) -> Result<Instance> {
        let mut imports = Vec::new();
        for import in module.imports() {
            match self.get(&import.module, &import.name) {
                Some(ext) => imports.push(ext),
                None => {
                    return Err(Error::Unlinkable(format!(
                        "unknown import `{}::{}`",
                        import.module, import.name
                    )));
                }
            }
        }
        Instance::new(store, module, &imports)
    }
}
