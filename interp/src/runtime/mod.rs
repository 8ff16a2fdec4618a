//! Runtime structure (core spec, "Runtime Structure"): the store and the
//! embedder's handles to what lives in it.

pub(crate) mod host;
pub(crate) mod instance;
pub(crate) mod linker;
pub(crate) mod memory;
pub(crate) mod sched;
pub(crate) mod store;
pub(crate) mod table;
pub(crate) mod thread;
pub(crate) mod waiters;

use wasmparser::{GlobalType, MemoryType, TableType};

use crate::error::{Error, Result};
use crate::values::{Func, Val, val_from_slots, val_to_slots};
use store::{GlobalInst, Store};

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

/// Anything an instance can import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    Func(Func),
    Table(Table),
    Memory(Memory),
    Global(Global),
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
}

impl Global {
    /// A new global holding `value`, which must have the type's value type.
    pub fn new(store: &mut Store, ty: GlobalType, value: Val) -> Result<Global> {
        if !value.matches(ty.content_type) {
            return Err(Error::Api(format!(
                "value {value:?} does not match global type {:?}",
                ty.content_type
            )));
        }
        let mut slots = [0u64; 2];
        val_to_slots(&value, &mut slots);
        store.globals.push(GlobalInst { ty, value: slots });
        Ok(Global(store.globals.len() as u32 - 1))
    }

    pub fn ty(&self, store: &Store) -> GlobalType {
        store.globals[self.0 as usize].ty
    }

    pub fn get(&self, store: &Store) -> Val {
        let g = &store.globals[self.0 as usize];
        val_from_slots(g.ty.content_type, &g.value)
    }

    pub fn set(&self, store: &mut Store, value: Val) -> Result<()> {
        let g = &mut store.globals[self.0 as usize];
        if !g.ty.mutable {
            return Err(Error::Api("global is immutable".into()));
        }
        if !value.matches(g.ty.content_type) {
            return Err(Error::Api(format!(
                "value {value:?} does not match the global's type"
            )));
        }
        val_to_slots(&value, &mut g.value);
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
        let mut slot = [0u64; 2];
        val_to_slots(&init, &mut slot);
        let max = store.engine.config().max_table_elements;
        store.tables.push(table::TableInst::new(ty, slot[0], max)?);
        Ok(Table(store.tables.len() as u32 - 1))
    }

    pub fn size(&self, store: &Store) -> u64 {
        store.tables[self.0 as usize].size()
    }

    pub fn get(&self, store: &Store, index: u64) -> Option<Val> {
        let t = &store.tables[self.0 as usize];
        let r = t.get(index).ok()?;
        Some(val_from_slots(
            wasmparser::ValType::Ref(t.ty.element_type),
            &[r],
        ))
    }
}
