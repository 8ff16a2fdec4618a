;; Branches carry their label's values (core spec: br, br_if, br_table),
;; whether the values are locals, constants or computed.

(module
  ;; br_if with a value taken from a local; the value stays when not taken
  (func (export "br_if-value") (param $x i32) (param $c i32) (result i32)
    (block (result i32)
      (drop (br_if 0 (local.get $x) (local.get $c)))
      (i32.const 99)))
  ;; br_if with two values, one of them a constant, out of a nested block
  (func (export "br_if-two") (param $c i32) (result i32 i64)
    (block (result i32 i64)
      (block
        (br_if 1 (i32.const 1) (i64.const 2) (local.get $c))
        (drop) (drop))
      (i32.const 3) (i64.const 4)))
  ;; the not-taken path still sees the values it pushed
  (func (export "br_if-not-taken") (param $x i32) (result i32)
    (block (result i32)
      (i32.add
        (br_if 0 (local.get $x) (i32.eqz (local.get $x)))
        (i32.const 1000))))
  ;; br_table to blocks with values and to the function label
  (func (export "br_table-values") (param $i i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        (block $c (result i32)
          (br_table $a $b $c 3 (i32.const 10) (local.get $i)))
        (return (i32.add (i32.const 1))))
      (return (i32.add (i32.const 2))))
    (i32.add (i32.const 3)))
  ;; br_table back to a loop header, carrying the loop parameter, or out
  (func (export "br_table-loop") (param $n i32) (result i32)
    (local $acc i32)
    (i32.const 0)
    (block $out (param i32) (result i32)
      (loop $l (param i32) (result i32)
        (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        (i32.add (i32.const 2))
        (br_table $l $out
          (i32.eqz (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
    (i32.add (local.get $acc)))
  ;; multi-value block params, if without else passing them through
  (func (export "if-params") (param $c i32) (result i32 i32)
    (i32.const 1) (i32.const 2)
    (if (param i32 i32) (result i32 i32) (local.get $c)
      (then (i32.add (i32.const 10)) (i32.const 20) (i32.mul)))
    )
  ;; return of several values from deep inside blocks
  (func (export "deep-return") (param $x i64) (result i64 v128 f32)
    (block
      (loop
        (block
          (return (local.get $x) (v128.const i64x2 7 8) (f32.const 1.5)))))
    (i64.const 0) (v128.const i64x2 0 0) (f32.const 0))
)

(assert_return (invoke "br_if-value" (i32.const 5) (i32.const 1)) (i32.const 5))
(assert_return (invoke "br_if-value" (i32.const 5) (i32.const 0)) (i32.const 99))
(assert_return (invoke "br_if-two" (i32.const 1)) (i32.const 1) (i64.const 2))
(assert_return (invoke "br_if-two" (i32.const 0)) (i32.const 3) (i64.const 4))
(assert_return (invoke "br_if-not-taken" (i32.const 0)) (i32.const 0))
(assert_return (invoke "br_if-not-taken" (i32.const 7)) (i32.const 1007))
(assert_return (invoke "br_table-values" (i32.const 0)) (i32.const 13))
(assert_return (invoke "br_table-values" (i32.const 1)) (i32.const 12))
(assert_return (invoke "br_table-values" (i32.const 2)) (i32.const 11))
(assert_return (invoke "br_table-values" (i32.const 3)) (i32.const 10))
(assert_return (invoke "br_table-values" (i32.const -1)) (i32.const 10))
(assert_return (invoke "br_table-loop" (i32.const 4)) (i32.const 12))
(assert_return (invoke "if-params" (i32.const 1)) (i32.const 1) (i32.const 240))
(assert_return (invoke "if-params" (i32.const 0)) (i32.const 1) (i32.const 2))
(assert_return (invoke "deep-return" (i64.const -3))
  (i64.const -3) (v128.const i64x2 7 8) (f32.const 1.5))
