//! The fixed component of `component_async`: two components whose core
//! code is one interpreter of small async scripts (the "actor").
//!
//! A script is a `list<u32>` of operations. Each operation's outcome is
//! appended to the running task's log, which the task returns as its
//! `list<u32>` result, so the log is the program's observable behaviour:
//! return codes of the async built-ins, delivered events (code, index,
//! payload), values read from streams, and the logs of callees.
//!
//! - `c` exports `cb` (lifted `async` with a callback) and `sy` (an
//!   `async`-typed function lifted synchronously, which blocks inline),
//!   both `func(script: list<u32>, s: stream<u32>) -> list<u32>`: the task
//!   runs `script` with the readable end `s` in its slot 0.
//! - `d` imports both and exports `run-cb` and `run-sy`, `func(script:
//!   list<u32>) -> list<u32>` in the same two styles; its scripts also call
//!   `c` (`canon lower ... async`), passing a sub-script and the readable end
//!   of a new stream whose writable end `d` keeps.
//!
//! A task's state lives in a block of its instance's memory (found again
//! with `context.get` by the callback). Each task has eight handle slots;
//! an operation on a slot whose handle is missing or busy logs `SKIP` and
//! does nothing, so scripts never trap by misuse: traps and deadlocks are
//! the runtime's. When the script ends the task drains: it drops its idle
//! stream ends, waits until no copy or subtask is pending, returns its log
//! (unless it already returned) and exits.

/// Operation codes of a script (each followed by its immediates).
pub mod op {
    /// `LOG x`: logs `x`.
    pub const LOG: u32 = 0;
    /// `CALL f w t n words[n]`: makes a stream, keeps its writable end in
    /// slot `w`, and calls `c.cb` (`f` = 0) or `c.sy` (`f` = 1) async with
    /// the readable end and the sub-script `words`; an unresolved subtask
    /// goes to slot `t`. Logs the packed state, then the callee's log when
    /// it has returned.
    pub const CALL: u32 = 1;
    /// `WRITE s n`: writes `n` fresh values to the writable end in slot `s`.
    pub const WRITE: u32 = 2;
    /// `READ s n`: reads up to `n` values from the readable end in slot `s`.
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
    /// `DROP s`: drops the idle or finished stream end in slot `s`.
    pub const DROP: u32 = 8;
    /// `CANCEL-COPY s`: cancels the copy in progress on slot `s`.
    pub const CANCEL_COPY: u32 = 9;
    /// `RETURN`: returns the log so far (`task.return`; callback tasks only).
    pub const RETURN: u32 = 10;
    /// How many operation codes there are.
    pub const COUNT: u32 = 11;
}

/// The filter for the Wasmtime divergence "event for an idle stream end"
/// (FUZZING.md): Wasmtime 48.0.8 delivers a copy event to a stream end
/// with no copy in progress when the other end is dropped, where the spec
/// delivers none. With the filter on, a stream end is in the task's
/// waitable set only while a copy of it is blocked, so such an event is
/// never observed; off, ends join the set when the task gets them.
pub const AVOID_IDLE_END_EVENTS: bool = true;

/// The filter for the Wasmtime divergence "a call into `c` delivers a
/// copy early" (FUZZING.md): when a callback task of `c` has a completed
/// but undelivered read and the caller enters `c` again (any call) and
/// then drops the writable end, Wasmtime 48.0.8 reports the read
/// COMPLETED, where the spec reports DROPPED with the same progress (the
/// drop finds the reader's buffer still pending). With the filter on,
/// `CALL` is skipped while a subtask of the task is unresolved, so `c`
/// runs one task of `d` at a time.
pub const ONE_CALLEE_AT_A_TIME: bool = true;

/// What the log holds for an operation that was skipped.
pub const SKIP: u32 = 0xffff_fff0;
/// Log entries are truncated at this many words per task.
pub const LOG_CAPACITY: u32 = 256;

