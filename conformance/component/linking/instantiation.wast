;; Explainer.md "Instance Definitions", "Alias Definitions" and "Import and
;; Export Definitions": nested components, instantiation arguments of every
;; sort, outer aliases, bags of exports, and how each instantiation is fresh.

;; Outer aliases of a core module and a component two levels up; a component
;; passed as an argument and instantiated twice, each time with its own state.
(component $Top
  (core module $Counter
    (global $n (mut i32) (i32.const 0))
    (func (export "next") (result i32)
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (global.get $n)))
  (component $Tick
    (alias outer $Top $Counter (core module $C))
    (core instance $c (instantiate $C))
    (func (export "next") (result u32) (canon lift (core func $c "next"))))
  (component $Outer
    (import "tick" (component $T (export "next" (func (result u32)))))
    (component $Inner
      ;; two levels up: the module and the component of $Top
      (alias outer $Top $Counter (core module $C))
      (alias outer $Top $Tick (component $T))
      (core instance $c (instantiate $C))
      (instance $t (instantiate $T))
      (func (export "own") (result u32) (canon lift (core func $c "next")))
      (func (export "tick") (alias export $t "next")))
    (instance $i (instantiate $Inner))
    ;; the imported component, instantiated twice
    (instance $t1 (instantiate $T))
    (instance $t2 (instantiate $T))
    (func (export "inner-own") (alias export $i "own"))
    (func (export "inner-tick") (alias export $i "tick"))
    (func (export "t1") (alias export $t1 "next"))
    (func (export "t2") (alias export $t2 "next")))
  (instance $o (instantiate $Outer (with "tick" (component $Tick))))
  (export "inner-own" (func $o "inner-own"))
  (export "inner-tick" (func $o "inner-tick"))
  (export "t1" (func $o "t1"))
  (export "t2" (func $o "t2"))
)
;; each core instantiation of $Counter has its own global
(assert_return (invoke "t1") (u32.const 1))
(assert_return (invoke "t1") (u32.const 2))
(assert_return (invoke "t2") (u32.const 1))
(assert_return (invoke "inner-own") (u32.const 1))
(assert_return (invoke "inner-tick") (u32.const 1))
(assert_return (invoke "inner-own") (u32.const 2))
(assert_return (invoke "t1") (u32.const 3))

;; Arguments of every sort (func, instance, type, component, core module),
;; and instances made from bags of exports.
(component
  (core module $Answer (func (export "get") (result i32) (i32.const 42)))
  (component $Lib
    (type $R' (resource (rep i32)))
    (export $R "r" (type $R'))
    (core func $new (canon resource.new $R'))
    (core module $M
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (result i32) (call $new (i32.const 9)))
      (func (export "seven") (result i32) (i32.const 7)))
    (core instance $m (instantiate $M (with "" (instance (export "new" (func $new))))))
    (func (export "make") (result (own $R)) (canon lift (core func $m "make")))
    (func (export "seven") (result u32) (canon lift (core func $m "seven"))))
  (component $Use
    (import "seven" (func $seven (result u32)))
    (import "lib" (instance $lib
      (export "r" (type $R (sub resource)))
      (export "make" (func (result (own $R))))))
    (alias export $lib "r" (type $LR))
    (import "r" (type $R2 (eq $LR)))
    (import "answer" (core module $A (export "get" (func (result i32)))))
    (core instance $a (instantiate $A))
    (core func $seven' (canon lower (func $seven)))
    (core func $make (canon lower (func $lib "make")))
    (core func $drop (canon resource.drop $R2))
    (core module $M
      (import "" "seven" (func $seven (result i32)))
      (import "" "make" (func $make (result i32)))
      (import "" "drop" (func $drop (param i32)))
      (import "" "answer" (func $answer (result i32)))
      ;; the resource made by the library is dropped as the type imported
      ;; separately: they are the same type
      (func (export "run") (result i32)
        (call $drop (call $make))
        (i32.add (call $seven) (call $answer))))
    (core instance $m (instantiate $M (with "" (instance
      (export "seven" (func $seven')) (export "make" (func $make)) (export "drop" (func $drop))
      (export "answer" (func $a "get"))))))
    (func (export "run") (result u32) (canon lift (core func $m "run"))))
  (instance $lib (instantiate $Lib))
  ;; a bag of exports standing for the library
  (instance $bag (export "r" (type $lib "r")) (export "make" (func $lib "make")))
  (instance $use (instantiate $Use
    (with "seven" (func $lib "seven"))
    (with "lib" (instance $bag))
    (with "r" (type $lib "r"))
    (with "answer" (core module $Answer))))
  (export "run" (func $use "run"))
)
(assert_return (invoke "run") (u32.const 49))

;; A chain of nested instances calling each other: five levels deep.
(component
  (component $Leaf
    (core module $M (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
    (core instance $m (instantiate $M))
    (func (export "f") (param "x" u32) (result u32) (canon lift (core func $m "f"))))
  (component $Link
    (import "next" (func $next (param "x" u32) (result u32)))
    (core func $next' (canon lower (func $next)))
    (core module $M
      (import "" "next" (func $next (param i32) (result i32)))
      (func (export "f") (param i32) (result i32) (i32.mul (call $next (local.get 0)) (i32.const 2))))
    (core instance $m (instantiate $M (with "" (instance (export "next" (func $next'))))))
    (func (export "f") (param "x" u32) (result u32) (canon lift (core func $m "f"))))
  (instance $l0 (instantiate $Leaf))
  (instance $l1 (instantiate $Link (with "next" (func $l0 "f"))))
  (instance $l2 (instantiate $Link (with "next" (func $l1 "f"))))
  (instance $l3 (instantiate $Link (with "next" (func $l2 "f"))))
  (instance $l4 (instantiate $Link (with "next" (func $l3 "f"))))
  (export "f" (func $l4 "f"))
)
;; ((((1 + 1) * 2) * 2) * 2) * 2
(assert_return (invoke "f" (u32.const 1)) (u32.const 32))
