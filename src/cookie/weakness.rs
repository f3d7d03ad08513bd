//! Which secrets are weak, and why: the rule `serve` refuses secrets by, `sign` and `verify`
//! warn by, and an audit of deployed secrets can reuse.
//!
//! A secret is weak when the first of these applies, checked in this order:
//!
//! 1. **Well known** ([`Weakness::WellKnown`]): it is on [`WELL_KNOWN_SECRETS`], the secrets of
//!    READMEs, docs and tutorials that end up in production, compared after
//!    [folding](normalize) (letters and digits only, lower case: `Keyboard_Cat` is
//!    `keyboard cat`). Some are long enough to pass every other check.
//! 2. **Short** ([`Weakness::Short`]): fewer than [`MIN_STRONG_LEN`] (32) bytes, the length of
//!    an HMAC-SHA256 key; express-session's docs ask for a long random string.
//! 3. **Repeated** ([`Weakness::Repeated`]): one shorter piece said at least twice, and nothing
//!    else (`aaaa…`, `abab…`, `secret-secret-secret-…`): the secret is no stronger than the piece.
//! 4. **Low entropy** ([`Weakness::LowEntropy`]): its [estimated entropy](estimated_entropy_bits)
//!    is below [`MIN_ENTROPY_BITS`] (80): a long string with few distinct characters, a run such
//!    as `abcdef…` or `0123…`, or a phrase that repeats itself with small changes
//!    (`test-secret-test-secret-01`).
//!
//! What it cannot see: dictionary words and keyboard walks (`qwertyuiop…`) look as random as
//! their characters are varied. A secret made by a random generator (`openssl rand -hex 16` or
//! longer, or `sio-auth`'s own default secret) always passes.

use std::fmt;

/// Secrets shorter than this many bytes are weak.
pub const MIN_STRONG_LEN: usize = 32;

/// Secrets whose [estimated entropy](estimated_entropy_bits) is below this are weak. Random
/// secrets estimate below their true entropy (of 100 000 random 32-character hex secrets,
/// 128 bits each, the estimates ran from 86 to 126), so the threshold sits under them and above
/// phrases that repeat themselves (35 to 70).
pub const MIN_ENTROPY_BITS: f64 = 80.0;

/// Only this many leading characters are looked at, so that the estimate stays cheap for any
/// secret (it is quadratic in the length).
const ANALYZED_CHARS: usize = 1024;

/// A run of at least this many characters seen earlier in the secret counts as one character.
const MIN_REPEAT: usize = 4;

/// A secret published somewhere, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WellKnown {
    /// The secret as published.
    pub secret: &'static str,
    /// Where it comes from.
    pub source: &'static str,
}

const fn known(secret: &'static str, source: &'static str) -> WellKnown {
    WellKnown { secret, source }
}

