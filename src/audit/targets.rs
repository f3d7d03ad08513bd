//! The cookies of a search, one [`Targets`] per signature scheme: express-session's and
//! cookie-session's HMAC-SHA256 on the SHA-256 block function, cookie-session's HMAC-SHA1 on the
//! SHA-1 block function, its HMAC-SHA384/512 on the `hmac` crate's keyed state.

use sio_auth::cookie::{
    Algorithm, PaddedKey, SessionCookie, Sha1PaddedKey, Sha1Target, SignedCookie, Target, WideKey,
    WideTarget,
};

use super::search::Targets;

/// HMAC-SHA256 cookies: four compressions per candidate and short cookie.
pub(super) struct Sha256Targets(Vec<Target>);

impl Sha256Targets {
    pub(super) fn express(cookies: &[SignedCookie]) -> Self {
        Self(cookies.iter().map(Target::new).collect())
    }

    /// cookie-session pairs parsed for [`Algorithm::Sha256`] (32-byte tags).
    pub(super) fn session(cookies: &[SessionCookie]) -> Self {
        Self(
            cookies
                .iter()
                .map(|c| {
                    let mut tag = [0u8; 32];
                    tag.copy_from_slice(c.tag());
                    Target::from_message(c.message().as_bytes(), tag)
                })
                .collect(),
        )
    }
}

impl Targets for Sha256Targets {
    type Key = PaddedKey;

    fn key(&self, candidate: &[u8]) -> PaddedKey {
        PaddedKey::new(candidate)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_signed_by(&self, cookie: usize, key: &PaddedKey) -> bool {
        self.0[cookie].is_signed_by(key)
    }
}

/// HMAC-SHA1 pairs, keygrip's default.
pub(super) struct Sha1Targets(Vec<Sha1Target>);

impl Sha1Targets {
    pub(super) fn new(cookies: &[SessionCookie]) -> Self {
        Self(cookies.iter().map(Sha1Target::new).collect())
    }
}

impl Targets for Sha1Targets {
    type Key = Sha1PaddedKey;

    fn key(&self, candidate: &[u8]) -> Sha1PaddedKey {
        Sha1PaddedKey::new(candidate)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_signed_by(&self, cookie: usize, key: &Sha1PaddedKey) -> bool {
        self.0[cookie].is_signed_by(key)
    }
}

/// HMAC-SHA384 or HMAC-SHA512 pairs.
pub(super) struct WideTargets {
    make: fn(&[u8]) -> WideKey,
    targets: Vec<WideTarget>,
}

impl WideTargets {
    /// `None` for the algorithms with their own targets (SHA-1, SHA-256).
    pub(super) fn new(algorithm: Algorithm, cookies: &[SessionCookie]) -> Option<Self> {
        let make: fn(&[u8]) -> WideKey = match algorithm {
            Algorithm::Sha384 => WideKey::sha384,
            Algorithm::Sha512 => WideKey::sha512,
            Algorithm::Sha1 | Algorithm::Sha256 => return None,
        };
        Some(Self {
            make,
            targets: cookies.iter().map(WideTarget::new).collect(),
        })
    }
}

impl Targets for WideTargets {
    type Key = WideKey;

    fn key(&self, candidate: &[u8]) -> WideKey {
        (self.make)(candidate)
    }

    fn len(&self) -> usize {
        self.targets.len()
    }

    fn is_signed_by(&self, cookie: usize, key: &WideKey) -> bool {
        self.targets[cookie].is_signed_by(key)
    }
}
