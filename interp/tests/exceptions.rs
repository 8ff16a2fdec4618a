//! Exceptions unwind the explicit frame stack: thrown 10,000 frames deep
//! and caught at the bottom with their payload, caught and rethrown in the
//! middle; uncaught ones are a typed error the embedder can inspect; at a
//! host frame they become an error of the nested call, which the host may
//! throw on; traps are never caught.

use cmref_interp::*;

fn engine() -> Engine {
    Engine::new(
        Config::default()
            .features(WasmFeatures::WASM2 | WasmFeatures::EXCEPTIONS | WasmFeatures::GC)
            .max_call_depth(20_000),
    )
}

const DEEP: &str = r#"
(module
  (tag $boom (export "boom") (param i32 i64 anyref))
  (global $seen (export "seen") (mut i32) (i32.const 0))
  (type $box (struct (field i32)))
  ;; Recurses `depth` frames, then throws; the frame at depth `middle`
  ;; catches the exception, counts it in $seen and throws it on.
  (func $dive (param $depth i32) (param $middle i32)
    (local $e exnref)
    (if (i32.eqz (local.get $depth))
      (then
        (throw $boom (i32.const 42) (i64.const -7) (struct.new $box (i32.const 99)))))
    (if (i32.eq (local.get $depth) (local.get $middle))
      (then
        (local.set $e
          (block $h (result exnref)
            (try_table (catch_all_ref $h)
              (call $dive (i32.sub (local.get $depth) (i32.const 1)) (local.get $middle)))
            (return)))
        (global.set $seen (i32.add (global.get $seen) (i32.const 1)))
        (throw_ref (local.get $e))))
    (call $dive (i32.sub (local.get $depth) (i32.const 1)) (local.get $middle)))
  (func (export "deep") (param $depth i32) (param $middle i32) (result i32 i64 i32)
    (block $h (result i32 i64 anyref)
      (try_table (catch $boom $h)
        (call $dive (local.get $depth) (local.get $middle)))
      (return (i32.const 0) (i64.const 0) (i32.const 0)))
    ;; The payload's struct, read after the unwinding.
    (struct.get $box 0 (ref.cast (ref $box))))
  (func (export "uncaught") (param $depth i32)
    (call $dive (local.get $depth) (i32.const -1)))
  ;; A trap inside a try_table with catch_all is not caught.
  (func (export "trap") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1)))
"#;

fn deep() -> (Store, Instance) {
    let engine = engine();
    let mut store = Store::new(&engine);
    let module = Module::new(&engine, &wat::parse_str(DEEP).unwrap()).unwrap();
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn a_throw_ten_thousand_frames_deep_is_caught_at_the_bottom() {
    let (mut store, instance) = deep();
    let f = instance.get_func(&store, "deep").unwrap();
    let results = store.call(f, &[Val::I32(10_000), Val::I32(5_000)]).unwrap();
    assert_eq!(results, vec![Val::I32(42), Val::I64(-7), Val::I32(99)]);
    let seen = instance.get_global(&store, "seen").unwrap();
    assert_eq!(
        seen.get(&mut store),
        Val::I32(1),
        "the middle frame caught and rethrew"
    );
    // Again, without a catch in the middle.
    let results = store.call(f, &[Val::I32(10_000), Val::I32(-1)]).unwrap();
    assert_eq!(results, vec![Val::I32(42), Val::I64(-7), Val::I32(99)]);
    assert_eq!(seen.get(&mut store), Val::I32(1));
}

#[test]
fn an_uncaught_exception_is_a_typed_error_with_its_payload() {
    let (mut store, instance) = deep();
    let f = instance.get_func(&store, "uncaught").unwrap();
    let boom = instance.get_tag(&store, "boom").unwrap();
    let err = store.call(f, &[Val::I32(100)]).unwrap_err();
    let Error::Exception(exn) = err else {
        panic!("expected an exception, got {err:?}")
    };
    assert_eq!(exn.tag, boom);
    assert_eq!(exn.payload.len(), 3);
    assert_eq!(exn.payload[0], Val::I32(42));
    assert_eq!(exn.payload[1], Val::I64(-7));
    let Val::AnyRef(Some(payload)) = exn.payload[2] else {
        panic!("a struct in the payload")
    };
    assert_eq!(payload.kind(), AnyRefKind::Struct);
    // The backtrace shows where it was thrown, innermost first.
    assert_eq!(exn.backtrace.len(), 102);
    // The payload and the exception are rooted for the embedder.
    store.gc();
    assert!(store.heap_stats().objects >= 2);
}

#[test]
fn traps_are_not_caught() {
    let (mut store, instance) = deep();
    let f = instance.get_func(&store, "trap").unwrap();
    let err = store.call(f, &[]).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind, TrapKind::Unreachable);
}