/// The actor's core module. `caller` adds the imports and code of `CALL`.
fn actor_module(caller: bool) -> String {
    // With the filter, a stream end joins the task's waitable set when a
    // copy blocks and leaves it when the copy ends; without, ends join
    // when the task gets them.
    let (join_new_end, join_blocked, leave_ended) = if AVOID_IDLE_END_EVENTS {
        (
            "",
            "(call $join (i32.load offset=4 (local.get $s)) (i32.load offset=8 (local.get $b)))",
            "(call $join (i32.load offset=4 (local.get $s)) (i32.const 0))",
        )
    } else {
        (
            "(call $join (local.get $x) (i32.load offset=8 (local.get $b)))",
            "",
            "",
        )
    };
    let join_slot0 = if AVOID_IDLE_END_EVENTS {
        ""
    } else {
        "(call $join (local.get $s) (i32.load offset=8 (local.get $b)))"
    };
    let call_imports = if caller {
        r#"(import "" "call-cb" (func $call-cb (param i32 i32 i32 i32) (result i32)))
      (import "" "call-sy" (func $call-sy (param i32 i32 i32 i32) (result i32)))"#
    } else {
        ""
    };
    // The body of `CALL` at `$pc`: `$w` `$t` `$n` are the immediates.
    let busy_callee = if ONE_CALLEE_AT_A_TIME {
        "(call $subtasks (local.get $b))"
    } else {
        "(i32.const 0)"
    };
    let call_body = if caller {
        format!(
            r#"(local.set $w (call $slot (local.get $b) (i32.load offset=8 (local.get $pc))))
          (local.set $t (call $slot (local.get $b) (i32.load offset=12 (local.get $pc))))
          (local.set $n (i32.load offset=16 (local.get $pc)))
          (local.set $next (i32.add (i32.add (local.get $pc) (i32.const 20)) (i32.shl (local.get $n) (i32.const 2))))
          (if (i32.or (i32.or (i32.eq (local.get $w) (local.get $t)) {busy_callee})
                (i32.or (i32.load (local.get $w)) (i32.load (local.get $t))))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)))
            (else
              (local.set $h64 (call $stream.new))
              (local.set $x (i32.wrap_i64 (i64.shr_u (local.get $h64) (i64.const 32))))
              (i32.store (local.get $w) (i32.const 2))
              (i32.store offset=4 (local.get $w) (local.get $x))
              (i32.store offset=8 (local.get $w) (i32.const 0))
              (i32.store offset=12 (local.get $w) (i32.const 0))
              {join_new_end}
              (local.set $ret (call $retarea (local.get $b) (local.get $t)))
              (if (i32.load offset=4 (local.get $pc))
                (then (local.set $x (call $call-sy (i32.add (local.get $pc) (i32.const 20)) (local.get $n)
                  (i32.wrap_i64 (local.get $h64)) (local.get $ret))))
                (else (local.set $x (call $call-cb (i32.add (local.get $pc) (i32.const 20)) (local.get $n)
                  (i32.wrap_i64 (local.get $h64)) (local.get $ret)))))
              (call $log (local.get $b) (local.get $x))
              (if (i32.eq (i32.and (local.get $x) (i32.const 0xf)) (i32.const 2))
                (then (call $log-results (local.get $b) (local.get $t)))
                (else
                  (i32.store (local.get $t) (i32.const 3))
                  (i32.store offset=4 (local.get $t) (i32.shr_u (local.get $x) (i32.const 4)))
                  (i32.store offset=8 (local.get $t) (i32.and (local.get $x) (i32.const 0xf)))
                  (i32.store offset=12 (local.get $t) (i32.const 0))
                  (call $join (i32.shr_u (local.get $x) (i32.const 4)) (i32.load offset=8 (local.get $b)))))))
          (i32.store (local.get $b) (local.get $next))"#
        )
    } else {
        r#"(call $log (local.get $b) (i32.const 0xfffffff0))
          (i32.store (local.get $b) (i32.add (i32.add (local.get $pc) (i32.const 20))
            (i32.shl (i32.load offset=16 (local.get $pc)) (i32.const 2))))"#
            .to_string()
    };
    format!(
        r#"(core module $Actor
      (import "" "mem" (memory 1))
      (import "" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
      (import "" "waitable-set.new" (func $ws.new (result i32)))
      (import "" "waitable-set.wait" (func $ws.wait (param i32 i32) (result i32)))
      (import "" "waitable-set.poll" (func $ws.poll (param i32 i32) (result i32)))
      (import "" "waitable.join" (func $join (param i32 i32)))
      (import "" "thread.yield" (func $yield (result i32)))
      (import "" "subtask.cancel" (func $subtask.cancel (param i32) (result i32)))
      (import "" "subtask.drop" (func $subtask.drop (param i32)))
      (import "" "stream.new" (func $stream.new (result i64)))
      (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
      (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
      (import "" "stream.cancel-read" (func $cancel-read (param i32) (result i32)))
      (import "" "stream.cancel-write" (func $cancel-write (param i32) (result i32)))
      (import "" "stream.drop-readable" (func $drop-r (param i32)))
      (import "" "stream.drop-writable" (func $drop-w (param i32)))
      (import "" "task.return" (func $task.return (param i32 i32)))
      (import "" "task.cancel" (func $task.cancel))
      (import "" "context.get" (func $ctx.get (result i32)))
      (import "" "context.set" (func $ctx.set (param i32)))
      {call_imports}

      ;; A task's block (2048 bytes): 0 pc, 4 script end, 8 waitable set,
      ;; 12 returned, 20 log length, 24 next value to write, 28 mode (0
      ;; callback, 1 blocking), 32 + 16k slot k (kind: 0 empty, 1 readable
      ;; end, 2 writable end, 3 subtask; handle; state: 0 idle, 1 copying,
      ;; 2 done, or the subtask's state; cancel requested), 160 + 8k slot
      ;; k's return area, 224 event, 232 the result (pointer, length),
      ;; 256 + 64k slot k's buffer, 1024 the log.

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

      ;; How many subtasks are unresolved.
      (func $subtasks (param $b i32) (result i32) (local $k i32) (local $n i32)
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $k) (i32.const 8)))
            (if (i32.eq (i32.load (call $slot (local.get $b) (local.get $k))) (i32.const 3))
              (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $next)))
        (local.get $n))

      ;; How many subtasks and copies are pending.
      (func $pending (param $b i32) (result i32) (local $k i32) (local $s i32) (local $n i32)
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $k) (i32.const 8)))
            (local.set $s (call $slot (local.get $b) (local.get $k)))
            (if (i32.or (i32.eq (i32.load (local.get $s)) (i32.const 3))
                        (i32.and (i32.ne (i32.load (local.get $s)) (i32.const 0))
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

      ;; The end of a copy on slot $s with packed result $r (not BLOCKED).
      (func $copied (param $b i32) (param $s i32) (param $r i32)
        {leave_ended}
        (if (i32.eq (i32.load (local.get $s)) (i32.const 1))
          (then (call $log-values (local.get $b) (local.get $s) (i32.shr_u (local.get $r) (i32.const 4)))))
        (i32.store offset=12 (local.get $s) (i32.const 0))
        (i32.store offset=8 (local.get $s)
          (select (i32.const 2) (i32.const 0) (i32.eq (i32.and (local.get $r) (i32.const 0xf)) (i32.const 1)))))

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
          (call $ws.wait (i32.load offset=8 (local.get $b)) (i32.add (local.get $b) (i32.const 224)))
          (i32.load offset=224 (local.get $b))
          (i32.load offset=228 (local.get $b))))

      ;; Runs the task's script from its pc. Returns 0 when the task has
      ;; finished, or a callback code (1 YIELD, 2 WAIT) for a callback task
      ;; to return; a blocking task blocks inline.
      (func $run (param $b i32) (result i32)
        (local $pc i32) (local $s i32) (local $w i32) (local $t i32) (local $n i32) (local $k i32)
        (local $x i32) (local $ret i32) (local $next i32) (local $h64 i64)
        (loop $step
          (local.set $pc (i32.load (local.get $b)))
          (if (i32.ge_u (local.get $pc) (i32.load offset=4 (local.get $b)))
            (then
              ;; Drain: drop idle ends, wait while anything is pending.
              (local.set $k (i32.const 0))
              (block $dropped
                (loop $next
                  (br_if $dropped (i32.ge_u (local.get $k) (i32.const 8)))
                  (local.set $s (call $slot (local.get $b) (local.get $k)))
                  (if (i32.and (i32.ne (i32.load offset=8 (local.get $s)) (i32.const 1))
                               (i32.or (i32.eq (i32.load (local.get $s)) (i32.const 1))
                                       (i32.eq (i32.load (local.get $s)) (i32.const 2))))
                    (then
                      (if (i32.eq (i32.load (local.get $s)) (i32.const 1))
                        (then (call $drop-r (i32.load offset=4 (local.get $s))))
                        (else (call $drop-w (i32.load offset=4 (local.get $s)))))
                      (i32.store (local.get $s) (i32.const 0))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $next)))
              (if (call $pending (local.get $b))
                (then
                  (if (i32.load offset=28 (local.get $b))
                    (then (call $wait (local.get $b)) (br $step))
                    (else (return (i32.const 2))))))
              (if (i32.eqz (i32.or (i32.load offset=12 (local.get $b)) (i32.load offset=28 (local.get $b))))
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
          {call_body}
          (br $step))
          ;; WRITE s n
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 12)))
          (if (i32.or (i32.ne (i32.load (local.get $s)) (i32.const 2)) (i32.load offset=8 (local.get $s)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (local.set $n (i32.and (i32.load offset=8 (local.get $pc)) (i32.const 15)))
          (local.set $k (i32.const 0))
          (block $filled
            (loop $fill
              (br_if $filled (i32.ge_u (local.get $k) (local.get $n)))
              (i32.store (i32.add (call $buffer (local.get $b) (local.get $s)) (i32.shl (local.get $k) (i32.const 2)))
                (i32.load offset=24 (local.get $b)))
              (i32.store offset=24 (local.get $b) (i32.add (i32.load offset=24 (local.get $b)) (i32.const 1)))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $fill)))
          (local.set $x (call $stream.write (i32.load offset=4 (local.get $s)) (call $buffer (local.get $b) (local.get $s)) (local.get $n)))
          (call $log (local.get $b) (local.get $x))
          (if (i32.eq (local.get $x) (i32.const -1))
            (then (i32.store offset=8 (local.get $s) (i32.const 1)) {join_blocked})
            (else (call $copied (local.get $b) (local.get $s) (local.get $x))))
          (br $step))
          ;; READ s n
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 12)))
          (if (i32.or (i32.ne (i32.load (local.get $s)) (i32.const 1)) (i32.load offset=8 (local.get $s)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (local.set $x (call $stream.read (i32.load offset=4 (local.get $s)) (call $buffer (local.get $b) (local.get $s))
            (i32.and (i32.load offset=8 (local.get $pc)) (i32.const 15))))
          (call $log (local.get $b) (local.get $x))
          (if (i32.eq (local.get $x) (i32.const -1))
            (then (i32.store offset=8 (local.get $s) (i32.const 1)) {join_blocked})
            (else (call $copied (local.get $b) (local.get $s) (local.get $x))))
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
            (call $ws.poll (i32.load offset=8 (local.get $b)) (i32.add (local.get $b) (i32.const 224)))
            (i32.load offset=224 (local.get $b))
            (i32.load offset=228 (local.get $b)))
          (br $step))
          ;; YIELD
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 4)))
          (if (i32.eqz (i32.load offset=28 (local.get $b))) (then (return (i32.const 1))))
          (call $log (local.get $b) (call $yield))
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
          (if (i32.or (i32.eq (i32.load offset=8 (local.get $s)) (i32.const 1))
                      (i32.eqz (i32.or (i32.eq (i32.load (local.get $s)) (i32.const 1))
                                       (i32.eq (i32.load (local.get $s)) (i32.const 2)))))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (if (i32.eq (i32.load (local.get $s)) (i32.const 1))
            (then (call $drop-r (i32.load offset=4 (local.get $s))))
            (else (call $drop-w (i32.load offset=4 (local.get $s)))))
          (i32.store (local.get $s) (i32.const 0))
          (call $log (local.get $b) (i32.const 8))
          (br $step))
          ;; CANCEL-COPY s
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 8)))
          (if (i32.or (i32.or (i32.ne (i32.load offset=8 (local.get $s)) (i32.const 1)) (i32.load offset=12 (local.get $s)))
                      (i32.eqz (i32.or (i32.eq (i32.load (local.get $s)) (i32.const 1))
                                       (i32.eq (i32.load (local.get $s)) (i32.const 2)))))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (if (i32.eq (i32.load (local.get $s)) (i32.const 1))
            (then (local.set $x (call $cancel-read (i32.load offset=4 (local.get $s)))))
            (else (local.set $x (call $cancel-write (i32.load offset=4 (local.get $s))))))
          (call $log (local.get $b) (local.get $x))
          (if (i32.eq (local.get $x) (i32.const -1))
            (then (i32.store offset=12 (local.get $s) (i32.const 1)))
            (else (call $copied (local.get $b) (local.get $s) (local.get $x))))
          (br $step))
          ;; RETURN
          (i32.store (local.get $b) (i32.add (local.get $pc) (i32.const 4)))
          (if (i32.or (i32.load offset=12 (local.get $b)) (i32.load offset=28 (local.get $b)))
            (then (call $log (local.get $b) (i32.const 0xfffffff0)) (br $step)))
          (i32.store offset=12 (local.get $b) (i32.const 1))
          (call $task.return (i32.add (local.get $b) (i32.const 1024)) (i32.load offset=20 (local.get $b)))
          (br $step))
          ;; An unknown operation ends the script.
          (i32.store (local.get $b) (i32.load offset=4 (local.get $b)))
          (br $step))
        (unreachable))

      ;; A new task running the script at $ptr (length $len) in mode $mode,
      ;; with the readable end $s (if not 0) in slot 0.
      (func $start (param $ptr i32) (param $len i32) (param $mode i32) (param $s i32) (result i32) (local $b i32)
        (local.set $b (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 2048)))
        (memory.fill (local.get $b) (i32.const 0) (i32.const 2048))
        (i32.store (local.get $b) (local.get $ptr))
        (i32.store offset=4 (local.get $b) (i32.add (local.get $ptr) (i32.shl (local.get $len) (i32.const 2))))
        (i32.store offset=8 (local.get $b) (call $ws.new))
        (i32.store offset=24 (local.get $b) (i32.shl (local.get $b) (i32.const 8)))
        (i32.store offset=28 (local.get $b) (local.get $mode))
        (if (local.get $s)
          (then
            (i32.store offset=32 (local.get $b) (i32.const 1))
            (i32.store offset=36 (local.get $b) (local.get $s))
            {join_slot0}))
        (call $ctx.set (local.get $b))
        (local.get $b))

      ;; The packed callback result of $run's code.
      (func $pack (param $b i32) (param $code i32) (result i32)
        (if (result i32) (local.get $code)
          (then (i32.or (local.get $code) (i32.shl (i32.load offset=8 (local.get $b)) (i32.const 4))))
          (else (i32.const 0))))

      ;; A blocking task's result: a pointer to (log, length).
      (func $finish (param $b i32) (result i32)
        (drop (call $run (local.get $b)))
        (i32.store offset=232 (local.get $b) (i32.add (local.get $b) (i32.const 1024)))
        (i32.store offset=236 (local.get $b) (i32.load offset=20 (local.get $b)))
        (i32.add (local.get $b) (i32.const 232)))

      (func (export "cb") (param $ptr i32) (param $len i32) (param $s i32) (result i32) (local $b i32)
        (local.set $b (call $start (local.get $ptr) (local.get $len) (i32.const 0) (local.get $s)))
        (call $pack (local.get $b) (call $run (local.get $b))))
      (func (export "sy") (param $ptr i32) (param $len i32) (param $s i32) (result i32)
        (call $finish (call $start (local.get $ptr) (local.get $len) (i32.const 1) (local.get $s))))
      (func (export "run-cb") (param $ptr i32) (param $len i32) (result i32) (local $b i32)
        (local.set $b (call $start (local.get $ptr) (local.get $len) (i32.const 0) (i32.const 0)))
        (call $pack (local.get $b) (call $run (local.get $b))))
      (func (export "run-sy") (param $ptr i32) (param $len i32) (result i32)
        (call $finish (call $start (local.get $ptr) (local.get $len) (i32.const 1) (i32.const 0))))
      (func (export "callback") (param $code i32) (param $index i32) (param $payload i32) (result i32) (local $b i32)
        (local.set $b (call $ctx.get))
        (call $event (local.get $b) (local.get $code) (local.get $index) (local.get $payload))
        (call $pack (local.get $b) (call $run (local.get $b)))))"#,
        LOG_CAPACITY = LOG_CAPACITY,
    )
}

