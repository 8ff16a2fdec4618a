//! Component directives and values in scripts: `(component ...)` in all its
//! forms, `register`, `invoke` with component values, `assert_return`
//! patterns, and how component trap messages are compared.

use std::collections::HashMap;

use cmref_interp::component::{self, Component, Instance, Linker, Val, ValType};
use cmref_interp::{Engine, Error, Store, Trap};
use wast::component::WastVal;
use wast::core::{NanPattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastInvoke, WastRet};

/// The component side of a script run: definitions, instances, the linker
/// `register` fills.
#[derive(Default)]
pub struct ComponentState {
    pub linker: Linker,
    pub definitions: HashMap<String, Component>,
    pub instances: HashMap<String, Instance>,
}

impl ComponentState {
    pub fn compile(&self, engine: &Engine, bytes: &[u8]) -> cmref_interp::Result<Component> {
        Component::new(engine, bytes)
    }

    pub fn instantiate(&self, store: &mut Store, c: &Component) -> cmref_interp::Result<Instance> {
        self.linker.instantiate(store, c)
    }

    /// Calls `invoke.name` on `instance` with the script's arguments.
    pub fn invoke(
        &self,
        store: &mut Store,
        instance: &Instance,
        invoke: &WastInvoke<'_>,
    ) -> cmref_interp::Result<Vec<Val>> {
        let func = instance.get_func(invoke.name).ok_or_else(|| {
            Error::Api(format!("no exported component function `{}`", invoke.name))
        })?;
        let ty = func.ty(store)?;
        if ty.params.len() != invoke.args.len() {
            return Err(Error::Api(format!(
                "`{}` takes {} argument(s), the script gives {}",
                invoke.name,
                ty.params.len(),
                invoke.args.len()
            )));
        }
        let mut args = Vec::with_capacity(invoke.args.len());
        for (a, (_, t)) in invoke.args.iter().zip(&ty.params) {
            args.push(arg(a, t).map_err(Error::Api)?);
        }
        func.call(store, &args)
    }
}

/// A script argument as a value of type `t`.
pub fn arg(a: &WastArg<'_>, t: &ValType) -> Result<Val, String> {
    match a {
        WastArg::Component(v) => val(v, t),
        WastArg::Core(WastArgCore::F32(f)) if *t == ValType::F32 => {
            Ok(Val::F32(f32::from_bits(f.bits)))
        }
        WastArg::Core(WastArgCore::F64(f)) if *t == ValType::F64 => {
            Ok(Val::F64(f64::from_bits(f.bits)))
        }
        other => Err(format!(
            "argument {other:?} is not a component value of type {t}"
        )),
    }
}

fn label_of<'a>(labels: impl Iterator<Item = &'a String>, name: &str) -> Option<String> {
    labels.into_iter().find(|l| *l == name).cloned()
}

