//! The garbage collector: garbage is reclaimed and the heap stays bounded;
//! everything reachable survives (wasm frames, suspended threads, host
//! calls, globals, the embedder's roots); the heap limit is a typed error;
//! a reference the embedder kept past its release is detected.

use std::sync::{Arc, Mutex};

use cmref_interp::*;

fn features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::FUNCTION_REFERENCES
        | WasmFeatures::GC
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::EXCEPTIONS
}

fn engine(max_heap: u64) -> Engine {
    Engine::new(
        Config::default()
            .features(features())
            .max_heap_bytes(max_heap),
    )
}

fn instantiate(engine: &Engine, store: &mut Store, linker: &Linker, wat: &str) -> Instance {
    let module = Module::new(engine, &wat::parse_str(wat).unwrap()).unwrap();
    linker.instantiate(store, &module).unwrap()
}

/// A store with a heap of `max_heap` bytes and an instance of `wat`,
/// which imports nothing.
fn store_with(max_heap: u64, wat: &str) -> (Store, Instance) {
    let engine = engine(max_heap);
    let mut store = Store::new(&engine);
    let instance = instantiate(&engine, &mut store, &Linker::new(), wat);
    (store, instance)
}

const CHURN: &str = r#"
(module
  (import "host" "sample" (func $sample))
  (type $node (struct (field i32) (field (ref null $node))))
  (type $bytes (array (mut i8)))
  (type $ring (array (mut (ref null $node))))
  ;; Allocates `n` rounds of garbage (a short list and an array per round)
  ;; while keeping the last 16 lists alive in a ring; samples the heap
  ;; every 1000 rounds; returns the sum over the lists still in the ring.
  (func (export "churn") (param $n i32) (result i32)
    (local $i i32) (local $l (ref null $node)) (local $ring (ref $ring))
    (local $k i32) (local $sum i32)
    (local.set $ring (array.new_default $ring (i32.const 16)))
    (loop $round
      (local.set $l (struct.new $node (local.get $i) (ref.null $node)))
      (local.set $l (struct.new $node (i32.const 1) (local.get $l)))
      (local.set $l (struct.new $node (i32.const 1) (local.get $l)))
      (drop (array.new_default $bytes (i32.const 100)))
      (array.set $ring (local.get $ring) (i32.and (local.get $i) (i32.const 15)) (local.get $l))
      (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 1000))) (then (call $sample)))
      (br_if $round (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (loop $walk
      (local.set $l (array.get $ring (local.get $ring) (local.get $k)))
      (block $end
        (loop $node
          (br_if $end (ref.is_null (local.get $l)))
          (local.set $sum (i32.add (local.get $sum) (struct.get $node 0 (local.get $l))))
          (local.set $l (struct.get $node 1 (local.get $l)))
          (br $node)))
      (br_if $walk (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 16))))
    (local.get $sum)))
"#;

#[test]
fn a_garbage_loop_runs_in_bounded_memory() {
    let engine = engine(8 << 20);
    let mut store = Store::new(&engine);
    let peak = Arc::new(Mutex::new(HeapStats::default()));
    let seen = Arc::clone(&peak);
    let sample = Func::new_host(&mut store, FuncType::new([], []), move |caller, _| {
        let stats = caller.store().heap_stats();
        let mut peak = seen.lock().unwrap();
        peak.objects = peak.objects.max(stats.objects);
        peak.bytes = peak.bytes.max(stats.bytes);
        Ok(Vec::new())
    });
    let mut linker = Linker::new();
    linker.define("host", "sample", sample);
    let instance = instantiate(&engine, &mut store, &linker, CHURN);
    let churn = instance.get_func(&store, "churn").unwrap();
    let rounds = 200_000;
    let result = store.call(churn, &[Val::I32(rounds)]).unwrap();
    // The ring keeps the lists of the last 16 rounds: i + 2 each.
    let expected: i32 = (rounds - 16..rounds).map(|i| i + 2).sum();
    assert_eq!(result, vec![Val::I32(expected)]);

    let stats = store.heap_stats();
    let peak = *peak.lock().unwrap();
    // 200,000 rounds allocate 800,000 objects and about 300 MB; the heap
    // never held more than a small fraction of that.
    assert!(stats.collections >= 10, "{stats:?}");
    assert!(stats.freed >= 700_000, "{stats:?}");
    assert!(peak.objects > 0, "the heap was sampled: {peak:?}");
    assert!(peak.objects < 40_000, "live objects peaked at {peak:?}");
    assert!(peak.bytes < 4 << 20, "live bytes peaked at {peak:?}");
}

