//! HMAC-SHA256 with a key's two pad blocks compressed once: what both the verifier (one key,
//! many cookies) and the audit (many keys, a few cookies) repeat per call is only SHA-256's
//! compressions of the message and of the inner digest, on stack buffers. The compressions are
//! sha2's (`compress256`, SHA-NI where the CPU has it); the `hmac` crate is the oracle of the
//! tests below.
//!
//! Why not the `hmac` crate's own keyed state, cloned per call: measured in one criterion run
//! (`benches/cookie.rs`, parts group), its clone + update + finalize cost 130 ns where the two
//! compressions cost about 75 ns; on a whole verify that was the difference between 3.2 M and
//! over 5 M cookies/s per core.

use std::fmt;

use sha2::digest::consts::U64;
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest as _, Sha256};

/// One SHA-256 input block.
pub(super) type Block = GenericArray<u8, U64>;

/// HMAC's block size for SHA-256; longer keys are hashed first (RFC 2104).
pub(super) const BLOCK_LEN: usize = 64;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// A secret keyed once: the SHA-256 states after its inner and outer pad blocks. Its `Debug`
/// output never shows them.
#[derive(Clone, Copy)]
pub struct PaddedKey {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl fmt::Debug for PaddedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaddedKey(redacted)")
    }
}

impl PaddedKey {
    /// Keys a secret (its bytes: a Node app's secret is the UTF-8 of its text): two
    /// compressions, plus SHA-256 of the key when it is longer than 64 bytes.
    ///
    /// ```
    /// use sio_auth::cookie::{PaddedKey, SignedCookie, Target};
    /// let cookie = SignedCookie::parse("s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI", "x").unwrap();
    /// let target = Target::new(&cookie);
    /// assert!(target.is_signed_by(&PaddedKey::new(b"tobiiscool")));
    /// assert!(!target.is_signed_by(&PaddedKey::new(b"keyboard cat")));
    /// ```
    #[inline]
    pub fn new(secret: &[u8]) -> Self {
        let digest;
        let key = if secret.len() > BLOCK_LEN {
            digest = Sha256::digest(secret);
            digest.as_slice()
        } else {
            secret
        };
        let mut ipad = Block::from([0x36; BLOCK_LEN]);
        let mut opad = Block::from([0x5c; BLOCK_LEN]);
        for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(key) {
            *i ^= k;
            *o ^= k;
        }
        let mut inner = IV;
        let mut outer = IV;
        sha2::compress256(&mut inner, std::slice::from_ref(&ipad));
        sha2::compress256(&mut outer, std::slice::from_ref(&opad));
        Self { inner, outer }
    }

    /// The inner hash's state after the key's pad block.
    pub(super) fn inner(&self) -> [u32; 8] {
        self.inner
    }

    /// The outer hash's state after the key's pad block.
    pub(super) fn outer(&self) -> [u32; 8] {
        self.outer
    }

    /// HMAC-SHA256(key, message): the message's blocks, one or two padding blocks, then the
    /// outer block; for a message of up to 55 bytes, two compressions in all.
    ///
    /// ```
    /// use sio_auth::cookie::PaddedKey;
    /// let tag = PaddedKey::new(b"tobiiscool").tag(b"hello");
    /// assert_eq!(tag[..4], [0x0c, 0x60, 0xd4, 0x90]);
    /// ```
    #[inline]
    pub fn tag(&self, message: &[u8]) -> [u8; 32] {
        let mut inner = self.inner;
        if message.len() + 9 <= BLOCK_LEN {
            // A session id's usual case: the message, 0x80 and the length fit one block.
            let mut block = Block::default();
            block[..message.len()].copy_from_slice(message);
            block[message.len()] = 0x80;
            let bits = ((BLOCK_LEN + message.len()) as u64).wrapping_mul(8);
            block[BLOCK_LEN - 8..].copy_from_slice(&bits.to_be_bytes());
            sha2::compress256(&mut inner, std::slice::from_ref(&block));
            return self.outer_tag(&inner);
        }
        let mut blocks = message.chunks_exact(BLOCK_LEN);
        for block in blocks.by_ref() {
            sha2::compress256(&mut inner, std::slice::from_ref(Block::from_slice(block)));
        }
        // What is left, 0x80, zeros and the whole inner message's length in bits (the pad
        // block counted), big-endian, in the last 8 bytes: one block, or two when the rest
        // leaves fewer than 9 bytes free.
        let rest = blocks.remainder();
        let mut tail = [Block::default(), Block::default()];
        let used = if rest.len() + 9 <= BLOCK_LEN { 1 } else { 2 };
        let bits = ((BLOCK_LEN + message.len()) as u64).wrapping_mul(8);
        {
            let (first, second) = tail.split_at_mut(1);
            let first = &mut first[0];
            first[..rest.len()].copy_from_slice(rest);
            first[rest.len()] = 0x80;
            let last = if used == 1 { first } else { &mut second[0] };
            last[BLOCK_LEN - 8..].copy_from_slice(&bits.to_be_bytes());
        }
        sha2::compress256(&mut inner, &tail[..used]);
        self.outer_tag(&inner)
    }

    /// The outer hash over the inner digest: the tag.
    #[inline]
    fn outer_tag(&self, inner: &[u32; 8]) -> [u8; 32] {
        let mut outer = self.outer;
        sha2::compress256(&mut outer, std::slice::from_ref(&outer_block(inner)));
        let mut tag = [0u8; 32];
        for (bytes, word) in tag.chunks_exact_mut(4).zip(outer) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        tag
    }
}

/// The outer message's only block after the pad block: the 32-byte inner digest, 0x80, zeros
/// and the length, (64 + 32) × 8 = 768 bits.
#[inline]
pub(super) fn outer_block(inner: &[u32; 8]) -> Block {
    let mut block = Block::default();
    for (bytes, word) in block.chunks_exact_mut(4).zip(inner) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    block[32] = 0x80;
    block[62] = 0x03;
    block
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use hmac::{Hmac, Mac as _};

    /// HMAC-SHA256 by the `hmac` crate: the oracle of this module's and the audit's tests.
    pub(in crate::cookie) fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Every message length around the block boundaries (55/56: the length no longer fits
    /// the block; 119/120 the second), every key length around 64 (hashed above it).
    #[test]
    fn agrees_with_the_hmac_crate_at_every_boundary() {
        for len in (0..=200).chain([500, 1000, 4096]) {
            let message: Vec<u8> = (0..len)
                .map(|i: u32| (i * 13 + 1).to_le_bytes()[0])
                .collect();
            for key_len in [0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 128, 129, 1000] {
                let key: Vec<u8> = (0..key_len)
                    .map(|i: u32| (i * 7 + 3).to_le_bytes()[0])
                    .collect();
                assert_eq!(
                    PaddedKey::new(&key).tag(&message),
                    hmac(&key, &message),
                    "message {len}, key {key_len}"
                );
            }
        }
    }

    #[test]
    fn debug_shows_no_key() {
        let shown = format!("{:?}", PaddedKey::new(b"hunter2"));
        assert_eq!(shown, "PaddedKey(redacted)");
    }
}
