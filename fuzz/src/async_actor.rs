//! The fixed component of `component_async`: two components whose core
//! code is one interpreter of small async scripts (the "actor").
//!
//! A script is a `list<u32>` of operations. Each operation's outcome is
//! appended to the running task's log, which the task returns as its
//! `list<u32>` result, so the log is the program's observable behaviour:
//! return codes of the async built-ins, delivered events (code, index,
//! payload), values read from streams, and the logs of callees.
//!
//! - `c` exports `cb` (lifted `async` with a callback), `sy` (an
//!   `async`-typed function lifted synchronously, which blocks inline) and
//!   `sf` (lifted `async` without a callback: stackful), all
//!   `func(script: list<u32>, s: stream<u32>, f: future<u32>) ->
//!   list<u32>`: the task runs `script` with the readable ends `s` and `f`
//!   in its slots 0 and 1.
//! - `d` imports the three and exports `run-cb`, `run-sy` and `run-sf`,
//!   `func(script: list<u32>) -> list<u32>` in the same three styles; its
//!   scripts also call `c` (`canon lower`, `async` or not), passing a
//!   sub-script and the readable ends of a new stream and a new future
//!   whose writable ends `d` keeps.
//!
//! A task's state lives in a block of its instance's memory (found again
//! with `context.get` by the callback). Each task has eight handle slots;
//! an operation on a slot whose handle is missing or busy logs `SKIP` and
//! does nothing, so scripts never trap by misuse: traps and deadlocks are
//! the runtime's. When the script ends the task drains: it writes the
//! futures it has not written, drops its idle ends, waits until no copy or
//! subtask is pending, returns its log (unless it already returned) and
//! exits.

/// Operation codes of a script (each followed by its immediates).
pub mod op {
    /// `LOG x`: logs `x`.
    pub const LOG: u32 = 0;
    /// `CALL f w t n words[n]`: makes a stream and a future, keeps their
    /// writable ends in slots `w` and `w + 4`, and calls `c.cb` (`f` = 0),
    /// `c.sy` (1) or `c.sf` (2) async with the readable ends and the
    /// sub-script `words`; an unresolved subtask goes to slot `t`. Logs
    /// the packed state, then the callee's log when it has returned.
    /// `f` = 3, 4, 5 call the same synchronously (`canon lower` without
    /// `async`), after dropping the stream's writable end and starting the
    /// future's write, and log the callee's log.
    pub const CALL: u32 = 1;
    /// `WRITE s n`: writes `n` fresh values to the stream end in slot `s`,
    /// or one to the future end there.
    pub const WRITE: u32 = 2;
    /// `READ s n`: reads up to `n` values from the stream end in slot `s`,
    /// or the value of the future end there.
    pub const READ: u32 = 3;
    /// `WAIT`: waits for one event of the task's waitable set (when
    /// something is pending).
    pub const WAIT: u32 = 4;
    /// `POLL`: polls the task's waitable set.
    pub const POLL: u32 = 5;
    /// `YIELD`: `thread.yield`, or the callback's `YIELD` code.
    pub const YIELD: u32 = 6;
    /// `CANCEL t`: `subtask.cancel async` of the subtask in slot `t`.
    pub const CANCEL: u32 = 7;
    /// `DROP s`: drops the stream or future end in slot `s` (not while it
    /// copies; a writable future end only once it is done).
    pub const DROP: u32 = 8;
    /// `CANCEL-COPY s`: cancels the copy in progress on slot `s`.
    pub const CANCEL_COPY: u32 = 9;
    /// `RETURN`: returns the log so far (`task.return`; not in tasks lifted
    /// synchronously).
    pub const RETURN: u32 = 10;
}

/// The tasks' styles, as the `f` of `CALL` and the mode of a task.
pub mod style {
    /// Lifted `async` with a callback: blocks by returning to the loop.
    pub const CALLBACK: u32 = 0;
    /// An `async`-typed function lifted synchronously: blocks inline and
    /// returns its result from the core function.
    pub const SYNC: u32 = 1;
    /// Lifted `async` without a callback (stackful): blocks inline and
    /// returns with `task.return`.
    pub const STACKFUL: u32 = 2;
}

/// The filter for the Wasmtime divergence "event for an idle stream end"
/// (FUZZING.md): Wasmtime 48.0.8 delivers a copy event to a stream end
/// with no copy in progress when the other end is dropped, where the spec
/// delivers none. With the filter on, a stream or future end is in the
/// task's waitable set only while a copy of it is blocked, so such an
/// event is never observed; off, ends join the set when the task gets
/// them.
pub const AVOID_IDLE_END_EVENTS: bool = true;

/// What the log holds for an operation that was skipped.
pub const SKIP: u32 = 0xffff_fff0;
/// Log entries are truncated at this many words per task.
pub const LOG_CAPACITY: u32 = 256;

