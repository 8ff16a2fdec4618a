;; CanonicalABI.md "Storing" (strings): every transcoding path between the
;; three string encodings, component to component. Each callee lifts with
;; one encoding and records what it received and the `realloc` calls the
;; lowering made; each caller lowers with one encoding. The expected realloc
;; arguments, lengths and bytes follow definitions.py's functions, named
;; above each case (the expectations were computed by running
;; definitions.py itself on these strings).
(component $T
  ;; The receiving side: a logging bump allocator (8-aligned; shrinking keeps
  ;; the block, growing copies it), and `take`, which keeps what it was given.
  (core module $CalleeCore
    (import "cfg" "enc" (global $enc i32))
    (memory (export "mem") 1)
    (global $next (mut i32) (i32.const 1024))
    (global $nlog (mut i32) (i32.const 0))
    (global $len (mut i32) (i32.const 0))
    (global $blen (mut i32) (i32.const 0))
    (func (export "realloc") (param $old i32) (param $osz i32) (param $al i32) (param $nsz i32) (result i32)
      (local $r i32) (local $e i32)
      (local.set $e (i32.add (i32.const 8192) (i32.shl (global.get $nlog) (i32.const 4))))
      (i32.store (local.get $e) (local.get $old))
      (i32.store offset=4 (local.get $e) (local.get $osz))
      (i32.store offset=8 (local.get $e) (local.get $al))
      (i32.store offset=12 (local.get $e) (local.get $nsz))
      (global.set $nlog (i32.add (global.get $nlog) (i32.const 1)))
      (if (i32.and (i32.ne (local.get $old) (i32.const 0)) (i32.le_u (local.get $nsz) (local.get $osz)))
        (then (return (local.get $old))))
      (local.set $r (i32.and (i32.add (global.get $next) (i32.const 7)) (i32.const -8)))
      (global.set $next (i32.add (local.get $r) (local.get $nsz)))
      (if (local.get $old) (then (memory.copy (local.get $r) (local.get $old) (local.get $osz))))
      (local.get $r))
    (func (export "take") (param $p i32) (param $l i32)
      (global.set $len (local.get $l))
      (global.set $blen
        (if (result i32) (i32.eqz (global.get $enc))
          (then (local.get $l))
          (else (if (result i32) (i32.eq (global.get $enc) (i32.const 1))
            (then (i32.shl (local.get $l) (i32.const 1)))
            (else (if (result i32) (i32.and (local.get $l) (i32.const 0x80000000))
              (then (i32.shl (i32.and (local.get $l) (i32.const 0x7fffffff)) (i32.const 1)))
              (else (local.get $l))))))))
      (memory.copy (i32.const 4096) (local.get $p) (global.get $blen)))
    (func (export "len") (result i32) (global.get $len))
    (func (export "bytes") (result i32)
      (i32.store (i32.const 0) (i32.const 4096))
      (i32.store (i32.const 4) (global.get $blen))
      (i32.const 0))
    (func (export "log") (result i32)
      (i32.store (i32.const 0) (i32.const 8192))
      (i32.store (i32.const 4) (i32.shl (global.get $nlog) (i32.const 2)))
      (i32.const 0))
    (func (export "reset")
      (global.set $next (i32.const 1024))
      (global.set $nlog (i32.const 0))
      (global.set $len (i32.const 0))
      (global.set $blen (i32.const 0))))
  ;; Receives strings lifted as utf8; keeps their length, bytes and realloc calls.
  (component $Callee8
    (core module $Cfg (global (export "enc") i32 (i32.const 0)))
    (core instance $cfg (instantiate $Cfg))
    (alias outer $T $CalleeCore (core module $CM))
    (core instance $m (instantiate $CM (with "cfg" (instance $cfg))))
    (func (export "take") (param "s" string)
      (canon lift (core func $m "take") string-encoding=utf8
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "len") (result u32) (canon lift (core func $m "len")))
    (func (export "bytes") (result (list u8)) (canon lift (core func $m "bytes") (memory (core memory $m "mem"))))
    (func (export "log") (result (list u32)) (canon lift (core func $m "log") (memory (core memory $m "mem"))))
    (func (export "reset") (canon lift (core func $m "reset"))))
  ;; Receives strings lifted as utf16; keeps their length, bytes and realloc calls.
  (component $Callee16
    (core module $Cfg (global (export "enc") i32 (i32.const 1)))
    (core instance $cfg (instantiate $Cfg))
    (alias outer $T $CalleeCore (core module $CM))
    (core instance $m (instantiate $CM (with "cfg" (instance $cfg))))
    (func (export "take") (param "s" string)
      (canon lift (core func $m "take") string-encoding=utf16
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "len") (result u32) (canon lift (core func $m "len")))
    (func (export "bytes") (result (list u8)) (canon lift (core func $m "bytes") (memory (core memory $m "mem"))))
    (func (export "log") (result (list u32)) (canon lift (core func $m "log") (memory (core memory $m "mem"))))
    (func (export "reset") (canon lift (core func $m "reset"))))
  ;; Receives strings lifted as latin1+utf16; keeps their length, bytes and realloc calls.
  (component $Calleel
    (core module $Cfg (global (export "enc") i32 (i32.const 2)))
    (core instance $cfg (instantiate $Cfg))
    (alias outer $T $CalleeCore (core module $CM))
    (core instance $m (instantiate $CM (with "cfg" (instance $cfg))))
    (func (export "take") (param "s" string)
      (canon lift (core func $m "take") string-encoding=latin1+utf16
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "len") (result u32) (canon lift (core func $m "len")))
    (func (export "bytes") (result (list u8)) (canon lift (core func $m "bytes") (memory (core memory $m "mem"))))
    (func (export "log") (result (list u32)) (canon lift (core func $m "log") (memory (core memory $m "mem"))))
    (func (export "reset") (canon lift (core func $m "reset"))))
  ;; Sends the utf8 strings of its memory to a callee: (send index target),
  ;; target 0/1/2 = the utf8/utf16/latin1+utf16 callee.
  (component $Caller8
    (import "t8" (func $t8 (param "s" string)))
    (import "t16" (func $t16 (param "s" string)))
    (import "tl" (func $tl (param "s" string)))
    (core module $Mem (memory (export "mem") 1))
    (core instance $mem (instantiate $Mem))
    (core func $t8' (canon lower (func $t8) string-encoding=utf8 (memory (core memory $mem "mem"))))
    (core func $t16' (canon lower (func $t16) string-encoding=utf8 (memory (core memory $mem "mem"))))
    (core func $tl' (canon lower (func $tl) string-encoding=utf8 (memory (core memory $mem "mem"))))
    (core module $Main
      (import "" "mem" (memory 1))
      (import "" "t8" (func $t8 (param i32 i32)))
      (import "" "t16" (func $t16 (param i32 i32)))
      (import "" "tl" (func $tl (param i32 i32)))
      (data (i32.const 16) "\68\69") ;; hi
      (data (i32.const 32) "\68\c3\a9") ;; hé
      (data (i32.const 48) "\68\e2\98\83") ;; h☃
      (data (i32.const 64) "\f0\9f\8d\b0") ;; 🍰
      ;; (ptr, tagged length) of each string
      (data (i32.const 256) "\10\00\00\00\02\00\00\00\20\00\00\00\03\00\00\00\30\00\00\00\04\00\00\00\40\00\00\00\04\00\00\00")
      (func (export "send") (param $i i32) (param $t i32)
        (local $p i32) (local $l i32)
        (local.set $p (i32.load (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $l (i32.load offset=4 (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
        (if (i32.eqz (local.get $t))
          (then (call $t8 (local.get $p) (local.get $l)))
          (else (if (i32.eq (local.get $t) (i32.const 1))
            (then (call $t16 (local.get $p) (local.get $l)))
            (else (call $tl (local.get $p) (local.get $l))))))))
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "t8" (func $t8'))
      (export "t16" (func $t16'))
      (export "tl" (func $tl'))))))
    (func (export "send") (param "i" u32) (param "t" u32) (canon lift (core func $main "send"))))
  ;; Sends the utf16 strings of its memory to a callee: (send index target),
  ;; target 0/1/2 = the utf8/utf16/latin1+utf16 callee.
  (component $Caller16
    (import "t8" (func $t8 (param "s" string)))
    (import "t16" (func $t16 (param "s" string)))
    (import "tl" (func $tl (param "s" string)))
    (core module $Mem (memory (export "mem") 1))
    (core instance $mem (instantiate $Mem))
    (core func $t8' (canon lower (func $t8) string-encoding=utf16 (memory (core memory $mem "mem"))))
    (core func $t16' (canon lower (func $t16) string-encoding=utf16 (memory (core memory $mem "mem"))))
    (core func $tl' (canon lower (func $tl) string-encoding=utf16 (memory (core memory $mem "mem"))))
    (core module $Main
      (import "" "mem" (memory 1))
      (import "" "t8" (func $t8 (param i32 i32)))
      (import "" "t16" (func $t16 (param i32 i32)))
      (import "" "tl" (func $tl (param i32 i32)))
      (data (i32.const 16) "\68\00\69\00") ;; hi
      (data (i32.const 32) "\68\00\e9\00") ;; hé
      (data (i32.const 48) "\68\00\03\26") ;; h☃
      (data (i32.const 64) "\3c\d8\70\df") ;; 🍰
      ;; (ptr, tagged length) of each string
      (data (i32.const 256) "\10\00\00\00\02\00\00\00\20\00\00\00\02\00\00\00\30\00\00\00\02\00\00\00\40\00\00\00\02\00\00\00")
      (func (export "send") (param $i i32) (param $t i32)
        (local $p i32) (local $l i32)
        (local.set $p (i32.load (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $l (i32.load offset=4 (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
        (if (i32.eqz (local.get $t))
          (then (call $t8 (local.get $p) (local.get $l)))
          (else (if (i32.eq (local.get $t) (i32.const 1))
            (then (call $t16 (local.get $p) (local.get $l)))
            (else (call $tl (local.get $p) (local.get $l))))))))
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "t8" (func $t8'))
      (export "t16" (func $t16'))
      (export "tl" (func $tl'))))))
    (func (export "send") (param "i" u32) (param "t" u32) (canon lift (core func $main "send"))))
  ;; Sends the latin1+utf16 strings of its memory to a callee: (send index target),
  ;; target 0/1/2 = the utf8/utf16/latin1+utf16 callee.
  (component $Callerl
    (import "t8" (func $t8 (param "s" string)))
    (import "t16" (func $t16 (param "s" string)))
    (import "tl" (func $tl (param "s" string)))
    (core module $Mem (memory (export "mem") 1))
    (core instance $mem (instantiate $Mem))
    (core func $t8' (canon lower (func $t8) string-encoding=latin1+utf16 (memory (core memory $mem "mem"))))
    (core func $t16' (canon lower (func $t16) string-encoding=latin1+utf16 (memory (core memory $mem "mem"))))
    (core func $tl' (canon lower (func $tl) string-encoding=latin1+utf16 (memory (core memory $mem "mem"))))
    (core module $Main
      (import "" "mem" (memory 1))
      (import "" "t8" (func $t8 (param i32 i32)))
      (import "" "t16" (func $t16 (param i32 i32)))
      (import "" "tl" (func $tl (param i32 i32)))
      (data (i32.const 16) "\68\69") ;; hi
      (data (i32.const 32) "\68\e9") ;; hé
      (data (i32.const 48) "\68\00\03\26") ;; h☃
      (data (i32.const 64) "\3c\d8\70\df") ;; 🍰
      (data (i32.const 80) "\68\00\e9\00") ;; hé
      ;; (ptr, tagged length) of each string
      (data (i32.const 256) "\10\00\00\00\02\00\00\00\20\00\00\00\02\00\00\00\30\00\00\00\02\00\00\80\40\00\00\00\02\00\00\80\50\00\00\00\02\00\00\80")
      (func (export "send") (param $i i32) (param $t i32)
        (local $p i32) (local $l i32)
        (local.set $p (i32.load (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $l (i32.load offset=4 (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
        (if (i32.eqz (local.get $t))
          (then (call $t8 (local.get $p) (local.get $l)))
          (else (if (i32.eq (local.get $t) (i32.const 1))
            (then (call $t16 (local.get $p) (local.get $l)))
            (else (call $tl (local.get $p) (local.get $l))))))))
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "t8" (func $t8'))
      (export "t16" (func $t16'))
      (export "tl" (func $tl'))))))
    (func (export "send") (param "i" u32) (param "t" u32) (canon lift (core func $main "send"))))
  (instance $c8 (instantiate $Callee8))
  (instance $c16 (instantiate $Callee16))
  (instance $cl (instantiate $Calleel))
  (instance $s8 (instantiate $Caller8 (with "t8" (func $c8 "take")) (with "t16" (func $c16 "take")) (with "tl" (func $cl "take"))))
  (instance $s16 (instantiate $Caller16 (with "t8" (func $c8 "take")) (with "t16" (func $c16 "take")) (with "tl" (func $cl "take"))))
  (instance $sl (instantiate $Callerl (with "t8" (func $c8 "take")) (with "t16" (func $c16 "take")) (with "tl" (func $cl "take"))))
  (func (export "len8") (alias export $c8 "len"))
  (func (export "bytes8") (alias export $c8 "bytes"))
  (func (export "log8") (alias export $c8 "log"))
  (func (export "reset8") (alias export $c8 "reset"))
  (func (export "send8") (alias export $s8 "send"))
  (func (export "len16") (alias export $c16 "len"))
  (func (export "bytes16") (alias export $c16 "bytes"))
  (func (export "log16") (alias export $c16 "log"))
  (func (export "reset16") (alias export $c16 "reset"))
  (func (export "send16") (alias export $s16 "send"))
  (func (export "lenl") (alias export $cl "len"))
  (func (export "bytesl") (alias export $cl "bytes"))
  (func (export "logl") (alias export $cl "log"))
  (func (export "resetl") (alias export $cl "reset"))
  (func (export "sendl") (alias export $sl "send"))
)

;; store_string_copy: utf8 "hi" -> utf8
(invoke "reset8")
(invoke "send8" (u32.const 0) (u32.const 0))
(assert_return (invoke "len8") (u32.const 2))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 105)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2)))

;; store_utf8_to_utf16: utf8 "hi" -> utf16
(invoke "reset16")
(invoke "send8" (u32.const 0) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 105) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf8 "hi" -> latin1+utf16
(invoke "resetl")
(invoke "send8" (u32.const 0) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 105)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2)))

;; store_string_copy: utf8 "hé" -> utf8
(invoke "reset8")
(invoke "send8" (u32.const 1) (u32.const 0))
(assert_return (invoke "len8") (u32.const 3))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 195) (u8.const 169)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 3)))

;; store_utf8_to_utf16: utf8 "hé" -> utf16
(invoke "reset16")
(invoke "send8" (u32.const 1) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 233) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 6) (u32.const 1024) (u32.const 6) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf8 "hé" -> latin1+utf16
(invoke "resetl")
(invoke "send8" (u32.const 1) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 233)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 3) (u32.const 1024) (u32.const 3) (u32.const 2) (u32.const 2)))

;; store_string_copy: utf8 "h☃" -> utf8
(invoke "reset8")
(invoke "send8" (u32.const 2) (u32.const 0))
(assert_return (invoke "len8") (u32.const 4))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 226) (u8.const 152) (u8.const 131)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 4)))

;; store_utf8_to_utf16: utf8 "h☃" -> utf16
(invoke "reset16")
(invoke "send8" (u32.const 2) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 3) (u8.const 38)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 8) (u32.const 1024) (u32.const 8) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf8 "h☃" -> latin1+utf16
(invoke "resetl")
(invoke "send8" (u32.const 2) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2147483650))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 0) (u8.const 3) (u8.const 38)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4) (u32.const 1024) (u32.const 4) (u32.const 2) (u32.const 8) (u32.const 1032) (u32.const 8) (u32.const 2) (u32.const 4)))

;; store_string_copy: utf8 "🍰" -> utf8
(invoke "reset8")
(invoke "send8" (u32.const 3) (u32.const 0))
(assert_return (invoke "len8") (u32.const 4))
(assert_return (invoke "bytes8") (list.const (u8.const 240) (u8.const 159) (u8.const 141) (u8.const 176)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 4)))

;; store_utf8_to_utf16: utf8 "🍰" -> utf16
(invoke "reset16")
(invoke "send8" (u32.const 3) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 60) (u8.const 216) (u8.const 112) (u8.const 223)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 8) (u32.const 1024) (u32.const 8) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf8 "🍰" -> latin1+utf16
(invoke "resetl")
(invoke "send8" (u32.const 3) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2147483650))
(assert_return (invoke "bytesl") (list.const (u8.const 60) (u8.const 216) (u8.const 112) (u8.const 223)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4) (u32.const 1024) (u32.const 4) (u32.const 2) (u32.const 8) (u32.const 1032) (u32.const 8) (u32.const 2) (u32.const 4)))

;; store_utf16_to_utf8: utf16 "hi" -> utf8
(invoke "reset8")
(invoke "send16" (u32.const 0) (u32.const 0))
(assert_return (invoke "len8") (u32.const 2))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 105)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2)))

;; store_string_copy: utf16 "hi" -> utf16
(invoke "reset16")
(invoke "send16" (u32.const 0) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 105) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf16 "hi" -> latin1+utf16
(invoke "resetl")
(invoke "send16" (u32.const 0) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 105)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2)))

;; store_utf16_to_utf8: utf16 "hé" -> utf8
(invoke "reset8")
(invoke "send16" (u32.const 1) (u32.const 0))
(assert_return (invoke "len8") (u32.const 3))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 195) (u8.const 169)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 6) (u32.const 1032) (u32.const 6) (u32.const 1) (u32.const 3)))

