//! WASI hosts: the state one guest sees ([`WasiCtx`]: arguments,
//! environment, preopened directories, stdio, clocks, randomness and the
//! resources it holds) and the WASI 0.2 and 0.3 interfaces over it
//! ([`p2`], [`p3`]), each added to a component
//! [`Linker`](crate::component::Linker) by one call.
//!
//! The context lives in the [`Store`](crate::Store) (`Store::set_data`), so
//! host functions reach it through the store they are given. What is not
//! tied to one WASI version (the sandboxed filesystem, clocks, the
//! generators, stdio, the resource table) is here, shared by both.

mod clock;
mod ctx;
mod filesystem;
pub(crate) mod fs;
pub mod p2;
pub mod p3;
mod rng;
mod table;

pub use clock::CLOCK_STEP_NS;
pub use ctx::{OutputPipe, WasiCtx, WasiCtxBuilder};
pub use p2::cli::exit_with;

/// How many bytes one read or one random-bytes call returns at most: a
/// guest asking for more gets this much (streams may return fewer bytes
/// than asked), so the host never allocates what a guest names.
pub const MAX_CHUNK: u64 = 64 * 1024;
