;; CanonicalABI.md "Despecialization", "Alignment", "Element Size", "Loading",
;; "Storing", "Flattening" of records, tuples, variants, enums, options,
;; results and flags.

(component definition $Aggregates
  (type $rec- (record (field "a" u8) (field "b" u32) (field "c" u16) (field "d" u64)))
  (type $var- (variant (case "a" u8) (case "b" u64) (case "c")))
  (type $e257- (enum "c0" "c1" "c2" "c3" "c4" "c5" "c6" "c7" "c8" "c9" "c10" "c11" "c12" "c13" "c14" "c15" "c16" "c17" "c18" "c19" "c20" "c21" "c22" "c23" "c24" "c25" "c26" "c27" "c28" "c29" "c30" "c31" "c32" "c33" "c34" "c35" "c36" "c37" "c38" "c39" "c40" "c41" "c42" "c43" "c44" "c45" "c46" "c47" "c48" "c49" "c50" "c51" "c52" "c53" "c54" "c55" "c56" "c57" "c58" "c59" "c60" "c61" "c62" "c63" "c64" "c65" "c66" "c67" "c68" "c69" "c70" "c71" "c72" "c73" "c74" "c75" "c76" "c77" "c78" "c79" "c80" "c81" "c82" "c83" "c84" "c85" "c86" "c87" "c88" "c89" "c90" "c91" "c92" "c93" "c94" "c95" "c96" "c97" "c98" "c99" "c100" "c101" "c102" "c103" "c104" "c105" "c106" "c107" "c108" "c109" "c110" "c111" "c112" "c113" "c114" "c115" "c116" "c117" "c118" "c119" "c120" "c121" "c122" "c123" "c124" "c125" "c126" "c127" "c128" "c129" "c130" "c131" "c132" "c133" "c134" "c135" "c136" "c137" "c138" "c139" "c140" "c141" "c142" "c143" "c144" "c145" "c146" "c147" "c148" "c149" "c150" "c151" "c152" "c153" "c154" "c155" "c156" "c157" "c158" "c159" "c160" "c161" "c162" "c163" "c164" "c165" "c166" "c167" "c168" "c169" "c170" "c171" "c172" "c173" "c174" "c175" "c176" "c177" "c178" "c179" "c180" "c181" "c182" "c183" "c184" "c185" "c186" "c187" "c188" "c189" "c190" "c191" "c192" "c193" "c194" "c195" "c196" "c197" "c198" "c199" "c200" "c201" "c202" "c203" "c204" "c205" "c206" "c207" "c208" "c209" "c210" "c211" "c212" "c213" "c214" "c215" "c216" "c217" "c218" "c219" "c220" "c221" "c222" "c223" "c224" "c225" "c226" "c227" "c228" "c229" "c230" "c231" "c232" "c233" "c234" "c235" "c236" "c237" "c238" "c239" "c240" "c241" "c242" "c243" "c244" "c245" "c246" "c247" "c248" "c249" "c250" "c251" "c252" "c253" "c254" "c255" "c256"))
  (type $f8- (flags "f0" "f1" "f2" "f3" "f4" "f5" "f6" "f7"))
  (type $f9- (flags "f0" "f1" "f2" "f3" "f4" "f5" "f6" "f7" "f8"))
  (type $f17- (flags "f0" "f1" "f2" "f3" "f4" "f5" "f6" "f7" "f8" "f9" "f10" "f11" "f12" "f13" "f14" "f15" "f16"))
  (type $f32- (flags "f0" "f1" "f2" "f3" "f4" "f5" "f6" "f7" "f8" "f9" "f10" "f11" "f12" "f13" "f14" "f15" "f16" "f17" "f18" "f19" "f20" "f21" "f22" "f23" "f24" "f25" "f26" "f27" "f28" "f29" "f30" "f31"))
  (export $rec "rec-t" (type $rec-))
  (export $var "var-t" (type $var-))
  (export $e257 "e257-t" (type $e257-))
  (export $f8 "f8-t" (type $f8-))
  (export $f9 "f9-t" (type $f9-))
  (export $f17 "f17-t" (type $f17-))
  (export $f32 "f32-t" (type $f32-))
  (type $opt (option u32))
  (type $res (result u32 (error string)))
  (core module $M
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $r) (local.get 3)))
      (local.get $r))
    (func $list (param i32 i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.store (i32.const 4) (local.get 1))
      (i32.const 0))
    ;; record {a: u8, b: u32, c: u16, d: u64} at 64: offsets 0, 4, 8, 16
    (func (export "rec") (result i32)
      (i64.store (i32.const 64) (i64.const -1))
      (i64.store (i32.const 72) (i64.const -1))
      (i32.store8 (i32.const 64) (i32.const 7))
      (i32.store (i32.const 68) (i32.const 0x12345678))
      (i32.store16 (i32.const 72) (i32.const 0xbeef))
      (i64.store (i32.const 80) (i64.const 0x1122334455667788))
      (i32.const 64))
    ;; the flat record {a: u8, b: u32, c: u16, d: u64}: i32 i32 i32 i64
    (func (export "rec-flat") (param i32 i32 i32 i64) (result i64)
      (i64.add (i64.extend_i32_u (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2))) (local.get 3)))
    ;; list<variant {a(u8), b(u64), c}> at 128: 16-byte elements, payload at 8
    (func (export "var-list") (result i32)
      (i32.store8 (i32.const 128) (i32.const 0))
      (i32.store8 (i32.const 136) (i32.const 9))
      (i32.store8 (i32.const 144) (i32.const 1))
      (i64.store (i32.const 152) (i64.const 0x1122334455667788))
      (i32.store8 (i32.const 160) (i32.const 2))
      (call $list (i32.const 128) (i32.const 3)))
    (func (export "var-bad") (result i32)
      (i32.store8 (i32.const 128) (i32.const 3))
      (call $list (i32.const 128) (i32.const 1)))
    ;; a flat variant {a(u8), b(u64), c}: i32 discriminant, i64 payload
    (func (export "var-flat") (param i32 i64) (result i64)
      (i64.add (i64.shl (i64.extend_i32_u (local.get 0)) (i64.const 56)) (local.get 1)))
    ;; list<enum of 257 labels>: 2-byte discriminants at 192
    (func (export "e257-list") (result i32)
      (i32.store16 (i32.const 192) (i32.const 256))
      (i32.store16 (i32.const 194) (i32.const 1))
      (call $list (i32.const 192) (i32.const 2)))
    (func (export "e257-bad") (result i32)
      (i32.store16 (i32.const 192) (i32.const 257))
      (call $list (i32.const 192) (i32.const 1)))
    (func (export "e257-flat") (result i32) (i32.const 256))
    (func (export "e257-flat-bad") (result i32) (i32.const 257))
    (func (export "bits") (param i32) (result i32) (local.get 0))
    ;; list<flags> of each width at 256
    (func (export "f8-list") (result i32)
      (i32.store8 (i32.const 256) (i32.const 0x81))
      (call $list (i32.const 256) (i32.const 1)))
    (func (export "f9-list") (result i32)
      (i32.store16 (i32.const 256) (i32.const 0xff01))  ;; bits beyond the 9th are ignored
      (i32.store16 (i32.const 258) (i32.const 0x0100))
      (call $list (i32.const 256) (i32.const 2)))
    (func (export "f17-list") (result i32)
      (i32.store (i32.const 256) (i32.const 0xffff0000))  ;; of these bits only bit 16 is a label
      (call $list (i32.const 256) (i32.const 1)))
    (func (export "f32-list") (result i32)
      (i32.store (i32.const 256) (i32.const 0x80000001))
      (call $list (i32.const 256) (i32.const 1)))
    ;; list<option<u32>> (8-byte elements) and list<result<u32, string>>
    ;; (12-byte elements, payload at 4) at 512
    (func (export "opt-list") (result i32)
      (i32.store8 (i32.const 512) (i32.const 1))
      (i32.store (i32.const 516) (i32.const 5))
      (i32.store8 (i32.const 520) (i32.const 0))
      (call $list (i32.const 512) (i32.const 2)))
    (func (export "res-list") (result i32)
      (i32.store8 (i32.const 512) (i32.const 0))
      (i32.store (i32.const 516) (i32.const 1))
      (i32.store8 (i32.const 524) (i32.const 1))
      (i32.store (i32.const 528) (i32.const 600))
      (i32.store (i32.const 532) (i32.const 1))
      (i32.store8 (i32.const 600) (i32.const 0x65))
      (call $list (i32.const 512) (i32.const 2)))
    (func (export "opt-bad") (result i32)
      (i32.store8 (i32.const 512) (i32.const 2))
      (call $list (i32.const 512) (i32.const 1)))
  )
  (core instance $m (instantiate $M))
  (alias core export $m "mem" (core memory $mem))
  (func (export "rec") (result $rec) (canon lift (core func $m "rec") (memory $mem)))
  (func (export "rec-flat") (param "r" $rec) (result u64) (canon lift (core func $m "rec-flat")))
  (func (export "tuple") (result (tuple u8 u32 u16 u64)) (canon lift (core func $m "rec") (memory $mem)))
  (func (export "var-list") (result (list $var)) (canon lift (core func $m "var-list") (memory $mem)))
  (func (export "var-bad") (result (list $var)) (canon lift (core func $m "var-bad") (memory $mem)))
  (func (export "var-flat") (param "v" $var) (result u64) (canon lift (core func $m "var-flat")))
  (func (export "e257-list") (result (list $e257)) (canon lift (core func $m "e257-list") (memory $mem)))
  (func (export "e257-bad") (result (list $e257)) (canon lift (core func $m "e257-bad") (memory $mem)))
  (func (export "e257-flat") (result $e257) (canon lift (core func $m "e257-flat")))
  (func (export "e257-flat-bad") (result $e257) (canon lift (core func $m "e257-flat-bad")))
  (func (export "e257-bits") (param "e" $e257) (result u32) (canon lift (core func $m "bits")))
  (func (export "f8-list") (result (list $f8)) (canon lift (core func $m "f8-list") (memory $mem)))
  (func (export "f9-list") (result (list $f9)) (canon lift (core func $m "f9-list") (memory $mem)))
  (func (export "f17-list") (result (list $f17)) (canon lift (core func $m "f17-list") (memory $mem)))
  (func (export "f32-list") (result (list $f32)) (canon lift (core func $m "f32-list") (memory $mem)))
  (func (export "f8-flat") (param "b" u32) (result $f8) (canon lift (core func $m "bits")))
  (func (export "f8-bits") (param "f" $f8) (result u32) (canon lift (core func $m "bits")))
  (func (export "f32-bits") (param "f" $f32) (result u32) (canon lift (core func $m "bits")))
  (func (export "opt-list") (result (list $opt)) (canon lift (core func $m "opt-list") (memory $mem)))
  (func (export "res-list") (result (list $res)) (canon lift (core func $m "res-list") (memory $mem)))
  (func (export "opt-bad") (result (list $opt)) (canon lift (core func $m "opt-bad") (memory $mem)))
)
(component instance $a $Aggregates)
;; load_record: each field at align_to(offset, alignment(field)): 0, 4, 8, 16
(assert_return (invoke "rec")
  (record.const (field "a" u8.const 7) (field "b" u32.const 0x12345678) (field "c" u16.const 0xbeef)
    (field "d" u64.const 0x1122334455667788)))
