//! A module's types (core spec, "Modules › Types"): its rec groups,
//! canonicalized through the engine's registry, and the translation of the
//! module's value types (which name types by module index) into canonical
//! ones (which name them by engine-wide [`TypeId`]).

use std::sync::Arc;

use wasmparser::{
    CompositeInnerType, FieldType, HeapType, PackedIndex, RecGroup, RefType, StorageType,
    UnpackedIndex, ValType,
};

use super::ModuleInner;
use crate::error::{Error, Result};
use crate::types::{Composite, FieldTy, Heap, RefTy, Storage, SubTy, TypeInfo, ValTy};

/// Maps module type indices while a rec group is read: members of the group
/// become `Heap::Rec`, earlier types their canonical id.
struct GroupCtx<'a> {
    known: &'a [Arc<TypeInfo>],
    first: u32,
    len: u32,
}

impl GroupCtx<'_> {
    fn index(&self, i: UnpackedIndex) -> Result<Heap> {
        match i {
            UnpackedIndex::Module(i) if i >= self.first && i < self.first + self.len => {
                Ok(Heap::Rec(i - self.first))
            }
            UnpackedIndex::Module(i) => self
                .known
                .get(i as usize)
                .map(|t| Heap::Def(t.id))
                .ok_or_else(|| Error::Invalid(format!("unknown type {i}"))),
            UnpackedIndex::RecGroup(i) => Ok(Heap::Rec(i)),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Unsupported(
                "canonical type index in a module".into(),
            )),
        }
    }

    fn heap(&self, h: HeapType) -> Result<Heap> {
        match h {
            HeapType::Abstract { shared: false, ty } => Ok(Heap::Abs(ty)),
            HeapType::Abstract { shared: true, .. } => {
                Err(Error::Unsupported("shared heap types".into()))
            }
            HeapType::Concrete(i) => self.index(i),
            HeapType::Exact(_) => Err(Error::Unsupported(
                "exact reference types (custom descriptors)".into(),
            )),
        }
    }

    fn val(&self, t: ValType) -> Result<ValTy> {
        Ok(match t {
            ValType::I32 => ValTy::I32,
            ValType::I64 => ValTy::I64,
            ValType::F32 => ValTy::F32,
            ValType::F64 => ValTy::F64,
            ValType::V128 => ValTy::V128,
            ValType::Ref(r) => ValTy::Ref(RefTy {
                nullable: r.is_nullable(),
                heap: self.heap(r.heap_type())?,
            }),
        })
    }

    fn field(&self, f: FieldType) -> Result<FieldTy> {
        Ok(FieldTy {
            storage: match f.element_type {
                StorageType::I8 => Storage::I8,
                StorageType::I16 => Storage::I16,
                StorageType::Val(v) => Storage::Val(self.val(v)?),
            },
            mutable: f.mutable,
        })
    }

    fn packed(&self, p: PackedIndex) -> Result<Heap> {
        self.index(p.unpack())
    }
}

/// Reads one rec group of the type section: records its members' raw types
/// and their canonical counterparts.
pub(crate) fn read_rec_group(m: &mut ModuleInner, group: RecGroup) -> Result<()> {
    let subs: Vec<wasmparser::SubType> = group.into_types().collect();
    let ctx = GroupCtx {
        known: &m.type_infos,
        first: m.types.len() as u32,
        len: subs.len() as u32,
    };
    let mut key = Vec::with_capacity(subs.len());
    for sub in &subs {
        if sub.composite_type.descriptor_idx.is_some() || sub.composite_type.describes_idx.is_some()
        {
            return Err(Error::Unsupported("custom descriptors".into()));
        }
        if sub.composite_type.shared {
            return Err(Error::Unsupported("shared types".into()));
        }
        let composite = match &sub.composite_type.inner {
            CompositeInnerType::Func(f) => Composite::Func {
                params: f
                    .params()
                    .iter()
                    .map(|t| ctx.val(*t))
                    .collect::<Result<_>>()?,
                results: f
                    .results()
                    .iter()
                    .map(|t| ctx.val(*t))
                    .collect::<Result<_>>()?,
            },
            CompositeInnerType::Struct(s) => Composite::Struct(
                s.fields
                    .iter()
                    .map(|f| ctx.field(*f))
                    .collect::<Result<_>>()?,
            ),
            CompositeInnerType::Array(a) => Composite::Array(ctx.field(a.0)?),
            CompositeInnerType::Cont(_) => {
                return Err(Error::Unsupported("continuation types".into()));
            }
        };
        key.push(SubTy {
            is_final: sub.is_final,
            supertype: sub.supertype_idx.map(|p| ctx.packed(p)).transpose()?,
            composite,
        });
    }
    let infos = m.engine.types().intern_group(key);
    m.types.extend(subs);
    m.type_infos.extend(infos);
    Ok(())
}

impl ModuleInner {
    fn ctx(&self) -> GroupCtx<'_> {
        GroupCtx {
            known: &self.type_infos,
            first: u32::MAX,
            len: 0,
        }
    }

    /// The canonical form of one of the module's value types.
    pub(crate) fn canon_val(&self, t: ValType) -> Result<ValTy> {
        self.ctx().val(t)
    }

    pub(crate) fn canon_ref(&self, r: RefType) -> Result<RefTy> {
        Ok(RefTy {
            nullable: r.is_nullable(),
            heap: self.canon_heap(r.heap_type())?,
        })
    }

    pub(crate) fn canon_heap(&self, h: HeapType) -> Result<Heap> {
        self.ctx().heap(h)
    }

    /// The canonical type of type index `i`.
    pub(crate) fn type_info(&self, i: u32) -> &Arc<TypeInfo> {
        &self.type_infos[i as usize]
    }
}
