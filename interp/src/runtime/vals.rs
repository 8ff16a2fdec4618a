//! Values crossing the embedding boundary: slots to [`Val`]s (for results,
//! host-function arguments, globals, tables, exception payloads) and back
//! (for arguments, host results), with the checks the store can make:
//! the value's hierarchy and type, and that a heap reference is not stale.

use std::sync::Arc;

use wasmparser::AbstractHeapType;

use crate::error::{Error, Result};
use crate::exec::gc::{CastHeap, CastTarget, ref_test};
use crate::runtime::Tag;
use crate::runtime::heap::Body;
use crate::runtime::store::Store;
use crate::types::{Composite, Heap, RefTy, Storage, ValTy, abstract_top, val_slots};
use crate::values::{
    AnyRef, AnyRefKind, ExnRef, ExternRef, Func, TAG_HOST, TAG_I31, TAG_MASK, Val, func_ref,
    func_ref_addr, heap_index,
};

impl Store {
    /// The top of the hierarchy a canonical heap type belongs to.
    pub(crate) fn heap_top(&self, heap: Heap) -> AbstractHeapType {
        match heap {
            Heap::Abs(a) => abstract_top(a),
            _ => self.engine.types().top_of(heap),
        }
    }

    /// A cast target for a canonical reference type.
    pub(crate) fn cast_target(&self, ty: RefTy) -> CastTarget {
        CastTarget {
            nullable: ty.nullable,
            heap: match ty.heap {
                Heap::Def(t) => CastHeap::Def(self.engine.types().get(t).clone()),
                Heap::Abs(a) => CastHeap::Abs(a),
                Heap::Rec(_) => CastHeap::Abs(AbstractHeapType::None),
            },
        }
    }

    /// What an `any`-hierarchy reference is.
    fn any_kind(&self, bits: u64) -> AnyRefKind {
        match bits & TAG_MASK {
            TAG_I31 => AnyRefKind::I31,
            TAG_HOST => AnyRefKind::Host,
            _ => match heap_index(bits)
                .and_then(|i| self.heap.get(i))
                .map(|o| &o.body)
            {
                Some(Body::Array { .. }) => AnyRefKind::Array,
                _ => AnyRefKind::Struct,
            },
        }
    }

    fn generation(&self, bits: u64) -> u32 {
        heap_index(bits)
            .and_then(|i| self.heap.get(i))
            .map_or(0, |o| o.generation)
    }

    /// A reference slot as a value of the hierarchy `top`. With `root`, a
    /// heap reference joins the embedder's roots (see [`Store::release_roots`]).
    pub(crate) fn ref_to_val(&mut self, top: AbstractHeapType, bits: u64, root: bool) -> Val {
        if root && heap_index(bits).is_some() {
            self.host_roots.push(bits);
        }
        let nonnull = bits != 0;
        match top {
            AbstractHeapType::Func => Val::FuncRef(func_ref_addr(bits).map(Func)),
            AbstractHeapType::Exn => Val::ExnRef(nonnull.then(|| ExnRef {
                bits,
                generation: self.generation(bits),
            })),
            AbstractHeapType::Extern => Val::ExternRef(nonnull.then(|| ExternRef {
                bits,
                generation: self.generation(bits),
                kind: self.any_kind(bits),
            })),
            _ => Val::AnyRef(nonnull.then(|| AnyRef {
                bits,
                generation: self.generation(bits),
                kind: self.any_kind(bits),
            })),
        }
    }

    /// Reads a value of canonical type `ty` from slots.
    pub(crate) fn slots_to_val(&mut self, ty: ValTy, s: &[u64], root: bool) -> Val {
        match ty {
            ValTy::I32 => Val::I32(s[0] as u32 as i32),
            ValTy::I64 => Val::I64(s[0] as i64),
            ValTy::F32 => Val::F32(s[0] as u32),
            ValTy::F64 => Val::F64(s[0]),
            ValTy::V128 => Val::V128(s[0] as u128 | ((s[1] as u128) << 64)),
            ValTy::Ref(r) => {
                let top = self.heap_top(r.heap);
                self.ref_to_val(top, s[0], root)
            }
        }
    }

