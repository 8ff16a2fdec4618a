//! The host's stream and future ends (`component::HostEnd`): the host
//! reads a stream a guest passed to it (in bounded chunks, however much
//! the guest writes at once), writes a stream and a future it gives to a
//! guest, and drops ends; guest and host copies meet by the rules of
//! `SharedStreamImpl`/`SharedFutureImpl`, driven by background host tasks.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use cmref_interp::component::{
    self, Component, CopyOutcome, HostEnd, HostTask, Linker, TaskPoll, Val, ValType,
    spawn_host_task,
};
use cmref_interp::{Config, Engine, Error, Store, Trap};

const WAT: &str = r#"(component
  (type $ST (stream u8))
  (type $FT (future u32))
  (import "sink" (func $sink (param "s" $ST)))
  (import "sink-drop" (func $sink-drop (param "s" $ST)))
  (import "source" (func $source (result $ST)))
  (import "answer" (func $answer (result $FT)))
  (core module $Memory (memory (export "mem") 2))
  (core instance $memory (instantiate $Memory))
  (core module $M
    (import "" "mem" (memory 2))
    (import "" "sink" (func $sink (param i32)))
    (import "" "sink-drop" (func $sink-drop (param i32)))
    (import "" "source" (func $source (result i32)))
    (import "" "answer" (func $answer (result i32)))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "task.return" (func $task.return (param i32)))
    ;; 100000 bytes of 0x5a in one stream.write (the host reads at most
    ;; 64 KiB per copy, so it takes several); returns the total written
    (func (export "send-big")
      (local $rw i64) (local $w i32) (local $done i32) (local $res i32)
      (memory.fill (i32.const 1000) (i32.const 0x5a) (i32.const 100000))
      (local.set $rw (call $stream.new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
      (call $sink (i32.wrap_i64 (local.get $rw)))
      (block $end
        (loop $l
          (br_if $end (i32.ge_u (local.get $done) (i32.const 100000)))
          (local.set $res (call $stream.write (local.get $w)
            (i32.add (i32.const 1000) (local.get $done)) (i32.sub (i32.const 100000) (local.get $done))))
          (if (i32.ne (i32.and (local.get $res) (i32.const 0xf)) (i32.const 0)) (then unreachable))
          (local.set $done (i32.add (local.get $done) (i32.shr_u (local.get $res) (i32.const 4))))
          (br $l)))
      (call $stream.drop-writable (local.get $w))
      (call $task.return (local.get $done)))
    ;; a write to a stream whose readable end the host dropped: DROPPED
    (func (export "send-dropped")
      (local $rw i64) (local $w i32) (local $res i32)
      (local.set $rw (call $stream.new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $rw) (i64.const 32))))
      (call $sink-drop (i32.wrap_i64 (local.get $rw)))
      (local.set $res (call $stream.write (local.get $w) (i32.const 0) (i32.const 10)))
      (call $stream.drop-writable (local.get $w))
      (call $task.return (local.get $res)))
    ;; reads the host's stream 4 bytes at a time until DROPPED: returns
    ;; 1000 * count + sum
    (func (export "receive")
      (local $r i32) (local $res i32) (local $n i32) (local $i i32) (local $count i32) (local $sum i32)
      (local.set $r (call $source))
      (block $end
        (loop $l
          (local.set $res (call $stream.read (local.get $r) (i32.const 0) (i32.const 4)))
          (local.set $n (i32.shr_u (local.get $res) (i32.const 4)))
          (local.set $i (i32.const 0))
          (block $e2
            (loop $l2
              (br_if $e2 (i32.ge_u (local.get $i) (local.get $n)))
              (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $l2)))
          (local.set $count (i32.add (local.get $count) (local.get $n)))
          (br_if $end (i32.eq (i32.and (local.get $res) (i32.const 0xf)) (i32.const 1)))
          (br $l)))
      (call $stream.drop-readable (local.get $r))
      (call $task.return (i32.add (i32.mul (local.get $count) (i32.const 1000)) (local.get $sum))))
    ;; the host's future's value plus one
    (func (export "future")
      (local $f i32)
      (local.set $f (call $answer))
      (if (i32.ne (call $future.read (local.get $f) (i32.const 8)) (i32.const 0)) (then unreachable))
      (call $future.drop-readable (local.get $f))
      (call $task.return (i32.add (i32.load (i32.const 8)) (i32.const 1)))))
  (canon lower (func $sink) (core func $sink))
  (canon lower (func $sink-drop) (core func $sink-drop))
  (canon lower (func $source) (core func $source))
  (canon lower (func $answer) (core func $answer))
  (canon stream.new $ST (core func $stream.new))
  (canon stream.read $ST (memory (core memory $memory "mem")) (core func $stream.read))
  (canon stream.write $ST (memory (core memory $memory "mem")) (core func $stream.write))
  (canon stream.drop-readable $ST (core func $stream.drop-readable))
  (canon stream.drop-writable $ST (core func $stream.drop-writable))
  (canon future.read $FT (memory (core memory $memory "mem")) (core func $future.read))
  (canon future.drop-readable $FT (core func $future.drop-readable))
  (canon task.return (result u32) (core func $task.return))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "sink" (func $sink))
    (export "sink-drop" (func $sink-drop))
    (export "source" (func $source))
    (export "answer" (func $answer))
    (export "stream.new" (func $stream.new))
    (export "stream.read" (func $stream.read))
    (export "stream.write" (func $stream.write))
    (export "stream.drop-readable" (func $stream.drop-readable))
    (export "stream.drop-writable" (func $stream.drop-writable))
    (export "future.read" (func $future.read))
    (export "future.drop-readable" (func $future.drop-readable))
    (export "task.return" (func $task.return))))))
  (func (export "send-big") async (result u32) (canon lift (core func $m "send-big") async))
  (func (export "send-dropped") async (result u32) (canon lift (core func $m "send-dropped") async))
  (func (export "receive") async (result u32) (canon lift (core func $m "receive") async))
  (func (export "future") async (result u32) (canon lift (core func $m "future") async)))"#;

