//! `component_values`: an arbitrary component value type `T` and arbitrary
//! values of it, passed through the Canonical ABI in cmref and in Wasmtime.
//!
//! The generated component holds two nested components:
//! - `a` exports `f(x: T, p0..p15: u64) -> tuple<T, u64, u64>`, lifted from
//!   a core function that returns its argument. Seventeen parameters always
//!   spill to memory (more than `MAX_FLAT_PARAMS`), so the core function
//!   receives a pointer to the parameter record, and a three-field result
//!   is always returned through memory (more than `MAX_FLAT_RESULTS`): the
//!   record's first field lies at offset 0 and the next two at the same
//!   offsets as the result tuple's, so returning the pointer echoes
//!   `(x, p0, p1)`. One call round-trips `x` through `a`'s memory.
//! - `b` imports `f` and exports `g` of the same type, whose core code
//!   calls the lowered `f` with the spilled parameters and a return area
//!   and returns that area. `b` has its own memory, layout and string
//!   encoding, so a call of `g` lowers into `b`, lifts out of `b`, lowers
//!   into `a` (transcoding strings between the two encodings) and back.
//!
//! - Handles: `a` defines a resource type `r` (`rep i32`) and exports
//!   `make(rep) -> own<r>` (`resource.new`) and `rep-of(borrow<r>) -> u32`,
//!   which the hosts use to make handles and read them back. `T` may hold
//!   `own<r>` and `borrow<r>`; a result cannot hold a borrow, so the result
//!   carries `u32` in its place ([`result_ty`]) and the echo returns the
//!   `i32` the callee saw: the representation, since `a` implements `r`.
//!   Owned handles move into `a`'s table and back out. `b` receives
//!   borrows as handles of its own table and must drop them before it
//!   returns, so its code drops the indexes that the spec's `Table.add`
//!   gives them ([`borrow_indexes`]): a wrong index traps.
//!
//! Both engines call `a.f` and `b.g` with the same arguments. A divergence
//! is a different outcome (a value or a trap) for either call; cmref is
//! also checked against the identity `(x, p0, p1)` (every float NaN
//! equals every NaN: the Canonical ABI canonicalises NaNs on lifting;
//! borrows come back as their representations).

use std::collections::HashMap;
use std::fmt::Write;

use arbitrary::{Result as ArbResult, Unstructured};

use crate::{cmref_component, wasmtime_component};

/// A component value type. Record fields are named `f0`, `f1`...,
/// variant cases `c0`..., enum cases `e0`..., flags `g0`....
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
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
    List(Box<Ty>),
    /// A fixed-length list.
    FixedList(Box<Ty>, u32),
    Record(Vec<Ty>),
    Tuple(Vec<Ty>),
    Variant(Vec<Option<Ty>>),
    Enum(u32),
    Option(Box<Ty>),
    Result(Option<Box<Ty>>, Option<Box<Ty>>),
    Flags(u32),
    /// `own<r>` of the resource type `r` that component `a` defines.
    Own,
    /// `borrow<r>`: only in parameters; results carry a `u32` in its place
    /// (see [`result_ty`]).
    Borrow,
}

