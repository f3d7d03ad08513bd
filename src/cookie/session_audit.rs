//! Guessing the key behind a cookie-session pair: keygrip's HMAC cut into the pieces a search
//! over many candidate keys can share, as [`super::audit`] does for express-session.
//!
//! The signed message is `name=value`. For HMAC-SHA1 (keygrip's default) a candidate's two pad
//! blocks are compressed once ([`Sha1PaddedKey`]), and a cookie's message blocks and tag laid out
//! once ([`Sha1Target`]): per candidate and cookie only the message's blocks and the outer block
//! are left, on stack state, with the `sha1` crate's block function. HMAC-SHA256 uses the
//! express-session machinery ([`PaddedKey`](super::PaddedKey), [`Target::from_message`]);
//! SHA-384 and SHA-512 the `hmac` crate's keyed state ([`WideKey`], [`WideTarget`]).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha1::Sha1;
use sha1::digest::consts::U64;
use sha1::digest::generic_array::GenericArray;
use sha2::{Digest as _, Sha384, Sha512};

use super::cookie_session::{SessionData, SessionRejection, decode_session, find_jar_cookie};
use super::keygrip::Algorithm;

/// One SHA-1 input block.
type Block = GenericArray<u8, U64>;

/// SHA-1's initial state (FIPS 180-4, 5.3.1).
const IV: [u32; 5] = [
    0x6745_2301,
    0xefcd_ab89,
    0x98ba_dcfe,
    0x1032_5476,
    0xc3d2_e1f0,
];

/// HMAC's block size for SHA-1; longer keys are hashed first (RFC 2104).
const BLOCK_LEN: usize = 64;

/// Why a pair of cookies cannot be audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionUnauditable {
    /// Not a signed pair at all, for the reason `verify` would give.
    #[error("{0}")]
    Rejected(SessionRejection),
    /// The signature's last character sets bits no encoder sets: keygrip compares the text, so
    /// no key can produce it.
    #[error("the signature is not canonical base64url (its last character): no key signs it")]
    NonCanonical,
}

/// A cookie-session pair to find the key of: the signed message `name=value` and the tag the
/// `.sig` cookie decodes to.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionCookie {
    /// The session cookie's name.
    pub name: String,
    /// The session cookie's value, as the jar reads it.
    pub value: String,
    /// The algorithm the signature is taken to be of.
    pub algorithm: Algorithm,
    tag: Vec<u8>,
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookie")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SessionCookie {
    /// Reads a pair from a Cookie header (a leading `Cookie:` and blanks around it dropped), as
    /// `verify --kind cookie-session` finds it.
    ///
    /// ```
    /// use sio_auth::cookie::{Algorithm, SessionCookie, SessionRejection, SessionUnauditable};
    /// let pair = "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc";
    /// let cookie = SessionCookie::parse(pair, "session", Algorithm::Sha1).unwrap();
    /// assert_eq!(cookie.message(), "session=eyJ2aWV3cyI6MX0=");
    /// assert_eq!(
    ///     SessionCookie::parse("session=e30=", "session", Algorithm::Sha1),
    ///     Err(SessionUnauditable::Rejected(SessionRejection::NoSignature))
    /// );
    /// ```
    ///
    /// # Errors
    /// [`SessionUnauditable`] when the input carries no well-formed signed pair.
    pub fn parse(
        input: &str,
        name: &str,
        algorithm: Algorithm,
    ) -> Result<Self, SessionUnauditable> {
        let input = input.trim_matches([' ', '\t']);
        let header = match input.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("cookie:") => {
                input[7..].trim_start_matches([' ', '\t'])
            }
            _ => input,
        };
        let rejected = SessionUnauditable::Rejected;
        let value = find_jar_cookie(header, name).ok_or(rejected(SessionRejection::NoCookie))?;
        let signature = find_jar_cookie(header, &format!("{name}.sig"))
            .filter(|s| !s.is_empty())
            .ok_or(rejected(SessionRejection::NoSignature))?;
        let expected = algorithm.signature_len();
        let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if signature.len() != expected || !signature.bytes().all(base64url) {
            return Err(rejected(SessionRejection::MalformedSignature { expected }));
        }
        let tag = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| SessionUnauditable::NonCanonical)?;
        Ok(Self {
            name: name.to_owned(),
            value: value.to_owned(),
            algorithm,
            tag,
        })
    }

    /// The text keygrip signs: `name=value`.
    pub fn message(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    /// The tag the signature decodes to.
    pub fn tag(&self) -> &[u8] {
        &self.tag
    }

    /// The pair as a line for hashcat's HMAC mode of its algorithm
    /// ([`Algorithm::hashcat_mode`]): `hex(tag):name=value` (hashcat takes a `:` in the salt; the
    /// hex agrees with Python's `hmac.new(b"keyboard cat", b"session=eyJ2aWV3cyI6MX0=", sha1)`).
    ///
    /// ```
    /// use sio_auth::cookie::{Algorithm, SessionCookie};
    /// let pair = "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc";
    /// let cookie = SessionCookie::parse(pair, "session", Algorithm::Sha1).unwrap();
    /// assert_eq!(cookie.hashcat_line(), "c7e0b7347f5b3393b8a1f04ef860027287ee5d77:session=eyJ2aWV3cyI6MX0=");
    /// ```
    pub fn hashcat_line(&self) -> String {
        use fmt::Write as _;
        let mut line = String::with_capacity(2 * self.tag.len() + 1 + self.message().len());
        for byte in &self.tag {
            let _ = write!(line, "{byte:02x}");
        }
        line.push(':');
        line.push_str(&self.message());
        line
    }

    /// The session the value carries, when it decodes to one.
    pub fn session(&self) -> Option<SessionData> {
        decode_session(&self.value).ok()
    }
}

