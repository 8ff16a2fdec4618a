;; CanonicalABI.md "Table State", "Resource State", "canon resource.new",
;; "canon resource.drop", "canon resource.rep": the handle table of one
;; component instance.

(component definition $Handles
  (core module $Dtor
    (global $calls (export "calls") (mut i32) (i32.const 0))
    (global $last (export "last") (mut i32) (i32.const 0))
    (func (export "dtor") (param i32)
      (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
      (global.set $last (local.get 0))))
  (core instance $d (instantiate $Dtor))
  (alias core export $d "dtor" (core func $dtor))
  (type $R1 (resource (rep i32) (dtor (func $dtor))))
  (type $R2 (resource (rep i32)))
  (core func $new1 (canon resource.new $R1))
  (core func $drop1 (canon resource.drop $R1))
  (core func $rep1 (canon resource.rep $R1))
  (core func $new2 (canon resource.new $R2))
  (core func $drop2 (canon resource.drop $R2))
  (core func $rep2 (canon resource.rep $R2))
  (core module $M
    (import "" "new1" (func $new1 (param i32) (result i32)))
    (import "" "drop1" (func $drop1 (param i32)))
    (import "" "rep1" (func $rep1 (param i32) (result i32)))
    (import "" "new2" (func $new2 (param i32) (result i32)))
    (import "" "drop2" (func $drop2 (param i32)))
    (import "" "rep2" (func $rep2 (param i32) (result i32)))
    (import "" "calls" (global $calls (mut i32)))
    (import "" "last" (global $last (mut i32)))
    (func (export "new1") (param i32) (result i32) (call $new1 (local.get 0)))
    (func (export "new2") (param i32) (result i32) (call $new2 (local.get 0)))
    (func (export "rep1") (param i32) (result i32) (call $rep1 (local.get 0)))
    (func (export "rep2") (param i32) (result i32) (call $rep2 (local.get 0)))
    (func (export "drop1") (param i32) (call $drop1 (local.get 0)))
    (func (export "drop2") (param i32) (call $drop2 (local.get 0)))
    (func (export "dtor-calls") (result i32) (global.get $calls))
    (func (export "dtor-last") (result i32) (global.get $last))
  )
  (core instance $m (instantiate $M (with "" (instance
    (export "new1" (func $new1)) (export "drop1" (func $drop1)) (export "rep1" (func $rep1))
    (export "new2" (func $new2)) (export "drop2" (func $drop2)) (export "rep2" (func $rep2))
    (export "calls" (global $d "calls")) (export "last" (global $d "last"))))))
  (func (export "new1") (param "rep" u32) (result u32) (canon lift (core func $m "new1")))
  (func (export "new2") (param "rep" u32) (result u32) (canon lift (core func $m "new2")))
  (func (export "rep1") (param "i" u32) (result u32) (canon lift (core func $m "rep1")))
  (func (export "rep2") (param "i" u32) (result u32) (canon lift (core func $m "rep2")))
  (func (export "drop1") (param "i" u32) (canon lift (core func $m "drop1")))
  (func (export "drop2") (param "i" u32) (canon lift (core func $m "drop2")))
  (func (export "dtor-calls") (result u32) (canon lift (core func $m "dtor-calls")))
  (func (export "dtor-last") (result u32) (canon lift (core func $m "dtor-last")))
)
(component instance $h $Handles)
;; Table.add: indices start at 1 (slot 0 is never used)
(assert_return (invoke "new1" (u32.const 100)) (u32.const 1))
;; one table for every resource type of the instance
(assert_return (invoke "new2" (u32.const 200)) (u32.const 2))
(assert_return (invoke "new1" (u32.const 300)) (u32.const 3))
;; canon_resource_rep: the rep given to resource.new
(assert_return (invoke "rep1" (u32.const 3)) (u32.const 300))
(assert_return (invoke "rep2" (u32.const 2)) (u32.const 200))
;; canon_resource_drop of an owned handle calls the destructor with the rep
(invoke "drop1" (u32.const 3))
(assert_return (invoke "dtor-calls") (u32.const 1))
(assert_return (invoke "dtor-last") (u32.const 300))
;; a resource type without a destructor drops quietly
(invoke "drop2" (u32.const 2))
(assert_return (invoke "dtor-calls") (u32.const 1))
;; Table.add: freed indices are reused, the last freed first
(assert_return (invoke "new2" (u32.const 400)) (u32.const 2))
(assert_return (invoke "new2" (u32.const 500)) (u32.const 3))
(assert_return (invoke "new2" (u32.const 600)) (u32.const 4))
(assert_return (invoke "rep2" (u32.const 2)) (u32.const 400))
;; canon_resource_rep: trap_if(h.rt is not rt)
(assert_trap (invoke "rep1" (u32.const 2)) "used with the wrong type")
(component instance $h $Handles)
(assert_return (invoke "new1" (u32.const 1)) (u32.const 1))
;; canon_resource_drop: trap_if(h.rt is not rt)
(assert_trap (invoke "drop2" (u32.const 1)) "used with the wrong type")
(component instance $h $Handles)
(assert_return (invoke "new1" (u32.const 1)) (u32.const 1))
(invoke "drop1" (u32.const 1))
;; Table.get: a dropped index is unknown
(assert_trap (invoke "rep1" (u32.const 1)) "unknown handle index 1")
(component instance $h $Handles)
;; Table.get: index 0 is never valid
(assert_trap (invoke "drop1" (u32.const 0)) "unknown handle index 0")
(component instance $h $Handles)
;; Table.get: nor an index past the end
(assert_trap (invoke "rep2" (u32.const 7)) "unknown handle index 7")

;; Handles are per instance: two instances of one definition have separate
;; tables, and separate (generative) resource types.
(component
  (component $Impl
    (type $R' (resource (rep i32)))
    (export $R "r" (type $R'))
    (core func $new (canon resource.new $R'))
    (core module $M
      (import "" "new" (func $new (param i32) (result i32)))
      (func (export "make") (param i32) (result i32) (call $new (local.get 0))))
    (core instance $m (instantiate $M (with "" (instance (export "new" (func $new))))))
    (func (export "make") (param "rep" u32) (result (own $R)) (canon lift (core func $m "make")))
  )
  (component $User
    (import "a" (instance $a
      (export "r" (type $R (sub resource)))
      (export "make" (func (param "rep" u32) (result (own $R))))))
    (import "b" (instance $b
      (export "r" (type $R (sub resource)))
      (export "make" (func (param "rep" u32) (result (own $R))))))
    (alias export $a "r" (type $Ra))
    (alias export $b "r" (type $Rb))
    (core func $make-a (canon lower (func $a "make")))
    (core func $make-b (canon lower (func $b "make")))
    (core func $drop-a (canon resource.drop $Ra))
    (core func $drop-b (canon resource.drop $Rb))
    (core module $M
      (import "" "make-a" (func $make-a (param i32) (result i32)))
      (import "" "make-b" (func $make-b (param i32) (result i32)))
      (import "" "drop-a" (func $drop-a (param i32)))
      (import "" "drop-b" (func $drop-b (param i32)))
      ;; lift_own moves the handle out of the impl's table, lower_own adds
      ;; it to ours at the next free index
      (func (export "ok") (result i32)
        (local $i i32) (local $j i32)
        (local.set $i (call $make-a (i32.const 11)))
        (local.set $j (call $make-b (i32.const 22)))
        (call $drop-a (local.get $i))
        (call $drop-b (local.get $j))
        (i32.add (i32.mul (local.get $i) (i32.const 10)) (local.get $j)))
      ;; a handle of the first instance's type used as the second's
      (func (export "confused") (result i32)
        (call $drop-b (call $make-a (i32.const 11)))
        (i32.const 0))
    )
    (core instance $m (instantiate $M (with "" (instance
      (export "make-a" (func $make-a)) (export "make-b" (func $make-b))
      (export "drop-a" (func $drop-a)) (export "drop-b" (func $drop-b))))))
    (func (export "ok") (result u32) (canon lift (core func $m "ok")))
    (func (export "confused") (result u32) (canon lift (core func $m "confused")))
  )
  (instance $a (instantiate $Impl))
  (instance $b (instantiate $Impl))
  (instance $u1 (instantiate $User (with "a" (instance $a)) (with "b" (instance $b))))
  (instance $u2 (instantiate $User (with "a" (instance $a)) (with "b" (instance $b))))
  (func (export "ok") (alias export $u1 "ok"))
  (func (export "confused") (alias export $u2 "confused"))
)
;; lift_own/lower_own move each resource into the receiver's table: indices 1 and 2
(assert_return (invoke "ok") (u32.const 12))
;; each instantiation of $Impl defines a new resource type: trap_if(h.rt is not rt)
(assert_trap (invoke "confused") "used with the wrong type")