fn trap(e: Error) -> Trap {
    Trap::host(e.to_string())
}

/// What the host's sink received: each copy's bytes.
type Chunks = Arc<Mutex<Vec<Vec<u8>>>>;

/// Reads a stream until the writer drops it, recording each copy.
struct Sink {
    end: Option<HostEnd>,
    chunks: Chunks,
}

impl HostTask for Sink {
    fn poll(&mut self, store: &mut Store, _: bool) -> Result<TaskPoll, Trap> {
        let Some(end) = &mut self.end else {
            return Ok(TaskPoll::Done);
        };
        if let Some(copy) = end.poll(store).map_err(trap)? {
            let bytes = copy
                .vals
                .iter()
                .map(|v| match v {
                    Val::U8(b) => *b,
                    _ => 0,
                })
                .collect::<Vec<_>>();
            assert_eq!(copy.count as usize, bytes.len());
            if !bytes.is_empty() {
                self.chunks.lock().unwrap().push(bytes);
            }
            if copy.outcome == CopyOutcome::Dropped {
                self.end.take().unwrap().drop(store).map_err(trap)?;
                return Ok(TaskPoll::Done);
            }
        }
        if !end.is_copying(store).map_err(trap)? {
            // Asks for far more than a copy gives.
            end.read(store, u64::MAX).map_err(trap)?;
            return Ok(TaskPoll::Progress);
        }
        Ok(TaskPoll::Idle)
    }
}

/// Writes chunks to a stream, offering again what the reader left, then
/// drops it.
struct Source {
    end: Option<HostEnd>,
    chunks: VecDeque<Vec<u8>>,
}

impl HostTask for Source {
    fn poll(&mut self, store: &mut Store, _: bool) -> Result<TaskPoll, Trap> {
        let Some(end) = &mut self.end else {
            return Ok(TaskPoll::Done);
        };
        let mut progress = false;
        if let Some(copy) = end.poll(store).map_err(trap)? {
            progress = true;
            assert_eq!(copy.outcome, CopyOutcome::Completed);
            if !copy.vals.is_empty() {
                end.write(store, copy.vals).map_err(trap)?;
            }
        }
        if !end.is_copying(store).map_err(trap)? {
            progress = true;
            match self.chunks.pop_front() {
                Some(c) => end
                    .write(store, c.into_iter().map(Val::U8).collect())
                    .map_err(trap)?,
                None => {
                    self.end.take().unwrap().drop(store).map_err(trap)?;
                    return Ok(TaskPoll::Done);
                }
            }
        }
        Ok(if progress {
            TaskPoll::Progress
        } else {
            TaskPoll::Idle
        })
    }
}