#[test]
fn the_heap_limit_is_a_typed_trap() {
    let (mut store, instance) = store_with(
        1 << 20,
        r#"(module
          (type $bytes (array i8))
          (type $node (struct (field (ref null $node)) (field (ref null $bytes))))
          ;; Everything stays reachable from the list.
          (func (export "hoard") (local $l (ref null $node))
            (loop $more
              (local.set $l (struct.new $node (local.get $l) (array.new_default $bytes (i32.const 100))))
              (br $more))))"#,
    );
    let hoard = instance.get_func(&store, "hoard").unwrap();
    let err = store.call(hoard, &[]).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.kind, TrapKind::HeapExhausted);
    assert!(trap.kind.is_exhaustion());
    assert!(store.heap_stats().bytes <= 1 << 20);
    // Once the hoard is unreachable, the heap is usable again.
    store.gc();
    assert_eq!(store.heap_stats().objects, 0);
}

const BOXES: &str = r#"
(module
  (type $box (struct (field (mut i32))))
  (global $keep (export "kept") (mut (ref null $box)) (ref.null $box))
  (func (export "new") (param i32) (result (ref $box)) (struct.new $box (local.get 0)))
  (func (export "get") (param (ref $box)) (result i32) (struct.get $box 0 (local.get 0)))
  (func (export "keep") (param (ref $box)) (global.set $keep (local.get 0)))
  (func (export "garbage") (param $n i32)
    (loop $l
      (drop (struct.new $box (i32.const 999)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
"#;

/// A store with `BOXES` and its `new`, `get`, `keep` and `garbage`.
fn boxes() -> (Store, Instance, [Func; 4]) {
    let (store, instance) = store_with(64 << 20, BOXES);
    let f = |name| instance.get_func(&store, name).unwrap();
    let funcs = [f("new"), f("get"), f("keep"), f("garbage")];
    (store, instance, funcs)
}

#[test]
fn embedder_roots_keep_results_alive_until_released() {
    let (mut store, _, [new, get, _, garbage]) = boxes();

    let mark = store.roots_mark();
    let boxed = store.call(new, &[Val::I32(7)]).unwrap()[0];
    let Val::AnyRef(Some(r)) = boxed else {
        panic!("a struct reference, got {boxed:?}")
    };
    assert_eq!(r.kind(), AnyRefKind::Struct);
    store.gc();
    store.call(garbage, &[Val::I32(1000)]).unwrap();
    assert_eq!(store.call(get, &[boxed]).unwrap(), vec![Val::I32(7)]);

    // Released and collected: the slot is reused by garbage (value 999),
    // and the old reference is detected rather than read.
    store.release_roots(mark);
    store.gc();
    store.call(garbage, &[Val::I32(1000)]).unwrap();
    match store.call(get, &[boxed]) {
        Err(Error::Api(msg)) => assert!(msg.contains("stale"), "{msg}"),
        other => panic!("expected a stale-reference error, got {other:?}"),
    }
}

#[test]
fn globals_keep_objects_alive() {
    let (mut store, instance, [new, get, keep, garbage]) = boxes();
    let mark = store.roots_mark();
    let boxed = store.call(new, &[Val::I32(5)]).unwrap()[0];
    store.call(keep, &[boxed]).unwrap();
    store.release_roots(mark);
    store.gc();
    store.call(garbage, &[Val::I32(1000)]).unwrap();
    let global = instance.get_global(&store, "kept").unwrap();
    let kept = global.get(&mut store);
    assert_eq!(store.call(get, &[kept]).unwrap(), vec![Val::I32(5)]);
    assert_eq!(kept, boxed, "the same object");
}

const WAITER: &str = r#"
(module
  (type $box (struct (field i32)))
  (import "host" "wait" (func $wait (param (ref null $box)) (result i32)))
  (func $box (param i32) (result (ref $box)) (struct.new $box (local.get 0)))
  ;; References in a local, on the operand stack below the call, and as
  ;; the call's argument are all alive while the thread is suspended.
  (func (export "run") (result i32)
    (local $local (ref null $box))
    (local.set $local (call $box (i32.const 100)))
    (call $box (i32.const 20))
    (call $wait (call $box (i32.const 3)))
    (drop)
    (struct.get $box 0)
    (i32.add (struct.get $box 0 (local.get $local))))
  (func (export "garbage") (param $n i32)
    (loop $l
      (drop (struct.new $box (i32.const 999)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
"#;

#[derive(Debug)]
struct Waiting(Val);

#[test]
fn a_suspended_thread_keeps_its_references_alive() {
    let engine = engine(64 << 20);
    let mut store = Store::new(&engine);
    let mut linker = Linker::new();
    let module = Module::new(&engine, &wat::parse_str(WAITER).unwrap()).unwrap();
    let wait = Func::new_host_for_import(&mut store, &module, 0, |_, args| {
        Ok(HostResult::Suspend(Box::new(Waiting(args[0]))))
    })
    .unwrap();
    linker.define("host", "wait", wait);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let garbage = instance.get_func(&store, "garbage").unwrap();

    let mut thread = Thread::new(&mut store, run, &[]).unwrap();
    let Outcome::Suspended(payload) = thread.resume(&mut store, &[]).unwrap() else {
        panic!("the thread should suspend")
    };
    let Waiting(arg) = *payload.downcast::<Waiting>().unwrap();
    let before = store.heap_stats();
    // Collect, then churn so that any freed slot is reused by a 999 box.
    store.gc();
    store.call(garbage, &[Val::I32(5000)]).unwrap();
    store.gc();
    let after = store.heap_stats();
    assert!(after.freed >= 5000, "garbage was collected: {after:?}");
    assert!(after.collections > before.collections);
    // The thread's three boxes survived (the argument is also the
    // embedder's: it came out of the host call).
    assert!(after.objects >= 3, "{after:?}");
    assert!(matches!(arg, Val::AnyRef(Some(_))));
    let Outcome::Finished(results) = thread.resume(&mut store, &[Val::I32(1)]).unwrap() else {
        panic!("the thread should finish")
    };
    assert_eq!(results, vec![Val::I32(120)]);
}

#[test]
fn a_dropped_thread_releases_its_references() {
    let engine = engine(64 << 20);
    let mut store = Store::new(&engine);
    let module = Module::new(&engine, &wat::parse_str(WAITER).unwrap()).unwrap();
    let wait = Func::new_host_for_import(&mut store, &module, 0, |_, _| {
        Ok(HostResult::Suspend(Box::new(())))
    })
    .unwrap();
    let mut linker = Linker::new();
    linker.define("host", "wait", wait);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance.get_func(&store, "run").unwrap();
    let mut thread = Thread::new(&mut store, run, &[]).unwrap();
    assert!(matches!(
        thread.resume(&mut store, &[]).unwrap(),
        Outcome::Suspended(_)
    ));
    store.gc();
    assert_eq!(
        store.heap_stats().objects,
        3,
        "the suspended thread's boxes"
    );
    drop(thread);
    store.gc();
    assert_eq!(store.heap_stats().objects, 0);
}

#[test]
fn host_calls_see_live_arguments_across_collections_and_reentry() {
    let engine = engine(64 << 20);
    let mut store = Store::new(&engine);
    let wat = r#"
      (module
        (type $box (struct (field i32)))
        (import "host" "check" (func $check (param (ref $box)) (result i32)))
        (func (export "get") (param (ref $box)) (result i32) (struct.get $box 0 (local.get 0)))
        (func (export "garbage") (param $n i32)
          (loop $l
            (drop (struct.new $box (i32.const 999)))
            (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
        (func (export "run") (result i32)
          (call $check (struct.new $box (i32.const 77)))))"#;
    let module = Module::new(&engine, &wat::parse_str(wat).unwrap()).unwrap();
    let exports: Arc<Mutex<Option<Instance>>> = Arc::default();
    let inst = Arc::clone(&exports);
    let check = Func::new_host_for_import(&mut store, &module, 0, move |caller, args| {
        let instance = inst.lock().unwrap().expect("instantiated");
        let store = caller.store();
        let garbage = instance.get_func(store, "garbage").unwrap();
        let get = instance.get_func(store, "get").unwrap();
        // The argument survives a collection and reuse of freed slots, and
        // can be passed back into wasm.
        store.gc();
        store
            .call(garbage, &[Val::I32(2000)])
            .map_err(|e| Trap::host(e.to_string()))?;
        let v = store
            .call(get, &[args[0]])
            .map_err(|e| Trap::host(e.to_string()))?;
        Ok(HostResult::Return(v))
    })
    .unwrap();
    let mut linker = Linker::new();
    linker.define("host", "check", check);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    *exports.lock().unwrap() = Some(instance);
    let run = instance.get_func(&store, "run").unwrap();
    assert_eq!(store.call(run, &[]).unwrap(), vec![Val::I32(77)]);
}

#[test]
fn i31_and_host_references_round_trip_through_any() {
    let (mut store, instance) = store_with(
        1 << 20,
        r#"(module
          (func (export "internalize") (param externref) (result anyref) (any.convert_extern (local.get 0)))
          (func (export "externalize") (param anyref) (result externref) (extern.convert_any (local.get 0)))
          (func (export "i31") (param i32) (result i31ref) (ref.i31 (local.get 0))))"#,
    );
    let internalize = instance.get_func(&store, "internalize").unwrap();
    let externalize = instance.get_func(&store, "externalize").unwrap();
    let i31 = instance.get_func(&store, "i31").unwrap();
    let any = store
        .call(internalize, &[Val::ExternRef(Some(ExternRef::host(9)))])
        .unwrap();
    assert_eq!(any, vec![Val::AnyRef(Some(AnyRef::host(9)))]);
    let back = store.call(externalize, &any).unwrap();
    assert_eq!(back, vec![Val::ExternRef(Some(ExternRef::host(9)))]);
    let small = store.call(i31, &[Val::I32(-5)]).unwrap();
    assert_eq!(small, vec![Val::AnyRef(Some(AnyRef::i31(-5)))]);
    let Val::AnyRef(Some(r)) = small[0] else {
        unreachable!()
    };
    assert_eq!(r.i31_get_s(), Some(-5));
    assert_eq!(r.i31_get_u(), Some(0x7fff_fffb));
    let wrapped = store.call(externalize, &small).unwrap();
    let Val::ExternRef(Some(e)) = wrapped[0] else {
        panic!("an externref")
    };
    assert_eq!(e.host_id(), None);
    assert_eq!(e.to_any(), r);
}

#[test]
fn the_embedder_can_inspect_structs_arrays_and_exceptions() {
    let (mut store, instance) = store_with(
        1 << 20,
        r#"(module
          (type $point (struct (field i8) (field i64) (field (ref null $point))))
          (type $bytes (array (mut i8)))
          (tag $t (export "t") (param i32 (ref null $point)))
          (func (export "point") (result (ref $point))
            (struct.new $point (i32.const -1) (i64.const 5)
              (struct.new $point (i32.const 2) (i64.const 6) (ref.null $point))))
          (func (export "bytes") (result (ref $bytes))
            (array.new_fixed $bytes 3 (i32.const 1) (i32.const 2) (i32.const 255)))
          (func (export "exn") (result exnref)
            (block $h (result exnref)
              (try_table (catch_all_ref $h)
                (throw $t (i32.const 9) (ref.null $point)))
              (unreachable))))"#,
    );
    let call = |store: &mut Store, name: &str| {
        let f = instance.get_func(store, name).unwrap();
        store.call(f, &[]).unwrap()[0]
    };
    let Val::AnyRef(Some(point)) = call(&mut store, "point") else {
        panic!("a struct")
    };
    let fields = store.struct_fields(&point).unwrap();
    // An i8 field reads as its unsigned value, as `struct.get_u` would.
    assert_eq!(&fields[..2], &[Val::I32(255), Val::I64(5)]);
    let Val::AnyRef(Some(inner)) = fields[2] else {
        panic!("a nested struct")
    };
    assert_eq!(
        store.struct_fields(&inner).unwrap()[..2],
        [Val::I32(2), Val::I64(6)]
    );
    let Val::AnyRef(Some(bytes)) = call(&mut store, "bytes") else {
        panic!("an array")
    };
    assert_eq!(bytes.kind(), AnyRefKind::Array);
    assert_eq!(
        store.array_elems(&bytes).unwrap(),
        vec![Val::I32(1), Val::I32(2), Val::I32(255)]
    );
    assert!(
        store.struct_fields(&bytes).is_err(),
        "an array is not a struct"
    );
    let Val::ExnRef(Some(exn)) = call(&mut store, "exn") else {
        panic!("an exception")
    };
    let (tag, payload) = store.exception_payload(&exn).unwrap();
    assert_eq!(Some(tag), instance.get_tag(&store, "t"));
    assert_eq!(payload, vec![Val::I32(9), Val::AnyRef(None)]);
}
