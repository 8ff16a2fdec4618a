//! CanonicalABI.md, "Buffer State", "Stream State" and "Future State", and
//! the 🔀 `stream.*`/`future.*` built-ins of "Canonical Definitions".
//!
//! The spec's `SharedStreamImpl` and `SharedFutureImpl` are one
//! [`Shared`] (its ends' kinds say which), in the store's arena; their
//! `pending_inst`/`pending_buffer`/`pending_on_copy(_done)` are the end
//! that is waiting ([`Shared::pending`]), whose buffer and callbacks live in
//! that end: `on_copy` and `on_copy_done` set the end's pending event
//! ([`PendingEvent::Copy`]), which `stream_event`/`future_event` compute
//! when it is delivered.

use std::sync::Arc;

use super::abi::{align_to, alignment, elem_size};
use super::canon::BuiltinResult;
use super::concurrency::{AfterBlock, BuiltinBlock, ReadyFunc, Thread, Wait, current_thread};
use super::context::LiftLowerContext;
use super::host_streams::HostBuffer;
use super::instance::check_may_leave;
use super::load::load_list_from_valid_range;
use super::options::CanonicalOptions;
use super::resources::{HandleElem, add_handle_elem, remove_handle_elem};
use super::storing::store_list_into_valid_range;
use super::waitables::{self, EventCode, EventTuple, PendingEvent, Waitable, WaitableRef};
use super::{trap, trap_if};
use crate::component::store::{EndId, InstanceId, SharedId, internal};
use crate::component::types::ValType;
use crate::component::values::Val;
use crate::error::Result;
use crate::runtime::store::Store;
use crate::trace::Event;
use crate::values::Val as CoreVal;

/// `definitions.py::CopyResult`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CopyResult {
    Completed = 0,
    Dropped = 1,
    Cancelled = 2,
}

/// `definitions.py::CopyState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CopyState {
    Idle,
    Copying,
    CancellingCopy,
    Done,
}

/// Which end class a [`CopyEnd`] is: `ReadableStreamEnd`,
/// `WritableStreamEnd`, `ReadableFutureEnd` or `WritableFutureEnd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndKind {
    ReadableStream,
    WritableStream,
    ReadableFuture,
    WritableFuture,
}

impl EndKind {
    fn name(self) -> &'static str {
        match self {
            EndKind::ReadableStream => "readable stream end",
            EndKind::WritableStream => "writable stream end",
            EndKind::ReadableFuture => "readable future end",
            EndKind::WritableFuture => "writable future end",
        }
    }

    fn is_future(self) -> bool {
        matches!(self, EndKind::ReadableFuture | EndKind::WritableFuture)
    }

    fn event_code(self) -> EventCode {
        match self {
            EndKind::ReadableStream => EventCode::StreamRead,
            EndKind::WritableStream => EventCode::StreamWrite,
            EndKind::ReadableFuture => EventCode::FutureRead,
            EndKind::WritableFuture => EventCode::FutureWrite,
        }
    }

    /// `stream` or `future`, for messages.
    fn what(self) -> &'static str {
        if self.is_future() { "future" } else { "stream" }
    }
}

/// The values a buffer reads or writes: values, or a count of units for a
/// stream or future without an element type.
#[derive(Debug)]
pub(crate) enum Elems {
    Vals(Vec<Val>),
    Units(u64),
}

/// `definitions.py::BufferGuestImpl` (both `ReadableBufferGuestImpl` and
/// `WritableBufferGuestImpl`: which one is the end's direction).
#[derive(Debug)]
pub(crate) struct GuestBuffer {
    t: Option<ValType>,
    cx: LiftLowerContext,
    ptr: u64,
    pub(crate) progress: u64,
    length: u64,
}

impl GuestBuffer {
    /// `Buffer.MAX_LENGTH`.
    pub(crate) const MAX_LENGTH: u64 = (1 << 28) - 1;

