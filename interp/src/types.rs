//! Types shared across the modules of one engine (core spec, "Types" and
//! "Validation › Matching").
//!
//! Every defined type (function, struct, array) is *canonicalized* once per
//! engine: recursion groups are compared iso-recursively, so two modules
//! that define the same rec group get the same [`TypeId`]s, and equality of
//! defined types is an integer comparison. A canonical type ([`TypeInfo`])
//! refers to other defined types by `TypeId`, and records its chain of
//! declared supertypes, so that subtyping between defined types is one
//! array lookup.

use std::collections::HashMap;
use std::sync::Arc;

use wasmparser::{AbstractHeapType, FuncType, ValType};

/// A canonical defined type, valid within one [`crate::Engine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub(crate) u32);

/// A canonical heap type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Heap {
    Abs(AbstractHeapType),
    /// A defined type.
    Def(TypeId),
    /// The `i`th type of the rec group being canonicalized. Appears only in
    /// the registry's lookup keys, never in a registered type.
    Rec(u32),
}

/// A canonical reference type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RefTy {
    pub(crate) nullable: bool,
    pub(crate) heap: Heap,
}

/// A canonical value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ValTy {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref(RefTy),
}

/// The storage type of a struct field or array element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Storage {
    I8,
    I16,
    Val(ValTy),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FieldTy {
    pub(crate) storage: Storage,
    pub(crate) mutable: bool,
}

/// A canonical composite type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Composite {
    Func {
        params: Box<[ValTy]>,
        results: Box<[ValTy]>,
    },
    Struct(Box<[FieldTy]>),
    Array(FieldTy),
}

/// One type of a rec group, as the registry compares it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SubTy {
    pub(crate) is_final: bool,
    pub(crate) supertype: Option<Heap>,
    pub(crate) composite: Composite,
}

/// How an object of a struct or array type is laid out in 64-bit slots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Layout {
    /// For structs: the first slot of each field (a v128 takes two).
    pub(crate) field_slots: Box<[u32]>,
    /// For structs: total slots; for arrays: slots per element.
    pub(crate) slots: u32,
    /// Slots holding references (struct fields; for arrays, `[0]` if the
    /// element is a reference).
    pub(crate) ref_slots: Box<[u32]>,
}

/// A registered canonical type.
#[derive(Debug)]
pub(crate) struct TypeInfo {
    pub(crate) id: TypeId,
    /// Declared supertypes, the root first (the type itself excluded); the
    /// length is the type's depth in its subtype hierarchy.
    pub(crate) supertypes: Box<[TypeId]>,
    pub(crate) composite: Composite,
    pub(crate) layout: Layout,
    /// Whether an opaque host type that matches nothing (see
    /// [`TypeRegistry::intern_host_func`]).
    pub(crate) opaque: bool,
}

impl TypeInfo {
    /// Declared subtyping between defined types (reflexive, transitive).
    #[inline]
    pub(crate) fn is_subtype_of(&self, other: &TypeInfo) -> bool {
        self.id == other.id
            || (!other.opaque && self.supertypes.get(other.supertypes.len()) == Some(&other.id))
    }

    pub(crate) fn func(&self) -> Option<(&[ValTy], &[ValTy])> {
        match &self.composite {
            Composite::Func { params, results } => Some((params, results)),
            _ => None,
        }
    }

    /// The abstract heap type directly above this type (`func`, `struct`, `array`).
    pub(crate) fn kind_top(&self) -> AbstractHeapType {
        match self.composite {
            Composite::Func { .. } => AbstractHeapType::Func,
            Composite::Struct(_) => AbstractHeapType::Struct,
            Composite::Array(_) => AbstractHeapType::Array,
        }
    }
}

/// The registry of canonical types of an engine. Append-only: types live as
/// long as the engine.
#[derive(Debug, Default)]
pub(crate) struct TypeRegistry {
    groups: HashMap<Box<[SubTy]>, u32>,
    infos: Vec<Arc<TypeInfo>>,
}

impl TypeRegistry {
    pub(crate) fn get(&self, id: TypeId) -> &Arc<TypeInfo> {
        &self.infos[id.0 as usize]
    }

    /// Canonicalizes a rec group whose references to its own members are
    /// `Heap::Rec(i)` and to earlier types `Heap::Def(id)`; returns the
    /// canonical types of its members in order.
    pub(crate) fn intern_group(&mut self, group: Vec<SubTy>) -> Vec<Arc<TypeInfo>> {
        let n = group.len() as u32;
        if let Some(&first) = self.groups.get(group.as_slice()) {
            return (first..first + n)
                .map(|i| Arc::clone(&self.infos[i as usize]))
                .collect();
        }
        let first = self.infos.len() as u32;
        let resolve = |h: Heap| match h {
            Heap::Rec(i) => Heap::Def(TypeId(first + i)),
            other => other,
        };
        for sub in &group {
            let id = TypeId(self.infos.len() as u32);
            let supertypes: Box<[TypeId]> = match sub.supertype.map(resolve) {
                Some(Heap::Def(s)) => {
                    let sup = &self.infos[s.0 as usize];
                    sup.supertypes.iter().copied().chain([s]).collect()
                }
                _ => Box::new([]),
            };
            let composite = map_composite(&sub.composite, &resolve);
            let layout = layout_of(&composite);
            self.infos.push(Arc::new(TypeInfo {
                id,
                supertypes,
                composite,
                layout,
                opaque: false,
            }));
        }
        self.groups.insert(group.into_boxed_slice(), first);
        (first..first + n)
            .map(|i| Arc::clone(&self.infos[i as usize]))
            .collect()
    }

