//! keygrip, the signer behind cookie-session (through the `cookies` package): an HMAC of the
//! text `name=value` with the first of a list of keys, written in base64url without padding,
//! and checked against every key of the list so that keys can be rotated.
//!
//! keygrip 1.1 computes `crypto.createHmac(algorithm, key).update(data).digest('base64')` and
//! then replaces `/` with `_`, `+` with `-` and drops `=`: exactly base64url without padding.
//! It compares the signature text with `tsscmp` (the whole string, exactly).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha1::Sha1;
use sha2::{Sha256, Sha384, Sha512};

use super::signing::{NoSecrets, Secret};

/// The HMAC hash functions keygrip can be given (any of Node's would do; these are the ones
/// cookie-session apps use). SHA-1 is keygrip's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// HMAC-SHA1, keygrip's default: 27-character signatures.
    #[default]
    Sha1,
    /// HMAC-SHA256: 43 characters.
    Sha256,
    /// HMAC-SHA384: 64 characters.
    Sha384,
    /// HMAC-SHA512: 86 characters.
    Sha512,
}

impl Algorithm {
    /// Every algorithm, keygrip's default first.
    pub const ALL: [Self; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The name Node's `crypto` (and so keygrip's second argument) knows it by.
    ///
    /// ```
    /// use sio_auth::cookie::Algorithm;
    /// assert_eq!(Algorithm::default().name(), "sha1");
    /// assert_eq!(Algorithm::from_name("SHA512"), Some(Algorithm::Sha512));
    /// assert_eq!(Algorithm::from_name("md4"), None);
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The algorithm of a Node name, in any case (OpenSSL's names are case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// Bytes of the HMAC tag.
    pub const fn tag_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Characters of a signature: the tag in base64url without padding.
    ///
    /// ```
    /// use sio_auth::cookie::Algorithm;
    /// let lengths: Vec<usize> = Algorithm::ALL.iter().map(|a| a.signature_len()).collect();
    /// assert_eq!(lengths, [27, 43, 64, 86]);
    /// ```
    pub const fn signature_len(self) -> usize {
        (self.tag_len() * 4).div_ceil(3)
    }

    /// hashcat's mode for HMAC with the key as password (`hex(tag):message` lines), when it has
    /// one: 150, 1450 and 1750; none for SHA-384.
    ///
    /// ```
    /// use sio_auth::cookie::Algorithm;
    /// assert_eq!(Algorithm::Sha1.hashcat_mode(), Some(150));
    /// assert_eq!(Algorithm::Sha384.hashcat_mode(), None);
    /// ```
    pub const fn hashcat_mode(self) -> Option<u32> {
        match self {
            Self::Sha1 => Some(150),
            Self::Sha256 => Some(1450),
            Self::Sha384 => None,
            Self::Sha512 => Some(1750),
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest tag, SHA-512's.
const MAX_TAG: usize = 64;
/// The longest signature, SHA-512's.
const MAX_SIGNATURE: usize = 86;

/// One key's HMAC state with its pad blocks already hashed, made once per key.
#[derive(Clone)]
enum KeyState {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

impl KeyState {
    fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        const ANY_LENGTH: &str = "HMAC takes a key of any length";
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(Hmac::new_from_slice(key).expect(ANY_LENGTH)),
            Algorithm::Sha256 => Self::Sha256(Hmac::new_from_slice(key).expect(ANY_LENGTH)),
            Algorithm::Sha384 => Self::Sha384(Hmac::new_from_slice(key).expect(ANY_LENGTH)),
            Algorithm::Sha512 => Self::Sha512(Hmac::new_from_slice(key).expect(ANY_LENGTH)),
        }
    }

    /// The signature text of `data`, on the stack: (buffer, length).
    fn signature(&self, data: &[u8]) -> ([u8; MAX_SIGNATURE], usize) {
        fn tag<M: hmac::Mac + Clone>(mac: &M, data: &[u8], out: &mut [u8; MAX_TAG]) -> usize {
            let mut mac = mac.clone();
            mac.update(data);
            let bytes = mac.finalize().into_bytes();
            out[..bytes.len()].copy_from_slice(&bytes);
            bytes.len()
        }
        let mut raw = [0u8; MAX_TAG];
        let len = match self {
            Self::Sha1(mac) => tag(mac, data, &mut raw),
            Self::Sha256(mac) => tag(mac, data, &mut raw),
            Self::Sha384(mac) => tag(mac, data, &mut raw),
            Self::Sha512(mac) => tag(mac, data, &mut raw),
        };
        let mut out = [0u8; MAX_SIGNATURE];
        let written = URL_SAFE_NO_PAD
            .encode_slice(&raw[..len], &mut out)
            .expect("a signature fits its buffer");
        (out, written)
    }
}

/// keygrip: signs `name=value` texts with the first key and finds which key signed one. Keys
/// are secrets (their UTF-8 bytes are the HMAC key, as keygrip's string keys); its `Debug`
/// shows how many there are, never what they are.
///
/// ```
/// use sio_auth::cookie::{Algorithm, Keygrip, Secret};
/// let keygrip = Keygrip::new([Secret::new("keyboard cat").unwrap()], Algorithm::Sha1).unwrap();
/// // require('keygrip')(['keyboard cat']).sign('session=eyJ2aWV3cyI6MX0=')
/// assert_eq!(keygrip.sign("session=eyJ2aWV3cyI6MX0="), "x-C3NH9bM5O4ofBO-GACcofuXXc");
/// assert_eq!(format!("{keygrip:?}"), "Keygrip { algorithm: Sha1, keys: 1, .. }");
/// ```
#[derive(Clone)]
pub struct Keygrip {
    algorithm: Algorithm,
    keys: Vec<KeyState>,
}

impl fmt::Debug for Keygrip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keygrip")
            .field("algorithm", &self.algorithm)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl Keygrip {
    /// keygrip's `Keygrip(keys, algorithm)`; the first key signs.
    ///
    /// # Errors
    /// [`NoSecrets`] for an empty list (keygrip throws `Keys must be provided.`).
    pub fn new(
        keys: impl IntoIterator<Item = Secret>,
        algorithm: Algorithm,
    ) -> Result<Self, NoSecrets> {
        let keys: Vec<_> = keys
            .into_iter()
            .map(|key| KeyState::new(algorithm, key.expose().as_bytes()))
            .collect();
        if keys.is_empty() {
            return Err(NoSecrets);
        }
        Ok(Self { algorithm, keys })
    }

    /// The HMAC's hash function.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// How many keys the list holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a list holds at least one key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// keygrip's `sign(data)`: the signature of `data` with the first key.
    pub fn sign(&self, data: &str) -> String {
        let (text, len) = self.keys[0].signature(data.as_bytes());
        text[..len].iter().map(|&b| char::from(b)).collect()
    }

    /// keygrip's `index(data, digest)`: the position of the first key whose signature of `data`
    /// is the text `digest`, compared in constant time per key (only its length, no secret,
    /// answers early); `None` when no key signed it.
    ///
    /// ```
    /// use sio_auth::cookie::{Algorithm, Keygrip, Secret};
    /// let keys = |k: &[&str]| Keygrip::new(k.iter().map(|s| Secret::new(*s).unwrap()), Algorithm::Sha1).unwrap();
    /// let signed = keys(&["old"]).sign("session=e30=");
    /// assert_eq!(keys(&["new", "old"]).index("session=e30=", &signed), Some(1));
    /// assert_eq!(keys(&["new"]).index("session=e30=", &signed), None);
    /// assert_eq!(keys(&["old"]).index("session=e30=", &signed[..26]), None);
    /// ```
    pub fn index(&self, data: &str, digest: &str) -> Option<usize> {
        self.keys.iter().position(|key| {
            let (expected, len) = key.signature(data.as_bytes());
            constant_time_eq::constant_time_eq(&expected[..len], digest.as_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keygrip(keys: &[&str], algorithm: Algorithm) -> Keygrip {
        Keygrip::new(keys.iter().map(|k| Secret::new(*k).unwrap()), algorithm).unwrap()
    }

    /// `require('keygrip')(['keyboard cat'], alg).sign('session=eyJ2aWV3cyI6MX0=')` in Node 20
    /// with keygrip 1.1.0, and a unicode key on cookie-session 1.x's old default name.
    #[test]
    fn known_answers_from_node() {
        let data = "session=eyJ2aWV3cyI6MX0=";
        for (algorithm, expected) in [
            (Algorithm::Sha1, "x-C3NH9bM5O4ofBO-GACcofuXXc"),
            (
                Algorithm::Sha256,
                "aKPlMjPvR16SEqv1QSzfVfcbDRQRz0r1ZMNSqYI3WdQ",
            ),
            (
                Algorithm::Sha384,
                "2vGGn3VsormXRjjRv-HFmqATMrmRK8ezwXsZbASWTPtd2uW87N9l0L2zCFspo2vO",
            ),
            (
                Algorithm::Sha512,
                "ToXB0cKtLJt_OrQezM0KHXQXuoAuURIdjI7SsflvI8-cDA9Y-vY0NTu1_ZcwwGSe2HcsjKFPk6cKrxA4yfV0Bw",
            ),
        ] {
            let signed = keygrip(&["keyboard cat"], algorithm).sign(data);
            assert_eq!(signed, expected, "{algorithm}");
            assert_eq!(signed.len(), algorithm.signature_len());
        }
        assert_eq!(
            keygrip(&["ключ 🔑"], Algorithm::Sha1).sign("express:sess=e30="),
            "NJIHcuPLfXtg3AlV0vfDmDPnlzo"
        );
    }

    #[test]
    fn index_finds_the_key_and_refuses_near_misses() {
        let data = "session=eyJ2aWV3cyI6MX0=";
        let signed = keygrip(&["keyboard cat"], Algorithm::Sha1).sign(data);
        let list = keygrip(&["a", "b", "keyboard cat"], Algorithm::Sha1);
        assert_eq!(list.index(data, &signed), Some(2));
        for forged in [
            format!("{signed}="),
            signed[..26].to_owned(),
            signed.to_lowercase(),
            signed.replace('-', "+"),
            String::new(),
        ] {
            assert_eq!(list.index(data, &forged), None, "{forged}");
        }
        assert_eq!(list.index("session=eyJ2aWV3cyI6Mn0=", &signed), None);
        // The same key under another algorithm signs something else.
        assert_eq!(
            keygrip(&["keyboard cat"], Algorithm::Sha256).index(data, &signed),
            None
        );
    }

    #[test]
    fn debug_never_shows_keys() {
        let shown = format!("{:?}", keygrip(&["hunter2-key"], Algorithm::Sha512));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
