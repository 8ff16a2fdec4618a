;; A WASI 0.3 command that sleeps: reads the monotonic clock, waits 10 s
;; (monotonic-clock.wait-for, an async import lowered synchronously), reads
;; the clock again, prints "slept N ms\n" with the difference through
;; stdout's stream and exits with code 3 (wasi:cli/exit) without waiting
;; for the write's result. With --deterministic the clock jumps instead of
;; sleeping, and each reading advances it by 1 ms: "slept 10001 ms".
(component
  (type $ST (stream u8))
  (import "wasi:clocks/monotonic-clock@0.3.0" (instance $clock
    (export "now" (func (result u64)))
    (export "wait-for" (func async (param "how-long" u64)))))
  (import "wasi:cli/exit@0.3.0" (instance $exit
    (export "exit-with-code" (func (param "status-code" u8)))))
  (import "wasi:cli/stdout@0.3.0" (instance $stdout
    (type $ST (stream u8))
    (type $EC0 (enum "io" "illegal-byte-sequence" "pipe"))
    (export "error-code" (type $EC (eq $EC0)))
    (type $RT (result (error $EC)))
    (type $FT (future $RT))
    (export "write-via-stream" (func (param "data" $ST) (result $FT)))))
  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "now" (func $now (result i64)))
    (import "" "wait-for" (func $wait-for (param i64)))
    (import "" "exit-with-code" (func $exit-with-code (param i32)))
    (import "" "write-via-stream" (func $write-via-stream (param i32) (result i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (data (i32.const 16) "slept ")
    (func (export "run")
      (local $t0 i64) (local $ms i64) (local $p i32) (local $len i32)
      (local $rw i64) (local $w i32) (local $done i32) (local $res i32)
      (local.set $t0 (call $now))
      (call $wait-for (i64.const 10_000_000_000))
      (local.set $ms (i64.div_u (i64.sub (call $now) (local.get $t0)) (i64.const 1_000_000)))
      ;; the digits of $ms, backwards from 63, then " ms\n" at 64
      (local.set $p (i32.const 64))
      (loop $digits
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (i32.store8 (local.get $p)
          (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $ms) (i64.const 10)))))
        (local.set $ms (i64.div_u (local.get $ms) (i64.const 10)))
        (br_if $digits (i64.ne (local.get $ms) (i64.const 0))))
      (i32.store (i32.const 64) (i32.const 0x0a736d20 (; " ms\n" ;)))
      ;; "slept " just before the digits
      (memory.copy (i32.sub (local.get $p) (i32.const 6)) (i32.const 16) (i32.const 6))
      (local.set $p (i32.sub (local.get $p) (i32.const 6)))
      (local.set $len (i32.sub (i32.const 68) (local.get $p)))
      (local.set $rw (call $stream.new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
      (drop (call $write-via-stream (i32.wrap_i64 (local.get $rw))))
      (block $end
        (loop $l
          (br_if $end (i32.ge_u (local.get $done) (local.get $len)))
          (local.set $res (call $stream.write (local.get $w)
            (i32.add (local.get $p) (local.get $done)) (i32.sub (local.get $len) (local.get $done))))
          (if (i32.ne (i32.and (local.get $res) (i32.const 0xf)) (i32.const 0 (; COMPLETED ;)))
            (then unreachable))
          (local.set $done (i32.add (local.get $done) (i32.shr_u (local.get $res) (i32.const 4))))
          (br $l)))
      (call $exit-with-code (i32.const 3))
      unreachable))
  (canon lower (func $clock "now") (core func $now))
  (canon lower (func $clock "wait-for") (core func $wait-for))
  (canon lower (func $exit "exit-with-code") (core func $exit-with-code))
  (canon lower (func $stdout "write-via-stream") (core func $write-via-stream))
  (canon stream.new $ST (core func $stream.new))
  (canon stream.write $ST (memory (core memory $memory "mem")) (core func $stream.write))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "now" (func $now))
    (export "wait-for" (func $wait-for))
    (export "exit-with-code" (func $exit-with-code))
    (export "write-via-stream" (func $write-via-stream))
    (export "stream.new" (func $stream.new))
    (export "stream.write" (func $stream.write))))))
  (func $run async (result (result)) (canon lift (core func $m "run") async))
  (instance $run (export "run" (func $run)))
  (export "wasi:cli/run@0.3.0" (instance $run)))