const NESTED: &str = r#"
(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (import "host" "tag" (tag $t (param i32)))
  (func (export "thrower") (param i32) (result i32)
    (throw $t (local.get 0)))
  ;; Calls the host, which calls `thrower` in a nested call.
  (func (export "outer") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $t $h)
        (return (call $reenter (local.get 0))))
      (unreachable))
    (i32.add (i32.const 1000))))
"#;

/// How the host function handles the exception from its nested call.
fn nested(rethrow: bool) -> (Store, Instance, Tag) {
    let engine = engine();
    let mut store = Store::new(&engine);
    let tag = Tag::new(&mut store, &FuncType::new([ValType::I32], [])).unwrap();
    let module = Module::new(&engine, &wat::parse_str(NESTED).unwrap()).unwrap();
    let instance_cell = std::sync::Arc::new(std::sync::Mutex::new(None::<Instance>));
    let cell = std::sync::Arc::clone(&instance_cell);
    let reenter = Func::new_host_suspendable(
        &mut store,
        FuncType::new([ValType::I32], [ValType::I32]),
        move |caller, args| {
            let instance = cell.lock().unwrap().expect("instantiated");
            let store = caller.store();
            let thrower = instance.get_func(store, "thrower").unwrap();
            match store.call(thrower, args) {
                Ok(v) => Ok(HostResult::Return(v)),
                Err(Error::Exception(e)) if rethrow => Ok(HostResult::Throw(e.exn)),
                Err(e) => Err(Trap::host(format!("nested call failed: {e}"))),
            }
        },
    );
    let mut linker = Linker::new();
    linker.define("host", "reenter", reenter);
    linker.define("host", "tag", tag);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    *instance_cell.lock().unwrap() = Some(instance);
    (store, instance, tag)
}

#[test]
fn an_exception_stops_at_a_host_frame_as_an_error() {
    let (mut store, instance, tag) = nested(false);
    // Called directly, the exception leaves as an error with the host's tag.
    let thrower = instance.get_func(&store, "thrower").unwrap();
    match store.call(thrower, &[Val::I32(5)]) {
        Err(Error::Exception(e)) => {
            assert_eq!(e.tag, tag);
            assert_eq!(e.payload, vec![Val::I32(5)]);
        }
        other => panic!("expected an exception, got {other:?}"),
    }
    // Through a host frame that turns it into a trap, the outer wasm's
    // catch does not see it: traps are not exceptions.
    let outer = instance.get_func(&store, "outer").unwrap();
    let err = store.call(outer, &[Val::I32(5)]).unwrap_err();
    let trap = err.as_trap().expect("a host trap");
    assert_eq!(trap.kind, TrapKind::Host);
    assert!(
        trap.message.contains("uncaught exception"),
        "{}",
        trap.message
    );
}

#[test]
fn a_host_function_can_throw_the_exception_on() {
    let (mut store, instance, _) = nested(true);
    let outer = instance.get_func(&store, "outer").unwrap();
    assert_eq!(
        store.call(outer, &[Val::I32(5)]).unwrap(),
        vec![Val::I32(1005)]
    );
}