/// A component value, engine-neutral. Floats are bits; equality treats
/// every NaN as equal to every NaN.
#[derive(Clone, Debug)]
pub enum Value {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(u32),
    F64(u64),
    Char(char),
    String(String),
    List(Vec<Value>),
    /// A fixed-length list: equal to a list with the same elements (cmref
    /// has one value kind for both; Wasmtime's calls need to know).
    FixedList(Vec<Value>),
    Record(Vec<(String, Value)>),
    Tuple(Vec<Value>),
    Variant(String, Option<Box<Value>>),
    Enum(String),
    Option(Option<Box<Value>>),
    Result(Result<Option<Box<Value>>, Option<Box<Value>>>),
    /// Set flags, sorted by name.
    Flags(Vec<String>),
    /// An owned handle of `r`, by its representation (the host makes it with
    /// `a.make(rep)` and reads it back with `a.rep-of`).
    Own(u32),
    /// A borrowed handle of `r`, by its representation.
    Borrow(u32),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value as V;
        match (self, other) {
            (V::F32(a), V::F32(b)) => {
                a == b || (f32::from_bits(*a).is_nan() && f32::from_bits(*b).is_nan())
            }
            (V::F64(a), V::F64(b)) => {
                a == b || (f64::from_bits(*a).is_nan() && f64::from_bits(*b).is_nan())
            }
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::S8(a), V::S8(b)) => a == b,
            (V::U8(a), V::U8(b)) => a == b,
            (V::S16(a), V::S16(b)) => a == b,
            (V::U16(a), V::U16(b)) => a == b,
            (V::S32(a), V::S32(b)) => a == b,
            (V::U32(a), V::U32(b)) => a == b,
            (V::S64(a), V::S64(b)) => a == b,
            (V::U64(a), V::U64(b)) => a == b,
            (V::Char(a), V::Char(b)) => a == b,
            (V::String(a), V::String(b)) => a == b,
            (V::List(a) | V::FixedList(a), V::List(b) | V::FixedList(b))
            | (V::Tuple(a), V::Tuple(b)) => a == b,
            (V::Record(a), V::Record(b)) => a == b,
            (V::Variant(a, x), V::Variant(b, y)) => a == b && x == y,
            (V::Enum(a), V::Enum(b)) => a == b,
            (V::Option(a), V::Option(b)) => a == b,
            (V::Result(a), V::Result(b)) => a == b,
            (V::Flags(a), V::Flags(b)) => a == b,
            (V::Own(a), V::Own(b)) | (V::Borrow(a), V::Borrow(b)) => a == b,
            _ => false,
        }
    }
}

/// The string encodings of canonical options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Latin1Utf16,
}

impl Encoding {
    fn option(self) -> &'static str {
        match self {
            Encoding::Utf8 => "string-encoding=utf8",
            Encoding::Utf16 => "string-encoding=utf16",
            Encoding::Latin1Utf16 => "string-encoding=latin1+utf16",
        }
    }
}

const MAX_DEPTH: u32 = 3;
const MAX_WIDTH: usize = 4;
const MAX_LIST: usize = 6;
const MAX_STRING: usize = 12;

/// An arbitrary type, at most `MAX_DEPTH` levels deep.
pub fn arbitrary_ty(u: &mut Unstructured<'_>, depth: u32) -> ArbResult<Ty> {
    let leaves = 15;
    let kinds = if depth >= MAX_DEPTH {
        leaves
    } else {
        leaves + 10
    };
    let width = |u: &mut Unstructured<'_>| u.int_in_range(1..=MAX_WIDTH);
    Ok(match u.choose_index(kinds)? {
        0 => Ty::Bool,
        1 => Ty::S8,
        2 => Ty::U8,
        3 => Ty::S16,
        4 => Ty::U16,
        5 => Ty::S32,
        6 => Ty::U32,
        7 => Ty::S64,
        8 => Ty::U64,
        9 => Ty::F32,
        10 => Ty::F64,
        11 => Ty::Char,
        12 => Ty::String,
        13 => Ty::Own,
        14 => Ty::Borrow,
        15 => Ty::List(Box::new(arbitrary_ty(u, depth + 1)?)),
        16 => Ty::FixedList(
            Box::new(arbitrary_ty(u, depth + 1)?),
            u.int_in_range(1..=4)?,
        ),
        17 => Ty::Record(
            (0..width(u)?)
                .map(|_| arbitrary_ty(u, depth + 1))
                .collect::<ArbResult<_>>()?,
        ),
        18 => Ty::Tuple(
            (0..width(u)?)
                .map(|_| arbitrary_ty(u, depth + 1))
                .collect::<ArbResult<_>>()?,
        ),
        19 => Ty::Variant(
            (0..width(u)?)
                .map(|_| {
                    Ok(if u.arbitrary()? {
                        Some(arbitrary_ty(u, depth + 1)?)
                    } else {
                        None
                    })
                })
                .collect::<ArbResult<_>>()?,
        ),
        20 => Ty::Enum(u.int_in_range(1..=5)?),
        21 => Ty::Option(Box::new(arbitrary_ty(u, depth + 1)?)),
        22 => {
            let side = |u: &mut Unstructured<'_>| -> ArbResult<Option<Box<Ty>>> {
                Ok(if u.arbitrary()? {
                    Some(Box::new(arbitrary_ty(u, depth + 1)?))
                } else {
                    None
                })
            };
            Ty::Result(side(u)?, side(u)?)
        }
        23 => Ty::Flags(u.int_in_range(1..=32)?),
        _ => Ty::Option(Box::new(Ty::String)),
    })
}

