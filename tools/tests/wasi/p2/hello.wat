;; A WASI 0.2 command written by hand: takes stdout (wasi:cli/stdout),
;; writes "hello, world\n" with output-stream.blocking-write-and-flush
;; (wasi:io/streams), drops the stream and returns ok from
;; wasi:cli/run's run.
(component $C
  (import "wasi:io/error@0.2.0" (instance $error
    (export "error" (type (sub resource)))))
  (alias export $error "error" (type $E))
  (import "wasi:io/streams@0.2.0" (instance $streams
    (alias outer $C $E (type $E0))
    (export "error" (type $E (eq $E0)))
    (export "output-stream" (type $OS (sub resource)))
    (type $SE0 (variant (case "last-operation-failed" (own $E)) (case "closed")))
    (export "stream-error" (type $SE (eq $SE0)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $OS)) (param "contents" (list u8))
        (result (result (error $SE)))))))
  (alias export $streams "output-stream" (type $OS))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (alias outer $C $OS (type $OS0))
    (export "output-stream" (type $OS (eq $OS0)))
    (export "get-stdout" (func (result (own $OS))))))

  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 1))
    (import "" "get-stdout" (func $get-stdout (result i32)))
    (import "" "write" (func $write (param i32 i32 i32 i32)))
    (import "" "drop-stream" (func $drop-stream (param i32)))
    (data (i32.const 16) "hello, world\n")
    (func (export "run") (result i32)
      (local $out i32)
      (local.set $out (call $get-stdout))
      (call $write (local.get $out) (i32.const 16) (i32.const 13) (i32.const 0))
      ;; result<_, stream-error> at 0: 0 is ok
      (if (i32.load8_u (i32.const 0)) (then unreachable))
      (call $drop-stream (local.get $out))
      (i32.const 0 (; ok ;))))
  (core func $get-stdout (canon lower (func $stdout "get-stdout")))
  (core func $write (canon lower (func $streams "[method]output-stream.blocking-write-and-flush")
    (memory $memory "mem")))
  (core func $drop-stream (canon resource.drop $OS))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "get-stdout" (func $get-stdout))
    (export "write" (func $write))
    (export "drop-stream" (func $drop-stream))))))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run)))
