//! Component-level values: what the Canonical ABI lifts out of and lowers
//! into linear memory, and what an embedder passes to and receives from
//! component functions.

use std::fmt;

use super::canonical::abi::PtrType;
use super::canonical::options::StringEncoding;
use super::types::{ResourceType, ValType};

/// A component value. A `Val` of type `t` is what `definitions.py` lifts a
/// value of type `t` to (ints, floats, `String` tuples, lists, dicts for
/// records and variants, reps for handles), with the specialized types kept
/// apart so an embedder sees tuples, enums, options and results as such.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Char(char),
    String(Str),
    /// A list; also a fixed-length list.
    List(Vec<Val>),
    /// Field values in the type's field order, with their labels.
    Record(Vec<(String, Val)>),
    Tuple(Vec<Val>),
    Variant(String, Option<Box<Val>>),
    Enum(String),
    Option(Option<Box<Val>>),
    Result(Result<Option<Box<Val>>, Option<Box<Val>>>),
    /// The labels of the flags that are set.
    Flags(Vec<String>),
    /// Key-value entries in order.
    Map(Vec<(Val, Val)>),
    /// An owned handle in transit: the resource's representation.
    Own(Resource),
    /// A borrowed handle in transit.
    Borrow(Resource),
    /// A stream in transit: the spec lifts a readable stream end to the
    /// stream's shared state and lowers it into a new readable end.
    Stream(AsyncValue),
    /// A future in transit, like [`Val::Stream`].
    Future(AsyncValue),
    /// An error context: an immutable debug message, shared by reference
    /// between the instances it is passed to.
    ErrorContext(ErrorContext),
}

/// `definitions.py::ErrorContext`: its debug message (two error contexts
/// are the same value when they are the same object).
#[derive(Clone, Debug)]
pub struct ErrorContext(pub(crate) std::sync::Arc<Str>);

impl ErrorContext {
    /// The debug message.
    pub fn debug_message(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for ErrorContext {
    fn eq(&self, other: &ErrorContext) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The shared state of a stream or future in transit between component
/// instances (opaque; it belongs to the store that lifted it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AsyncValue {
    pub(crate) shared: u32,
}

/// A resource in transit between component instances: the spec lifts an
/// `own`/`borrow` handle to its `rep` and lowers the `rep` into a new handle
/// of the receiving instance; the type travels along so the value can be
/// checked against the receiving type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Resource {
    pub ty: ResourceType,
    pub rep: u32,
}

/// A string value: the spec's `String` tuple `(str, encoding,
/// tagged_code_units)`. The encoding and code-unit count of the memory a
/// string was lifted from decide how it is transcoded when lowered (and so
/// which `realloc` calls the receiver sees), as in `store_string_into_range`.
/// Strings made by the host are UTF-8.
#[derive(Clone, Debug)]
pub struct Str {
    text: String,
    pub(crate) encoding: StringEncoding,
    pub(crate) tagged_code_units: u64,
    /// The address type of the memory it was lifted from (whose width the
    /// `latin1+utf16` tag depends on).
    pub(crate) ptr_type: PtrType,
}

impl Str {
    /// A string from the host (UTF-8, one code unit per byte).
    pub fn new(text: impl Into<String>) -> Str {
        let text = text.into();
        let n = text.len() as u64;
        Str {
            text,
            encoding: StringEncoding::Utf8,
            tagged_code_units: n,
            ptr_type: PtrType::I32,
        }
    }

