//! The collector and interleaved threads: a thread blocked in
//! `memory.atomic.wait` or preempted by a time slice is not running while
//! other code of the store collects garbage. Its references (in locals and
//! on the operand stack) must survive, and when it resumes it must see the
//! very objects it had, not whatever reused their heap slots.

use cmref_interp::*;

const WAT: &str = r#"
(module
  (type $box (struct (field i32)))
  (memory (export "mem") 1 1 shared)
  ;; Holds a box in a local and another on the operand stack while it
  ;; waits on address 0 (nothing changes it); then reads both.
  (func (export "wait-holding") (param $v i32) (result i32)
    (local $l (ref null $box))
    (local.set $l (struct.new $box (i32.add (local.get $v) (i32.const 1000))))
    (struct.new $box (local.get $v))
    (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
    (struct.get $box 0)
    (struct.get $box 0 (local.get $l))
    (i32.add))
  ;; Holds a box on the operand stack (below the loop, so in its slot at
  ;; every loop header) and another in a local while it spins for `$n`
  ;; rounds; then reads both.
  (func (export "spin-holding") (param $v i32) (param $n i32) (result i32)
    (local $i i32) (local $l (ref null $box))
    (local.set $l (struct.new $box (i32.add (local.get $v) (i32.const 1000))))
    (struct.new $box (local.get $v))
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (local.get $n))))
    (struct.get $box 0)
    (struct.get $box 0 (local.get $l))
    (i32.add))
  ;; Allocates `n` boxes of garbage holding 7, so freed slots get reused.
  (func (export "churn") (param $n i32)
    (loop $again
      (drop (struct.new $box (i32.const 7)))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; Churns `n` boxes, then wakes the waiter, churning on until the
  ;; notify finds it waiting; returns how many it woke (1).
  (func (export "churn-and-notify") (param $n i32) (result i32)
    (local $woken i32)
    (loop $again
      (drop (struct.new $box (i32.const 7)))
      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (loop $notify
      (drop (struct.new $box (i32.const 7)))
      (local.set $woken (memory.atomic.notify (i32.const 0) (i32.const 1)))
      (br_if $notify (i32.eqz (local.get $woken))))
    (local.get $woken)))
"#;

/// A store whose engine meters fuel (so threads can be preempted), with
/// or without a collection before every allocation.
fn setup(gc_stress: bool) -> (Store, Instance) {
    let config = Config::default().fuel(Some(u64::MAX)).gc_stress(gc_stress);
    let engine = Engine::new(config);
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn func(store: &Store, instance: Instance, name: &str) -> Func {
    instance.get_func(store, name).unwrap()
}

#[test]
fn a_thread_blocked_in_a_wait_keeps_its_references_through_a_collection() {
    let (mut store, instance) = setup(false);
    let f = func(&store, instance, "wait-holding");
    let mut t = Thread::new(&mut store, f, &[Val::I32(42)]).unwrap();
    assert!(matches!(
        t.resume(&mut store, &[]).unwrap(),
        Outcome::Waiting
    ));
    store.gc();
    // Both boxes are alive: the one in the local and the one on the
    // waiting frame's operand stack.
    assert_eq!(store.heap_stats().objects, 2);
    // Garbage reuses whatever the collection freed.
    let churn = func(&store, instance, "churn");
    store.call(churn, &[Val::I32(1000)]).unwrap();
    store.gc();
    assert_eq!(store.heap_stats().objects, 2);
    let notify = func(&store, instance, "churn-and-notify");
    assert_eq!(
        store.call(notify, &[Val::I32(10)]).unwrap(),
        vec![Val::I32(1)]
    );
    let Outcome::Finished(vals) = t.resume(&mut store, &[]).unwrap() else {
        panic!("the notified thread finishes");
    };
    assert_eq!(vals, vec![Val::I32(42 + 1042)]);
}

#[test]
fn a_preempted_thread_keeps_its_references_through_a_collection() {
    let (mut store, instance) = setup(false);
    store.set_time_slice(Some(50));
    let f = func(&store, instance, "spin-holding");
    let mut t = Thread::new(&mut store, f, &[Val::I32(42), Val::I32(1000)]).unwrap();
    let churn = func(&store, instance, "churn");
    let mut preemptions = 0;
    let vals = loop {
        match t.resume(&mut store, &[]).unwrap() {
            Outcome::Yielded => {
                preemptions += 1;
                store.gc();
                assert_eq!(
                    store.heap_stats().objects,
                    2,
                    "after preemption {preemptions}"
                );
                store.call(churn, &[Val::I32(20)]).unwrap();
            }
            Outcome::Finished(vals) => break vals,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(preemptions > 10, "only {preemptions} preemptions");
    assert_eq!(vals, vec![Val::I32(42 + 1042)]);
}

/// The realistic interleaving: a scheduler runs a thread that waits (and
/// one that spins) while another allocates with a collection before every
/// allocation, then wakes the waiter.
#[test]
fn scheduled_threads_keep_their_references_under_gc_stress() {
    for mode in [NondetMode::Deterministic, NondetMode::Seeded(3)] {
        let config = Config::default()
            .fuel(Some(u64::MAX))
            .gc_stress(true)
            .nondet(mode);
        let engine = Engine::new(config);
        let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
        let mut store = Store::new(&engine);
        let instance = Linker::new().instantiate(&mut store, &module).unwrap();
        let mut sched = Scheduler::new();
        let spawn = |store: &mut Store, sched: &mut Scheduler, name: &str, args: &[Val]| {
            let f = instance.get_func(store, name).unwrap();
            sched.spawn(Thread::new(store, f, args).unwrap())
        };
        let w = spawn(&mut store, &mut sched, "wait-holding", &[Val::I32(1)]);
        let s = spawn(
            &mut store,
            &mut sched,
            "spin-holding",
            &[Val::I32(2), Val::I32(5000)],
        );
        // Enough rounds to span several slices and collections.
        let n = spawn(
            &mut store,
            &mut sched,
            "churn-and-notify",
            &[Val::I32(3000)],
        );
        sched.run(&mut store);
        assert_eq!(sched.result(w).unwrap(), &Ok(vec![Val::I32(1 + 1001)]));
        assert_eq!(sched.result(s).unwrap(), &Ok(vec![Val::I32(2 + 1002)]));
        assert_eq!(sched.result(n).unwrap(), &Ok(vec![Val::I32(1)]));
        assert!(store.heap_stats().collections > 1000);
    }
}
