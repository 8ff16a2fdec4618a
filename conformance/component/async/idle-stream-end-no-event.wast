;; A stream end with no copy in progress gets no event when the other end
;; is dropped: `SharedStreamImpl.drop` notifies only a pending copy
;; (`if self.pending_buffer: self.reset_and_notify_pending(DROPPED)`), and
;; only `stream_event` (the completion of a copy) sets a pending event on
;; an end. The next `stream.write` reports the drop instead (DROPPED at
;; once). Found by the `component_async` fuzz target: Wasmtime 48.0.8
;; delivers a STREAM_WRITE event (DROPPED, progress 0) for the idle
;; writable end.
(component
  (component $C
    (core module $CM
      (import "" "drop" (func $drop (param i32)))
      (func (export "f") (param i32) (call $drop (local.get 0))))
    (type $ST (stream u32))
    (core func $drop (canon stream.drop-readable $ST))
    (core instance $cm (instantiate $CM (with "" (instance (export "drop" (func $drop))))))
    (func (export "f") async (param "s" (stream u32)) (canon lift (core func $cm "f"))))
  (component $D
    (import "f" (func $f async (param "s" (stream u32))))
    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))
    (core module $DM
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32) (result i32)))
      (import "" "stream.new" (func $stream.new (result i64)))
      (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
      (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
      (import "" "waitable-set.poll" (func $waitable-set.poll (param i32 i32) (result i32)))
      (import "" "waitable.join" (func $waitable.join (param i32 i32)))
      (func (export "poll") (result i32) (local $ends i64) (local $ws i32)
        (local.set $ends (call $stream.new))
        ;; the callee drops the readable end and returns at once
        (if (i32.ne (call $f (i32.wrap_i64 (local.get $ends))) (i32.const 2 (; RETURNED ;)))
          (then unreachable))
        (local.set $ws (call $waitable-set.new))
        (call $waitable.join (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))) (local.get $ws))
        ;; no copy is in progress on the writable end: no event
        (call $waitable-set.poll (local.get $ws) (i32.const 0)))
      (func (export "write") (result i32) (local $ends i64)
        (local.set $ends (call $stream.new))
        (if (i32.ne (call $f (i32.wrap_i64 (local.get $ends))) (i32.const 2 (; RETURNED ;)))
          (then unreachable))
        ;; the next write reports the drop: DROPPED, nothing copied
        (call $stream.write (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))) (i32.const 0) (i32.const 1))))
    (type $ST (stream u32))
    (core func $f' (canon lower (func $f) async))
    (core func $stream.new (canon stream.new $ST))
    (core func $stream.write (canon stream.write $ST async (memory $memory "mem")))
    (core func $waitable-set.new (canon waitable-set.new))
    (core func $waitable-set.poll (canon waitable-set.poll (memory $memory "mem")))
    (core func $waitable.join (canon waitable.join))
    (core instance $dm (instantiate $DM (with "" (instance
      (export "mem" (memory $memory "mem"))
      (export "f" (func $f'))
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "waitable-set.new" (func $waitable-set.new))
      (export "waitable-set.poll" (func $waitable-set.poll))
      (export "waitable.join" (func $waitable.join))))))
    (func (export "poll") async (result u32) (canon lift (core func $dm "poll")))
    (func (export "write") async (result u32) (canon lift (core func $dm "write"))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "f" (func $c "f"))))
  (func (export "poll") (alias export $d "poll"))
  (func (export "write") (alias export $d "write")))
(assert_return (invoke "poll") (u32.const 0 (; EventCode.NONE ;)))
(assert_return (invoke "write") (u32.const 1 (; DROPPED | 0 << 4 ;)))