/// A candidate key for HMAC-SHA1, keyed once: the SHA-1 states after its inner and outer pad
/// blocks.
#[derive(Clone, Copy)]
pub struct Sha1PaddedKey {
    inner: [u32; 5],
    outer: [u32; 5],
}

impl fmt::Debug for Sha1PaddedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sha1PaddedKey(redacted)")
    }
}

impl Sha1PaddedKey {
    /// Keys a candidate (its bytes; a Node app's key is the UTF-8 of its text): two
    /// compressions, plus SHA-1 of the key when it is longer than 64 bytes.
    ///
    /// ```
    /// use sio_auth::cookie::{Algorithm, SessionCookie, Sha1PaddedKey, Sha1Target};
    /// let pair = "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc";
    /// let target = Sha1Target::new(&SessionCookie::parse(pair, "session", Algorithm::Sha1).unwrap());
    /// assert!(target.is_signed_by(&Sha1PaddedKey::new(b"keyboard cat")));
    /// assert!(!target.is_signed_by(&Sha1PaddedKey::new(b"keyboard dog")));
    /// ```
    #[inline]
    pub fn new(key: &[u8]) -> Self {
        let digest;
        let key = if key.len() > BLOCK_LEN {
            digest = Sha1::digest(key);
            digest.as_slice()
        } else {
            key
        };
        let mut ipad = Block::from([0x36; BLOCK_LEN]);
        let mut opad = Block::from([0x5c; BLOCK_LEN]);
        for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(key) {
            *i ^= k;
            *o ^= k;
        }
        let mut inner = IV;
        let mut outer = IV;
        sha1::compress(&mut inner, std::slice::from_ref(&ipad));
        sha1::compress(&mut outer, std::slice::from_ref(&opad));
        Self { inner, outer }
    }
}

/// A pair laid out for an HMAC-SHA1 search: its message's padded blocks and its tag as state
/// words.
#[derive(Clone)]
pub struct Sha1Target {
    blocks: Vec<Block>,
    expected: [u32; 5],
}

impl fmt::Debug for Sha1Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sha1Target")
            .field("blocks", &self.blocks.len())
            .finish_non_exhaustive()
    }
}

impl Sha1Target {
    /// Lays out a pair for the search; its tag must be SHA-1's 20 bytes (a pair parsed for
    /// [`Algorithm::Sha1`]), else no key matches.
    pub fn new(cookie: &SessionCookie) -> Self {
        Self::from_message(cookie.message().as_bytes(), cookie.tag())
    }

    /// Lays out any message and tag.
    pub fn from_message(message: &[u8], tag: &[u8]) -> Self {
        // As for SHA-256: the key's pad block is in the state, so the message, 0x80, zeros and
        // the whole length in bits (pad block included), big-endian, in the last 8 bytes.
        let padded_len = (message.len() + 1 + 8).div_ceil(BLOCK_LEN) * BLOCK_LEN;
        let mut bytes = vec![0u8; padded_len];
        bytes[..message.len()].copy_from_slice(message);
        bytes[message.len()] = 0x80;
        let bits = ((BLOCK_LEN + message.len()) as u64).wrapping_mul(8);
        bytes[padded_len - 8..].copy_from_slice(&bits.to_be_bytes());
        let blocks = bytes
            .chunks_exact(BLOCK_LEN)
            .map(Block::clone_from_slice)
            .collect();
        // A tag of another length leaves a state no key reaches (its words zero-filled).
        let mut expected = [0u32; 5];
        if tag.len() == 20 {
            for (word, bytes) in expected.iter_mut().zip(tag.chunks_exact(4)) {
                *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
            }
        }
        Self { blocks, expected }
    }