    /// Reads consecutive values (results, payloads) as the embedder sees them.
    pub(crate) fn slots_to_vals(&mut self, tys: &[ValTy], s: &[u64], root: bool) -> Vec<Val> {
        let mut at = 0;
        let mut out = Vec::with_capacity(tys.len());
        for t in tys {
            out.push(self.slots_to_val(*t, &s[at..], root));
            at += val_slots(*t) as usize;
        }
        out
    }

    /// The slot encoding of a reference value, checking that a heap
    /// reference still names the object it was made for.
    pub(crate) fn ref_bits(&self, v: &Val) -> std::result::Result<u64, String> {
        let (bits, generation) = match *v {
            Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
                return Ok(0);
            }
            Val::FuncRef(Some(f)) => {
                if (f.0 as usize) >= self.funcs.len() {
                    return Err("function does not belong to this store".into());
                }
                return Ok(func_ref(f.0));
            }
            Val::ExternRef(Some(e)) => (e.bits, e.generation),
            Val::AnyRef(Some(a)) => (a.bits, a.generation),
            Val::ExnRef(Some(e)) => (e.bits, e.generation),
            _ => return Err(format!("{v:?} is not a reference")),
        };
        if let Some(i) = heap_index(bits)
            && self.heap.get(i).is_none_or(|o| o.generation != generation)
        {
            return Err(format!(
                "stale reference {v:?}: its object was collected (keep references \
                 the embedder holds rooted, see Store::roots_mark)"
            ));
        }
        Ok(bits)
    }

    /// Writes a value the embedder supplies for canonical type `ty`,
    /// checking that it belongs to the type.
    pub(crate) fn val_to_slots(
        &self,
        v: &Val,
        ty: ValTy,
        out: &mut [u64],
    ) -> std::result::Result<(), String> {
        let mismatch = || format!("value {v:?} does not match type {ty:?}");
        match (*v, ty) {
            (Val::I32(x), ValTy::I32) => out[0] = x as u32 as u64,
            (Val::I64(x), ValTy::I64) => out[0] = x as u64,
            (Val::F32(x), ValTy::F32) => out[0] = x as u64,
            (Val::F64(x), ValTy::F64) => out[0] = x,
            (Val::V128(x), ValTy::V128) => {
                out[0] = x as u64;
                out[1] = (x >> 64) as u64;
            }
            (
                Val::FuncRef(_) | Val::ExternRef(_) | Val::AnyRef(_) | Val::ExnRef(_),
                ValTy::Ref(r),
            ) => {
                let top = self.heap_top(r.heap);
                let hierarchy_ok = matches!(
                    (v, top),
                    (Val::FuncRef(_), AbstractHeapType::Func)
                        | (Val::ExternRef(_), AbstractHeapType::Extern)
                        | (Val::ExnRef(_), AbstractHeapType::Exn)
                        | (Val::AnyRef(_), AbstractHeapType::Any)
                );
                if !hierarchy_ok {
                    return Err(mismatch());
                }
                let bits = self.ref_bits(v)?;
                if !ref_test(self, bits, &self.cast_target(r)) {
                    return Err(mismatch());
                }
                out[0] = bits;
            }
            _ => return Err(mismatch()),
        }
        Ok(())
    }

    /// Writes consecutive values after checking their count and types.
    pub(crate) fn vals_to_slots(
        &self,
        vals: &[Val],
        tys: &[ValTy],
        out: &mut [u64],
    ) -> std::result::Result<(), String> {
        if vals.len() != tys.len() {
            return Err(format!("{} values for {} types", vals.len(), tys.len()));
        }
        let mut at = 0;
        for (v, t) in vals.iter().zip(tys) {
            self.val_to_slots(v, *t, &mut out[at..])?;
            at += val_slots(*t) as usize;
        }
        Ok(())
    }
}

