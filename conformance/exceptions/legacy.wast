;; The legacy exception-handling instructions (`try`, `catch`, `catch_all`,
;; `delegate`, `rethrow`), which the official suite no longer covers.

(module
  (tag $e0)
  (tag $e1)
  (tag $ei (param i32))
  (func $throw-e0 (throw $e0))
  (func $throw-ei (param i32) (throw $ei (local.get 0)))

  (func (export "catch-tag") (result i32)
    try (result i32)
      (call $throw-ei (i32.const 5))
      (i32.const 0)
    catch $ei
      (i32.add (i32.const 100))
    end)

  (func (export "catch-order") (result i32)
    try (result i32)
      (call $throw-e0)
      (i32.const 0)
    catch $e1
      (i32.const 1)
    catch $e0
      (i32.const 2)
    catch_all
      (i32.const 3)
    end)

  (func (export "catch-all") (result i32)
    try (result i32)
      (call $throw-e0)
      (i32.const 0)
    catch $e1
      (i32.const 1)
    catch_all
      (i32.const 2)
    end)

  (func (export "no-throw") (result i32)
    try (result i32)
      (i32.const 7)
    catch_all
      (i32.const 8)
    end)

  (func (export "uncaught")
    try
      (call $throw-e0)
    catch $e1
    end)

  ;; A catch body is outside its own try: another handler must catch what
  ;; it throws.
  (func (export "throw-in-catch") (result i32)
    try (result i32)
      try (result i32)
        (call $throw-e0)
        (i32.const 0)
      catch $e0
        (call $throw-ei (i32.const 3))
        (i32.const 0)
      catch $ei
        (drop)
        (i32.const 99)
      end
    catch $ei
      (i32.add (i32.const 10))
    end)

  (func (export "rethrow") (result i32)
    try (result i32)
      try
        (call $throw-ei (i32.const 4))
      catch $ei
        (drop)
        (rethrow 0)
      end
      (i32.const 0)
    catch $ei
      (i32.add (i32.const 1000))
    end)

  ;; `rethrow 1` in a nested catch rethrows the outer catch's exception.
  (func (export "rethrow-outer") (result i32)
    try (result i32)
      try
        (call $throw-ei (i32.const 1))
      catch $ei
        (drop)
        try
          (call $throw-e0)
        catch $e0
          (rethrow 1)
        end
      end
      (i32.const 0)
    catch $ei
      (i32.add (i32.const 20))
    catch $e0
      (i32.const -1)
    end)

  (func (export "rethrow-catch-all") (result i32)
    try (result i32)
      try
        (call $throw-ei (i32.const 6))
      catch_all
        (rethrow 0)
      end
      (i32.const 0)
    catch $ei
    end)

  (func (export "rethrow-uncaught")
    try
      (call $throw-e0)
    catch_all
      (rethrow 0)
    end)

  ;; `delegate` hands the exception to the handler of its label, skipping
  ;; the handlers in between.
  (func (export "delegate-to-try") (result i32)
    try (result i32)
      try (result i32)
        (call $throw-e0)
        (i32.const 0)
      delegate 0
    catch $e0
      (i32.const 2)
    end)

  (func (export "delegate-skips") (param $depth i32) (result i32)
    try (result i32)
      block $b (result i32)
        try (result i32)
          ;; Labels outside the inner tries: 0 is the `then`/`else` block,
          ;; 1 the try with `catch $e0` (2), 2 the plain block $b (so the
          ;; try around it, which returns 1).
          (if (local.get $depth)
            (then
              try
                (call $throw-e0)
              delegate 2)
            (else
              try
                (call $throw-e0)
              delegate 0))
          (i32.const 0)
        catch $e0
          (i32.const 2)
        end
      end
    catch $e0
      (i32.const 1)
    end)

  (func $delegate-to-caller
    try
      (call $throw-ei (i32.const 9))
    delegate 0)
  (func (export "delegate-to-caller") (result i32)
    try (result i32)
      (call $delegate-to-caller)
      (i32.const 0)
    catch $ei
    end)

  ;; A `delegate` inside a catch body goes past the try of that catch.
  (func (export "delegate-in-catch") (result i32)
    try (result i32)
      try (result i32)
        (call $throw-e0)
        (i32.const 0)
      catch $e0
        try
          (call $throw-ei (i32.const 11))
        delegate 0
        (i32.const 0)
      end
    catch $ei
    end)

  ;; Label 1 outside the inner try is the function: the exception leaves
  ;; the function although a catch_all surrounds the inner try.
  (func (export "delegate-past-catch-all")
    try
      try
        (call $throw-e0)
      delegate 1
    catch_all
    end)

  ;; A tail call replaces the frame, and with it the handler around it.
  (func (export "tail-call-leaves-try")
    try
      (return_call $throw-e0)
    catch_all
    end)

  ;; Branches out of try bodies and catch bodies.
  (func (export "branch-out") (param i32) (result i32)
    block $out (result i32)
      try (result i32)
        (drop (br_if $out (i32.const 50) (local.get 0)))
        (call $throw-ei (i32.const 60))
        (i32.const 0)
      catch $ei
        (br $out)
      end
    end)

  ;; Legacy and new handlers nest.
  (func (export "mixed") (result i32)
    block $h (result i32)
      try_table (catch $ei $h)
        try
          (call $throw-e0)
        catch $e0
          (call $throw-ei (i32.const 70))
        end
      end
      (i32.const 0)
    end)

  ;; Deep frames between the throw and the handler.
  (func $deep (param i32)
    (if (i32.eqz (local.get 0))
      (then (call $throw-ei (i32.const 80)))
      (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "deep") (result i32)
    try (result i32)
      (call $deep (i32.const 1000))
      (i32.const 0)
    catch $ei
    end)
)

(assert_return (invoke "catch-tag") (i32.const 105))
(assert_return (invoke "catch-order") (i32.const 2))
(assert_return (invoke "catch-all") (i32.const 2))
(assert_return (invoke "no-throw") (i32.const 7))
(assert_exception (invoke "uncaught"))
(assert_return (invoke "throw-in-catch") (i32.const 13))
(assert_return (invoke "rethrow") (i32.const 1004))
(assert_return (invoke "rethrow-outer") (i32.const 21))
(assert_return (invoke "rethrow-catch-all") (i32.const 6))
(assert_exception (invoke "rethrow-uncaught"))
(assert_return (invoke "delegate-to-try") (i32.const 2))
(assert_return (invoke "delegate-skips" (i32.const 0)) (i32.const 2))
(assert_return (invoke "delegate-skips" (i32.const 1)) (i32.const 1))
(assert_return (invoke "delegate-to-caller") (i32.const 9))
(assert_return (invoke "delegate-in-catch") (i32.const 11))
(assert_exception (invoke "delegate-past-catch-all"))
(assert_exception (invoke "tail-call-leaves-try"))
(assert_return (invoke "branch-out" (i32.const 1)) (i32.const 50))
(assert_return (invoke "branch-out" (i32.const 0)) (i32.const 60))
(assert_return (invoke "mixed") (i32.const 70))
(assert_return (invoke "deep") (i32.const 80))

(assert_invalid
  (module (func try catch_all (rethrow 1) end))
  "invalid rethrow label")
(assert_invalid
  (module (func try nop delegate 1))
  "unknown label")