/// The actor's core module. `caller` adds the imports and code of `CALL`.
fn actor_module(caller: bool) -> String {
    // With the filter, an end joins the task's waitable set when a copy
    // blocks and leaves it when the copy ends; without, ends join when
    // the task gets them.
    let (join_new, join_blocked, leave_ended) = if AVOID_IDLE_END_EVENTS {
        (
            "",
            "(call $waitable.join (i32.load offset=4 (local.get $s)) (i32.load offset=8 (local.get $b)))",
            "(call $waitable.join (i32.load offset=4 (local.get $s)) (i32.const 0))",
        )
    } else {
        (
            "(call $waitable.join (i32.load offset=4 (local.get $s)) (i32.load offset=8 (local.get $b)))",
            "",
            "",
        )
    };
    let call_imports = if caller {
        r#"(import "" "call-cb" (func $call-cb (param i32 i32 i32 i32 i32) (result i32)))
      (import "" "call-sy" (func $call-sy (param i32 i32 i32 i32 i32) (result i32)))
      (import "" "call-sf" (func $call-sf (param i32 i32 i32 i32 i32) (result i32)))
      (import "" "scall-cb" (func $scall-cb (param i32 i32 i32 i32 i32)))
      (import "" "scall-sy" (func $scall-sy (param i32 i32 i32 i32 i32)))
      (import "" "scall-sf" (func $scall-sf (param i32 i32 i32 i32 i32)))"#
    } else {
        ""
    };
    // The body of `CALL` at `$pc`.
    let call_body = if caller {
        format!(
            r#"(local.set $w (call $slot (local.get $b) (i32.load offset=8 (local.get $pc))))
          (local.set $w4 (call $slot (local.get $b) (i32.add (i32.load offset=8 (local.get $pc)) (i32.const 4))))
          (local.set $t (call $slot (local.get $b) (i32.load offset=12 (local.get $pc))))
          (local.set $n (i32.load offset=16 (local.get $pc)))
          (i32.store (local.get $b) (i32.add (i32.add (local.get $pc) (i32.const 20)) (i32.shl (local.get $n) (i32.const 2))))
          (if (i32.or (i32.or (i32.eq (local.get $w) (local.get $t)) (i32.eq (local.get $w4) (local.get $t)))
                (i32.or (i32.load (local.get $w4)) (i32.or (i32.load (local.get $w)) (i32.load (local.get $t)))))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (local.set $s64 (call $stream.new))
          (local.set $f64 (call $future.new))
          (local.set $s (local.get $w))
          (call $fill (local.get $s) (i32.const 2) (i32.wrap_i64 (i64.shr_u (local.get $s64) (i64.const 32))))
          {join_new}
          (local.set $s (local.get $w4))
          (call $fill (local.get $s) (i32.const 5) (i32.wrap_i64 (i64.shr_u (local.get $f64) (i64.const 32))))
          {join_new}
          (local.set $ret (call $retarea (local.get $b) (local.get $t)))
          (local.set $ptr (i32.add (local.get $pc) (i32.const 20)))
          (local.set $x (i32.load offset=4 (local.get $pc)))
          (if (i32.ge_u (local.get $x) (i32.const 3))
            (then
              ;; A synchronous call: the stream's writer drops its end and
              ;; the future's starts its write first, so that the callee's
              ;; reads cannot wait for the blocked caller.
              (call $drop (local.get $w))
              (call $copy (local.get $b) (local.get $w4) (i32.const 1))
              (if (i32.eq (local.get $x) (i32.const 3))
                (then (call $scall-cb (local.get $ptr) (local.get $n)
                  (i32.wrap_i64 (local.get $s64)) (i32.wrap_i64 (local.get $f64)) (local.get $ret)))
                (else (if (i32.eq (local.get $x) (i32.const 4))
                  (then (call $scall-sy (local.get $ptr) (local.get $n)
                    (i32.wrap_i64 (local.get $s64)) (i32.wrap_i64 (local.get $f64)) (local.get $ret)))
                  (else (call $scall-sf (local.get $ptr) (local.get $n)
                    (i32.wrap_i64 (local.get $s64)) (i32.wrap_i64 (local.get $f64)) (local.get $ret))))))
              (call $log-results (local.get $b) (local.get $t))
              (br $step)))
          (if (i32.eqz (local.get $x))
            (then (local.set $x (call $call-cb (local.get $ptr) (local.get $n)
              (i32.wrap_i64 (local.get $s64)) (i32.wrap_i64 (local.get $f64)) (local.get $ret))))
            (else (if (i32.eq (local.get $x) (i32.const 1))
              (then (local.set $x (call $call-sy (local.get $ptr) (local.get $n)
                (i32.wrap_i64 (local.get $s64)) (i32.wrap_i64 (local.get $f64)) (local.get $ret))))
              (else (local.set $x (call $call-sf (local.get $ptr) (local.get $n)
                (i32.wrap_i64 (local.get $s64)) (i32.wrap_i64 (local.get $f64)) (local.get $ret)))))))
          (call $log (local.get $b) (local.get $x))
          (if (i32.ne (i32.and (local.get $x) (i32.const 0xf)) (i32.const 2))
            (then
              (call $fill (local.get $t) (i32.const 3) (i32.shr_u (local.get $x) (i32.const 4)))
              (i32.store offset=8 (local.get $t) (i32.and (local.get $x) (i32.const 0xf)))
              (call $waitable.join (i32.shr_u (local.get $x) (i32.const 4)) (i32.load offset=8 (local.get $b)))
              (br $step)))
          (call $log-results (local.get $b) (local.get $t))
          (br $step)"#
        )
    } else {
        r#"(call $log (local.get $b) (i32.const 0xfffffff0))
          (i32.store (local.get $b) (i32.add (i32.add (local.get $pc) (i32.const 20))
            (i32.shl (i32.load offset=16 (local.get $pc)) (i32.const 2))))
          (br $step)"#
            .to_string()
    };
    let imports = builtin_imports();
    format!(
        r#"(core module $Actor
      (import "" "mem" (memory 1))
      (import "" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      {imports}
      {call_imports}

      ;; A task's block (2048 bytes): 0 pc, 4 script end, 8 waitable set,
      ;; 12 returned, 20 log length, 24 next value to write, 28 style
      ;; (0 callback, 1 sync, 2 stackful), 32 + 16k slot k (kind: 0 empty,
      ;; 1 readable stream end, 2 writable stream end, 3 subtask, 4
      ;; readable future end, 5 writable future end; handle; state: 0 idle,
      ;; 1 copying, 2 done, or the subtask's state; cancel requested),
      ;; 160 + 8k slot k's return area, 224 event, 232 the result (pointer,
      ;; length), 256 + 64k slot k's buffer, 1024 the log.

      (func $log (param $b i32) (param $x i32) (local $n i32)
        (local.set $n (i32.load offset=20 (local.get $b)))
        (if (i32.lt_u (local.get $n) (i32.const {LOG_CAPACITY}))
          (then
            (i32.store offset=1024 (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))) (local.get $x))
            (i32.store offset=20 (local.get $b) (i32.add (local.get $n) (i32.const 1))))))

      (func $slot (param $b i32) (param $k i32) (result i32)
        (i32.add (i32.add (local.get $b) (i32.const 32)) (i32.shl (i32.and (local.get $k) (i32.const 7)) (i32.const 4))))
      (func $index (param $b i32) (param $s i32) (result i32)
        (i32.shr_u (i32.sub (local.get $s) (i32.add (local.get $b) (i32.const 32))) (i32.const 4)))
      (func $retarea (param $b i32) (param $s i32) (result i32)
        (i32.add (i32.add (local.get $b) (i32.const 160)) (i32.shl (call $index (local.get $b) (local.get $s)) (i32.const 3))))
      (func $buffer (param $b i32) (param $s i32) (result i32)
        (i32.add (i32.add (local.get $b) (i32.const 256)) (i32.shl (call $index (local.get $b) (local.get $s)) (i32.const 6))))
      ;; Puts handle $h of kind $kind in the empty slot $s, idle.
      (func $fill (param $s i32) (param $kind i32) (param $h i32)
        (i32.store (local.get $s) (local.get $kind))
        (i32.store offset=4 (local.get $s) (local.get $h))
        (i32.store offset=8 (local.get $s) (i32.const 0))
        (i32.store offset=12 (local.get $s) (i32.const 0)))

      ;; Kinds of slot contents.
      (func $end? (param $s i32) (result i32)
        (i32.and (i32.ne (i32.load (local.get $s)) (i32.const 0)) (i32.ne (i32.load (local.get $s)) (i32.const 3))))
      (func $readable? (param $s i32) (result i32)
        (i32.or (i32.eq (i32.load (local.get $s)) (i32.const 1)) (i32.eq (i32.load (local.get $s)) (i32.const 4))))
      (func $future? (param $s i32) (result i32)
        (i32.ge_u (i32.load (local.get $s)) (i32.const 4)))
      ;; An end that may be dropped: not copying, and a writable future
      ;; end only once done (`WritableFutureEnd.drop`).
      (func $droppable? (param $s i32) (result i32)
        (i32.and (call $end? (local.get $s))
          (i32.and (i32.ne (i32.load offset=8 (local.get $s)) (i32.const 1))
            (i32.or (i32.ne (i32.load (local.get $s)) (i32.const 5))
                    (i32.eq (i32.load offset=8 (local.get $s)) (i32.const 2))))))

      ;; The slot holding handle $h, or 0.
      (func $find (param $b i32) (param $h i32) (result i32) (local $k i32) (local $s i32)
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $k) (i32.const 8)))
            (local.set $s (call $slot (local.get $b) (local.get $k)))
            (if (i32.and (i32.ne (i32.load (local.get $s)) (i32.const 0))
                         (i32.eq (i32.load offset=4 (local.get $s)) (local.get $h)))
              (then (return (local.get $s))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next)))
        (i32.const 0))

      ;; How many subtasks and copies are pending.
      (func $pending (param $b i32) (result i32) (local $k i32) (local $s i32) (local $n i32)
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $k) (i32.const 8)))
            (local.set $s (call $slot (local.get $b) (local.get $k)))
            (if (i32.or (i32.eq (i32.load (local.get $s)) (i32.const 3))
                        (i32.and (call $end? (local.get $s))
                                 (i32.eq (i32.load offset=8 (local.get $s)) (i32.const 1))))
              (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next)))
        (local.get $n))

      ;; Logs `n` values of slot $s's buffer.
      (func $log-values (param $b i32) (param $s i32) (param $n i32) (local $p i32)
        (local.set $p (call $buffer (local.get $b) (local.get $s)))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (call $log (local.get $b) (i32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next))))

      ;; Logs the callee's log in slot $s's return area.
      (func $log-results (param $b i32) (param $s i32) (local $p i32) (local $n i32)
        (local.set $p (call $retarea (local.get $b) (local.get $s)))
        (local.set $n (i32.load offset=4 (local.get $p)))
        (local.set $p (i32.load (local.get $p)))
        (call $log (local.get $b) (local.get $n))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (call $log (local.get $b) (i32.load (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next))))

      ;; The end of a copy on slot $s with result $r (not BLOCKED): the
      ;; values read, and the end's new state (a future is done once
      ;; completed, any end once the other one is dropped).
      (func $copied (param $b i32) (param $s i32) (param $r i32) (local $code i32)
        {leave_ended}
        (local.set $code (i32.and (local.get $r) (i32.const 0xf)))
        (if (i32.eq (i32.load (local.get $s)) (i32.const 1))
          (then (call $log-values (local.get $b) (local.get $s) (i32.shr_u (local.get $r) (i32.const 4)))))
        (if (i32.and (i32.eq (i32.load (local.get $s)) (i32.const 4)) (i32.eqz (local.get $code)))
          (then (call $log-values (local.get $b) (local.get $s) (i32.const 1))))
        (i32.store offset=12 (local.get $s) (i32.const 0))
        (i32.store offset=8 (local.get $s)
          (select (i32.const 2) (i32.const 0)
            (i32.or (i32.eq (local.get $code) (i32.const 1))
                    (i32.and (call $future? (local.get $s)) (i32.eqz (local.get $code)))))))

      ;; Starts a copy of up to $n values on the idle end in slot $s.
      (func $copy (param $b i32) (param $s i32) (param $n i32) (local $k i32) (local $x i32) (local $buf i32) (local $h i32)
        (local.set $buf (call $buffer (local.get $b) (local.get $s)))
        (local.set $h (i32.load offset=4 (local.get $s)))
        (if (i32.eqz (call $readable? (local.get $s)))
          (then
            ;; fresh values to write
            (block $filled
              (loop $fill
                (br_if $filled (i32.ge_u (local.get $k) (local.get $n)))
                (i32.store (i32.add (local.get $buf) (i32.shl (local.get $k) (i32.const 2)))
                  (i32.load offset=24 (local.get $b)))
                (i32.store offset=24 (local.get $b) (i32.add (i32.load offset=24 (local.get $b)) (i32.const 1)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $fill)))))
        (block $started
          (block $fw
          (block $fr
          (block $sw
          (block $sr
            (br_table $sr $sr $sw $sr $fr $fw (i32.load (local.get $s))))
          (local.set $x (call $stream.read (local.get $h) (local.get $buf) (local.get $n)))
          (br $started))
          (local.set $x (call $stream.write (local.get $h) (local.get $buf) (local.get $n)))
          (br $started))
          (local.set $x (call $future.read (local.get $h) (local.get $buf)))
          (br $started))
          (local.set $x (call $future.write (local.get $h) (local.get $buf))))
        (call $log (local.get $b) (local.get $x))
        (if (i32.eq (local.get $x) (i32.const -1))
          (then (i32.store offset=8 (local.get $s) (i32.const 1)) {join_blocked})
          (else (call $copied (local.get $b) (local.get $s) (local.get $x)))))

      ;; Drops the end in slot $s and empties the slot.
      (func $drop (param $s i32) (local $h i32)
        (local.set $h (i32.load offset=4 (local.get $s)))
        (block $dropped
          (block $fw
          (block $fr
          (block $sw
          (block $sr
            (br_table $sr $sr $sw $sr $fr $fw (i32.load (local.get $s))))
          (call $stream.drop-readable (local.get $h))
          (br $dropped))
          (call $stream.drop-writable (local.get $h))
          (br $dropped))
          (call $future.drop-readable (local.get $h))
          (br $dropped))
          (call $future.drop-writable (local.get $h)))
        (i32.store (local.get $s) (i32.const 0)))

      ;; A resolved subtask in slot $s (state $st): its log, then dropped.
      (func $resolved (param $b i32) (param $s i32) (param $st i32)
        (if (i32.eq (local.get $st) (i32.const 2))
          (then (call $log-results (local.get $b) (local.get $s))))
        (call $subtask.drop (i32.load offset=4 (local.get $s)))
        (i32.store (local.get $s) (i32.const 0)))

      ;; An event delivered to the task.
      (func $event (param $b i32) (param $code i32) (param $index i32) (param $payload i32) (local $s i32)
        (call $log (local.get $b) (i32.add (i32.const 100) (local.get $code)))
        (call $log (local.get $b) (local.get $index))
        (call $log (local.get $b) (local.get $payload))
        (if (i32.eq (local.get $code) (i32.const 6))
          (then
            (if (i32.eqz (i32.load offset=12 (local.get $b)))
              (then (call $task.cancel) (i32.store offset=12 (local.get $b) (i32.const 1))))
            (return)))
        (if (i32.eqz (local.get $code)) (then (return)))
        (local.set $s (call $find (local.get $b) (local.get $index)))
        (if (i32.eqz (local.get $s)) (then (return)))
        (if (i32.eq (local.get $code) (i32.const 1))
          (then
            (if (i32.ge_u (local.get $payload) (i32.const 2))
              (then (call $resolved (local.get $b) (local.get $s) (local.get $payload)))
              (else (i32.store offset=8 (local.get $s) (local.get $payload))))
            (return)))
        (call $copied (local.get $b) (local.get $s) (local.get $payload)))

      ;; Waits for one event (blocking tasks only).
      (func $wait (param $b i32)
        (call $event (local.get $b)
          (call $waitable-set.wait (i32.load offset=8 (local.get $b)) (i32.add (local.get $b) (i32.const 224)))
          (i32.load offset=224 (local.get $b))
          (i32.load offset=228 (local.get $b))))

      ;; Runs the task's script from its pc. Returns 0 when the task has
      ;; finished, or a callback code (1 YIELD, 2 WAIT) for a callback task
      ;; to return; other tasks block inline.
      (func $run (param $b i32) (result i32)
        (local $pc i32) (local $s i32) (local $w i32) (local $w4 i32) (local $t i32) (local $n i32) (local $k i32)
        (local $x i32) (local $ret i32) (local $ptr i32) (local $s64 i64) (local $f64 i64)
        (loop $step
          (local.set $pc (i32.load (local.get $b)))
          (if (i32.ge_u (local.get $pc) (i32.load offset=4 (local.get $b)))
            (then
              ;; Drain: write unwritten futures, drop the ends that may
              ;; be dropped, wait while anything is pending.
              (local.set $k (i32.const 0))
              (block $dropped
                (loop $next
                  (br_if $dropped (i32.ge_u (local.get $k) (i32.const 8)))
                  (local.set $s (call $slot (local.get $b) (local.get $k)))
                  (if (i32.and (i32.eq (i32.load (local.get $s)) (i32.const 5))
                               (i32.eqz (i32.load offset=8 (local.get $s))))
                    (then (call $copy (local.get $b) (local.get $s) (i32.const 1))))
                  (if (call $droppable? (local.get $s)) (then (call $drop (local.get $s))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $next)))
              (if (call $pending (local.get $b))
                (then
                  (if (i32.load offset=28 (local.get $b))
                    (then (call $wait (local.get $b)) (br $step))
                    (else (return (i32.const 2))))))
              (if (i32.and (i32.eqz (i32.load offset=12 (local.get $b)))
                           (i32.ne (i32.load offset=28 (local.get $b)) (i32.const 1)))
                (then
                  (i32.store offset=12 (local.get $b) (i32.const 1))
                  (call $task.return (i32.add (local.get $b) (i32.const 1024)) (i32.load offset=20 (local.get $b)))))
              (return (i32.const 0))))
          (local.set $s (call $slot (local.get $b) (i32.load offset=4 (local.get $pc))))
          (block $default
          (block $return
          (block $cancel-copy
          (block $drop
          (block $cancel
          (block $yield
          (block $poll
          (block $wait
          (block $read
          (block $write
          (block $call
          (block $log
            (br_table $log $call $write $read $wait $poll $yield $cancel $drop $cancel-copy $return $default
              (i32.load (local.get $pc))))
          ;; LOG x
          (call $log (local.get $b) (i32.load offset=4 (local.get $pc)))
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 8)))
          (br $step))
          ;; CALL f w t n words
          {call_body})
          ;; WRITE s n
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 12)))
          (if (i32.or (i32.or (i32.eqz (call $end? (local.get $s))) (call $readable? (local.get $s)))
                      (i32.load offset=8 (local.get $s)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (call $copy (local.get $b) (local.get $s) (i32.and (i32.load offset=8 (local.get $pc)) (i32.const 15)))
          (br $step))
          ;; READ s n
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 12)))
          (if (i32.or (i32.eqz (call $readable? (local.get $s))) (i32.load offset=8 (local.get $s)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (call $copy (local.get $b) (local.get $s) (i32.and (i32.load offset=8 (local.get $pc)) (i32.const 15)))
          (br $step))
          ;; WAIT
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 4)))
          (if (i32.eqz (call $pending (local.get $b)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (if (i32.eqz (i32.load offset=28 (local.get $b))) (then (return (i32.const 2))))
          (call $wait (local.get $b))
          (br $step))
          ;; POLL
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 4)))
          (call $event (local.get $b)
            (call $waitable-set.poll (i32.load offset=8 (local.get $b)) (i32.add (local.get $b) (i32.const 224)))
            (i32.load offset=224 (local.get $b))
            (i32.load offset=228 (local.get $b)))
          (br $step))
          ;; YIELD
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 4)))
          (if (i32.eqz (i32.load offset=28 (local.get $b))) (then (return (i32.const 1))))
          (call $log (local.get $b) (call $thread.yield))
          (br $step))
          ;; CANCEL t
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 8)))
          (if (i32.or (i32.ne (i32.load (local.get $s)) (i32.const 3)) (i32.load offset=12 (local.get $s)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (local.set $x (call $subtask.cancel (i32.load offset=4 (local.get $s))))
          (call $log (local.get $b) (local.get $x))
          (if (i32.eq (local.get $x) (i32.const -1))
            (then (i32.store offset=12 (local.get $s) (i32.const 1)))
            (else (call $resolved (local.get $b) (local.get $s) (local.get $x))))
          (br $step))
          ;; DROP s
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 8)))
          (if (i32.eqz (call $droppable? (local.get $s)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (call $drop (local.get $s))
          (call $log (local.get $b) (i32.const 8))
          (br $step))
          ;; CANCEL-COPY s
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 8)))
          (if (i32.or (i32.or (i32.ne (i32.load offset=8 (local.get $s)) (i32.const 1)) (i32.load offset=12 (local.get $s)))
                      (i32.eqz (call $end? (local.get $s))))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (local.set $x (i32.load offset=4 (local.get $s)))
          (block $cancelled
            (block $fw
            (block $fr
            (block $sw
            (block $sr
              (br_table $sr $sr $sw $sr $fr $fw (i32.load (local.get $s))))
            (local.set $x (call $stream.cancel-read (local.get $x)))
            (br $cancelled))
            (local.set $x (call $stream.cancel-write (local.get $x)))
            (br $cancelled))
            (local.set $x (call $future.cancel-read (local.get $x)))
            (br $cancelled))
            (local.set $x (call $future.cancel-write (local.get $x))))
          (call $log (local.get $b) (local.get $x))
          (if (i32.eq (local.get $x) (i32.const -1))
            (then (i32.store offset=12 (local.get $s) (i32.const 1)))
            (else (call $copied (local.get $b) (local.get $s) (local.get $x))))
          (br $step))
          ;; RETURN
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 4)))
          (if (i32.or (i32.load offset=12 (local.get $b)) (i32.eq (i32.load offset=28 (local.get $b)) (i32.const 1)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (i32.store offset=12 (local.get $b) (i32.const 1))
          (call $task.return (i32.add (local.get $b) (i32.const 1024)) (i32.load offset=20 (local.get $b)))
          (br $step))
          ;; An unknown operation ends the script.
          (i32.store (local.get $b) (i32.load offset=4 (local.get $b)))
          (br $step))
        (unreachable))

      ;; A new task running the script at $ptr (length $len) in style
      ;; $style, with the readable ends $s and $f (if not 0) in slots 0, 1.
      (func $start (param $ptr i32) (param $len i32) (param $style i32) (param $sr i32) (param $fr i32) (result i32)
        (local $b i32) (local $s i32)
        (local.set $b (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 2048)))
        (memory.fill (local.get $b) (i32.const 0) (i32.const 2048))
        (i32.store (local.get $b) (local.get $ptr))
        (i32.store offset=4 (local.get $b) (i32.add (local.get $ptr) (i32.shl (local.get $len) (i32.const 2))))
        (i32.store offset=8 (local.get $b) (call $waitable-set.new))
        (i32.store offset=24 (local.get $b) (i32.shl (local.get $b) (i32.const 8)))
        (i32.store offset=28 (local.get $b) (local.get $style))
        (if (local.get $sr)
          (then
            (local.set $s (call $slot (local.get $b) (i32.const 0)))
            (call $fill (local.get $s) (i32.const 1) (local.get $sr))
            {join_new}
            (local.set $s (call $slot (local.get $b) (i32.const 1)))
            (call $fill (local.get $s) (i32.const 4) (local.get $fr))
            {join_new}))
        (call $context.set (local.get $b))
        (local.get $b))

      ;; The packed callback result of $run's code.
      (func $pack (param $b i32) (param $code i32) (result i32)
        (if (result i32) (local.get $code)
          (then (i32.or (local.get $code) (i32.shl (i32.load offset=8 (local.get $b)) (i32.const 4))))
          (else (i32.const 0))))

      ;; A synchronously lifted task's result: a pointer to (log, length).
      (func $finish (param $b i32) (result i32)
        (drop (call $run (local.get $b)))
        (i32.store offset=232 (local.get $b) (i32.add (local.get $b) (i32.const 1024)))
        (i32.store offset=236 (local.get $b) (i32.load offset=20 (local.get $b)))
        (i32.add (local.get $b) (i32.const 232)))

      (func (export "cb") (param $ptr i32) (param $len i32) (param $sr i32) (param $fr i32) (result i32) (local $b i32)
        (local.set $b (call $start (local.get $ptr) (local.get $len) (i32.const 0) (local.get $sr) (local.get $fr)))
        (call $pack (local.get $b) (call $run (local.get $b))))
      (func (export "sy") (param $ptr i32) (param $len i32) (param $sr i32) (param $fr i32) (result i32)
        (call $finish (call $start (local.get $ptr) (local.get $len) (i32.const 1) (local.get $sr) (local.get $fr))))
      (func (export "sf") (param $ptr i32) (param $len i32) (param $sr i32) (param $fr i32)
        (drop (call $run (call $start (local.get $ptr) (local.get $len) (i32.const 2) (local.get $sr) (local.get $fr)))))
      (func (export "run-cb") (param $ptr i32) (param $len i32) (result i32) (local $b i32)
        (local.set $b (call $start (local.get $ptr) (local.get $len) (i32.const 0) (i32.const 0) (i32.const 0)))
        (call $pack (local.get $b) (call $run (local.get $b))))
      (func (export "run-sy") (param $ptr i32) (param $len i32) (result i32)
        (call $finish (call $start (local.get $ptr) (local.get $len) (i32.const 1) (i32.const 0) (i32.const 0))))
      (func (export "run-sf") (param $ptr i32) (param $len i32)
        (drop (call $run (call $start (local.get $ptr) (local.get $len) (i32.const 2) (i32.const 0) (i32.const 0)))))
      (func (export "callback") (param $code i32) (param $index i32) (param $payload i32) (result i32) (local $b i32)
        (local.set $b (call $context.get))
        (call $event (local.get $b) (local.get $code) (local.get $index) (local.get $payload))
        (call $pack (local.get $b) (call $run (local.get $b)))))"#,
        LOG_CAPACITY = LOG_CAPACITY,
    )
}

