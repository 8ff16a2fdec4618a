//! Component-level types (Explainer, "Type definitions"; the value-type
//! classes at the top of `definitions.py`): value types, function types and
//! resource types as cmref runs them.
//!
//! A type here is *resolved*: `own`/`borrow` name a runtime [`ResourceType`]
//! of a store, not a type index, so two instantiations of one component have
//! different types. Compound types are shared (`Arc`) and carry their
//! Canonical ABI layout, computed once by the spec's `alignment`,
//! `elem_size` and `flatten_type` when the type is built.

use std::fmt;
use std::sync::Arc;

use super::canonical::abi::{AbiInfo, compute_abi};

/// A resource type of a store: the spec's `ResourceType` (its
/// implementation instance and destructor live in the store).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceType(pub(crate) u32);

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resource#{}", self.0)
    }
}

/// A component value type (`definitions.py::ValType` and its subclasses).
#[derive(Clone, Debug, PartialEq)]
pub enum ValType {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    ErrorContext,
    List(Arc<ListType>),
    Record(Arc<RecordType>),
    Tuple(Arc<TupleType>),
    Variant(Arc<VariantType>),
    Enum(Arc<EnumType>),
    Option(Arc<OptionType>),
    Result(Arc<ResultType>),
    Map(Arc<MapType>),
    Flags(Arc<FlagsType>),
    Own(ResourceType),
    Borrow(ResourceType),
    Stream(Arc<StreamType>),
    Future(Arc<FutureType>),
}

/// `definitions.py::ListType`: `l` is the fixed length, if any.
#[derive(Clone, Debug, PartialEq)]
pub struct ListType {
    pub t: ValType,
    pub l: Option<u32>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::FieldType`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldType {
    pub label: String,
    pub t: ValType,
}

/// `definitions.py::RecordType`.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordType {
    pub fields: Vec<FieldType>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::TupleType`.
#[derive(Clone, Debug, PartialEq)]
pub struct TupleType {
    pub ts: Vec<ValType>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::CaseType`.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseType {
    pub label: String,
    pub t: Option<ValType>,
}

/// `definitions.py::VariantType`.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantType {
    pub cases: Vec<CaseType>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::EnumType`.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    pub labels: Vec<String>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::OptionType`.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionType {
    pub t: ValType,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::ResultType`.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultType {
    pub ok: Option<ValType>,
    pub error: Option<ValType>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::MapType`; `entry` is `tuple<k, v>`, the element type of
/// the list a map despecializes to.
#[derive(Clone, Debug, PartialEq)]
pub struct MapType {
    pub k: ValType,
    pub v: ValType,
    pub(crate) entry: ValType,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::FlagsType`.
#[derive(Clone, Debug, PartialEq)]
pub struct FlagsType {
    pub labels: Vec<String>,
    pub(crate) abi: AbiInfo,
}

/// `definitions.py::StreamType`.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamType {
    pub t: Option<ValType>,
}

/// `definitions.py::FutureType`.
#[derive(Clone, Debug, PartialEq)]
pub struct FutureType {
    pub t: Option<ValType>,
}

/// `definitions.py::FuncType`: named parameters, at most one result.
#[derive(Clone, Debug, PartialEq)]
pub struct FuncType {
    pub params: Vec<(String, ValType)>,
    pub result: Option<ValType>,
    pub async_: bool,
}

impl FuncType {
    pub fn new(params: Vec<(String, ValType)>, result: Option<ValType>) -> FuncType {
        FuncType {
            params,
            result,
            async_: false,
        }
    }

    /// `FuncType.param_types`.
    pub fn param_types(&self) -> Vec<ValType> {
        self.params.iter().map(|(_, t)| t.clone()).collect()
    }

    /// `FuncType.result_type`: the results as a list (empty or one type).
    pub fn result_type(&self) -> Vec<ValType> {
        self.result.iter().cloned().collect()
    }
}

impl ValType {
    pub fn list(t: ValType) -> ValType {
        ValType::list_of(t, None)
    }

