//! HMAC-SHA256 with the keyed states precomputed.
//!
//! With the pads' compressions done once per secret, signing a short session id costs exactly
//! two SHA-256 compressions (SHA-NI accelerated where the CPU has it) and no allocation. The
//! `hmac` crate serves as the reference implementation in the tests below.

use sha2::digest::generic_array::GenericArray;
use sha2::{Digest as _, Sha256};

const BLOCK: usize = 64;

type State = [u32; 8];

const INITIAL: State = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// A secret turned into the SHA-256 states after its inner and outer pad blocks.
#[derive(Clone)]
pub(super) struct HmacKey {
    inner: State,
    outer: State,
}

fn compress(state: &mut State, block: &[u8; BLOCK]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

fn to_bytes(state: &State) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Runs the remaining message and SHA-256's padding through `state`; `prefix_len` bytes
/// (the pad block) were hashed before.
fn finish(mut state: State, message: &[u8], prefix_len: usize) -> [u8; 32] {
    let mut blocks = message.chunks_exact(BLOCK);
    for block in &mut blocks {
        compress(&mut state, block.try_into().unwrap_or(&[0; BLOCK]));
    }
    let rest = blocks.remainder();
    let bit_len = ((prefix_len + message.len()) as u64).wrapping_mul(8);
    let mut last = [0u8; BLOCK];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] = 0x80;
    if rest.len() + 1 + 8 > BLOCK {
        compress(&mut state, &last);
        last = [0u8; BLOCK];
    }
    last[BLOCK - 8..].copy_from_slice(&bit_len.to_be_bytes());
    compress(&mut state, &last);
    to_bytes(&state)
}

impl HmacKey {
    pub(super) fn new(key: &[u8]) -> Self {
        let mut block = [0u8; BLOCK];
        if key.len() > BLOCK {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| {
            let mut padded = block;
            padded.iter_mut().for_each(|b| *b ^= byte);
            let mut state = INITIAL;
            compress(&mut state, &padded);
            state
        };
        Self {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// HMAC-SHA256(key, message).
    pub(super) fn tag(&self, message: &[u8]) -> [u8; 32] {
        let inner = finish(self.inner, message, BLOCK);
        finish(self.outer, &inner, BLOCK)
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac as _};
    use proptest::prelude::*;

    fn reference(key: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn every_length_around_the_block_edges() {
        for key_len in [0, 1, 31, 32, 55, 56, 63, 64, 65, 100, 128, 200] {
            for msg_len in [
                0, 1, 31, 32, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200, 1000,
            ] {
                let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + 3) as u8).collect();
                let msg: Vec<u8> = (0..msg_len).map(|i| (i * 13 + 1) as u8).collect();
                assert_eq!(
                    HmacKey::new(&key).tag(&msg),
                    reference(&key, &msg),
                    "{key_len} {msg_len}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn matches_the_hmac_crate(key in prop::collection::vec(any::<u8>(), 0..300),
                                  msg in prop::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(HmacKey::new(&key).tag(&msg), reference(&key, &msg));
        }
    }
}
