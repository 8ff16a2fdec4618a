//! Host definitions typed by a module's imports. Outside a module a type
//! cannot name a defined type (a type index); these constructors take the
//! type of one of a module's imports instead, exactly as the module
//! declares it, so an embedder can satisfy imports such as
//! `(func (param (ref $t)))` or `(global (ref null $s))`.

use std::sync::Arc;

use wasmparser::ValType;

use crate::error::{Error, Result, Trap};
use crate::module::{ExternType, ImportType, Module};
use crate::runtime::host::{Caller, HostFunc, HostResult};
use crate::runtime::store::{FuncInst, Store, TagInst};
use crate::runtime::{Global, Table, Tag};
use crate::types::ValTy;
use crate::values::{Func, Val};

impl Module {
    /// The default value (zero, or null) of one of the module's value
    /// types; `None` for a non-nullable reference type, which has none.
    pub fn default_val(&self, ty: ValType) -> Result<Option<Val>> {
        let cty = self.inner.canon_val(ty)?;
        Ok(match cty {
            ValTy::Ref(r) if !r.nullable => None,
            ValTy::Ref(r) => Some(Val::null_of(self.inner.engine.types().top_of(r.heap))),
            _ => Some(Val::default_for(ty)),
        })
    }

    /// The `index`th import, checked to belong to `store`'s engine.
    fn import_for(&self, store: &Store, index: usize) -> Result<&ImportType> {
        if !store.engine.same(self.engine()) {
            return Err(Error::Api(
                "module and store come from different engines".into(),
            ));
        }
        self.inner
            .imports
            .get(index)
            .ok_or_else(|| Error::Api(format!("the module has no import {index}")))
    }

    /// The number of imports of the same kind before import `index`.
    fn kind_index(&self, index: usize, kind: fn(&ExternType) -> bool) -> usize {
        self.inner.imports[..index]
            .iter()
            .filter(|i| kind(&i.ty))
            .count()
    }
}

fn wrong_kind(import: &ImportType, what: &str) -> Error {
    Error::Api(format!(
        "import `{}::{}` is not a {what}",
        import.module, import.name
    ))
}

impl Func {
    /// A host function with the type of `module`'s import `index` (a
    /// function import).
    pub fn new_host_for_import(
        store: &mut Store,
        module: &Module,
        index: usize,
        f: impl Fn(&mut Caller<'_>, &[Val]) -> Result<HostResult, Trap> + Send + Sync + 'static,
    ) -> Result<Func> {
        let import = module.import_for(store, index)?;
        let ExternType::Func(ty) = &import.ty else {
            return Err(wrong_kind(import, "function"));
        };
        let func = module.kind_index(index, |t| matches!(t, ExternType::Func(_)));
        let info = Arc::clone(module.inner.func_info(func as u32));
        store.funcs.push(FuncInst::Host {
            ty: ty.clone(),
            id: info.id,
            info,
            func: HostFunc(Arc::new(f)),
        });
        Ok(Func(store.funcs.len() as u32 - 1))
    }
}

impl Global {
    /// A global with the type of `module`'s import `index` (a global import).
    pub fn new_for_import(
        store: &mut Store,
        module: &Module,
        index: usize,
        value: Val,
    ) -> Result<Global> {
        let import = module.import_for(store, index)?;
        let ExternType::Global(ty) = import.ty else {
            return Err(wrong_kind(import, "global"));
        };
        let cty = module.inner.canon_val(ty.content_type)?;
        Global::define(store, ty, cty, value)
    }
}

impl Table {
    /// A table with the type of `module`'s import `index` (a table import),
    /// every element `init`.
    pub fn new_for_import(
        store: &mut Store,
        module: &Module,
        index: usize,
        init: Val,
    ) -> Result<Table> {
        let import = module.import_for(store, index)?;
        let ExternType::Table(ty) = import.ty else {
            return Err(wrong_kind(import, "table"));
        };
        let elem = module.inner.canon_ref(ty.element_type)?;
        Table::define(store, ty, elem, init)
    }
}

impl Tag {
    /// A tag with the type of `module`'s import `index` (a tag import).
    pub fn new_for_import(store: &mut Store, module: &Module, index: usize) -> Result<Tag> {
        let import = module.import_for(store, index)?;
        if !matches!(import.ty, ExternType::Tag(_)) {
            return Err(wrong_kind(import, "tag"));
        }
        let tag = module.kind_index(index, |t| matches!(t, ExternType::Tag(_)));
        let info = Arc::clone(module.inner.type_info(module.inner.tag_types[tag]));
        store.tags.push(TagInst::new(info));
        Ok(Tag(store.tags.len() as u32 - 1))
    }
}
