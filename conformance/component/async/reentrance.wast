;; Entering instances and start functions (definitions.py
;; `ComponentInstance.may_enter_from`, `entering_set`, `Store.lift`,
;; `canon_lift`; Concurrency.md "Interaction with the start function").
;; A parent calling into its child while the child is on the call stack
;; traps (the child is in the entering set and may not be entered); so does
;; any call into an instance that trapped (the trap left it entered).
;; Core start functions run synchronously during instantiation: they may
;; use the async built-ins that do not block and call `async`-typed imports
;; that return at once, but blocking, in a synchronous copy or in a call of
;; a callee that waits, traps.
(component definition $T
  (core module $Table (table (export "table") 1 funcref))
  (core instance $table (instantiate $Table))
  ;; "g" calls whatever the table holds
  (core module $Inner
    (import "" "table" (table 1 funcref))
    (type $ft (func (result i32)))
    (func (export "g") (result i32) (call_indirect (type $ft) (i32.const 0))))
  (core instance $inner (instantiate $Inner (with "" (instance
    (export "table" (table $table "table"))))))
  (func $g (result u32) (canon lift (core func $inner "g")))
  (component $Child
    (import "g" (func $g (result u32)))
    (core module $M
      (import "" "g" (func $g (result i32)))
      (func (export "f") (result i32) (call $g))
      (func (export "leaf") (result i32) (i32.const 7))
      (func (export "fail") (result i32) unreachable))
    (canon lower (func $g) (core func $g'))
    (core instance $m (instantiate $M (with "" (instance (export "g" (func $g'))))))
    (func (export "f") (result u32) (canon lift (core func $m "f")))
    (func (export "leaf") (result u32) (canon lift (core func $m "leaf")))
    (func (export "fail") (result u32) (canon lift (core func $m "fail"))))
  (instance $child (instantiate $Child (with "g" (func $g))))
  (canon lower (func $child "leaf") (core func $leaf))
  ;; the table holds the child's "leaf": the parent calls it (through "g")
  ;; while the child's "f" is on the stack
  (core module $Outer
    (import "" "table" (table 1 funcref))
    (import "" "leaf" (func $leaf (result i32)))
    (elem (table 0) (i32.const 0) func $leaf)
    (func (export "leaf") (result i32) (call $leaf)))
  (core instance $outer (instantiate $Outer (with "" (instance
    (export "table" (table $table "table"))
    (export "leaf" (func $leaf))))))
  (func (export "leaf") (result u32) (canon lift (core func $outer "leaf")))
  (func (export "reenter-child") (alias export $child "f"))
  (func (export "fail") (alias export $child "fail"))
)
(component instance $i $T)
(assert_return (invoke "leaf") (u32.const 7))
(assert_trap (invoke "reenter-child") "cannot enter component instance")
(component instance $i $T)
(assert_trap (invoke "fail") "unreachable")
(assert_trap (invoke "leaf") "cannot enter component instance")

;; a start function that uses async built-ins without blocking
(component
  (component $C
    (core module $M (func (export "eager") (result i32) (i32.const 42)))
    (core instance $m (instantiate $M))
    (func (export "eager") async (result u32) (canon lift (core func $m "eager"))))
  (instance $c (instantiate $C))
  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "eager" (func $eager (result i32)))
    (import "" "waitable-set.new" (func $ws.new (result i32)))
    (import "" "waitable-set.poll" (func $ws.poll (param i32 i32) (result i32)))
    (import "" "waitable-set.drop" (func $ws.drop (param i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.cancel-read" (func $stream.cancel-read (param i32) (result i32)))
    (global $result (mut i32) (i32.const 0))
    (func $start
      (local $ws i32) (local $r i32)
      (local.set $ws (call $ws.new))
      (if (call $ws.poll (local.get $ws) (i32.const 0)) (then unreachable))
      (call $ws.drop (local.get $ws))
      (local.set $r (i32.wrap_i64 (call $stream.new)))
      (if (i32.ne (call $stream.read (local.get $r) (i32.const 16) (i32.const 4)) (i32.const -1))
        (then unreachable))
      (if (i32.ne (call $stream.cancel-read (local.get $r)) (i32.const 2)) (then unreachable))
      (global.set $result (call $eager)))
    (start $start)
    (func (export "result") (result i32) (global.get $result)))
  (type $ST (stream u8))
  (canon lower (func $c "eager") (core func $eager))
  (canon waitable-set.new (core func $ws.new))
  (canon waitable-set.poll (memory (core memory $memory "mem")) (core func $ws.poll))
  (canon waitable-set.drop (core func $ws.drop))
  (canon stream.new $ST (core func $stream.new))
  (canon stream.read $ST async (memory (core memory $memory "mem")) (core func $stream.read))
  (canon stream.cancel-read $ST (core func $stream.cancel-read))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "eager" (func $eager))
    (export "waitable-set.new" (func $ws.new))
    (export "waitable-set.poll" (func $ws.poll))
    (export "waitable-set.drop" (func $ws.drop))
    (export "stream.new" (func $stream.new))
    (export "stream.read" (func $stream.read))
    (export "stream.cancel-read" (func $stream.cancel-read))
  ))))
  (func (export "result") (result u32) (canon lift (core func $m "result")))
)
(assert_return (invoke "result") (u32.const 42))

;; a start function that blocks in a synchronous stream read
(assert_trap
  (component
    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))
    (core module $M
      (import "" "stream.new" (func $stream.new (result i64)))
      (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
      (func $start
        (drop (call $stream.read (i32.wrap_i64 (call $stream.new)) (i32.const 16) (i32.const 4))))
      (start $start))
    (type $ST (stream u8))
    (canon stream.new $ST (core func $stream.new))
    (canon stream.read $ST (memory (core memory $memory "mem")) (core func $stream.read))
    (core instance $m (instantiate $M (with "" (instance
      (export "stream.new" (func $stream.new))
      (export "stream.read" (func $stream.read))
    )))))
  "cannot block a synchronous task before returning")

;; a start function whose synchronous call of an `async`-typed import
;; blocks, because the callee waits
(assert_trap
  (component
    (component $C
      (core module $M
        (import "" "waitable-set.new" (func $ws.new (result i32)))
        (func (export "wait") (result i32)
          (i32.or (i32.const 2 (; WAIT ;)) (i32.shl (call $ws.new) (i32.const 4))))
        (func (export "wait-cb") (param i32 i32 i32) (result i32) unreachable))
      (canon waitable-set.new (core func $ws.new))
      (core instance $m (instantiate $M (with "" (instance
        (export "waitable-set.new" (func $ws.new))))))
      (func (export "wait") async
        (canon lift (core func $m "wait") async (callback (core func $m "wait-cb")))))
    (instance $c (instantiate $C))
    (core module $M
      (import "" "wait" (func $wait))
      (func $start (call $wait))
      (start $start))
    (canon lower (func $c "wait") (core func $wait))
    (core instance $m (instantiate $M (with "" (instance (export "wait" (func $wait)))))))
  "cannot block a synchronous task before returning")
