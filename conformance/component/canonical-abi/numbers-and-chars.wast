;; CanonicalABI.md "Flat Lifting", "Flat Lowering", "Loading", "Storing":
;; bool, the integer types, floats and char, between the host and a
;; component and between components.

;; Results lifted from core values. (A trap locks an instance down, so each
;; trap gets a fresh instance.)
(component definition $Results
  (core module $M
    ;; lift_flat_unsigned/lift_flat_signed keep the low t_width bits of the core value
    (func (export "u8") (result i32) (i32.const 0x1ff))
    (func (export "s8") (result i32) (i32.const 0x180))
    (func (export "u16") (result i32) (i32.const 0x1ffff))
    (func (export "s16") (result i32) (i32.const 0x18000))
    (func (export "u32") (result i32) (i32.const -1))
    (func (export "s32") (result i32) (i32.const -1))
    (func (export "u64") (result i64) (i64.const -1))
    (func (export "s64") (result i64) (i64.const 0x8000000000000000))
    (func (export "bool2") (result i32) (i32.const 2))
    (func (export "bool0") (result i32) (i32.const 0))
    (func (export "char-a") (result i32) (i32.const 0x61))
    (func (export "char-snowman") (result i32) (i32.const 0x2603))
    (func (export "char-max") (result i32) (i32.const 0x10ffff))
    (func (export "char-d800") (result i32) (i32.const 0xd800))
    (func (export "char-dfff") (result i32) (i32.const 0xdfff))
    (func (export "char-110000") (result i32) (i32.const 0x110000))
    (func (export "char-neg") (result i32) (i32.const -1))
  )
  (core instance $m (instantiate $M))
  (func (export "u8") (result u8) (canon lift (core func $m "u8")))
  (func (export "s8") (result s8) (canon lift (core func $m "s8")))
  (func (export "u16") (result u16) (canon lift (core func $m "u16")))
  (func (export "s16") (result s16) (canon lift (core func $m "s16")))
  (func (export "u32") (result u32) (canon lift (core func $m "u32")))
  (func (export "s32") (result s32) (canon lift (core func $m "s32")))
  (func (export "u64") (result u64) (canon lift (core func $m "u64")))
  (func (export "s64") (result s64) (canon lift (core func $m "s64")))
  (func (export "bool2") (result bool) (canon lift (core func $m "bool2")))
  (func (export "bool0") (result bool) (canon lift (core func $m "bool0")))
  (func (export "char-a") (result char) (canon lift (core func $m "char-a")))
  (func (export "char-snowman") (result char) (canon lift (core func $m "char-snowman")))
  (func (export "char-max") (result char) (canon lift (core func $m "char-max")))
  (func (export "char-d800") (result char) (canon lift (core func $m "char-d800")))
  (func (export "char-dfff") (result char) (canon lift (core func $m "char-dfff")))
  (func (export "char-110000") (result char) (canon lift (core func $m "char-110000")))
  (func (export "char-neg") (result char) (canon lift (core func $m "char-neg")))
)
;; lift_flat_unsigned: u8 of 0x1ff is 0xff
(component instance $r $Results)
(assert_return (invoke "u8") (u8.const 255))
;; lift_flat_signed: s8 of 0x180 is -128
(assert_return (invoke "s8") (s8.const -128))
;; lift_flat_unsigned: u16 of 0x1ffff is 0xffff
(assert_return (invoke "u16") (u16.const 65535))
;; lift_flat_signed: s16 of 0x18000 is -32768
(assert_return (invoke "s16") (s16.const -32768))
;; lift_flat_unsigned: u32 of i32 -1
(assert_return (invoke "u32") (u32.const 4294967295))
;; lift_flat_signed: s32 of i32 -1
(assert_return (invoke "s32") (s32.const -1))
;; lift_flat_unsigned: u64 of i64 -1
(assert_return (invoke "u64") (u64.const 18446744073709551615))
;; lift_flat_signed: s64 of the top bit alone
(assert_return (invoke "s64") (s64.const -9223372036854775808))
;; convert_int_to_bool: any non-zero i32 is true
(assert_return (invoke "bool2") (bool.const true))
;; convert_int_to_bool: zero is false
(assert_return (invoke "bool0") (bool.const false))
;; convert_i32_to_char: a scalar value
(assert_return (invoke "char-a") (char.const "a"))
;; convert_i32_to_char: a BMP scalar value
(assert_return (invoke "char-snowman") (char.const "☃"))
;; convert_i32_to_char: the largest scalar value
(assert_return (invoke "char-max") (char.const "\u{10ffff}"))
;; convert_i32_to_char: trap_if(0xD800 <= i <= 0xDFFF)
(component instance $r $Results)
(assert_trap (invoke "char-d800") "invalid `char` bit pattern")
;; convert_i32_to_char: trap_if(0xD800 <= i <= 0xDFFF), upper end
(component instance $r $Results)
(assert_trap (invoke "char-dfff") "invalid `char` bit pattern")
;; convert_i32_to_char: trap_if(i >= 0x110000)
(component instance $r $Results)
(assert_trap (invoke "char-110000") "invalid `char` bit pattern")
;; convert_i32_to_char: trap_if(i >= 0x110000) for the i32 read as unsigned
(component instance $r $Results)
(assert_trap (invoke "char-neg") "invalid `char` bit pattern")