;; despecialize: a tuple is the record of its elements, same layout
(assert_return (invoke "tuple")
  (tuple.const (u8.const 7) (u32.const 0x12345678) (u16.const 0xbeef) (u64.const 0x1122334455667788)))
;; flatten_record: the fields' flattenings in order
(assert_return (invoke "rec-flat"
  (record.const (field "a" u8.const 1) (field "b" u32.const 2) (field "c" u16.const 3) (field "d" u64.const 0x100)))
  (u64.const 0x106))
;; load_variant: u8 discriminant, payload at align_to(1, max_case_alignment = 8)
(assert_return (invoke "var-list")
  (list.const (variant.const "a" (u8.const 9)) (variant.const "b" (u64.const 0x1122334455667788)) (variant.const "c")))
;; flatten_variant: i32 discriminant, then the join of the payloads (i32, i64 -> i64)
(assert_return (invoke "var-flat" (variant.const "a" (u8.const 5))) (u64.const 5))
(assert_return (invoke "var-flat" (variant.const "c")) (u64.const 0x0200000000000000))
;; discriminant_type: 257 cases need a u16 discriminant, 2 bytes per enum
(assert_return (invoke "e257-list") (list.const (enum.const "c256") (enum.const "c1")))
;; lift_flat_variant: case 256 of 257
(assert_return (invoke "e257-flat") (enum.const "c256"))
;; lower_flat_variant: the case index
(assert_return (invoke "e257-bits" (enum.const "c256")) (u32.const 256))
;; load_flags: elem_size_flags(8 labels) = 1 byte
(assert_return (invoke "f8-list") (list.const (flags.const "f0" "f7")))
;; load_flags: 9 labels take 2 bytes; unpack_flags_from_int ignores bits past the labels
(assert_return (invoke "f9-list") (list.const (flags.const "f0" "f8") (flags.const "f8")))
;; load_flags: 17 labels take 4 bytes
(assert_return (invoke "f17-list") (list.const (flags.const "f16")))
;; load_flags: 32 labels, the top bit is the last label
(assert_return (invoke "f32-list") (list.const (flags.const "f0" "f31")))
;; lift_flat_flags: bits past the labels are ignored
(assert_return (invoke "f8-flat" (u32.const 0xffffff03)) (flags.const "f0" "f1"))
;; pack_flags_into_int
(assert_return (invoke "f8-bits" (flags.const "f1" "f6")) (u32.const 0x42))
(assert_return (invoke "f32-bits" (flags.const "f31" "f0")) (u32.const 0x80000001))
(assert_return (invoke "f8-bits" (flags.const)) (u32.const 0))
;; despecialize: option is variant {none, some(t)}: 8-byte elements
(assert_return (invoke "opt-list") (list.const (option.some (u32.const 5)) (option.none)))
;; despecialize: result is variant {ok(t), error(e)}: payload at 4, 12-byte elements
(assert_return (invoke "res-list") (list.const (result.ok (u32.const 1)) (result.err (str.const "e"))))
;; load_variant: trap_if(case_index >= len(cases))
(assert_trap (invoke "var-bad") "invalid variant discriminant")
(component instance $a $Aggregates)
;; load_variant: with a u16 discriminant
(assert_trap (invoke "e257-bad") "invalid variant discriminant")
(component instance $a $Aggregates)
;; lift_flat_variant: trap_if(case_index >= len(cases))
(assert_trap (invoke "e257-flat-bad") "invalid variant discriminant")
(component instance $a $Aggregates)
;; load_variant: an option's discriminant is 0 or 1
(assert_trap (invoke "opt-bad") "invalid variant discriminant")