/// The canonical built-ins an actor imports, defined in a component whose
/// memory instance is `$mem`.
const BUILTINS: &str = r#"(type $ST (stream u32))
    (core func $ws.new (canon waitable-set.new))
    (core func $ws.wait (canon waitable-set.wait (memory $mem "mem")))
    (core func $ws.poll (canon waitable-set.poll (memory $mem "mem")))
    (core func $join (canon waitable.join))
    (core func $yield (canon thread.yield))
    (core func $subtask.cancel (canon subtask.cancel async))
    (core func $subtask.drop (canon subtask.drop))
    (core func $stream.new (canon stream.new $ST))
    (core func $stream.read (canon stream.read $ST async (memory $mem "mem")))
    (core func $stream.write (canon stream.write $ST async (memory $mem "mem")))
    (core func $cancel-read (canon stream.cancel-read $ST async))
    (core func $cancel-write (canon stream.cancel-write $ST async))
    (core func $drop-r (canon stream.drop-readable $ST))
    (core func $drop-w (canon stream.drop-writable $ST))
    (core func $task.return (canon task.return (result (list u32)) (memory $mem "mem")))
    (core func $task.cancel (canon task.cancel))
    (core func $ctx.get (canon context.get i32 0))
    (core func $ctx.set (canon context.set i32 0))"#;

