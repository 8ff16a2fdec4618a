//! Function types shared across the modules of one engine.
//!
//! Signatures are interned so that the `call_indirect` check and import
//! matching compare two integers.

use std::collections::HashMap;

use wasmparser::{FuncType, ValType};

/// An interned function type, valid within one [`crate::Engine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub(crate) u32);

#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    ids: HashMap<FuncType, TypeId>,
    types: Vec<FuncType>,
}

impl TypeRegistry {
    pub(crate) fn intern(&mut self, ty: &FuncType) -> TypeId {
        if let Some(id) = self.ids.get(ty) {
            return *id;
        }
        let id = TypeId(self.types.len() as u32);
        self.types.push(ty.clone());
        self.ids.insert(ty.clone(), id);
        id
    }
}

/// Number of 64-bit stack slots a value of this type occupies.
pub(crate) fn slot_width(ty: ValType) -> u32 {
    match ty {
        ValType::V128 => 2,
        _ => 1,
    }
}

/// Total slots of a sequence of values.
pub(crate) fn slots_of(tys: &[ValType]) -> u32 {
    tys.iter().map(|t| slot_width(*t)).sum()
}