    /// A string lifted from memory with the given encoding and length.
    pub(crate) fn lifted(
        text: String,
        encoding: StringEncoding,
        tagged_code_units: u64,
        ptr_type: PtrType,
    ) -> Str {
        Str {
            text,
            encoding,
            tagged_code_units,
            ptr_type,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The encoding of the memory this string was lifted from.
    pub fn encoding(&self) -> StringEncoding {
        self.encoding
    }

    /// The (tagged) code-unit count it had there.
    pub fn tagged_code_units(&self) -> u64 {
        self.tagged_code_units
    }
}

/// Strings are equal when their text is; where they came from does not matter.
impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.text == other.text
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str::new(s)
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str::new(s)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Val {
    /// Checks that this value belongs to type `t`; the error says where it
    /// does not.
    pub fn typecheck(&self, t: &ValType) -> Result<(), String> {
        let mismatch = || Err(format!("value {self} does not have type {t}"));
        match (self, t) {
            (Val::Bool(_), ValType::Bool)
            | (Val::S8(_), ValType::S8)
            | (Val::U8(_), ValType::U8)
            | (Val::S16(_), ValType::S16)
            | (Val::U16(_), ValType::U16)
            | (Val::S32(_), ValType::S32)
            | (Val::U32(_), ValType::U32)
            | (Val::S64(_), ValType::S64)
            | (Val::U64(_), ValType::U64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::String(_), ValType::String) => Ok(()),
            (Val::Char(c), ValType::Char) => {
                // Rust chars are Unicode scalar values already.
                let _ = c;
                Ok(())
            }
            (Val::List(vs), ValType::List(l)) => {
                if let Some(n) = l.l
                    && vs.len() != n as usize
                {
                    return Err(format!(
                        "a list of {} elements does not have type {t}",
                        vs.len()
                    ));
                }
                vs.iter().try_for_each(|v| v.typecheck(&l.t))
            }
            (Val::Record(fs), ValType::Record(r)) => {
                if fs.len() != r.fields.len()
                    || fs.iter().zip(&r.fields).any(|((n, _), f)| *n != f.label)
                {
                    return mismatch();
                }
                fs.iter()
                    .zip(&r.fields)
                    .try_for_each(|((_, v), f)| v.typecheck(&f.t))
            }
            (Val::Tuple(vs), ValType::Tuple(tt)) => {
                if vs.len() != tt.ts.len() {
                    return mismatch();
                }
                vs.iter().zip(&tt.ts).try_for_each(|(v, t)| v.typecheck(t))
            }
            (Val::Variant(label, payload), ValType::Variant(v)) => {
                let Some(case) = v.cases.iter().find(|c| c.label == *label) else {
                    return Err(format!("`{label}` is not a case of {t}"));
                };
                match (payload, &case.t) {
                    (None, None) => Ok(()),
                    (Some(p), Some(ct)) => p.typecheck(ct),
                    _ => mismatch(),
                }
            }
            (Val::Enum(label), ValType::Enum(e)) => {
                if e.labels.contains(label) {
                    Ok(())
                } else {
                    Err(format!("`{label}` is not a case of {t}"))
                }
            }
            (Val::Option(o), ValType::Option(ot)) => match o {
                None => Ok(()),
                Some(v) => v.typecheck(&ot.t),
            },
            (Val::Result(r), ValType::Result(rt)) => {
                let (v, vt) = match r {
                    Ok(v) => (v, &rt.ok),
                    Err(v) => (v, &rt.error),
                };
                match (v, vt) {
                    (None, None) => Ok(()),
                    (Some(v), Some(vt)) => v.typecheck(vt),
                    _ => mismatch(),
                }
            }
            (Val::Flags(set), ValType::Flags(ft)) => {
                for (i, l) in set.iter().enumerate() {
                    if !ft.labels.contains(l) {
                        return Err(format!("`{l}` is not a flag of {t}"));
                    }
                    if set[..i].contains(l) {
                        return Err(format!("flag `{l}` is given twice"));
                    }
                }
                Ok(())
            }
            (Val::Map(entries), ValType::Map(m)) => entries.iter().try_for_each(|(k, v)| {
                k.typecheck(&m.k)?;
                v.typecheck(&m.v)
            }),
            (Val::Stream(_), ValType::Stream(_))
            | (Val::Future(_), ValType::Future(_))
            | (Val::ErrorContext(_), ValType::ErrorContext) => Ok(()),
            (Val::Own(r), ValType::Own(rt)) | (Val::Borrow(r), ValType::Borrow(rt)) => {
                if r.ty == *rt {
                    Ok(())
                } else {
                    Err(format!("a handle of {} does not have type {t}", r.ty))
                }
            }
            _ => mismatch(),
        }
    }
}

fn write_seq<'a>(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    items: impl IntoIterator<Item = &'a Val>,
    close: &str,
) -> fmt::Result {
    f.write_str(open)?;
    for (i, v) in items.into_iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{v}")?;
    }
    f.write_str(close)
}

fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        f.write_str("nan")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "inf" } else { "-inf" })
    } else {
        write!(f, "{x:?}")
    }
}

/// WAVE-style rendering (`"ab"`, `[1, 2]`, `{a: 1}`, `some(1)`, `ok`).
impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Bool(b) => write!(f, "{b}"),
            Val::S8(x) => write!(f, "{x}"),
            Val::U8(x) => write!(f, "{x}"),
            Val::S16(x) => write!(f, "{x}"),
            Val::U16(x) => write!(f, "{x}"),
            Val::S32(x) => write!(f, "{x}"),
            Val::U32(x) => write!(f, "{x}"),
            Val::S64(x) => write!(f, "{x}"),
            Val::U64(x) => write!(f, "{x}"),
            Val::F32(x) => write_float(f, *x as f64),
            Val::F64(x) => write_float(f, *x),
            Val::Char(c) => write!(f, "{c:?}"),
            Val::String(s) => write!(f, "{:?}", s.as_str()),
            Val::List(vs) => write_seq(f, "[", vs, "]"),
            Val::Tuple(vs) => write_seq(f, "(", vs, ")"),
            Val::Record(fs) => {
                f.write_str("{")?;
                for (i, (n, v)) in fs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}: {v}")?;
                }
                f.write_str("}")
            }
            Val::Variant(label, None) | Val::Enum(label) => f.write_str(label),
            Val::Variant(label, Some(p)) => write!(f, "{label}({p})"),
            Val::Option(None) => f.write_str("none"),
            Val::Option(Some(v)) => write!(f, "some({v})"),
            Val::Result(Ok(None)) => f.write_str("ok"),
            Val::Result(Ok(Some(v))) => write!(f, "ok({v})"),
            Val::Result(Err(None)) => f.write_str("err"),
            Val::Result(Err(Some(v))) => write!(f, "err({v})"),
            Val::Flags(set) => write!(f, "{{{}}}", set.join(", ")),
            Val::Map(entries) => {
                f.write_str("[")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "({k}, {v})")?;
                }
                f.write_str("]")
            }
            Val::Own(r) => write!(f, "own<{}>(rep {})", r.ty, r.rep),
            Val::Borrow(r) => write!(f, "borrow<{}>(rep {})", r.ty, r.rep),
            Val::Stream(s) => write!(f, "stream({})", s.shared),
            Val::Future(s) => write!(f, "future({})", s.shared),
            Val::ErrorContext(e) => write!(f, "error-context({:?})", e.debug_message()),
        }
    }
}
