//! Values as the embedder sees them ([`Val`]) and as the interpreter stores
//! them (64-bit slots; a v128 takes two).
//!
//! A reference is one slot. Null is 0; otherwise the low two bits say what
//! the rest names, so that converting between `anyref` and `externref` keeps
//! the bits unchanged:
//!
//! | tag  | meaning                                   |
//! |------|-------------------------------------------|
//! | 0b11 | function: store function address << 2     |
//! | 0b10 | host reference (`ref.extern N`): N << 2   |
//! | 0b01 | i31 value << 2                            |
//! | 0b00 | heap object (reserved for GC and exceptions) |

use wasmparser::ValType;

/// A function in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);

/// An opaque host reference: `ref.extern N` in scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef(pub u32);

/// A WebAssembly value. Floats are kept as bit patterns so NaN payloads
/// survive the trip through the embedding API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
}

impl Val {
    pub fn f32(v: f32) -> Val {
        Val::F32(v.to_bits())
    }

    pub fn f64(v: f64) -> Val {
        Val::F64(v.to_bits())
    }

    /// The zero value of a type (also the default of locals).
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) if r.heap_type() == wasmparser::HeapType::EXTERN => {
                Val::ExternRef(None)
            }
            ValType::Ref(_) => Val::FuncRef(None),
        }
    }

    /// Whether this value belongs to `ty` (as far as the embedding API can tell).
    pub fn matches(&self, ty: ValType) -> bool {
        match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (Val::FuncRef(f), ValType::Ref(r)) => {
                r.heap_type() == wasmparser::HeapType::FUNC && (f.is_some() || r.is_nullable())
            }
            (Val::ExternRef(e), ValType::Ref(r)) => {
                r.heap_type() == wasmparser::HeapType::EXTERN && (e.is_some() || r.is_nullable())
            }
            _ => false,
        }
    }
}

const TAG_MASK: u64 = 0b11;
const TAG_FUNC: u64 = 0b11;
const TAG_HOST: u64 = 0b10;

/// The slot encoding of a function reference.
pub(crate) fn func_ref(addr: u32) -> u64 {
    ((addr as u64) << 2) | TAG_FUNC
}

/// The store function address a non-null function reference names.
pub(crate) fn func_ref_addr(r: u64) -> Option<u32> {
    (r & TAG_MASK == TAG_FUNC).then_some((r >> 2) as u32)
}

pub(crate) fn host_ref(n: u32) -> u64 {
    ((n as u64) << 2) | TAG_HOST
}

pub(crate) fn host_ref_id(r: u64) -> Option<u32> {
    (r & TAG_MASK == TAG_HOST).then_some((r >> 2) as u32)
}

/// Writes a value into slots (`out` has room for its width).
pub(crate) fn val_to_slots(v: &Val, out: &mut [u64]) {
    match *v {
        Val::I32(x) => out[0] = x as u32 as u64,
        Val::I64(x) => out[0] = x as u64,
        Val::F32(x) => out[0] = x as u64,
        Val::F64(x) => out[0] = x,
        Val::V128(x) => {
            out[0] = x as u64;
            out[1] = (x >> 64) as u64;
        }
        Val::FuncRef(f) => out[0] = f.map_or(0, |f| func_ref(f.0)),
        Val::ExternRef(e) => out[0] = e.map_or(0, |e| host_ref(e.0)),
    }
}

/// Reads a value of type `ty` from slots.
pub(crate) fn val_from_slots(ty: ValType, s: &[u64]) -> Val {
    match ty {
        ValType::I32 => Val::I32(s[0] as u32 as i32),
        ValType::I64 => Val::I64(s[0] as i64),
        ValType::F32 => Val::F32(s[0] as u32),
        ValType::F64 => Val::F64(s[0]),
        ValType::V128 => Val::V128(s[0] as u128 | ((s[1] as u128) << 64)),
        ValType::Ref(r) => {
            if r.heap_type() == wasmparser::HeapType::EXTERN {
                Val::ExternRef(host_ref_id(s[0]).map(ExternRef))
            } else {
                Val::FuncRef(func_ref_addr(s[0]).map(Func))
            }
        }
    }
}
