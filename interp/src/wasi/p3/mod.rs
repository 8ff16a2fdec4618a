//! The WASI 0.3 host, on the async Canonical ABI: `wasi:cli` (stdio as
//! streams, each with a future for its result), `wasi:clocks` (monotonic
//! waits as async host functions), `wasi:random` and `wasi:filesystem`
//! (reads, writes and directory listings as streams), at 0.3, over the same
//! [`WasiCtx`](super::WasiCtx) as WASI 0.2.
//!
//! The functions are defined under the names of WASI 0.3.2 ([`VERSION`],
//! the WIT of the `wasip3` crate); the linker's semver-aware lookup serves
//! any 0.3.x import with them. Pre-release versions (`0.3.0-rc-...`) match
//! only themselves, as semver has it, so they are not served.
//!
//! Streams are served by background host tasks (`HostTask`) that copy
//! between the host's end of the stream and stdio or a file, in chunks of at most
//! [`MAX_CHUNK`](super::MAX_CHUNK) bytes.

mod cli;
mod clocks;
mod filesystem;
mod pump;

use crate::component::{Linker, Val};
use crate::error::{Error, Result, Trap};
use crate::runtime::store::Store;

/// The WASI version whose interface names the host defines.
pub const VERSION: &str = "0.3.2";

/// Adds every WASI 0.3 interface the host implements to `linker`, with
/// resource types made in `store`. It can share a linker (and the store's
/// context) with [`p2::add_to_linker`](super::p2::add_to_linker).
pub fn add_to_linker(linker: &mut Linker, store: &mut Store) -> Result<()> {
    cli::add(linker, store)?;
    clocks::add(linker)?;
    filesystem::add(linker, store)?;
    super::p2::random::add(linker, VERSION, "get-insecure-seed", true)?;
    Ok(())
}

/// The linker instance of interface `name` (`wasi:cli/stdout`).
fn iface<'a>(
    linker: &'a mut Linker,
    name: &str,
) -> Result<&'a mut crate::component::LinkerInstance> {
    linker.root().instance(&format!("{name}@{VERSION}"))
}

/// The bytes of a `stream<u8>` copy (values of another type are
/// skipped: the stream's type was checked when they were written).
fn bytes_of(vals: &[Val]) -> Vec<u8> {
    vals.iter()
        .filter_map(|v| match v {
            Val::U8(b) => Some(*b),
            _ => None,
        })
        .collect()
}

/// A runtime error inside a host task or future, as the trap that ends
/// the guest.
fn host_trap(e: Error) -> Trap {
    match e {
        Error::Trap(t) => t,
        e => Trap::host(format!("WASI: {e}")),
    }
}