/// Waits for a future write to complete, then drops the end.
struct Answer(Option<HostEnd>);

impl HostTask for Answer {
    fn poll(&mut self, store: &mut Store, _: bool) -> Result<TaskPoll, Trap> {
        let Some(end) = &mut self.0 else {
            return Ok(TaskPoll::Done);
        };
        if let Some(copy) = end.poll(store).map_err(trap)? {
            assert_eq!((copy.outcome, copy.count), (CopyOutcome::Completed, 1));
            assert!(end.is_done(store).map_err(trap)?);
            self.0.take().unwrap().drop(store).map_err(trap)?;
            return Ok(TaskPoll::Done);
        }
        Ok(TaskPoll::Idle)
    }
}

fn call(export: &str) -> (Result<Vec<Val>, Error>, Vec<Vec<u8>>) {
    let engine = Engine::new(Config::default().features(component::features()));
    let component = Component::new(&engine, &wat::parse_str(WAT).unwrap()).unwrap();
    let mut store = Store::new(&engine);
    let chunks = Chunks::default();
    let mut linker = Linker::new();
    let root = linker.root();
    let received = chunks.clone();
    root.func_new("sink", move |store, args| {
        let end = HostEnd::take_readable(store, &args[0]).map_err(trap)?;
        let chunks = received.clone();
        spawn_host_task(
            store,
            Box::new(Sink {
                end: Some(end),
                chunks,
            }),
        );
        Ok(vec![])
    })
    .unwrap();
    root.func_new("sink-drop", |store, args| {
        let end = HostEnd::take_readable(store, &args[0]).map_err(trap)?;
        end.drop(store).map_err(trap)?;
        Ok(vec![])
    })
    .unwrap();
    root.func_new("source", |store, _| {
        let (v, end) = HostEnd::new(store, Some(ValType::U8), false);
        let chunks = [b"abc".to_vec(), b"def".to_vec()].into();
        spawn_host_task(
            store,
            Box::new(Source {
                end: Some(end),
                chunks,
            }),
        );
        Ok(vec![v])
    })
    .unwrap();
    root.func_new("answer", |store, _| {
        let (v, mut end) = HostEnd::new(store, Some(ValType::U32), true);
        // A value of the wrong type is refused.
        assert!(end.write(store, vec![Val::U8(1)]).is_err());
        end.write(store, vec![Val::U32(41)]).map_err(trap)?;
        spawn_host_task(store, Box::new(Answer(Some(end))));
        Ok(vec![v])
    })
    .unwrap();
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let r = instance.get_func(export).unwrap().call(&mut store, &[]);
    component::run_host_tasks(&mut store).unwrap();
    let chunks = chunks.lock().unwrap().clone();
    (r, chunks)
}

#[test]
fn the_host_reads_a_guest_stream_in_bounded_chunks() {
    let (r, chunks) = call("send-big");
    assert_eq!(r.unwrap(), vec![Val::U32(100_000)]);
    assert!(chunks.len() >= 2, "{} chunks", chunks.len());
    assert!(chunks.iter().all(|c| c.len() as u64 <= HostEnd::MAX_READ));
    let all: Vec<u8> = chunks.concat();
    assert_eq!(all.len(), 100_000);
    assert!(all.iter().all(|b| *b == 0x5a));
}

#[test]
fn a_guest_writing_to_a_stream_the_host_dropped_is_told_dropped() {
    let (r, _) = call("send-dropped");
    assert_eq!(r.unwrap(), vec![Val::U32(1)], "DROPPED, nothing copied");
}

#[test]
fn a_guest_reads_what_the_host_writes_until_the_host_drops_its_end() {
    let (r, _) = call("receive");
    let sum: u32 = b"abcdef".iter().map(|b| *b as u32).sum();
    assert_eq!(r.unwrap(), vec![Val::U32(6000 + sum)]);
}

#[test]
fn a_guest_reads_the_value_the_host_writes_to_a_future() {
    let (r, _) = call("future");
    assert_eq!(r.unwrap(), vec![Val::U32(42)]);
}
