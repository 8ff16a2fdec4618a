;; CanonicalABI.md "lift_own", "lower_own", "canon resource.drop":
;; resources passed between nested component instances, and destructors,
;; which run as calls into the implementing instance (Store.lift of the
;; destructor), so the reentrance rules of may_enter_from apply to them.

;; An own<R> travels Impl -> User1 -> User2; User2 drops it and the
;; destructor runs in Impl.
(component
  (component $Impl
    (core module $D
      (global $n (export "n") (mut i32) (i32.const 0))
      (global $last (export "last") (mut i32) (i32.const 0))
      (func (export "dtor") (param i32)
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (global.set $last (local.get 0))))
    (core instance $d (instantiate $D))
    (type $R' (resource (rep i32) (dtor (func $d "dtor"))))
    (export $R "r" (type $R'))
    (core func $new (canon resource.new $R'))
    (core module $M
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "n" (global $n (mut i32)))
      (import "" "last" (global $last (mut i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0)))
      (func (export "n") (result i32) (global.get $n))
      (func (export "last") (result i32) (global.get $last)))
    (core instance $m (instantiate $M (with "" (instance
      (export "new" (func $new)) (export "n" (global $d "n")) (export "last" (global $d "last"))))))
    (func (export "make") (param "rep" u32) (result (own $R)) (canon lift (core func $m "make")))
    (func (export "dtor-calls") (result u32) (canon lift (core func $m "n")))
    (func (export "dtor-last") (result u32) (canon lift (core func $m "last")))
  )
  (component $User2
    (import "r" (type $R (sub resource)))
    (core func $drop (canon resource.drop $R))
    (core module $M
      (import "" "drop" (func $drop (param i32)))
      ;; receives the handle at its next free index (1) and drops it
      (func (export "take") (param $h i32) (result i32)
        (call $drop (local.get $h))
        (local.get $h)))
    (core instance $m (instantiate $M (with "" (instance (export "drop" (func $drop))))))
    (func (export "take") (param "r" (own $R)) (result u32) (canon lift (core func $m "take")))
  )
  (component $User1
    (import "r" (type $R (sub resource)))
    (import "make" (func $make (param "rep" u32) (result (own $R))))
    (import "take" (func $take (param "r" (own $R)) (result u32)))
    (core func $make' (canon lower (func $make)))
    (core func $take' (canon lower (func $take)))
    (core module $M
      (import "" "make" (func $make (param i32) (result i32)))
      (import "" "take" (func $take (param i32) (result i32)))
      ;; two handles here (1 and 2); passing the second on frees its index
      (func (export "run") (param $rep i32) (result i32)
        (local $h1 i32) (local $h2 i32) (local $r i32)
        (local.set $h1 (call $make (i32.const 1)))
        (local.set $h2 (call $make (local.get $rep)))
        (local.set $r (call $take (local.get $h2)))
        ;; lift_own removed index 2 from our table, so it is reused
        (if (i32.ne (call $make (i32.const 3)) (local.get $h2)) (then unreachable))
        (i32.add (i32.mul (local.get $h1) (i32.const 100)) (i32.add (i32.mul (local.get $h2) (i32.const 10)) (local.get $r)))))
    (core instance $m (instantiate $M (with "" (instance (export "make" (func $make')) (export "take" (func $take'))))))
    (func (export "run") (param "rep" u32) (result u32) (canon lift (core func $m "run")))
  )
  (instance $impl (instantiate $Impl))
  (alias export $impl "r" (type $R))
  (instance $u2 (instantiate $User2 (with "r" (type $R))))
  (instance $u1 (instantiate $User1 (with "r" (type $R)) (with "make" (func $impl "make")) (with "take" (func $u2 "take"))))
  (func (export "run") (alias export $u1 "run"))
  (func (export "dtor-calls") (alias export $impl "dtor-calls"))
  (func (export "dtor-last") (alias export $impl "dtor-last"))
)
;; User1 holds indices 1 and 2, User2 receives the resource at index 1
(assert_return (invoke "run" (u32.const 77)) (u32.const 121))
;; canon_resource_drop in User2 ran the destructor in Impl, with the rep
(assert_return (invoke "dtor-calls") (u32.const 1))
(assert_return (invoke "dtor-last") (u32.const 77))

;; A destructor call enters the implementing instance (canon_resource_drop
;; calls Store.lift(dtor, ..., rt.impl)), so dropping an owned handle traps
;; while the implementing instance is on the call stack and the dropper is not
;; its ancestor, whether the resource type has a destructor or not.
;;
;; P.run -> Impl.f -> P.cb -> User.drop -> (destructor) -> Impl
(component definition $Reenter-dtor
  ;; P's core code reaches Impl and User through a table filled once they
  ;; exist: 0 = Impl.make, 1 = User.keep, 2 = Impl.f, 3 = User.drop.
  (core module $P
    (table (export "t") 4 funcref)
    (type $v (func))
    (type $vi (func (param i32)))
    (type $i (func (result i32)))
    (func (export "run")
      (call_indirect (type $vi) (call_indirect (type $i) (i32.const 0)) (i32.const 1))
      (call_indirect (type $v) (i32.const 2)))
    ;; Impl calls back here; we ask User to drop what it holds
    (func (export "cb") (call_indirect (type $v) (i32.const 3)))
    (func (export "keep-new")
      (call_indirect (type $vi) (call_indirect (type $i) (i32.const 0)) (i32.const 1))))
  (core instance $p (instantiate $P))
  (func $cb (canon lift (core func $p "cb")))
  (component $Impl
    (import "cb" (func $cb))
    (core module $D (func (export "dtor") (param i32)))
    (core instance $d (instantiate $D))
    (type $R' (resource (rep i32) (dtor (func $d "dtor"))))
    (export $R "r" (type $R'))
    (core func $new (canon resource.new $R'))
    (core func $cb' (canon lower (func $cb)))
    (core module $M
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "cb" (func $cb))
      (func (export "make") (result i32) (call $new (i32.const 1)))
      (func (export "f") (call $cb)))
    (core instance $m (instantiate $M (with "" (instance (export "new" (func $new)) (export "cb" (func $cb'))))))
    (func (export "make") (result (own $R)) (canon lift (core func $m "make")))
    (func (export "f") (canon lift (core func $m "f")))
  )
  (component $User
    (import "r" (type $R (sub resource)))
    (core func $drop (canon resource.drop $R))
    (core module $M
      (import "" "drop" (func $drop (param i32)))
      (global $h (mut i32) (i32.const 0))
      (func (export "keep") (param i32) (global.set $h (local.get 0)))
      (func (export "drop") (call $drop (global.get $h))))
    (core instance $m (instantiate $M (with "" (instance (export "drop" (func $drop))))))
    (func (export "keep") (param "r" (own $R)) (canon lift (core func $m "keep")))
    (func (export "drop") (canon lift (core func $m "drop")))
  )
  (instance $impl (instantiate $Impl (with "cb" (func $cb))))
  (instance $user (instantiate $User (with "r" (type $impl "r"))))
  (core func $make (canon lower (func $impl "make")))
  (core func $keep (canon lower (func $user "keep")))
  (core func $f (canon lower (func $impl "f")))
  (core func $drop (canon lower (func $user "drop")))
  (core module $Fill
    (import "" "t" (table 4 funcref))
    (import "" "make" (func $make (result i32)))
    (import "" "keep" (func $keep (param i32)))
    (import "" "f" (func $f))
    (import "" "drop" (func $drop))
    (elem (i32.const 0) func $make $keep $f $drop))
  (core instance (instantiate $Fill (with "" (instance
    (export "t" (table $p "t")) (export "make" (func $make)) (export "keep" (func $keep))
    (export "f" (func $f)) (export "drop" (func $drop))))))
  (func (export "run") (canon lift (core func $p "run")))
  ;; the same drop when Impl is not on the stack: fine
  (func (export "drop") (alias export $user "drop"))
  (func (export "keep-new") (canon lift (core func $p "keep-new")))
)
(component definition $Reenter-no-dtor
  ;; P's core code reaches Impl and User through a table filled once they
  ;; exist: 0 = Impl.make, 1 = User.keep, 2 = Impl.f, 3 = User.drop.
  (core module $P
    (table (export "t") 4 funcref)
    (type $v (func))
    (type $vi (func (param i32)))
    (type $i (func (result i32)))
    (func (export "run")
      (call_indirect (type $vi) (call_indirect (type $i) (i32.const 0)) (i32.const 1))
      (call_indirect (type $v) (i32.const 2)))
    ;; Impl calls back here; we ask User to drop what it holds
    (func (export "cb") (call_indirect (type $v) (i32.const 3)))
    (func (export "keep-new")
      (call_indirect (type $vi) (call_indirect (type $i) (i32.const 0)) (i32.const 1))))
  (core instance $p (instantiate $P))
  (func $cb (canon lift (core func $p "cb")))
  (component $Impl
    (import "cb" (func $cb))
    (core module $D (func (export "dtor") (param i32)))
    (core instance $d (instantiate $D))
    (type $R' (resource (rep i32)))
    (export $R "r" (type $R'))
    (core func $new (canon resource.new $R'))
    (core func $cb' (canon lower (func $cb)))
    (core module $M
      (import "" "new" (func $new (param i32) (result i32)))
      (import "" "cb" (func $cb))
      (func (export "make") (result i32) (call $new (i32.const 1)))
      (func (export "f") (call $cb)))
    (core instance $m (instantiate $M (with "" (instance (export "new" (func $new)) (export "cb" (func $cb'))))))
    (func (export "make") (result (own $R)) (canon lift (core func $m "make")))
    (func (export "f") (canon lift (core func $m "f")))
  )
  (component $User
    (import "r" (type $R (sub resource)))
    (core func $drop (canon resource.drop $R))
    (core module $M
      (import "" "drop" (func $drop (param i32)))
      (global $h (mut i32) (i32.const 0))
      (func (export "keep") (param i32) (global.set $h (local.get 0)))
      (func (export "drop") (call $drop (global.get $h))))
    (core instance $m (instantiate $M (with "" (instance (export "drop" (func $drop))))))
    (func (export "keep") (param "r" (own $R)) (canon lift (core func $m "keep")))
    (func (export "drop") (canon lift (core func $m "drop")))
  )
  (instance $impl (instantiate $Impl (with "cb" (func $cb))))
  (instance $user (instantiate $User (with "r" (type $impl "r"))))
  (core func $make (canon lower (func $impl "make")))
  (core func $keep (canon lower (func $user "keep")))
  (core func $f (canon lower (func $impl "f")))
  (core func $drop (canon lower (func $user "drop")))
  (core module $Fill
    (import "" "t" (table 4 funcref))
    (import "" "make" (func $make (result i32)))
    (import "" "keep" (func $keep (param i32)))
    (import "" "f" (func $f))
    (import "" "drop" (func $drop))
    (elem (i32.const 0) func $make $keep $f $drop))
  (core instance (instantiate $Fill (with "" (instance
    (export "t" (table $p "t")) (export "make" (func $make)) (export "keep" (func $keep))
    (export "f" (func $f)) (export "drop" (func $drop))))))
  (func (export "run") (canon lift (core func $p "run")))
  ;; the same drop when Impl is not on the stack: fine
  (func (export "drop") (alias export $user "drop"))
  (func (export "keep-new") (canon lift (core func $p "keep-new")))
)
;; Store.lift (the destructor's func_inst): trap_if(not inst.may_enter_from(caller))
(component instance $r $Reenter-dtor)
(assert_trap (invoke "run") "cannot enter component instance")
;; the same check guards the default `lambda rep: []` of a type without a destructor
(component instance $r $Reenter-no-dtor)
(assert_trap (invoke "run") "cannot enter component instance")
;; dropping when Impl is not on the stack enters it and leaves it again
(component instance $r $Reenter-dtor)
(invoke "keep-new")
(assert_return (invoke "drop"))
(invoke "keep-new")
(assert_return (invoke "drop"))