;; store_string_copy: utf16 "hé" -> utf16
(invoke "reset16")
(invoke "send16" (u32.const 1) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 233) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf16 "hé" -> latin1+utf16
(invoke "resetl")
(invoke "send16" (u32.const 1) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 233)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2)))

;; store_utf16_to_utf8: utf16 "h☃" -> utf8
(invoke "reset8")
(invoke "send16" (u32.const 2) (u32.const 0))
(assert_return (invoke "len8") (u32.const 4))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 226) (u8.const 152) (u8.const 131)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 6) (u32.const 1032) (u32.const 6) (u32.const 1) (u32.const 4)))

;; store_string_copy: utf16 "h☃" -> utf16
(invoke "reset16")
(invoke "send16" (u32.const 2) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 3) (u8.const 38)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf16 "h☃" -> latin1+utf16
(invoke "resetl")
(invoke "send16" (u32.const 2) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2147483650))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 0) (u8.const 3) (u8.const 38)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 2) (u32.const 4)))

;; store_utf16_to_utf8: utf16 "🍰" -> utf8
(invoke "reset8")
(invoke "send16" (u32.const 3) (u32.const 0))
(assert_return (invoke "len8") (u32.const 4))
(assert_return (invoke "bytes8") (list.const (u8.const 240) (u8.const 159) (u8.const 141) (u8.const 176)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 6) (u32.const 1032) (u32.const 6) (u32.const 1) (u32.const 4)))

