//! CanonicalABI.md, "Flattening": how component-level function types map
//! to core function types.
//!
//! A flattening is only ever compared against the flat limits (at most 16),
//! so [`FlatTypes`] keeps the first 17 core types and records that more were
//! dropped: a fixed-length list of a billion elements flattens in constant
//! space, and every decision the spec makes on the length comes out the same.

use super::abi::{Cases, Despecialized, Fields, PtrType, despecialize, discriminant_type};
use super::options::CanonicalOptions;
use crate::component::types::{FuncType, ValType};

/// `definitions.py::MAX_FLAT_PARAMS`.
pub(crate) const MAX_FLAT_PARAMS: usize = 16;
/// `definitions.py::MAX_FLAT_ASYNC_PARAMS`.
pub(crate) const MAX_FLAT_ASYNC_PARAMS: usize = 4;
/// `definitions.py::MAX_FLAT_RESULTS`.
pub(crate) const MAX_FLAT_RESULTS: usize = 1;

/// How many flat types a [`FlatTypes`] keeps: one more than any limit.
const FLAT_CAP: usize = MAX_FLAT_PARAMS + 1;

/// A core value type as the spec names them (`'i32'`, `'i64'`, `'f32'`, `'f64'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CoreType {
    I32,
    I64,
    F32,
    F64,
}

impl CoreType {
    /// The core type of a pointer into a memory of this address type.
    pub(crate) fn ptr(ptr_type: PtrType) -> CoreType {
        match ptr_type {
            PtrType::I32 => CoreType::I32,
            PtrType::I64 => CoreType::I64,
        }
    }

    pub(crate) fn to_wasm(self) -> wasmparser::ValType {
        match self {
            CoreType::I32 => wasmparser::ValType::I32,
            CoreType::I64 => wasmparser::ValType::I64,
            CoreType::F32 => wasmparser::ValType::F32,
            CoreType::F64 => wasmparser::ValType::F64,
        }
    }
}

/// A list of flat types, truncated after [`FLAT_CAP`] entries.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FlatTypes {
    pub(crate) types: Vec<CoreType>,
    /// Whether entries were dropped (the true length is larger).
    pub(crate) truncated: bool,
}

impl FlatTypes {
    fn push(&mut self, t: CoreType) {
        if self.types.len() < FLAT_CAP {
            self.types.push(t);
        } else {
            self.truncated = true;
        }
    }

    fn extend(&mut self, other: &FlatTypes) {
        for t in &other.types {
            self.push(*t);
        }
        self.truncated |= other.truncated;
    }

    /// The length as far as any limit can tell (`> MAX_FLAT_PARAMS` when truncated).
    pub(crate) fn len(&self) -> usize {
        self.types.len()
    }
}

/// `definitions.py::CoreFuncType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CoreFuncType {
    pub(crate) params: Vec<CoreType>,
    pub(crate) results: Vec<CoreType>,
}

impl CoreFuncType {
    pub(crate) fn to_wasm(&self) -> wasmparser::FuncType {
        wasmparser::FuncType::new(
            self.params.iter().map(|t| t.to_wasm()),
            self.results.iter().map(|t| t.to_wasm()),
        )
    }
}

/// The `context` argument of `flatten_functype`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Context {
    Lift,
    Lower,
}

/// Implements `definitions.py::flatten_functype`.
pub(crate) fn flatten_functype(
    opts: &CanonicalOptions,
    ft: &FuncType,
    context: Context,
) -> CoreFuncType {
    let ptr = CoreType::ptr(opts.ptr_type());
    let mut flat_params = flatten_types(ft.params.iter().map(|(_, t)| t), opts.ptr_type()).types;
    let mut flat_results = flatten_types(ft.result.iter(), opts.ptr_type()).types;
    if !opts.async_ {
        if flat_params.len() > MAX_FLAT_PARAMS {
            flat_params = vec![ptr];
        }
        if flat_results.len() > MAX_FLAT_RESULTS {
            match context {
                Context::Lift => flat_results = vec![ptr],
                Context::Lower => {
                    flat_params.push(ptr);
                    flat_results = Vec::new();
                }
            }
        }
        return CoreFuncType {
            params: flat_params,
            results: flat_results,
        };
    }
    match context {
        Context::Lift => {
            if flat_params.len() > MAX_FLAT_PARAMS {
                flat_params = vec![ptr];
            }
            if opts.callback.is_some() {
                flat_results = vec![CoreType::I32];
            } else {
                flat_results = Vec::new();
            }
        }
        Context::Lower => {
            if flat_params.len() > MAX_FLAT_ASYNC_PARAMS {
                flat_params = vec![ptr];
            }
            if !flat_results.is_empty() {
                flat_params.push(ptr);
            }
            flat_results = vec![CoreType::I32];
        }
    }
    CoreFuncType {
        params: flat_params,
        results: flat_results,
    }
}

