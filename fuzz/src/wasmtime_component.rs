//! Running a `component_values` case in Wasmtime, through its dynamic
//! component `Val` API.

use std::sync::OnceLock;
use wasmtime::component::{Component, Func, Instance, Linker, Val};

use wasmtime::{Config, Engine, OptLevel, Store};

use crate::component_values::{Case, Run, Value};

/// The Wasmtime value of `v`; `handle` makes a handle of `r` with a given
/// representation (through `a.make`).
fn to_val(v: &Value, handle: &mut dyn FnMut(u32) -> Result<Val, String>) -> Result<Val, String> {
    let mut to_val = |v: &Value| to_val(v, handle);
    let mut boxed = |v: &Option<Box<Value>>| -> Result<Option<Box<Val>>, String> {
        v.as_ref().map(|v| to_val(v).map(Box::new)).transpose()
    };
    Ok(match v {
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
        Value::List(vs) => Val::List(vs.iter().map(to_val).collect::<Result<_, _>>()?),
        Value::FixedList(vs) => {
            Val::FixedLengthList(vs.iter().map(to_val).collect::<Result<_, _>>()?)
        }
        Value::Record(fs) => Val::Record(
            fs.iter()
                .map(|(n, v)| Ok((n.clone(), to_val(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Value::Tuple(vs) => Val::Tuple(vs.iter().map(to_val).collect::<Result<_, _>>()?),
        Value::Variant(c, p) => Val::Variant(c.clone(), boxed(p)?),
        Value::Enum(c) => Val::Enum(c.clone()),
        Value::Option(o) => Val::Option(boxed(o)?),
        Value::Result(r) => Val::Result(match r {
            Ok(v) => Ok(boxed(v)?),
            Err(v) => Err(boxed(v)?),
        }),
        Value::Flags(fs) => Val::Flags(fs.clone()),
        Value::Own(rep) | Value::Borrow(rep) => handle(*rep)?,
    })
}

/// The neutral value of `v`; `rep_of` reads a handle's representation
/// (through `a.rep-of`).
fn from_val(v: &Val, rep_of: &mut dyn FnMut(&Val) -> Result<u32, String>) -> Result<Value, String> {
    let mut from_val = |v: &Val| from_val(v, rep_of);
    let mut boxed = |v: &Option<Box<Val>>| -> Result<Option<Box<Value>>, String> {
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
            Value::List(vs.iter().map(&mut from_val).collect::<Result<_, _>>()?)
        }
        Val::Record(fs) => Value::Record(
            fs.iter()
                .map(|(n, v)| Ok((n.clone(), from_val(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Val::Tuple(vs) => Value::Tuple(vs.iter().map(&mut from_val).collect::<Result<_, _>>()?),
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
        Val::Resource(_) => Value::Own(rep_of(v)?),
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

/// The function `outer.name` of `instance`.
fn func(
    store: &mut Store<()>,
    instance: &Instance,
    outer: &str,
    name: &str,
) -> Result<Func, String> {
    let index = instance
        .get_export_index(&mut *store, None, outer)
        .and_then(|i| instance.get_export_index(&mut *store, Some(&i), name))
        .ok_or_else(|| format!("no function {outer}.{name}"))?;
    instance
        .get_func(&mut *store, index)
        .ok_or_else(|| format!("{outer}.{name} is not a function"))
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
    let funcs = ["f", "make", "rep-of"].map(|name| func(&mut store, &instance, "a", name));
    let [Ok(f), Ok(make), Ok(rep_of)] = funcs else {
        return Run::NotInstantiated(format!("the exports of `a`: {funcs:?}"));
    };
    let g = match func(&mut store, &instance, "b", "g") {
        Ok(g) => g,
        Err(e) => return Run::NotInstantiated(e),
    };
    let call = |store: &mut Store<()>, f: Func, args: &[Val]| -> Result<Val, String> {
        let mut results = vec![Val::Bool(false)];
        f.call(&mut *store, args, &mut results)
            .map_err(|e| format!("{e:#}"))?;
        Ok(results.pop().expect("one result"))
    };
    // Arguments are made afresh for each call: owned handles move.
    let run = |store: &mut Store<()>, func: Func| -> Result<Value, String> {
        let args = case
            .args
            .iter()
            .map(|v| to_val(v, &mut |rep| call(store, make, &[Val::U32(rep)])))
            .collect::<Result<Vec<_>, _>>()?;
        let result = call(store, func, &args)?;
        from_val(
            &result,
            &mut |h| match call(store, rep_of, std::slice::from_ref(h))? {
                Val::U32(rep) => Ok(rep),
                other => Err(format!("`rep-of` returned {other:?}")),
            },
        )
    };
    let f = run(&mut store, f);
    let g = run(&mut store, g);
    Run::Ran { f, g }
}