;; store_string_copy: utf16 "🍰" -> utf16
(invoke "reset16")
(invoke "send16" (u32.const 3) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 60) (u8.const 216) (u8.const 112) (u8.const 223)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_to_latin1_or_utf16: utf16 "🍰" -> latin1+utf16
(invoke "resetl")
(invoke "send16" (u32.const 3) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2147483650))
(assert_return (invoke "bytesl") (list.const (u8.const 60) (u8.const 216) (u8.const 112) (u8.const 223)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 2) (u32.const 4)))

;; store_latin1_to_utf8: latin1+utf16 latin1 "hi" -> utf8
(invoke "reset8")
(invoke "sendl" (u32.const 0) (u32.const 0))
(assert_return (invoke "len8") (u32.const 2))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 105)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2)))

;; store_string_copy: latin1+utf16 latin1 "hi" -> utf16
(invoke "reset16")
(invoke "sendl" (u32.const 0) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 105) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_copy: latin1+utf16 latin1 "hi" -> latin1+utf16
(invoke "resetl")
(invoke "sendl" (u32.const 0) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 105)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2)))

;; store_latin1_to_utf8: latin1+utf16 latin1 "hé" -> utf8
(invoke "reset8")
(invoke "sendl" (u32.const 1) (u32.const 0))
(assert_return (invoke "len8") (u32.const 3))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 195) (u8.const 169)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 4) (u32.const 1032) (u32.const 4) (u32.const 1) (u32.const 3)))