    /// Whether the key signs this pair. Not in constant time: the search knows the cookie and
    /// guesses the key.
    #[inline]
    pub fn is_signed_by(&self, key: &Sha1PaddedKey) -> bool {
        let mut inner = key.inner;
        sha1::compress(&mut inner, &self.blocks);
        // The outer message: the pad block (in the key's state), the 20-byte inner digest,
        // 0x80, zeros and the length, (64 + 20) * 8 = 672 bits = 0x02a0.
        let mut block = Block::default();
        for (bytes, word) in block.chunks_exact_mut(4).zip(inner) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        block[20] = 0x80;
        block[62] = 0x02;
        block[63] = 0xa0;
        let mut outer = key.outer;
        sha1::compress(&mut outer, std::slice::from_ref(&block));
        outer == self.expected
    }
}

/// A candidate key for HMAC-SHA384 or HMAC-SHA512, keyed once (the `hmac` crate's state after
/// the pad blocks).
#[derive(Clone)]
pub enum WideKey {
    /// HMAC-SHA384.
    Sha384(Hmac<Sha384>),
    /// HMAC-SHA512.
    Sha512(Hmac<Sha512>),
}

impl fmt::Debug for WideKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WideKey(redacted)")
    }
}

const ANY_LENGTH: &str = "HMAC takes a key of any length";

impl WideKey {
    /// Keys a candidate for `algorithm`; `None` for the algorithms with a faster path
    /// (SHA-1, SHA-256).
    pub fn new(algorithm: Algorithm, key: &[u8]) -> Option<Self> {
        match algorithm {
            Algorithm::Sha384 => Some(Self::sha384(key)),
            Algorithm::Sha512 => Some(Self::sha512(key)),
            Algorithm::Sha1 | Algorithm::Sha256 => None,
        }
    }

    /// Keys a candidate for HMAC-SHA384.
    pub fn sha384(key: &[u8]) -> Self {
        Self::Sha384(Hmac::new_from_slice(key).expect(ANY_LENGTH))
    }

    /// Keys a candidate for HMAC-SHA512.
    pub fn sha512(key: &[u8]) -> Self {
        Self::Sha512(Hmac::new_from_slice(key).expect(ANY_LENGTH))
    }
}

/// A pair for an HMAC-SHA384 or -SHA512 search: its message and tag.
#[derive(Debug, Clone)]
pub struct WideTarget {
    message: Vec<u8>,
    tag: Vec<u8>,
}

impl WideTarget {
    /// The pair's message and tag.
    ///
    /// ```
    /// use sio_auth::cookie::{Algorithm, CookieSession, Keygrip, Secret, SessionCookie, WideKey, WideTarget};
    /// let keys = Keygrip::new([Secret::new("k").unwrap()], Algorithm::Sha512).unwrap();
    /// let pair = CookieSession::new("session", keys).unwrap().sign(&Default::default()).pair();
    /// let target = WideTarget::new(&SessionCookie::parse(&pair, "session", Algorithm::Sha512).unwrap());
    /// assert!(target.is_signed_by(&WideKey::new(Algorithm::Sha512, b"k").unwrap()));
    /// assert!(!target.is_signed_by(&WideKey::new(Algorithm::Sha384, b"k").unwrap()));
    /// ```
    pub fn new(cookie: &SessionCookie) -> Self {
        Self {
            message: cookie.message().into_bytes(),
            tag: cookie.tag().to_vec(),
        }
    }