/// An arbitrary value of `ty`.
pub fn arbitrary_value(u: &mut Unstructured<'_>, ty: &Ty) -> ArbResult<Value> {
    Ok(match ty {
        Ty::Bool => Value::Bool(u.arbitrary()?),
        Ty::S8 => Value::S8(u.arbitrary()?),
        Ty::U8 => Value::U8(u.arbitrary()?),
        Ty::S16 => Value::S16(u.arbitrary()?),
        Ty::U16 => Value::U16(u.arbitrary()?),
        Ty::S32 => Value::S32(u.arbitrary()?),
        Ty::U32 => Value::U32(u.arbitrary()?),
        Ty::S64 => Value::S64(u.arbitrary()?),
        Ty::U64 => Value::U64(u.arbitrary()?),
        Ty::F32 => Value::F32(u.arbitrary()?),
        Ty::F64 => Value::F64(u.arbitrary()?),
        Ty::Char => Value::Char(u.arbitrary()?),
        Ty::String => {
            let n = u.int_in_range(0..=MAX_STRING)?;
            // Mostly Latin-1 and ASCII, so `latin1+utf16` takes both paths.
            let mut s = String::new();
            for _ in 0..n {
                s.push(match u.choose_index(3)? {
                    0 => u.int_in_range(0x20u8..=0x7e)? as char,
                    1 => char::from(u.arbitrary::<u8>()?),
                    _ => u.arbitrary()?,
                });
            }
            Value::String(s)
        }
        Ty::List(t) => {
            let n = u.int_in_range(0..=MAX_LIST)?;
            Value::List(
                (0..n)
                    .map(|_| arbitrary_value(u, t))
                    .collect::<ArbResult<_>>()?,
            )
        }
        Ty::FixedList(t, n) => Value::FixedList(
            (0..*n)
                .map(|_| arbitrary_value(u, t))
                .collect::<ArbResult<_>>()?,
        ),
        Ty::Record(fields) => Value::Record(
            fields
                .iter()
                .enumerate()
                .map(|(i, t)| Ok((format!("f{i}"), arbitrary_value(u, t)?)))
                .collect::<ArbResult<_>>()?,
        ),
        Ty::Tuple(ts) => Value::Tuple(
            ts.iter()
                .map(|t| arbitrary_value(u, t))
                .collect::<ArbResult<_>>()?,
        ),
        Ty::Variant(cases) => {
            let i = u.choose_index(cases.len())?;
            let payload = match &cases[i] {
                Some(t) => Some(Box::new(arbitrary_value(u, t)?)),
                None => None,
            };
            Value::Variant(format!("c{i}"), payload)
        }
        Ty::Enum(n) => Value::Enum(format!("e{}", u.int_in_range(0..=n - 1)?)),
        Ty::Option(t) => Value::Option(if u.arbitrary()? {
            Some(Box::new(arbitrary_value(u, t)?))
        } else {
            None
        }),
        Ty::Result(ok, err) => {
            let side = |u: &mut Unstructured<'_>, t: &Option<Box<Ty>>| -> ArbResult<_> {
                Ok(match t {
                    Some(t) => Some(Box::new(arbitrary_value(u, t)?)),
                    None => None,
                })
            };
            Value::Result(if u.arbitrary()? {
                Ok(side(u, ok)?)
            } else {
                Err(side(u, err)?)
            })
        }
        Ty::Own => Value::Own(u.arbitrary()?),
        Ty::Borrow => Value::Borrow(u.arbitrary()?),
        Ty::Flags(n) => {
            let mut set = Vec::new();
            for i in 0..*n {
                if u.arbitrary()? {
                    set.push(format!("g{i}"));
                }
            }
            set.sort();
            Value::Flags(set)
        }
    })
}