;; store_string_copy: latin1+utf16 latin1 "hé" -> utf16
(invoke "reset16")
(invoke "sendl" (u32.const 1) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 233) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_string_copy: latin1+utf16 latin1 "hé" -> latin1+utf16
(invoke "resetl")
(invoke "sendl" (u32.const 1) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 233)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 2)))

;; store_utf16_to_utf8: latin1+utf16 utf16-tagged "h☃" -> utf8
(invoke "reset8")
(invoke "sendl" (u32.const 2) (u32.const 0))
(assert_return (invoke "len8") (u32.const 4))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 226) (u8.const 152) (u8.const 131)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 6) (u32.const 1032) (u32.const 6) (u32.const 1) (u32.const 4)))

;; store_string_copy: latin1+utf16 utf16-tagged "h☃" -> utf16
(invoke "reset16")
(invoke "sendl" (u32.const 2) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 3) (u8.const 38)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_probably_utf16_to_latin1_or_utf16: latin1+utf16 utf16-tagged "h☃" -> latin1+utf16
(invoke "resetl")
(invoke "sendl" (u32.const 2) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2147483650))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 0) (u8.const 3) (u8.const 38)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_utf16_to_utf8: latin1+utf16 utf16-tagged "🍰" -> utf8
(invoke "reset8")
(invoke "sendl" (u32.const 3) (u32.const 0))
(assert_return (invoke "len8") (u32.const 4))
(assert_return (invoke "bytes8") (list.const (u8.const 240) (u8.const 159) (u8.const 141) (u8.const 176)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 6) (u32.const 1032) (u32.const 6) (u32.const 1) (u32.const 4)))