/// The canonical built-ins an actor imports: name (the import's and the
/// core function's), definition, core type. Their options name the
/// memory instance `$mem` of the defining component.
const BUILTINS: [(&str, &str, &str); 25] = [
    ("waitable-set.new", "waitable-set.new", "(result i32)"),
    (
        "waitable-set.wait",
        "waitable-set.wait (memory $mem \"mem\")",
        "(param i32 i32) (result i32)",
    ),
    (
        "waitable-set.poll",
        "waitable-set.poll (memory $mem \"mem\")",
        "(param i32 i32) (result i32)",
    ),
    ("waitable.join", "waitable.join", "(param i32 i32)"),
    ("thread.yield", "thread.yield", "(result i32)"),
    (
        "subtask.cancel",
        "subtask.cancel async",
        "(param i32) (result i32)",
    ),
    ("subtask.drop", "subtask.drop", "(param i32)"),
    ("stream.new", "stream.new $ST", "(result i64)"),
    (
        "stream.read",
        "stream.read $ST async (memory $mem \"mem\")",
        "(param i32 i32 i32) (result i32)",
    ),
    (
        "stream.write",
        "stream.write $ST async (memory $mem \"mem\")",
        "(param i32 i32 i32) (result i32)",
    ),
    (
        "stream.cancel-read",
        "stream.cancel-read $ST async",
        "(param i32) (result i32)",
    ),
    (
        "stream.cancel-write",
        "stream.cancel-write $ST async",
        "(param i32) (result i32)",
    ),
    (
        "stream.drop-readable",
        "stream.drop-readable $ST",
        "(param i32)",
    ),
    (
        "stream.drop-writable",
        "stream.drop-writable $ST",
        "(param i32)",
    ),
    ("future.new", "future.new $FT", "(result i64)"),
    (
        "future.read",
        "future.read $FT async (memory $mem \"mem\")",
        "(param i32 i32) (result i32)",
    ),
    (
        "future.write",
        "future.write $FT async (memory $mem \"mem\")",
        "(param i32 i32) (result i32)",
    ),
    (
        "future.cancel-read",
        "future.cancel-read $FT async",
        "(param i32) (result i32)",
    ),
    (
        "future.cancel-write",
        "future.cancel-write $FT async",
        "(param i32) (result i32)",
    ),
    (
        "future.drop-readable",
        "future.drop-readable $FT",
        "(param i32)",
    ),
    (
        "future.drop-writable",
        "future.drop-writable $FT",
        "(param i32)",
    ),
    (
        "task.return",
        "task.return (result (list u32)) (memory $mem \"mem\")",
        "(param i32 i32)",
    ),
    ("task.cancel", "task.cancel", ""),
    ("context.get", "context.get i32 0", "(result i32)"),
    ("context.set", "context.set i32 0", "(param i32)"),
];

