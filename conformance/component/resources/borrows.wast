;; CanonicalABI.md "lift_borrow", "lower_borrow", "canon resource.drop",
;; "Task.return_": borrow scopes. A parent implements R and lends a handle to
;; a child for one call; the child calls back into the parent (donut
;; wrapping, which may_enter_from allows) while the handle is lent.
(component definition $Lending
  (type $R (resource (rep i32)))
  (core func $new (canon resource.new $R))
  (core func $drop (canon resource.drop $R))
  (core func $rep (canon resource.rep $R))
  ;; $M calls the child's `use` through a table filled in later (the child
  ;; is instantiated with our callback, so it comes after us)
  (core module $M
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (import "" "rep" (func $rep (param i32) (result i32)))
    (table (export "t") 1 funcref)
    (type $use (func (param i32 i32)))
    (global $h (mut i32) (i32.const 0))
    (global $cb-mode (mut i32) (i32.const 0))
    ;; lends a new handle to the child; `mode` tells the child what to do
    (func (export "run") (param $mode i32) (param $cb-mode i32) (result i32)
      (local $r i32)
      (global.set $cb-mode (local.get $cb-mode))
      (global.set $h (call $new (i32.const 42)))
      (call_indirect (type $use) (global.get $h) (local.get $mode) (i32.const 0))
      (local.set $r (call $rep (global.get $h)))
      (call $drop (global.get $h))
      (local.get $r))
    ;; called by the child during `use`
    (func (export "cb")
      (if (i32.eq (global.get $cb-mode) (i32.const 1)) (then (call $drop (global.get $h)))))
  )
  (core instance $m (instantiate $M (with "" (instance
    (export "new" (func $new)) (export "drop" (func $drop)) (export "rep" (func $rep))))))
  (func $cb (canon lift (core func $m "cb")))

  (component $Child
    (import "r" (type $R (sub resource)))
    (import "cb" (func $cb))
    (core func $cb' (canon lower (func $cb)))
    (core func $drop (canon resource.drop $R))
    (core module $C
      (import "" "cb" (func $cb))
      (import "" "drop" (func $drop (param i32)))
      ;; mode 0: call back, drop the borrow; 1: keep the borrow; 2: drop it twice
      (func (export "use") (param $h i32) (param $mode i32)
        (call $cb)
        (if (i32.ne (local.get $mode) (i32.const 1)) (then (call $drop (local.get $h))))
        (if (i32.eq (local.get $mode) (i32.const 2)) (then (call $drop (local.get $h))))))
    (core instance $c (instantiate $C (with "" (instance
      (export "cb" (func $cb')) (export "drop" (func $drop))))))
    (func (export "use") (param "r" (borrow $R)) (param "mode" u32) (canon lift (core func $c "use")))
  )
  (instance $child (instantiate $Child (with "r" (type $R)) (with "cb" (func $cb))))
  (core func $use (canon lower (func $child "use")))
  (core module $Fill
    (import "" "t" (table 1 funcref))
    (import "" "use" (func $use (param i32 i32)))
    (elem (i32.const 0) $use))
  (core instance (instantiate $Fill (with "" (instance
    (export "t" (table $m "t")) (export "use" (func $use))))))
  (func (export "run") (param "mode" u32) (param "cb-mode" u32) (result u32) (canon lift (core func $m "run")))
)
(component instance $l $Lending)
;; lower_borrow: the child (not the implementation) gets a handle, drops it,
;; and the lender's own handle is usable again after the call
(assert_return (invoke "run" (u32.const 0) (u32.const 0)) (u32.const 42))
;; and again: Subtask.deliver_resolve ended the lend
(assert_return (invoke "run" (u32.const 0) (u32.const 0)) (u32.const 42))
;; Task.return_: trap_if(self.num_borrows > 0): a borrow must be dropped before returning
(assert_trap (invoke "run" (u32.const 1) (u32.const 0)) "borrow handles still remain")
(component instance $l $Lending)
;; canon_resource_drop: a dropped borrow is gone from the child's table
(assert_trap (invoke "run" (u32.const 2) (u32.const 0)) "unknown handle index 1")
(component instance $l $Lending)
;; canon_resource_drop: trap_if(h.num_lends != 0): the lender cannot drop a lent handle
(assert_trap (invoke "run" (u32.const 0) (u32.const 1)) "cannot remove owned resource while borrowed")