;; Joined payload slots between components: lower_flat_variant encodes an
;; f64 payload into the i64 slot (encode_float_as_i64), lift_flat_variant
;; decodes it (decode_i64_as_float). The callee returns the bits it got.
(component
  (component $C
    (type $v' (variant (case "f" f64) (case "u" u32)))
    (export $v "v" (type $v'))
    (core module $M (func (export "f") (param i32 i64) (result i64) (local.get 1)))
    (core instance $m (instantiate $M))
    (func (export "f") (param "v" $v) (result u64) (canon lift (core func $m "f")))
  )
  (component $D
    (import "c" (instance $c
      (type $v' (variant (case "f" f64) (case "u" u32)))
      (export "v" (type $v (eq $v')))
      (export "f" (func (param "v" $v) (result u64)))))
    (core func $f (canon lower (func $c "f")))
    (core module $Main
      (import "" "f" (func $f (param i32 i64) (result i64)))
      ;; f64 1.5 keeps its bits
      (func (export "one-and-a-half") (result i32)
        (i64.eq (call $f (i32.const 0) (i64.const 0x3ff8000000000000)) (i64.const 0x3ff8000000000000)))
      ;; a u32 payload comes out of the low 32 bits of the slot
      (func (export "u32-wraps") (result i32)
        (i64.eq (call $f (i32.const 1) (i64.const 0xffffffff00000007)) (i64.const 7)))
      ;; a NaN payload arrives as a NaN
      (func (export "nan") (result i32)
        (local $b i64)
        (local.set $b (call $f (i32.const 0) (i64.const 0x7ff0000000000001)))
        (f64.ne (f64.reinterpret_i64 (local.get $b)) (f64.reinterpret_i64 (local.get $b))))
    )
    (core instance $main (instantiate $Main (with "" (instance (export "f" (func $f))))))
    (func (export "one-and-a-half") (result u32) (canon lift (core func $main "one-and-a-half")))
    (func (export "u32-wraps") (result u32) (canon lift (core func $main "u32-wraps")))
    (func (export "nan") (result u32) (canon lift (core func $main "nan")))
  )
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "c" (instance $c))))
  (func (export "one-and-a-half") (alias export $d "one-and-a-half"))
  (func (export "u32-wraps") (alias export $d "u32-wraps"))
  (func (export "nan") (alias export $d "nan"))
)
;; lift_flat_variant + lower_flat_variant: ('i64', 'f64') and back
(assert_return (invoke "one-and-a-half") (u32.const 1))
;; lift_flat_variant: ('i64', 'i32') is wrap_i64_to_i32; lower_flat_variant: ('i32', 'i64') zero-extends
(assert_return (invoke "u32-wraps") (u32.const 1))
;; decode_i64_as_float canonicalizes, encode_float_as_i64 may scramble: still a NaN
(assert_return (invoke "nan") (u32.const 1))
