;; CanonicalABI.md "Loading" and "Storing" of strings: decoding from each of
;; the three encodings and its traps (load_string_from_range), and strings
;; lowered from the host.

;; A string result is (ptr, tagged length) at address 0; each function puts a
;; different string in memory. Lifted with utf8.
(component definition $Utf8
  (core module $M
    (memory (export "mem") 1)
    (data (i32.const 16) "h\c3\a9\e2\98\83\f0\9f\8d\b0")  ;; "hé☃🍰", 10 bytes
    (data (i32.const 32) "\ed\a0\80")                      ;; an encoded surrogate
    (data (i32.const 40) "\c0\af")                         ;; an overlong encoding
    (func $ret (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    (func (export "ok") (result i32) (call $ret (i32.const 16) (i32.const 10)))
    (func (export "empty-odd-ptr") (result i32) (call $ret (i32.const 65535) (i32.const 0)))
    (func (export "empty-end") (result i32) (call $ret (i32.const 65536) (i32.const 0)))
    (func (export "empty-past-end") (result i32) (call $ret (i32.const 65537) (i32.const 0)))
    (func (export "surrogate") (result i32) (call $ret (i32.const 32) (i32.const 3)))
    (func (export "overlong") (result i32) (call $ret (i32.const 40) (i32.const 2)))
    (func (export "cut") (result i32) (call $ret (i32.const 16) (i32.const 2)))
    (func (export "too-long") (result i32) (call $ret (i32.const 0) (i32.const 0x10000000)))
    (func (export "oob") (result i32) (call $ret (i32.const 65530) (i32.const 7)))
  )
  (core instance $m (instantiate $M))
  (func (export "ok") (result string) (canon lift (core func $m "ok") (memory (core memory $m "mem"))))
  (func (export "empty-odd-ptr") (result string) (canon lift (core func $m "empty-odd-ptr") (memory (core memory $m "mem"))))
  (func (export "empty-end") (result string) (canon lift (core func $m "empty-end") (memory (core memory $m "mem"))))
  (func (export "empty-past-end") (result string) (canon lift (core func $m "empty-past-end") (memory (core memory $m "mem"))))
  (func (export "surrogate") (result string) (canon lift (core func $m "surrogate") (memory (core memory $m "mem"))))
  (func (export "overlong") (result string) (canon lift (core func $m "overlong") (memory (core memory $m "mem"))))
  (func (export "cut") (result string) (canon lift (core func $m "cut") (memory (core memory $m "mem"))))
  (func (export "too-long") (result string) (canon lift (core func $m "too-long") (memory (core memory $m "mem"))))
  (func (export "oob") (result string) (canon lift (core func $m "oob") (memory (core memory $m "mem"))))
)
(component instance $u $Utf8)
;; load_string_from_range: utf8 bytes decode
(assert_return (invoke "ok") (str.const "hé☃🍰"))
;; load_string_from_range: utf8 has alignment 1, even an empty string
(assert_return (invoke "empty-odd-ptr") (str.const ""))
;; load_string_from_range: ptr + 0 <= len(memory) holds at the very end
(assert_return (invoke "empty-end") (str.const ""))
;; load_string_from_range: trap_if(ptr + byte_length > len(memory)), even when empty
(assert_trap (invoke "empty-past-end") "string pointer/length out of bounds of memory")
(component instance $u $Utf8)
;; load_string_from_range: decoding fails on an encoded surrogate
(assert_trap (invoke "surrogate") "invalid utf-8")
(component instance $u $Utf8)
;; load_string_from_range: decoding fails on an overlong encoding
(assert_trap (invoke "overlong") "invalid utf-8")
(component instance $u $Utf8)
;; load_string_from_range: decoding fails on a cut multi-byte sequence
(assert_trap (invoke "cut") "incomplete utf-8 byte sequence")
(component instance $u $Utf8)
;; load_string_from_range: trap_if(byte_length > MAX_STRING_BYTE_LENGTH)
(assert_trap (invoke "too-long") "exceeds the maximum string byte length")
(component instance $u $Utf8)
;; load_string_from_range: trap_if(ptr + byte_length > len(memory))
(assert_trap (invoke "oob") "string pointer/length out of bounds of memory")

;; Lifted with utf16: lengths count 16-bit code units, pointers are 2-aligned.
(component definition $Utf16
  (core module $M
    (memory (export "mem") 1)
    (data (i32.const 16) "h\00\e9\00\03\26\3c\d8\70\df")  ;; "hé☃🍰", 5 code units
    (data (i32.const 32) "a\00\3c\d8b\00")                ;; a lone high surrogate
    (data (i32.const 40) "\70\df")                        ;; a lone low surrogate
    (func $ret (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    (func (export "ok") (result i32) (call $ret (i32.const 16) (i32.const 5)))
    (func (export "lone-high") (result i32) (call $ret (i32.const 32) (i32.const 3)))
    (func (export "lone-low") (result i32) (call $ret (i32.const 40) (i32.const 1)))
    (func (export "odd-ptr") (result i32) (call $ret (i32.const 17) (i32.const 1)))
    (func (export "odd-ptr-empty") (result i32) (call $ret (i32.const 17) (i32.const 0)))
    (func (export "oob") (result i32) (call $ret (i32.const 65534) (i32.const 2)))
    (func (export "too-long") (result i32) (call $ret (i32.const 0) (i32.const 0x08000000)))
  )
  (core instance $m (instantiate $M))
  (func (export "ok") (result string) (canon lift (core func $m "ok") string-encoding=utf16 (memory (core memory $m "mem"))))
  (func (export "lone-high") (result string) (canon lift (core func $m "lone-high") string-encoding=utf16 (memory (core memory $m "mem"))))
  (func (export "lone-low") (result string) (canon lift (core func $m "lone-low") string-encoding=utf16 (memory (core memory $m "mem"))))
  (func (export "odd-ptr") (result string) (canon lift (core func $m "odd-ptr") string-encoding=utf16 (memory (core memory $m "mem"))))
  (func (export "odd-ptr-empty") (result string) (canon lift (core func $m "odd-ptr-empty") string-encoding=utf16 (memory (core memory $m "mem"))))
  (func (export "oob") (result string) (canon lift (core func $m "oob") string-encoding=utf16 (memory (core memory $m "mem"))))
  (func (export "too-long") (result string) (canon lift (core func $m "too-long") string-encoding=utf16 (memory (core memory $m "mem"))))
)
(component instance $u $Utf16)
;; load_string_from_range: utf-16-le with a surrogate pair decodes
(assert_return (invoke "ok") (str.const "hé☃🍰"))
;; load_string_from_range: decoding fails on a lone high surrogate
(assert_trap (invoke "lone-high") "invalid utf-16")
(component instance $u $Utf16)
;; load_string_from_range: decoding fails on a lone low surrogate
(assert_trap (invoke "lone-low") "invalid utf-16")
(component instance $u $Utf16)
;; load_string_from_range: trap_if(ptr != align_to(ptr, 2))
(assert_trap (invoke "odd-ptr") "unaligned pointer")
(component instance $u $Utf16)
;; load_string_from_range: the alignment check does not depend on the length
(assert_trap (invoke "odd-ptr-empty") "unaligned pointer")
(component instance $u $Utf16)
;; load_string_from_range: byte_length is 2 * code units
(assert_trap (invoke "oob") "string pointer/length out of bounds of memory")
(component instance $u $Utf16)
;; load_string_from_range: trap_if(byte_length > MAX_STRING_BYTE_LENGTH), 2^27 units
(assert_trap (invoke "too-long") "exceeds the maximum string byte length")

;; Lifted with latin1+utf16: the top bit of the length says utf16.
(component definition $Compact
  (core module $M
    (memory (export "mem") 1)
    (data (i32.const 16) "h\e9\ff")              ;; Latin-1 "héÿ"
    (data (i32.const 32) "h\00\03\26")           ;; UTF-16 "h☃"
    (func $ret (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    (func (export "latin1") (result i32) (call $ret (i32.const 16) (i32.const 3)))
    (func (export "utf16") (result i32) (call $ret (i32.const 32) (i32.const 0x80000002)))
    (func (export "latin1-odd-ptr") (result i32) (call $ret (i32.const 17) (i32.const 1)))
    (func (export "utf16-odd-ptr") (result i32) (call $ret (i32.const 33) (i32.const 0x80000001)))
    (func (export "utf16-oob") (result i32) (call $ret (i32.const 65534) (i32.const 0x80000002)))
  )
  (core instance $m (instantiate $M))
  (func (export "latin1") (result string) (canon lift (core func $m "latin1") string-encoding=latin1+utf16 (memory (core memory $m "mem"))))
  (func (export "utf16") (result string) (canon lift (core func $m "utf16") string-encoding=latin1+utf16 (memory (core memory $m "mem"))))
  (func (export "latin1-odd-ptr") (result string) (canon lift (core func $m "latin1-odd-ptr") string-encoding=latin1+utf16 (memory (core memory $m "mem"))))
  (func (export "utf16-odd-ptr") (result string) (canon lift (core func $m "utf16-odd-ptr") string-encoding=latin1+utf16 (memory (core memory $m "mem"))))
  (func (export "utf16-oob") (result string) (canon lift (core func $m "utf16-oob") string-encoding=latin1+utf16 (memory (core memory $m "mem"))))
)
(component instance $u $Compact)
;; load_string_from_range: an untagged length is Latin-1, one byte per char
(assert_return (invoke "latin1") (str.const "héÿ"))
;; load_string_from_range: a tagged length is UTF-16 code units
(assert_return (invoke "utf16") (str.const "h☃"))
;; load_string_from_range: latin1+utf16 has alignment 2 for Latin-1 too
(assert_trap (invoke "latin1-odd-ptr") "unaligned pointer")
(component instance $u $Compact)
;; load_string_from_range: and for UTF-16
(assert_trap (invoke "utf16-odd-ptr") "unaligned pointer")
(component instance $u $Compact)
;; load_string_from_range: the tagged length counts 2-byte units
(assert_trap (invoke "utf16-oob") "string pointer/length out of bounds of memory")

;; Strings lowered from the host: the callee sees the text in its encoding.
;; It answers with the code units it received and their checksum.
(component
  (core module $M
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    ;; a bump allocator that shrinks in place and copies when it grows
    (func (export "realloc") (param $old i32) (param $osz i32) (param i32) (param $nsz i32) (result i32)
      (local $r i32)
      (if (i32.and (i32.ne (local.get $old) (i32.const 0)) (i32.le_u (local.get $nsz) (local.get $osz)))
        (then (return (local.get $old))))
      (local.set $r (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $r) (local.get $nsz)))
      (if (local.get $old) (then (memory.copy (local.get $r) (local.get $old) (local.get $osz))))
      (local.get $r))
    ;; sum of the bytes, times 0x10000, plus the length
    (func (export "sum8") (param $p i32) (param $l i32) (result i32)
      (local $i i32) (local $s i32)
      (block $d (loop $k
        (br_if $d (i32.ge_u (local.get $i) (local.get $l)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $p) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $k)))
      (i32.add (i32.shl (local.get $s) (i32.const 16)) (local.get $l)))
    ;; sum of the 16-bit units, times 0x10000, plus the length
    (func (export "sum16") (param $p i32) (param $l i32) (result i32)
      (local $i i32) (local $s i32)
      (block $d (loop $k
        (br_if $d (i32.ge_u (local.get $i) (local.get $l)))
        (local.set $s (i32.add (local.get $s) (i32.load16_u (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $k)))
      (i32.add (i32.shl (local.get $s) (i32.const 16)) (local.get $l)))
  )
  (core instance $m (instantiate $M))
  (func (export "utf8") (param "s" string) (result u32)
    (canon lift (core func $m "sum8") (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
  (func (export "utf16") (param "s" string) (result u32)
    (canon lift (core func $m "sum16") string-encoding=utf16 (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
)
;; store_string_into_range: "hé" in utf8 is 68 C3 A9 (sum 0x1d4, 3 bytes)
(assert_return (invoke "utf8" (str.const "hé")) (u32.const 0x01d40003))
;; store_string_into_range: "h☃🍰" in utf16 is 0068 2603 D83C DF70 (sum 0x1de17, 4 units)
(assert_return (invoke "utf16" (str.const "h☃🍰")) (u32.const 0xde170004))
;; store_string_into_range: the empty string
(assert_return (invoke "utf8" (str.const "")) (u32.const 0))
(assert_return (invoke "utf16" (str.const "")) (u32.const 0))
