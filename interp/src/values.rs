//! Values as the embedder sees them ([`Val`]) and as the interpreter stores
//! them (64-bit slots; a v128 takes two).
//!
//! A reference is one slot. Null is 0; otherwise the low two bits say what
//! the rest names, so that converting between `anyref` and `externref`
//! (`any.convert_extern`, `extern.convert_any`) keeps the bits unchanged:
//!
//! | tag  | meaning                                                   |
//! |------|-----------------------------------------------------------|
//! | 0b11 | function: store function address << 2                     |
//! | 0b10 | host reference (`ref.host N` / `ref.extern N`): N << 2     |
//! | 0b01 | i31 value (31 bits, zero-extended) << 2                    |
//! | 0b00 | heap object (struct, array, exception): heap index << 2, index >= 1 |
//!
//! Heap references the embedder holds ([`AnyRef`], [`ExternRef`],
//! [`ExnRef`]) also carry the generation of the heap slot they name, so a
//! reference used after the collector freed its object is detected (an
//! [`crate::Error::Api`]) rather than silently naming whatever reuses the
//! slot. See `ARCHITECTURE.md` ("The heap and the collector") for which
//! references the store keeps alive on the embedder's behalf.

use wasmparser::{AbstractHeapType, ValType};

use crate::types::abstract_top;

/// A function in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);

/// What a non-null reference of the `any` hierarchy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AnyRefKind {
    /// An unboxed 31-bit integer (`ref.i31`).
    I31,
    /// A host reference brought into `any` (`ref.host N`, or
    /// `any.convert_extern` of `ref.extern N`).
    Host,
    /// A struct on the store's heap.
    Struct,
    /// An array on the store's heap.
    Array,
}

/// A non-null reference of the `any` hierarchy (`anyref`, `eqref`,
/// `i31ref`, `structref`, `arrayref` and defined struct and array types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AnyRef {
    pub(crate) bits: u64,
    pub(crate) generation: u32,
    pub(crate) kind: AnyRefKind,
}

/// A non-null external reference: a host reference (`ref.extern N`), or an
/// `any` value made external by `extern.convert_any`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExternRef {
    pub(crate) bits: u64,
    pub(crate) generation: u32,
    pub(crate) kind: AnyRefKind,
}

/// A non-null exception reference (`exnref`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExnRef {
    pub(crate) bits: u64,
    pub(crate) generation: u32,
}

impl AnyRef {
    /// `ref.i31`: the low 31 bits of `value`.
    pub fn i31(value: i32) -> AnyRef {
        AnyRef {
            bits: i31_ref(value as u32),
            generation: 0,
            kind: AnyRefKind::I31,
        }
    }

    /// The host reference `ref.host id`.
    pub fn host(id: u32) -> AnyRef {
        AnyRef {
            bits: host_ref(id),
            generation: 0,
            kind: AnyRefKind::Host,
        }
    }

    pub fn kind(&self) -> AnyRefKind {
        self.kind
    }

    /// `i31.get_s` of an i31 reference.
    pub fn i31_get_s(&self) -> Option<i32> {
        (self.kind == AnyRefKind::I31).then(|| i31_get_s(self.bits) as i32)
    }

    /// `i31.get_u` of an i31 reference.
    pub fn i31_get_u(&self) -> Option<u32> {
        (self.kind == AnyRefKind::I31).then(|| i31_get_u(self.bits) as u32)
    }

    /// The id of a host reference.
    pub fn host_id(&self) -> Option<u32> {
        host_ref_id(self.bits)
    }

    /// `extern.convert_any`.
    pub fn to_extern(self) -> ExternRef {
        ExternRef {
            bits: self.bits,
            generation: self.generation,
            kind: self.kind,
        }
    }
}

impl ExternRef {
    /// The host reference `ref.extern id`.
    pub fn host(id: u32) -> ExternRef {
        AnyRef::host(id).to_extern()
    }

    /// The id of a host reference.
    pub fn host_id(&self) -> Option<u32> {
        host_ref_id(self.bits)
    }

    /// `any.convert_extern`.
    pub fn to_any(self) -> AnyRef {
        AnyRef {
            bits: self.bits,
            generation: self.generation,
            kind: self.kind,
        }
    }
}

/// A WebAssembly value. Floats are kept as bit patterns so NaN payloads
/// survive the trip through the embedding API. Each reference hierarchy has
/// its own variant; `None` is its null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef(Option<Func>),
    ExternRef(Option<ExternRef>),
    AnyRef(Option<AnyRef>),
    ExnRef(Option<ExnRef>),
}

impl Val {
    pub fn f32(v: f32) -> Val {
        Val::F32(v.to_bits())
    }

    pub fn f64(v: f64) -> Val {
        Val::F64(v.to_bits())
    }

