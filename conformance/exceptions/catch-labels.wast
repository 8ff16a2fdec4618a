;; Where a catch clause delivers its values: straight to its label when
;; the label's values start where the try_table's stack does, through a
;; stub otherwise (values below, a loop, the function's own label).

(module
  (tag $e (param i32))
  (tag $f (param i64 i32))
  (func $throw (param i32) (throw $e (local.get 0)))
  (func $throw-f (param i32) (throw $f (i64.const 10) (local.get 0)))

  ;; A value between the label and the try_table: the payload moves down
  ;; to the label's slot.
  (func (export "below") (param i32) (result i32)
    (i32.const 100)
    (block $h (result i32)
      (i32.const 20)
      (try_table (catch $e $h)
        (call $throw (local.get 0)))
      (unreachable))
    (i32.add))

  ;; The catch returns from the function.
  (func (export "to-function") (param i32) (result i32)
    (try_table (catch $e 0)
      (call $throw (local.get 0)))
    (i32.const -1))

  ;; The catch goes back to a loop head, which takes the payload.
  (func (export "loop") (param $n i32) (result i32)
    (local $sum i32)
    (local.get $n)
    (loop $l (param i32)
      (local.set $n)
      (local.set $sum (i32.add (local.get $sum) (local.get $n)))
      (if (i32.gt_s (local.get $n) (i32.const 0))
        (then
          (try_table (catch $e $l)
            (call $throw (i32.sub (local.get $n) (i32.const 1)))))))
    (local.get $sum))

  ;; catch_ref with a two-value payload to an outer block; the exception
  ;; is thrown again and caught by a catch_all around it.
  (func (export "ref-outer") (param i32) (result i64 i32)
    (local $e exnref)
    (block $outer (result i64 i32 exnref)
      (block $inner
        (try_table (catch_ref $f $outer) (catch_all $inner)
          (call $throw-f (local.get 0)))
        (unreachable))
      (unreachable))
    (local.set $e)
    (drop) (drop)
    (block $again (result i64 i32)
      (try_table (catch $f $again)
        (throw_ref (local.get $e)))
      (unreachable)))

  ;; The first matching clause wins, in order.
  (func (export "order") (param i32) (result i32)
    (block $all
      (block $e (result i32)
        (try_table (catch $e $e) (catch_all $all)
          (if (local.get 0)
            (then (call $throw (i32.const 7)))
            (else (call $throw-f (i32.const 8)))))
        (unreachable))
      (return))
    (i32.const 99))

  ;; A try_table with parameters.
  (func (export "params") (param i32) (result i32)
    (block $h (result i32)
      (local.get 0)
      (try_table (param i32) (result i32) (catch $e $h)
        (call $throw)
        (i32.const 0)))
    (i32.const 1000)
    (i32.add))
)

(assert_return (invoke "below" (i32.const 3)) (i32.const 103))
(assert_return (invoke "to-function" (i32.const 4)) (i32.const 4))
(assert_return (invoke "loop" (i32.const 10)) (i32.const 55))
(assert_return (invoke "ref-outer" (i32.const 5)) (i64.const 10) (i32.const 5))
(assert_return (invoke "order" (i32.const 1)) (i32.const 7))
(assert_return (invoke "order" (i32.const 0)) (i32.const 99))
(assert_return (invoke "params" (i32.const 6)) (i32.const 1006))