/// The type a result carries for a parameter of type `ty`: `ty` with each
/// `borrow<r>` replaced by `u32`, which has the same size, alignment and
/// flattening, so the echo returns a borrowed handle as the `i32` the
/// callee saw: the representation itself when the callee implements `r`
/// (`lower_borrow`), as `a` does.
pub fn result_ty(ty: &Ty) -> Ty {
    let boxed = |t: &Ty| Box::new(result_ty(t));
    match ty {
        Ty::Borrow => Ty::U32,
        Ty::List(t) => Ty::List(boxed(t)),
        Ty::FixedList(t, n) => Ty::FixedList(boxed(t), *n),
        Ty::Option(t) => Ty::Option(boxed(t)),
        Ty::Record(ts) => Ty::Record(ts.iter().map(result_ty).collect()),
        Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(result_ty).collect()),
        Ty::Variant(cases) => {
            Ty::Variant(cases.iter().map(|c| c.as_ref().map(result_ty)).collect())
        }
        Ty::Result(ok, err) => Ty::Result(
            ok.as_ref().map(|t| boxed(t)),
            err.as_ref().map(|t| boxed(t)),
        ),
        other => other.clone(),
    }
}

/// The value the echo returns for argument `v` (see [`result_ty`]).
pub fn result_value(v: &Value) -> Value {
    let boxed = |v: &Option<Box<Value>>| v.as_ref().map(|v| Box::new(result_value(v)));
    match v {
        Value::Borrow(rep) => Value::U32(*rep),
        Value::List(vs) => Value::List(vs.iter().map(result_value).collect()),
        Value::FixedList(vs) => Value::FixedList(vs.iter().map(result_value).collect()),
        Value::Tuple(vs) => Value::Tuple(vs.iter().map(result_value).collect()),
        Value::Record(fs) => Value::Record(
            fs.iter()
                .map(|(n, v)| (n.clone(), result_value(v)))
                .collect(),
        ),
        Value::Variant(c, p) => Value::Variant(c.clone(), boxed(p)),
        Value::Option(o) => Value::Option(boxed(o)),
        Value::Result(r) => Value::Result(match r {
            Ok(v) => Ok(boxed(v)),
            Err(v) => Err(boxed(v)),
        }),
        other => other.clone(),
    }
}

/// The handles in `v` in the order lowering visits them, `true` for a
/// borrow. Lowering a call's arguments into a fresh handle table adds
/// them in this order at indexes 1, 2, ... (`Table.add`, whose free list
/// is empty), so the `k`-th handle has index `k`.
fn handles(v: &Value, out: &mut Vec<bool>) {
    match v {
        Value::Own(_) => out.push(false),
        Value::Borrow(_) => out.push(true),
        Value::List(vs) | Value::FixedList(vs) | Value::Tuple(vs) => {
            vs.iter().for_each(|v| handles(v, out))
        }
        Value::Record(fs) => fs.iter().for_each(|(_, v)| handles(v, out)),
        Value::Variant(_, Some(v)) | Value::Option(Some(v)) => handles(v, out),
        Value::Result(Ok(Some(v)) | Err(Some(v))) => handles(v, out),
        _ => {}
    }
}

/// The number of owned and of borrowed handles in `v`.
pub fn handle_counts(v: &Value) -> (usize, usize) {
    let mut hs = Vec::new();
    handles(v, &mut hs);
    let borrows = hs.iter().filter(|b| **b).count();
    (hs.len() - borrows, borrows)
}