/// Secrets from READMEs, docs and tutorials, found in real deployments far too often. Compared
/// after [`normalize`], so each entry also covers its variants of case, spaces and punctuation.
pub const WELL_KNOWN_SECRETS: &[WellKnown] = &[
    known(
        "keyboard cat",
        "express-session's README (also Passport's and connect-redis's examples)",
    ),
    known("tobiiscool", "cookie-signature's README"),
    known(
        "shhhh, very secret",
        "Express's own examples (examples/auth, examples/cookies)",
    ),
    known("shhh, it's a secret", "Express session tutorials"),
    known(
        "changeit",
        "socket.io's docs and examples for express-session and Passport",
    ),
    known("ssshhhhh", "a much-copied Express session tutorial"),
    known(
        "complex_password_at_least_32_characters_long",
        "iron-session's README (32 characters and more: it passes a length check)",
    ),
    known(
        "your-super-secret-jwt-token-with-at-least-32-characters-long",
        "Supabase's self-hosting .env.example (JWT_SECRET)",
    ),
    known("my-secret", "express-socket.io-session's example"),
    // Grown for `sio-auth audit`: more framework docs, generators and tutorials.
    known(
        "your secret here",
        "Express 3's generated app.js (cookieParser('your secret here')); Payload CMS's .env.example",
    ),
    known("my secret here", "Express's examples/cookies"),
    known("some secret here", "Express's examples/mvc"),
    known("manny is cool", "Express's examples/cookie-sessions"),
    known(
        "s3Cur3",
        "Express's 'Production best practices: security' page",
    ),
    known("session_cookie_secret", "express-mysql-session's README"),
    known("MEAN", "MEAN.js's config/env/default.js (sessionSecret)"),
    known(
        "angular-fullstack-secret",
        "generator-angular-fullstack's config",
    ),
    known(
        "Your Session Secret goes here",
        "hackathon-starter's .env.example",
    ),
    known(
        "thisismysecrctekeyfhrgfgrfrty84fwir767",
        "a much-copied express-session tutorial (GeeksforGeeks)",
    ),
    known(
        "a long, randomly-generated string stored in env",
        "Auth0's express-openid-connect README",
    ),
    known(
        "a secret with minimum length of 32 characters",
        "@fastify/session's README",
    ),
    known("im a newer secret", "Koa's docs (app.keys)"),
    known("i like turtle", "Koa's docs (app.keys)"),
    known("some secret hurr", "koa-session's README"),
    known("key1", "cookie-session's README (keys)"),
    known("key2", "cookie-session's README (keys)"),
    known("SEKRIT1", "keygrip's README"),
    known("SEKRIT2", "keygrip's README"),
    known("toBeModified1", "Strapi's .env.example (APP_KEYS)"),
    known("toBeModified2", "Strapi's .env.example (APP_KEYS)"),
    known("tobemodified", "Strapi's .env.example (JWT secrets)"),
    known("cookie secret", "tutorials' placeholder"),
    known("top secret", "tutorials' placeholder"),
    known("your secret", "socket.io.session's README"),
    known("your secret key", "tutorials' placeholder"),
    known("secret", "tutorials' placeholder"),
    known("my secret", "tutorials' placeholder"),
    known("supersecret", "tutorials' placeholder"),
    known("session secret", "tutorials' placeholder"),
    known("secret key", "tutorials' placeholder"),
    known("s3cr3t", "tutorials' placeholder"),
    known("changeme", "configuration templates' placeholder"),
    known("password", "configuration templates' placeholder"),
    known("test", "test suites"),
    known("foo", "test suites"),
];

/// Why a secret is weak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weakness {
    /// On [`WELL_KNOWN_SECRETS`].
    WellKnown {
        /// Where it was published.
        source: &'static str,
    },
    /// Fewer than [`MIN_STRONG_LEN`] bytes.
    Short {
        /// The secret's length in bytes.
        bytes: usize,
    },
    /// One piece repeated, and nothing else.
    Repeated {
        /// The length of the piece, in characters.
        piece: usize,
    },
    /// An [estimated entropy](estimated_entropy_bits) below [`MIN_ENTROPY_BITS`].
    LowEntropy {
        /// The estimate, in bits.
        bits: f64,
    },
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WellKnown { source } => write!(f, "is a well-known example secret ({source})"),
            Self::Short { bytes } => {
                let unit = if *bytes == 1 { "byte" } else { "bytes" };
                write!(
                    f,
                    "is only {bytes} {unit} long ({MIN_STRONG_LEN} or more recommended)"
                )
            }
            Self::Repeated { piece } => {
                let unit = if *piece == 1 {
                    "character"
                } else {
                    "characters"
                };
                write!(f, "is one piece of {piece} {unit} repeated")
            }
            Self::LowEntropy { bits } => write!(
                f,
                "has an estimated entropy of only {bits:.0} bits ({MIN_ENTROPY_BITS:.0} or more \
                 recommended): few distinct characters, runs or repeats"
            ),
        }
    }
}