/// A script value as a value of type `t`.
pub fn val(v: &WastVal<'_>, t: &ValType) -> Result<Val, String> {
    let bad = || Err(format!("{v:?} is not a value of type {t}"));
    Ok(match (v, t) {
        (WastVal::Bool(b), ValType::Bool) => Val::Bool(*b),
        (WastVal::U8(x), ValType::U8) => Val::U8(*x),
        (WastVal::S8(x), ValType::S8) => Val::S8(*x),
        (WastVal::U16(x), ValType::U16) => Val::U16(*x),
        (WastVal::S16(x), ValType::S16) => Val::S16(*x),
        (WastVal::U32(x), ValType::U32) => Val::U32(*x),
        (WastVal::S32(x), ValType::S32) => Val::S32(*x),
        (WastVal::U64(x), ValType::U64) => Val::U64(*x),
        (WastVal::S64(x), ValType::S64) => Val::S64(*x),
        (WastVal::F32(f), ValType::F32) => Val::F32(f32::from_bits(f.bits)),
        (WastVal::F64(f), ValType::F64) => Val::F64(f64::from_bits(f.bits)),
        (WastVal::Char(c), ValType::Char) => Val::Char(*c),
        (WastVal::String(s), ValType::String) => Val::String((*s).into()),
        (WastVal::List(vs), ValType::List(l)) => {
            Val::List(vs.iter().map(|v| val(v, &l.t)).collect::<Result<_, _>>()?)
        }
        (WastVal::List(vs), ValType::Map(m)) => {
            let mut entries = Vec::new();
            for e in vs {
                let WastVal::Tuple(kv) = e else { return bad() };
                let [k, v] = kv.as_slice() else { return bad() };
                entries.push((val(k, &m.k)?, val(v, &m.v)?));
            }
            Val::Map(entries)
        }
        (WastVal::Record(fs), ValType::Record(r)) => {
            if fs.len() != r.fields.len() {
                return bad();
            }
            let mut out = Vec::new();
            for ((name, v), f) in fs.iter().zip(&r.fields) {
                if *name != f.label {
                    return bad();
                }
                out.push((f.label.clone(), val(v, &f.t)?));
            }
            Val::Record(out)
        }
        (WastVal::Tuple(vs), ValType::Tuple(tt)) => {
            if vs.len() != tt.ts.len() {
                return bad();
            }
            Val::Tuple(
                vs.iter()
                    .zip(&tt.ts)
                    .map(|(v, t)| val(v, t))
                    .collect::<Result<_, _>>()?,
            )
        }
        (WastVal::Variant(name, payload), ValType::Variant(vt)) => {
            let Some(case) = vt.cases.iter().find(|c| c.label == *name) else {
                return bad();
            };
            let payload = match (payload, &case.t) {
                (None, None) => None,
                (Some(p), Some(ct)) => Some(Box::new(val(p, ct)?)),
                _ => return bad(),
            };
            Val::Variant(case.label.clone(), payload)
        }
        (WastVal::Enum(name), ValType::Enum(e)) => match label_of(e.labels.iter(), name) {
            Some(l) => Val::Enum(l),
            None => return bad(),
        },
        (WastVal::Option(o), ValType::Option(ot)) => Val::Option(match o {
            None => None,
            Some(v) => Some(Box::new(val(v, &ot.t)?)),
        }),
        (WastVal::Result(r), ValType::Result(rt)) => {
            let one = |v: &Option<Box<WastVal<'_>>>,
                       t: &Option<ValType>|
             -> Result<Option<Box<Val>>, String> {
                match (v, t) {
                    (None, None) => Ok(None),
                    (Some(v), Some(t)) => Ok(Some(Box::new(val(v, t)?))),
                    _ => Err(format!("{v:?} does not match result type {rt:?}")),
                }
            };
            Val::Result(match r {
                Ok(v) => Ok(one(v, &rt.ok)?),
                Err(v) => Err(one(v, &rt.error)?),
            })
        }
        (WastVal::Flags(names), ValType::Flags(ft)) => {
            let mut set = Vec::new();
            for n in names {
                match label_of(ft.labels.iter(), n) {
                    Some(l) => set.push(l),
                    None => return bad(),
                }
            }
            Val::Flags(set)
        }
        _ => return bad(),
    })
}

fn float32_matches(expected_bits: u32, actual: f32) -> bool {
    // The Canonical ABI has one NaN: any NaN result matches a NaN pattern.
    let e = f32::from_bits(expected_bits);
    if e.is_nan() {
        actual.is_nan()
    } else {
        actual.to_bits() == expected_bits
    }
}

fn float64_matches(expected_bits: u64, actual: f64) -> bool {
    let e = f64::from_bits(expected_bits);
    if e.is_nan() {
        actual.is_nan()
    } else {
        actual.to_bits() == expected_bits
    }
}

