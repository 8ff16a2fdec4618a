//! CanonicalABI.md, "Waitable State": `EventCode`, `Waitable` and
//! `WaitableSet`. A waitable is the waitable part of a subtask (later also
//! of stream and future ends); a waitable set lives in the store's arena and
//! is named by a handle of its instance. The spec's `pending_event` closure
//! is data here ([`PendingEvent`]), evaluated by [`get_pending_event`].

use super::concurrency::{Subtask, current_task};
use super::trap_if;
use crate::component::store::{EndId, SubtaskId, WsetId, internal};
use crate::error::Result;
use crate::runtime::store::Store;

/// `definitions.py::EventCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventCode {
    None = 0,
    Subtask = 1,
    StreamRead = 2,
    StreamWrite = 3,
    FutureRead = 4,
    FutureWrite = 5,
    TaskCancelled = 6,
}

/// `definitions.py::EventTuple`.
pub(crate) type EventTuple = (EventCode, u32, u32);

/// Traces an event as the guest receives it (`to`: `callback`, or
/// `memory` for `waitable-set.wait`/`poll` and `thread.yield` results).
pub(crate) fn trace_event(store: &mut Store, to: &str, (code, p1, p2): EventTuple) {
    store.trace(|store| {
        let e = crate::trace::Event::new("event")
            .str("code", &format!("{code:?}"))
            .num("index", p1)
            .num("payload", p2)
            .str("to", to);
        match super::concurrency::current_thread(store) {
            Ok(t) => e.num("thread", t.0),
            Err(_) => e,
        }
    });
}

/// Something a waitable set can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WaitableRef {
    Subtask(SubtaskId),
    End(EndId),
}

/// The closure a waitable's `pending_event` holds, as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PendingEvent {
    /// `canon_lower`'s `subtask_event`: the subtask's handle index.
    Subtask { index: u32 },
    /// `stream_event` or `future_event` with its bound arguments
    /// (`reclaim`: whether `reclaim_buffer` resets the pending copy).
    Copy {
        result: super::streams::CopyResult,
        reclaim: bool,
    },
}

/// `definitions.py::Waitable`.
#[derive(Debug, Default)]
pub(crate) struct Waitable {
    pub(crate) pending_event: Option<PendingEvent>,
    pub(crate) wset: Option<WsetId>,
    pub(crate) has_sync_waiter: bool,
}

/// The waitable part of `w`.
pub(crate) fn waitable(store: &Store, w: WaitableRef) -> Result<&Waitable> {
    match w {
        WaitableRef::Subtask(s) => Ok(&store.component.subtasks.get(s.0)?.waitable),
        WaitableRef::End(e) => Ok(&store.component.ends.get(e.0)?.waitable),
    }
}

/// The waitable part of `w`, mutably.
pub(crate) fn waitable_mut(store: &mut Store, w: WaitableRef) -> Result<&mut Waitable> {
    match w {
        WaitableRef::Subtask(s) => Ok(&mut store.component.subtasks.get_mut(s.0)?.waitable),
        WaitableRef::End(e) => Ok(&mut store.component.ends.get_mut(e.0)?.waitable),
    }
}

/// `Waitable.set_pending_event`.
pub(crate) fn set_pending_event(store: &mut Store, w: WaitableRef, e: PendingEvent) -> Result<()> {
    waitable_mut(store, w)?.pending_event = Some(e);
    Ok(())
}

/// `Waitable.has_pending_event`.
pub(crate) fn has_pending_event(store: &Store, w: WaitableRef) -> Result<bool> {
    Ok(waitable(store, w)?.pending_event.is_some())
}

/// `Waitable.get_pending_event`: takes the pending event and runs it.
pub(crate) fn get_pending_event(store: &mut Store, w: WaitableRef) -> Result<EventTuple> {
    let e = waitable_mut(store, w)?
        .pending_event
        .take()
        .ok_or_else(|| internal("no pending event"))?;
    match (e, w) {
        (PendingEvent::Subtask { index }, WaitableRef::Subtask(s)) => {
            // `subtask_event`: a resolved subtask's resolve is delivered
            // with the event that reports it.
            let st = store.component.subtasks.get(s.0)?;
            if st.resolved() && !st.resolve_delivered() {
                Subtask::deliver_resolve(store, s)?;
            }
            let state = store.component.subtasks.get(s.0)?.state as u32;
            Ok((EventCode::Subtask, index, state))
        }
        (PendingEvent::Copy { result, reclaim }, WaitableRef::End(e)) => {
            super::streams::copy_event(store, e, result, reclaim)
        }
        _ => Err(internal("a pending event of another waitable kind")),
    }
}

/// `Waitable.join`.
pub(crate) fn join(store: &mut Store, w: WaitableRef, wset: Option<WsetId>) -> Result<()> {
    if let Some(old) = waitable(store, w)?.wset {
        store
            .component
            .wsets
            .get_mut(old.0)?
            .elems
            .retain(|e| *e != w);
    }
    waitable_mut(store, w)?.wset = wset;
    if let Some(new) = wset {
        store.component.wsets.get_mut(new.0)?.elems.push(w);
    }
    Ok(())
}

/// `Waitable.drop`.
pub(crate) fn drop_waitable(store: &mut Store, w: WaitableRef) -> Result<()> {
    join(store, w, None)
}

/// `definitions.py::WaitableSet`.
#[derive(Debug, Default)]
pub(crate) struct WaitableSet {
    pub(crate) elems: Vec<WaitableRef>,
    pub(crate) num_waiting: u32,
}

impl WaitableSet {
    /// `WaitableSet.has_pending_event`.
    pub(crate) fn has_pending_event(store: &Store, wset: WsetId) -> Result<bool> {
        for w in &store.component.wsets.get(wset.0)?.elems {
            if has_pending_event(store, *w)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `WaitableSet.get_pending_event`: the spec shuffles the elements and
    /// takes the first with an event; which one is a choice of the store's
    /// `Nondet` (the deterministic profile takes the first joined).
    pub(crate) fn get_pending_event(store: &mut Store, wset: WsetId) -> Result<EventTuple> {
        let mut ready = Vec::new();
        for w in &store.component.wsets.get(wset.0)?.elems {
            if has_pending_event(store, *w)? {
                ready.push(*w);
            }
        }
        if ready.is_empty() {
            return Err(internal("no pending event in the waitable set"));
        }
        let pick = store.nondet.pick_pending_event(ready.len());
        get_pending_event(store, ready[pick])
    }

    /// `WaitableSet.poll`.
    pub(crate) fn poll(store: &mut Store, wset: WsetId, cancellable: bool) -> Result<EventTuple> {
        let task = current_task(store)?;
        if super::concurrency::Task::deliver_pending_cancel(store, task, cancellable)? {
            Ok((EventCode::TaskCancelled, 0, 0))
        } else if !WaitableSet::has_pending_event(store, wset)? {
            Ok((EventCode::None, 0, 0))
        } else {
            WaitableSet::get_pending_event(store, wset)
        }
    }

    /// `WaitableSet.drop`.
    pub(crate) fn drop(store: &mut Store, wset: WsetId) -> Result<()> {
        let s = store.component.wsets.get(wset.0)?;
        trap_if(
            !s.elems.is_empty(),
            "cannot drop a waitable set that still contains waitables",
        )?;
        trap_if(s.num_waiting > 0, "cannot drop waitable set with waiters")?;
        store.component.wsets.remove(wset.0);
        Ok(())
    }
}
