//! The structured trace (design principle "Observable"): one JSON object
//! per line for each Canonical ABI event a store goes through: embedder
//! calls, tasks and subtasks and their state changes, the values lifted and
//! lowered for them, thread switches, delivered events, stream and future
//! copies, handle-table changes and traps.
//!
//! Every line has an `"event"` member naming the event after the spec
//! (`task.start`, `subtask.state`, `thread.resume`, ...); the other members
//! are numbers, booleans or strings. Ids of tasks, subtasks and threads are
//! the store's own (stable for a given seed); handle indices are the guest's.
//! Tracing is off unless the embedder sets a sink ([`Store::set_trace`]),
//! and costs one branch per event when off.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use crate::runtime::store::Store;

/// A trace sink and the first error writing to it.
pub(crate) struct Trace {
    out: Box<dyn Write + Send>,
    error: Option<io::Error>,
}

/// An in-memory trace sink that can be read while a store writes to it
/// (for tests and embedders that post-process the trace).
#[derive(Clone, Default)]
pub struct TraceBuffer(Arc<Mutex<Vec<u8>>>);

impl TraceBuffer {
    pub fn new() -> TraceBuffer {
        TraceBuffer::default()
    }

    /// Everything written so far, as text (lossy for non-UTF-8, which the
    /// trace never writes).
    pub fn contents(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Empties the buffer.
    pub fn clear(&self) {
        if let Ok(mut b) = self.0.lock() {
            b.clear();
        }
    }
}

impl Write for TraceBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("trace buffer poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One trace line under construction: `{"event":"NAME", ...}`.
pub(crate) struct Event(String);

impl Event {
    pub(crate) fn new(name: &str) -> Event {
        let mut s = String::with_capacity(64);
        s.push_str("{\"event\":");
        push_json_string(&mut s, name);
        Event(s)
    }

    fn key(&mut self, k: &str) {
        self.0.push(',');
        push_json_string(&mut self.0, k);
        self.0.push(':');
    }

    /// A number member.
    pub(crate) fn num(mut self, k: &str, v: impl Into<u64>) -> Event {
        self.key(k);
        let _ = write!(self.0, "{}", v.into());
        self
    }

    /// A string member.
    pub(crate) fn str(mut self, k: &str, v: &str) -> Event {
        self.key(k);
        push_json_string(&mut self.0, v);
        self
    }

    /// A boolean member.
    pub(crate) fn bool(mut self, k: &str, v: bool) -> Event {
        self.key(k);
        self.0.push_str(if v { "true" } else { "false" });
        self
    }

    /// An array of strings: each item's `Display` form (component values
    /// print in WAVE style).
    pub(crate) fn list<T: std::fmt::Display>(mut self, k: &str, items: &[T]) -> Event {
        self.key(k);
        self.0.push('[');
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            push_json_string(&mut self.0, &v.to_string());
        }
        self.0.push(']');
        self
    }
}

/// `s` as a JSON string literal (for embedders adding their own lines).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl Store {
    /// Writes this store's trace (JSON lines, see [`crate::trace`]) to `out`
    /// from now on; `None` stops tracing.
    pub fn set_trace(&mut self, out: Option<Box<dyn Write + Send>>) {
        self.trace = out.map(|out| Trace { out, error: None });
    }

    /// Flushes the trace sink and returns the first error writing to it,
    /// if any (a failing sink does not stop the program; it stops the
    /// trace).
    pub fn finish_trace(&mut self) -> io::Result<()> {
        match self.trace.as_mut() {
            None => Ok(()),
            Some(t) => match t.error.take() {
                Some(e) => Err(e),
                None => t.out.flush(),
            },
        }
    }

    /// Adds an embedder's note to the trace (`{"event":"note","note":..}`),
    /// e.g. which script directive the following events belong to.
    pub fn trace_note(&mut self, note: &str) {
        self.trace(|_| Event::new("note").str("note", note));
    }

    /// Whether a trace is being written.
    #[inline]
    pub(crate) fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// Records the event `f` builds, if tracing.
    #[inline]
    pub(crate) fn trace(&mut self, f: impl FnOnce(&Store) -> Event) {
        if self.trace.is_some() {
            let Event(mut line) = f(self);
            line.push_str("}\n");
            if let Some(t) = self.trace.as_mut()
                && t.error.is_none()
                && let Err(e) = t.out.write_all(line.as_bytes())
            {
                t.error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_single_json_lines_with_escaped_strings() {
        let e = Event::new("x.y")
            .num("n", 7u32)
            .str("s", "a\"b\\c\nd\u{1}")
            .bool("b", true)
            .list("l", &["q", "r\""]);
        assert_eq!(
            e.0 + "}",
            r#"{"event":"x.y","n":7,"s":"a\"b\\c\nd\u0001","b":true,"l":["q","r\""]}"#
        );
    }

    #[test]
    fn a_store_writes_nothing_until_a_sink_is_set_and_then_one_line_per_event() {
        let engine = crate::Engine::default();
        let mut store = Store::new(&engine);
        store.trace(|_| Event::new("lost"));
        let buf = TraceBuffer::new();
        store.set_trace(Some(Box::new(buf.clone())));
        store.trace(|_| Event::new("a").num("i", 1u32));
        store.trace(|_| Event::new("b"));
        store.finish_trace().unwrap();
        assert_eq!(
            buf.contents(),
            "{\"event\":\"a\",\"i\":1}\n{\"event\":\"b\"}\n"
        );
    }

    #[test]
    fn a_failing_sink_is_reported_once_and_does_not_stop_the_store() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let engine = crate::Engine::default();
        let mut store = Store::new(&engine);
        store.set_trace(Some(Box::new(Broken)));
        store.trace(|_| Event::new("a"));
        store.trace(|_| Event::new("b"));
        assert_eq!(store.finish_trace().unwrap_err().to_string(), "disk full");
        assert!(store.finish_trace().is_ok());
    }
}
