;; CanonicalABI.md "Component Instances" (may_enter_from, enter_from,
;; leave_to) and Explainer.md "Component Invariants": an instance may not be
;; reentered, except by a child calling its ancestors ("donut wrapping");
;; and a trap leaves the instances it passed through entered for good (the
;; spec's leave_to never runs), which locks them down.

;; A trap locks an instance down.
(component definition $Poison
  (component $C
    (core module $M
      (global $n (mut i32) (i32.const 0))
      (func (export "ok") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
      (func (export "boom") unreachable))
    (core instance $m (instantiate $M))
    (func (export "ok") (result u32) (canon lift (core func $m "ok")))
    (func (export "boom") (canon lift (core func $m "boom"))))
  (component $D
    (import "boom" (func $boom))
    (core func $boom' (canon lower (func $boom)))
    (core module $M
      (import "" "boom" (func $boom))
      (func (export "call-boom") (call $boom)))
    (core instance $m (instantiate $M (with "" (instance (export "boom" (func $boom'))))))
    (func (export "call-boom") (canon lift (core func $m "call-boom"))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "boom" (func $c "boom"))))
  (func (export "ok") (alias export $c "ok"))
  (func (export "boom") (alias export $c "boom"))
  (func (export "call-boom") (alias export $d "call-boom"))
)
(component instance $p $Poison)
;; Store.lift: leave_to restores may_enter after a call that returns
(assert_return (invoke "ok") (u32.const 1))
(assert_return (invoke "ok") (u32.const 2))
(assert_trap (invoke "boom") "unreachable")
;; may_enter_from is false for the instance that trapped
(assert_trap (invoke "ok") "cannot enter component instance")
(component instance $p $Poison)
;; a trap in a callee propagates to the caller
(assert_trap (invoke "call-boom") "unreachable")
;; and locks down the callee (and every instance the call had entered)
(assert_trap (invoke "ok") "cannot enter component instance")

;; Reentrance between siblings: A -> (through the parent) -> B -> A.
(component definition $Siblings
  (core module $P
    (table (export "t") 1 funcref)
    (type $v (func))
    (func (export "cb") (call_indirect (type $v) (i32.const 0))))
  (core instance $p (instantiate $P))
  (func $cb (canon lift (core func $p "cb")))
  (component $A
    (import "cb" (func $cb))
    (core func $cb' (canon lower (func $cb)))
    (core module $M
      (import "" "cb" (func $cb))
      (func (export "f") (call $cb))
      (func (export "h")))
    (core instance $m (instantiate $M (with "" (instance (export "cb" (func $cb'))))))
    (func (export "f") (canon lift (core func $m "f")))
    (func (export "h") (canon lift (core func $m "h"))))
  (component $B
    (import "h" (func $h))
    (core func $h' (canon lower (func $h)))
    (core module $M
      (import "" "h" (func $h))
      (func (export "g") (call $h)))
    (core instance $m (instantiate $M (with "" (instance (export "h" (func $h'))))))
    (func (export "g") (canon lift (core func $m "g"))))
  (instance $a (instantiate $A (with "cb" (func $cb))))
  (instance $b (instantiate $B (with "h" (func $a "h"))))
  (core func $g (canon lower (func $b "g")))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "g" (func $g))
    (elem (i32.const 0) $g))
  (core instance (instantiate $Fill (with "" (instance (export "t" (table $p "t")) (export "g" (func $g))))))
  (func (export "a-f") (alias export $a "f"))
  (func (export "b-g") (alias export $b "g"))
)
(component instance $s $Siblings)
;; B calling A is fine when A is not on the stack: entering_set(B) = {A}
(assert_return (invoke "b-g"))
;; A -> P (A's parent: entering_set is empty) -> B ({B}) -> A ({A}, but A.may_enter is false)
(assert_trap (invoke "a-f") "cannot enter component instance")

;; Reentrance of a child through its parent: P -> C -> P -> C.
(component definition $Child
  (core module $P
    (table (export "t") 1 funcref)
    (type $v (func))
    (global $depth (mut i32) (i32.const 0))
    (func (export "run") (call_indirect (type $v) (i32.const 0)))
    ;; C calls back here; the first time we are fine, then we call C again
    (func (export "cb") (param $again i32)
      (if (local.get $again) (then (call_indirect (type $v) (i32.const 0))))))
  (core instance $p (instantiate $P))
  (func $cb (param "again" u32) (canon lift (core func $p "cb")))
  (component $C
    (import "cb" (func $cb (param "again" u32)))
    (core func $cb' (canon lower (func $cb)))
    (core module $M
      (import "" "cb" (func $cb (param i32)))
      (global $again (mut i32) (i32.const 0))
      (func (export "set-again") (param i32) (global.set $again (local.get 0)))
      (func (export "f") (call $cb (global.get $again))))
    (core instance $m (instantiate $M (with "" (instance (export "cb" (func $cb'))))))
    (func (export "set-again") (param "x" u32) (canon lift (core func $m "set-again")))
    (func (export "f") (canon lift (core func $m "f"))))
  (instance $c (instantiate $C (with "cb" (func $cb))))
  (core func $f (canon lower (func $c "f")))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "f" (func $f))
    (elem (i32.const 0) $f))
  (core instance (instantiate $Fill (with "" (instance (export "t" (table $p "t")) (export "f" (func $f))))))
  (func (export "run") (canon lift (core func $p "run")))
  (func (export "set-again") (alias export $c "set-again"))
)
(component instance $c $Child)
;; P -> C (entering_set(P) = {C}) -> P (C's parent: entering_set(C) is empty): allowed
(assert_return (invoke "run"))
(invoke "set-again" (u32.const 1))
;; ... -> C again: C.may_enter is false
(assert_trap (invoke "run") "cannot enter component instance")