/// Whether a result matches an expected script value.
pub fn matches(expected: &WastVal<'_>, actual: &Val) -> bool {
    let opt = |e: &Option<Box<WastVal<'_>>>, a: &Option<Box<Val>>| match (e, a) {
        (None, None) => true,
        (Some(e), Some(a)) => matches(e, a),
        _ => false,
    };
    match (expected, actual) {
        (WastVal::Bool(e), Val::Bool(a)) => e == a,
        (WastVal::U8(e), Val::U8(a)) => e == a,
        (WastVal::S8(e), Val::S8(a)) => e == a,
        (WastVal::U16(e), Val::U16(a)) => e == a,
        (WastVal::S16(e), Val::S16(a)) => e == a,
        (WastVal::U32(e), Val::U32(a)) => e == a,
        (WastVal::S32(e), Val::S32(a)) => e == a,
        (WastVal::U64(e), Val::U64(a)) => e == a,
        (WastVal::S64(e), Val::S64(a)) => e == a,
        (WastVal::F32(e), Val::F32(a)) => float32_matches(e.bits, *a),
        (WastVal::F64(e), Val::F64(a)) => float64_matches(e.bits, *a),
        (WastVal::Char(e), Val::Char(a)) => e == a,
        (WastVal::String(e), Val::String(a)) => *e == a.as_str(),
        (WastVal::List(es), Val::List(as_)) | (WastVal::Tuple(es), Val::Tuple(as_)) => {
            es.len() == as_.len() && es.iter().zip(as_).all(|(e, a)| matches(e, a))
        }
        (WastVal::List(es), Val::Map(entries)) => {
            es.len() == entries.len()
                && es.iter().zip(entries).all(|(e, (k, v))| match e {
                    WastVal::Tuple(kv) if kv.len() == 2 => matches(&kv[0], k) && matches(&kv[1], v),
                    _ => false,
                })
        }
        (WastVal::Record(es), Val::Record(as_)) => {
            es.len() == as_.len()
                && es
                    .iter()
                    .zip(as_)
                    .all(|((en, e), (an, a))| en == an && matches(e, a))
        }
        (WastVal::Variant(en, e), Val::Variant(an, a)) => en == an && opt(e, a),
        (WastVal::Enum(e), Val::Enum(a)) => e == a,
        (WastVal::Option(e), Val::Option(a)) => opt(e, a),
        (WastVal::Result(Ok(e)), Val::Result(Ok(a)))
        | (WastVal::Result(Err(e)), Val::Result(Err(a))) => opt(e, a),
        (WastVal::Flags(es), Val::Flags(as_)) => {
            es.len() == as_.len() && es.iter().all(|e| as_.iter().any(|a| a == e))
        }
        _ => false,
    }
}

/// Whether a result matches an expected pattern (component values, or the
/// core float patterns scripts also use for `f32`/`f64` results).
pub fn ret_matches(expected: &WastRet<'_>, actual: &Val) -> Result<bool, String> {
    Ok(match (expected, actual) {
        (WastRet::Component(e), a) => matches(e, a),
        (WastRet::Core(WastRetCore::F32(p)), Val::F32(a)) => match p {
            NanPattern::CanonicalNan | NanPattern::ArithmeticNan => a.is_nan(),
            NanPattern::Value(v) => float32_matches(v.bits, *a),
        },
        (WastRet::Core(WastRetCore::F64(p)), Val::F64(a)) => match p {
            NanPattern::CanonicalNan | NanPattern::ArithmeticNan => a.is_nan(),
            NanPattern::Value(v) => float64_matches(v.bits, *a),
        },
        (other, _) => {
            return Err(format!(
                "result pattern {other:?} does not apply to a component function"
            ));
        }
    })
}

