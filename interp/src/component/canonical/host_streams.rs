//! The host's ends of streams and futures. `definitions.py`'s tests drive
//! streams from the host with host buffers (`HostSink` is a
//! `WritableBuffer` that reads a stream through `SharedStreamImpl.read`
//! with no instance); here the host holds a [`CopyEnd`] like a guest does,
//! with no instance and a [`HostBuffer`], so guest copies rendezvous with
//! host copies by exactly the rules of `SharedStreamImpl.read/write` and
//! `SharedFutureImpl.read/write` (`streams.rs`). A host copy's completion is
//! its end's pending event, which the host collects with [`HostEnd::poll`]
//! (from a `HostFuture` or `HostTask` the store's event loop polls).

use std::collections::VecDeque;

use super::streams::{
    Buffer, CopyEnd, CopyResult, CopyState, Elems, EndKind, Shared, end, end_mut, future_rw,
    remain, shared_drop, shared_mut, stream_rw,
};
use super::waitables::{self, WaitableRef};
use crate::component::store::{EndId, SharedId};
use crate::component::types::ValType;
use crate::component::values::{AsyncValue, Val};
use crate::error::{Error, Result};
use crate::runtime::store::Store;
use crate::trace::Event;

/// `definitions.py`'s host buffers: the host's `ReadableBuffer` (values it
/// writes, read by the other end) or `WritableBuffer` (room for values it
/// reads, written by the other end).
#[derive(Debug)]
pub(crate) struct HostBuffer {
    /// The stream or future has no element type: only counts move.
    unit: bool,
    items: VecDeque<Val>,
    length: u64,
    pub(crate) progress: u64,
}

impl HostBuffer {
    /// `Buffer.remain`.
    pub(super) fn remain(&self) -> u64 {
        self.length - self.progress
    }

    /// `Buffer.is_zero_length`.
    pub(super) fn is_zero_length(&self) -> bool {
        self.length == 0
    }

    /// `ReadableBuffer.read`: the next `n` values the host wrote.
    pub(super) fn read(&mut self, n: u64) -> Result<Elems> {
        if n > self.remain() {
            return Err(crate::component::store::internal(
                "host buffer read past its end",
            ));
        }
        self.progress += n;
        if self.unit {
            return Ok(Elems::Units(n));
        }
        Ok(Elems::Vals(self.items.drain(..n as usize).collect()))
    }

    /// `WritableBuffer.write`: values for the host.
    pub(super) fn write(&mut self, vs: Elems) -> Result<()> {
        let n = match vs {
            Elems::Vals(vs) => {
                let n = vs.len() as u64;
                self.items.extend(vs);
                n
            }
            Elems::Units(n) => n,
        };
        if n > self.remain() {
            return Err(crate::component::store::internal(
                "host buffer written past its end",
            ));
        }
        self.progress += n;
        Ok(())
    }
}

/// How a copy ended (`definitions.py::CopyResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyOutcome {
    /// The copy happened (a stream copy may have moved fewer values than
    /// offered or asked for).
    Completed,
    /// The other end was dropped; no more copies.
    Dropped,
    /// The host cancelled it.
    Cancelled,
}

/// A finished host copy.
#[derive(Debug)]
pub struct HostCopy {
    pub outcome: CopyOutcome,
    /// How many values moved.
    pub count: u64,
    /// For a read, the values received; for a write, the values that were
    /// not taken (to offer again).
    pub vals: Vec<Val>,
}

/// An end of a stream or future that the host holds: the readable end of
/// a stream or future a guest passed to a host function, or the writable
/// end of one the host made and gave away as a [`Val`]. Drop it with
/// [`HostEnd::drop`] (merely forgetting it leaves the other side waiting).
#[derive(Debug)]
pub struct HostEnd {
    end: EndId,
}

impl HostEnd {
    /// The most values one host read takes: a reader asking for more gets
    /// at most this many (so the host never allocates what a guest names).
    pub const MAX_READ: u64 = 64 * 1024;

