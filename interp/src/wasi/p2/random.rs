//! `wasi:random@0.2` (and `@0.3`, which differs only in a name and in
//! bounding rather than promising lengths): `random`, `insecure` and
//! `insecure-seed`, from the context's generators (seeded, or from the
//! host's entropy).

use super::{bytes_val, ctx, u64_arg};
use crate::component::{Linker, Val};
use crate::error::{Result, Trap};

/// The most bytes one `get-*random-bytes` call may ask for: the WIT
/// promises exactly `len` bytes, so a larger request is a trap rather than
/// an allocation the guest sizes.
pub const MAX_RANDOM_BYTES: u64 = 1 << 20;

/// Defines the interfaces at `version`; `seed` names `insecure-seed`'s
/// function. With `clamp` (0.3's `max-len`), a request for more bytes
/// than one call gives gets fewer instead of a trap.
pub(in crate::wasi) fn add(
    linker: &mut Linker,
    version: &str,
    seed: &str,
    clamp: bool,
) -> Result<()> {
    for (name, secure) in [
        ("wasi:random/random", true),
        ("wasi:random/insecure", false),
    ] {
        let (bytes, u64_) = if secure {
            ("get-random-bytes", "get-random-u64")
        } else {
            ("get-insecure-random-bytes", "get-insecure-random-u64")
        };
        let i = linker.root().instance(&format!("{name}@{version}"))?;
        i.func_new(bytes, move |store, args| {
            let len = u64_arg(args, 0)?;
            let len = if clamp { len.min(MAX_RANDOM_BYTES) } else { len };
            if len > MAX_RANDOM_BYTES {
                return Err(Trap::host(format!(
                    "wasi:random: {len} random bytes asked for, more than the {MAX_RANDOM_BYTES} one call may give"
                )));
            }
            let c = ctx(store)?;
            let rng = if secure { &mut c.random } else { &mut c.insecure };
            Ok(vec![bytes_val(&rng.bytes(len as usize))])
        })?;
        i.func_new(u64_, move |store, _| {
            let c = ctx(store)?;
            let rng = if secure {
                &mut c.random
            } else {
                &mut c.insecure
            };
            Ok(vec![Val::U64(rng.next_u64())])
        })?;
    }
    let i = linker
        .root()
        .instance(&format!("wasi:random/insecure-seed@{version}"))?;
    i.func_new(seed, |store, _| {
        let (a, b) = ctx(store)?.insecure_seed;
        Ok(vec![Val::Tuple(vec![Val::U64(a), Val::U64(b)])])
    })?;
    Ok(())
}
