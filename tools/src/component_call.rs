//! `--invoke` for components: a WAVE call (`concat("a", "b")`) against an
//! export, found by its full name, with arguments and results in WAVE (the
//! `wasm-wave` crate).

use cmref_interp::component::{Exports, Func, Val, ValType};
use wasm_wave::value::{Type, Value};
use wasm_wave::wasm::{WasmTypeKind, WasmValue};

pub use crate::core_call::split_call;

/// The names a function inside exported instances answers to: the export
/// names joined with `#` (`wasi:cli/run@0.2.0#run`), and WAVE's
/// `iface.func` form (`wasi:cli/run.run@0.2.0`) for a function of an
/// exported instance.
pub fn names(path: &[String]) -> Vec<String> {
    let mut out = vec![path.join("#")];
    if let [iface, func] = path {
        match iface.split_once('@') {
            Some((base, version)) => out.push(format!("{base}.{func}@{version}")),
            None => out.push(format!("{iface}.{func}")),
        }
    }
    out
}

/// Finds an exported function by name.
pub fn find_func(exports: &Exports, name: &str) -> Option<Func> {
    if let Some(f) = exports.get_func(name) {
        return Some(f);
    }
    exports
        .funcs()
        .into_iter()
        .find(|(path, _)| names(path).iter().any(|n| n == name))
        .map(|(_, f)| f)
}

/// The WAVE type of a component value type (WAVE has no maps or handles).
pub fn wave_type(t: &ValType) -> Result<Type, String> {
    Ok(match t {
        ValType::Bool => Type::BOOL,
        ValType::S8 => Type::S8,
        ValType::U8 => Type::U8,
        ValType::S16 => Type::S16,
        ValType::U16 => Type::U16,
        ValType::S32 => Type::S32,
        ValType::U32 => Type::U32,
        ValType::S64 => Type::S64,
        ValType::U64 => Type::U64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::Char => Type::CHAR,
        ValType::String => Type::STRING,
        ValType::List(l) => match l.l {
            Some(n) => Type::fixed_length_list(wave_type(&l.t)?, n),
            None => Type::list(wave_type(&l.t)?),
        },
        ValType::Record(r) => {
            let mut fields = Vec::new();
            for f in &r.fields {
                fields.push((f.label.clone(), wave_type(&f.t)?));
            }
            Type::record(fields).ok_or("an empty record")?
        }
        ValType::Tuple(t) => {
            let ts = t.ts.iter().map(wave_type).collect::<Result<Vec<_>, _>>()?;
            Type::tuple(ts).ok_or("an empty tuple")?
        }
        ValType::Variant(v) => {
            let mut cases = Vec::new();
            for c in &v.cases {
                cases.push((c.label.clone(), c.t.as_ref().map(wave_type).transpose()?));
            }
            Type::variant(cases).ok_or("an empty variant")?
        }
        ValType::Enum(e) => Type::enum_ty(e.labels.clone()).ok_or("an empty enum")?,
        ValType::Option(o) => Type::option(wave_type(&o.t)?),
        ValType::Result(r) => Type::result(
            r.ok.as_ref().map(wave_type).transpose()?,
            r.error.as_ref().map(wave_type).transpose()?,
        ),
        ValType::Flags(f) => Type::flags(f.labels.clone()).ok_or("empty flags")?,
        other => return Err(format!("WAVE has no syntax for values of type `{other}`")),
    })
}

