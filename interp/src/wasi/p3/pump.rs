//! The background host tasks behind WASI 0.3's streams: a [`ReadPump`]
//! fills a stream the guest reads from a [`Source`] (stdin, a file, a
//! directory listing), a [`WritePump`] drains a stream the guest writes
//! into a [`Sink`] (stdout, stderr, a file). Each ends by writing
//! `result<_, error-code>` to the future that comes with its stream.

use super::host_trap;
use crate::component::{CopyOutcome, HostEnd, HostTask, TaskPoll, Val};
use crate::error::Trap;
use crate::runtime::store::Store;
use crate::wasi::MAX_CHUNK;

/// Where a [`ReadPump`] gets values.
pub(super) trait Source: Send {
    /// Whether reading now is allowed; `block` says the store has nothing
    /// else to run (so a read that may block the host may happen).
    fn ready(&self, store: &mut Store, block: bool) -> Result<bool, Trap>;

    /// Up to `want` values (an empty list: the source is over), or the
    /// `error-code` value that ends the stream.
    fn read(&mut self, store: &mut Store, want: u64) -> Result<Result<Vec<Val>, Val>, Trap>;
}

/// Where a [`WritePump`] puts the values the guest wrote.
pub(super) trait Sink: Send {
    /// Writes all of `vals`, or gives the `error-code` value that ends
    /// the stream.
    fn write(&mut self, store: &mut Store, vals: Vec<Val>) -> Result<Result<(), Val>, Trap>;
}

/// The future reporting how a stream ended: written once the stream is
/// over, dropped once the guest has the value (or dropped its end).
pub(super) struct ResultFuture {
    end: Option<HostEnd>,
    /// `None` (success) or an error code; set before the stream ends.
    error: Option<Val>,
    written: bool,
}

impl ResultFuture {
    pub(super) fn new(end: HostEnd) -> ResultFuture {
        ResultFuture {
            end: Some(end),
            error: None,
            written: false,
        }
    }

    /// The result of a stream that ends at once with `code`: the host's
    /// end `data` is dropped, and the error goes to the future.
    pub(super) fn failed(
        store: &mut Store,
        data: HostEnd,
        result: HostEnd,
        code: Val,
    ) -> Result<ResultFuture, Trap> {
        let mut r = ResultFuture::new(result);
        r.error = Some(code);
        close_stream(store, &mut Some(data), &mut r)?;
        Ok(r)
    }

    /// Writes the result and waits for the write to complete.
    fn poll(&mut self, store: &mut Store) -> Result<TaskPoll, Trap> {
        let Some(end) = &mut self.end else {
            return Ok(TaskPoll::Done);
        };
        let mut progress = false;
        if !self.written {
            let v = Val::Result(match self.error.take() {
                None => Ok(None),
                Some(code) => Err(Some(Box::new(code))),
            });
            end.write(store, vec![v]).map_err(host_trap)?;
            self.written = true;
            progress = true;
        }
        if end.poll(store).map_err(host_trap)?.is_some() {
            if let Some(end) = self.end.take() {
                end.drop(store).map_err(host_trap)?;
            }
            return Ok(TaskPoll::Done);
        }
        Ok(progress_or_idle(progress))
    }
}

/// A [`ResultFuture`] alone (a stream that failed at once) is a task
/// until the guest has its value.
impl HostTask for ResultFuture {
    fn poll(&mut self, store: &mut Store, _block: bool) -> Result<TaskPoll, Trap> {
        ResultFuture::poll(self, store)
    }
}

/// Drops the host's end of a stream and starts reporting the result.
fn close_stream(
    store: &mut Store,
    data: &mut Option<HostEnd>,
    result: &mut ResultFuture,
) -> Result<TaskPoll, Trap> {
    if let Some(data) = data.take() {
        data.drop(store).map_err(host_trap)?;
    }
    result.poll(store)?;
    Ok(TaskPoll::Progress)
}

