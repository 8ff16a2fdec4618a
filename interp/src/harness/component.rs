//! Components for property tests and fuzzers: a default value of every
//! component value type, a driver that instantiates a component without
//! imports and calls each export, and small valid components (as text) to
//! mutate.

use crate::component::{Component, Linker, Val, ValType};
use crate::config::Engine;
use crate::runtime::store::Store;

/// A value of each type (the first case, zero, empty), or `None` for
/// handles, which only an instance can make.
pub fn default_val(t: &ValType) -> Option<Val> {
    Some(match t {
        ValType::Bool => Val::Bool(false),
        ValType::S8 => Val::S8(0),
        ValType::U8 => Val::U8(0),
        ValType::S16 => Val::S16(0),
        ValType::U16 => Val::U16(0),
        ValType::S32 => Val::S32(0),
        ValType::U32 => Val::U32(0),
        ValType::S64 => Val::S64(0),
        ValType::U64 => Val::U64(0),
        ValType::F32 => Val::F32(0.0),
        ValType::F64 => Val::F64(0.0),
        ValType::Char => Val::Char('x'),
        ValType::String => Val::String("ab".into()),
        ValType::List(l) => match l.l {
            Some(n) => Val::List((0..n).map(|_| default_val(&l.t)).collect::<Option<_>>()?),
            None => Val::List(vec![default_val(&l.t)?]),
        },
        ValType::Record(r) => Val::Record(
            r.fields
                .iter()
                .map(|f| Some((f.label.clone(), default_val(&f.t)?)))
                .collect::<Option<_>>()?,
        ),
        ValType::Tuple(t) => Val::Tuple(t.ts.iter().map(default_val).collect::<Option<_>>()?),
        ValType::Variant(v) => {
            let c = v.cases.first()?;
            Val::Variant(
                c.label.clone(),
                match &c.t {
                    Some(t) => Some(Box::new(default_val(t)?)),
                    None => None,
                },
            )
        }
        ValType::Enum(e) => Val::Enum(e.labels.first()?.clone()),
        ValType::Option(o) => Val::Option(Some(Box::new(default_val(&o.t)?))),
        ValType::Result(r) => Val::Result(Ok(match &r.ok {
            Some(t) => Some(Box::new(default_val(t)?)),
            None => None,
        })),
        ValType::Flags(f) => Val::Flags(f.labels.iter().take(1).cloned().collect()),
        ValType::Map(m) => Val::Map(vec![(default_val(&m.k)?, default_val(&m.v)?)]),
        _ => return None,
    })
}

/// Decodes, instantiates (without imports) and calls every exported
/// function (twice: the second call meets whatever the first left behind).
pub fn exercise(engine: &Engine, bytes: &[u8], fuel: u64) -> &'static str {
    let Ok(component) = Component::new(engine, bytes) else {
        return "rejected";
    };
    let mut store = Store::new(engine);
    let Ok(instance) = Linker::new().instantiate(&mut store, &component) else {
        return "instantiation failed";
    };
    for _ in 0..2 {
        for (_, f) in instance.exports().funcs() {
            let Ok(ty) = f.ty(&store) else {
                continue;
            };
            let Some(args) = ty
                .params
                .iter()
                .map(|(_, t)| default_val(t))
                .collect::<Option<Vec<_>>>()
            else {
                continue;
            };
            let _ = store.set_fuel(fuel);
            let _ = f.call(&mut store, &args);
        }
    }
    "ran"
}

/// Small valid components to mutate: strings both ways, lists, variants,
/// resources, nested instances and calls between them.
pub const SEEDS: &[&str] = &[
    r#"(component
      (core module $M
        (memory (export "mem") 1)
        (global $n (mut i32) (i32.const 1024))
        (func (export "realloc") (param i32 i32 i32 i32) (result i32)
          (local $r i32) (local.set $r (global.get $n))
          (global.set $n (i32.add (global.get $n) (local.get 3))) (local.get $r))
        (func (export "echo") (param i32 i32) (result i32)
          (i32.store (i32.const 0) (local.get 0)) (i32.store (i32.const 4) (local.get 1)) (i32.const 0)))
      (core instance $i (instantiate $M))
      (func (export "s") (param "s" string) (result string)
        (canon lift (core func $i "echo") string-encoding=utf16 (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
      (func (export "l") (param "l" (list (tuple u8 string))) (result (list (tuple u8 string)))
        (canon lift (core func $i "echo") (memory (core memory $i "mem")) (realloc (core func $i "realloc")))))"#,
    r#"(component
      (type $v' (variant (case "a" u8) (case "b" f64) (case "c")))
      (export $v "v" (type $v'))
      (core module $M
        (memory (export "mem") 1)
        (func (export "f") (param i32 i64) (result i32)
          (i32.store8 (i32.const 8) (local.get 0)) (i64.store (i32.const 16) (local.get 1)) (i32.const 8)))
      (core instance $i (instantiate $M))
      (func (export "f") (param "x" $v) (result $v) (canon lift (core func $i "f") (memory (core memory $i "mem")))))"#,
    r#"(component
      (type $R (resource (rep i32)))
      (core func $new (canon resource.new $R))
      (core func $drop (canon resource.drop $R))
      (core func $rep (canon resource.rep $R))
      (core module $M
        (import "" "new" (func $new (param i32) (result i32)))
        (import "" "drop" (func $drop (param i32)))
        (import "" "rep" (func $rep (param i32) (result i32)))
        (func (export "f") (param i32) (result i32)
          (local $h i32) (local.set $h (call $new (local.get 0)))
          (call $drop (local.get $h)) (call $rep (local.get $h))))
      (core instance $i (instantiate $M (with "" (instance
        (export "new" (func $new)) (export "drop" (func $drop)) (export "rep" (func $rep))))))
      (func (export "f") (param "x" u32) (result u32) (canon lift (core func $i "f"))))"#,
    r#"(component
      (component $C
        (core module $M (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
        (core instance $m (instantiate $M))
        (func (export "f") (param "x" u32) (result u32) (canon lift (core func $m "f"))))
      (component $D
        (import "f" (func $f (param "x" u32) (result u32)))
        (core func $f' (canon lower (func $f)))
        (core module $M (import "" "f" (func $f (param i32) (result i32)))
          (func (export "g") (param i32) (result i32) (call $f (call $f (local.get 0)))))
        (core instance $m (instantiate $M (with "" (instance (export "f" (func $f'))))))
        (func (export "g") (param "x" u32) (result u32) (canon lift (core func $m "g"))))
      (instance $c (instantiate $C))
      (instance $d (instantiate $D (with "f" (func $c "f"))))
      (export "g" (func $d "g")))"#,
];
