//! The Express session cookie, byte for byte.
//!
//! Everything here is pure: no I/O, no async, no command-line parsing. It reproduces what Node's
//! `cookie-signature`, `cookie` (0.7) and `express-session` do with the `express.sid` cookie, and
//! what `cookie-session` 2 (with `cookies` and `keygrip`) does with its pair of cookies, so a
//! cookie minted here is accepted by an Express app and the other way round:
//!
//! * [`Keyring`] signs a session id and verifies a signed value against a list of secrets,
//!   with keyed HMAC state computed once per secret;
//! * [`parse_header`] and [`find_cookie`] read a `Cookie` request header with the `cookie`
//!   package's rules;
//! * [`SetCookie`] builds the `Set-Cookie` header value express-session sends;
//! * [`SignedCookie`], [`PaddedKey`] and [`Target`] test candidate secrets against a captured
//!   cookie, four SHA-256 compressions each;
//! * [`CookieSession`] and [`Keygrip`] sign and read cookie-session's pair of cookies
//!   (`session=<base64 JSON>; session.sig=<keygrip signature>`), and [`SessionCookie`] with
//!   [`Sha1PaddedKey`] and [`Sha1Target`] test candidate keys against a captured pair;
//! * [`new_sid`] makes a session id the way express-session does (24 random bytes, base64url).
//!
//! ```
//! use sio_auth::cookie::{Keyring, Secret};
//!
//! let keyring = Keyring::new(vec![Secret::new("tobiiscool").unwrap()]).unwrap();
//! let signed = keyring.sign("hello");
//! assert_eq!(signed, "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI");
//! let verdict = keyring.verify_header("express.sid=s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI", "express.sid");
//! assert_eq!(verdict.unwrap().sid, "hello");
//! ```

mod audit;
mod cookie_session;
mod encoding;
mod header;
mod keygrip;
mod padded;
mod session_audit;
mod set_cookie;
mod sid;
mod signing;
mod weakness;

pub use audit::{SignedCookie, Target, Unauditable};
pub use cookie_session::{
    CookieSession, DEFAULT_SESSION_NAME, InvalidSessionName, JarAttributes, SessionData,
    SessionRejection, SignedSession, VerifiedSession, decode_session, encode_session,
    find_jar_cookie, is_session_name, node_base64_decode,
};
pub use encoding::{decode_uri_component, encode_uri_component, latin1_to_string, try_decode};
pub use header::{CookiePairs, Pasted, find_cookie, is_token, parse_header, read_pasted};
pub use keygrip::{Algorithm, Keygrip};
pub use padded::PaddedKey;
pub use session_audit::{
    SessionCookie, SessionUnauditable, Sha1PaddedKey, Sha1Target, WideKey, WideTarget,
};
pub use set_cookie::{InvalidAttribute, SameSite, SetCookie, http_date, iso_date, parse_iso_date};
pub use sid::{RandomUnavailable, new_sid, random_token};
pub use signing::{EmptySecret, Keyring, NoSecrets, Rejection, SIGNATURE_LEN, Secret, Verified};
pub use weakness::{
    MIN_ENTROPY_BITS, MIN_STRONG_LEN, WELL_KNOWN_SECRETS, Weakness, WellKnown,
    estimated_entropy_bits, normalize, weakness,
};

/// The cookie name express-session uses in the classic example, and our default.
pub const DEFAULT_COOKIE_NAME: &str = "express.sid";
