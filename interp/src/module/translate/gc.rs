//! Translation of the GC instructions: structs, arrays, `i31`, casts and
//! the extern/any conversions.

use wasmparser::{HeapType, Operator, RefType, UnpackedIndex, ValType};

use super::Translator;
use crate::error::{Error, Result};
use crate::exec::gc::{CastHeap, CastTarget};
use crate::exec::instr::{Access, Instr};
use crate::types::{Composite, Storage, ValTy};

/// How a field of this storage type is read (`signed` for `get_s`).
fn read_access(storage: Storage, signed: bool) -> Access {
    match (storage, signed) {
        (Storage::Val(ValTy::V128), _) => Access::Two,
        (Storage::I8, true) => Access::I8,
        (Storage::I16, true) => Access::I16,
        _ => Access::One,
    }
}

/// How a field of this storage type is written (packed values masked).
fn write_access(storage: Storage) -> Access {
    match storage {
        Storage::Val(ValTy::V128) => Access::Two,
        Storage::I8 => Access::I8,
        Storage::I16 => Access::I16,
        _ => Access::One,
    }
}

impl Translator<'_> {
    /// The storage type of a field of a struct type, and its first slot.
    fn struct_field(&self, ty: u32, field: u32) -> (Storage, u32) {
        let info = self.m.type_info(ty);
        match &info.composite {
            Composite::Struct(fields) => (
                fields[field as usize].storage,
                info.layout.field_slots[field as usize],
            ),
            _ => unreachable!("validated struct type"),
        }
    }

    fn array_storage(&self, ty: u32) -> Storage {
        match &self.m.type_info(ty).composite {
            Composite::Array(f) => f.storage,
            _ => unreachable!("validated array type"),
        }
    }

    /// A run-time cast target from a reference type of the module.
    fn cast_site(&mut self, rt: RefType) -> Result<u32> {
        let heap = match rt.heap_type() {
            HeapType::Abstract { ty, .. } => CastHeap::Abs(ty),
            HeapType::Concrete(UnpackedIndex::Module(i)) => {
                CastHeap::Def(self.m.type_info(i).clone())
            }
            other => {
                return Err(Error::Unsupported(format!("cast to heap type {other:?}")));
            }
        };
        self.casts.push(CastTarget {
            nullable: rt.is_nullable(),
            heap,
        });
        Ok(self.casts.len() as u32 - 1)
    }

    /// GC operators; false if `op` is not one.
    pub(super) fn gc_op(&mut self, op: &Operator<'_>, top: Option<ValType>) -> Result<bool> {
        let result_ty = || top.expect("validated result type");
        match *op {
            Operator::StructNew { struct_type_index } => {
                let n = match &self.m.type_info(struct_type_index).composite {
                    Composite::Struct(fields) => fields.len(),
                    _ => 0,
                };
                let base = self.pop_consecutive_gc(n);
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::StructNew {
                    dst,
                    base,
                    ty: struct_type_index,
                });
            }
            Operator::StructNewDefault { struct_type_index } => {
                self.record_gc_point();
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::StructNewDefault {
                    dst,
                    ty: struct_type_index,
                });
            }
            Operator::StructGet {
                struct_type_index,
                field_index,
            }
            | Operator::StructGetU {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, false, result_ty()),
            Operator::StructGetS {
                struct_type_index,
                field_index,
            } => self.struct_get(struct_type_index, field_index, true, result_ty()),
            Operator::StructSet {
                struct_type_index,
                field_index,
            } => {
                let (storage, slot) = self.struct_field(struct_type_index, field_index);
                let value = self.pop();
                let src = self.read(value);
                let obj = self.pop_read();
                self.emit(Instr::StructSet {
                    access: write_access(storage),
                    obj,
                    src,
                    slot,
                });
            }
            Operator::ArrayNew { array_type_index } => {
                let base = self.pop_consecutive_gc(2);
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::ArrayNew {
                    dst,
                    base,
                    ty: array_type_index,
                });
            }
            Operator::ArrayNewDefault { array_type_index } => {
                let len = self.pop_read();
                self.record_gc_point();
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::ArrayNewDefault {
                    dst,
                    len,
                    ty: array_type_index,
                });
            }
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => {
                let base = self.pop_consecutive_gc(array_size as usize);
                let site = self.pairs.len() as u32;
                self.pairs.push((array_type_index, array_size));
                let dst = self.push_temp(result_ty());
                self.emit_producer(Instr::ArrayNewFixed { dst, base, site });
            }
            Operator::ArrayNewData {
                array_type_index,
                array_data_index,
            } => {
                let base = self.pop_consecutive_gc(2);
                self.push_temp(result_ty());
                self.emit(Instr::ArrayNewData {
                    base,
                    ty: array_type_index,
                    data: array_data_index,
                });
            }
            Operator::ArrayNewElem {
                array_type_index,
                array_elem_index,
            } => {
                let base = self.pop_consecutive_gc(2);
                self.push_temp(result_ty());
                self.emit(Instr::ArrayNewElem {
                    base,
                    ty: array_type_index,
                    elem: array_elem_index,
                });
            }
            Operator::ArrayGet { array_type_index } | Operator::ArrayGetU { array_type_index } => {
                self.array_get(array_type_index, false, result_ty())
            }
            Operator::ArrayGetS { array_type_index } => {
                self.array_get(array_type_index, true, result_ty())
            }
            Operator::ArraySet { array_type_index } => {
                let access = write_access(self.array_storage(array_type_index));
                let value = self.pop();
                let src = self.read(value);
                let idx = self.pop_read();
                let arr = self.pop_read();
                self.emit(Instr::ArraySet {
                    access,
                    arr,
                    idx,
                    src,
                });
            }
            Operator::ArrayLen => {
                self.unary(|dst, arr| Instr::ArrayLen { dst, arr }, ValType::I32);
            }
            Operator::ArrayFill { array_type_index } => {
                let access = write_access(self.array_storage(array_type_index));
                let base = self.pop_consecutive(4);
                self.emit(Instr::ArrayFill { access, base });
            }
            Operator::ArrayCopy { .. } => {
                let base = self.pop_consecutive(5);
                self.emit(Instr::ArrayCopy { base });
            }
            Operator::ArrayInitData {
                array_type_index,
                array_data_index,
            } => {
                let base = self.pop_consecutive(4);
                self.emit(Instr::ArrayInitData {
                    base,
                    ty: array_type_index,
                    data: array_data_index,
                });
            }
            Operator::ArrayInitElem {
                array_elem_index, ..
            } => {
                let base = self.pop_consecutive(4);
                self.emit(Instr::ArrayInitElem {
                    base,
                    elem: array_elem_index,
                });
            }
            Operator::RefI31 => self.unary(|dst, src| Instr::RefI31 { dst, src }, result_ty()),
            Operator::I31GetS => self.unary(|dst, src| Instr::I31GetS { dst, src }, ValType::I32),
            Operator::I31GetU => self.unary(|dst, src| Instr::I31GetU { dst, src }, ValType::I32),
            Operator::RefEq => self.binary(
                |dst, lhs, rhs| Instr::I64Eq { dst, lhs, rhs },
                None,
                false,
                ValType::I32,
            ),
            Operator::RefTestNonNull { hty } | Operator::RefTestNullable { hty } => {
                let nullable = matches!(op, Operator::RefTestNullable { .. });
                let cast = self.cast_site(ref_type(nullable, hty)?)?;
                self.unary(|dst, src| Instr::RefTest { dst, src, cast }, ValType::I32);
            }
            Operator::RefCastNonNull { hty } | Operator::RefCastNullable { hty } => {
                let nullable = matches!(op, Operator::RefCastNullable { .. });
                let cast = self.cast_site(ref_type(nullable, hty)?)?;
                self.unary(|dst, src| Instr::RefCast { dst, src, cast }, result_ty());
            }
            Operator::BrOnCast {
                relative_depth,
                to_ref_type,
                ..
            }
            | Operator::BrOnCastFail {
                relative_depth,
                to_ref_type,
                ..
            } => {
                let cast = self.cast_site(to_ref_type)?;
                let on_success = |src, target| Instr::BrOnCast { src, cast, target };
                let on_failure = |src, target| Instr::BrOnCastFail { src, cast, target };
                if matches!(op, Operator::BrOnCast { .. }) {
                    self.br_on_ref(relative_depth, true, on_success, on_failure);
                } else {
                    self.br_on_ref(relative_depth, true, on_failure, on_success);
                }
                self.retype_top(top);
            }
            // The conversions keep the bits: only the entry's type changes.
            Operator::AnyConvertExtern | Operator::ExternConvertAny => self.retype_top(top),
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn struct_get(&mut self, ty: u32, field: u32, signed: bool, result: ValType) {
        let (storage, slot) = self.struct_field(ty, field);
        let access = read_access(storage, signed);
        self.unary(
            |dst, obj| Instr::StructGet {
                access,
                dst,
                obj,
                slot,
            },
            result,
        );
    }

    fn array_get(&mut self, ty: u32, signed: bool, result: ValType) {
        let access = read_access(self.array_storage(ty), signed);
        let idx = self.pop_read();
        let arr = self.pop_read();
        let dst = self.push_temp(result);
        self.emit_producer(Instr::ArrayGet {
            access,
            dst,
            arr,
            idx,
        });
    }
}

fn ref_type(nullable: bool, hty: HeapType) -> Result<RefType> {
    RefType::new(nullable, hty).ok_or_else(|| Error::Unsupported(format!("heap type {hty:?}")))
}
