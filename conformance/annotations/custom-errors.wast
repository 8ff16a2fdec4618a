;; assert_malformed_custom and assert_invalid_custom: a custom section (or
;; the annotation that makes it) is erroneous. The core spec makes engines
;; ignore custom sections, so cmref holds these assertions when the text is
;; rejected for the annotation itself, or when the module still decodes and
;; validates as a core module (see the script engine's documentation).

;; A name section whose content is garbage: the module is still fine.
(assert_malformed_custom
  (module binary "\00asm" "\01\00\00\00" "\00\07\04name\ff\ff")
  "malformed name section")
;; A custom section cut short by its declared size is a core error, though.
(assert_malformed
  (module binary "\00asm" "\01\00\00\00" "\00\09\04name\ff")
  "unexpected end")

;; An @custom annotation with a placement that does not exist.
(assert_malformed_custom
  (module quote "(@custom \"x\" (nowhere) \"\")")
  "malformed annotation")

;; A custom section an engine may not understand, attached to a valid module.
(assert_invalid_custom
  (module (@custom "cmref-unknown" "\00\01\02") (func (export "f")))
  "unknown custom section")
