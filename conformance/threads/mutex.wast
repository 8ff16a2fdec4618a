;; Three script threads increment one counter through a mutex built from
;; compare-exchange, wait and notify, and a second counter with atomic
;; adds. Their loops are long enough to be preempted many times, so under
;; any schedule (--seed N) the threads contend for the lock, block in
;; memory.atomic.wait and are woken by notify; the counts come out exact.

(module $Mem (memory (export "mem") 1 1 shared))
(register "mem" $Mem)

(module $Worker
  (memory (import "mem" "mem") 1 1 shared)
  (func $lock
    (loop $retry
      (if (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 0) (i32.const 1))
        (then
          (drop (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const -1)))
          (br $retry)))))
  (func $unlock
    (i32.atomic.store (i32.const 0) (i32.const 0))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
  (func (export "work") (param $n i32)
    (loop $next
      (call $lock)
      ;; A plain read-modify-write, made safe only by the lock.
      (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
      (call $unlock)
      (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 1)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "locked") (result i32) (i32.load (i32.const 16)))
  (func (export "added") (result i32) (i32.atomic.load (i32.const 32))))

(thread $A (shared (module $Mem))
  (register "mem" $Mem)
  (module (memory (import "mem" "mem") 1 1 shared)
    (func $lock
      (loop $retry
        (if (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 0) (i32.const 1))
          (then
            (drop (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const -1)))
            (br $retry)))))
    (func $unlock
      (i32.atomic.store (i32.const 0) (i32.const 0))
      (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
    (func (export "work") (param $n i32)
      (loop $next
        (call $lock)
        (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
        (call $unlock)
        (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 1)))
        (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  (invoke "work" (i32.const 3000)))

(thread $B (shared (module $Mem))
  (register "mem" $Mem)
  (module (memory (import "mem" "mem") 1 1 shared)
    (func $lock
      (loop $retry
        (if (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 0) (i32.const 1))
          (then
            (drop (memory.atomic.wait32 (i32.const 0) (i32.const 1) (i64.const -1)))
            (br $retry)))))
    (func $unlock
      (i32.atomic.store (i32.const 0) (i32.const 0))
      (drop (memory.atomic.notify (i32.const 0) (i32.const 1))))
    (func (export "work") (param $n i32)
      (loop $next
        (call $lock)
        (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
        (call $unlock)
        (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 1)))
        (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  ;; A nested thread, joined before this one goes on.
  (thread $B1 (shared (module $Mem))
    (register "mem" $Mem)
    (module (memory (import "mem" "mem") 1 1 shared)
      (func (export "add") (param $n i32)
        (loop $next
          (drop (i32.atomic.rmw.add (i32.const 32) (i32.const 1)))
          (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (invoke "add" (i32.const 500)))
  (wait $B1)
  (invoke "work" (i32.const 2000)))

;; The main script works too while the threads run.
(invoke $Worker "work" (i32.const 1000))
(wait $A)
(wait $B)
(assert_return (invoke $Worker "locked") (i32.const 6000))
(assert_return (invoke $Worker "added") (i32.const 6500))