    /// The canonical type of a host function's signature: a final function
    /// type with no supertype in a rec group of its own. Signatures that name
    /// type indices cannot be resolved outside a module; they get a fresh
    /// opaque type that matches no other type.
    pub(crate) fn intern_host_func(&mut self, ty: &FuncType) -> Arc<TypeInfo> {
        let mut resolvable = true;
        let mut conv = |t: &ValType| {
            abstract_val(*t).unwrap_or_else(|| {
                resolvable = false;
                ValTy::I32
            })
        };
        let params: Box<[ValTy]> = ty.params().iter().map(&mut conv).collect();
        let results: Box<[ValTy]> = ty.results().iter().map(&mut conv).collect();
        let composite = Composite::Func { params, results };
        if resolvable {
            let sub = SubTy {
                is_final: true,
                supertype: None,
                composite,
            };
            return self.intern_group(vec![sub]).remove(0);
        }
        let info = Arc::new(TypeInfo {
            id: TypeId(self.infos.len() as u32),
            supertypes: Box::new([]),
            composite,
            layout: Layout::default(),
            opaque: true,
        });
        self.infos.push(Arc::clone(&info));
        info
    }

    // ------------------------------------------------------------ matching

    /// `heap1 <: heap2` (both canonical, no `Rec`).
    pub(crate) fn heap_sub(&self, a: Heap, b: Heap) -> bool {
        use AbstractHeapType as A;
        if a == b {
            return true;
        }
        match (a, b) {
            (Heap::Abs(x), Heap::Abs(y)) => abstract_sub(x, y),
            (Heap::Def(t), Heap::Abs(y)) => {
                let top = self.get(t).kind_top();
                top == y || (top != A::Func && abstract_sub(top, y))
            }
            (Heap::Abs(x), Heap::Def(t)) => {
                let bottom = match self.get(t).kind_top() {
                    A::Func => A::NoFunc,
                    _ => A::None,
                };
                x == bottom
            }
            (Heap::Def(s), Heap::Def(t)) => self.get(s).is_subtype_of(self.get(t)),
            _ => false,
        }
    }

    /// The top of the hierarchy a heap type belongs to (`func`, `extern`,
    /// `exn` or `any`).
    pub(crate) fn top_of(&self, heap: Heap) -> AbstractHeapType {
        match heap {
            Heap::Abs(a) => abstract_top(a),
            Heap::Def(t) => match self.get(t).kind_top() {
                AbstractHeapType::Func => AbstractHeapType::Func,
                _ => AbstractHeapType::Any,
            },
            Heap::Rec(_) => AbstractHeapType::Any,
        }
    }

    pub(crate) fn ref_sub(&self, a: RefTy, b: RefTy) -> bool {
        (!a.nullable || b.nullable) && self.heap_sub(a.heap, b.heap)
    }

    pub(crate) fn val_sub(&self, a: ValTy, b: ValTy) -> bool {
        match (a, b) {
            (ValTy::Ref(x), ValTy::Ref(y)) => self.ref_sub(x, y),
            _ => a == b,
        }
    }
}

/// Subtyping between abstract heap types.
pub(crate) fn abstract_sub(a: AbstractHeapType, b: AbstractHeapType) -> bool {
    use AbstractHeapType as A;
    a == b
        || matches!(
            (a, b),
            (A::None, A::Any | A::Eq | A::I31 | A::Struct | A::Array)
                | (A::I31 | A::Struct | A::Array, A::Any | A::Eq)
                | (A::Eq, A::Any)
                | (A::NoFunc, A::Func)
                | (A::NoExtern, A::Extern)
                | (A::NoExn, A::Exn)
        )
}

/// The top of the hierarchy an abstract heap type belongs to.
pub(crate) fn abstract_top(a: AbstractHeapType) -> AbstractHeapType {
    use AbstractHeapType as A;
    match a {
        A::Func | A::NoFunc => A::Func,
        A::Extern | A::NoExtern => A::Extern,
        A::Exn | A::NoExn => A::Exn,
        A::Cont | A::NoCont => A::Cont,
        _ => A::Any,
    }
}

