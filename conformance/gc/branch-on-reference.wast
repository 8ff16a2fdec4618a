;; Branches on a reference (br_on_null, br_on_non_null, br_on_cast,
;; br_on_cast_fail) with label values that must move, to loops, and to the
;; function's own label.

(module
  (type $box (sub (struct (field i32))))
  (type $sub (sub $box (struct (field i32))))

  ;; br_on_null with a value below the reference that must move.
  (func (export "null-moves") (param $r (ref null $box)) (result i32)
    (i32.const 1)
    (block $null (param i32) (result i32 i32)
      (i32.const 10)
      (local.get $r)
      (br_on_null $null)
      (struct.get $box 0)
      (return (i32.add (i32.const 100))))
    (i32.add))

  ;; br_on_null to the function's label returns.
  (func (export "null-returns") (param $r (ref null $box)) (result i32)
    (i32.const -5)
    (local.get $r)
    (br_on_null 0)
    (struct.get $box 0)
    (i32.add))

  ;; br_on_non_null carries the reference.
  (func (export "non-null") (param $r (ref null $box)) (result i32)
    (block $some (result (ref $box))
      (br_on_non_null $some (local.get $r))
      (return (i32.const -1)))
    (struct.get $box 0))

  ;; br_on_cast to a label below other values, and br_on_cast_fail.
  (func (export "cast") (param $r anyref) (result i32)
    (i32.const 1000)
    (block $is-sub (param i32) (result i32 (ref $sub))
      (i32.const 0)
      (drop)
      (local.get $r)
      (br_on_cast $is-sub anyref (ref $sub))
      (drop)
      (return (i32.const -1)))
    (struct.get $sub 0)
    (i32.add))
  (func (export "cast-fail") (param $r anyref) (result i32)
    (block $not-box (result anyref)
      (local.get $r)
      (br_on_cast_fail $not-box anyref (ref $box))
      (struct.get $box 0)
      (return))
    (drop)
    (i32.const -2))
  ;; br_on_cast back to a loop head.
  (func (export "cast-loop") (param $n i32) (result i32)
    (local $count i32)
    (block $done
      (struct.new $sub (i32.const 1))
      (loop $again (param anyref)
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br_if $done (i32.ge_s (local.get $count) (local.get $n)))
        (br_on_cast $again anyref (ref $sub))
        (drop)))
    (local.get $count))

  (func (export "make-box") (param i32) (result (ref $box)) (struct.new $box (local.get 0)))
  (func (export "make-sub") (param i32) (result (ref $sub)) (struct.new $sub (local.get 0)))
  (func (export "make-i31") (param i32) (result anyref) (ref.i31 (local.get 0)))
  (func (export "null-moves-2") (param i32) (result i32)
    (call 0 (struct.new $box (local.get 0))))
)

(assert_return (invoke "null-moves" (ref.null $box)) (i32.const 11))
(assert_return (invoke "null-moves-2" (i32.const 3)) (i32.const 103))
(assert_return (invoke "null-returns" (ref.null none)) (i32.const -5))
(assert_return (invoke "non-null" (ref.null none)) (i32.const -1))
(assert_return (invoke "cast" (ref.null any)) (i32.const -1))
(assert_return (invoke "cast-fail" (ref.null any)) (i32.const -2))
(assert_return (invoke "cast-fail" (ref.host 3)) (i32.const -2))
(assert_return (invoke "cast-loop" (i32.const 5)) (i32.const 5))