/// The indexes of the borrowed handles that lowering `v` into a fresh
/// instance creates (see [`handles`]).
pub fn borrow_indexes(v: &Value) -> Vec<u32> {
    let mut hs = Vec::new();
    handles(v, &mut hs);
    (1..)
        .zip(hs)
        .filter_map(|(i, borrow)| borrow.then_some(i))
        .collect()
}

/// The nominal types of `ty` (records, variants, enums, flags), innermost
/// first: an exported or imported function may only use them by name.
fn nominal_types(ty: &Ty, out: &mut Vec<Ty>) {
    match ty {
        Ty::List(t) | Ty::FixedList(t, _) | Ty::Option(t) => nominal_types(t, out),
        Ty::Record(ts) | Ty::Tuple(ts) => ts.iter().for_each(|t| nominal_types(t, out)),
        Ty::Variant(cases) => cases.iter().flatten().for_each(|t| nominal_types(t, out)),
        Ty::Result(ok, err) => {
            ok.iter().chain(err).for_each(|t| nominal_types(t, out));
        }
        _ => {}
    }
    if matches!(
        ty,
        Ty::Record(_) | Ty::Variant(_) | Ty::Enum(_) | Ty::Flags(_)
    ) && !out.contains(ty)
    {
        out.push(ty.clone());
    }
}

/// The text of a type, naming nominal types `$tN` by their index.
fn ty_text(ty: &Ty, names: &HashMap<String, usize>) -> String {
    let named = |t: &Ty| names.get(&format!("{t:?}")).map(|n| format!("$t{n}"));
    match ty {
        Ty::Bool => "bool".into(),
        Ty::S8 => "s8".into(),
        Ty::U8 => "u8".into(),
        Ty::S16 => "s16".into(),
        Ty::U16 => "u16".into(),
        Ty::S32 => "s32".into(),
        Ty::U32 => "u32".into(),
        Ty::S64 => "s64".into(),
        Ty::U64 => "u64".into(),
        Ty::F32 => "f32".into(),
        Ty::F64 => "f64".into(),
        Ty::Char => "char".into(),
        Ty::String => "string".into(),
        Ty::Own => "(own $r)".into(),
        Ty::Borrow => "(borrow $r)".into(),
        Ty::List(t) => format!("(list {})", ty_text(t, names)),
        Ty::FixedList(t, n) => format!("(list {} {n})", ty_text(t, names)),
        Ty::Tuple(ts) => {
            let parts: Vec<String> = ts.iter().map(|t| ty_text(t, names)).collect();
            format!("(tuple {})", parts.join(" "))
        }
        Ty::Option(t) => format!("(option {})", ty_text(t, names)),
        Ty::Result(ok, err) => {
            let mut s = "(result".to_string();
            if let Some(t) = ok {
                write!(s, " {}", ty_text(t, names)).unwrap();
            }
            if let Some(t) = err {
                write!(s, " (error {})", ty_text(t, names)).unwrap();
            }
            s + ")"
        }
        _ => named(ty).expect("nominal types are defined before use"),
    }
}

/// The definition of a nominal type.
fn nominal_definition(ty: &Ty, names: &HashMap<String, usize>) -> String {
    match ty {
        Ty::Record(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, t)| format!("(field \"f{i}\" {})", ty_text(t, names)))
                .collect();
            format!("(record {})", fields.join(" "))
        }
        Ty::Variant(cases) => {
            let cases: Vec<String> = cases
                .iter()
                .enumerate()
                .map(|(i, t)| match t {
                    Some(t) => format!("(case \"c{i}\" {})", ty_text(t, names)),
                    None => format!("(case \"c{i}\")"),
                })
                .collect();
            format!("(variant {})", cases.join(" "))
        }
        Ty::Enum(n) => {
            let cases: Vec<String> = (0..*n).map(|i| format!("\"e{i}\"")).collect();
            format!("(enum {})", cases.join(" "))
        }
        Ty::Flags(n) => {
            let flags: Vec<String> = (0..*n).map(|i| format!("\"g{i}\"")).collect();
            format!("(flags {})", flags.join(" "))
        }
        _ => unreachable!("not a nominal type"),
    }
}

