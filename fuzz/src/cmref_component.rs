//! Running a `component_values` case in cmref.

use cmref_interp::component::{self, Component, Linker, Resource, ResourceType, Str, Val};
use cmref_interp::{Config, Engine, Store};

use crate::component_values::{Case, Run, Value};
use crate::{FUEL, MEMORY_LIMIT};

/// The cmref value of `v`; handles are of the resource type `r` (cmref's
/// host holds a handle as its representation, as the spec's values in
/// transit are).
fn to_val(v: &Value, r: &ResourceType) -> Val {
    let to_val = |v: &Value| to_val(v, r);
    match v {
        Value::Bool(x) => Val::Bool(*x),
        Value::S8(x) => Val::S8(*x),
        Value::U8(x) => Val::U8(*x),
        Value::S16(x) => Val::S16(*x),
        Value::U16(x) => Val::U16(*x),
        Value::S32(x) => Val::S32(*x),
        Value::U32(x) => Val::U32(*x),
        Value::S64(x) => Val::S64(*x),
        Value::U64(x) => Val::U64(*x),
        Value::F32(x) => Val::F32(f32::from_bits(*x)),
        Value::F64(x) => Val::F64(f64::from_bits(*x)),
        Value::Char(x) => Val::Char(*x),
        Value::String(s) => Val::String(Str::new(s.clone())),
        Value::List(vs) | Value::FixedList(vs) => Val::List(vs.iter().map(to_val).collect()),
        Value::Record(fs) => Val::Record(fs.iter().map(|(n, v)| (n.clone(), to_val(v))).collect()),
        Value::Tuple(vs) => Val::Tuple(vs.iter().map(to_val).collect()),
        Value::Variant(c, p) => Val::Variant(c.clone(), p.as_ref().map(|v| Box::new(to_val(v)))),
        Value::Enum(c) => Val::Enum(c.clone()),
        Value::Option(o) => Val::Option(o.as_ref().map(|v| Box::new(to_val(v)))),
        Value::Result(r) => Val::Result(match r {
            Ok(v) => Ok(v.as_ref().map(|v| Box::new(to_val(v)))),
            Err(v) => Err(v.as_ref().map(|v| Box::new(to_val(v)))),
        }),
        Value::Flags(fs) => Val::Flags(fs.clone()),
        Value::Own(rep) => Val::Own(Resource { ty: *r, rep: *rep }),
        Value::Borrow(rep) => Val::Borrow(Resource { ty: *r, rep: *rep }),
    }
}

fn from_val(v: &Val) -> Result<Value, String> {
    let boxed = |v: &Option<Box<Val>>| -> Result<Option<Box<Value>>, String> {
        v.as_ref().map(|v| from_val(v).map(Box::new)).transpose()
    };
    Ok(match v {
        Val::Bool(x) => Value::Bool(*x),
        Val::S8(x) => Value::S8(*x),
        Val::U8(x) => Value::U8(*x),
        Val::S16(x) => Value::S16(*x),
        Val::U16(x) => Value::U16(*x),
        Val::S32(x) => Value::S32(*x),
        Val::U32(x) => Value::U32(*x),
        Val::S64(x) => Value::S64(*x),
        Val::U64(x) => Value::U64(*x),
        Val::F32(x) => Value::F32(x.to_bits()),
        Val::F64(x) => Value::F64(x.to_bits()),
        Val::Char(x) => Value::Char(*x),
        Val::String(s) => Value::String(s.as_str().to_string()),
        Val::List(vs) => Value::List(vs.iter().map(from_val).collect::<Result<_, _>>()?),
        Val::Record(fs) => Value::Record(
            fs.iter()
                .map(|(n, v)| Ok((n.clone(), from_val(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Val::Tuple(vs) => Value::Tuple(vs.iter().map(from_val).collect::<Result<_, _>>()?),
        Val::Variant(c, p) => Value::Variant(c.clone(), boxed(p)?),
        Val::Enum(c) => Value::Enum(c.clone()),
        Val::Option(o) => Value::Option(boxed(o)?),
        Val::Result(r) => Value::Result(match r {
            Ok(v) => Ok(boxed(v)?),
            Err(v) => Err(boxed(v)?),
        }),
        Val::Flags(fs) => {
            let mut fs = fs.clone();
            fs.sort();
            Value::Flags(fs)
        }
        Val::Own(r) => Value::Own(r.rep),
        other => return Err(format!("unexpected value {other:?}")),
    })
}

pub fn run(case: &Case) -> Run {
    let mut config = Config::default()
        .features(component::features())
        .fuel(Some(FUEL))
        .max_memory_bytes(MEMORY_LIMIT);
    config.max_value_bytes = MEMORY_LIMIT;
    let engine = Engine::new(config);
    let component = match Component::new(&engine, &case.wasm) {
        Ok(c) => c,
        Err(e) => return Run::Rejected(e.to_string()),
    };
    let mut store = Store::new(&engine);
    let instance = match Linker::new().instantiate(&mut store, &component) {
        Ok(i) => i,
        Err(e) => return Run::NotInstantiated(e.to_string()),
    };
    let mut call = |path: [&str; 2], args: &[Val]| -> Result<Val, String> {
        let func = instance
            .exports()
            .get_func_path(&path)
            .ok_or_else(|| format!("no function {path:?}"))?;
        let _ = store.set_fuel(FUEL);
        let mut results = func.call(&mut store, args).map_err(|e| e.to_string())?;
        match results.pop() {
            Some(v) if results.is_empty() => Ok(v),
            _ => Err(format!("{} results", results.len() + 1)),
        }
    };
    // The resource type `r`, from a handle that `a.make` returns.
    let r = match call(["a", "make"], &[Val::U32(0)]) {
        Ok(Val::Own(r)) => r.ty,
        other => return Run::NotInstantiated(format!("`a.make` returned {other:?}")),
    };
    let args: Vec<Val> = case.args.iter().map(|v| to_val(v, &r)).collect();
    let f = call(["a", "f"], &args).and_then(|v| from_val(&v));
    let g = call(["b", "g"], &args).and_then(|v| from_val(&v));
    Run::Ran { f, g }
}