/// A parsed WAVE value as a component value of type `t`.
pub fn from_wave(v: &Value, t: &ValType) -> Result<Val, String> {
    let kind = v.kind();
    Ok(match (kind, t) {
        (WasmTypeKind::Bool, ValType::Bool) => Val::Bool(v.unwrap_bool()),
        (WasmTypeKind::S8, ValType::S8) => Val::S8(v.unwrap_s8()),
        (WasmTypeKind::U8, ValType::U8) => Val::U8(v.unwrap_u8()),
        (WasmTypeKind::S16, ValType::S16) => Val::S16(v.unwrap_s16()),
        (WasmTypeKind::U16, ValType::U16) => Val::U16(v.unwrap_u16()),
        (WasmTypeKind::S32, ValType::S32) => Val::S32(v.unwrap_s32()),
        (WasmTypeKind::U32, ValType::U32) => Val::U32(v.unwrap_u32()),
        (WasmTypeKind::S64, ValType::S64) => Val::S64(v.unwrap_s64()),
        (WasmTypeKind::U64, ValType::U64) => Val::U64(v.unwrap_u64()),
        (WasmTypeKind::F32, ValType::F32) => Val::F32(v.unwrap_f32()),
        (WasmTypeKind::F64, ValType::F64) => Val::F64(v.unwrap_f64()),
        (WasmTypeKind::Char, ValType::Char) => Val::Char(v.unwrap_char()),
        (WasmTypeKind::String, ValType::String) => Val::String(v.unwrap_string().as_ref().into()),
        (WasmTypeKind::List | WasmTypeKind::FixedLengthList, ValType::List(l)) => Val::List(
            v.unwrap_list()
                .map(|e| from_wave(&e, &l.t))
                .collect::<Result<_, _>>()?,
        ),
        (WasmTypeKind::Record, ValType::Record(r)) => {
            let mut out = Vec::new();
            for ((name, e), f) in v.unwrap_record().zip(&r.fields) {
                if name != f.label {
                    return Err(format!("field `{name}` where `{}` belongs", f.label));
                }
                out.push((f.label.clone(), from_wave(&e, &f.t)?));
            }
            Val::Record(out)
        }
        (WasmTypeKind::Tuple, ValType::Tuple(tt)) => Val::Tuple(
            v.unwrap_tuple()
                .zip(&tt.ts)
                .map(|(e, t)| from_wave(&e, t))
                .collect::<Result<_, _>>()?,
        ),
        (WasmTypeKind::Variant, ValType::Variant(vt)) => {
            let (name, payload) = v.unwrap_variant();
            let case = vt
                .cases
                .iter()
                .find(|c| c.label == name)
                .ok_or_else(|| format!("no case `{name}`"))?;
            let payload = match (payload, &case.t) {
                (Some(p), Some(ct)) => Some(Box::new(from_wave(&p, ct)?)),
                _ => None,
            };
            Val::Variant(case.label.clone(), payload)
        }
        (WasmTypeKind::Enum, ValType::Enum(_)) => Val::Enum(v.unwrap_enum().into_owned()),
        (WasmTypeKind::Option, ValType::Option(o)) => Val::Option(match v.unwrap_option() {
            Some(e) => Some(Box::new(from_wave(&e, &o.t)?)),
            None => None,
        }),
        (WasmTypeKind::Result, ValType::Result(r)) => {
            let one = |e: Option<std::borrow::Cow<'_, Value>>,
                       t: &Option<ValType>|
             -> Result<Option<Box<Val>>, String> {
                match (e, t) {
                    (Some(e), Some(t)) => Ok(Some(Box::new(from_wave(&e, t)?))),
                    _ => Ok(None),
                }
            };
            Val::Result(match v.unwrap_result() {
                Ok(e) => Ok(one(e, &r.ok)?),
                Err(e) => Err(one(e, &r.error)?),
            })
        }
        (WasmTypeKind::Flags, ValType::Flags(_)) => {
            Val::Flags(v.unwrap_flags().map(|f| f.into_owned()).collect())
        }
        _ => return Err(format!("a WAVE {kind} is not a value of type `{t}`")),
    })
}

/// A component value as WAVE text.
pub fn to_wave(v: &Val, t: &ValType) -> Result<String, String> {
    match v {
        Val::Own(r) => return Ok(format!("own<{}>(rep {})", r.ty, r.rep)),
        Val::Borrow(r) => return Ok(format!("borrow<{}>(rep {})", r.ty, r.rep)),
        Val::Map(_) => return Ok(v.to_string()),
        _ => {}
    }
    let value = to_value(v, t)?;
    wasm_wave::to_string(&value).map_err(|e| e.to_string())
}