/// Renders an expected script value the way results are shown.
pub fn show_wast_val(v: &WastVal<'_>) -> String {
    let seq = |vs: &[WastVal<'_>]| vs.iter().map(show_wast_val).collect::<Vec<_>>().join(", ");
    let opt = |v: &Option<Box<WastVal<'_>>>| {
        v.as_ref()
            .map(|v| format!("({})", show_wast_val(v)))
            .unwrap_or_default()
    };
    match v {
        WastVal::Bool(b) => b.to_string(),
        WastVal::U8(x) => x.to_string(),
        WastVal::S8(x) => x.to_string(),
        WastVal::U16(x) => x.to_string(),
        WastVal::S16(x) => x.to_string(),
        WastVal::U32(x) => x.to_string(),
        WastVal::S32(x) => x.to_string(),
        WastVal::U64(x) => x.to_string(),
        WastVal::S64(x) => x.to_string(),
        WastVal::F32(f) => Val::F32(f32::from_bits(f.bits)).to_string(),
        WastVal::F64(f) => Val::F64(f64::from_bits(f.bits)).to_string(),
        WastVal::Char(c) => format!("{c:?}"),
        WastVal::String(s) => format!("{s:?}"),
        WastVal::List(vs) => format!("[{}]", seq(vs)),
        WastVal::Tuple(vs) => format!("({})", seq(vs)),
        WastVal::Record(fs) => format!(
            "{{{}}}",
            fs.iter()
                .map(|(n, v)| format!("{n}: {}", show_wast_val(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        WastVal::Variant(n, p) => format!("{n}{}", opt(p)),
        WastVal::Enum(n) => n.to_string(),
        WastVal::Option(None) => "none".into(),
        WastVal::Option(Some(v)) => format!("some({})", show_wast_val(v)),
        WastVal::Result(Ok(v)) => format!("ok{}", opt(v)),
        WastVal::Result(Err(v)) => format!("err{}", opt(v)),
        WastVal::Flags(fs) => format!("{{{}}}", fs.join(", ")),
    }
}

/// Renders an expected component result for failure messages.
pub fn show_expected(expected: &WastRet<'_>) -> String {
    match expected {
        WastRet::Component(v) => show_wast_val(v),
        other => format!("{other:?}"),
    }
}

/// Renders component results for failure messages.
pub fn show_all(vals: &[Val]) -> String {
    let parts: Vec<String> = vals.iter().map(|v| v.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// The official suite's `assert_trap` messages are wasmtime's wording,
/// which differs for the same spec rule depending on where wasmtime checks
/// it (host-side lifting, or its fused adapters). cmref has one message per
/// rule; these are the wasmtime phrasings that name a rule cmref words
/// differently, with what cmref's message for that rule contains.
pub const TRAP_ALIASES: &[(&str, &[&str])] = &[
    (
        "string content out-of-bounds",
        &["string pointer/length out of bounds of memory"],
    ),
    (
        "list content out-of-bounds",
        &[
            "list content out of bounds of memory",
            "realloc return: beyond end of memory",
        ],
    ),
    // Wasmtime's wording of the core `unreachable` trap, when a component
    // call reaches one.
    ("wasm `unreachable` instruction executed", &["unreachable"]),
    (
        "realloc return: result not aligned",
        &["unaligned pointer: realloc returned"],
    ),
];

/// Whether a component trap matches an `assert_trap` message: the message
/// contains the expected text (after wasmtime's `wasm trap: ` prefix), or
/// the expected text is an alias (see [`TRAP_ALIASES`]) of the rule that
/// trapped.
pub fn trap_matches(expected: &str, trap: &Trap) -> bool {
    let expected = expected.strip_prefix("wasm trap: ").unwrap_or(expected);
    trap.message.contains(expected)
        || TRAP_ALIASES
            .iter()
            .any(|(e, alts)| *e == expected && alts.iter().any(|a| trap.message.contains(a)))
}

/// Whether bytes are a component binary (rather than a core module).
pub fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [1, 0]
}

/// The component features a script needs on top of its core ones.
pub fn features() -> cmref_interp::WasmFeatures {
    component::component_model_features()
}
