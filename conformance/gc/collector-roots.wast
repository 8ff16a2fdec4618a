;; Every place a live reference can be when the collector runs must keep it
;; alive. Run with `cm-test --gc-stress` (a collection before every
;; allocation), a reference the collector missed is freed at once and shows
;; as a trap or a wrong value.

(module
  (type $box (struct (field i32)))
  (type $pair (struct (field (ref null $box)) (field (ref null $box))))
  (type $node (struct (field i32) (field (ref null $node))))
  (type $boxes (array (mut (ref null $box))))
  (type $bytes (array (mut i8)))
  (type $fn (func (param (ref null $box)) (result i32)))
  (tag $carry (param (ref null $box) i32))
  (tag $plain)

  (global $g (mut (ref null $box)) (ref.null $box))
  (table $t 2 anyref)
  (table $fns 1 funcref)
  (elem (table $fns) (i32.const 0) func $unbox_after_alloc)

  (func $box (param i32) (result (ref $box)) (struct.new $box (local.get 0)))
  (func $unbox (param (ref null $box)) (result i32) (struct.get $box 0 (local.get 0)))
  (func $garbage (param i32)
    (loop $l
      (drop (struct.new $box (local.get 0)))
      (drop (array.new_default $bytes (i32.const 16)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))

  ;; The operands of an allocation are alive while it allocates.
  (func (export "operands") (result i32)
    (local $p (ref null $pair))
    (local.set $p (struct.new $pair (call $box (i32.const 1)) (call $box (i32.const 2))))
    (i32.add
      (struct.get $box 0 (struct.get $pair 0 (local.get $p)))
      (struct.get $box 0 (struct.get $pair 1 (local.get $p)))))

  ;; A reference on the operand stack below a call survives the callee.
  (func (export "temp-across-call") (result i32)
    (i32.add
      (call $unbox (call $box (i32.const 40)))
      (block (result i32)
        (call $box (i32.const 2))
        (call $garbage (i32.const 50))
        (call $unbox))))

  ;; Arguments are the callee's parameters.
  (func $unbox_after_alloc (param $b (ref null $box)) (result i32)
    (call $garbage (i32.const 20))
    (struct.get $box 0 (local.get $b)))
  (func (export "argument") (result i32)
    (call $unbox_after_alloc (call $box (i32.const 7))))
  (func (export "argument-indirect") (result i32)
    (call_indirect $fns (type $fn) (call $box (i32.const 8)) (i32.const 0)))
  (func (export "argument-ref") (result i32)
    (call_ref $fn (call $box (i32.const 9)) (ref.func $unbox_after_alloc)))
  (func $tail (param $b (ref null $box)) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (call $garbage (i32.const 5)) (struct.get $box 0 (local.get $b)))
      (else (return_call $tail (local.get $b) (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "tail-argument") (result i32)
    (return_call $tail (call $box (i32.const 11)) (i32.const 30)))

  ;; Locals, block parameters and results.
  (func (export "local") (result i32)
    (local $b (ref null $box))
    (local.set $b (call $box (i32.const 12)))
    (call $garbage (i32.const 30))
    (call $unbox (local.get $b)))
  (func (export "block-param") (result i32)
    (call $box (i32.const 13))
    (block (param (ref $box)) (result (ref $box))
      (call $garbage (i32.const 30)))
    (call $unbox))

  ;; Arrays of references, filled from fresh allocations.
  (func (export "array-fixed") (result i32)
    (local $a (ref null $boxes))
    (local.set $a (array.new_fixed $boxes 3
      (call $box (i32.const 1)) (call $box (i32.const 2)) (call $box (i32.const 3))))
    (call $garbage (i32.const 30))
    (i32.add (call $unbox (array.get $boxes (local.get $a) (i32.const 0)))
      (i32.add (call $unbox (array.get $boxes (local.get $a) (i32.const 1)))
        (call $unbox (array.get $boxes (local.get $a) (i32.const 2))))))
  (func (export "array-new") (result i32)
    (local $a (ref null $boxes))
    (local.set $a (array.new $boxes (call $box (i32.const 5)) (i32.const 100)))
    (call $garbage (i32.const 30))
    (call $unbox (array.get $boxes (local.get $a) (i32.const 99))))

  ;; A list built in a loop, reachable only from a local.
  (func (export "list") (param $n i32) (result i32)
    (local $l (ref null $node)) (local $sum i32)
    (loop $build
      (local.set $l (struct.new $node (local.get $n) (local.get $l)))
      (drop (array.new_default $bytes (i32.const 64)))
      (br_if $build (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (block $done
      (loop $walk
        (br_if $done (ref.is_null (local.get $l)))
        (local.set $sum (i32.add (local.get $sum) (struct.get $node 0 (local.get $l))))
        (local.set $l (struct.get $node 1 (local.get $l)))
        (br $walk)))
    (local.get $sum))

  ;; Globals and tables are roots.
  (func (export "global") (result i32)
    (global.set $g (call $box (i32.const 21)))
    (call $garbage (i32.const 30))
    (call $unbox (global.get $g)))
  (func (export "table") (result i32)
    (table.set $t (i32.const 1) (call $box (i32.const 22)))
    (call $garbage (i32.const 30))
    (call $unbox (ref.cast (ref $box) (table.get $t (i32.const 1)))))

  ;; Exception payloads: while the package is allocated, and once caught.
  (func $throw-box (param i32)
    (throw $carry (call $box (local.get 0)) (i32.const 1)))
  (func (export "payload") (result i32)
    (block $h (result (ref null $box) i32)
      (try_table (catch $carry $h) (call $throw-box (i32.const 31)))
      (unreachable))
    (call $garbage (i32.const 30))
    (drop)
    (call $unbox))
  (func (export "exnref") (result i32)
    (local $e exnref)
    (local.set $e
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (call $throw-box (i32.const 32)))
        (unreachable)))
    (call $garbage (i32.const 30))
    (block $h2 (result (ref null $box) i32)
      (try_table (catch $carry $h2) (throw_ref (local.get $e)))
      (unreachable))
    (drop)
    (call $unbox))
  ;; Exceptions kept in the legacy `try`'s hidden slot for `rethrow`.
  (func (export "legacy-rethrow") (result i32)
    (block $h (result (ref null $box) i32)
      (try_table (catch $carry $h)
        try
          (call $throw-box (i32.const 33))
        catch $carry
          (drop) (drop)
          (call $garbage (i32.const 30))
          (rethrow 0)
        end)
      (unreachable))
    (drop)
    (call $unbox))

  ;; i31 and host references sit among heap references.
  (func (export "mixed") (param $h anyref) (result i32)
    (local $a (ref null $boxes))
    (local.set $a (array.new_default $boxes (i32.const 4)))
    (array.set $boxes (local.get $a) (i32.const 2) (call $box (i32.const 40)))
    (call $garbage (i32.const 10))
    (i32.add
      (i31.get_s (ref.cast (ref i31) (ref.i31 (i32.const 2))))
      (call $unbox (array.get $boxes (local.get $a) (i32.const 2)))))
)

(assert_return (invoke "operands") (i32.const 3))
(assert_return (invoke "temp-across-call") (i32.const 42))
(assert_return (invoke "argument") (i32.const 7))
(assert_return (invoke "argument-indirect") (i32.const 8))
(assert_return (invoke "argument-ref") (i32.const 9))
(assert_return (invoke "tail-argument") (i32.const 11))
(assert_return (invoke "local") (i32.const 12))
(assert_return (invoke "block-param") (i32.const 13))
(assert_return (invoke "array-fixed") (i32.const 6))
(assert_return (invoke "array-new") (i32.const 5))
(assert_return (invoke "list" (i32.const 100)) (i32.const 5050))
(assert_return (invoke "global") (i32.const 21))
(assert_return (invoke "table") (i32.const 22))
(assert_return (invoke "payload") (i32.const 31))
(assert_return (invoke "exnref") (i32.const 32))
(assert_return (invoke "legacy-rethrow") (i32.const 33))
(assert_return (invoke "mixed" (ref.host 1)) (i32.const 42))