/// The exports of the built-ins for the actor's instantiation.
const BUILTIN_EXPORTS: &str = r#"(export "mem" (memory $mem "mem"))
      (export "realloc" (func $mem "realloc"))
      (export "waitable-set.new" (func $ws.new))
      (export "waitable-set.wait" (func $ws.wait))
      (export "waitable-set.poll" (func $ws.poll))
      (export "waitable.join" (func $join))
      (export "thread.yield" (func $yield))
      (export "subtask.cancel" (func $subtask.cancel))
      (export "subtask.drop" (func $subtask.drop))
      (export "stream.new" (func $stream.new))
      (export "stream.read" (func $stream.read))
      (export "stream.write" (func $stream.write))
      (export "stream.cancel-read" (func $cancel-read))
      (export "stream.cancel-write" (func $cancel-write))
      (export "stream.drop-readable" (func $drop-r))
      (export "stream.drop-writable" (func $drop-w))
      (export "task.return" (func $task.return))
      (export "task.cancel" (func $task.cancel))
      (export "context.get" (func $ctx.get))
      (export "context.set" (func $ctx.set))"#;

/// The type of `c`'s functions.
const CALLEE_TYPE: &str =
    r#"async (param "script" (list u32)) (param "s" (stream u32)) (result (list u32))"#;

