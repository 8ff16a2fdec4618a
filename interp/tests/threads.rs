//! Threads of one store, interleaved: `memory.atomic.wait` suspends a
//! thread, `memory.atomic.notify` from another wakes it, fuel slices
//! preempt spinning threads, virtual time ends timed waits, and a wait
//! nothing can wake ends in a deadlock trap instead of hanging.

use cmref_interp::*;

const WAT: &str = r#"
(module
  (memory (export "mem") 1 1 shared)
  ;; Appends `what` to a log: a ticket counter at 0, entries from 16 on.
  (func $log (param $what i32)
    (i32.store
      (i32.add (i32.const 16)
        (i32.shl (i32.atomic.rmw.add (i32.const 0) (i32.const 1)) (i32.const 2)))
      (local.get $what)))
  ;; Blocks until notified: nothing ever changes address 8.
  (func (export "waiter") (result i32) (local $r i32)
    (call $log (i32.const 1))
    (local.set $r (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))
    (call $log (i32.const 2))
    (local.get $r))
  ;; Notifies address 8 until it has woken someone; returns the tries.
  (func (export "notifier") (result i32) (local $tries i32)
    (call $log (i32.const 3))
    (loop $again
      (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
      (br_if $again (i32.eqz (memory.atomic.notify (i32.const 8) (i32.const 1)))))
    (call $log (i32.const 4))
    (local.get $tries))
  ;; A timed wait, then raises the flag at 12.
  (func (export "timed") (param $ns i64) (result i32) (local $r i32)
    (local.set $r (memory.atomic.wait32 (i32.const 8) (i32.const 0) (local.get $ns)))
    (i32.atomic.store (i32.const 12) (i32.const 1))
    (local.get $r))
  ;; Spins until the flag at 12 is up.
  (func (export "spin") (result i32) (local $n i32)
    (loop $again
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br_if $again (i32.eqz (i32.atomic.load (i32.const 12)))))
    (local.get $n))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (i32.const 8) (local.get 0)))
  (func (export "log") (param i32) (result i32)
    (i32.load (i32.add (i32.const 16) (i32.shl (local.get 0) (i32.const 2)))))
  (func (export "log-len") (result i32) (i32.atomic.load (i32.const 0))))
"#;

/// A store whose engine meters fuel, so that threads can be preempted.
fn setup(mode: NondetMode) -> (Store, Instance) {
    let config = Config::default()
        .features(WasmFeatures::WASM2 | WasmFeatures::THREADS)
        .fuel(Some(u64::MAX))
        .nondet(mode);
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

fn thread(store: &mut Store, instance: Instance, name: &str, args: &[Val]) -> Thread {
    let f = instance.get_func(store, name).unwrap();
    Thread::new(store, f, args).unwrap()
}

/// The waiter and the notifier run under a scheduler; returns the log and
/// which thread had each turn.
fn wait_and_notify(mode: NondetMode) -> (Vec<i32>, Vec<usize>, i32) {
    let (mut store, instance) = setup(mode);
    let mut sched = Scheduler::new();
    let w = thread(&mut store, instance, "waiter", &[]);
    let w = sched.spawn(w);
    let n = thread(&mut store, instance, "notifier", &[]);
    let n = sched.spawn(n);
    sched.run(&mut store);
    assert_eq!(sched.result(w).unwrap(), &Ok(vec![Val::I32(0)]), "woken: 0");
    let Ok(tries) = sched.result(n).unwrap() else {
        panic!("the notifier failed: {:?}", sched.result(n));
    };
    let tries = match tries[..] {
        [Val::I32(t)] if t >= 1 => t,
        ref other => panic!("tries: {other:?}"),
    };
    let len = call(&mut store, instance, "log-len", &[]).unwrap();
    assert_eq!(len, vec![Val::I32(4)], "both threads logged twice");
    let log = (0..4)
        .map(
            |i| match call(&mut store, instance, "log", &[Val::I32(i)]).unwrap()[..] {
                [Val::I32(v)] => v,
                ref other => panic!("{other:?}"),
            },
        )
        .collect();
    (log, sched.history().to_vec(), tries)
}

#[test]
fn wait_and_notify_between_two_threads_is_deterministic_by_default() {
    let (log, history, tries) = wait_and_notify(NondetMode::Deterministic);
    // The waiter runs first and blocks; the notifier wakes it at its first
    // try and finishes; then the waiter finishes.
    assert_eq!(log, vec![1, 3, 4, 2]);
    assert_eq!(history, vec![0, 1, 0]);
    assert_eq!(tries, 1);
    assert_eq!(
        wait_and_notify(NondetMode::Deterministic),
        (log, history, tries)
    );
}

#[test]
fn seeds_vary_the_order_of_wait_and_notify() {
    let deterministic = wait_and_notify(NondetMode::Deterministic);
    let mut logs = std::collections::HashSet::new();
    let mut differs = false;
    for seed in 0..24 {
        let run = wait_and_notify(NondetMode::Seeded(seed));
        assert_eq!(
            run,
            wait_and_notify(NondetMode::Seeded(seed)),
            "seed {seed}"
        );
        differs |= run != deterministic;
        logs.insert(run.0);
    }
    assert!(differs, "no seed changed the schedule");
    // Some seed lets the notifier start first and spin (being preempted)
    // until the waiter has arrived.
    assert!(logs.contains(&vec![3, 1, 4, 2]), "logs seen: {logs:?}");
}

#[test]
fn a_wait_nobody_can_notify_ends_in_a_deadlock_trap() {
    let (mut store, instance) = setup(NondetMode::Deterministic);
    // Alone, through Store::call.
    let err = call(&mut store, instance, "waiter", &[]).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.kind, TrapKind::Deadlock);
    assert!(trap.message.contains("deadlock"));
    assert_eq!(trap.backtrace.len(), 1, "{}", trap.backtrace_string());
    // Two waiters under a scheduler: both deadlock, nothing hangs.
    let mut sched = Scheduler::new();
    let a = thread(&mut store, instance, "waiter", &[]);
    let a = sched.spawn(a);
    let b = thread(&mut store, instance, "waiter", &[]);
    let b = sched.spawn(b);
    sched.run(&mut store);
    for t in [a, b] {
        let Err(Error::Trap(trap)) = sched.result(t).unwrap() else {
            panic!("thread {t}: {:?}", sched.result(t));
        };
        assert_eq!(trap.kind, TrapKind::Deadlock);
    }
    // The deadlocked waits are gone: a notify finds nobody.
    assert_eq!(
        call(&mut store, instance, "notify", &[Val::I32(-1)]).unwrap(),
        vec![Val::I32(0)]
    );
}

