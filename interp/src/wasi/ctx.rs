//! [`WasiCtx`]: what one guest sees of its host through WASI.

use std::io::{IsTerminal, Read, Write};
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use super::clock::Clock;
use super::fs::{DirEntries, ErrorCode};
use super::rng::Rng;
use super::table::Table;
use crate::error::{Error, Result};

/// The most resources one guest may hold at once.
const MAX_RESOURCES: usize = 1 << 16;

/// An in-memory stdout or stderr that the embedder reads afterwards. Writes
/// beyond its capacity fail (the guest sees a stream error).
#[derive(Clone, Debug)]
pub struct OutputPipe {
    buf: Arc<Mutex<Vec<u8>>>,
    capacity: usize,
}

impl OutputPipe {
    pub fn new(capacity: usize) -> OutputPipe {
        OutputPipe {
            buf: Arc::default(),
            capacity,
        }
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.buf.lock().map(|b| b.clone()).unwrap_or_default()
    }

    fn write(&self, data: &[u8]) -> std::result::Result<(), String> {
        let mut b = self.buf.lock().map_err(|_| "pipe poisoned".to_string())?;
        if b.len().saturating_add(data.len()) > self.capacity {
            return Err(format!("output pipe full ({} bytes)", self.capacity));
        }
        b.extend_from_slice(data);
        Ok(())
    }
}

/// Where stdin comes from.
#[derive(Debug)]
pub(crate) enum Input {
    /// Always at its end.
    Empty,
    Bytes {
        data: Vec<u8>,
        pos: usize,
    },
    /// The host's stdin.
    Inherit,
}

/// Where stdout or stderr goes.
#[derive(Debug)]
pub(crate) enum Output {
    Discard,
    Pipe(OutputPipe),
    /// The host's own stdout or stderr.
    Inherit,
}

/// Which of the two outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stdio {
    Out,
    Err,
}

/// A preopened directory and the name the guest sees it by.
#[derive(Debug)]
pub(crate) struct Preopen {
    pub(crate) fd: Arc<OwnedFd>,
    pub(crate) guest: String,
}

/// Where a file stream reads or writes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FilePos {
    At(u64),
    Append,
}

/// The host objects a guest's WASI handles name (by the rep of the
/// handle: an index into [`WasiCtx::table`]).
#[derive(Debug)]
pub(crate) enum Resource {
    /// `wasi:io/streams.input-stream`.
    StdinStream,
    FileInput {
        fd: Arc<OwnedFd>,
        offset: u64,
    },
    /// `wasi:io/streams.output-stream`.
    StdoutStream(Stdio),
    FileOutput {
        fd: Arc<OwnedFd>,
        pos: FilePos,
    },
    /// `wasi:io/poll.pollable`: ready now, or once the monotonic clock
    /// reaches a deadline.
    Pollable {
        deadline: Option<u64>,
    },
    /// `wasi:io/error.error`, with the filesystem error code it stands for.
    IoError {
        message: String,
        code: Option<ErrorCode>,
    },
    /// `wasi:filesystem/types.descriptor`.
    Descriptor(Descriptor),
    /// `wasi:filesystem/types.directory-entry-stream`.
    DirStream(Box<DirEntries>),
    TerminalInput,
    TerminalOutput,
    /// `wasi:sockets/network.network`, which grants nothing.
    Network,
}

/// An open file or directory and what the guest may do with it.
#[derive(Clone, Debug)]
pub(crate) struct Descriptor {
    pub(crate) fd: Arc<OwnedFd>,
    pub(crate) dir: bool,
    pub(crate) read: bool,
    pub(crate) write: bool,
    /// `mutate-directory`: may create, remove and rename entries.
    pub(crate) mutate: bool,
}

/// The state one guest sees through WASI: arguments, environment,
/// preopened directories, stdio, clocks, random generators, its exit
/// status, and the host objects its handles name. Put it in the store
/// (`Store::set_data`) that runs the guest.
#[derive(Debug)]
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) cwd: Option<String>,
    pub(crate) preopens: Vec<Preopen>,
    pub(crate) stdin: Input,
    pub(crate) stdout: Output,
    pub(crate) stderr: Output,
    pub(crate) clock: Clock,
    pub(crate) random: Rng,
    pub(crate) insecure: Rng,
    pub(crate) insecure_seed: (u64, u64),
    pub(crate) exit: Option<u8>,
    pub(crate) table: Table<Resource>,
}

/// Builds a [`WasiCtx`]. By default a guest gets no arguments, no
/// environment, no directories, empty stdin, discarded output, the host's
/// clocks and entropy.
#[derive(Debug, Default)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<(std::path::PathBuf, String)>,
    stdin: Option<Vec<u8>>,
    inherit_stdin: bool,
    stdout: Option<OutputPipe>,
    stderr: Option<OutputPipe>,
    inherit_stdout: bool,
    inherit_stderr: bool,
    seed: Option<u64>,
    deterministic: bool,
}

