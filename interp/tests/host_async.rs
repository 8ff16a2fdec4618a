//! Async host functions (`LinkerInstance::func_new_async`): a host import
//! whose result arrives later. The guest lowers it `async` and gets a
//! STARTED subtask, lowers it synchronously and waits, or cancels it; the
//! store's event loop polls the host future; a future that can never
//! resolve is a deadlock trap.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Poll;

use cmref_interp::component::{self, Component, HostCall, HostFuture, Linker, Val};
use cmref_interp::trace::TraceBuffer;
use cmref_interp::{Config, Engine, Store, Trap};

const WAT: &str = r#"(component
  (import "slow" (func $slow async (param "x" u32) (result u32)))
  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "slow-async" (func $slow-async (param i32 i32) (result i32)))
    (import "" "slow-sync" (func $slow-sync (param i32) (result i32)))
    (import "" "task.return" (func $task.return (param i32)))
    (import "" "waitable-set.new" (func $ws.new (result i32)))
    (import "" "waitable-set.wait" (func $ws.wait (param i32 i32) (result i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.cancel" (func $cancel (param i32) (result i32)))
    ;; slow(20) async: RETURNED at once gives the result; STARTED waits for
    ;; the SUBTASK event and adds 1000 to show that it waited.
    (func (export "run")
      (local $ret i32) (local $sub i32) (local $ws i32)
      (local.set $ret (call $slow-async (i32.const 20) (i32.const 100)))
      (if (i32.eq (local.get $ret) (i32.const 2 (; RETURNED ;)))
        (then (call $task.return (i32.load (i32.const 100))) (return)))
      (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1 (; STARTED ;)))
        (then unreachable))
      (local.set $sub (i32.shr_u (local.get $ret) (i32.const 4)))
      (local.set $ws (call $ws.new))
      (call $join (local.get $sub) (local.get $ws))
      (if (i32.ne (call $ws.wait (local.get $ws) (i32.const 0)) (i32.const 1 (; SUBTASK ;)))
        (then unreachable))
      (if (i32.ne (i32.load (i32.const 4)) (i32.const 2 (; RETURNED ;))) (then unreachable))
      (call $task.return (i32.add (i32.load (i32.const 100)) (i32.const 1000))))
    (func (export "run-sync") (result i32) (call $slow-sync (i32.const 20)))
    ;; slow(20) async, then cancel it: the final state is the result.
    (func (export "cancel")
      (local $ret i32)
      (local.set $ret (call $slow-async (i32.const 20) (i32.const 100)))
      (if (i32.ne (i32.and (local.get $ret) (i32.const 0xf)) (i32.const 1 (; STARTED ;)))
        (then unreachable))
      (call $task.return (call $cancel (i32.shr_u (local.get $ret) (i32.const 4)))))
  )
  (canon lower (func $slow) async (memory (core memory $memory "mem")) (core func $slow-async))
  (canon lower (func $slow) (core func $slow-sync))
  (canon task.return (result u32) (core func $task.return))
  (canon waitable-set.new (core func $ws.new))
  (canon waitable-set.wait (memory (core memory $memory "mem")) (core func $ws.wait))
  (canon waitable.join (core func $join))
  (canon subtask.cancel (core func $cancel))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "slow-async" (func $slow-async))
    (export "slow-sync" (func $slow-sync))
    (export "task.return" (func $task.return))
    (export "waitable-set.new" (func $ws.new))
    (export "waitable-set.wait" (func $ws.wait))
    (export "waitable.join" (func $join))
    (export "subtask.cancel" (func $cancel))
  ))))
  (func (export "run") async (result u32) (canon lift (core func $m "run") async))
  (func (export "run-sync") (result u32) (canon lift (core func $m "run-sync")))
  (func (export "cancel") async (result u32) (canon lift (core func $m "cancel") async))
)"#;

/// Resolves to `x + 1` on its `polls_needed`-th poll, or on the first
/// poll that may block (the store has nothing else to run, so a real
/// future would wait for its result then); never when `polls_needed` is
/// `u32::MAX`. Counts polls.
struct Countdown {
    x: u32,
    polls_needed: u32,
    polls: Arc<AtomicU32>,
    cancellable: bool,
}

impl HostFuture for Countdown {
    fn poll(&mut self, _: &mut Store, block: bool) -> Poll<Result<Vec<Val>, Trap>> {
        let n = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.polls_needed != u32::MAX && (block || n >= self.polls_needed) {
            Poll::Ready(Ok(vec![Val::U32(self.x + 1)]))
        } else {
            Poll::Pending
        }
    }

    fn cancel(&mut self, _: &mut Store) -> bool {
        self.cancellable
    }
}

