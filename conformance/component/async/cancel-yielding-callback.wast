;; `subtask.cancel` of a callback task that is parked by the callback code
;; YIELD delivers the cancellation at once: the callback loop's YIELD wait
;; is cancellable (`thread.wait_until(..., cancellable = True)` in
;; `canon_lift`), so `Task.request_cancellation` resumes the task's thread
;; with `Cancelled.TRUE` inside the `subtask.cancel` call; the callback
;; receives TASK_CANCELLED, calls `task.cancel`, and `subtask.cancel`
;; returns CANCELLED_BEFORE_RETURNED (4) rather than BLOCKED. Found by the
;; `component_async` fuzz target: Wasmtime 48.0.8 returns BLOCKED and
;; delivers the resolution later as an event.
(component
  (component $C
    (core module $CM
      (import "" "task.cancel" (func $task.cancel))
      (import "" "task.return" (func $task.return))
      (func (export "f") (result i32) (i32.const 1 (; YIELD ;)))
      (func (export "cb") (param $code i32) (param i32 i32) (result i32)
        (if (i32.eq (local.get $code) (i32.const 6 (; TASK_CANCELLED ;)))
          (then (call $task.cancel))
          (else (call $task.return)))
        (i32.const 0 (; EXIT ;))))
    (core func $task.cancel (canon task.cancel))
    (core func $task.return (canon task.return))
    (core instance $cm (instantiate $CM (with "" (instance
      (export "task.cancel" (func $task.cancel))
      (export "task.return" (func $task.return))))))
    (func (export "f") async (canon lift (core func $cm "f") async (callback (core func $cm "cb")))))
  (component $D
    (import "f" (func $f async))
    (core module $DM
      (import "" "f" (func $f (result i32)))
      (import "" "subtask.cancel" (func $subtask.cancel (param i32) (result i32)))
      (func (export "run") (result i32) (local $r i32)
        (local.set $r (call $f))
        ;; A YIELD may also end at once (`wait_until` on a condition that
        ;; holds, outside the deterministic profile): the callee then
        ;; returns and there is nothing to cancel. Report what the cancel
        ;; would have reported, so only the other case is tested.
        (if (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 2 (; RETURNED ;)))
          (then (return (i32.const 4))))
        ;; the callee has yielded: STARTED
        (if (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1 (; STARTED ;)))
          (then unreachable))
        (call $subtask.cancel (i32.shr_u (local.get $r) (i32.const 4)))))
    (core func $f' (canon lower (func $f) async))
    (core func $subtask.cancel (canon subtask.cancel async))
    (core instance $dm (instantiate $DM (with "" (instance
      (export "f" (func $f'))
      (export "subtask.cancel" (func $subtask.cancel))))))
    (func (export "run") async (result u32) (canon lift (core func $dm "run"))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "f" (func $c "f"))))
  (func (export "run") (alias export $d "run")))
(assert_return (invoke "run") (u32.const 4 (; CANCELLED_BEFORE_RETURNED ;)))
