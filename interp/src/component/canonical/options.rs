//! CanonicalABI.md, "Canonical ABI Options": the options of `canon lift`,
//! `canon lower` and the built-ins that read or write memory.

use std::ops::Deref;

use super::abi::{PtrType, ptr_size};
use crate::runtime::Memory;
use crate::runtime::store::Store;
use crate::values::Func;

/// The `string-encoding` option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StringEncoding {
    #[default]
    Utf8,
    Utf16,
    /// `latin1+utf16`
    Latin1Utf16,
}

impl std::fmt::Display for StringEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StringEncoding::Utf8 => "utf8",
            StringEncoding::Utf16 => "utf16",
            StringEncoding::Latin1Utf16 => "latin1+utf16",
        })
    }
}

/// `definitions.py::MemInst`: a core memory and its address type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemInst {
    pub(crate) memory: Memory,
    pub(crate) addrtype: PtrType,
}

impl MemInst {
    pub(crate) fn new(store: &Store, memory: Memory) -> MemInst {
        let addrtype = if store.memories[memory.0 as usize].ty.memory64 {
            PtrType::I64
        } else {
            PtrType::I32
        };
        MemInst { memory, addrtype }
    }

    /// `MemInst.ptr_type`.
    pub(crate) fn ptr_type(&self) -> PtrType {
        self.addrtype
    }

    /// `MemInst.ptr_size`.
    pub(crate) fn ptr_size(&self) -> u64 {
        ptr_size(self.ptr_type())
    }

    /// `len(memory)`: the current size in bytes.
    pub(crate) fn len(&self, store: &Store) -> u64 {
        store.memories[self.memory.0 as usize].data.len() as u64
    }

    pub(crate) fn bytes<'s>(&self, store: &'s Store) -> &'s [u8] {
        &store.memories[self.memory.0 as usize].data
    }

    pub(crate) fn bytes_mut<'s>(&self, store: &'s mut Store) -> &'s mut [u8] {
        &mut store.memories[self.memory.0 as usize].data
    }
}

/// `definitions.py::LiftOptions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LiftOptions {
    pub(crate) string_encoding: StringEncoding,
    pub(crate) memory: Option<MemInst>,
}

impl LiftOptions {
    /// `LiftOptions.equal`.
    pub(crate) fn equal(lhs: &LiftOptions, rhs: &LiftOptions) -> bool {
        lhs.string_encoding == rhs.string_encoding && lhs.memory == rhs.memory
    }

    /// The address type of the memory option (the spec only asks when a
    /// type needs memory, and validation then requires the option).
    pub(crate) fn ptr_type(&self) -> PtrType {
        self.memory.map_or(PtrType::I32, |m| m.ptr_type())
    }
}

/// `definitions.py::LiftLowerOptions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LiftLowerOptions {
    pub(crate) lift: LiftOptions,
    pub(crate) realloc: Option<Func>,
}

impl Deref for LiftLowerOptions {
    type Target = LiftOptions;
    fn deref(&self) -> &LiftOptions {
        &self.lift
    }
}

/// `definitions.py::CanonicalOptions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct CanonicalOptions {
    pub(crate) lift_lower: LiftLowerOptions,
    pub(crate) post_return: Option<Func>,
    pub(crate) async_: bool,
    pub(crate) callback: Option<Func>,
    /// The `gc` option (and its `core-type`): the GC variant of the ABI,
    /// which cmref does not implement.
    pub(crate) gc: bool,
}

impl Deref for CanonicalOptions {
    type Target = LiftLowerOptions;
    fn deref(&self) -> &LiftLowerOptions {
        &self.lift_lower
    }
}