    /// The zero value of a type (also the default of locals). For a type
    /// that names a defined type by index, the hierarchy cannot be known
    /// without its module; such types give a null funcref.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(r) => match r.heap_type() {
                wasmparser::HeapType::Abstract { ty, .. } => Val::null_of(ty),
                _ => Val::FuncRef(None),
            },
        }
    }

    /// The null of the hierarchy an abstract heap type belongs to.
    pub fn null_of(heap: AbstractHeapType) -> Val {
        match abstract_top(heap) {
            AbstractHeapType::Func => Val::FuncRef(None),
            AbstractHeapType::Extern => Val::ExternRef(None),
            AbstractHeapType::Exn => Val::ExnRef(None),
            _ => Val::AnyRef(None),
        }
    }

    /// Whether this value belongs to `ty`, for types without type indices
    /// (as far as the embedding API can tell without a store).
    pub fn matches(&self, ty: ValType) -> bool {
        use AbstractHeapType as A;
        match (self, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (v, ValType::Ref(r)) => {
                let wasmparser::HeapType::Abstract { ty: h, .. } = r.heap_type() else {
                    return false;
                };
                match v {
                    Val::FuncRef(None)
                    | Val::ExternRef(None)
                    | Val::AnyRef(None)
                    | Val::ExnRef(None) => r.is_nullable() && Val::null_of(h).same_hierarchy(v),
                    Val::FuncRef(Some(_)) => h == A::Func,
                    Val::ExternRef(Some(_)) => h == A::Extern,
                    Val::ExnRef(Some(_)) => h == A::Exn,
                    Val::AnyRef(Some(a)) => match (a.kind, h) {
                        (_, A::Any) => true,
                        (AnyRefKind::Host, _) => false,
                        (_, A::Eq) => true,
                        (AnyRefKind::I31, A::I31)
                        | (AnyRefKind::Struct, A::Struct)
                        | (AnyRefKind::Array, A::Array) => true,
                        _ => false,
                    },
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn same_hierarchy(&self, other: &Val) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

pub(crate) const TAG_MASK: u64 = 0b11;
pub(crate) const TAG_FUNC: u64 = 0b11;
pub(crate) const TAG_HOST: u64 = 0b10;
pub(crate) const TAG_I31: u64 = 0b01;

/// The slot encoding of a function reference.
pub(crate) fn func_ref(addr: u32) -> u64 {
    ((addr as u64) << 2) | TAG_FUNC
}

/// The store function address a non-null function reference names.
#[inline]
pub(crate) fn func_ref_addr(r: u64) -> Option<u32> {
    (r & TAG_MASK == TAG_FUNC).then_some((r >> 2) as u32)
}

pub(crate) fn host_ref(n: u32) -> u64 {
    ((n as u64) << 2) | TAG_HOST
}

pub(crate) fn host_ref_id(r: u64) -> Option<u32> {
    (r & TAG_MASK == TAG_HOST).then_some((r >> 2) as u32)
}

/// `ref.i31`: the low 31 bits of an i32.
#[inline]
pub(crate) fn i31_ref(v: u32) -> u64 {
    (((v & 0x7fff_ffff) as u64) << 2) | TAG_I31
}

#[inline]
pub(crate) fn i31_get_u(r: u64) -> u64 {
    (r >> 2) & 0x7fff_ffff
}

#[inline]
pub(crate) fn i31_get_s(r: u64) -> u64 {
    ((((r >> 2) as u32) << 1) as i32 >> 1) as u32 as u64
}

/// The slot encoding of heap object `index` (never 0).
#[inline]
pub(crate) fn heap_ref(index: u32) -> u64 {
    (index as u64) << 2
}

/// The heap index a reference names, if it is a heap object.
#[inline]
pub(crate) fn heap_index(r: u64) -> Option<u32> {
    (r != 0 && r & TAG_MASK == 0).then_some((r >> 2) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i31_round_trips() {
        for v in [0i32, 1, -1, 0x3fff_ffff, -0x4000_0000, i32::MAX, i32::MIN] {
            let r = i31_ref(v as u32);
            assert_eq!(r & TAG_MASK, TAG_I31);
            assert_eq!(i31_get_u(r) as u32, v as u32 & 0x7fff_ffff);
            assert_eq!(i31_get_s(r) as u32 as i32, (v << 1) >> 1);
        }
    }

    #[test]
    fn matches_checks_hierarchy_nullability_and_kind() {
        use wasmparser::{RefType, ValType as V};
        let any = V::Ref(RefType::ANYREF);
        let eq = V::Ref(RefType::EQ);
        assert!(Val::AnyRef(None).matches(any));
        assert!(!Val::AnyRef(None).matches(eq), "(ref eq) is not nullable");
        assert!(!Val::FuncRef(None).matches(any), "another hierarchy's null");
        assert!(Val::AnyRef(Some(AnyRef::i31(1))).matches(eq));
        assert!(
            !Val::AnyRef(Some(AnyRef::host(1))).matches(eq),
            "host values are not eq"
        );
        assert!(Val::AnyRef(Some(AnyRef::host(1))).matches(any));
        assert!(Val::ExternRef(Some(ExternRef::host(1))).matches(V::EXTERNREF));
        assert!(Val::I32(1).matches(V::I32) && !Val::I32(1).matches(V::I64));
    }

    #[test]
    fn conversions_keep_the_bits() {
        let e = ExternRef::host(7);
        assert_eq!(e.to_any().host_id(), Some(7));
        assert_eq!(e.to_any().to_extern(), e);
        assert_eq!(AnyRef::i31(-1).i31_get_s(), Some(-1));
        assert_eq!(AnyRef::i31(-1).i31_get_u(), Some(0x7fff_ffff));
    }
}
