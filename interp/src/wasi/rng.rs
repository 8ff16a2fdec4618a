//! The generators behind `wasi:random`: a seeded generator of our own
//! (SplitMix64 to spread the seed, xoshiro256** to draw), so that a seed
//! gives the same bytes on every machine; or, without a seed, the host's
//! entropy.

/// A random generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: [u64; 4],
}

/// SplitMix64: one step (spreads a seed over the generator's state).
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose output depends only on `seed`.
    pub(crate) fn seeded(seed: u64) -> Rng {
        let mut x = seed;
        Rng {
            s: [
                splitmix64(&mut x),
                splitmix64(&mut x),
                splitmix64(&mut x),
                splitmix64(&mut x),
            ],
        }
    }

    /// A generator seeded from the host's entropy.
    pub(crate) fn from_entropy() -> Rng {
        Rng::seeded(entropy())
    }

    /// xoshiro256**: the next 64 bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let w = self.next_u64().to_le_bytes();
            let k = (n - out.len()).min(8);
            out.extend_from_slice(&w[..k]);
        }
        out
    }
}

/// 64 bits of host entropy: the operating system's generator where there is
/// one, else the standard library's randomly keyed hasher.
fn entropy() -> u64 {
    #[cfg(unix)]
    {
        use std::io::Read;
        let mut b = [0u8; 8];
        if let Ok(mut f) = std::fs::File::open("/dev/urandom")
            && f.read_exact(&mut b).is_ok()
        {
            return u64::from_le_bytes(b);
        }
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn a_seed_decides_the_stream() {
        let a = Rng::seeded(1).bytes(37);
        assert_eq!(a, Rng::seeded(1).bytes(37));
        assert_ne!(a, Rng::seeded(2).bytes(37));
        assert_eq!(a.len(), 37);
        // Not a constant stream.
        let mut r = Rng::seeded(1);
        assert_ne!(r.next_u64(), r.next_u64());
    }
}