    /// A fixed-length list `list<t, l>`.
    pub fn fixed_list(t: ValType, l: u32) -> ValType {
        ValType::list_of(t, Some(l))
    }

    fn list_of(t: ValType, l: Option<u32>) -> ValType {
        let abi = AbiInfo::default();
        with_abi(ValType::List(Arc::new(ListType { t, l, abi })))
    }

    pub fn record(fields: Vec<(String, ValType)>) -> ValType {
        let fields = fields
            .into_iter()
            .map(|(label, t)| FieldType { label, t })
            .collect();
        let abi = AbiInfo::default();
        with_abi(ValType::Record(Arc::new(RecordType { fields, abi })))
    }

    pub fn tuple(ts: Vec<ValType>) -> ValType {
        let abi = AbiInfo::default();
        with_abi(ValType::Tuple(Arc::new(TupleType { ts, abi })))
    }

    pub fn variant(cases: Vec<(String, Option<ValType>)>) -> ValType {
        let cases = cases
            .into_iter()
            .map(|(label, t)| CaseType { label, t })
            .collect();
        let abi = AbiInfo::default();
        with_abi(ValType::Variant(Arc::new(VariantType { cases, abi })))
    }

    pub fn enum_(labels: Vec<String>) -> ValType {
        let abi = AbiInfo::default();
        with_abi(ValType::Enum(Arc::new(EnumType { labels, abi })))
    }

    pub fn option(t: ValType) -> ValType {
        let abi = AbiInfo::default();
        with_abi(ValType::Option(Arc::new(OptionType { t, abi })))
    }

    pub fn result(ok: Option<ValType>, error: Option<ValType>) -> ValType {
        let abi = AbiInfo::default();
        with_abi(ValType::Result(Arc::new(ResultType { ok, error, abi })))
    }

    pub fn map(k: ValType, v: ValType) -> ValType {
        let entry = ValType::tuple(vec![k.clone(), v.clone()]);
        let abi = AbiInfo::default();
        with_abi(ValType::Map(Arc::new(MapType { k, v, entry, abi })))
    }

    pub fn flags(labels: Vec<String>) -> ValType {
        let abi = AbiInfo::default();
        with_abi(ValType::Flags(Arc::new(FlagsType { labels, abi })))
    }

    pub fn stream(t: Option<ValType>) -> ValType {
        ValType::Stream(Arc::new(StreamType { t }))
    }

    pub fn future(t: Option<ValType>) -> ValType {
        ValType::Future(Arc::new(FutureType { t }))
    }