/// The text of the whole component.
pub fn component_text() -> String {
    let memory = crate::component_values::MEMORY_MODULE;
    let callee = actor_module(false);
    let caller = actor_module(true);
    format!(
        r#"(component
  (component $C
    {memory}
    {BUILTINS}
    {callee}
    (core instance $a (instantiate $Actor (with "" (instance
      {BUILTIN_EXPORTS}))))
    (func (export "cb") {CALLEE_TYPE}
      (canon lift (core func $a "cb") async (memory $mem "mem") (realloc (func $mem "realloc"))
        (callback (core func $a "callback"))))
    (func (export "sy") {CALLEE_TYPE}
      (canon lift (core func $a "sy") (memory $mem "mem") (realloc (func $mem "realloc")))))
  (component $D
    (import "c-cb" (func $c-cb {CALLEE_TYPE}))
    (import "c-sy" (func $c-sy {CALLEE_TYPE}))
    {memory}
    {BUILTINS}
    (core func $call-cb (canon lower (func $c-cb) async (memory $mem "mem") (realloc (func $mem "realloc"))))
    (core func $call-sy (canon lower (func $c-sy) async (memory $mem "mem") (realloc (func $mem "realloc"))))
    {caller}
    (core instance $a (instantiate $Actor (with "" (instance
      {BUILTIN_EXPORTS}
      (export "call-cb" (func $call-cb))
      (export "call-sy" (func $call-sy))))))
    (func (export "run-cb") async (param "script" (list u32)) (result (list u32))
      (canon lift (core func $a "run-cb") async (memory $mem "mem") (realloc (func $mem "realloc"))
        (callback (core func $a "callback"))))
    (func (export "run-sy") async (param "script" (list u32)) (result (list u32))
      (canon lift (core func $a "run-sy") (memory $mem "mem") (realloc (func $mem "realloc")))))
  (instance $c (instantiate $C))
  (instance $d (instantiate $D (with "c-cb" (func $c "cb")) (with "c-sy" (func $c "sy"))))
  (export "run-cb" (func $d "run-cb"))
  (export "run-sy" (func $d "run-sy")))
"#
    )
}