    /// Whether the key signs this pair.
    pub fn is_signed_by(&self, key: &WideKey) -> bool {
        match key {
            WideKey::Sha384(mac) => {
                let mut mac = mac.clone();
                mac.update(&self.message);
                mac.finalize().into_bytes().as_slice() == self.tag
            }
            WideKey::Sha512(mac) => {
                let mut mac = mac.clone();
                mac.update(&self.message);
                mac.finalize().into_bytes().as_slice() == self.tag
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::{CookieSession, Keygrip, PaddedKey, Secret, Target};

    fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
        let mut mac = Hmac::<Sha1>::new_from_slice(key).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Every message length around the block boundaries (55/56 bytes: the length no longer fits
    /// the first block), every key length around 64 (hashed above it).
    #[test]
    fn sha1_agrees_with_the_hmac_crate_at_every_boundary() {
        for len in (0..=130).chain([500, 1000]) {
            let message: Vec<u8> = (0..len)
                .map(|i: u32| b'a' + (i % 26).to_le_bytes()[0])
                .collect();
            for key_len in [1, 19, 20, 21, 63, 64, 65, 100, 129] {
                let key: Vec<u8> = (0..key_len)
                    .map(|i: u32| (i * 7 + 3).to_le_bytes()[0])
                    .collect();
                let tag = hmac_sha1(&key, &message);
                let target = Sha1Target::from_message(&message, &tag);
                assert!(
                    target.is_signed_by(&Sha1PaddedKey::new(&key)),
                    "{len} {key_len}"
                );
                let mut other = key.clone();
                other[0] ^= 1;
                assert!(!target.is_signed_by(&Sha1PaddedKey::new(&other)));
                let mut wrong = tag;
                wrong[19] ^= 1;
                assert!(
                    !Sha1Target::from_message(&message, &wrong)
                        .is_signed_by(&Sha1PaddedKey::new(&key))
                );
            }
        }
    }

    #[test]
    fn every_algorithm_finds_what_keygrip_signed() {
        let session = serde_json::json!({"user": "ada", "views": 3});
        for algorithm in Algorithm::ALL {
            let keys = Keygrip::new([Secret::new("s3cr3t-ключ").unwrap()], algorithm).unwrap();
            let pair = CookieSession::new("express:sess", keys)
                .unwrap()
                .sign(session.as_object().unwrap())
                .pair();
            let input = format!("Cookie: a=1; {pair}");
            let cookie = SessionCookie::parse(&input, "express:sess", algorithm).unwrap();
            assert_eq!(cookie.session().unwrap()["views"], 3);
            let key = "s3cr3t-ключ".as_bytes();
            let found = match algorithm {
                Algorithm::Sha1 => Sha1Target::new(&cookie).is_signed_by(&Sha1PaddedKey::new(key)),
                Algorithm::Sha256 => {
                    let tag: [u8; 32] = cookie.tag().try_into().unwrap();
                    Target::from_message(cookie.message().as_bytes(), tag)
                        .is_signed_by(&PaddedKey::new(key))
                }
                _ => WideTarget::new(&cookie).is_signed_by(&WideKey::new(algorithm, key).unwrap()),
            };
            assert!(found, "{algorithm}");
        }
    }

    #[test]
    fn refuses_what_verify_refuses() {
        let sig = "x-C3NH9bM5O4ofBO-GACcofuXXc";
        let parse = |input: &str, algorithm| SessionCookie::parse(input, "session", algorithm);
        let rejected = SessionUnauditable::Rejected;
        assert_eq!(
            parse("a=1", Algorithm::Sha1),
            Err(rejected(SessionRejection::NoCookie))
        );
        assert_eq!(
            parse("session=e30=", Algorithm::Sha1),
            Err(rejected(SessionRejection::NoSignature))
        );
        assert_eq!(
            parse(
                &format!("session=e30=; session.sig={}", &sig[..26]),
                Algorithm::Sha1
            ),
            Err(rejected(SessionRejection::MalformedSignature {
                expected: 27
            }))
        );
        assert_eq!(
            parse(
                &format!("session=e30=; session.sig={sig}"),
                Algorithm::Sha256
            ),
            Err(rejected(SessionRejection::MalformedSignature {
                expected: 43
            }))
        );
        // 27 characters carry 162 bits for 160: an encoder leaves the last two at zero, as `c`
        // (0b011100) does; `d` (0b011101) sets one.
        assert_eq!(
            parse(
                "session=e30=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXd",
                Algorithm::Sha1
            ),
            Err(SessionUnauditable::NonCanonical)
        );
    }

    #[test]
    fn debug_shows_no_key() {
        assert_eq!(
            format!("{:?}", Sha1PaddedKey::new(b"hunter2")),
            "Sha1PaddedKey(redacted)"
        );
        let wide = WideKey::new(Algorithm::Sha512, b"hunter2").unwrap();
        assert_eq!(format!("{wide:?}"), "WideKey(redacted)");
    }
}