/// A core module with a memory and a bump `realloc` that grows the memory
/// as needed and keeps the old contents when it moves a block.
pub(crate) const MEMORY_MODULE: &str = r#"(core module $Mem
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 16))
    (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
      (local $p i32) (local $end i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $p) (local.get $new_size)))
      (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.lt_s (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))) (i32.const 0))
          (then unreachable))))
      (global.set $bump (local.get $end))
      (if (local.get $old_size)
        (then (memory.copy (local.get $p) (local.get $old)
          (select (local.get $old_size) (local.get $new_size) (i32.lt_u (local.get $old_size) (local.get $new_size))))))
      (local.get $p)))
  (core instance $mem (instantiate $Mem))"#;

/// The component text for `ty` with the encodings of `a` and `b`; `b.g`
/// drops the borrowed handles at `borrows` after its call of `f` (a task
/// must drop every borrow it received before it returns).
pub fn component_text(ty: &Ty, a: Encoding, b: Encoding, borrows: &[u32]) -> String {
    let rty = result_ty(ty);
    let mut nominal = Vec::new();
    nominal_types(ty, &mut nominal);
    nominal_types(&rty, &mut nominal);
    let mut names = HashMap::new();
    let mut defs = Vec::new();
    for (i, t) in nominal.iter().enumerate() {
        defs.push(nominal_definition(t, &names));
        names.insert(format!("{t:?}"), i);
    }
    let t = ty_text(ty, &names);
    let params: String = std::iter::once(format!("(param \"x\" {t})"))
        .chain((0..16).map(|i| format!(" (param \"p{i}\" u64)")))
        .collect();
    let sig = format!(
        "{params} (result (tuple {} u64 u64))",
        ty_text(&rty, &names)
    );
    let drops: String = borrows
        .iter()
        .map(|i| format!("\n        (call $drop (i32.const {i}))"))
        .collect();
    let exported: String = defs
        .iter()
        .enumerate()
        .map(|(i, d)| format!("    (type $t{i}' {d})\n    (export $t{i} \"t{i}\" (type $t{i}'))\n"))
        .collect();
    let imported: String = defs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!("    (type $t{i}' {d})\n    (import \"t{i}\" (type $t{i} (eq $t{i}')))\n")
        })
        .collect();
    let aliases: String = (0..defs.len())
        .map(|i| format!("  (alias export $a \"t{i}\" (type $at{i}))\n"))
        .collect();
    let withs: String = (0..defs.len())
        .map(|i| format!(" (with \"t{i}\" (type $at{i}))"))
        .collect();
    let (ea, eb) = (a.option(), b.option());
    format!(
        r#"(component
  (component $A
    (type $r' (resource (rep i32)))
    (export $r "r" (type $r'))
{exported}    {MEMORY_MODULE}
    (core module $Echo (func (export "echo") (param i32) (result i32) (local.get 0)))
    (core instance $e (instantiate $Echo))
    (core func $new (canon resource.new $r'))
    (core module $Make
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $mk (instantiate $Make (with "" (instance (export "new" (func $new))))))
    (func (export "make") (param "rep" u32) (result (own $r)) (canon lift (core func $mk "make")))
    (func (export "rep-of") (param "x" (borrow $r)) (result u32) (canon lift (core func $e "echo")))
    (func $f {sig}
      (canon lift (core func $e "echo") (memory $mem "mem") (realloc (func $mem "realloc")) {ea}))
    (export "f" (func $f)))
  (component $B
    (import "r" (type $r (sub resource)))
{imported}    (import "f" (func $f {sig}))
    {MEMORY_MODULE}
    (core func $fl (canon lower (func $f) (memory $mem "mem") (realloc (func $mem "realloc")) {eb}))
    (core func $drop (canon resource.drop $r))
    (core module $Main
      (import "" "f" (func $f (param i32 i32)))
      (import "" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (func (export "g") (param i32) (result i32) (local $r i32)
        (local.set $r (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 8192)))
        (call $f (local.get 0) (local.get $r)){drops}
        (local.get $r)))
    (core instance $main (instantiate $Main (with "" (instance (export "f" (func $fl)) (export "realloc" (func $mem "realloc")) (export "drop" (func $drop))))))
    (func $g {sig}
      (canon lift (core func $main "g") (memory $mem "mem") (realloc (func $mem "realloc")) {eb}))
    (export "g" (func $g)))
  (instance $a (instantiate $A))
  (alias export $a "r" (type $ar))
{aliases}  (instance $b (instantiate $B (with "r" (type $ar)){withs} (with "f" (func $a "f"))))
  (export "a" (instance $a))
  (export "b" (instance $b)))
"#
    )
}

/// A generated case: the component, the type and the arguments.
pub struct Case {
    pub text: String,
    pub wasm: Vec<u8>,
    pub ty: Ty,
    pub args: Vec<Value>,
}

/// Builds a case from fuzz input.
pub fn generate(data: &[u8]) -> ArbResult<Case> {
    let mut u = Unstructured::new(data);
    let ty = arbitrary_ty(&mut u, 0)?;
    let encodings = [Encoding::Utf8, Encoding::Utf16, Encoding::Latin1Utf16];
    let a = *u.choose(&encodings)?;
    let b = *u.choose(&encodings)?;
    let mut args = vec![arbitrary_value(&mut u, &ty)?];
    for _ in 0..16 {
        args.push(Value::U64(u.arbitrary()?));
    }
    let text = component_text(&ty, a, b, &borrow_indexes(&args[0]));
    // A text that does not parse is a bug of this generator: a finding.
    let wasm = match wat::parse_str(&text) {
        Ok(wasm) => wasm,
        Err(e) => panic!("the generated component does not parse: {e}\n{text}"),
    };
    Ok(Case {
        text,
        wasm,
        ty,
        args,
    })
}

/// How one engine ran a case: whether it accepted the component, and the
/// outcome of each call (`Err` holds a trap or error message).
#[derive(Debug)]
pub enum Run {
    Rejected(String),
    NotInstantiated(String),
    Ran {
        f: Result<Value, String>,
        g: Result<Value, String>,
    },
}

/// Runs one input in both engines. `Ok` carries the number of calls whose
/// results were compared; `Err` describes a divergence.
pub fn check(data: &[u8]) -> Result<usize, String> {
    let Ok(case) = generate(data) else {
        return Ok(0);
    };
    let ours = cmref_component::run(&case);
    let theirs = wasmtime_component::run(&case);
    let diverged = |what: &str| {
        Err(format!(
            "cmref and Wasmtime diverge: {what}\n  type: {:?}\n  args: {:?}\n  cmref:    {ours:?}\n  wasmtime: {theirs:?}\n  component:\n{}",
            case.ty, case.args[0], case.text
        ))
    };
    let expected = Value::Tuple(vec![
        result_value(&case.args[0]),
        case.args[1].clone(),
        case.args[2].clone(),
    ]);
    match (&ours, &theirs) {
        (Run::Ran { f, g }, Run::Ran { f: f2, g: g2 }) => {
            // Values must be equal; traps count as alike whatever they say.
            if f.as_ref().ok() != f2.as_ref().ok() {
                return diverged("`a.f` differs");
            }
            if g.as_ref().ok() != g2.as_ref().ok() {
                return diverged("`b.g` differs");
            }
            if f.as_ref().ok() != Some(&expected) || g.as_ref().ok() != Some(&expected) {
                return diverged("the round trip is not the identity");
            }
            Ok(2)
        }
        (Run::Rejected(_), Run::Rejected(_)) => diverged("both reject the generated component"),
        _ => diverged("only one engine runs the component"),
    }
}
