//! A running wasm thread suspends inside a host call and is resumed later
//! from outside, with its stack, locals and memory intact.

use cmref_interp::*;

const WAT: &str = r#"
(module
  (import "host" "wait" (func $wait (param i32) (result i32)))
  (memory (export "mem") 1)
  ;; Sums wait(i) over i = 0..n, keeping live values on the operand stack
  ;; and in locals across every suspension, and records progress in memory.
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (i64.add
            (local.get $acc)
            (i64.extend_i32_u (call $wait (local.get $i)))))
        (i32.store (i32.const 0) (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i64.add (local.get $acc) (i64.const 1000000)))
  (func (export "depth") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (call $wait (i32.const 77)))
      (else (i32.add (i32.const 1)
        (call 2 (i32.sub (local.get 0) (i32.const 1)))))))
  (func (export "plain") (result i32) (i32.const 5)))
"#;

/// What the suspending host function hands to the embedder.
#[derive(Debug, PartialEq)]
struct Waiting(i32);

fn setup() -> (Store, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let wait = Func::new_host_suspendable(
        &mut store,
        FuncType::new([ValType::I32], [ValType::I32]),
        |_, args| {
            let Val::I32(i) = args[0] else { unreachable!() };
            Ok(HostResult::Suspend(Box::new(Waiting(i))))
        },
    );
    let mut linker = Linker::new();
    linker.define("host", "wait", wait);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn waiting(outcome: Outcome) -> i32 {
    match outcome {
        Outcome::Suspended(payload) => payload.downcast::<Waiting>().expect("payload type").0,
        other => panic!("expected a suspension, got {other:?}"),
    }
}

#[test]
fn host_call_suspends_and_resumes_with_state_intact() {
    let (mut store, instance) = setup();
    let run = instance.get_func(&store, "run").unwrap();
    let mem = instance.get_memory(&store, "mem").unwrap();
    let mut thread = Thread::new(&mut store, run, &[Val::I32(4)]).unwrap();

    let mut outcome = thread.resume(&mut store, &[]).unwrap();
    for i in 0..4 {
        assert_eq!(waiting(outcome), i);
        // While suspended, the store is free for other work.
        let plain = instance.get_func(&store, "plain").unwrap();
        assert_eq!(store.call(plain, &[]).unwrap(), vec![Val::I32(5)]);
        if i > 0 {
            let progress = i32::from_le_bytes(mem.data(&store)[0..4].try_into().unwrap());
            assert_eq!(
                progress,
                i - 1,
                "memory effects before the suspension are visible"
            );
        }
        outcome = thread
            .resume(&mut store, &[Val::I32(10 * (i + 1))])
            .unwrap();
    }
    match outcome {
        Outcome::Finished(vals) => assert_eq!(vals, vec![Val::I64(1_000_000 + 10 + 20 + 30 + 40)]),
        other => panic!("expected the thread to finish, got {other:?}"),
    }
    assert!(thread.is_finished());
    assert!(
        thread.resume(&mut store, &[]).is_err(),
        "a finished thread cannot resume"
    );
}

#[test]
fn two_threads_interleave() {
    let (mut store, instance) = setup();
    let run = instance.get_func(&store, "run").unwrap();
    let mut a = Thread::new(&mut store, run, &[Val::I32(2)]).unwrap();
    let mut b = Thread::new(&mut store, run, &[Val::I32(2)]).unwrap();
    assert_eq!(waiting(a.resume(&mut store, &[]).unwrap()), 0);
    assert_eq!(waiting(b.resume(&mut store, &[]).unwrap()), 0);
    assert_eq!(waiting(b.resume(&mut store, &[Val::I32(1)]).unwrap()), 1);
    assert_eq!(waiting(a.resume(&mut store, &[Val::I32(100)]).unwrap()), 1);
    let Outcome::Finished(rb) = b.resume(&mut store, &[Val::I32(2)]).unwrap() else {
        panic!("b should finish")
    };
    let Outcome::Finished(ra) = a.resume(&mut store, &[Val::I32(200)]).unwrap() else {
        panic!("a should finish")
    };
    assert_eq!(rb, vec![Val::I64(1_000_003)]);
    assert_eq!(ra, vec![Val::I64(1_000_300)]);
}

#[test]
fn suspension_deep_in_wasm_recursion() {
    let (mut store, instance) = setup();
    let depth = instance.get_func(&store, "depth").unwrap();
    let mut thread = Thread::new(&mut store, depth, &[Val::I32(500)]).unwrap();
    assert_eq!(waiting(thread.resume(&mut store, &[]).unwrap()), 77);
    let Outcome::Finished(vals) = thread.resume(&mut store, &[Val::I32(1)]).unwrap() else {
        panic!("should finish")
    };
    assert_eq!(vals, vec![Val::I32(501)]);
}

#[test]
fn resuming_with_wrong_results_is_an_error_not_a_crash() {
    let (mut store, instance) = setup();
    let run = instance.get_func(&store, "run").unwrap();
    let mut thread = Thread::new(&mut store, run, &[Val::I32(1)]).unwrap();
    waiting(thread.resume(&mut store, &[]).unwrap());
    assert!(matches!(
        thread.resume(&mut store, &[Val::I64(1)]),
        Err(Error::Api(_))
    ));
}

#[test]
fn a_plain_call_reports_a_suspension_as_an_error() {
    let (mut store, instance) = setup();
    let run = instance.get_func(&store, "run").unwrap();
    assert!(matches!(
        store.call(run, &[Val::I32(1)]),
        Err(Error::Api(_))
    ));
}