    /// `BufferGuestImpl.__init__`.
    fn new(
        store: &Store,
        t: Option<ValType>,
        cx: LiftLowerContext,
        ptr: u64,
        length: u64,
    ) -> Result<GuestBuffer> {
        trap_if(
            length > Self::MAX_LENGTH,
            "the buffer's length exceeds the maximum of 2^28 - 1 elements",
        )?;
        if let Some(t) = &t
            && length > 0
        {
            let ptr_type = cx.ptr_type();
            trap_if(
                ptr != align_to(ptr, alignment(t, ptr_type)),
                "the buffer's pointer is not aligned for its element type",
            )?;
            let len = cx.memory()?.bytes(store).len() as u64;
            let end = ptr.checked_add(length.saturating_mul(elem_size(t, ptr_type)));
            trap_if(
                end.is_none_or(|e| e > len),
                "the buffer is out of bounds of memory",
            )?;
        }
        Ok(GuestBuffer {
            t,
            cx,
            ptr,
            progress: 0,
            length,
        })
    }

    /// `BufferGuestImpl.remain`.
    fn remain(&self) -> u64 {
        self.length - self.progress
    }

    /// `BufferGuestImpl.is_zero_length`.
    fn is_zero_length(&self) -> bool {
        self.length == 0
    }

    /// `ReadableBufferGuestImpl.read`.
    fn read(&mut self, store: &mut Store, n: u64) -> Result<Elems> {
        let vs = match &self.t {
            Some(t) => {
                let vs = load_list_from_valid_range(&self.cx, store, self.ptr, n, t)?;
                self.ptr += n * elem_size(t, self.cx.ptr_type());
                Elems::Vals(vs)
            }
            None => Elems::Units(n),
        };
        self.progress += n;
        Ok(vs)
    }

    /// `WritableBufferGuestImpl.write`.
    fn write(&mut self, store: &mut Store, vs: Elems) -> Result<()> {
        let n = match (&self.t, vs) {
            (Some(t), Elems::Vals(vs)) => {
                store_list_into_valid_range(&self.cx, store, &vs, self.ptr, t)?;
                self.ptr += vs.len() as u64 * elem_size(t, self.cx.ptr_type());
                vs.len() as u64
            }
            (None, Elems::Units(n)) => n,
            _ => return Err(internal("buffer element kinds differ")),
        };
        self.progress += n;
        Ok(())
    }
}

/// `definitions.py::ReadableBuffer`/`WritableBuffer`: a guest's
/// ([`GuestBuffer`]) or the host's ([`HostBuffer`]).
#[derive(Debug)]
pub(crate) enum Buffer {
    Guest(GuestBuffer),
    Host(HostBuffer),
}

impl Buffer {
    /// `Buffer.remain`.
    fn remain(&self) -> u64 {
        match self {
            Buffer::Guest(b) => b.remain(),
            Buffer::Host(b) => b.remain(),
        }
    }

    /// `Buffer.is_zero_length`.
    fn is_zero_length(&self) -> bool {
        match self {
            Buffer::Guest(b) => b.is_zero_length(),
            Buffer::Host(b) => b.is_zero_length(),
        }
    }

    /// How many elements were copied.
    fn progress(&self) -> u64 {
        match self {
            Buffer::Guest(b) => b.progress,
            Buffer::Host(b) => b.progress,
        }
    }

    /// `ReadableBuffer.read`.
    fn read(&mut self, store: &mut Store, n: u64) -> Result<Elems> {
        match self {
            Buffer::Guest(b) => b.read(store, n),
            Buffer::Host(b) => b.read(n),
        }
    }

    /// `WritableBuffer.write`.
    fn write(&mut self, store: &mut Store, vs: Elems) -> Result<()> {
        match self {
            Buffer::Guest(b) => b.write(store, vs),
            Buffer::Host(b) => b.write(vs),
        }
    }
}

/// `definitions.py::SharedStreamImpl` and `SharedFutureImpl`.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) t: Option<ValType>,
    pub(crate) dropped: bool,
    /// The end whose copy waits for the other side (`pending_inst`,
    /// `pending_buffer`, `pending_on_copy(_done)` are that end's).
    pub(crate) pending: Option<EndId>,
}