/// The actor's imports of [`BUILTINS`].
fn builtin_imports() -> String {
    BUILTINS
        .iter()
        .map(|(name, _, ty)| format!("(import \"\" \"{name}\" (func ${name} {ty}))\n      "))
        .collect()
}

/// The definitions of [`BUILTINS`] in a component.
fn builtin_definitions() -> String {
    let defs: String = BUILTINS
        .iter()
        .map(|(name, def, _)| format!("\n    (core func ${name} (canon {def}))"))
        .collect();
    format!("(type $ST (stream u32))\n    (type $FT (future u32)){defs}")
}

/// The instance of the built-ins and the memory the actor instantiates
/// with.
fn builtin_exports() -> String {
    let exports: String = BUILTINS
        .iter()
        .map(|(name, _, _)| format!("\n      (export \"{name}\" (func ${name}))"))
        .collect();
    format!(
        r#"(export "mem" (memory $mem "mem"))
      (export "realloc" (func $mem "realloc")){exports}"#
    )
}

/// The type of `c`'s functions.
const CALLEE_TYPE: &str = r#"async (param "script" (list u32)) (param "s" (stream u32)) (param "f" (future u32)) (result (list u32))"#;

/// The text of the whole component.
pub fn component_text() -> String {
    let memory = crate::component_values::MEMORY_MODULE;
    let callee = actor_module(false);
    let caller = actor_module(true);
    let builtins = builtin_definitions();
    let builtin_exports = builtin_exports();
    // The three lifts of an actor function `name` (callback, sync,
    // stackful), exported as `export`.
    let lifts = |ty: &str, prefix: &str| {
        format!(
            r#"(func (export "{prefix}cb") {ty}
      (canon lift (core func $a "{prefix}cb") async (memory $mem "mem") (realloc (func $mem "realloc"))
        (callback (core func $a "callback"))))
    (func (export "{prefix}sy") {ty}
      (canon lift (core func $a "{prefix}sy") (memory $mem "mem") (realloc (func $mem "realloc"))))
    (func (export "{prefix}sf") {ty}
      (canon lift (core func $a "{prefix}sf") async (memory $mem "mem") (realloc (func $mem "realloc"))))"#
        )
    };
    let c_lifts = lifts(CALLEE_TYPE, "");
    let d_lifts = lifts(
        r#"async (param "script" (list u32)) (result (list u32))"#,
        "run-",
    );
    format!(
        r#"(component
  (component $C
    {memory}
    {builtins}
    {callee}
    (core instance $a (instantiate $Actor (with "" (instance
      {builtin_exports}))))
    {c_lifts})
  (component $D
    (import "c-cb" (func $c-cb {CALLEE_TYPE}))
    (import "c-sy" (func $c-sy {CALLEE_TYPE}))
    (import "c-sf" (func $c-sf {CALLEE_TYPE}))
    {memory}
    {builtins}
    (core func $call-cb (canon lower (func $c-cb) async (memory $mem "mem") (realloc (func $mem "realloc"))))
    (core func $call-sy (canon lower (func $c-sy) async (memory $mem "mem") (realloc (func $mem "realloc"))))
    (core func $call-sf (canon lower (func $c-sf) async (memory $mem "mem") (realloc (func $mem "realloc"))))
    (core func $scall-cb (canon lower (func $c-cb) (memory $mem "mem") (realloc (func $mem "realloc"))))
    (core func $scall-sy (canon lower (func $c-sy) (memory $mem "mem") (realloc (func $mem "realloc"))))
    (core func $scall-sf (canon lower (func $c-sf) (memory $mem "mem") (realloc (func $mem "realloc"))))
    {caller}
    (core instance $a (instantiate $Actor (with "" (instance
      {builtin_exports}
      (export "call-cb" (func $call-cb))
      (export "call-sy" (func $call-sy))
      (export "call-sf" (func $call-sf))
      (export "scall-cb" (func $scall-cb))
      (export "scall-sy" (func $scall-sy))
      (export "scall-sf" (func $scall-sf))))))
    {d_lifts})
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "c-cb" (func $c "cb")) (with "c-sy" (func $c "sy")) (with "c-sf" (func $c "sf"))))
  (export "run-cb" (func $d "run-cb"))
  (export "run-sy" (func $d "run-sy"))
  (export "run-sf" (func $d "run-sf")))
"#
    )
}
