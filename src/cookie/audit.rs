//! Guessing the secret behind a signed cookie: HMAC-SHA256 cut into the pieces that a search over
//! many candidate secrets can share.
//!
//! HMAC-SHA256(key, sid) is SHA-256 over `key ⊕ opad ‖ SHA-256(key ⊕ ipad ‖ sid)`. For one
//! candidate key the two pad blocks are compressed once ([`PaddedKey`]: two SHA-256
//! compressions); for one cookie the sid's padded blocks and the outer block's tail are laid out
//! once ([`Target`]). What is left per candidate and cookie is the sid's blocks (one for a
//! 32-character sid) and the outer block: four compressions in all for one cookie, on stack
//! buffers, with no allocation. The compressions are sha2's (`compress256`, SHA-NI where the
//! CPU has it).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::encoding::try_decode;
use super::header::pasted_value;
use super::padded::{BLOCK_LEN, Block, PaddedKey, outer_block};
use super::signing::{Rejection, split_signed, well_formed};

/// A signed cookie to find the secret of: its session id and the 32 bytes its signature
/// decodes to. Read from the same inputs as `sio-auth verify` reads.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedCookie {
    /// The session id the signature covers.
    pub sid: String,
    /// The HMAC-SHA256 tag, decoded from the signature.
    pub tag: [u8; 32],
}

impl fmt::Debug for SignedCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedCookie")
            .field("sid", &self.sid)
            .finish_non_exhaustive()
    }
}

/// Why an input cannot be audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unauditable {
    /// Not a signed cookie at all, for the reason `verify` would give.
    #[error("{0}")]
    Rejected(Rejection),
    /// The signature's last character sets bits that no encoder sets: Node compares the text,
    /// so no secret can produce it.
    #[error("the signature is not canonical base64 (its last character): no secret signs it")]
    NonCanonical,
}

impl SignedCookie {
    /// Reads a cookie in any of the forms `verify` reads ([`read_pasted`](super::read_pasted)): a Cookie header
    /// (the cookie `name` is looked up in it), a pair, a percent-encoded or raw `s:` value.
    ///
    /// ```
    /// use sio_auth::cookie::{Rejection, SignedCookie, Unauditable};
    /// let cookie = SignedCookie::parse(
    ///     "a=1; express.sid=s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI",
    ///     "express.sid",
    /// )
    /// .unwrap();
    /// assert_eq!(cookie.sid, "hello");
    /// assert_eq!(
    ///     SignedCookie::parse("hello", "express.sid"),
    ///     Err(Unauditable::Rejected(Rejection::NotSigned))
    /// );
    /// ```
    ///
    /// # Errors
    /// [`Unauditable`] when the input carries no well-formed signed cookie.
    pub fn parse(input: &str, name: &str) -> Result<Self, Unauditable> {
        let value = pasted_value(input, name).ok_or(Unauditable::Rejected(Rejection::NoCookie))?;
        let decoded = try_decode(value);
        let (sid, signature) = split_signed(&decoded).map_err(Unauditable::Rejected)?;
        if !well_formed(signature) {
            return Err(Unauditable::Rejected(Rejection::MalformedSignature));
        }
        if sid.is_empty() {
            return Err(Unauditable::Rejected(Rejection::EmptySid));
        }
        let mut tag = [0u8; 32];
        match STANDARD_NO_PAD.decode_slice(signature, &mut tag) {
            Ok(32) => {}
            _ => return Err(Unauditable::NonCanonical),
        }
        Ok(Self {
            sid: sid.to_owned(),
            tag,
        })
    }

    /// The cookie as a line for hashcat's mode 1450 (HMAC-SHA256, key = `$pass`):
    /// `hex(tag):sid` (the hex agrees with Python's `hmac.new(b"tobiiscool", b"hello", sha256)`).
    ///
    /// ```
    /// use sio_auth::cookie::SignedCookie;
    /// let cookie = SignedCookie::parse("s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI", "x").unwrap();
    /// assert_eq!(
    ///     cookie.hashcat_line(),
    ///     "0c60d4906948902ccfcfe0b4074eb814d8077448e8c7b721f2d3811ac959e502:hello"
    /// );
    /// ```
    pub fn hashcat_line(&self) -> String {
        use fmt::Write as _;
        let mut line = String::with_capacity(64 + 1 + self.sid.len());
        for byte in self.tag {
            let _ = write!(line, "{byte:02x}");
        }
        line.push(':');
        line.push_str(&self.sid);
        line
    }
}

/// A cookie laid out for the search: its sid's padded SHA-256 blocks and its tag as SHA-256
/// state words, so that each candidate costs only the compressions.
#[derive(Clone)]
pub struct Target {
    /// The sid, SHA-256-padded for a message that follows one 64-byte pad block.
    sid_blocks: Vec<Block>,
    /// The tag as the final state of the outer hash.
    expected: [u32; 8],
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("sid_blocks", &self.sid_blocks.len())
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Lays out a cookie for the search.
    pub fn new(cookie: &SignedCookie) -> Self {
        Self::from_message(cookie.sid.as_bytes(), cookie.tag)
    }

