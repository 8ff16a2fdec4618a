//! CanonicalABI.md, "Despecialization", "Type Predicates", "Alignment" and
//! "Element Size".
//!
//! The spec recomputes these recursively on every use; cmref computes them
//! once per type node when the type is built ([`compute_abi`], called by the
//! constructors in `component::types`) with the very same functions, and the
//! public entry points ([`alignment`], [`elem_size`]) read that cache for
//! compound types. So the spec's recursion shape is kept, but a value's
//! layout costs constant time per node, whatever the type's nesting.

use std::borrow::Cow;

use super::flattening::{FlatTypes, flatten_type_uncached};
use crate::component::types::{CaseType, FieldType, ResourceType, ValType};

/// A memory's address type: the spec's `ptr_type` (`'i32'` or `'i64'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PtrType {
    I32,
    I64,
}

impl PtrType {
    fn index(self) -> usize {
        match self {
            PtrType::I32 => 0,
            PtrType::I64 => 1,
        }
    }
}

/// Implements `definitions.py::ptr_size`.
pub(crate) fn ptr_size(ptr_type: PtrType) -> u64 {
    match ptr_type {
        PtrType::I32 => 4,
        PtrType::I64 => 8,
    }
}

/// The layout of a compound type for both address types, and its type
/// predicates, computed once (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct AbiInfo {
    alignment: [u32; 2],
    elem_size: [u64; 2],
    flat: [FlatTypes; 2],
    contains_borrow: bool,
    contains_async_value: bool,
}

impl AbiInfo {
    pub(crate) fn flat(&self, ptr_type: PtrType) -> &FlatTypes {
        &self.flat[ptr_type.index()]
    }
}

/// Computes the layout of a freshly built compound type.
pub(crate) fn compute_abi(t: &ValType) -> AbiInfo {
    let mut abi = AbiInfo::default();
    for ptr_type in [PtrType::I32, PtrType::I64] {
        let i = ptr_type.index();
        abi.alignment[i] = alignment_uncached(t, ptr_type);
        abi.elem_size[i] = elem_size_uncached(t, ptr_type);
        abi.flat[i] = flatten_type_uncached(t, ptr_type);
    }
    abi.contains_borrow = contains_uncached(t, Predicate::Borrow);
    abi.contains_async_value = contains_uncached(t, Predicate::AsyncValue);
    abi
}

/// The fields of a record after despecialization: a record's own fields, or
/// a tuple's elements labelled `"0"`, `"1"`, ... (`despecialize(TupleType)`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fields<'a> {
    Record(&'a [FieldType]),
    Tuple(&'a [ValType]),
}

impl<'a> Fields<'a> {
    pub(crate) fn len(self) -> usize {
        match self {
            Fields::Record(f) => f.len(),
            Fields::Tuple(ts) => ts.len(),
        }
    }

    pub(crate) fn t(self, i: usize) -> &'a ValType {
        match self {
            Fields::Record(f) => &f[i].t,
            Fields::Tuple(ts) => &ts[i],
        }
    }

    pub(crate) fn label(self, i: usize) -> Cow<'a, str> {
        match self {
            Fields::Record(f) => Cow::Borrowed(f[i].label.as_str()),
            Fields::Tuple(_) => Cow::Owned(i.to_string()),
        }
    }
}

/// The cases of a variant after despecialization: a variant's own cases, an
/// enum's labels without payloads, `none`/`some(t)` of an option, or
/// `ok(t?)`/`error(t?)` of a result.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Cases<'a> {
    Variant(&'a [CaseType]),
    Enum(&'a [String]),
    Option(&'a ValType),
    Result(Option<&'a ValType>, Option<&'a ValType>),
}

impl<'a> Cases<'a> {
    pub(crate) fn len(self) -> usize {
        match self {
            Cases::Variant(c) => c.len(),
            Cases::Enum(l) => l.len(),
            Cases::Option(_) | Cases::Result(..) => 2,
        }
    }

    pub(crate) fn label(self, i: usize) -> &'a str {
        match self {
            Cases::Variant(c) => &c[i].label,
            Cases::Enum(l) => &l[i],
            Cases::Option(_) => ["none", "some"][i],
            Cases::Result(..) => ["ok", "error"][i],
        }
    }

    /// The payload type of case `i`, if it has one.
    pub(crate) fn t(self, i: usize) -> Option<&'a ValType> {
        match self {
            Cases::Variant(c) => c[i].t.as_ref(),
            Cases::Enum(_) => None,
            Cases::Option(t) => (i == 1).then_some(t),
            Cases::Result(ok, error) => {
                if i == 0 {
                    ok
                } else {
                    error
                }
            }
        }
    }
}