    fn abi_mut(&mut self) -> Option<&mut AbiInfo> {
        Some(match self {
            ValType::List(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Record(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Tuple(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Variant(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Enum(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Option(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Result(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Map(t) => &mut Arc::get_mut(t)?.abi,
            ValType::Flags(t) => &mut Arc::get_mut(t)?.abi,
            _ => return None,
        })
    }

    /// The layout computed when a compound type was built.
    pub(crate) fn cached_abi(&self) -> Option<&AbiInfo> {
        match self {
            ValType::List(t) => Some(&t.abi),
            ValType::Record(t) => Some(&t.abi),
            ValType::Tuple(t) => Some(&t.abi),
            ValType::Variant(t) => Some(&t.abi),
            ValType::Enum(t) => Some(&t.abi),
            ValType::Option(t) => Some(&t.abi),
            ValType::Result(t) => Some(&t.abi),
            ValType::Map(t) => Some(&t.abi),
            ValType::Flags(t) => Some(&t.abi),
            _ => None,
        }
    }
}

/// Computes a freshly built compound type's layout (its children already
/// carry theirs, so this is constant work per node).
fn with_abi(mut t: ValType) -> ValType {
    let abi = compute_abi(&t);
    if let Some(slot) = t.abi_mut() {
        *slot = abi;
    }
    t
}

/// Writes a label the way WIT does (`%` before keywords is not needed for
/// display purposes).
fn write_list<T>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    mut each: impl FnMut(&mut fmt::Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, item)?;
    }
    Ok(())
}

/// WIT-like rendering: `list<u8>`, `record { a: u32 }`, `option<string>`.
impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::Bool => f.write_str("bool"),
            ValType::S8 => f.write_str("s8"),
            ValType::U8 => f.write_str("u8"),
            ValType::S16 => f.write_str("s16"),
            ValType::U16 => f.write_str("u16"),
            ValType::S32 => f.write_str("s32"),
            ValType::U32 => f.write_str("u32"),
            ValType::S64 => f.write_str("s64"),
            ValType::U64 => f.write_str("u64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::Char => f.write_str("char"),
            ValType::String => f.write_str("string"),
            ValType::ErrorContext => f.write_str("error-context"),
            ValType::List(l) => match l.l {
                Some(n) => write!(f, "list<{}, {n}>", l.t),
                None => write!(f, "list<{}>", l.t),
            },
            ValType::Record(r) => {
                f.write_str("record { ")?;
                write_list(f, &r.fields, |f, x| write!(f, "{}: {}", x.label, x.t))?;
                f.write_str(" }")
            }
            ValType::Tuple(t) => {
                f.write_str("tuple<")?;
                write_list(f, &t.ts, |f, x| write!(f, "{x}"))?;
                f.write_str(">")
            }
            ValType::Variant(v) => {
                f.write_str("variant { ")?;
                write_list(f, &v.cases, |f, c| match &c.t {
                    Some(t) => write!(f, "{}({t})", c.label),
                    None => f.write_str(&c.label),
                })?;
                f.write_str(" }")
            }
            ValType::Enum(e) => {
                f.write_str("enum { ")?;
                write_list(f, &e.labels, |f, l| f.write_str(l))?;
                f.write_str(" }")
            }
            ValType::Option(o) => write!(f, "option<{}>", o.t),
            ValType::Result(r) => match (&r.ok, &r.error) {
                (None, None) => f.write_str("result"),
                (Some(ok), None) => write!(f, "result<{ok}>"),
                (None, Some(e)) => write!(f, "result<_, {e}>"),
                (Some(ok), Some(e)) => write!(f, "result<{ok}, {e}>"),
            },
            ValType::Map(m) => write!(f, "map<{}, {}>", m.k, m.v),
            ValType::Flags(fl) => {
                f.write_str("flags { ")?;
                write_list(f, &fl.labels, |f, l| f.write_str(l))?;
                f.write_str(" }")
            }
            ValType::Own(r) => write!(f, "own<{r}>"),
            ValType::Borrow(r) => write!(f, "borrow<{r}>"),
            ValType::Stream(s) => match &s.t {
                Some(t) => write!(f, "stream<{t}>"),
                None => f.write_str("stream"),
            },
            ValType::Future(s) => match &s.t {
                Some(t) => write!(f, "future<{t}>"),
                None => f.write_str("future"),
            },
        }
    }
}

/// `func(a: u32, b: string) -> string`.
impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.async_ {
            f.write_str("async ")?;
        }
        f.write_str("func(")?;
        write_list(f, &self.params, |f, (n, t)| write!(f, "{n}: {t}"))?;
        f.write_str(")")?;
        if let Some(r) = &self.result {
            write!(f, " -> {r}")?;
        }
        Ok(())
    }
}

/// A list of types with the tuple of them prebuilt: `lift_flat_values` and
/// `lower_flat_values` spill a parameter or result list as `TupleType(ts)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TypeSeq {
    pub(crate) ts: Vec<ValType>,
    pub(crate) tuple: ValType,
}

impl TypeSeq {
    pub(crate) fn new(ts: Vec<ValType>) -> TypeSeq {
        let tuple = ValType::tuple(ts.clone());
        TypeSeq { ts, tuple }
    }
}

/// A function type with its parameter and result lists prepared for the
/// Canonical ABI.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Signature {
    pub(crate) ft: FuncType,
    pub(crate) params: TypeSeq,
    pub(crate) results: TypeSeq,
}

impl Signature {
    pub(crate) fn new(ft: FuncType) -> Signature {
        Signature {
            params: TypeSeq::new(ft.param_types()),
            results: TypeSeq::new(ft.result_type()),
            ft,
        }
    }
}