    fn new_end(store: &mut Store, shared: SharedId, kind: EndKind) -> HostEnd {
        let end = EndId(store.component.ends.insert(CopyEnd::new(shared, kind)));
        HostEnd { end }
    }

    /// Takes the readable end of a stream or future in transit (a
    /// `Val::Stream`/`Val::Future` argument of a host function).
    pub fn take_readable(store: &mut Store, v: &Val) -> Result<HostEnd> {
        let (a, kind) = match v {
            Val::Stream(a) => (a, EndKind::ReadableStream),
            Val::Future(a) => (a, EndKind::ReadableFuture),
            _ => return Err(Error::Api(format!("{v:?} is not a stream or future"))),
        };
        let shared = SharedId(a.shared);
        store.component.shared.get(shared.0)?;
        Ok(Self::new_end(store, shared, kind))
    }

    /// A new stream (`future` false) or future with elements of type `t`:
    /// the readable end as a value to give a guest, and the writable end,
    /// which the host keeps.
    pub fn new(store: &mut Store, t: Option<ValType>, future: bool) -> (Val, HostEnd) {
        let shared = SharedId(store.component.shared.insert(Shared {
            t,
            dropped: false,
            pending: None,
        }));
        let a = AsyncValue { shared: shared.0 };
        if future {
            let w = Self::new_end(store, shared, EndKind::WritableFuture);
            (Val::Future(a), w)
        } else {
            let w = Self::new_end(store, shared, EndKind::WritableStream);
            (Val::Stream(a), w)
        }
    }

    fn kind(&self, store: &Store) -> Result<EndKind> {
        Ok(end(store, self.end)?.kind)
    }

    fn shared(&self, store: &Store) -> Result<SharedId> {
        Ok(end(store, self.end)?.shared)
    }

    /// Starts a copy with `buffer` (the host's side of `stream_copy` /
    /// `future_copy`).
    fn start(&mut self, store: &mut Store, buffer: HostBuffer, reading: bool) -> Result<()> {
        let ce = end(store, self.end)?;
        let (kind, s) = (ce.kind, ce.shared);
        let readable = matches!(kind, EndKind::ReadableStream | EndKind::ReadableFuture);
        if readable != reading {
            return Err(Error::Api(format!(
                "the host cannot {} a {kind:?} end",
                if reading { "read from" } else { "write to" }
            )));
        }
        if ce.state != CopyState::Idle {
            return Err(Error::Api(format!(
                "the host's {kind:?} end is {:?}, not idle",
                ce.state
            )));
        }
        let n = buffer.length;
        let ce = end_mut(store, self.end)?;
        ce.state = CopyState::Copying;
        ce.buffer = Some(Buffer::Host(buffer));
        store.trace(|store| {
            Event::new(if reading {
                "host.copy.read"
            } else {
                "host.copy.write"
            })
            .str("end", &super::streams::trace_end(store, self.end))
            .num("n", n)
        });
        match kind {
            EndKind::ReadableFuture | EndKind::WritableFuture => {
                future_rw(store, s, self.end, reading)
            }
            _ => stream_rw(store, s, self.end, reading),
        }
    }

    /// Starts reading up to `max` values (at most [`Self::MAX_READ`]; a
    /// future reads one).
    pub fn read(&mut self, store: &mut Store, max: u64) -> Result<()> {
        let s = self.shared(store)?;
        let unit = store.component.shared.get(s.0)?.t.is_none();
        let length = if self.kind(store)? == EndKind::ReadableFuture {
            1
        } else {
            max.min(Self::MAX_READ)
        };
        let buffer = HostBuffer {
            unit,
            items: VecDeque::new(),
            length,
            progress: 0,
        };
        self.start(store, buffer, true)
    }

