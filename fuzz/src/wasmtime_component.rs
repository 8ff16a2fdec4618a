//! Running a `component_values` case in Wasmtime, through its dynamic
//! component `Val` API.

use std::sync::OnceLock;
use wasmtime::component::{Component, Linker, Val};

use wasmtime::{Config, Engine, OptLevel, Store};

use crate::component_values::{Case, Run, Value};

fn to_val(v: &Value) -> Val {
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
        Value::F32(x) => Val::Float32(f32::from_bits(*x)),
        Value::F64(x) => Val::Float64(f64::from_bits(*x)),
        Value::Char(x) => Val::Char(*x),
        Value::String(s) => Val::String(s.clone()),
        Value::List(vs) => Val::List(vs.iter().map(to_val).collect()),
        Value::FixedList(vs) => Val::FixedLengthList(vs.iter().map(to_val).collect()),
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
        Val::Float32(x) => Value::F32(x.to_bits()),
        Val::Float64(x) => Value::F64(x.to_bits()),
        Val::Char(x) => Value::Char(*x),
        Val::String(s) => Value::String(s.clone()),
        Val::List(vs) | Val::FixedLengthList(vs) => {
            Value::List(vs.iter().map(from_val).collect::<Result<_, _>>()?)
        }
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
        other => return Err(format!("unexpected value {other:?}")),
    })
}

/// One engine for every input (see `wasmtime_side::engine`).
fn engine() -> Option<&'static Engine> {
    static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = Config::new();
            config.cranelift_opt_level(OptLevel::None);
            config.wasm_component_model(true);
            config.wasm_component_model_fixed_length_lists(true);
            Engine::new(&config).ok()
        })
        .as_ref()
}

pub fn run(case: &Case) -> Run {
    let Some(engine) = engine() else {
        return Run::Rejected("the Wasmtime engine could not be created".into());
    };
    let component = match Component::new(engine, &case.wasm) {
        Ok(c) => c,
        Err(e) => return Run::Rejected(format!("{e:#}")),
    };
    let mut store = Store::new(engine, ());
    let instance = match Linker::new(engine).instantiate(&mut store, &component) {
        Ok(i) => i,
        Err(e) => return Run::NotInstantiated(format!("{e:#}")),
    };
    let args: Vec<Val> = case.args.iter().map(to_val).collect();
    let mut call = |outer: &str, name: &str| -> Result<Value, String> {
        let index = instance
            .get_export_index(&mut store, None, outer)
            .and_then(|i| instance.get_export_index(&mut store, Some(&i), name))
            .ok_or_else(|| format!("no function {outer}.{name}"))?;
        let func = instance
            .get_func(&mut store, index)
            .ok_or_else(|| format!("{outer}.{name} is not a function"))?;
        let mut results = vec![Val::Bool(false)];
        func.call(&mut store, &args, &mut results)
            .map_err(|e| format!("{e:#}"))?;
        from_val(&results[0])
    };
    let f = call("a", "f");
    let g = call("b", "g");
    Run::Ran { f, g }
}
