;; Arithmetic with constant operands of every size, on either side
;; (core spec: iadd, isub, imul, iand, ior, ixor, ishl, ishr_s, ishr_u, irotl,
;; irotr wrap and mask shift counts).

(module
  (func (export "i32.sub-const-left") (param i32) (result i32) (i32.sub (i32.const 10) (local.get 0)))
  (func (export "i32.shl-big-count") (param i32) (result i32) (i32.shl (local.get 0) (i32.const 33)))
  (func (export "i32.rotr-neg-count") (param i32) (result i32) (i32.rotr (local.get 0) (i32.const -1)))
  (func (export "i32.and-min") (param i32) (result i32) (i32.and (local.get 0) (i32.const 0x80000000)))
  (func (export "i64.add-neg") (param i64) (result i64) (i64.add (local.get 0) (i64.const -5)))
  (func (export "i64.add-wide") (param i64) (result i64) (i64.add (local.get 0) (i64.const 0x100000000)))
  (func (export "i64.mul-const-left") (param i64) (result i64) (i64.mul (i64.const -3) (local.get 0)))
  (func (export "i64.shr_s-count") (param i64) (result i64) (i64.shr_s (local.get 0) (i64.const 65)))
  (func (export "i64.xor-min32") (param i64) (result i64) (i64.xor (local.get 0) (i64.const -2147483648)))
  (func (export "i64.extend-of-const") (result i64) (i64.extend_i32_u (i32.const -1)))
  (func (export "i64.extend-signed-of-const") (result i64) (i64.extend_i32_s (i32.const -1)))
  (func (export "const-both") (result i32) (i32.add (i32.const 0x7fffffff) (i32.const 1)))
)

(assert_return (invoke "i32.sub-const-left" (i32.const 3)) (i32.const 7))
(assert_return (invoke "i32.sub-const-left" (i32.const 11)) (i32.const -1))
(assert_return (invoke "i32.shl-big-count" (i32.const 3)) (i32.const 6))
(assert_return (invoke "i32.rotr-neg-count" (i32.const 1)) (i32.const 2))
(assert_return (invoke "i32.and-min" (i32.const -1)) (i32.const 0x80000000))
(assert_return (invoke "i64.add-neg" (i64.const 2)) (i64.const -3))
(assert_return (invoke "i64.add-wide" (i64.const 1)) (i64.const 0x100000001))
(assert_return (invoke "i64.mul-const-left" (i64.const 5)) (i64.const -15))
(assert_return (invoke "i64.shr_s-count" (i64.const -8)) (i64.const -4))
(assert_return (invoke "i64.xor-min32" (i64.const 0)) (i64.const -2147483648))
(assert_return (invoke "i64.extend-of-const") (i64.const 0xffffffff))
(assert_return (invoke "i64.extend-signed-of-const") (i64.const -1))
(assert_return (invoke "const-both") (i32.const 0x80000000))