    /// Lays out any HMAC-SHA256 message and tag, e.g. a cookie-session pair's `name=value`
    /// signed by keygrip with sha256.
    ///
    /// ```
    /// use sio_auth::cookie::{PaddedKey, Target};
    /// let tag = [0x0c, 0x60, 0xd4, 0x90, 0x69, 0x48, 0x90, 0x2c, 0xcf, 0xcf, 0xe0, 0xb4, 0x07, 0x4e, 0xb8, 0x14,
    ///            0xd8, 0x07, 0x74, 0x48, 0xe8, 0xc7, 0xb7, 0x21, 0xf2, 0xd3, 0x81, 0x1a, 0xc9, 0x59, 0xe5, 0x02];
    /// assert!(Target::from_message(b"hello", tag).is_signed_by(&PaddedKey::new(b"tobiiscool")));
    /// ```
    pub fn from_message(message: &[u8], tag: [u8; 32]) -> Self {
        let sid = message;
        // The inner message is the 64-byte pad block then the sid; the pad block is already in
        // the key's state, so only the sid and SHA-256's padding are left: 0x80, zeros, and the
        // whole message's length in bits, big-endian, in the last 8 bytes of the last block.
        let padded_len = (sid.len() + 1 + 8).div_ceil(BLOCK_LEN) * BLOCK_LEN;
        let mut bytes = vec![0u8; padded_len];
        bytes[..sid.len()].copy_from_slice(sid);
        bytes[sid.len()] = 0x80;
        let bits = ((BLOCK_LEN + sid.len()) as u64).wrapping_mul(8);
        bytes[padded_len - 8..].copy_from_slice(&bits.to_be_bytes());
        let sid_blocks = bytes
            .chunks_exact(BLOCK_LEN)
            .map(Block::clone_from_slice)
            .collect();
        let mut expected = [0u32; 8];
        for (word, bytes) in expected.iter_mut().zip(tag.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        Self {
            sid_blocks,
            expected,
        }
    }

    /// Whether the key signs this cookie: HMAC-SHA256(key, sid) equals its tag. Not in
    /// constant time: the search knows the cookie and guesses the key.
    #[inline]
    pub fn is_signed_by(&self, key: &PaddedKey) -> bool {
        let mut inner = key.inner();
        sha2::compress256(&mut inner, &self.sid_blocks);
        let block = outer_block(&inner);
        let mut outer = key.outer();
        sha2::compress256(&mut outer, std::slice::from_ref(&block));
        outer == self.expected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::padded::tests::hmac;
    use crate::cookie::{Keyring, Secret};

    fn target(sid: &str, tag: [u8; 32]) -> Target {
        Target::new(&SignedCookie {
            sid: sid.to_owned(),
            tag,
        })
    }

    /// Every sid length around the block boundaries (55/56 bytes: the length no longer fits
    /// the first block; 119/120 the second), every key length around 64 (hashed above it).
    #[test]
    fn agrees_with_the_hmac_crate_at_every_boundary() {
        for sid_len in (0..=130).chain([500, 1000]) {
            let sid: String = (0..sid_len)
                .map(|i| char::from(b'a' + u8::try_from(i % 26).unwrap()))
                .collect();
            for key_len in [1, 2, 31, 32, 33, 63, 64, 65, 100, 128, 129, 1000] {
                let key: Vec<u8> = (0..key_len)
                    .map(|i: u32| (i * 7 + 3).to_le_bytes()[0])
                    .collect();
                let tag = hmac(&key, sid.as_bytes());
                let target = target(&sid, tag);
                assert!(
                    target.is_signed_by(&PaddedKey::new(&key)),
                    "sid {sid_len}, key {key_len}"
                );
                let mut other = key.clone();
                other[0] ^= 1;
                assert!(!target.is_signed_by(&PaddedKey::new(&other)));
                let mut wrong = tag;
                wrong[31] ^= 1;
                assert!(!self::target(&sid, wrong).is_signed_by(&PaddedKey::new(&key)));
            }
        }
    }

    #[test]
    fn reads_what_the_keyring_signs_in_every_form() {
        let keyring = Keyring::new([Secret::new("s3cr3t-ключ").unwrap()]).unwrap();
        let raw = keyring.sign("a.b/c+d");
        let encoded = crate::cookie::encode_uri_component(&raw).into_owned();
        for input in [
            raw.clone(),
            encoded.clone(),
            format!("express.sid={encoded}"),
            format!("Cookie: a=1; express.sid={encoded}; b=2"),
            format!("  {raw}\t"),
        ] {
            let cookie = SignedCookie::parse(&input, "express.sid").unwrap();
            assert_eq!(cookie.sid, "a.b/c+d", "{input}");
            assert!(Target::new(&cookie).is_signed_by(&PaddedKey::new("s3cr3t-ключ".as_bytes())));
        }
    }

    #[test]
    fn refuses_what_verify_refuses() {
        let sig = "DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";
        for (input, why) in [
            ("other=s%3Ahello.x", Rejection::NoCookie),
            ("hello", Rejection::NotSigned),
            ("s:hello", Rejection::NoSeparator),
            (
                "s:hello.DGDUkGlIkCzPz-C0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::MalformedSignature,
            ),
            (
                "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI=",
                Rejection::MalformedSignature,
            ),
            ("s:hello.short", Rejection::MalformedSignature),
        ] {
            assert_eq!(
                SignedCookie::parse(input, "express.sid"),
                Err(Unauditable::Rejected(why)),
                "{input}"
            );
        }
        assert_eq!(
            SignedCookie::parse(&format!("s:.{sig}"), "express.sid"),
            Err(Unauditable::Rejected(Rejection::EmptySid))
        );
        // 43 characters carry 258 bits for 256: an encoder leaves the last two at zero, as `I`
        // (0b001000) does; `J` (0b001001) sets one.
        assert_eq!(
            SignedCookie::parse(
                "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QJ",
                "express.sid"
            ),
            Err(Unauditable::NonCanonical)
        );
    }
}
