;; Values read from a local before a block keep that value even when the
;; block writes the local (core spec: local.get pushes the current value).

(module
  ;; local.set inside a conditionally executed block
  (func (export "set-in-if") (param $x i32) (param $c i32) (result i32)
    (local.get $x)
    (if (local.get $c) (then (local.set $x (i32.const 100))))
    (local.get $x)
    (i32.sub))
  ;; local.tee inside a loop; the value pushed before the loop is the old one
  (func (export "tee-in-loop") (param $n i32) (result i32)
    (local $i i32)
    (local.get $n)
    (loop $l
      (local.set $n (i32.add (local.get $n) (i32.const 10)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 3))))
    (local.get $n)
    (i32.add))
  ;; the same local pushed twice, then overwritten
  (func (export "pushed-twice") (param $x i32) (result i32)
    (local.get $x)
    (local.get $x)
    (local.set $x (i32.const 7))
    (i32.mul)
    (local.get $x)
    (i32.add))
  ;; an arithmetic result stored straight into a local that is also pending
  (func (export "overwrite-pending") (param $x i32) (result i32)
    (local.get $x)
    (local.set $x (i32.add (local.get $x) (i32.const 1)))
    (local.get $x)
    (i32.sub))
  ;; v128 locals behave the same
  (func (export "v128-pending") (param $v v128) (result v128)
    (local.get $v)
    (local.set $v (i32x4.add (local.get $v) (local.get $v)))
    (local.get $v)
    (i32x4.sub))
)

;; local.get pushes the value at the time of the get
(assert_return (invoke "set-in-if" (i32.const 5) (i32.const 0)) (i32.const 0))
(assert_return (invoke "set-in-if" (i32.const 5) (i32.const 1)) (i32.const -95))
(assert_return (invoke "tee-in-loop" (i32.const 1)) (i32.const 32))
(assert_return (invoke "pushed-twice" (i32.const 3)) (i32.const 16))
(assert_return (invoke "overwrite-pending" (i32.const 41)) (i32.const -1))
(assert_return (invoke "v128-pending" (v128.const i32x4 1 2 3 -4))
  (v128.const i32x4 -1 -2 -3 4))
