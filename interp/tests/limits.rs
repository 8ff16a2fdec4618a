//! Limits are configuration: exceeding one is a typed error, never a crash.

use cmref_interp::*;

fn instantiate(config: Config, wat: &str) -> (Store, Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(store: &mut Store, instance: Instance, name: &str, args: &[Val]) -> Result<Vec<Val>> {
    let f = instance.get_func(store, name).unwrap();
    store.call(f, args)
}

fn trap_kind(r: Result<Vec<Val>>) -> TrapKind {
    match r {
        Err(Error::Trap(t)) => t.kind,
        other => panic!("expected a trap, got {other:?}"),
    }
}

const RECURSION: &str = r#"
(module
  (func $runaway (export "runaway") (call $runaway))
  (func $even (export "even") (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))
      (else (call $odd (i64.sub (local.get 0) (i64.const 1))))))
  (func $odd (param i64) (result i32)
    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 0))
      (else (call $even (i64.sub (local.get 0) (i64.const 1))))))
  ;; A big frame: many locals, so slots run out before depth does.
  (func $fat (export "fat")
    (local v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128 v128)
    (call $fat)))
"#;

#[test]
fn runaway_recursion_is_call_stack_exhausted_and_the_process_lives_on() {
    let (mut store, instance) = instantiate(Config::default(), RECURSION);
    let t = match call(&mut store, instance, "runaway", &[]) {
        Err(Error::Trap(t)) => t,
        other => panic!("expected a trap, got {other:?}"),
    };
    assert_eq!(t.kind, TrapKind::CallStackExhausted);
    assert_eq!(t.message, "call stack exhausted");
    assert!(!t.backtrace.is_empty());
    // The store stays usable after the trap.
    assert_eq!(
        call(&mut store, instance, "even", &[Val::I64(10)]).unwrap(),
        vec![Val::I32(1)]
    );
}

#[test]
fn call_depth_is_configurable() {
    let config = Config::default().max_call_depth(100);
    let (mut store, instance) = instantiate(config, RECURSION);
    assert_eq!(
        call(&mut store, instance, "even", &[Val::I64(98)]).unwrap(),
        vec![Val::I32(1)]
    );
    assert_eq!(
        trap_kind(call(&mut store, instance, "even", &[Val::I64(100)])),
        TrapKind::CallStackExhausted
    );
    let deep = Config::default().max_call_depth(1_000_000);
    let (mut store, instance) = instantiate(deep, RECURSION);
    assert_eq!(
        call(&mut store, instance, "even", &[Val::I64(900_000)]).unwrap(),
        vec![Val::I32(1)],
        "deep recursion runs on the heap, not the host stack"
    );
}

#[test]
fn the_stack_slot_budget_is_a_limit_too() {
    let mut config = Config::default().max_call_depth(u32::MAX);
    config.max_stack_slots = 1 << 16;
    let (mut store, instance) = instantiate(config, RECURSION);
    assert_eq!(
        trap_kind(call(&mut store, instance, "fat", &[])),
        TrapKind::CallStackExhausted
    );
}

#[test]
fn fuel_ends_an_infinite_loop() {
    let wat = r#"(module (func (export "spin") (loop (br 0)))
                         (func (export "count") (param i32) (result i32)
                           (loop (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                                 (br_if 0 (local.get 0)))
                           (i32.const 7)))"#;
    let (mut store, instance) = instantiate(Config::default().fuel(Some(100_000)), wat);
    assert_eq!(
        trap_kind(call(&mut store, instance, "spin", &[])),
        TrapKind::OutOfFuel
    );
    assert_eq!(store.fuel(), Some(0));
    store.set_fuel(1_000).unwrap();
    assert_eq!(
        call(&mut store, instance, "count", &[Val::I32(10)]).unwrap(),
        vec![Val::I32(7)]
    );
    let used = 1_000 - store.fuel().unwrap();
    assert!(
        used > 10 && used < 200,
        "fuel counts executed instructions: {used}"
    );
    store.set_fuel(1_000).unwrap();
    assert_eq!(
        trap_kind(call(&mut store, instance, "count", &[Val::I32(10_000)])),
        TrapKind::OutOfFuel
    );
}

#[test]
fn memory_grow_past_the_limit_returns_minus_one() {
    let wat = r#"(module (memory (export "m") 1)
                 (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let config = Config::default().max_memory_bytes(4 * 65536);
    let (mut store, instance) = instantiate(config, wat);
    assert_eq!(
        call(&mut store, instance, "grow", &[Val::I32(2)]).unwrap(),
        vec![Val::I32(1)]
    );
    assert_eq!(
        call(&mut store, instance, "grow", &[Val::I32(2)]).unwrap(),
        vec![Val::I32(-1)]
    );
    assert_eq!(
        call(&mut store, instance, "grow", &[Val::I32(1)]).unwrap(),
        vec![Val::I32(3)]
    );
    assert_eq!(instance.get_memory(&store, "m").unwrap().size(&store), 4);
}

#[test]
fn an_initial_memory_over_the_limit_fails_instantiation_with_a_typed_error() {
    let engine = Engine::new(Config::default().max_memory_bytes(65536));
    let module = Module::new(&engine, &wat::parse_str("(module (memory 2))").unwrap()).unwrap();
    let mut store = Store::new(&engine);
    assert!(matches!(
        Linker::new().instantiate(&mut store, &module),
        Err(Error::Limit(_))
    ));
}

#[test]
fn table_grow_past_the_limit_returns_minus_one() {
    let wat = r#"(module (table 1 funcref)
                 (func (export "grow") (param i32) (result i32)
                   (table.grow (ref.null func) (local.get 0))))"#;
    let config = Config::default().max_table_elements(10);
    let (mut store, instance) = instantiate(config, wat);
    assert_eq!(
        call(&mut store, instance, "grow", &[Val::I32(9)]).unwrap(),
        vec![Val::I32(1)]
    );
    assert_eq!(
        call(&mut store, instance, "grow", &[Val::I32(1)]).unwrap(),
        vec![Val::I32(-1)]
    );
}

#[test]
fn host_reentry_is_bounded() {
    // wasm -> host -> wasm -> host ... recursion through the embedder.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        &wat::parse_str(
            r#"(module (import "h" "again" (func $again))
                       (func (export "f") (call $again)))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let mut store = Store::new(&engine);
    let again = Func::new_host(&mut store, FuncType::new([], []), |caller, _| {
        let f = caller
            .get_export("f")
            .and_then(|e| match e {
                Extern::Func(f) => Some(f),
                _ => None,
            })
            .expect("f exported");
        caller.store().call(f, &[]).map_err(|e| match e {
            Error::Trap(t) => t,
            other => Trap::host(other.to_string()),
        })?;
        Ok(vec![])
    });
    let mut linker = Linker::new();
    linker.define("h", "again", again);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = call(&mut store, instance, "f", &[]).unwrap_err();
    assert!(
        matches!(&err, Error::Trap(t) if t.kind == TrapKind::CallStackExhausted),
        "got {err:?}"
    );
}