fn progress_or_idle(progress: bool) -> TaskPoll {
    if progress {
        TaskPoll::Progress
    } else {
        TaskPoll::Idle
    }
}

/// Drains a guest's stream into a [`Sink`], at most `MAX_CHUNK` values
/// at a time.
pub(super) struct WritePump<S> {
    sink: S,
    data: Option<HostEnd>,
    result: ResultFuture,
}

impl<S: Sink> WritePump<S> {
    /// A pump from `data` (the host's readable end) into `sink`,
    /// reporting to `result`. It starts reading at once, so a guest's
    /// write already waiting completes now.
    pub(super) fn new(
        store: &mut Store,
        sink: S,
        data: HostEnd,
        result: HostEnd,
    ) -> Result<WritePump<S>, Trap> {
        let mut pump = WritePump {
            sink,
            data: Some(data),
            result: ResultFuture::new(result),
        };
        pump.poll(store, false)?;
        Ok(pump)
    }
}

impl<S: Sink> HostTask for WritePump<S> {
    fn poll(&mut self, store: &mut Store, _block: bool) -> Result<TaskPoll, Trap> {
        let Some(data) = &mut self.data else {
            return self.result.poll(store);
        };
        let mut progress = false;
        let mut close = false;
        if let Some(copy) = data.poll(store).map_err(host_trap)? {
            progress = true;
            if !copy.vals.is_empty()
                && let Err(code) = self.sink.write(store, copy.vals)?
            {
                self.result.error = Some(code);
            }
            close = copy.outcome == CopyOutcome::Dropped || self.result.error.is_some();
        }
        if close {
            return close_stream(store, &mut self.data, &mut self.result);
        }
        if !data.is_copying(store).map_err(host_trap)? {
            data.read(store, MAX_CHUNK).map_err(host_trap)?;
            progress = true;
        }
        Ok(progress_or_idle(progress))
    }
}

/// Fills a stream the guest reads from a [`Source`], when the guest
/// waits to read and as much as it asked for (at most `MAX_CHUNK`
/// values).
pub(super) struct ReadPump<S> {
    source: S,
    data: Option<HostEnd>,
    result: ResultFuture,
}

impl<S: Source> ReadPump<S> {
    /// A pump from `source` into `data` (the host's writable end),
    /// reporting to `result`.
    pub(super) fn new(source: S, data: HostEnd, result: HostEnd) -> ReadPump<S> {
        ReadPump {
            source,
            data: Some(data),
            result: ResultFuture::new(result),
        }
    }
}

impl<S: Source> HostTask for ReadPump<S> {
    fn poll(&mut self, store: &mut Store, block: bool) -> Result<TaskPoll, Trap> {
        let Some(data) = &mut self.data else {
            return self.result.poll(store);
        };
        let mut progress = false;
        let mut close = false;
        if let Some(copy) = data.poll(store).map_err(host_trap)? {
            progress = true;
            if copy.outcome == CopyOutcome::Dropped {
                close = true;
            } else if !copy.vals.is_empty() {
                // What the guest did not take yet is offered again.
                data.write(store, copy.vals).map_err(host_trap)?;
            }
        }
        if !close
            && !data.is_copying(store).map_err(host_trap)?
            && let Some(room) = data.peer_waiting(store).map_err(host_trap)?
            && self.source.ready(store, block)?
        {
            // A zero-length read waits for data to be ready: a chunk is
            // offered, which the guest's next read takes.
            let want = if room == 0 {
                MAX_CHUNK
            } else {
                room.min(MAX_CHUNK)
            };
            progress = true;
            match self.source.read(store, want)? {
                Ok(vals) if vals.is_empty() => close = true,
                Ok(vals) => data.write(store, vals).map_err(host_trap)?,
                Err(code) => {
                    self.result.error = Some(code);
                    close = true;
                }
            }
        }
        if close {
            return close_stream(store, &mut self.data, &mut self.result);
        }
        Ok(progress_or_idle(progress))
    }
}