;; Parameters lowered from the host: the core function returns the core bits.
(component
  (core module $M
    (func (export "bits32") (param i32) (result i32) (local.get 0))
    (func (export "bits64") (param i64) (result i64) (local.get 0))
  )
  (core instance $m (instantiate $M))
  (func (export "s8") (param "x" s8) (result u32) (canon lift (core func $m "bits32")))
  (func (export "s16") (param "x" s16) (result u32) (canon lift (core func $m "bits32")))
  (func (export "s32") (param "x" s32) (result u32) (canon lift (core func $m "bits32")))
  (func (export "u8") (param "x" u8) (result u32) (canon lift (core func $m "bits32")))
  (func (export "s64") (param "x" s64) (result u64) (canon lift (core func $m "bits64")))
  (func (export "bool") (param "x" bool) (result u32) (canon lift (core func $m "bits32")))
  (func (export "char") (param "x" char) (result u32) (canon lift (core func $m "bits32")))
)
;; lower_flat_signed: a negative s8 becomes its 32-bit two's complement
(assert_return (invoke "s8" (s8.const -1)) (u32.const 4294967295))
;; lower_flat_signed: a negative s16 becomes its 32-bit two's complement
(assert_return (invoke "s16" (s16.const -2)) (u32.const 4294967294))
;; lower_flat_signed: s32
(assert_return (invoke "s32" (s32.const -2147483648)) (u32.const 2147483648))
;; lower_flat: u8 is zero-extended
(assert_return (invoke "u8" (u8.const 200)) (u32.const 200))
;; lower_flat_signed: s64
(assert_return (invoke "s64" (s64.const -1)) (u64.const 18446744073709551615))
;; lower_flat: bool is 0 or 1
(assert_return (invoke "bool" (bool.const true)) (u32.const 1))
(assert_return (invoke "bool" (bool.const false)) (u32.const 0))
;; char_to_i32: the scalar value
(assert_return (invoke "char" (char.const "🍰")) (u32.const 0x1f370))