/// Why `secret` is weak, if it is: the first that applies of well known, short, repeated and
/// low entropy (see [`Weakness`]).
///
/// ```
/// use sio_auth::cookie::{Weakness, weakness};
/// assert!(matches!(weakness("Keyboard_Cat"), Some(Weakness::WellKnown { .. })));
/// assert_eq!(weakness("short"), Some(Weakness::Short { bytes: 5 }));
/// assert_eq!(weakness(&"a".repeat(36)), Some(Weakness::Repeated { piece: 1 }));
/// assert!(matches!(
///     weakness("abcdefghijklmnopqrstuvwxyz0123456789"),
///     Some(Weakness::LowEntropy { .. })
/// ));
/// assert_eq!(weakness("Zq3xV8bN1mK5tR7wY2cL9pD4hJ6gF0sA"), None);
/// ```
pub fn weakness(secret: &str) -> Option<Weakness> {
    let folded = normalize(secret);
    if let Some(known) = WELL_KNOWN_SECRETS
        .iter()
        .find(|known| normalize(known.secret) == folded)
    {
        return Some(Weakness::WellKnown {
            source: known.source,
        });
    }
    if secret.len() < MIN_STRONG_LEN {
        return Some(Weakness::Short {
            bytes: secret.len(),
        });
    }
    let chars: Vec<char> = secret.chars().take(ANALYZED_CHARS).collect();
    if let Some(piece) = repeated_piece(&chars) {
        return Some(Weakness::Repeated { piece });
    }
    let bits = entropy_bits(&chars);
    (bits < MIN_ENTROPY_BITS).then_some(Weakness::LowEntropy { bits })
}

