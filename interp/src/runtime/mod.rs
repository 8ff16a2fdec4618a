//! Runtime structure (core spec, "Runtime Structure"): the store and the
//! embedder's handles to what lives in it.

pub(crate) mod gc;
pub(crate) mod heap;
pub(crate) mod host;
pub(crate) mod instance;
pub(crate) mod linker;
pub(crate) mod memory;
pub(crate) mod sched;
pub(crate) mod store;
pub(crate) mod table;
pub(crate) mod thread;
mod typed_imports;
pub(crate) mod vals;
pub(crate) mod waiters;

use wasmparser::{FuncType, GlobalType, MemoryType, TableType};

use crate::error::{Error, Result};
use crate::types::{RefTy, ValTy, abstract_val};
use crate::values::Func;
use crate::values::Val;
use store::{GlobalInst, Store, TagInst};

/// An instance in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instance(pub(crate) u32);

/// A table in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);

/// A linear memory in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) u32);

/// A global in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) u32);

/// An exception tag in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tag(pub(crate) u32);

/// Anything an instance can import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    Func(Func),
    Table(Table),
    Memory(Memory),
    Global(Global),
    Tag(Tag),
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}
impl From<Tag> for Extern {
    fn from(t: Tag) -> Extern {
        Extern::Tag(t)
    }
}

impl Instance {
    /// All exports, in the module's order.
    pub fn exports(&self, store: &Store) -> Vec<(String, Extern)> {
        store.instances[self.0 as usize].exports.clone()
    }

    pub fn get_export(&self, store: &Store, name: &str) -> Option<Extern> {
        store.instances[self.0 as usize]
            .exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| *e)
    }

    pub fn get_func(&self, store: &Store, name: &str) -> Option<Func> {
        match self.get_export(store, name)? {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    pub fn get_global(&self, store: &Store, name: &str) -> Option<Global> {
        match self.get_export(store, name)? {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    pub fn get_memory(&self, store: &Store, name: &str) -> Option<Memory> {
        match self.get_export(store, name)? {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    pub fn get_table(&self, store: &Store, name: &str) -> Option<Table> {
        match self.get_export(store, name)? {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn get_tag(&self, store: &Store, name: &str) -> Option<Tag> {
        match self.get_export(store, name)? {
            Extern::Tag(t) => Some(t),
            _ => None,
        }
    }
}

/// The canonical form of a type the embedder gives: only abstract heap
/// types can be named outside a module.
fn embedder_val(ty: wasmparser::ValType) -> Result<ValTy> {
    abstract_val(ty).ok_or_else(|| {
        Error::Api(format!(
            "type {ty:?} names a type index, which only a module can resolve"
        ))
    })
}

fn embedder_ref(ty: wasmparser::RefType) -> Result<RefTy> {
    match embedder_val(wasmparser::ValType::Ref(ty))? {
        ValTy::Ref(r) => Ok(r),
        _ => unreachable!("a reference type"),
    }
}

impl Tag {
    /// A new tag whose exceptions carry values of `ty`'s parameter types
    /// (`ty` has no results).
    pub fn new(store: &mut Store, ty: &FuncType) -> Result<Tag> {
        if !ty.results().is_empty() {
            return Err(Error::Api("a tag type has no results".into()));
        }
        for t in ty.params() {
            embedder_val(*t)?;
        }
        let info = store.engine.types().intern_host_func(ty);
        store.tags.push(TagInst::new(info));
        Ok(Tag(store.tags.len() as u32 - 1))
    }
}

impl Global {
    /// A new global holding `value`, which must have the type's value type.
    pub fn new(store: &mut Store, ty: GlobalType, value: Val) -> Result<Global> {
        let cty = embedder_val(ty.content_type)?;
        Global::define(store, ty, cty, value)
    }

    /// A new global of canonical type `cty` holding `value`.
    pub(crate) fn define(
        store: &mut Store,
        ty: GlobalType,
        cty: ValTy,
        value: Val,
    ) -> Result<Global> {
        let mut slots = [0u64; 2];
        store
            .val_to_slots(&value, cty, &mut slots)
            .map_err(Error::Api)?;
        store.globals.push(GlobalInst {
            ty,
            cty,
            value: slots,
        });
        Ok(Global(store.globals.len() as u32 - 1))
    }

    pub fn ty(&self, store: &Store) -> GlobalType {
        store.globals[self.0 as usize].ty
    }

    /// The global's value; a heap reference is rooted (see
    /// [`Store::roots_mark`]).
    pub fn get(&self, store: &mut Store) -> Val {
        let g = &store.globals[self.0 as usize];
        let (cty, value) = (g.cty, g.value);
        store.slots_to_val(cty, &value, true)
    }

    pub fn set(&self, store: &mut Store, value: Val) -> Result<()> {
        let g = &store.globals[self.0 as usize];
        if !g.ty.mutable {
            return Err(Error::Api("global is immutable".into()));
        }
        let mut slots = [0u64; 2];
        store
            .val_to_slots(&value, g.cty, &mut slots)
            .map_err(Error::Api)?;
        store.globals[self.0 as usize].value = slots;
        Ok(())
    }
}

impl Memory {
    pub fn new(store: &mut Store, ty: MemoryType) -> Result<Memory> {
        let max = store.engine.config().max_memory_bytes;
        store.memories.push(memory::MemoryInst::new(ty, max)?);
        Ok(Memory(store.memories.len() as u32 - 1))
    }

    pub fn data<'a>(&self, store: &'a Store) -> &'a [u8] {
        &store.memories[self.0 as usize].data
    }

    pub fn data_mut<'a>(&self, store: &'a mut Store) -> &'a mut [u8] {
        &mut store.memories[self.0 as usize].data
    }

    /// Current size in pages.
    pub fn size(&self, store: &Store) -> u64 {
        store.memories[self.0 as usize].pages()
    }

    /// The memory's type (its limits are those it was created with).
    pub fn ty(&self, store: &Store) -> MemoryType {
        store.memories[self.0 as usize].ty
    }
}

impl Table {
    pub fn new(store: &mut Store, ty: TableType, init: Val) -> Result<Table> {
        let elem = embedder_ref(ty.element_type)?;
        Table::define(store, ty, elem, init)
    }

    /// A new table of canonical element type `elem`, every element `init`.
    pub(crate) fn define(
        store: &mut Store,
        ty: TableType,
        elem: RefTy,
        init: Val,
    ) -> Result<Table> {
        let mut slot = [0u64; 2];
        store
            .val_to_slots(&init, ValTy::Ref(elem), &mut slot)
            .map_err(Error::Api)?;
        let max = store.engine.config().max_table_elements;
        store
            .tables
            .push(table::TableInst::new(ty, elem, slot[0], max)?);
        Ok(Table(store.tables.len() as u32 - 1))
    }

    pub fn size(&self, store: &Store) -> u64 {
        store.tables[self.0 as usize].size()
    }

    /// An element; a heap reference is rooted (see [`Store::roots_mark`]).
    pub fn get(&self, store: &mut Store, index: u64) -> Option<Val> {
        let t = &store.tables[self.0 as usize];
        let r = t.get(index).ok()?;
        let elem = t.elem;
        Some(store.slots_to_val(ValTy::Ref(elem), &[r], true))
    }
}
