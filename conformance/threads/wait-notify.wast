;; Script threads: one thread blocks in memory.atomic.wait, another wakes it.
;; Whatever the schedule (run with --seed N to vary it), both finish: the
;; notifier keeps notifying until it has woken someone.

(module $Mem (memory (export "mem") 1 1 shared))

(thread $Waiter (shared (module $Mem))
  (register "shared" $Mem)
  (module
    (memory (import "shared" "mem") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const -1)))
    (func (export "done") (i32.atomic.store (i32.const 4) (i32.const 1))))
  ;; Nothing changes address 64, so only a notify can end this wait: 0 "ok".
  (assert_return (invoke "wait") (i32.const 0))
  (invoke "done"))

(thread $Notifier (shared (module $Mem))
  (register "shared" $Mem)
  (module
    (memory (import "shared" "mem") 1 1 shared)
    (func (export "notify-none") (result i32)
      (memory.atomic.notify (i32.const 64) (i32.const 0)))
    ;; Spins until the waiter has arrived; returns how many tries it took.
    (func (export "notify-one") (result i32) (local $tries i32)
      (loop $again
        (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
        (br_if $again (i32.eqz (memory.atomic.notify (i32.const 64) (i32.const 1)))))
      (local.get $tries)))
  (assert_return (invoke "notify-none") (i32.const 0))
  (invoke "notify-one"))

(wait $Waiter)
(wait $Notifier)

;; The threads registered "shared" in their own environments only.
(assert_unlinkable
  (module (memory (import "shared" "mem") 1 1 shared))
  "unknown import")
(register "shared" $Mem)
(module $Check
  (memory (import "shared" "mem") 1 1 shared)
  (func (export "done") (result i32) (i32.atomic.load (i32.const 4))))
(assert_return (invoke $Check "done") (i32.const 1))