/// `definitions.py::CopyEnd` and its four subclasses.
#[derive(Debug)]
pub(crate) struct CopyEnd {
    pub(crate) waitable: Waitable,
    pub(crate) state: CopyState,
    pub(crate) shared: SharedId,
    pub(crate) kind: EndKind,
    /// The buffer of the copy in progress, and the instance copying (none
    /// for the host's ends).
    pub(super) buffer: Option<Buffer>,
    pub(super) inst: Option<InstanceId>,
    /// The handle index the copy in progress was made through (what its
    /// event reports).
    index: u32,
}

impl CopyEnd {
    pub(super) fn new(shared: SharedId, kind: EndKind) -> CopyEnd {
        CopyEnd {
            waitable: Waitable::default(),
            state: CopyState::Idle,
            shared,
            kind,
            buffer: None,
            inst: None,
            index: 0,
        }
    }

    /// `CopyEnd.copying`.
    pub(crate) fn copying(&self) -> bool {
        matches!(self.state, CopyState::Copying | CopyState::CancellingCopy)
    }
}

/// `definitions.py::none_or_number_type`.
fn none_or_number_type(t: &Option<ValType>) -> bool {
    matches!(
        t,
        None | Some(
            ValType::U8
                | ValType::U16
                | ValType::U32
                | ValType::U64
                | ValType::S8
                | ValType::S16
                | ValType::S32
                | ValType::S64
                | ValType::F32
                | ValType::F64
        )
    )
}

pub(super) fn end(store: &Store, e: EndId) -> Result<&CopyEnd> {
    store.component.ends.get(e.0)
}

pub(super) fn end_mut(store: &mut Store, e: EndId) -> Result<&mut CopyEnd> {
    store.component.ends.get_mut(e.0)
}

pub(super) fn shared_mut(store: &mut Store, s: SharedId) -> Result<&mut Shared> {
    store.component.shared.get_mut(s.0)
}

/// `pending_on_copy` / `on_copy` of `stream_copy`: a partial copy into or
/// out of `e`'s buffer, which stays pending until the event is delivered.
fn on_copy(store: &mut Store, e: EndId) -> Result<()> {
    waitables::set_pending_event(
        store,
        WaitableRef::End(e),
        PendingEvent::Copy {
            result: CopyResult::Completed,
            reclaim: true,
        },
    )
}

/// `on_copy_done` of `stream_copy`/`future_copy`.
fn on_copy_done(store: &mut Store, e: EndId, result: CopyResult) -> Result<()> {
    store.trace(|store| {
        Event::new("copy.done")
            .str("end", &trace_end(store, e))
            .str("result", &format!("{result:?}"))
    });
    waitables::set_pending_event(
        store,
        WaitableRef::End(e),
        PendingEvent::Copy {
            result,
            reclaim: false,
        },
    )
}

/// `SharedStreamImpl.reset_and_notify_pending`.
fn reset_and_notify_pending(store: &mut Store, s: SharedId, result: CopyResult) -> Result<()> {
    if let Some(p) = shared_mut(store, s)?.pending.take() {
        on_copy_done(store, p, result)?;
    }
    Ok(())
}

/// The intra-component rule shared by `read` and `write` (marked
/// temporary in the spec).
fn check_intra_component(store: &Store, s: &Shared, e: EndId, p: EndId) -> Result<()> {
    let kind = end(store, e)?.kind;
    trap_if(
        end(store, e)?.inst == end(store, p)?.inst && !none_or_number_type(&s.t),
        &format!(
            "cannot read from and write to intra-component {} of a non-number type",
            kind.what()
        ),
    )
}

