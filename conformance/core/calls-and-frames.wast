;; Calls pass arguments and results of every type, direct and indirect,
;; and frames do not leak into each other (core spec: call, call_indirect,
;; locals are zero-initialised on every call).

(module
  (type $t (func (param i32 v128 i64) (result v128 i32)))
  (table funcref (elem $swap $swap))
  (func $swap (type $t) (local $scratch i64)
    (local.get 1)
    (i32.add (local.get 0) (i32.wrap_i64 (i64.add (local.get 2) (local.get $scratch)))))
  (func (export "direct") (param i32) (result v128 i32)
    (call $swap (local.get 0) (v128.const i32x4 1 2 3 4) (i64.const 10)))
  (func (export "indirect") (param i32 i32) (result v128 i32)
    (call_indirect (type $t) (local.get 0) (v128.const i32x4 5 6 7 8) (i64.const 20) (local.get 1)))
  ;; a local written in one call is zero again in the next
  (func $fresh (param $set i32) (result i32) (local $l i32)
    (local.get $l)
    (local.set $l (local.get $set)))
  (func (export "fresh") (result i32)
    (drop (call $fresh (i32.const 9)))
    (call $fresh (i32.const 0)))
  ;; values below the arguments survive the call
  (func $id (param i32) (result i32) (local.get 0))
  (func (export "live-across") (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (call $id (i32.const 4))))
)

(assert_return (invoke "direct" (i32.const 1)) (v128.const i32x4 1 2 3 4) (i32.const 11))
(assert_return (invoke "indirect" (i32.const 2) (i32.const 1)) (v128.const i32x4 5 6 7 8) (i32.const 22))
(assert_trap (invoke "indirect" (i32.const 2) (i32.const 2)) "undefined element")
(assert_return (invoke "fresh") (i32.const 0))
(assert_return (invoke "live-across" (i32.const 5)) (i32.const 19))
