;; Custom page sizes and import matching: the default page size is 64 KiB
;; whether it is written or not, and limits are counted in each memory's
;; own pages.

(module $Default (memory (export "m") 1 2))
(module $Explicit (memory (export "m") 1 2 (pagesize 65536)))
(module $Tiny (memory (export "m") 3 (pagesize 1))
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
(register "default" $Default)
(register "explicit" $Explicit)
(register "tiny" $Tiny)

(module (memory (import "default" "m") 1 2 (pagesize 65536)))
(module (memory (import "explicit" "m") 1 2))
(module (memory (import "tiny" "m") 2 (pagesize 1)))
(assert_unlinkable (module (memory (import "tiny" "m") 1)) "incompatible import type")
(assert_unlinkable (module (memory (import "default" "m") 1 (pagesize 1))) "incompatible import type")
(assert_unlinkable (module (memory (import "tiny" "m") 4 (pagesize 1))) "incompatible import type")

(assert_return (invoke $Tiny "size") (i32.const 3))
(assert_return (invoke $Tiny "grow" (i32.const 0)) (i32.const 3))
(assert_return (invoke $Tiny "size") (i32.const 3))
(assert_return (invoke $Tiny "grow" (i32.const 5)) (i32.const 3))
(assert_return (invoke $Tiny "size") (i32.const 8))
(module (memory (import "tiny" "m") 8 (pagesize 1)))