/// Copies `n` elements from `src`'s buffer to `dst`'s.
fn copy_between(store: &mut Store, src: EndId, dst: EndId, n: u64) -> Result<()> {
    let mut sb = end_mut(store, src)?
        .buffer
        .take()
        .ok_or_else(|| internal("copy without a source buffer"))?;
    let vs = sb.read(store, n);
    end_mut(store, src)?.buffer = Some(sb);
    let vs = vs?;
    store.trace(|store| {
        let e = Event::new("copy")
            .str("from", &trace_end(store, src))
            .str("to", &trace_end(store, dst))
            .num("n", n);
        match &vs {
            Elems::Vals(vs) => e.list("values", vs),
            Elems::Units(_) => e,
        }
    });
    let mut db = end_mut(store, dst)?
        .buffer
        .take()
        .ok_or_else(|| internal("copy without a destination buffer"))?;
    let r = db.write(store, vs);
    end_mut(store, dst)?.buffer = Some(db);
    r
}

pub(super) fn remain(store: &Store, e: EndId) -> Result<u64> {
    Ok(end(store, e)?.buffer.as_ref().map_or(0, |b| b.remain()))
}

fn is_zero_length(store: &Store, e: EndId) -> Result<bool> {
    Ok(end(store, e)?
        .buffer
        .as_ref()
        .is_none_or(|b| b.is_zero_length()))
}

/// `SharedStreamImpl.read` (`e` reads) and `SharedStreamImpl.write` (`e`
/// writes).
pub(super) fn stream_rw(store: &mut Store, s: SharedId, e: EndId, reading: bool) -> Result<()> {
    let sh = store.component.shared.get(s.0)?;
    if sh.dropped {
        return on_copy_done(store, e, CopyResult::Dropped);
    }
    let Some(p) = sh.pending else {
        shared_mut(store, s)?.pending = Some(e);
        return Ok(());
    };
    check_intra_component(store, store.component.shared.get(s.0)?, e, p)?;
    if remain(store, p)? > 0 {
        if remain(store, e)? > 0 {
            let n = remain(store, e)?.min(remain(store, p)?);
            if reading {
                copy_between(store, p, e, n)?;
            } else {
                copy_between(store, e, p, n)?;
            }
            on_copy(store, p)?;
        }
        on_copy_done(store, e, CopyResult::Completed)
    } else if !reading && is_zero_length(store, e)? && is_zero_length(store, p)? {
        on_copy_done(store, e, CopyResult::Completed)
    } else {
        reset_and_notify_pending(store, s, CopyResult::Completed)?;
        shared_mut(store, s)?.pending = Some(e);
        Ok(())
    }
}

/// `SharedFutureImpl.read` (`e` reads) and `SharedFutureImpl.write` (`e`
/// writes).
pub(super) fn future_rw(store: &mut Store, s: SharedId, e: EndId, reading: bool) -> Result<()> {
    let sh = store.component.shared.get(s.0)?;
    if !reading && sh.dropped {
        return on_copy_done(store, e, CopyResult::Dropped);
    }
    let Some(p) = sh.pending else {
        shared_mut(store, s)?.pending = Some(e);
        return Ok(());
    };
    check_intra_component(store, store.component.shared.get(s.0)?, e, p)?;
    if reading {
        copy_between(store, p, e, 1)?;
    } else {
        copy_between(store, e, p, 1)?;
    }
    reset_and_notify_pending(store, s, CopyResult::Completed)?;
    on_copy_done(store, e, CopyResult::Completed)
}

/// `SharedStreamImpl.drop` / `SharedFutureImpl.drop`. The second drop is
/// the last end's (an end in transit between components cannot be
/// dropped; a host end is an end too), so the shared state then leaves the
/// store's arena.
pub(super) fn shared_drop(store: &mut Store, s: SharedId) -> Result<()> {
    let sh = shared_mut(store, s)?;
    if !sh.dropped {
        sh.dropped = true;
        if sh.pending.is_some() {
            reset_and_notify_pending(store, s, CopyResult::Dropped)?;
        }
    } else {
        store.component.shared.remove(s.0);
    }
    Ok(())
}

