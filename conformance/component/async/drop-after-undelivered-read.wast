;; A read that a write has completed but whose event the reader has not
;; received yet ends DROPPED if the writer drops its end first: the write
;; calls the reader's `on_copy`, which sets a pending COMPLETED event
;; without reclaiming the buffer (`pending_on_copy(self.reset_pending)`),
;; so `SharedStreamImpl.drop` still finds `pending_buffer` and replaces the
;; event with DROPPED (`reset_and_notify_pending`), keeping the progress.
;; Calling into the reader's instance in between (here `nop`, an
;; `async`-typed function lifted synchronously and lowered `async`, which
;; returns at once) runs nothing else: no thread blocks, so the store does
;; not tick and the reader's callback is not called. Found by the
;; `component_async` fuzz target: Wasmtime 48.0.8 reports COMPLETED (0x10)
;; when the writer called `nop` between the write and the drop, and
;; DROPPED (0x11) when it did not.
(component
  (component $C
    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))
    (core module $CM
      (import "" "mem" (memory 1))
      (import "" "task.return" (func $task.return (param i32)))
      (import "" "waitable.join" (func $waitable.join (param i32 i32)))
      (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
      (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
      (func (export "read") (param $s i32) (result i32) (local $ws i32)
        ;; a read of up to 4 values blocks: nothing has been written
        (if (i32.ne (call $stream.read (local.get $s) (i32.const 16) (i32.const 4)) (i32.const -1))
          (then unreachable))
        (local.set $ws (call $waitable-set.new))
        (call $waitable.join (local.get $s) (local.get $ws))
        (i32.or (i32.const 2 (; WAIT ;)) (i32.shl (local.get $ws) (i32.const 4))))
      (func (export "read-cb") (param $code i32) (param $index i32) (param $payload i32) (result i32)
        (if (i32.ne (local.get $code) (i32.const 2 (; STREAM_READ ;)))
          (then unreachable))
        (call $task.return (local.get $payload))
        (i32.const 0 (; EXIT ;)))
      (func (export "nop")))
    (type $ST (stream u32))
    (core func $task.return (canon task.return (result u32)))
    (core func $waitable.join (canon waitable.join))
    (core func $waitable-set.new (canon waitable-set.new))
    (core func $stream.read (canon stream.read $ST async (memory $memory "mem")))
    (core instance $cm (instantiate $CM (with "" (instance
      (export "mem" (memory $memory "mem"))
      (export "task.return" (func $task.return))
      (export "waitable.join" (func $waitable.join))
      (export "waitable-set.new" (func $waitable-set.new))
      (export "stream.read" (func $stream.read))))))
    (func (export "read") async (param "s" (stream u32)) (result u32)
      (canon lift (core func $cm "read") async (callback (core func $cm "read-cb"))))
    (func (export "nop") async (canon lift (core func $cm "nop"))))
  (component $D
    (import "read" (func $read async (param "s" (stream u32)) (result u32)))
    (import "nop" (func $nop async))
    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))
    (core module $DM
      (import "" "mem" (memory 1))
      (import "" "read" (func $read (param i32 i32) (result i32)))
      (import "" "nop" (func $nop (result i32)))
      (import "" "stream.new" (func $stream.new (result i64)))
      (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
      (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
      (import "" "waitable.join" (func $waitable.join (param i32 i32)))
      (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
      (import "" "waitable-set.wait" (func $waitable-set.wait (param i32 i32) (result i32)))
      (func (export "run") (param $nop i32) (result i32) (local $ends i64) (local $w i32) (local $r i32) (local $ws i32)
        (local.set $ends (call $stream.new))
        (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))))
        ;; the reader blocks in its read: STARTED
        (local.set $r (call $read (i32.wrap_i64 (local.get $ends)) (i32.const 32)))
        (if (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1 (; STARTED ;)))
          (then unreachable))
        ;; one value goes into the reader's buffer: COMPLETED, 1 copied
        (i32.store (i32.const 16) (i32.const 42))
        (if (i32.ne (call $stream.write (local.get $w) (i32.const 16) (i32.const 1)) (i32.const 0x10))
          (then unreachable))
        (if (local.get $nop) (then (drop (call $nop))))
        (call $stream.drop-writable (local.get $w))
        (local.set $ws (call $waitable-set.new))
        (call $waitable.join (i32.shr_u (local.get $r) (i32.const 4)) (local.get $ws))
        (if (i32.ne (call $waitable-set.wait (local.get $ws) (i32.const 0)) (i32.const 1 (; SUBTASK ;)))
          (then unreachable))
        (if (i32.ne (i32.load (i32.const 4)) (i32.const 2 (; RETURNED ;)))
          (then unreachable))
        ;; the reader's result: the payload of its STREAM_READ event
        (i32.load (i32.const 32))))
    (type $ST (stream u32))
    (core func $read' (canon lower (func $read) async (memory $memory "mem")))
    (core func $nop' (canon lower (func $nop) async))
    (core func $stream.new (canon stream.new $ST))
    (core func $stream.write (canon stream.write $ST async (memory $memory "mem")))
    (core func $stream.drop-writable (canon stream.drop-writable $ST))
    (core func $waitable.join (canon waitable.join))
    (core func $waitable-set.new (canon waitable-set.new))
    (core func $waitable-set.wait (canon waitable-set.wait (memory $memory "mem")))
    (core instance $dm (instantiate $DM (with "" (instance
      (export "mem" (memory $memory "mem"))
      (export "read" (func $read'))
      (export "nop" (func $nop'))
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "waitable.join" (func $waitable.join))
      (export "waitable-set.new" (func $waitable-set.new))
      (export "waitable-set.wait" (func $waitable-set.wait))))))
    (func (export "run") async (param "nop" bool) (result u32) (canon lift (core func $dm "run"))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "read" (func $c "read")) (with "nop" (func $c "nop"))))
  (func (export "run") (alias export $d "run")))
(assert_return (invoke "run" (bool.const false)) (u32.const 0x11 (; DROPPED | 1 << 4 ;)))
(assert_return (invoke "run" (bool.const true)) (u32.const 0x11 (; DROPPED | 1 << 4 ;)))