/// A type after `despecialize`: the primitive types and the few compound
/// types the Canonical ABI is defined on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Despecialized<'a> {
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
    List(&'a ValType, Option<u32>),
    Record(Fields<'a>),
    Variant(Cases<'a>),
    Flags(&'a [String]),
    Own(ResourceType),
    Borrow(ResourceType),
    Stream(Option<&'a ValType>),
    Future(Option<&'a ValType>),
}

/// Implements `definitions.py::despecialize`: tuples become records, enums,
/// options and results become variants, maps become lists of tuples. (A
/// borrowed view, so it allocates nothing.)
pub(crate) fn despecialize(t: &ValType) -> Despecialized<'_> {
    match t {
        ValType::Bool => Despecialized::Bool,
        ValType::S8 => Despecialized::S8,
        ValType::U8 => Despecialized::U8,
        ValType::S16 => Despecialized::S16,
        ValType::U16 => Despecialized::U16,
        ValType::S32 => Despecialized::S32,
        ValType::U32 => Despecialized::U32,
        ValType::S64 => Despecialized::S64,
        ValType::U64 => Despecialized::U64,
        ValType::F32 => Despecialized::F32,
        ValType::F64 => Despecialized::F64,
        ValType::Char => Despecialized::Char,
        ValType::String => Despecialized::String,
        ValType::ErrorContext => Despecialized::ErrorContext,
        ValType::List(l) => Despecialized::List(&l.t, l.l),
        ValType::Record(r) => Despecialized::Record(Fields::Record(&r.fields)),
        ValType::Tuple(t) => Despecialized::Record(Fields::Tuple(&t.ts)),
        ValType::Variant(v) => Despecialized::Variant(Cases::Variant(&v.cases)),
        ValType::Enum(e) => Despecialized::Variant(Cases::Enum(&e.labels)),
        ValType::Option(o) => Despecialized::Variant(Cases::Option(&o.t)),
        ValType::Result(r) => {
            Despecialized::Variant(Cases::Result(r.ok.as_ref(), r.error.as_ref()))
        }
        ValType::Map(m) => Despecialized::List(&m.entry, None),
        ValType::Flags(f) => Despecialized::Flags(&f.labels),
        ValType::Own(r) => Despecialized::Own(*r),
        ValType::Borrow(r) => Despecialized::Borrow(*r),
        ValType::Stream(s) => Despecialized::Stream(s.t.as_ref()),
        ValType::Future(f) => Despecialized::Future(f.t.as_ref()),
    }
}

/// The two predicates the spec passes to `contains`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Predicate {
    /// `isinstance(u, BorrowType)`
    Borrow,
    /// `isinstance(u, StreamType | FutureType)`
    AsyncValue,
}

fn holds(p: Predicate, d: Despecialized<'_>) -> bool {
    match p {
        Predicate::Borrow => matches!(d, Despecialized::Borrow(_)),
        Predicate::AsyncValue => matches!(d, Despecialized::Stream(_) | Despecialized::Future(_)),
    }
}

/// Implements `definitions.py::contains_borrow`.
#[allow(dead_code)] // used by the async ABI
pub(crate) fn contains_borrow(t: &ValType) -> bool {
    contains(t, Predicate::Borrow)
}

/// Implements `definitions.py::contains_async_value`.
#[allow(dead_code)] // used by the async ABI
pub(crate) fn contains_async_value(t: &ValType) -> bool {
    contains(t, Predicate::AsyncValue)
}

/// Implements `definitions.py::contains` (compound types answer from the
/// cache filled by [`compute_abi`]).
pub(crate) fn contains(t: &ValType, p: Predicate) -> bool {
    match t.cached_abi() {
        Some(abi) => match p {
            Predicate::Borrow => abi.contains_borrow,
            Predicate::AsyncValue => abi.contains_async_value,
        },
        None => contains_uncached(t, p),
    }
}

fn contains_uncached(t: &ValType, p: Predicate) -> bool {
    let d = despecialize(t);
    if holds(p, d) {
        return true;
    }
    match d {
        Despecialized::List(u, _) => contains(u, p),
        Despecialized::Stream(u) | Despecialized::Future(u) => u.is_some_and(|u| contains(u, p)),
        Despecialized::Record(fields) => (0..fields.len()).any(|i| contains(fields.t(i), p)),
        Despecialized::Variant(cases) => {
            (0..cases.len()).any(|i| cases.t(i).is_some_and(|u| contains(u, p)))
        }
        _ => false,
    }
}

/// Implements `definitions.py::alignment`.
pub(crate) fn alignment(t: &ValType, ptr_type: PtrType) -> u32 {
    match t.cached_abi() {
        Some(abi) => abi.alignment[ptr_type.index()],
        None => alignment_uncached(t, ptr_type),
    }
}

fn alignment_uncached(t: &ValType, ptr_type: PtrType) -> u32 {
    match despecialize(t) {
        Despecialized::Bool => 1,
        Despecialized::S8 | Despecialized::U8 => 1,
        Despecialized::S16 | Despecialized::U16 => 2,
        Despecialized::S32 | Despecialized::U32 => 4,
        Despecialized::S64 | Despecialized::U64 => 8,
        Despecialized::F32 => 4,
        Despecialized::F64 => 8,
        Despecialized::Char => 4,
        Despecialized::String => ptr_size(ptr_type) as u32,
        Despecialized::ErrorContext => 4,
        Despecialized::List(t, l) => alignment_list(t, l, ptr_type),
        Despecialized::Record(fields) => alignment_record(fields, ptr_type),
        Despecialized::Variant(cases) => alignment_variant(cases, ptr_type),
        Despecialized::Flags(labels) => alignment_flags(labels),
        Despecialized::Own(_) | Despecialized::Borrow(_) => 4,
        Despecialized::Stream(_) | Despecialized::Future(_) => 4,
    }
}

/// Implements `definitions.py::alignment_list`.
pub(crate) fn alignment_list(
    elem_type: &ValType,
    maybe_length: Option<u32>,
    ptr_type: PtrType,
) -> u32 {
    if maybe_length.is_some() {
        return alignment(elem_type, ptr_type);
    }
    ptr_size(ptr_type) as u32
}

/// Implements `definitions.py::alignment_record`.
pub(crate) fn alignment_record(fields: Fields<'_>, ptr_type: PtrType) -> u32 {
    let mut a = 1;
    for i in 0..fields.len() {
        a = a.max(alignment(fields.t(i), ptr_type));
    }
    a
}

/// Implements `definitions.py::alignment_variant`.
pub(crate) fn alignment_variant(cases: Cases<'_>, ptr_type: PtrType) -> u32 {
    alignment(&discriminant_type(cases), ptr_type).max(max_case_alignment(cases, ptr_type))
}

/// Implements `definitions.py::discriminant_type`: the smallest unsigned
/// integer type that holds every case index (`ceil(log2(n)/8)` bytes).
pub(crate) fn discriminant_type(cases: Cases<'_>) -> ValType {
    let n = cases.len() as u64;
    // ceil(log2(n)): the bit length of n - 1 (0 for a single case).
    let bits = 64 - n.saturating_sub(1).leading_zeros();
    match bits.div_ceil(8) {
        0 | 1 => ValType::U8,
        2 => ValType::U16,
        _ => ValType::U32,
    }
}

/// Implements `definitions.py::max_case_alignment`.
pub(crate) fn max_case_alignment(cases: Cases<'_>, ptr_type: PtrType) -> u32 {
    let mut a = 1;
    for i in 0..cases.len() {
        if let Some(t) = cases.t(i) {
            a = a.max(alignment(t, ptr_type));
        }
    }
    a
}

/// Implements `definitions.py::alignment_flags` (validation keeps the
/// label count within 1..=32).
pub(crate) fn alignment_flags(labels: &[String]) -> u32 {
    let n = labels.len();
    if n <= 8 {
        return 1;
    }
    if n <= 16 {
        return 2;
    }
    4
}

/// Implements `definitions.py::elem_size`. Sizes saturate at `u64::MAX`
/// (only reachable for host-built types; validation keeps the sizes of a
/// component's types below 2^28), and a saturated size fails every bounds
/// check.
pub(crate) fn elem_size(t: &ValType, ptr_type: PtrType) -> u64 {
    match t.cached_abi() {
        Some(abi) => abi.elem_size[ptr_type.index()],
        None => elem_size_uncached(t, ptr_type),
    }
}

fn elem_size_uncached(t: &ValType, ptr_type: PtrType) -> u64 {
    match despecialize(t) {
        Despecialized::Bool => 1,
        Despecialized::S8 | Despecialized::U8 => 1,
        Despecialized::S16 | Despecialized::U16 => 2,
        Despecialized::S32 | Despecialized::U32 => 4,
        Despecialized::S64 | Despecialized::U64 => 8,
        Despecialized::F32 => 4,
        Despecialized::F64 => 8,
        Despecialized::Char => 4,
        Despecialized::String => 2 * ptr_size(ptr_type),
        Despecialized::ErrorContext => 4,
        Despecialized::List(t, l) => elem_size_list(t, l, ptr_type),
        Despecialized::Record(fields) => elem_size_record(fields, ptr_type),
        Despecialized::Variant(cases) => elem_size_variant(cases, ptr_type),
        Despecialized::Flags(labels) => elem_size_flags(labels),
        Despecialized::Own(_) | Despecialized::Borrow(_) => 4,
        Despecialized::Stream(_) | Despecialized::Future(_) => 4,
    }
}

/// Implements `definitions.py::elem_size_list`.
pub(crate) fn elem_size_list(
    elem_type: &ValType,
    maybe_length: Option<u32>,
    ptr_type: PtrType,
) -> u64 {
    if let Some(l) = maybe_length {
        return (l as u64).saturating_mul(elem_size(elem_type, ptr_type));
    }
    2 * ptr_size(ptr_type)
}

/// Implements `definitions.py::elem_size_record`.
pub(crate) fn elem_size_record(fields: Fields<'_>, ptr_type: PtrType) -> u64 {
    let mut s: u64 = 0;
    for i in 0..fields.len() {
        let t = fields.t(i);
        s = align_to(s, alignment(t, ptr_type));
        s = s.saturating_add(elem_size(t, ptr_type));
    }
    align_to(s, alignment_record(fields, ptr_type))
}

/// Implements `definitions.py::align_to` (saturating at `u64::MAX`, which
/// is never aligned for alignments above 1 and fails every bounds check).
pub(crate) fn align_to(ptr: u64, alignment: u32) -> u64 {
    let a = alignment.max(1) as u64;
    ptr.div_ceil(a).saturating_mul(a)
}

/// Implements `definitions.py::elem_size_variant`.
pub(crate) fn elem_size_variant(cases: Cases<'_>, ptr_type: PtrType) -> u64 {
    let mut s = elem_size(&discriminant_type(cases), ptr_type);
    s = align_to(s, max_case_alignment(cases, ptr_type));
    let mut cs = 0;
    for i in 0..cases.len() {
        if let Some(t) = cases.t(i) {
            cs = cs.max(elem_size(t, ptr_type));
        }
    }
    s = s.saturating_add(cs);
    align_to(s, alignment_variant(cases, ptr_type))
}

/// Implements `definitions.py::elem_size_flags`.
pub(crate) fn elem_size_flags(labels: &[String]) -> u64 {
    let n = labels.len();
    if n <= 8 {
        return 1;
    }
    if n <= 16 {
        return 2;
    }
    4
}

/// The validation rule of CanonicalABI.md "Element Size": every value type
/// a component defines has `elem_size(t, 'i64') < 2^28`.
pub(crate) const MAX_ELEM_SIZE: u64 = 1 << 28;