/// Instantiates the component with `slow` resolving after `polls_needed`
/// polls (never, for `u32::MAX`), calls `export`, and returns its result
/// and how often the host future was polled.
fn call(export: &str, polls_needed: u32, cancellable: bool) -> (Result<Vec<Val>, String>, u32) {
    call_traced(export, polls_needed, cancellable, None)
}

/// [`call`], writing the store's trace to `trace`.
fn call_traced(
    export: &str,
    polls_needed: u32,
    cancellable: bool,
    trace: Option<&TraceBuffer>,
) -> (Result<Vec<Val>, String>, u32) {
    let engine = Engine::new(Config::default().features(component::features()));
    let component = Component::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    if let Some(buf) = trace {
        store.set_trace(Some(Box::new(buf.clone())));
    }
    let polls = Arc::new(AtomicU32::new(0));
    let mut linker = Linker::new();
    let counter = polls.clone();
    linker
        .root()
        .func_new_async("slow", move |_, args| {
            let [Val::U32(x)] = args else {
                return Err(Trap::host("slow takes one u32"));
            };
            Ok(HostCall::Pending(Box::new(Countdown {
                x: *x,
                polls_needed,
                polls: counter.clone(),
                cancellable,
            })))
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let f = instance.get_func(export).unwrap();
    let r = f.call(&mut store, &[]).map_err(|e| e.to_string());
    (r, polls.load(Ordering::SeqCst))
}

#[test]
fn an_async_lower_gets_a_started_subtask_that_returns_when_the_host_resolves() {
    let (r, polls) = call("run", 3, false);
    assert_eq!(r.unwrap(), vec![Val::U32(1021)]);
    // Pending on the first poll (without blocking), resolved by a later one.
    assert!((2..=3).contains(&polls), "{polls} polls");
}

#[test]
fn a_sync_lower_waits_for_the_host_result() {
    let (r, polls) = call("run-sync", 5, false);
    assert_eq!(r.unwrap(), vec![Val::U32(21)]);
    assert_eq!(polls, 2);
}

#[test]
fn a_host_call_that_accepts_cancellation_resolves_as_cancelled() {
    let (r, polls) = call("cancel", u32::MAX, true);
    assert_eq!(r.unwrap(), vec![Val::U32(4)], "CANCELLED_BEFORE_RETURNED");
    assert_eq!(polls, 0);
}

#[test]
fn a_host_call_that_refuses_cancellation_runs_to_its_result() {
    let (r, polls) = call("cancel", 3, false);
    assert_eq!(r.unwrap(), vec![Val::U32(2)], "RETURNED");
    assert!((2..=3).contains(&polls), "{polls} polls");
}

#[test]
fn a_host_call_that_never_resolves_is_a_deadlock_trap() {
    let (r, polls) = call("run", u32::MAX, false);
    assert!(r.unwrap_err().contains("deadlock"));
    assert!(polls >= 2, "polled without and with blocking");
}

#[test]
fn ready_results_resolve_at_once_and_wrong_results_are_api_errors() {
    let engine = Engine::new(Config::default().features(component::features()));
    let component = Component::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    for (result, expected) in [
        (Val::U32(7), Ok(vec![Val::U32(7)])),
        (Val::S8(7), Err("returned")),
    ] {
        let mut store = Store::new(&engine);
        let mut linker = Linker::new();
        linker
            .root()
            .func_new_async("slow", move |_, _| {
                Ok(HostCall::Ready(vec![result.clone()]))
            })
            .unwrap();
        let instance = linker.instantiate(&mut store, &component).unwrap();
        let r = instance.get_func("run").unwrap().call(&mut store, &[]);
        match expected {
            Ok(v) => assert_eq!(r.unwrap(), v),
            Err(msg) => assert!(r.unwrap_err().to_string().contains(msg)),
        }
    }
}

#[test]
fn the_trace_shows_the_pending_host_call() {
    let buf = TraceBuffer::new();
    let (r, _) = call_traced("run", 3, false, Some(&buf));
    assert_eq!(r.unwrap(), vec![Val::U32(1021)]);
    let text = buf.contents();
    let order: Vec<&str> = ["host.call", "host.pending", "thread.wait", "host.return"]
        .into_iter()
        .filter(|e| text.contains(&format!("\"event\":\"{e}\"")))
        .collect();
    assert_eq!(order.len(), 4, "{text}");
    let at = |e: &str| text.find(&format!("\"event\":\"{e}\"")).unwrap();
    assert!(at("host.pending") < at("thread.wait") && at("thread.wait") < at("host.return"));
    assert!(text.contains(r#""event":"host.return","func":"slow","results":["21"]"#));
}