/// A value type without type indices, canonically.
pub(crate) fn abstract_val(t: ValType) -> Option<ValTy> {
    Some(match t {
        ValType::I32 => ValTy::I32,
        ValType::I64 => ValTy::I64,
        ValType::F32 => ValTy::F32,
        ValType::F64 => ValTy::F64,
        ValType::V128 => ValTy::V128,
        ValType::Ref(r) => match r.heap_type() {
            wasmparser::HeapType::Abstract { ty, .. } => ValTy::Ref(RefTy {
                nullable: r.is_nullable(),
                heap: Heap::Abs(ty),
            }),
            _ => return None,
        },
    })
}

fn map_heap_val(v: ValTy, f: &impl Fn(Heap) -> Heap) -> ValTy {
    match v {
        ValTy::Ref(r) => ValTy::Ref(RefTy {
            nullable: r.nullable,
            heap: f(r.heap),
        }),
        other => other,
    }
}

fn map_field(field: FieldTy, f: &impl Fn(Heap) -> Heap) -> FieldTy {
    FieldTy {
        storage: match field.storage {
            Storage::Val(v) => Storage::Val(map_heap_val(v, f)),
            packed => packed,
        },
        mutable: field.mutable,
    }
}

fn map_composite(c: &Composite, f: &impl Fn(Heap) -> Heap) -> Composite {
    match c {
        Composite::Func { params, results } => Composite::Func {
            params: params.iter().map(|v| map_heap_val(*v, f)).collect(),
            results: results.iter().map(|v| map_heap_val(*v, f)).collect(),
        },
        Composite::Struct(fields) => {
            Composite::Struct(fields.iter().map(|x| map_field(*x, f)).collect())
        }
        Composite::Array(field) => Composite::Array(map_field(*field, f)),
    }
}

fn storage_slots(s: Storage) -> u32 {
    match s {
        Storage::Val(ValTy::V128) => 2,
        _ => 1,
    }
}

fn is_ref_storage(s: Storage) -> bool {
    matches!(s, Storage::Val(ValTy::Ref(_)))
}

fn layout_of(c: &Composite) -> Layout {
    match c {
        Composite::Func { .. } => Layout::default(),
        Composite::Struct(fields) => {
            let mut field_slots = Vec::with_capacity(fields.len());
            let mut ref_slots = Vec::new();
            let mut next = 0;
            for f in fields.iter() {
                field_slots.push(next);
                if is_ref_storage(f.storage) {
                    ref_slots.push(next);
                }
                next += storage_slots(f.storage);
            }
            Layout {
                field_slots: field_slots.into(),
                slots: next,
                ref_slots: ref_slots.into(),
            }
        }
        Composite::Array(f) => Layout {
            field_slots: Box::new([]),
            slots: storage_slots(f.storage),
            ref_slots: if is_ref_storage(f.storage) {
                Box::new([0])
            } else {
                Box::new([])
            },
        },
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

/// Slots of a canonical value type.
pub(crate) fn val_slots(ty: ValTy) -> u32 {
    match ty {
        ValTy::V128 => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(params: Vec<ValTy>) -> SubTy {
        SubTy {
            is_final: true,
            supertype: None,
            composite: Composite::Func {
                params: params.into(),
                results: Box::new([]),
            },
        }
    }

    #[test]
    fn equal_groups_get_equal_ids() {
        let mut r = TypeRegistry::default();
        let self_ref = ValTy::Ref(RefTy {
            nullable: true,
            heap: Heap::Rec(0),
        });
        let a = r.intern_group(vec![func(vec![self_ref])]);
        let b = r.intern_group(vec![func(vec![self_ref])]);
        let c = r.intern_group(vec![func(vec![ValTy::I32])]);
        assert_eq!(a[0].id, b[0].id);
        assert_ne!(a[0].id, c[0].id);
        // The self reference resolves to the type's own id.
        assert_eq!(
            a[0].func().unwrap().0[0],
            ValTy::Ref(RefTy {
                nullable: true,
                heap: Heap::Def(a[0].id)
            })
        );
    }

    #[test]
    fn declared_subtypes_chain() {
        let mut r = TypeRegistry::default();
        let base = SubTy {
            is_final: false,
            supertype: None,
            composite: Composite::Struct(Box::new([])),
        };
        let a = r.intern_group(vec![base])[0].clone();
        let sub = SubTy {
            is_final: false,
            supertype: Some(Heap::Def(a.id)),
            composite: Composite::Struct(Box::new([])),
        };
        let b = r.intern_group(vec![sub])[0].clone();
        assert!(b.is_subtype_of(&a));
        assert!(!a.is_subtype_of(&b));
        assert!(r.heap_sub(Heap::Def(b.id), Heap::Abs(AbstractHeapType::Eq)));
        assert!(r.heap_sub(Heap::Abs(AbstractHeapType::None), Heap::Def(b.id)));
        assert!(!r.heap_sub(Heap::Abs(AbstractHeapType::NoFunc), Heap::Def(b.id)));
    }
}
