;; CanonicalABI.md "Loading"/"Storing"/"Flattening" of lists: variable- and
;; fixed-length lists, their bounds and alignment traps, and what realloc
;; may and may not return.

(component definition $Lists
  (core module $M
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $next) (i32.sub (local.get $al) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $al))))
      (global.set $next (i32.add (local.get $r) (local.get $nsz)))
      (local.get $r))
    (func $ret (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    (func (export "echo") (param i32 i32) (result i32) (call $ret (local.get 0) (local.get 1)))
    (func (export "sum-u32") (param $p i32) (param $l i32) (result i32)
      (local $i i32) (local $s i32)
      (block $d (loop $k
        (br_if $d (i32.ge_u (local.get $i) (local.get $l)))
        (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $k)))
      (local.get $s))
    (func (export "odd-u32") (result i32) (call $ret (i32.const 2) (i32.const 1)))
    (func (export "odd-u32-empty") (result i32) (call $ret (i32.const 2) (i32.const 0)))
    (func (export "oob-u32") (result i32) (call $ret (i32.const 65532) (i32.const 2)))
    (func (export "end-u32-empty") (result i32) (call $ret (i32.const 65536) (i32.const 0)))
    (func (export "oob-u32-empty") (result i32) (call $ret (i32.const 65540) (i32.const 0)))
    (func (export "too-long-u64") (result i32) (call $ret (i32.const 0) (i32.const 0x02000000)))
    (func (export "max-u8") (result i32) (call $ret (i32.const 0) (i32.const 0x10000000)))
    ;; list<u32, 3> spilled (3 flat results > MAX_FLAT_RESULTS) at 64
    (func (export "fixed3") (result i32)
      (i32.store (i32.const 64) (i32.const 7))
      (i32.store (i32.const 68) (i32.const 8))
      (i32.store (i32.const 72) (i32.const 9))
      (i32.const 64))
    ;; list<u8, 4> flattens to 4 i32 parameters
    (func (export "fixed4-flat") (param i32 i32 i32 i32) (result i32)
      (i32.or (i32.or (local.get 0) (i32.shl (local.get 1) (i32.const 8)))
              (i32.or (i32.shl (local.get 2) (i32.const 16)) (i32.shl (local.get 3) (i32.const 24)))))
    ;; list<u8, 17> does not fit 16 flat parameters: one pointer to 17 bytes
    (func (export "fixed17") (param $p i32) (result i32)
      (i32.add (i32.load8_u (local.get $p)) (i32.load8_u offset=16 (local.get $p))))
    ;; list<list<u8, 2>>: elements of 2 bytes, alignment 1, at 80
    (func (export "nested") (result i32)
      (i32.store16 (i32.const 81) (i32.const 0x0201))
      (i32.store16 (i32.const 83) (i32.const 0x0403))
      (call $ret (i32.const 81) (i32.const 2)))
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (alias core export $m "realloc" (core func $realloc))
  (func (export "echo-u8") (param "l" (list u8)) (result (list u8))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func (export "echo-u64") (param "l" (list u64)) (result (list u64))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func (export "echo-strings") (param "l" (list string)) (result (list string))
    (canon lift (core func $m "echo") (memory $mem) (realloc $realloc)))
  (func (export "sum-u32") (param "l" (list u32)) (result u32)
    (canon lift (core func $m "sum-u32") (memory $mem) (realloc $realloc)))
  (func (export "odd-u32") (result (list u32)) (canon lift (core func $m "odd-u32") (memory $mem)))
  (func (export "odd-u32-empty") (result (list u32)) (canon lift (core func $m "odd-u32-empty") (memory $mem)))
  (func (export "oob-u32") (result (list u32)) (canon lift (core func $m "oob-u32") (memory $mem)))
  (func (export "end-u32-empty") (result (list u32)) (canon lift (core func $m "end-u32-empty") (memory $mem)))
  (func (export "oob-u32-empty") (result (list u32)) (canon lift (core func $m "oob-u32-empty") (memory $mem)))
  (func (export "too-long-u64") (result (list u64)) (canon lift (core func $m "too-long-u64") (memory $mem)))
  (func (export "max-u8") (result (list u8)) (canon lift (core func $m "max-u8") (memory $mem)))
  (func (export "fixed3") (result (list u32 3)) (canon lift (core func $m "fixed3") (memory $mem)))
  (func (export "fixed4-flat") (param "l" (list u8 4)) (result u32) (canon lift (core func $m "fixed4-flat")))
  (func (export "fixed17") (param "l" (list u8 17)) (result u32)
    (canon lift (core func $m "fixed17") (memory $mem) (realloc $realloc)))
  (func (export "nested") (result (list (list u8 2))) (canon lift (core func $m "nested") (memory $mem)))
)
(component instance $l $Lists)
;; store_list_into_range then load_list_from_range: a list<u8> round trip
(assert_return (invoke "echo-u8" (list.const (u8.const 1) (u8.const 2) (u8.const 255)))
  (list.const (u8.const 1) (u8.const 2) (u8.const 255)))
;; lists of 8-aligned elements round trip
(assert_return (invoke "echo-u64" (list.const (u64.const 1) (u64.const 18446744073709551615)))
  (list.const (u64.const 1) (u64.const 18446744073709551615)))
;; store_list_into_range of strings: each element is a (ptr, len) pair
(assert_return (invoke "echo-strings" (list.const (str.const "a") (str.const "") (str.const "☃")))
  (list.const (str.const "a") (str.const "") (str.const "☃")))
;; the empty list
(assert_return (invoke "echo-u8" (list.const)) (list.const))
;; load_list_from_valid_range: 4-byte elements
(assert_return (invoke "sum-u32" (list.const (u32.const 1) (u32.const 2) (u32.const 0x10000))) (u32.const 0x10003))
;; load_list_from_range: ptr + 0 <= len(memory) at the very end
(assert_return (invoke "end-u32-empty") (list.const))
;; a fixed-length list spilled with the results: load_list_from_valid_range of 3 elements
(assert_return (invoke "fixed3") (list.const (u32.const 7) (u32.const 8) (u32.const 9)))
;; flatten_list: list<u8, 4> is 4 i32 parameters
(assert_return (invoke "fixed4-flat" (list.const (u8.const 1) (u8.const 2) (u8.const 3) (u8.const 4))) (u32.const 0x04030201))
;; flatten_list: list<u8, 17> is 17 flat values, more than MAX_FLAT_PARAMS: spilled to memory
(assert_return (invoke "fixed17"
  (list.const (u8.const 10) (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0)
              (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0)
              (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 0) (u8.const 5)))
  (u32.const 15))
;; elem_size_list/alignment_list: list<u8, 2> elements take 2 bytes at alignment 1
(assert_return (invoke "nested")
  (list.const (list.const (u8.const 1) (u8.const 2)) (list.const (u8.const 3) (u8.const 4))))
;; load_list_from_range: trap_if(ptr != align_to(ptr, alignment(elem_type)))
(assert_trap (invoke "odd-u32") "unaligned pointer")
(component instance $l $Lists)
;; load_list_from_range: the alignment check does not depend on the length
(assert_trap (invoke "odd-u32-empty") "unaligned pointer")
(component instance $l $Lists)
;; load_list_from_range: trap_if(ptr + length * elem_size > len(memory))
(assert_trap (invoke "oob-u32") "list content out of bounds of memory")
(component instance $l $Lists)
;; load_list_from_range: the bounds check does not depend on the length
(assert_trap (invoke "oob-u32-empty") "list content out of bounds of memory")
(component instance $l $Lists)
;; load_list_from_range: trap_if(length * elem_size > MAX_LIST_BYTE_LENGTH), 2^25 u64s
(assert_trap (invoke "too-long-u64") "exceeds the maximum list byte length")
(component instance $l $Lists)
;; load_list_from_range: 2^28 bytes is one more than MAX_LIST_BYTE_LENGTH
(assert_trap (invoke "max-u8") "exceeds the maximum list byte length")

;; realloc results are checked: store_list_into_range traps on a misaligned or
;; out-of-bounds block, and a trap inside realloc is the call's trap.
(component definition $BadRealloc
  (core module $M
    (memory (export "mem") 1)
    (global $mode (mut i32) (i32.const 0))
    (func (export "set-mode") (param i32) (global.set $mode (local.get 0)))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (if (i32.eq (global.get $mode) (i32.const 1)) (then (return (i32.const 12))))   ;; 4-aligned only
      (if (i32.eq (global.get $mode) (i32.const 2)) (then (return (i32.const 65528))))
      (if (i32.eq (global.get $mode) (i32.const 3)) (then unreachable))
      (i32.const 64))
    (func (export "take") (param i32 i32))
  )
  (core instance $m (instantiate $M))
  (func (export "set-mode") (param "m" u32) (canon lift (core func $m "set-mode")))
  (func (export "take-u64") (param "l" (list u64))
    (canon lift (core func $m "take") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "take-string") (param "s" string)
    (canon lift (core func $m "take") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
(component instance $b $BadRealloc)
;; a well-behaved realloc for comparison
(assert_return (invoke "take-u64" (list.const (u64.const 1) (u64.const 2))))
(invoke "set-mode" (u32.const 1))
;; store_list_into_range: trap_if(ptr != align_to(ptr, alignment(elem_type)))
(assert_trap (invoke "take-u64" (list.const (u64.const 1))) "unaligned pointer")
(component instance $b $BadRealloc)
(invoke "set-mode" (u32.const 2))
;; store_list_into_range: trap_if(ptr + byte_length > len(memory)): 65528 + 16 > 65536
(assert_trap (invoke "take-u64" (list.const (u64.const 1) (u64.const 2))) "realloc return: beyond end of memory")
(component instance $b $BadRealloc)
(invoke "set-mode" (u32.const 2))
;; store_string_copy: trap_if(ptr + dst_byte_length > len(memory)): 65528 + 9 > 65536
(assert_trap (invoke "take-string" (str.const "123456789")) "realloc return: beyond end of memory")
(component instance $b $BadRealloc)
(invoke "set-mode" (u32.const 3))
;; LiftLowerContext.reallocate: a trap in realloc traps the call
(assert_trap (invoke "take-string" (str.const "x")) "unreachable")