/// Implements `definitions.py::flatten_types`.
pub(crate) fn flatten_types<'a>(
    ts: impl IntoIterator<Item = &'a ValType>,
    ptr_type: PtrType,
) -> FlatTypes {
    let mut flat = FlatTypes::default();
    for t in ts {
        flat.extend(&flatten_type(t, ptr_type));
    }
    flat
}

/// Implements `definitions.py::flatten_type` (compound types answer from
/// the cache filled when the type was built).
pub(crate) fn flatten_type(t: &ValType, ptr_type: PtrType) -> FlatTypes {
    match t.cached_abi() {
        Some(abi) => abi.flat(ptr_type).clone(),
        None => flatten_type_uncached(t, ptr_type),
    }
}

pub(crate) fn flatten_type_uncached(t: &ValType, ptr_type: PtrType) -> FlatTypes {
    let one = |t: CoreType| FlatTypes {
        types: vec![t],
        truncated: false,
    };
    match despecialize(t) {
        Despecialized::Bool => one(CoreType::I32),
        Despecialized::U8 | Despecialized::U16 | Despecialized::U32 => one(CoreType::I32),
        Despecialized::S8 | Despecialized::S16 | Despecialized::S32 => one(CoreType::I32),
        Despecialized::S64 | Despecialized::U64 => one(CoreType::I64),
        Despecialized::F32 => one(CoreType::F32),
        Despecialized::F64 => one(CoreType::F64),
        Despecialized::Char => one(CoreType::I32),
        Despecialized::String => FlatTypes {
            types: vec![CoreType::ptr(ptr_type); 2],
            truncated: false,
        },
        Despecialized::ErrorContext => one(CoreType::I32),
        Despecialized::List(t, l) => flatten_list(t, l, ptr_type),
        Despecialized::Record(fields) => flatten_record(fields, ptr_type),
        Despecialized::Variant(cases) => flatten_variant(cases, ptr_type),
        Despecialized::Flags(_) => one(CoreType::I32),
        Despecialized::Own(_) | Despecialized::Borrow(_) => one(CoreType::I32),
        Despecialized::Stream(_) | Despecialized::Future(_) => one(CoreType::I32),
    }
}

/// Implements `definitions.py::flatten_list`.
pub(crate) fn flatten_list(
    elem_type: &ValType,
    maybe_length: Option<u32>,
    ptr_type: PtrType,
) -> FlatTypes {
    if let Some(l) = maybe_length {
        let elem = flatten_type(elem_type, ptr_type);
        let mut flat = FlatTypes::default();
        for _ in 0..l {
            flat.extend(&elem);
            if flat.truncated || elem.types.is_empty() {
                break;
            }
        }
        return flat;
    }
    FlatTypes {
        types: vec![CoreType::ptr(ptr_type); 2],
        truncated: false,
    }
}

/// Implements `definitions.py::flatten_record`.
pub(crate) fn flatten_record(fields: Fields<'_>, ptr_type: PtrType) -> FlatTypes {
    let mut flat = FlatTypes::default();
    for i in 0..fields.len() {
        flat.extend(&flatten_type(fields.t(i), ptr_type));
    }
    flat
}

/// Implements `definitions.py::flatten_variant`.
pub(crate) fn flatten_variant(cases: Cases<'_>, ptr_type: PtrType) -> FlatTypes {
    let mut flat = FlatTypes::default();
    for c in 0..cases.len() {
        if let Some(t) = cases.t(c) {
            let case_flat = flatten_type(t, ptr_type);
            for (i, ft) in case_flat.types.iter().enumerate() {
                if i < flat.types.len() {
                    flat.types[i] = join(flat.types[i], *ft);
                } else {
                    flat.push(*ft);
                }
            }
            flat.truncated |= case_flat.truncated;
        }
    }
    let mut out = flatten_type(&discriminant_type(cases), ptr_type);
    out.extend(&flat);
    out
}

/// Implements `definitions.py::join`.
pub(crate) fn join(a: CoreType, b: CoreType) -> CoreType {
    if a == b {
        return a;
    }
    if (a == CoreType::I32 && b == CoreType::F32) || (a == CoreType::F32 && b == CoreType::I32) {
        return CoreType::I32;
    }
    CoreType::I64
}