/// The value of a field or element of storage type `s` at `slots`.
fn storage_val(store: &mut Store, s: Storage, slots: &[u64]) -> Val {
    match s {
        // Packed fields are stored masked: their unsigned value.
        Storage::I8 | Storage::I16 => Val::I32(slots[0] as u32 as i32),
        Storage::Val(t) => store.slots_to_val(t, slots, true),
    }
}

impl Store {
    /// The heap object an embedder's reference names, checked not stale.
    fn object(&self, v: &Val) -> Result<&Body> {
        let bits = self.ref_bits(v).map_err(Error::Api)?;
        heap_index(bits)
            .and_then(|i| self.heap.get(i))
            .map(|o| &o.body)
            .ok_or_else(|| Error::Api(format!("{v:?} is not a heap object")))
    }

    /// The fields of a struct (packed fields as their unsigned value);
    /// references among them are rooted like every reference the store
    /// hands out.
    pub fn struct_fields(&mut self, r: &AnyRef) -> Result<Vec<Val>> {
        let Body::Struct { ty, fields } = self.object(&Val::AnyRef(Some(*r)))? else {
            return Err(Error::Api(format!("{r:?} is not a struct")));
        };
        let (ty, fields) = (Arc::clone(ty), fields.clone());
        let Composite::Struct(types) = &ty.composite else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(types.len());
        for (f, &at) in types.iter().zip(ty.layout.field_slots.iter()) {
            out.push(storage_val(self, f.storage, &fields[at as usize..]));
        }
        Ok(out)
    }

    /// The elements of an array (packed elements as their unsigned value);
    /// references among them are rooted.
    pub fn array_elems(&mut self, r: &AnyRef) -> Result<Vec<Val>> {
        let Body::Array { ty, elems } = self.object(&Val::AnyRef(Some(*r)))? else {
            return Err(Error::Api(format!("{r:?} is not an array")));
        };
        let (ty, elems) = (Arc::clone(ty), elems.clone());
        let Composite::Array(f) = ty.composite else {
            return Ok(Vec::new());
        };
        let per = ty.layout.slots.max(1) as usize;
        Ok(elems
            .chunks_exact(per)
            .map(|e| storage_val(self, f.storage, e))
            .collect())
    }

    /// The tag and payload of an exception; references are rooted.
    pub fn exception_payload(&mut self, e: &ExnRef) -> Result<(Tag, Vec<Val>)> {
        let Body::Exn { tag, payload } = self.object(&Val::ExnRef(Some(*e)))? else {
            return Err(Error::Api(format!("{e:?} is not an exception")));
        };
        let (tag, payload) = (*tag, payload.clone());
        let params = self.tags[tag as usize].params().to_vec();
        Ok((Tag(tag), self.slots_to_vals(&params, &payload, true)))
    }
}

impl Store {
    /// The default value (zero, or the null of the right hierarchy) of a
    /// function's `index`th parameter; `None` if there is no such parameter
    /// or it is a non-nullable reference. Useful for a `null` argument whose
    /// type names a type index the embedder cannot spell.
    pub fn param_default(&self, func: Func, index: usize) -> Option<Val> {
        let info = self.funcs.get(func.0 as usize)?.info();
        let ty = *info.func()?.0.get(index)?;
        Some(match ty {
            ValTy::I32 => Val::I32(0),
            ValTy::I64 => Val::I64(0),
            ValTy::F32 => Val::F32(0),
            ValTy::F64 => Val::F64(0),
            ValTy::V128 => Val::V128(0),
            ValTy::Ref(r) if r.nullable => Val::null_of(self.heap_top(r.heap)),
            ValTy::Ref(_) => return None,
        })
    }
}
