//! Exception handling (core spec, "Instructions › Control instructions",
//! `throw`, `throw_ref`, `try_table`; and the legacy `try`/`catch`/
//! `delegate`/`rethrow` of the exception-handling proposal).
//!
//! Translation gives every function with handlers a table of them
//! ([`Handler`]): the instruction range each covers, its enclosing handler,
//! and its catch clauses ([`CatchClause`]) in order. Unwinding walks the
//! thread's explicit frame stack in two phases: first it finds the
//! innermost handler that catches the exception without changing anything
//! (so an uncaught exception keeps its full backtrace), then it pops the
//! frames above that handler's frame, writes the payload where the catch's
//! label expects its values, and continues at the label. Traps never get
//! here: they are not exceptions.

use crate::error::TrapKind;
use crate::exec::instr::{Slot, Target};
use crate::exec::{ThreadState, gc};
use crate::runtime::heap::{Body, Heap};
use crate::runtime::store::Store;
use crate::values::{heap_index, heap_ref};

/// No handler (the function's outermost level).
pub(crate) const NO_HANDLER: u32 = u32::MAX;

/// What a handler does with an exception raised in its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandlerKind {
    /// Try these clauses (`catches[first..first + len]`) in order.
    Catches { first: u32, len: u32 },
    /// Legacy `delegate`: hand the exception to handler `to` of the same
    /// function (or, with [`NO_HANDLER`], to the caller).
    Delegate { to: u32 },
}

/// A `try_table` or legacy `try` block of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Handler {
    /// The instructions `[start, end)` it covers (its body only).
    pub(crate) start: Target,
    pub(crate) end: Target,
    /// The handler around it, or [`NO_HANDLER`].
    pub(crate) parent: u32,
    pub(crate) kind: HandlerKind,
}

/// One catch clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CatchClause {
    /// The module's tag index, or `None` for `catch_all`.
    pub(crate) tag: Option<u32>,
    /// `catch_ref`/`catch_all_ref`: the exception follows the payload.
    pub(crate) with_ref: bool,
    /// Where the payload goes.
    pub(crate) dst: Slot,
    /// Where execution continues.
    pub(crate) target: Target,
    /// Legacy `catch`: the hidden slot that keeps the exception for `rethrow`.
    pub(crate) exn_slot: Option<Slot>,
}

/// Allocates an exception package for tag `tag` (a store address) with the
/// payload at `ts.stack[at..]`.
pub(crate) fn new_exception(
    store: &mut Store,
    ts: &ThreadState,
    tag: u32,
    at: usize,
) -> Result<u64, TrapKind> {
    let n: usize = store.tags[tag as usize]
        .params()
        .iter()
        .map(|p| crate::types::val_slots(*p) as usize)
        .sum();
    gc::reserve(store, ts, Heap::cost(n as u64))?;
    let payload: Box<[u64]> = ts.stack[at..at + n].into();
    let index = store.heap.insert(Body::Exn { tag, payload })?;
    Ok(heap_ref(index))
}

/// The tag (store address) of an exception.
pub(crate) fn exception_tag(store: &Store, exn: u64) -> Option<u32> {
    match &store.heap.get(heap_index(exn)?)?.body {
        Body::Exn { tag, .. } => Some(*tag),
        _ => None,
    }
}

/// The innermost handler of `handlers` covering instruction `pc`. Handlers
/// are numbered in the order their blocks open, and ranges nest, so it is
/// the last one that covers `pc`.
fn innermost(handlers: &[Handler], pc: u32) -> u32 {
    handlers
        .iter()
        .rposition(|h| h.start <= pc && pc < h.end)
        .map_or(NO_HANDLER, |i| i as u32)
}

/// Phase one: the frame (index into `ts.frames`) and clause that catch an
/// exception of tag `tag` thrown at the top frame's current instruction.
fn find(store: &Store, ts: &ThreadState, tag: u32) -> Option<(usize, CatchClause)> {
    for (fi, f) in ts.frames.iter().enumerate().rev() {
        let inst = &store.instances[f.instance as usize];
        let code = &inst.module.funcs[f.func as usize];
        if code.handlers.is_empty() {
            continue;
        }
        // Frames record the instruction after the throw or call.
        let mut h = innermost(&code.handlers, f.pc.saturating_sub(1));
        while h != NO_HANDLER {
            let handler = code.handlers[h as usize];
            match handler.kind {
                HandlerKind::Delegate { to } => {
                    h = to;
                    continue;
                }
                HandlerKind::Catches { first, len } => {
                    for c in &code.catches[first as usize..(first + len) as usize] {
                        let hit = match c.tag {
                            None => true,
                            Some(t) => inst.tags[t as usize] == tag,
                        };
                        if hit {
                            return Some((fi, *c));
                        }
                    }
                }
            }
            h = handler.parent;
        }
    }
    None
}

/// Throws exception `exn` from the top frame of `ts`: on `true`, the frames
/// above the catching one are gone and the catching frame's pc is the
/// handler; on `false` nothing caught it and the frames are untouched.
pub(crate) fn unwind(store: &Store, ts: &mut ThreadState, exn: u64) -> bool {
    let Some(Body::Exn { tag, payload }) = heap_index(exn)
        .and_then(|i| store.heap.get(i))
        .map(|o| &o.body)
    else {
        return false;
    };
    let Some((fi, clause)) = find(store, ts, *tag) else {
        return false;
    };
    ts.frames.truncate(fi + 1);
    let frame = ts.frames.last_mut().expect("the catching frame");
    frame.pc = clause.target;
    let fp = frame.fp as usize;
    let mut at = fp + clause.dst as usize;
    if clause.tag.is_some() {
        ts.stack[at..at + payload.len()].copy_from_slice(payload);
        at += payload.len();
    }
    if clause.with_ref {
        ts.stack[at] = exn;
    }
    if let Some(slot) = clause.exn_slot {
        ts.stack[fp + slot as usize] = exn;
    }
    true
}