    /// Starts writing `vals` (a future writes exactly one value). Each
    /// must have the element type (for a stream or future without one,
    /// only their number counts).
    pub fn write(&mut self, store: &mut Store, vals: Vec<Val>) -> Result<()> {
        let s = self.shared(store)?;
        let t = store.component.shared.get(s.0)?.t.clone();
        if self.kind(store)? == EndKind::WritableFuture && vals.len() != 1 {
            return Err(Error::Api("a future is written one value".into()));
        }
        if let Some(t) = &t {
            for v in &vals {
                v.typecheck(t)
                    .map_err(|e| Error::Api(format!("host write of {v:?}: {e}")))?;
            }
        }
        let buffer = HostBuffer {
            unit: t.is_none(),
            length: vals.len() as u64,
            items: vals.into(),
            progress: 0,
        };
        self.start(store, buffer, false)
    }

    /// Whether a copy of this end is in progress (its completion not yet
    /// collected by [`Self::poll`]).
    pub fn is_copying(&self, store: &Store) -> Result<bool> {
        Ok(end(store, self.end)?.copying())
    }

    /// Whether the end is done: the other end was dropped, or the future's
    /// value has moved.
    pub fn is_done(&self, store: &Store) -> Result<bool> {
        Ok(end(store, self.end)?.state == CopyState::Done)
    }

    /// When the other end waits with a copy of its own: how many values
    /// it has room for or offers (e.g. to read from stdin only what a
    /// guest asked for).
    pub fn peer_waiting(&self, store: &Store) -> Result<Option<u64>> {
        let s = end(store, self.end)?.shared;
        match store.component.shared.get(s.0)?.pending {
            Some(p) if p != self.end => Ok(Some(remain(store, p)?)),
            _ => Ok(None),
        }
    }

    /// Collects the completion of the copy in progress, if it has one (its
    /// end's pending event: `stream_event`/`future_event`).
    pub fn poll(&mut self, store: &mut Store) -> Result<Option<HostCopy>> {
        let w = WaitableRef::End(self.end);
        if !waitables::has_pending_event(store, w)? {
            return Ok(None);
        }
        let buffer = end_mut(store, self.end)?.buffer.take();
        let (_, _, payload) = waitables::get_pending_event(store, w)?;
        let outcome = match payload & 0xf {
            r if r == CopyResult::Completed as u32 => CopyOutcome::Completed,
            r if r == CopyResult::Dropped as u32 => CopyOutcome::Dropped,
            _ => CopyOutcome::Cancelled,
        };
        let (count, vals) = match buffer {
            Some(Buffer::Host(b)) => (b.progress, b.items.into()),
            _ => (0, Vec::new()),
        };
        Ok(Some(HostCopy {
            outcome,
            count,
            vals,
        }))
    }

    /// Cancels the copy in progress (`cancel_copy`): unless it has
    /// completed meanwhile, it ends as cancelled; [`Self::poll`] collects
    /// it either way.
    pub fn cancel(&mut self, store: &mut Store) -> Result<()> {
        let ce = end(store, self.end)?;
        if ce.state != CopyState::Copying {
            return Ok(());
        }
        let s = ce.shared;
        end_mut(store, self.end)?.state = CopyState::CancellingCopy;
        if !waitables::has_pending_event(store, WaitableRef::End(self.end))? {
            let sh = shared_mut(store, s)?;
            if sh.pending == Some(self.end) {
                sh.pending = None;
                waitables::set_pending_event(
                    store,
                    WaitableRef::End(self.end),
                    waitables::PendingEvent::Copy {
                        result: CopyResult::Cancelled,
                        reclaim: false,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Drops the end (`SharedStreamImpl.drop`): a copy of its own still
    /// waiting is withdrawn, and the other end's waiting copy ends as
    /// dropped.
    pub fn drop(self, store: &mut Store) -> Result<()> {
        let s = self.shared(store)?;
        let sh = shared_mut(store, s)?;
        if sh.pending == Some(self.end) {
            sh.pending = None;
        }
        store.trace(|store| {
            Event::new("host.drop").str("end", &super::streams::trace_end(store, self.end))
        });
        shared_drop(store, s)?;
        waitables::drop_waitable(store, WaitableRef::End(self.end))?;
        store.component.ends.remove(self.end.0);
        Ok(())
    }
}