;; Floats between components: lifting canonicalizes NaNs (canonicalize_nan32/64)
;; and lowering may pick any NaN (maybe_scramble_nan32/64); other values keep
;; their bits. The caller checks what arrives and answers 1 for "as expected".
(component
  (component $C
    (core module $M
      (memory (export "mem") 1)
      (func (export "f32-bits") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
      (func (export "f64-bits") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
      ;; list<f32> with a non-canonical NaN, -0 and 1.5 at 16
      (func (export "f32-list") (result i32)
        (i32.store (i32.const 16) (i32.const 0x7f800001))
        (i32.store (i32.const 20) (i32.const 0x80000000))
        (i32.store (i32.const 24) (i32.const 0x3fc00000))
        (i32.store (i32.const 0) (i32.const 16))
        (i32.store (i32.const 4) (i32.const 3))
        (i32.const 0))
    )
    (core instance $m (instantiate $M))
    (func (export "f32-bits") (param "b" u32) (result f32) (canon lift (core func $m "f32-bits")))
    (func (export "f64-bits") (param "b" u64) (result f64) (canon lift (core func $m "f64-bits")))
    (func (export "f32-list") (result (list f32)) (canon lift (core func $m "f32-list") (memory (core memory $m "mem"))))
  )
  (component $D
    (import "f32-bits" (func $f32-bits (param "b" u32) (result f32)))
    (import "f64-bits" (func $f64-bits (param "b" u64) (result f64)))
    (import "f32-list" (func $f32-list (result (list f32))))
    (core module $Mem (memory (export "mem") 1) (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64)))
    (core instance $mem (instantiate $Mem))
    (core func $f32-bits' (canon lower (func $f32-bits)))
    (core func $f64-bits' (canon lower (func $f64-bits)))
    (core func $f32-list' (canon lower (func $f32-list) (memory (core memory $mem "mem")) (realloc (core func $mem "realloc"))))
    (core module $Main
      (import "" "mem" (memory 1))
      (import "" "f32-bits" (func $f32-bits (param i32) (result f32)))
      (import "" "f64-bits" (func $f64-bits (param i64) (result f64)))
      (import "" "f32-list" (func $f32-list (param i32)))
      (func $is-nan32 (param f32) (result i32) (f32.ne (local.get 0) (local.get 0)))
      ;; a NaN with any payload and sign arrives as a NaN
      (func (export "nan32") (param i32) (result i32)
        (call $is-nan32 (call $f32-bits (local.get 0))))
      (func (export "nan64") (param i64) (result i32)
        (f64.ne (call $f64-bits (local.get 0)) (call $f64-bits (local.get 0))))
      ;; other values arrive with their bits
      (func (export "same32") (param i32) (result i32)
        (i32.eq (i32.reinterpret_f32 (call $f32-bits (local.get 0))) (local.get 0)))
      (func (export "same64") (param i64) (result i32)
        (i64.eq (i64.reinterpret_f64 (call $f64-bits (local.get 0))) (local.get 0)))
      ;; decode_i32_as_float in a list: NaN stays a NaN, -0 and 1.5 keep their bits
      (func (export "list") (result i32)
        (call $f32-list (i32.const 8))
        (if (i32.ne (i32.load (i32.const 8)) (i32.const 64)) (then (return (i32.const 0))))
        (if (i32.ne (i32.load (i32.const 12)) (i32.const 3)) (then (return (i32.const 0))))
        (if (i32.eqz (call $is-nan32 (f32.load (i32.const 64)))) (then (return (i32.const 0))))
        (if (i32.ne (i32.load (i32.const 68)) (i32.const 0x80000000)) (then (return (i32.const 0))))
        (i32.eq (i32.load (i32.const 72)) (i32.const 0x3fc00000)))
    )
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "f32-bits" (func $f32-bits'))
      (export "f64-bits" (func $f64-bits'))
      (export "f32-list" (func $f32-list'))))))
    (func (export "nan32") (param "b" u32) (result u32) (canon lift (core func $main "nan32")))
    (func (export "nan64") (param "b" u64) (result u32) (canon lift (core func $main "nan64")))
    (func (export "same32") (param "b" u32) (result u32) (canon lift (core func $main "same32")))
    (func (export "same64") (param "b" u64) (result u32) (canon lift (core func $main "same64")))
    (func (export "list") (result u32) (canon lift (core func $main "list")))
  )
  (instance $c (instantiate $C))
  (instance $d (instantiate $D
    (with "f32-bits" (func $c "f32-bits"))
    (with "f64-bits" (func $c "f64-bits"))
    (with "f32-list" (func $c "f32-list"))))
  (func (export "nan32") (alias export $d "nan32"))
  (func (export "nan64") (alias export $d "nan64"))
  (func (export "same32") (alias export $d "same32"))
  (func (export "same64") (alias export $d "same64"))
  (func (export "list") (alias export $d "list"))
)
;; canonicalize_nan32 then maybe_scramble_nan32: a signalling NaN arrives as a NaN
(assert_return (invoke "nan32" (u32.const 0x7f800001)) (u32.const 1))
;; a negative quiet NaN with a payload arrives as a NaN
(assert_return (invoke "nan32" (u32.const 0xffc12345)) (u32.const 1))
;; canonicalize_nan64 then maybe_scramble_nan64
(assert_return (invoke "nan64" (u64.const 0x7ff0000000000001)) (u32.const 1))
(assert_return (invoke "nan64" (u64.const 0xfff8000000abcdef)) (u32.const 1))
;; non-NaN floats keep their bits: -0, inf, the smallest subnormal, 1.5
(assert_return (invoke "same32" (u32.const 0x80000000)) (u32.const 1))
(assert_return (invoke "same32" (u32.const 0x7f800000)) (u32.const 1))
(assert_return (invoke "same32" (u32.const 0x00000001)) (u32.const 1))
(assert_return (invoke "same32" (u32.const 0x3fc00000)) (u32.const 1))
(assert_return (invoke "same64" (u64.const 0x8000000000000000)) (u32.const 1))
(assert_return (invoke "same64" (u64.const 0xfff0000000000000)) (u32.const 1))
(assert_return (invoke "same64" (u64.const 0x0000000000000001)) (u32.const 1))
;; load: decode_i32_as_float for each element of a list<f32>
(assert_return (invoke "list") (u32.const 1))

;; Loading integers and chars from memory (a spilled tuple result).
(component
  (core module $M
    (memory (export "mem") 1)
    ;; tuple<u8, s8, u16, s16, u32, s32, u64, s64, bool, char> at 64:
    ;; offsets 0, 1, 2, 4, 8, 12, 16, 24, 32, 36 (size 40, alignment 8)
    (func (export "f") (result i32)
      (i32.store8 (i32.const 64) (i32.const 0xff))
      (i32.store8 (i32.const 65) (i32.const 0x80))
      (i32.store16 (i32.const 66) (i32.const 0xffff))
      (i32.store16 (i32.const 68) (i32.const 0x8000))
      (i32.store (i32.const 72) (i32.const -1))
      (i32.store (i32.const 76) (i32.const -1))
      (i64.store (i32.const 80) (i64.const -1))
      (i64.store (i32.const 88) (i64.const -2))
      (i32.store8 (i32.const 96) (i32.const 7))
      (i32.store (i32.const 100) (i32.const 0x1f370))
      (i32.const 64))
    (func (export "bad-char") (result i32)
      (i64.store (i32.const 64) (i64.const 0))
      (i32.store (i32.const 68) (i32.const 0xd800))
      (i32.const 64))
  )
  (core instance $m (instantiate $M))
  (func (export "f") (result (tuple u8 s8 u16 s16 u32 s32 u64 s64 bool char))
    (canon lift (core func $m "f") (memory (core memory $m "mem"))))
  (func (export "bad-char") (result (tuple u32 char))
    (canon lift (core func $m "bad-char") (memory (core memory $m "mem"))))
)
;; load: load_int of each width, signed and unsigned; convert_int_to_bool; convert_i32_to_char
(assert_return (invoke "f")
  (tuple.const (u8.const 255) (s8.const -128) (u16.const 65535) (s16.const -32768)
    (u32.const 4294967295) (s32.const -1) (u64.const 18446744073709551615) (s64.const -2)
    (bool.const true) (char.const "🍰")))
;; load: convert_i32_to_char traps on a surrogate in memory too
(assert_trap (invoke "bad-char") "invalid `char` bit pattern")
