//! Tail calls replace the caller's frame: a million-deep chain of
//! `return_call`s runs within a call depth of 100 and a few thousand slots,
//! through every form of tail call, across modules and into the host.

use cmref_interp::*;

fn engine() -> Engine {
    Engine::new(
        Config::default()
            .features(
                WasmFeatures::WASM2 | WasmFeatures::TAIL_CALL | WasmFeatures::FUNCTION_REFERENCES,
            )
            .max_call_depth(100)
            .max_stack_slots(4096),
    )
}

const LOOPS: &str = r#"
(module
  (type $step (func (param i64 i64) (result i64)))
  (import "other" "bounce" (func $bounce (param i64 i64) (result i64)))
  (import "other" "targets" (table $targets 1 funcref))
  (import "host" "done" (func $host-done (param i64 i64) (result i64)))
  (table $t 1 funcref)
  (elem (table $t) (i32.const 0) func $sum-indirect)
  ;; `other.bounce` tail-calls whatever is in its table: `ping`.
  (elem (table $targets) (i32.const 0) func $ping)
  ;; sum(n, acc) = acc + n + (n-1) + ... + 1, by tail recursion.
  (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return (local.get $acc))))
    (return_call $sum
      (i64.sub (local.get $n) (i64.const 1))
      (i64.add (local.get $acc) (local.get $n))))
  (func $sum-indirect (export "sum-indirect") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return (local.get $acc))))
    (return_call_indirect $t (type $step)
      (i64.sub (local.get $n) (i64.const 1))
      (i64.add (local.get $acc) (local.get $n))
      (i32.const 0)))
  (func $sum-ref (export "sum-ref") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return (local.get $acc))))
    (return_call_ref $step
      (i64.sub (local.get $n) (i64.const 1))
      (i64.add (local.get $acc) (local.get $n))
      (ref.func $sum-ref)))
  ;; Mutual recursion with another module, which tail-calls back.
  (func $ping (export "ping") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return (local.get $acc))))
    (return_call $bounce
      (i64.sub (local.get $n) (i64.const 1))
      (i64.add (local.get $acc) (local.get $n))))
  ;; The chain ends in a tail call to a host function.
  (func $to-host (export "to-host") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return_call $host-done (local.get $n) (local.get $acc))))
    (return_call $to-host
      (i64.sub (local.get $n) (i64.const 1))
      (i64.add (local.get $acc) (local.get $n))))
  ;; The same recursion without tail calls.
  (func $sum-deep (export "sum-deep") (param $n i64) (param $acc i64) (result i64)
    (if (i64.eqz (local.get $n)) (then (return (local.get $acc))))
    (call $sum-deep
      (i64.sub (local.get $n) (i64.const 1))
      (i64.add (local.get $acc) (local.get $n)))))
"#;

const OTHER: &str = r#"
(module
  (type $step (func (param i64 i64) (result i64)))
  (table $targets (export "targets") 1 funcref)
  (func (export "bounce") (param i64 i64) (result i64)
    (return_call_indirect $targets (type $step) (local.get 0) (local.get 1) (i32.const 0))))
"#;

fn setup() -> (Store, Instance) {
    let engine = engine();
    let mut store = Store::new(&engine);
    let mut linker = Linker::new();
    let other = Module::new(&engine, &wat::parse_str(OTHER).unwrap()).unwrap();
    let other = linker.instantiate(&mut store, &other).unwrap();
    linker.instance(&store, "other", other);
    let done = Func::new_host(
        &mut store,
        FuncType::new([ValType::I64, ValType::I64], [ValType::I64]),
        |_, args| match args[1] {
            Val::I64(acc) => Ok(vec![Val::I64(acc + 1_000_000_000)]),
            _ => Err(Trap::host("an i64")),
        },
    );
    linker.define("host", "done", done);
    let loops = Module::new(&engine, &wat::parse_str(LOOPS).unwrap()).unwrap();
    let loops = linker.instantiate(&mut store, &loops).unwrap();
    (store, loops)
}

fn expected(n: i64) -> i64 {
    n * (n + 1) / 2
}

#[test]
fn a_million_deep_return_call_loop_runs_in_constant_stack() {
    let (mut store, loops) = setup();
    let n = 1_000_000;
    for name in ["sum", "sum-indirect", "sum-ref"] {
        let f = loops.get_func(&store, name).unwrap();
        assert_eq!(
            store.call(f, &[Val::I64(n), Val::I64(0)]).unwrap(),
            vec![Val::I64(expected(n))],
            "{name}"
        );
    }
}

#[test]
fn without_tail_calls_the_same_recursion_exhausts_the_stack() {
    let (mut store, loops) = setup();
    let f = loops.get_func(&store, "sum-deep").unwrap();
    assert_eq!(
        store.call(f, &[Val::I64(50), Val::I64(0)]).unwrap(),
        vec![Val::I64(expected(50))]
    );
    let err = store.call(f, &[Val::I64(1000), Val::I64(0)]).unwrap_err();
    assert_eq!(err.as_trap().unwrap().kind, TrapKind::CallStackExhausted);
}

#[test]
fn tail_calls_cross_modules_and_end_in_the_host() {
    let (mut store, loops) = setup();
    let ping = loops.get_func(&store, "ping").unwrap();
    let n = 200_000;
    assert_eq!(
        store.call(ping, &[Val::I64(n), Val::I64(0)]).unwrap(),
        vec![Val::I64(expected(n))]
    );
    let to_host = loops.get_func(&store, "to-host").unwrap();
    assert_eq!(
        store.call(to_host, &[Val::I64(n), Val::I64(0)]).unwrap(),
        vec![Val::I64(expected(n) + 1_000_000_000)]
    );
}

/// A tail call to a host function is an ordinary call whose results the
/// caller then returns; the frame must have room for them even when the
/// function never pushes that high (found by never_crash: a function with
/// locals whose whole body is `return_call $host`, through each of the
/// three tail-call instructions).
#[test]
fn a_tail_call_to_the_host_returns_its_results_from_a_frame_with_room_for_them() {
    let engine = engine();
    let mut store = Store::new(&engine);
    let mut linker = Linker::new();
    let pi = Func::new_host(&mut store, FuncType::new([], [ValType::F64]), |_, _| {
        Ok(vec![Val::F64(std::f64::consts::PI.to_bits())])
    });
    linker.define("host", "pi", pi);
    let wat = r#"(module
      (type $t (func (result f64)))
      (import "host" "pi" (func $pi (type $t)))
      (table 1 funcref)
      (elem (i32.const 0) $pi)
      (elem declare func $pi)
      (func (export "direct") (result f64) (local f64 i64 f64 v128)
        (return_call $pi))
      (func (export "indirect") (result f64) (local f64 i64 f64 v128)
        (return_call_indirect (type $t) (i32.const 0)))
      (func (export "ref") (result f64) (local f64 i64 f64 v128)
        (return_call_ref $t (ref.func $pi))))"#;
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    for name in ["direct", "indirect", "ref"] {
        let f = instance.get_func(&store, name).unwrap();
        assert_eq!(
            store.call(f, &[]).unwrap(),
            vec![Val::F64(std::f64::consts::PI.to_bits())],
            "{name}"
        );
    }
}