impl WasiCtxBuilder {
    /// The program's arguments, `argv[0]` included.
    pub fn args(mut self, args: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Makes the host directory `host` visible to the guest as `guest`.
    pub fn preopened_dir(
        mut self,
        host: impl Into<std::path::PathBuf>,
        guest: impl Into<String>,
    ) -> Self {
        self.preopens.push((host.into(), guest.into()));
        self
    }

    pub fn stdin_bytes(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }

    pub fn stdout(mut self, pipe: OutputPipe) -> Self {
        self.stdout = Some(pipe);
        self
    }

    pub fn stderr(mut self, pipe: OutputPipe) -> Self {
        self.stderr = Some(pipe);
        self
    }

    /// The host's own stdin, stdout and stderr.
    pub fn inherit_stdio(mut self) -> Self {
        self.inherit_stdin = true;
        self.inherit_stdout = true;
        self.inherit_stderr = true;
        self
    }

    /// `wasi:random` draws from a generator seeded with `seed` (the same
    /// bytes on every run), not from the host's entropy.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Deterministic clocks (see `CLOCK_STEP_NS`), and, without a seed,
    /// random bytes from seed 0: two runs see the same values.
    pub fn deterministic(mut self, on: bool) -> Self {
        self.deterministic = on;
        self
    }

    /// Opens the preopened directories; a directory that cannot be opened
    /// is an error naming it.
    pub fn build(self) -> Result<WasiCtx> {
        let mut preopens = Vec::new();
        for (host, guest) in self.preopens {
            let fd = super::fs::open_host_dir(&host).map_err(|e| {
                Error::Api(format!("cannot open directory {}: {e}", host.display()))
            })?;
            preopens.push(Preopen {
                fd: Arc::new(fd),
                guest,
            });
        }
        let seed = self.seed.or(self.deterministic.then_some(0));
        let (random, mut insecure) = match seed {
            Some(s) => (Rng::seeded(s), Rng::seeded(s ^ 0x5eed_0f11_15ec_0000)),
            None => (Rng::from_entropy(), Rng::from_entropy()),
        };
        let insecure_seed = (insecure.next_u64(), insecure.next_u64());
        let output = |inherit: bool, pipe: Option<OutputPipe>| match (pipe, inherit) {
            (Some(p), _) => Output::Pipe(p),
            (None, true) => Output::Inherit,
            (None, false) => Output::Discard,
        };
        Ok(WasiCtx {
            args: self.args,
            env: self.env,
            cwd: None,
            preopens,
            stdin: match (self.stdin, self.inherit_stdin) {
                (Some(data), _) => Input::Bytes { data, pos: 0 },
                (None, true) => Input::Inherit,
                (None, false) => Input::Empty,
            },
            stdout: output(self.inherit_stdout, self.stdout),
            stderr: output(self.inherit_stderr, self.stderr),
            clock: if self.deterministic {
                Clock::Deterministic { now: 0 }
            } else {
                Clock::Real {
                    start: std::time::Instant::now(),
                }
            },
            random,
            insecure,
            insecure_seed,
            exit: None,
            table: Table::new(MAX_RESOURCES),
        })
    }
}

impl WasiCtx {
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::default()
    }

    /// The exit status the guest asked for through `wasi:cli/exit`, if it
    /// did (0 for success).
    pub fn exit_status(&self) -> Option<u8> {
        self.exit
    }

    /// How many WASI resources the guest holds.
    pub fn resources(&self) -> usize {
        self.table.len()
    }

    /// Reads up to `len` bytes of stdin (blocking on the host's); an empty
    /// result is the end of input.
    pub(crate) fn read_stdin(&mut self, len: u64) -> std::io::Result<Vec<u8>> {
        let len = usize::try_from(len.min(super::MAX_CHUNK)).unwrap_or(0);
        match &mut self.stdin {
            Input::Empty => Ok(Vec::new()),
            Input::Bytes { data, pos } => {
                let end = pos.saturating_add(len).min(data.len());
                let out = data[*pos..end].to_vec();
                *pos = end;
                Ok(out)
            }
            Input::Inherit => {
                let mut buf = vec![0u8; len];
                let n = loop {
                    match std::io::stdin().lock().read(&mut buf) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        r => break r?,
                    }
                };
                buf.truncate(n);
                Ok(buf)
            }
        }
    }

    /// Writes to stdout or stderr.
    pub(crate) fn write_stdio(
        &mut self,
        which: Stdio,
        data: &[u8],
    ) -> std::result::Result<(), String> {
        let out = match which {
            Stdio::Out => &self.stdout,
            Stdio::Err => &self.stderr,
        };
        match out {
            Output::Discard => Ok(()),
            Output::Pipe(p) => p.write(data),
            Output::Inherit => match which {
                Stdio::Out => {
                    let mut o = std::io::stdout().lock();
                    o.write_all(data).and_then(|_| o.flush())
                }
                Stdio::Err => std::io::stderr().lock().write_all(data),
            }
            .map_err(|e| e.to_string()),
        }
    }

    /// Whether a stdio stream is the host's terminal.
    pub(crate) fn is_terminal(&self, which: Option<Stdio>) -> bool {
        match which {
            None => matches!(self.stdin, Input::Inherit) && std::io::stdin().is_terminal(),
            Some(Stdio::Out) => {
                matches!(self.stdout, Output::Inherit) && std::io::stdout().is_terminal()
            }
            Some(Stdio::Err) => {
                matches!(self.stderr, Output::Inherit) && std::io::stderr().is_terminal()
            }
        }
    }

    /// A descriptor's file, for the host's calls.
    pub(crate) fn descriptor(&self, rep: u32) -> Option<&Descriptor> {
        match self.table.get(rep)? {
            Resource::Descriptor(d) => Some(d),
            _ => None,
        }
    }
}
