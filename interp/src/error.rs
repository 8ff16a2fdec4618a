//! Typed errors. Every input, however malformed, ends in one of these.

use std::fmt;

/// Why a wasm computation stopped abnormally: the spec's traps, plus the
/// limits cmref enforces as configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    OutOfBoundsMemoryAccess,
    OutOfBoundsTableAccess,
    /// `table.init`/`table.copy`/`elem` with an out-of-range segment or table.
    OutOfBoundsTableInit,
    /// `memory.init`/`data` with an out-of-range segment.
    OutOfBoundsMemoryInit,
    /// `call_indirect` with an index past the end of the table.
    UndefinedElement,
    UninitializedElement,
    IndirectCallTypeMismatch,
    /// `ref.as_non_null`, `throw_ref` of null.
    NullReference,
    /// `call_ref`/`return_call_ref` of null.
    NullFunctionReference,
    NullStructReference,
    NullArrayReference,
    NullI31Reference,
    /// `ref.cast` of a value that is not of the target type.
    CastFailure,
    OutOfBoundsArrayAccess,
    /// The wasm call stack grew past the configured depth or slot budget.
    CallStackExhausted,
    /// The configured instruction budget ran out.
    OutOfFuel,
    /// The garbage-collected heap would exceed `Config::max_heap_bytes`
    /// even after a collection.
    HeapExhausted,
    /// A host function trapped.
    Host,
    /// A rule of the Component Model's Canonical ABI failed (the spec's
    /// `trap()`); the message names the rule.
    CanonicalAbi,
    /// An atomic access whose effective address is not a multiple of its size.
    UnalignedAtomic,
    /// `memory.atomic.wait` on a memory that is not shared.
    ExpectedSharedMemory,
    /// A `memory.atomic.wait` without timeout that no thread can ever notify:
    /// the spec's thread would stay suspended forever; cmref ends it instead.
    Deadlock,
}

impl TrapKind {
    /// The message the spec test suite uses for this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::OutOfBoundsMemoryAccess => "out of bounds memory access",
            TrapKind::OutOfBoundsTableAccess => "out of bounds table access",
            TrapKind::OutOfBoundsTableInit => "out of bounds table access",
            TrapKind::OutOfBoundsMemoryInit => "out of bounds memory access",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::UninitializedElement => "uninitialized element",
            TrapKind::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapKind::NullReference => "null reference",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::NullStructReference => "null structure reference",
            TrapKind::NullArrayReference => "null array reference",
            TrapKind::NullI31Reference => "null i31 reference",
            TrapKind::CastFailure => "cast failure",
            TrapKind::OutOfBoundsArrayAccess => "out of bounds array access",
            TrapKind::CallStackExhausted => "call stack exhausted",
            TrapKind::OutOfFuel => "all fuel consumed",
            TrapKind::HeapExhausted => "gc heap exhausted",
            TrapKind::Host => "host trap",
            TrapKind::CanonicalAbi => "canonical ABI trap",
            TrapKind::UnalignedAtomic => "unaligned atomic",
            TrapKind::ExpectedSharedMemory => "expected shared memory",
            TrapKind::Deadlock => "deadlock: no thread can notify this wait",
        }
    }

    /// Whether this is a resource limit rather than a trap the spec defines.
    pub fn is_exhaustion(self) -> bool {
        matches!(
            self,
            TrapKind::CallStackExhausted | TrapKind::OutOfFuel | TrapKind::HeapExhausted
        )
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// One wasm frame of a trap's backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Index of the function in its module's function index space.
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub func_name: Option<String>,
    /// Byte offset of the instruction in the module binary.
    pub offset: Option<u32>,
}

impl fmt::Display for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.func_name {
            Some(name) => write!(f, "{name}")?,
            None => write!(f, "<wasm function {}>", self.func_index)?,
        }
        if let Some(offset) = self.offset {
            write!(f, " @ 0x{offset:x}")?;
        }
        Ok(())
    }
}

/// A trap: its kind, a message (the spec's, or a host's), and a wasm backtrace
/// (innermost frame first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    pub kind: TrapKind,
    pub message: String,
    pub backtrace: Vec<FrameInfo>,
}

impl Trap {
    pub fn new(kind: TrapKind) -> Trap {
        Trap {
            kind,
            message: kind.message().to_string(),
            backtrace: Vec::new(),
        }
    }

    /// A trap of a known kind with a more specific message (which starts
    /// with the kind's own message).
    pub fn with_message(kind: TrapKind, message: String) -> Trap {
        Trap {
            kind,
            message,
            backtrace: Vec::new(),
        }
    }

    /// A trap raised by host code with its own message.
    pub fn host(message: impl Into<String>) -> Trap {
        Trap {
            kind: TrapKind::Host,
            message: message.into(),
            backtrace: Vec::new(),
        }
    }

    /// The backtrace rendered one frame per line; the middle of a very deep
    /// one (runaway recursion) is elided.
    pub fn backtrace_string(&self) -> String {
        const HEAD: usize = 20;
        const TAIL: usize = 5;
        let n = self.backtrace.len();
        let mut out = String::new();
        for (i, frame) in self.backtrace.iter().enumerate() {
            if n > HEAD + TAIL + 1 && i == HEAD {
                out.push_str(&format!("  ... {} frames elided ...\n", n - HEAD - TAIL));
            }
            if n <= HEAD + TAIL + 1 || i < HEAD || i >= n - TAIL {
                out.push_str(&format!("  {i}: {frame}\n"));
            }
        }
        out
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<TrapKind> for Trap {
    fn from(kind: TrapKind) -> Trap {
        Trap::new(kind)
    }
}

/// A wasm exception that left a call uncaught: its tag, its payload (the
/// tag's parameters), and the exception itself, which a host function may
/// throw on with [`crate::HostResult::Throw`]. Heap references among the
/// payload are rooted like every reference the store hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncaughtException {
    pub tag: crate::runtime::Tag,
    pub payload: Vec<crate::Val>,
    pub exn: crate::values::ExnRef,
    /// The wasm frames the exception unwound, innermost first.
    pub backtrace: Vec<FrameInfo>,
}

impl fmt::Display for UncaughtException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tag {:?} with payload {:?}", self.tag, self.payload)
    }
}

/// Every way an operation on cmref can fail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes are not a well-formed binary (decoding failed).
    #[error("malformed: {0}")]
    Malformed(String),
    /// The binary decodes but does not validate.
    #[error("invalid: {0}")]
    Invalid(String),
    /// Imports could not be satisfied.
    #[error("unlinkable: {0}")]
    Unlinkable(String),
    /// Execution trapped (during instantiation or a call).
    #[error("trap: {0}")]
    Trap(Trap),
    /// A wasm exception was thrown and nothing caught it before it left
    /// the call (or the instantiation's start function).
    #[error("uncaught exception: {0}")]
    Exception(UncaughtException),
    /// A resource the configuration bounds (memory, tables, instances) would
    /// be exceeded outside of execution, e.g. an initial memory over the limit.
    #[error("resource limit exceeded: {0}")]
    Limit(String),
    /// A feature of the input that cmref does not implement yet.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Misuse of the embedding API (wrong value types, unknown export...).
    #[error("{0}")]
    Api(String),
}

impl Error {
    /// The trap inside this error, if it is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Trap> for Error {
    fn from(t: Trap) -> Error {
        Error::Trap(t)
    }
}

impl From<TrapKind> for Error {
    fn from(k: TrapKind) -> Error {
        Error::Trap(Trap::new(k))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
