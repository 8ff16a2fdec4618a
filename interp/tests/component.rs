//! The component embedding API: host functions and host resources through
//! the linker, typed values in and out, and the typed errors of linking
//! and calling.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use cmref_interp::component::{self, Component, Linker, Resource, ResourceType, Val, ValType};
use cmref_interp::{Config, Engine, Error, Store, Trap, TrapKind};

fn engine() -> Engine {
    Engine::new(Config::default().features(component::features()))
}

fn compile(engine: &Engine, wat: &str) -> Component {
    Component::new(engine, &wat::parse_str(wat).unwrap()).unwrap()
}

/// A guest that imports `greet: func(name: string) -> string` and a
/// record-taking function, and exports a function calling both.
const GREETER: &str = r#"(component
  (type $point' (record (field "x" u32) (field "y" u32)))
  (import "point" (type $point (eq $point')))
  (import "greet" (func $greet (param "name" string) (result string)))
  (import "norm" (func $norm (param "p" $point) (result u64)))
  (core module $Mem
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $r) (local.get 3)))
      (local.get $r)))
  (core instance $mem (instantiate $Mem))
  (core func $greet' (canon lower (func $greet) (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
  (core func $norm' (canon lower (func $norm)))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "greet" (func $greet (param i32 i32 i32)))
    (import "" "norm" (func $norm (param i32 i32) (result i64)))
    (data (i32.const 16) "cmref")
    ;; greet("cmref") and hand the answer back; the norm of (3, 4) goes to 40
    (func (export "run") (result i32)
      (call $greet (i32.const 16) (i32.const 5) (i32.const 32))
      (i64.store (i32.const 40) (call $norm (i32.const 3) (i32.const 4)))
      (i32.const 32)))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $mem "mem")) (export "greet" (func $greet')) (export "norm" (func $norm'))))))
  (func (export "run") (result (tuple string u64))
    (canon lift (core func $m "run") (memory (core memory $mem "mem"))))
)"#;

#[test]
fn host_functions_receive_and_return_typed_values() {
    let engine = engine();
    let component = compile(&engine, GREETER);
    let mut linker = Linker::new();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    linker
        .root()
        .func_new("greet", move |_, args| {
            log.lock().unwrap().push(args.to_vec());
            match args {
                [Val::String(name)] => Ok(vec![Val::String(format!("hello, {name}").into())]),
                _ => Err(Trap::host("bad arguments")),
            }
        })
        .unwrap()
        .func_new("norm", |_, args| match args {
            [Val::Record(fields)] => {
                let get = |i: usize| match fields[i].1 {
                    Val::U32(v) => v as u64,
                    _ => 0,
                };
                Ok(vec![Val::U64(get(0) * get(0) + get(1) * get(1))])
            }
            _ => Err(Trap::host("bad arguments")),
        })
        .unwrap();
    let mut store = Store::new(&engine);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func("run").unwrap();
    assert_eq!(
        run.ty(&store).unwrap().to_string(),
        "func() -> tuple<string, u64>"
    );
    let results = run.call(&mut store, &[]).unwrap();
    assert_eq!(
        results,
        vec![Val::Tuple(vec![
            Val::String("hello, cmref".into()),
            Val::U64(25)
        ])]
    );
    assert_eq!(
        calls.lock().unwrap().clone(),
        vec![vec![Val::String("cmref".into())]]
    );
}

/// Runs GREETER's `run` with this `greet` (and a trivial `norm`).
fn run_greeter(
    greet: impl Fn(&mut Store, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
) -> Result<Vec<Val>, Error> {
    let engine = engine();
    let component = compile(&engine, GREETER);
    let mut linker = Linker::new();
    linker.root().func_new("greet", greet)?;
    linker
        .root()
        .func_new("norm", |_, _| Ok(vec![Val::U64(0)]))?;
    let mut store = Store::new(&engine);
    let instance = linker.instantiate(&mut store, &component)?;
    instance.get_func("run").unwrap().call(&mut store, &[])
}

#[test]
fn a_host_function_returning_the_wrong_type_is_an_api_error() {
    let err = run_greeter(|_, _| Ok(vec![Val::U32(1)])).unwrap_err();
    assert!(
        matches!(&err, Error::Api(m) if m.contains("host function `greet` returned")),
        "{err}"
    );
}

#[test]
fn a_host_trap_unwinds_through_the_guest() {
    let err = run_greeter(|_, _| Err(Trap::host("no greetings today"))).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(
        (trap.kind, trap.message.as_str()),
        (TrapKind::Host, "no greetings today")
    );
    // The guest frame that called the import is in the backtrace.
    assert!(!trap.backtrace.is_empty());
}

#[test]
fn missing_and_mismatched_imports_are_unlinkable() {
    let engine = engine();
    let component = compile(&engine, GREETER);
    let mut store = Store::new(&engine);
    let err = Linker::new()
        .instantiate(&mut store, &component)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Unlinkable(m) if m.contains("unknown import `greet`")),
        "{err}"
    );

    let mut linker = Linker::new();
    let rt = ResourceType::host(&mut store, "thing", None);
    linker.root().resource("greet", rt).unwrap();
    let err = linker.instantiate(&mut store, &component).unwrap_err();
    assert!(
        matches!(&err, Error::Unlinkable(m) if m.contains("expects a func")),
        "{err}"
    );
}