/// How the trace names an end: `readable-stream 3` (the shared state's
/// id, which both ends of a stream or future show).
pub(crate) fn trace_end(store: &Store, e: EndId) -> String {
    match end(store, e) {
        Ok(ce) => format!("{} {}", ce.kind.name(), ce.shared.0),
        Err(_) => "end".into(),
    }
}

/// Runs an end's pending event: `stream_event` or `future_event`.
pub(crate) fn copy_event(
    store: &mut Store,
    e: EndId,
    result: CopyResult,
    reclaim: bool,
) -> Result<EventTuple> {
    let ce = end(store, e)?;
    let (kind, s, index) = (ce.kind, ce.shared, ce.index);
    if reclaim {
        // `reclaim_buffer` = the shared state's `reset_pending`.
        let sh = shared_mut(store, s)?;
        if sh.pending == Some(e) {
            sh.pending = None;
        }
    }
    let ce = end_mut(store, e)?;
    let progress = ce.buffer.as_ref().map_or(0, |b| b.progress());
    let payload = if kind.is_future() {
        ce.state = if matches!(result, CopyResult::Dropped | CopyResult::Completed) {
            CopyState::Done
        } else {
            CopyState::Idle
        };
        result as u32
    } else {
        ce.state = if result == CopyResult::Dropped {
            CopyState::Done
        } else {
            CopyState::Idle
        };
        result as u32 | ((progress as u32) << 4)
    };
    ce.buffer = None;
    Ok((kind.event_code(), index, payload))
}

/// The end a handle names, of the given class and element type
/// (`trap_if(not isinstance(e, EndT))`, `trap_if(e.shared.t != t)`).
fn check_end(
    store: &Store,
    h: &HandleElem,
    i: u32,
    kind: EndKind,
    t: Option<&ValType>,
) -> Result<EndId> {
    let e = match h {
        HandleElem::End(e) if end(store, *e)?.kind == kind => *e,
        _ => return trap(format!("handle index {i} is not a {}", kind.name())),
    };
    let s = end(store, e)?.shared;
    trap_if(
        store.component.shared.get(s.0)?.t.as_ref() != t,
        &format!(
            "the {} at handle index {i} has another element type",
            kind.name()
        ),
    )?;
    Ok(e)
}

/// The end at handle index `i` of `inst` (see [`check_end`]).
fn end_at(
    store: &Store,
    inst: InstanceId,
    i: u32,
    kind: EndKind,
    t: &Option<ValType>,
) -> Result<EndId> {
    let h = store.component.inst(inst)?.handles.get(i)?;
    check_end(store, h, i, kind, t.as_ref())
}

/// Removes the end at handle index `i` of `inst` from its table, then
/// checks it (the spec's order: `handles.remove(i)` first).
fn remove_end(
    store: &mut Store,
    inst: InstanceId,
    i: u32,
    kind: EndKind,
    t: Option<&ValType>,
) -> Result<EndId> {
    let h = remove_handle_elem(store, inst, i)?;
    check_end(store, &h, i, kind, t)
}

/// Implements `definitions.py::canon_stream_new` and `canon_future_new`:
/// both ends in one `i64`.
pub(crate) fn canon_new(store: &mut Store, t: Option<ValType>, future: bool) -> Result<u64> {
    let inst = super::concurrency::current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    let shared = SharedId(store.component.shared.insert(Shared {
        t,
        dropped: false,
        pending: None,
    }));
    let (rk, wk) = if future {
        (EndKind::ReadableFuture, EndKind::WritableFuture)
    } else {
        (EndKind::ReadableStream, EndKind::WritableStream)
    };
    let r = EndId(store.component.ends.insert(CopyEnd::new(shared, rk)));
    let w = EndId(store.component.ends.insert(CopyEnd::new(shared, wk)));
    let ri = add_handle_elem(store, inst, HandleElem::End(r))?;
    let wi = add_handle_elem(store, inst, HandleElem::End(w))?;
    Ok(ri as u64 | ((wi as u64) << 32))
}