#[test]
fn timed_waits_end_by_virtual_time_even_while_another_thread_spins() {
    for mode in [NondetMode::Deterministic, NondetMode::Seeded(3)] {
        let (mut store, instance) = setup(mode);
        let mut sched = Scheduler::new();
        // The waiter times out after 1 ms of virtual time, which passes
        // with the spinner's slices; then it raises the spinner's flag.
        let t = thread(&mut store, instance, "timed", &[Val::I64(1_000_000)]);
        let t = sched.spawn(t);
        let s = thread(&mut store, instance, "spin", &[]);
        let s = sched.spawn(s);
        sched.run(&mut store);
        assert_eq!(sched.result(t).unwrap(), &Ok(vec![Val::I32(2)]));
        assert!(matches!(sched.result(s).unwrap(), Ok(v) if v.len() == 1));
    }
}

#[test]
fn a_waiting_thread_resumes_only_once_notified() {
    let (mut store, instance) = setup(NondetMode::Deterministic);
    let mut t = thread(&mut store, instance, "waiter", &[]);
    assert!(matches!(
        t.resume(&mut store, &[]).unwrap(),
        Outcome::Waiting
    ));
    assert!(t.is_waiting(&store));
    // Resuming before a notify changes nothing.
    assert!(matches!(
        t.resume(&mut store, &[]).unwrap(),
        Outcome::Waiting
    ));
    assert!(
        t.resume(&mut store, &[Val::I32(0)]).is_err(),
        "a waiting thread takes no host results"
    );
    // The misuse ended the thread, and its wait with it.
    assert!(t.is_finished());
    assert!(!t.is_waiting(&store));
    let mut t = thread(&mut store, instance, "waiter", &[]);
    assert!(matches!(
        t.resume(&mut store, &[]).unwrap(),
        Outcome::Waiting
    ));
    // Another call of the same store notifies it.
    assert_eq!(
        call(&mut store, instance, "notify", &[Val::I32(2)]).unwrap(),
        vec![Val::I32(1)]
    );
    assert!(!t.is_waiting(&store));
    let Outcome::Finished(vals) = t.resume(&mut store, &[]).unwrap() else {
        panic!("expected the thread to finish");
    };
    assert_eq!(vals, vec![Val::I32(0)]);
}

#[test]
fn without_fuel_metering_threads_run_until_they_block() {
    let engine =
        Engine::new(Config::default().features(WasmFeatures::WASM2 | WasmFeatures::THREADS));
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let instance = Linker::new().instantiate(&mut store, &module).unwrap();
    store.set_time_slice(Some(1));
    let mut sched = Scheduler::new();
    let w = thread(&mut store, instance, "waiter", &[]);
    let w = sched.spawn(w);
    let n = thread(&mut store, instance, "notifier", &[]);
    let n = sched.spawn(n);
    sched.run(&mut store);
    assert_eq!(sched.history(), &[w, n, w]);
    assert_eq!(sched.result(n).unwrap(), &Ok(vec![Val::I32(1)]));
}
