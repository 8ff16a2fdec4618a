;; CanonicalABI.md "canon lift": post-return runs after the results were
;; lifted (and lowered by the caller), gets the callee's flat results, and
;; runs with may_leave cleared, as does realloc (LiftLowerContext.reallocate).

(component definition $PostReturn
  (core module $M
    (memory (export "mem") 1)
    (global $pr-arg (mut i32) (i32.const -1))
    (global $pr-calls (mut i32) (i32.const 0))
    (func (export "str") (result i32)
      (i32.store (i32.const 100) (i32.const 0x6c6c6568))  ;; "hell"
      (i32.store8 (i32.const 104) (i32.const 0x6f))       ;; "o"
      (i32.store (i32.const 0) (i32.const 100))
      (i32.store (i32.const 4) (i32.const 5))
      (i32.const 0))
    ;; scribbles over the string it returned: too late to matter
    (func (export "str-post") (param i32)
      (global.set $pr-arg (local.get 0))
      (global.set $pr-calls (i32.add (global.get $pr-calls) (i32.const 1)))
      (memory.fill (i32.const 100) (i32.const 0) (i32.const 5))
      (i32.store (i32.const 4) (i32.const 0)))
    (func (export "pr-arg") (result i32) (global.get $pr-arg))
    (func (export "pr-calls") (result i32) (global.get $pr-calls))
    (func (export "trap") (result i32) unreachable)
    (func (export "noop"))
  )
  (core instance $m (instantiate $M))
  (func (export "str") (result string)
    (canon lift (core func $m "str") (memory (core memory $m "mem")) (post-return (core func $m "str-post"))))
  (func (export "trap") (result string)
    (canon lift (core func $m "trap") (memory (core memory $m "mem")) (post-return (core func $m "str-post"))))
  (func (export "pr-arg") (result u32) (canon lift (core func $m "pr-arg")))
  (func (export "pr-calls") (result u32) (canon lift (core func $m "pr-calls")))
)
(component instance $p $PostReturn)
;; canon_lift: task.return_(result) lifts the results before post-return runs
(assert_return (invoke "str") (str.const "hello"))
;; canon_lift: post-return gets the flat results (here the result pointer)
(assert_return (invoke "pr-arg") (u32.const 0))
;; and runs once per call
(assert_return (invoke "str") (str.const "hello"))
(assert_return (invoke "pr-calls") (u32.const 2))
(component instance $p $PostReturn)
;; canon_lift: a callee that traps never gets to post-return
(assert_trap (invoke "trap") "unreachable")

;; may_leave is false during post-return and realloc: calling out traps.
(component definition $MayLeave
  (component $Child
    (core module $M (func (export "f")))
    (core instance $m (instantiate $M))
    (func (export "f") (canon lift (core func $m "f")))
  )
  (instance $child (instantiate $Child))
  (type $R (resource (rep i32)))
  (core func $f (canon lower (func $child "f")))
  (core func $new (canon resource.new $R))
  (core func $drop (canon resource.drop $R))
  (core module $M
    (import "" "f" (func $f))
    (import "" "new" (func $new (param i32) (result i32)))
    (import "" "drop" (func $drop (param i32)))
    (memory (export "mem") 1)
    (global $mode (mut i32) (i32.const 0))
    (func $leave
      (if (i32.eq (global.get $mode) (i32.const 0)) (then (call $f)))
      (if (i32.eq (global.get $mode) (i32.const 1)) (then (drop (call $new (i32.const 1)))))
      (if (i32.eq (global.get $mode) (i32.const 2)) (then (call $drop (call $new (i32.const 1))))))
    (func (export "set-mode") (param i32) (global.set $mode (local.get 0)))
    (func (export "work") (param i32 i32) (result i32) (i32.const 7))
    (func (export "work0") (result i32) (i32.const 8))
    (func (export "post") (param i32) (call $leave))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (call $leave) (i32.const 64))
    (func (export "new-then-drop") (result i32) (call $drop (call $new (i32.const 5))) (i32.const 1))
  )
  (core instance $m (instantiate $M (with "" (instance
    (export "f" (func $f)) (export "new" (func $new)) (export "drop" (func $drop))))))
  (func (export "set-mode") (param "m" u32) (canon lift (core func $m "set-mode")))
  (func (export "post-leaves") (param "s" string) (result u32)
    (canon lift (core func $m "work") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))
      (post-return (core func $m "post"))))
  (func (export "post-only") (result u32) (canon lift (core func $m "work0") (post-return (core func $m "post"))))
  (func (export "new-then-drop") (result u32) (canon lift (core func $m "new-then-drop")))
)
(component instance $i $MayLeave)
;; the built-ins work when called from the body
(assert_return (invoke "new-then-drop") (u32.const 1))
(invoke "set-mode" (u32.const 3))
;; (mode 3 does nothing: post-return and realloc themselves are fine)
(assert_return (invoke "post-leaves" (str.const "x")) (u32.const 7))
(assert_return (invoke "post-only") (u32.const 8))
(invoke "set-mode" (u32.const 0))
;; LiftLowerContext.reallocate: may_leave is false, so canon_lower traps
(assert_trap (invoke "post-leaves" (str.const "x")) "cannot leave component instance")
(component instance $i $MayLeave)
(invoke "set-mode" (u32.const 1))
;; ... and canon_resource_new traps
(assert_trap (invoke "post-leaves" (str.const "x")) "cannot leave component instance")
(component instance $i $MayLeave)
(invoke "set-mode" (u32.const 0))
;; canon_lift: may_leave is false during post-return: canon_lower traps
(assert_trap (invoke "post-only") "cannot leave component instance")
(component instance $i $MayLeave)
(invoke "set-mode" (u32.const 2))
;; ... and canon_resource_new traps (before canon_resource_drop could)
(assert_trap (invoke "post-only") "cannot leave component instance")
