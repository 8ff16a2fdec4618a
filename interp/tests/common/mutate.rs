//! Byte-level mutations of valid binaries, for the never-crash properties.

use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
}

pub fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip(i, mask) => {
                let i = i % len;
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= mask;
                }
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Remove(i) => {
                if !bytes.is_empty() {
                    bytes.remove(i % len);
                }
            }
        }
    }
    bytes
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, m)| Mutation::Flip(i, m)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}