/// Implements `definitions.py::stream_copy` (`n` given) and `future_copy`
/// (`n` is `None`): `canon_{stream,future}_{read,write}`.
pub(crate) fn canon_copy(
    store: &mut Store,
    kind: EndKind,
    t: &Option<ValType>,
    opts: &Arc<CanonicalOptions>,
    i: u32,
    ptr: u64,
    n: Option<u64>,
) -> Result<BuiltinResult> {
    let thread = current_thread(store)?;
    let inst = super::concurrency::current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    let e = end_at(store, inst, i, kind, t)?;
    let ce = end(store, e)?;
    if ce.state != CopyState::Idle {
        let why = match (ce.state, kind) {
            (CopyState::Done, EndKind::ReadableStream) => {
                "cannot read from stream after being notified that the writable end dropped"
            }
            (CopyState::Done, EndKind::WritableStream) => {
                "cannot write to stream after being notified that the readable end dropped"
            }
            (CopyState::Done, EndKind::ReadableFuture) => {
                "cannot read from future after previous read succeeded"
            }
            (CopyState::Done, EndKind::WritableFuture) => {
                "cannot write to future after previous write succeeded or readable end dropped"
            }
            _ => {
                "cannot have concurrent operations active on a future/stream (a copy is already in progress on this end)"
            }
        };
        return trap(why);
    }
    trap_if(
        ce.waitable.wset.is_some() && !opts.async_,
        "waitable cannot be used synchronously while added to a waitable set",
    )?;
    let s = ce.shared;
    let cx = LiftLowerContext::new(store, opts.clone(), inst, None);
    let buffer = GuestBuffer::new(store, t.clone(), cx, ptr, n.unwrap_or(1))?;
    let ce = end_mut(store, e)?;
    ce.state = CopyState::Copying;
    ce.buffer = Some(Buffer::Guest(buffer));
    ce.inst = Some(inst);
    ce.index = i;
    let reading = matches!(kind, EndKind::ReadableStream | EndKind::ReadableFuture);
    store.trace(|store| {
        Event::new(if reading { "copy.read" } else { "copy.write" })
            .str("end", &trace_end(store, e))
            .num("index", i)
            .num("n", n.unwrap_or(1))
            .bool("async", opts.async_)
    });
    if kind.is_future() {
        future_rw(store, s, e, reading)?;
    } else {
        stream_rw(store, s, e, reading)?;
    }
    finish_or_block(store, thread, e, i, opts.async_)
}

/// The end of `stream_copy`/`future_copy`/`cancel_copy`: the end's event
/// if it has one; otherwise `BLOCKED`, or (synchronously) wait for it.
fn finish_or_block(
    store: &mut Store,
    thread: crate::component::store::ThreadId,
    e: EndId,
    i: u32,
    async_: bool,
) -> Result<BuiltinResult> {
    let w = WaitableRef::End(e);
    if !waitables::has_pending_event(store, w)? {
        if async_ {
            return Ok(BuiltinResult::Return(vec![CoreVal::I32(
                super::canon_async::BLOCKED as i32,
            )]));
        }
        // `e.wait_for_pending_event()`
        waitables::waitable_mut(store, w)?.has_sync_waiter = true;
        if let Wait::Block(block) =
            Thread::wait_until(store, thread, ReadyFunc::PendingEvent(w), false)?
        {
            return Ok(BuiltinResult::Block(BuiltinBlock {
                block,
                after: AfterBlock::CopyDone { end: e, index: i },
            }));
        }
    }
    Ok(BuiltinResult::Return(finish_copy(store, e, i)?))
}

/// After `wait_for_pending_event`: the event's payload is the result.
pub(crate) fn finish_copy(store: &mut Store, e: EndId, i: u32) -> Result<Vec<CoreVal>> {
    let w = WaitableRef::End(e);
    waitables::waitable_mut(store, w)?.has_sync_waiter = false;
    let (_, index, payload) = waitables::get_pending_event(store, w)?;
    if index != i {
        return Err(internal("copy event of another index"));
    }
    Ok(vec![CoreVal::I32(payload as i32)])
}