fn to_value(v: &Val, t: &ValType) -> Result<Value, String> {
    let err = |e: wasm_wave::wasm::WasmValueError| e.to_string();
    let ty = wave_type(t)?;
    Ok(match (v, t) {
        (Val::Bool(x), _) => Value::make_bool(*x),
        (Val::S8(x), _) => Value::make_s8(*x),
        (Val::U8(x), _) => Value::make_u8(*x),
        (Val::S16(x), _) => Value::make_s16(*x),
        (Val::U16(x), _) => Value::make_u16(*x),
        (Val::S32(x), _) => Value::make_s32(*x),
        (Val::U32(x), _) => Value::make_u32(*x),
        (Val::S64(x), _) => Value::make_s64(*x),
        (Val::U64(x), _) => Value::make_u64(*x),
        (Val::F32(x), _) => Value::make_f32(*x),
        (Val::F64(x), _) => Value::make_f64(*x),
        (Val::Char(c), _) => Value::make_char(*c),
        (Val::String(s), _) => Value::make_string(s.as_str().into()),
        (Val::List(vs), ValType::List(l)) => {
            let vals = vs
                .iter()
                .map(|e| to_value(e, &l.t))
                .collect::<Result<Vec<_>, _>>()?;
            Value::make_list(&ty, vals).map_err(err)?
        }
        (Val::Record(fs), ValType::Record(r)) => {
            let mut vals = Vec::new();
            for ((n, e), f) in fs.iter().zip(&r.fields) {
                vals.push((n.as_str(), to_value(e, &f.t)?));
            }
            Value::make_record(&ty, vals).map_err(err)?
        }
        (Val::Tuple(vs), ValType::Tuple(tt)) => {
            let vals = vs
                .iter()
                .zip(&tt.ts)
                .map(|(e, t)| to_value(e, t))
                .collect::<Result<Vec<_>, _>>()?;
            Value::make_tuple(&ty, vals).map_err(err)?
        }
        (Val::Variant(name, payload), ValType::Variant(vt)) => {
            let case = vt
                .cases
                .iter()
                .find(|c| c.label == *name)
                .ok_or("unknown case")?;
            let payload = match (payload, &case.t) {
                (Some(p), Some(ct)) => Some(to_value(p, ct)?),
                _ => None,
            };
            Value::make_variant(&ty, name, payload).map_err(err)?
        }
        (Val::Enum(name), _) => Value::make_enum(&ty, name).map_err(err)?,
        (Val::Option(o), ValType::Option(ot)) => {
            let inner = match o {
                Some(e) => Some(to_value(e, &ot.t)?),
                None => None,
            };
            Value::make_option(&ty, inner).map_err(err)?
        }
        (Val::Result(r), ValType::Result(rt)) => {
            let one =
                |e: &Option<Box<Val>>, t: &Option<ValType>| -> Result<Option<Value>, String> {
                    match (e, t) {
                        (Some(e), Some(t)) => Ok(Some(to_value(e, t)?)),
                        _ => Ok(None),
                    }
                };
            let r = match r {
                Ok(e) => Ok(one(e, &rt.ok)?),
                Err(e) => Err(one(e, &rt.error)?),
            };
            Value::make_result(&ty, r).map_err(err)?
        }
        (Val::Flags(set), _) => {
            Value::make_flags(&ty, set.iter().map(|s| s.as_str())).map_err(err)?
        }
        _ => return Err(format!("value {v} does not have type `{t}`")),
    })
}

/// Parses the `(args...)` of a call against the parameter types.
pub fn parse_args(args: &str, params: &[(String, ValType)]) -> Result<Vec<Val>, String> {
    let types = params
        .iter()
        .map(|(_, t)| wave_type(t))
        .collect::<Result<Vec<_>, _>>()?;
    // The name was resolved already; WAVE parses a call with a plain name.
    let call = format!("f{args}");
    let parsed = wasm_wave::untyped::UntypedFuncCall::parse(&call)
        .map_err(|e| format!("cannot parse the arguments `{args}`: {e}"))?;
    let values: Vec<Value> = parsed
        .to_wasm_params(&types)
        .map_err(|e| format!("cannot parse the arguments `{args}`: {e}"))?;
    values
        .iter()
        .zip(params)
        .enumerate()
        .map(|(i, (v, (name, t)))| {
            from_wave(v, t).map_err(|e| format!("argument {} (`{name}`): {e}", i + 1))
        })
        .collect()
}
