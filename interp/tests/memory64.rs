//! 64-bit memories and tables: addresses and offsets above 4 GiB trap
//! cleanly without any memory of that size being allocated, and limits
//! past the configured maximum are errors, not allocations.

use cmref_interp::*;

const WAT: &str = r#"
(module
  (memory (export "mem") i64 1)
  (memory $small 1)
  (table $t i64 4 funcref)
  (elem (table $t) (i64.const 1) func $seven)
  (type $r (func (result i32)))
  (func $seven (result i32) (i32.const 7))
  (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
  (func (export "load-offset") (param i64) (result i32)
    (i32.load offset=0x1_0000_0000 (local.get 0)))
  (func (export "store") (param i64 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "size") (result i64) (memory.size))
  (func (export "grow") (param i64) (result i64) (memory.grow (local.get 0)))
  (func (export "fill") (param i64 i32 i64) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  ;; From the 64-bit memory to the 32-bit one.
  (func (export "copy-down") (param i32 i64 i32)
    (memory.copy $small 0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load-small") (param i32) (result i32) (i32.load $small (local.get 0)))
  (func (export "call") (param i64) (result i32) (call_indirect $t (type $r) (local.get 0)))
  (func (export "table-size") (result i64) (table.size $t)))
"#;

fn setup(max_memory_bytes: u64) -> (Store, Instance) {
    let config = Config::default()
        .features(WasmFeatures::WASM2 | WasmFeatures::MEMORY64 | WasmFeatures::MULTI_MEMORY)
        .max_memory_bytes(max_memory_bytes);
    let engine = Engine::new(config);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn call(store: &mut Store, instance: Instance, name: &str, args: &[Val]) -> Result<Vec<Val>> {
    let f = instance.get_func(store, name).unwrap();
    store.call(f, args)
}

fn trap(r: Result<Vec<Val>>) -> Trap {
    match r {
        Err(Error::Trap(t)) => t,
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn accesses_above_4_gib_trap_without_allocating() {
    let (mut store, instance) = setup(1 << 30);
    let mem = instance.get_memory(&store, "mem").unwrap();
    call(
        &mut store,
        instance,
        "store",
        &[Val::I64(0xfffc), Val::I32(42)],
    )
    .unwrap();
    assert_eq!(
        call(&mut store, instance, "load", &[Val::I64(0xfffc)]).unwrap(),
        vec![Val::I32(42)]
    );
    for addr in [0x1_0000_0000i64, 0x1_0000_fffc, i64::MAX, -1, -4, 0x10000] {
        let t = trap(call(&mut store, instance, "load", &[Val::I64(addr)]));
        assert_eq!(
            t.kind,
            TrapKind::OutOfBoundsMemoryAccess,
            "address {addr:#x}"
        );
    }
    // The offset alone is past 4 GiB; the address wraps neither in 32 nor
    // in 64 bits.
    for addr in [0i64, -0x1_0000_0000, -1] {
        let t = trap(call(&mut store, instance, "load-offset", &[Val::I64(addr)]));
        assert_eq!(
            t.kind,
            TrapKind::OutOfBoundsMemoryAccess,
            "address {addr:#x}"
        );
    }
    let t = trap(call(
        &mut store,
        instance,
        "fill",
        &[Val::I64(0x1_0000_0000), Val::I32(1), Val::I64(1)],
    ));
    assert_eq!(t.kind, TrapKind::OutOfBoundsMemoryAccess);
    let t = trap(call(
        &mut store,
        instance,
        "fill",
        &[Val::I64(1), Val::I32(1), Val::I64(-1)],
    ));
    assert_eq!(t.kind, TrapKind::OutOfBoundsMemoryAccess);
    // Nothing grew: still one page.
    assert_eq!(mem.data(&store).len(), 0x10000);
    assert_eq!(
        call(&mut store, instance, "size", &[]).unwrap(),
        vec![Val::I64(1)]
    );
}

#[test]
fn growing_past_the_configured_limit_returns_minus_one() {
    let (mut store, instance) = setup(4 << 16);
    let grow = |store: &mut Store, n: i64| call(store, instance, "grow", &[Val::I64(n)]).unwrap();
    assert_eq!(grow(&mut store, 1 << 40), vec![Val::I64(-1)]);
    assert_eq!(grow(&mut store, i64::MAX), vec![Val::I64(-1)]);
    assert_eq!(grow(&mut store, -1), vec![Val::I64(-1)]);
    assert_eq!(grow(&mut store, 4), vec![Val::I64(-1)], "5 pages > 4");
    assert_eq!(grow(&mut store, 3), vec![Val::I64(1)]);
    assert_eq!(
        call(&mut store, instance, "size", &[]).unwrap(),
        vec![Val::I64(4)]
    );
}

#[test]
fn a_huge_initial_size_is_a_limit_error() {
    let config = Config::default().features(WasmFeatures::WASM2 | WasmFeatures::MEMORY64);
    let engine = Engine::new(config);
    let wat = "(module (memory i64 0x1_0000_0000))";
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let err = Linker::new().instantiate(&mut store, &module).unwrap_err();
    assert!(matches!(err, Error::Limit(_)), "{err:?}");
}

#[test]
fn copies_between_64_and_32_bit_memories_and_64_bit_tables() {
    let (mut store, instance) = setup(1 << 30);
    call(
        &mut store,
        instance,
        "store",
        &[Val::I64(8), Val::I32(0x01020304)],
    )
    .unwrap();
    call(
        &mut store,
        instance,
        "copy-down",
        &[Val::I32(100), Val::I64(8), Val::I32(4)],
    )
    .unwrap();
    assert_eq!(
        call(&mut store, instance, "load-small", &[Val::I32(100)]).unwrap(),
        vec![Val::I32(0x01020304)]
    );
    // The source range is checked as 64-bit.
    let t = trap(call(
        &mut store,
        instance,
        "copy-down",
        &[Val::I32(0), Val::I64(0x1_0000_0000), Val::I32(1)],
    ));
    assert_eq!(t.kind, TrapKind::OutOfBoundsMemoryAccess);
    assert_eq!(
        call(&mut store, instance, "call", &[Val::I64(1)]).unwrap(),
        vec![Val::I32(7)]
    );
    assert_eq!(
        call(&mut store, instance, "table-size", &[]).unwrap(),
        vec![Val::I64(4)]
    );
    for (index, kind) in [
        (0i64, TrapKind::UninitializedElement),
        (4, TrapKind::UndefinedElement),
        (0x1_0000_0001, TrapKind::UndefinedElement),
        (-1, TrapKind::UndefinedElement),
    ] {
        let t = trap(call(&mut store, instance, "call", &[Val::I64(index)]));
        assert_eq!(t.kind, kind, "index {index:#x}");
    }
}