/// Implements `definitions.py::cancel_copy`:
/// `canon_{stream,future}_cancel_{read,write}`.
pub(crate) fn canon_cancel_copy(
    store: &mut Store,
    kind: EndKind,
    t: &Option<ValType>,
    async_: bool,
    i: u32,
) -> Result<BuiltinResult> {
    let thread = current_thread(store)?;
    let inst = super::concurrency::current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    let e = end_at(store, inst, i, kind, t)?;
    let ce = end(store, e)?;
    trap_if(
        ce.state != CopyState::Copying || ce.waitable.has_sync_waiter,
        &format!("cancelling a {} that has no copy in progress", kind.name()),
    )?;
    trap_if(
        ce.waitable.wset.is_some() && !async_,
        "waitable cannot be used synchronously while added to a waitable set",
    )?;
    let s = ce.shared;
    end_mut(store, e)?.state = CopyState::CancellingCopy;
    store.trace(|store| {
        Event::new("copy.cancel")
            .str("end", &trace_end(store, e))
            .num("index", i)
            .bool("async", async_)
    });
    if !waitables::has_pending_event(store, WaitableRef::End(e))? {
        reset_and_notify_pending(store, s, CopyResult::Cancelled)?;
    }
    finish_or_block(store, thread, e, i, async_)
}

/// Implements `definitions.py::drop` (`canon_{stream,future}_drop_*`).
pub(crate) fn canon_drop(
    store: &mut Store,
    kind: EndKind,
    t: &Option<ValType>,
    i: u32,
) -> Result<()> {
    let inst = super::concurrency::current_instance(store)?;
    check_may_leave(&store.component, inst)?;
    let e = remove_end(store, inst, i, kind, t.as_ref())?;
    let ce = end(store, e)?;
    let s = ce.shared;
    if kind == EndKind::WritableFuture {
        trap_if(
            ce.state != CopyState::Done,
            "cannot drop future write end without first writing a value",
        )?;
    }
    trap_if(
        ce.copying(),
        &format!("cannot drop busy {} (a copy is in progress)", kind.what()),
    )?;
    shared_drop(store, s)?;
    waitables::drop_waitable(store, WaitableRef::End(e))?;
    store.component.ends.remove(e.0);
    Ok(())
}

/// Implements `definitions.py::lift_async_value`: the readable end leaves
/// the instance's table, and its shared state travels.
pub(crate) fn lift_async_value(
    store: &mut Store,
    inst: InstanceId,
    i: u32,
    kind: EndKind,
    t: Option<&ValType>,
) -> Result<crate::component::values::AsyncValue> {
    let e = remove_end(store, inst, i, kind, t)?;
    let ce = end(store, e)?;
    let s = ce.shared;
    match ce.state {
        CopyState::Idle => {}
        CopyState::Done if kind.is_future() => {
            return trap("cannot lift future after previous read succeeded");
        }
        CopyState::Done => {
            return trap("cannot lift stream after being notified that the writable end dropped");
        }
        _ => {
            return trap(format!(
                "cannot lift a {} while a copy is in progress",
                kind.what()
            ));
        }
    }
    trap_if(
        ce.waitable.wset.is_some(),
        &format!("cannot lift {} while it's in a waitable set", kind.what()),
    )?;
    store.component.ends.remove(e.0);
    Ok(crate::component::values::AsyncValue { shared: s.0 })
}

/// Implements `definitions.py::lower_stream`/`lower_future`: a new readable
/// end of the shared state in the receiving instance.
pub(crate) fn lower_async_value(
    store: &mut Store,
    inst: InstanceId,
    v: crate::component::values::AsyncValue,
    kind: EndKind,
) -> Result<u32> {
    let shared = SharedId(v.shared);
    store.component.shared.get(shared.0)?;
    let e = EndId(store.component.ends.insert(CopyEnd::new(shared, kind)));
    add_handle_elem(store, inst, HandleElem::End(e))
}