;; store_string_copy: latin1+utf16 utf16-tagged "🍰" -> utf16
(invoke "reset16")
(invoke "sendl" (u32.const 3) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 60) (u8.const 216) (u8.const 112) (u8.const 223)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_probably_utf16_to_latin1_or_utf16: latin1+utf16 utf16-tagged "🍰" -> latin1+utf16
(invoke "resetl")
(invoke "sendl" (u32.const 3) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2147483650))
(assert_return (invoke "bytesl") (list.const (u8.const 60) (u8.const 216) (u8.const 112) (u8.const 223)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_utf16_to_utf8: latin1+utf16 utf16-tagged "hé" -> utf8
(invoke "reset8")
(invoke "sendl" (u32.const 4) (u32.const 0))
(assert_return (invoke "len8") (u32.const 3))
(assert_return (invoke "bytes8") (list.const (u8.const 104) (u8.const 195) (u8.const 169)))
(assert_return (invoke "log8") (list.const (u32.const 0) (u32.const 0) (u32.const 1) (u32.const 2) (u32.const 1024) (u32.const 2) (u32.const 1) (u32.const 6) (u32.const 1032) (u32.const 6) (u32.const 1) (u32.const 3)))

;; store_string_copy: latin1+utf16 utf16-tagged "hé" -> utf16
(invoke "reset16")
(invoke "sendl" (u32.const 4) (u32.const 1))
(assert_return (invoke "len16") (u32.const 2))
(assert_return (invoke "bytes16") (list.const (u8.const 104) (u8.const 0) (u8.const 233) (u8.const 0)))
(assert_return (invoke "log16") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4)))

;; store_probably_utf16_to_latin1_or_utf16: latin1+utf16 utf16-tagged "hé" -> latin1+utf16
(invoke "resetl")
(invoke "sendl" (u32.const 4) (u32.const 2))
(assert_return (invoke "lenl") (u32.const 2))
(assert_return (invoke "bytesl") (list.const (u8.const 104) (u8.const 233)))
(assert_return (invoke "logl") (list.const (u32.const 0) (u32.const 0) (u32.const 2) (u32.const 4) (u32.const 1024) (u32.const 4) (u32.const 1) (u32.const 2)))