/// The form secrets are compared in against [`WELL_KNOWN_SECRETS`]: letters and digits only, in
/// lower case.
///
/// ```
/// assert_eq!(sio_auth::cookie::normalize("Shhhh, very SECRET!"), "shhhhverysecret");
/// ```
pub fn normalize(secret: &str) -> String {
    secret
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A rough estimate of the entropy of a secret, in bits (of its first 1024 characters): the
/// number of *fresh* characters times the bits per character, where
///
/// * fresh characters are counted left to right, a run of 4 or more characters that already
///   appeared earlier in the secret counting as one (as a compressor would see it);
/// * bits per character is the Shannon entropy of the secret's character frequencies, or of the
///   differences between consecutive characters' code points when that is lower (so that
///   `abcdef…`, `0123…` or `acegik…`, whose characters all differ, count as the runs they are).
///
/// ```
/// use sio_auth::cookie::estimated_entropy_bits;
/// assert_eq!(estimated_entropy_bits(&"x".repeat(40)), 0.0);
/// assert!(estimated_entropy_bits("serve-test-secret-serve-test-secret") < 50.0);
/// assert!(estimated_entropy_bits("Zq3xV8bN1mK5tR7wY2cL9pD4hJ6gF0sA") > 140.0);
/// ```
pub fn estimated_entropy_bits(secret: &str) -> f64 {
    let chars: Vec<char> = secret.chars().take(ANALYZED_CHARS).collect();
    entropy_bits(&chars)
}

fn entropy_bits(chars: &[char]) -> f64 {
    let codes: Vec<i64> = chars.iter().map(|&c| i64::from(u32::from(c))).collect();
    let steps: Vec<i64> = codes.windows(2).map(|w| w[1] - w[0]).collect();
    let per_char = shannon(&codes).min(if steps.is_empty() {
        0.0
    } else {
        shannon(&steps)
    });
    #[allow(clippy::cast_precision_loss)]
    let fresh = fresh_chars(chars) as f64;
    // `+ 0.0` turns the -0.0 of a one-symbol secret into 0.0.
    fresh * per_char + 0.0
}

/// Shannon entropy of the values' frequencies, in bits per value.
fn shannon(values: &[i64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    #[allow(clippy::cast_precision_loss)]
    let n = sorted.len() as f64;
    sorted
        .chunk_by(|a, b| a == b)
        .map(|run| {
            #[allow(clippy::cast_precision_loss)]
            let p = run.len() as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The characters left when each run of [`MIN_REPEAT`] or more that already appeared earlier
/// (overlaps allowed, as in LZ77) counts as one.
fn fresh_chars(chars: &[char]) -> usize {
    let mut fresh = 0;
    let mut at = 0;
    while at < chars.len() {
        let longest = (0..at)
            .map(|from| {
                chars[at..]
                    .iter()
                    .zip(&chars[from..])
                    .take_while(|(a, b)| a == b)
                    .count()
            })
            .max()
            .unwrap_or(0);
        at += if longest >= MIN_REPEAT { longest } else { 1 };
        fresh += 1;
    }
    fresh
}

/// The length of the piece the secret repeats, when it is one piece said at least twice (the
/// last time possibly cut short): its smallest period, when that is at most half its length.
fn repeated_piece(chars: &[char]) -> Option<usize> {
    (1..=chars.len() / 2).find(|&period| chars[period..].iter().zip(chars).all(|(a, b)| a == b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_of_weak_secret() {
        for (secret, class) in [
            // Well known, in any case or punctuation, however long.
            ("keyboard cat", "well-known"),
            ("KEYBOARD-CAT", "well-known"),
            ("complex_password_at_least_32_characters_long", "well-known"),
            (
                "Your Super Secret JWT token with at least 32 characters long",
                "well-known",
            ),
            // Short.
            ("short-but-unique", "short"),
            ("Zq3xV8bN1mK5tR7wY2cL9pD4hJ6gF0s", "short"),
            // Repeated: one character, a pair, a phrase, a cut-short last copy.
            (&"a".repeat(36), "repeated"),
            (&"ab".repeat(20), "repeated"),
            ("old-secret-old-secret-old-secret", "repeated"),
            ("secret-secret-secret-secret-secr", "repeated"),
            // Low entropy: runs, two characters, a phrase repeated with a small change.
            ("abcdefghijklmnopqrstuvwxyz0123456789", "low entropy"),
            ("0123456789abcdefghijklmnopqrstuvwxyz", "low entropy"),
            ("acegikmoqsuwy02468bdfhjlnprtvxz13579", "low entropy"),
            (
                &format!("{}{}", "a".repeat(18), "b".repeat(18)),
                "low entropy",
            ),
            ("serve-test-secret-serve-test-secret", "low entropy"),
            ("another-secret-another-secret-0123", "low entropy"),
        ] {
            let found = weakness(secret);
            let name = match found {
                Some(Weakness::WellKnown { .. }) => "well-known",
                Some(Weakness::Short { .. }) => "short",
                Some(Weakness::Repeated { .. }) => "repeated",
                Some(Weakness::LowEntropy { .. }) => "low entropy",
                None => "strong",
            };
            assert_eq!(name, class, "{secret:?}: {found:?}");
        }
    }

    #[test]
    fn random_and_long_secrets_pass() {
        for secret in [
            "Zq3xV8bN1mK5tR7wY2cL9pD4hJ6gF0sA",
            // `openssl rand -hex 16`: 128 bits in 32 characters.
            "3f9a0c7e12b45d68e0a9f1c3b7d25e84",
            "a-perfectly-good-secret-of-enough-length",
            "connect-tests-secret-0123456789abcdef",
            "This is my long session secret, 2026 edition!",
        ] {
            assert_eq!(weakness(secret), None, "{secret:?}");
        }
        // 16 random bytes in hex, the weakest random secret allowed, pass.
        for _ in 0..2000 {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).expect("random");
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(weakness(&hex), None, "{hex}");
        }
    }

    #[test]
    fn the_messages_name_the_reason() {
        let say = |s: &str| weakness(s).map(|w| w.to_string()).unwrap_or_default();
        assert_eq!(
            say("tobiiscool"),
            "is a well-known example secret (cookie-signature's README)"
        );
        assert_eq!(say("x"), "is only 1 byte long (32 or more recommended)");
        assert_eq!(
            say(&"ab".repeat(20)),
            "is one piece of 2 characters repeated"
        );
        assert!(
            say("abcdefghijklmnopqrstuvwxyz0123456789")
                .starts_with("has an estimated entropy of only 7 bits (80 or more recommended)")
        );
    }

    /// Only the first 1024 characters are analyzed: a megabyte secret is judged by them.
    #[test]
    fn a_huge_secret_is_judged_by_its_start() {
        assert_eq!(
            weakness(&"ab".repeat(1_000_000)),
            Some(Weakness::Repeated { piece: 2 })
        );
        // CJK characters in a pseudo-random order (xorshift).
        let mut state = 0x2545_f491_u32;
        let varied: String = (0..1_000_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                char::from_u32(0x4e00 + state % 20_000).unwrap_or('x')
            })
            .collect();
        assert_eq!(weakness(&varied), None);
    }
}