#[test]
fn arguments_are_checked_against_the_parameter_types() {
    let engine = engine();
    let component = compile(
        &engine,
        r#"(component
          (core module $M (func (export "id") (param i32) (result i32) (local.get 0)))
          (core instance $m (instantiate $M))
          (func (export "id") (param "x" u8) (result u8) (canon lift (core func $m "id"))))"#,
    );
    let mut store = Store::new(&engine);
    let id = Linker::new()
        .instantiate(&mut store, &component)
        .unwrap()
        .get_func("id")
        .unwrap();
    assert_eq!(
        id.call(&mut store, &[Val::U8(7)]).unwrap(),
        vec![Val::U8(7)]
    );
    assert!(matches!(
        id.call(&mut store, &[Val::U32(7)]),
        Err(Error::Api(_))
    ));
    assert!(matches!(id.call(&mut store, &[]), Err(Error::Api(_))));
}

/// A guest that gets an owned handle of a host resource, asks for its rep
/// through a borrow, and drops it.
const HOST_RESOURCE: &str = r#"(component
  (import "file" (type $file (sub resource)))
  (import "open" (func $open (param "n" u32) (result (own $file))))
  (import "size" (func $size (param "f" (borrow $file)) (result u32)))
  (core func $open' (canon lower (func $open)))
  (core func $size' (canon lower (func $size)))
  (core func $drop (canon resource.drop $file))
  (core module $M
    (import "" "open" (func $open (param i32) (result i32)))
    (import "" "size" (func $size (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (func (export "run") (param $n i32) (result i32)
      (local $h i32) (local $s i32)
      (local.set $h (call $open (local.get $n)))
      (local.set $s (call $size (local.get $h)))
      (call $drop (local.get $h))
      (local.get $s)))
  (core instance $m (instantiate $M (with "" (instance
    (export "open" (func $open')) (export "size" (func $size')) (export "drop" (func $drop))))))
  (func (export "run") (param "n" u32) (result u32) (canon lift (core func $m "run")))
)"#;

#[test]
fn host_resources_are_lent_and_destroyed_through_the_guest() {
    let engine = engine();
    let component = compile(&engine, HOST_RESOURCE);
    let mut store = Store::new(&engine);
    let dropped = Arc::new(AtomicU32::new(0));
    let d = dropped.clone();
    let file = ResourceType::host(
        &mut store,
        "file",
        Some(Arc::new(move |_: &mut Store, rep: u32| {
            d.store(rep, Ordering::SeqCst);
            Ok(())
        })),
    );
    let mut linker = Linker::new();
    linker
        .root()
        .resource("file", file)
        .unwrap()
        .func_new("open", move |_, args| match args {
            [Val::U32(n)] => Ok(vec![Val::Own(Resource {
                ty: file,
                rep: n + 1000,
            })]),
            _ => Err(Trap::host("bad arguments")),
        })
        .unwrap()
        .func_new("size", move |_, args| match args {
            // lower_borrow into the host: the borrow carries the rep
            [Val::Borrow(r)] if r.ty == file => Ok(vec![Val::U32(r.rep * 2)]),
            _ => Err(Trap::host("bad arguments")),
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let run = instance.get_func("run").unwrap();
    assert_eq!(
        run.call(&mut store, &[Val::U32(7)]).unwrap(),
        vec![Val::U32(2014)]
    );
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1007,
        "the host destructor ran with the rep"
    );

    // A resource of another type cannot stand in for `file`.
    let other = ResourceType::host(&mut store, "other", None);
    let mut linker = Linker::new();
    linker.root().resource("file", file).unwrap();
    linker
        .root()
        .func_new("open", move |_, _| {
            Ok(vec![Val::Own(Resource { ty: other, rep: 1 })])
        })
        .unwrap();
    linker
        .root()
        .func_new("size", |_, _| Ok(vec![Val::U32(0)]))
        .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let err = instance
        .get_func("run")
        .unwrap()
        .call(&mut store, &[Val::U32(1)])
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err}");
}

#[test]
fn instances_nest_in_the_linker() {
    let engine = engine();
    let component = compile(
        &engine,
        r#"(component
          (import "wasi:random/random@0.2.0" (instance $r (export "get" (func (result u64)))))
          (core func $get (canon lower (func $r "get")))
          (core module $M
            (import "" "get" (func $get (result i64)))
            (func (export "twice") (result i64) (i64.add (call $get) (call $get))))
          (core instance $m (instantiate $M (with "" (instance (export "get" (func $get))))))
          (func (export "twice") (result u64) (canon lift (core func $m "twice"))))"#,
    );
    let mut linker = Linker::new();
    linker
        .root()
        .instance("wasi:random/random@0.2.0")
        .unwrap()
        .func_new("get", |_, _| Ok(vec![Val::U64(21)]))
        .unwrap();
    let mut store = Store::new(&engine);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let twice = instance.get_func("twice").unwrap();
    assert_eq!(twice.call(&mut store, &[]).unwrap(), vec![Val::U64(42)]);
    assert_eq!(twice.ty(&store).unwrap().result, Some(ValType::U64));
}

#[test]
fn async_built_ins_run_and_the_host_call_drives_the_event_loop() {
    let engine = engine();
    let component = compile(
        &engine,
        r#"(component
          (core func $new (canon waitable-set.new))
          (core func $return (canon task.return (result u32)))
          (core module $M
            (import "" "new" (func $new (result i32)))
            (import "" "return" (func $return (param i32)))
            (global $calls (mut i32) (i32.const 0))
            (func (export "f") (result i32) (call $new))
            (func (export "g") (result i32)
              (i32.const 1 (; YIELD ;)))
            (func (export "g-cb") (param i32 i32 i32) (result i32)
              (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
              (call $return (global.get $calls))
              (i32.const 0 (; EXIT ;))))
          (core instance $m (instantiate $M (with "" (instance
            (export "new" (func $new)) (export "return" (func $return))))))
          (func (export "f") (result u32) (canon lift (core func $m "f")))
          (func (export "g") async (result u32)
            (canon lift (core func $m "g") async (callback (core func $m "g-cb")))))"#,
    );
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &component).unwrap();
    // The first handle of the instance's table.
    let f = instance.get_func("f").unwrap();
    assert_eq!(f.call(&mut store, &[]).unwrap(), vec![Val::U32(1)]);
    // `g` yields; `Func::call` runs `Store.tick` until the result arrives.
    let g = instance.get_func("g").unwrap();
    assert_eq!(g.call(&mut store, &[]).unwrap(), vec![Val::U32(1)]);
    assert_eq!(g.call(&mut store, &[]).unwrap(), vec![Val::U32(2)]);
}

/// A chain of components each calling the next: every level re-enters the
/// interpreter from a lowered import, which `max_host_reentry` bounds.
fn chain(levels: usize) -> String {
    let mut wat = String::from(
        r#"(component
  (component $Leaf
    (core module $M (func (export "f") (result i32) (i32.const 1)))
    (core instance $m (instantiate $M))
    (func (export "f") (result u32) (canon lift (core func $m "f"))))
  (component $Link
    (import "next" (func $next (result u32)))
    (core func $next' (canon lower (func $next)))
    (core module $M
      (import "" "next" (func $next (result i32)))
      (func (export "f") (result i32) (i32.add (call $next) (i32.const 1))))
    (core instance $m (instantiate $M (with "" (instance (export "next" (func $next'))))))
    (func (export "f") (result u32) (canon lift (core func $m "f"))))
  (instance $l0 (instantiate $Leaf))
"#,
    );
    for i in 1..=levels {
        wat += &format!(
            "  (instance $l{i} (instantiate $Link (with \"next\" (func $l{} \"f\"))))\n",
            i - 1
        );
    }
    wat += &format!("  (export \"f\" (func $l{levels} \"f\")))");
    wat
}

#[test]
fn deep_call_chains_end_in_a_clean_trap() {
    let engine = engine();
    let mut store = Store::new(&engine);
    let ok = compile(&engine, &chain(20));
    let f = Linker::new()
        .instantiate(&mut store, &ok)
        .unwrap()
        .get_func("f")
        .unwrap();
    assert_eq!(f.call(&mut store, &[]).unwrap(), vec![Val::U32(21)]);

    let deep = compile(&engine, &chain(200));
    let f = Linker::new()
        .instantiate(&mut store, &deep)
        .unwrap()
        .get_func("f")
        .unwrap();
    let err = f.call(&mut store, &[]).unwrap_err();
    assert_eq!(
        err.as_trap().map(|t| t.kind),
        Some(TrapKind::CallStackExhausted),
        "{err}"
    );
}

#[test]
fn deeply_nested_definitions_are_a_limit_not_a_crash() {
    let engine = engine();
    let depth = engine.config().max_component_nesting as usize + 5;
    // Each level: a component section (id 4) holding the next component.
    let header = b"\0asm\x0d\x00\x01\x00";
    let mut bytes = header.to_vec();
    for _ in 0..depth {
        let mut outer = header.to_vec();
        outer.push(4);
        let mut n = bytes.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            outer.push(if n == 0 { b } else { b | 0x80 });
            if n == 0 {
                break;
            }
        }
        outer.extend(&bytes);
        bytes = outer;
    }
    let err = Component::new(&engine, &bytes).unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err}");
}

/// Canonical options with a 64-bit memory (🐘): i64 pointers and lengths,
/// the utf16 tag in bit 63, realloc of type (i64 i64 i64 i64) -> i64.
const MEMORY64: &str = r#"(component
  (core module $M
    (memory (export "mem") i64 1)
    (global $next (mut i64) (i64.const 1024))
    (func (export "realloc") (param $old i64) (param $osz i64) (param i64) (param $nsz i64) (result i64)
      (local $r i64)
      (if (i32.and (i64.ne (local.get $old) (i64.const 0)) (i64.le_u (local.get $nsz) (local.get $osz)))
        (then (return (local.get $old))))
      (local.set $r (i64.and (i64.add (global.get $next) (i64.const 7)) (i64.const -8)))
      (global.set $next (i64.add (local.get $r) (local.get $nsz)))
      (if (i64.ne (local.get $old) (i64.const 0))
        (then (memory.copy (local.get $r) (local.get $old) (local.get $osz))))
      (local.get $r))
    (func (export "echo") (param i64 i64) (result i64)
      (i64.store (i64.const 0) (local.get 0)) (i64.store (i64.const 8) (local.get 1)) (i64.const 0))
    (func (export "tagged") (param i64 i64) (result i64) (local.get 1)))
  (core instance $i (instantiate $M))
  (alias core export $i "mem" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "utf8") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)))
  (func (export "utf16") (param "s" string) (result string)
    (canon lift (core func $i "echo") string-encoding=utf16 (memory $mem) (realloc $realloc)))
  (func (export "compact") (param "s" string) (result string)
    (canon lift (core func $i "echo") string-encoding=latin1+utf16 (memory $mem) (realloc $realloc)))
  (func (export "compact-len") (param "s" string) (result u64)
    (canon lift (core func $i "tagged") string-encoding=latin1+utf16 (memory $mem) (realloc $realloc)))
  (func (export "list") (param "l" (list (tuple u16 string))) (result (list (tuple u16 string)))
    (canon lift (core func $i "echo") (memory $mem) (realloc $realloc)))
)"#;

#[test]
fn canonical_options_with_a_64_bit_memory() {
    let engine = Engine::new(
        Config::default().features(component::features() | cmref_interp::WasmFeatures::MEMORY64),
    );
    let component = compile(&engine, MEMORY64);
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &component).unwrap();
    let call = |store: &mut Store, name: &str, v: Val| {
        instance.get_func(name).unwrap().call(store, &[v]).unwrap()
    };
    for name in ["utf8", "utf16", "compact"] {
        for text in ["", "hé", "h☃🍰"] {
            let s = Val::String(text.into());
            assert_eq!(
                call(&mut store, name, s.clone()),
                vec![s],
                "{name} {text:?}"
            );
        }
    }
    // utf16_tag('i64') is bit 63; Latin-1 text stays untagged.
    assert_eq!(
        call(&mut store, "compact-len", Val::String("h☃".into())),
        vec![Val::U64((1 << 63) | 2)]
    );
    assert_eq!(
        call(&mut store, "compact-len", Val::String("hé".into())),
        vec![Val::U64(2)]
    );
    // elem_size(tuple<u16, string>, 'i64') = 24: strings are two i64s.
    let l = Val::List(vec![
        Val::Tuple(vec![Val::U16(1), Val::String("a".into())]),
        Val::Tuple(vec![Val::U16(65535), Val::String("☃".into())]),
    ]);
    assert_eq!(call(&mut store, "list", l.clone()), vec![l]);
}
