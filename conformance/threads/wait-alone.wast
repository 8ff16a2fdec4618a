;; memory.atomic.wait and notify when no other thread exists: the script's
;; single thread can only be woken by a timeout. cmref's clock is virtual:
;; a timed wait that nothing notifies times out at once; a wait without
;; timeout that nothing can notify ends in a "deadlock" trap (the spec's
;; thread would stay suspended forever).

(module
  (memory 1 1 shared)
  (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32)
    (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait32-offset") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 offset=4 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1)))
  ;; Waits twice in one call, then adds the results.
  (func (export "wait-twice") (result i32)
    (i32.add
      (memory.atomic.wait32 (i32.const 0) (i32.const 7) (i64.const 5))
      (memory.atomic.wait64 (i32.const 8) (i64.const 0) (i64.const 1_000_000_000)))))

(invoke "store" (i32.const 0) (i64.const 0x1_0000_0007))
;; Not the expected value: 1 ("not-equal"), whatever the timeout.
(assert_return (invoke "wait32" (i32.const 0) (i32.const 6) (i64.const -1)) (i32.const 1))
(assert_return (invoke "wait64" (i32.const 0) (i64.const 7) (i64.const -1)) (i32.const 1))
;; Equal: only a timeout can end the wait, 2 ("timed-out").
(assert_return (invoke "wait32" (i32.const 0) (i32.const 7) (i64.const 0)) (i32.const 2))
(assert_return (invoke "wait32" (i32.const 0) (i32.const 7) (i64.const 1000)) (i32.const 2))
(assert_return (invoke "wait64" (i32.const 0) (i64.const 0x1_0000_0007) (i64.const 0x7fff_ffff_ffff_ffff)) (i32.const 2))
(assert_return (invoke "wait32-offset" (i32.const 0) (i32.const 1) (i64.const 10)) (i32.const 2))
(assert_return (invoke "wait-twice") (i32.const 4))
;; Equal and no timeout: nobody can ever notify.
(assert_trap (invoke "wait32" (i32.const 0) (i32.const 7) (i64.const -1)) "deadlock")
(assert_trap (invoke "wait64" (i32.const 0) (i64.const 0x1_0000_0007) (i64.const -5)) "deadlock")
;; The deadlocked waits are gone: notifying finds no waiter.
(assert_return (invoke "notify" (i32.const 0) (i32.const -1)) (i32.const 0))
;; Alignment is checked before bounds.
(assert_trap (invoke "wait32" (i32.const 2) (i32.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait64" (i32.const 4) (i64.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 65535) (i32.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 65536) (i32.const 0) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "wait32-offset" (i32.const 65532) (i32.const 0) (i64.const 0)) "out of bounds memory access")
(assert_trap (invoke "notify" (i32.const 1) (i32.const 1)) "unaligned atomic")
(assert_trap (invoke "notify" (i32.const 65536) (i32.const 1)) "out of bounds memory access")

;; An unshared memory: waiting traps, notifying wakes nobody (after the
;; same alignment and bounds checks).
(module
  (memory 1 1)
  (func (export "wait32") (param i32 i32 i64) (result i32)
    (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32)
    (memory.atomic.notify (local.get 0) (local.get 1))))
(assert_trap (invoke "wait32" (i32.const 0) (i32.const 0) (i64.const 0)) "expected shared memory")
(assert_trap (invoke "wait32" (i32.const 0) (i32.const 1) (i64.const 0)) "expected shared memory")
(assert_trap (invoke "wait32" (i32.const 1) (i32.const 0) (i64.const 0)) "unaligned atomic")
(assert_trap (invoke "wait32" (i32.const 65536) (i32.const 0) (i64.const 0)) "expected shared memory")
(assert_return (invoke "notify" (i32.const 0) (i32.const 10)) (i32.const 0))
(assert_trap (invoke "notify" (i32.const 2) (i32.const 10)) "unaligned atomic")
(assert_trap (invoke "notify" (i32.const 65536) (i32.const 10)) "out of bounds memory access")
