//! `cookie-signature` and express-session's `s:` convention, with a list of secrets.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::encoding::{hex_value, with_try_decoded};
use super::header::{find_raw_cookie, pasted_value};
use super::padded::PaddedKey;

/// Length of a signature: 32 bytes of HMAC-SHA256 in standard base64 without `=` padding.
pub const SIGNATURE_LEN: usize = 43;

/// Standard base64 of a 32-byte tag without padding: 43 characters, on the stack.
fn encode_tag(tag: &[u8; 32]) -> [u8; SIGNATURE_LEN] {
    let mut out = [0u8; SIGNATURE_LEN];
    let written = STANDARD_NO_PAD.encode_slice(tag, &mut out);
    debug_assert_eq!(written, Ok(SIGNATURE_LEN));
    out
}

/// Equality of two signatures that takes the same time wherever they differ (the
/// `constant_time_eq` crate: one optimization barrier on the folded difference, where subtle
/// pays a volatile read per byte; with subtle a whole verify ran at 0.58× the hand-written
/// core's rate, with this crate at 0.85×, in the same run). Only a length mismatch answers
/// early, and the length is no secret.
fn constant_time_eq(expected: &[u8; SIGNATURE_LEN], given: &[u8]) -> bool {
    constant_time_eq::constant_time_eq(expected, given)
}

/// Whether every byte is of the standard base64 alphabet, with no early exit and no branch per
/// byte, so that where a wrong character sits does not show in the time taken.
fn all_standard_base64(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |ok, &b| {
        ok & ((b.wrapping_sub(b'A') < 26)
            | (b.wrapping_sub(b'a') < 26)
            | (b.wrapping_sub(b'0') < 10)
            | (b == b'+')
            | (b == b'/'))
    })
}

/// Whether a signature text has cookie-signature's form: 43 characters of standard base64.
pub(crate) fn well_formed(signature: &[u8]) -> bool {
    signature.len() == SIGNATURE_LEN && all_standard_base64(signature)
}

/// A decoded cookie value split as `unsign` reads it: the `s:` prefix removed, then the sid and
/// the signature text on either side of the last dot.
pub(crate) fn split_signed(value: &str) -> Result<(&str, &[u8]), Rejection> {
    let signed = value.strip_prefix("s:").ok_or(Rejection::NotSigned)?;
    let (sid, signature) = signed.rsplit_once('.').ok_or(Rejection::NoSeparator)?;
    Ok((sid, signature.as_bytes()))
}

/// The signature text from its percent-encoded form in a cookie (where `+` and `/` are
/// escaped): exactly [`SIGNATURE_LEN`] bytes or `None`. Eight bytes are copied at a time, up
/// to the next `%`, so that a signature's few escapes are the only bytes handled one by one.
fn decode_signature(encoded: &[u8]) -> Option<[u8; SIGNATURE_LEN]> {
    const PERCENTS: u64 = u64::from_le_bytes([b'%'; 8]);
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // Room for an eight-byte copy that starts at the last byte.
    let mut out = [0u8; SIGNATURE_LEN + 8];
    let mut len = 0;
    let mut i = 0;
    while i < encoded.len() {
        if len > SIGNATURE_LEN {
            return None;
        }
        if let Some(chunk) = encoded.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            // The zero bytes of `word ^ PERCENTS` are the `%` signs; the classic has-zero-byte
            // test marks the first of them exactly (only bytes after a zero can be misread).
            let x = u64::from_le_bytes(word) ^ PERCENTS;
            let marks = x.wrapping_sub(ONES) & !x & HIGHS;
            let literal = (marks.trailing_zeros() / 8) as usize;
            out[len..len + 8].copy_from_slice(chunk);
            len += literal;
            i += literal;
            if literal == 8 {
                continue;
            }
        }
        let byte = if encoded[i] == b'%' {
            let hi = encoded.get(i + 1).copied().and_then(hex_value)?;
            let lo = encoded.get(i + 2).copied().and_then(hex_value)?;
            i += 3;
            hi << 4 | lo
        } else {
            i += 1;
            encoded[i - 1]
        };
        *out.get_mut(len)? = byte;
        len += 1;
    }
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(out.get(..len).filter(|s| s.len() == SIGNATURE_LEN)?);
    Some(signature)
}

/// A secret that signs or verifies cookies. Its `Debug` output never shows the value.
///
/// ```
/// use sio_auth::cookie::Secret;
/// let secret = Secret::new("hunter2").unwrap();
/// assert_eq!(format!("{secret:?}"), "Secret(redacted)");
/// assert!(Secret::new("").is_err());
/// ```
#[derive(Clone)]
pub struct Secret(Box<str>);

/// The error for an empty secret, which cookie-signature refuses too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a secret must not be empty")]
pub struct EmptySecret;

impl Secret {
    /// Wraps a secret; any non-empty text is allowed (its UTF-8 bytes are the HMAC key).
    ///
    /// # Errors
    /// [`EmptySecret`] for the empty string.
    pub fn new(secret: impl Into<String>) -> Result<Self, EmptySecret> {
        let secret = secret.into();
        if secret.is_empty() {
            return Err(EmptySecret);
        }
        Ok(Self(secret.into_boxed_str()))
    }

    /// The secret itself, for the rare caller that must write it somewhere.
    ///
    /// ```
    /// # use sio_auth::cookie::Secret;
    /// assert_eq!(Secret::new("abc").unwrap().expose(), "abc");
    /// ```
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Why this secret is weak, if it is: see [`weakness`](super::weakness()).
    ///
    /// ```
    /// use sio_auth::cookie::{Secret, Weakness};
    /// assert!(matches!(
    ///     Secret::new("Keyboard Cat").unwrap().weakness(),
    ///     Some(Weakness::WellKnown { .. })
    /// ));
    /// assert_eq!(Secret::new("short").unwrap().weakness(), Some(Weakness::Short { bytes: 5 }));
    /// assert_eq!(Secret::new("Zq3xV8bN1mK5tR7wY2cL9pD4hJ6gF0sA").unwrap().weakness(), None);
    /// ```
    pub fn weakness(&self) -> Option<super::Weakness> {
        super::weakness(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// The error for a keyring without secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("at least one secret is needed")]
pub struct NoSecrets;

/// A verified cookie: the session id it carries and which secret signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The session id.
    pub sid: Cow<'a, str>,
    /// Index in the keyring of the secret whose signature matched (0 = the signing secret).
    pub secret_index: usize,
}

impl Verified<'_> {
    /// Detaches the verdict from the input it borrows from.
    pub fn into_owned(self) -> Verified<'static> {
        Verified {
            sid: Cow::Owned(self.sid.into_owned()),
            secret_index: self.secret_index,
        }
    }
}

/// Why a cookie was not accepted. express-session treats all of them alike (no session);
/// the kinds exist so that people can tell what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The `Cookie` header has no cookie with the expected name.
    #[error("no cookie of that name")]
    NoCookie,
    /// The value does not start with `s:`, so it was never signed.
    #[error("not signed (no \"s:\" prefix)")]
    NotSigned,
    /// After `s:` there is no `.` separating a session id from a signature.
    #[error("malformed: no '.' before the signature")]
    NoSeparator,
    /// The session id before the signature is empty.
    #[error("malformed: empty session id")]
    EmptySid,
    /// The signature is not 43 characters of standard base64 (base64url and `=` padding are
    /// refused by Node too).
    #[error("malformed: the signature is not 43 characters of standard base64")]
    MalformedSignature,
    /// Well formed, but no secret of the keyring produced this signature.
    #[error("bad signature")]
    BadSignature,
}

/// Signs and verifies session cookies with a list of secrets: the first one signs, every one
/// is tried in order when verifying, so secrets can be rotated.
///
/// The keyed HMAC state of each secret is computed once, here, not once per cookie.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<PaddedKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("secrets", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Builds a keyring; the first secret signs.
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, NoSecrets, Secret};
    /// let keyring = Keyring::new([Secret::new("new").unwrap(), Secret::new("old").unwrap()]).unwrap();
    /// assert_eq!(keyring.len(), 2);
    /// assert_eq!(Keyring::new([]).unwrap_err(), NoSecrets);
    /// ```
    ///
    /// # Errors
    /// [`NoSecrets`] when the list is empty.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Result<Self, NoSecrets> {
        let keys: Vec<_> = secrets
            .into_iter()
            .map(|s| PaddedKey::new(s.expose().as_bytes()))
            .collect();
        if keys.is_empty() {
            return Err(NoSecrets);
        }
        Ok(Self { keys })
    }

    /// How many secrets the keyring holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a keyring holds at least one secret.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn tag(&self, index: usize, sid: &str) -> [u8; 32] {
        self.keys[index].tag(sid.as_bytes())
    }

    /// cookie-signature's `sign(sid, secret)` with the first secret: `sid.<signature>`.
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Secret};
    /// let keyring = Keyring::new([Secret::new("tobiiscool").unwrap()]).unwrap();
    /// assert_eq!(keyring.sign_bare("hello"), "hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI");
    /// ```
    pub fn sign_bare(&self, sid: &str) -> String {
        self.signed_with_prefix("", sid)
    }

    /// `prefix` + `sid` + `.` + signature, in one allocation.
    fn signed_with_prefix(&self, prefix: &str, sid: &str) -> String {
        let tag = self.tag(0, sid);
        let mut out = String::with_capacity(prefix.len() + sid.len() + 1 + SIGNATURE_LEN);
        out.push_str(prefix);
        out.push_str(sid);
        out.push('.');
        out.extend(encode_tag(&tag).iter().map(|&b| char::from(b)));
        out
    }

    /// The cookie value express-session stores before percent-encoding: `s:sid.<signature>`.
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Secret};
    /// let keyring = Keyring::new([Secret::new("tobiiscool").unwrap()]).unwrap();
    /// assert_eq!(keyring.sign("hello"), "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI");
    /// ```
    pub fn sign(&self, sid: &str) -> String {
        self.signed_with_prefix("s:", sid)
    }

    /// cookie-signature's `unsign` over the keyring: `sid.<signature>` → the sid. Splits at the
    /// last `.`, so session ids may contain dots; compares in constant time.
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Rejection, Secret};
    /// let keyring = Keyring::new([Secret::new("new").unwrap(), Secret::new("old").unwrap()]).unwrap();
    /// let old = Keyring::new([Secret::new("old").unwrap()]).unwrap();
    /// let signed = old.sign_bare("a.b");
    /// let verdict = keyring.unsign_bare(&signed).unwrap();
    /// assert_eq!((verdict.sid.as_ref(), verdict.secret_index), ("a.b", 1));
    /// assert_eq!(keyring.unsign_bare("a.b"), Err(Rejection::MalformedSignature));
    /// ```
    ///
    /// # Errors
    /// The [`Rejection`] saying why the value is not a valid signature.
    pub fn unsign_bare<'a>(&self, signed: &'a str) -> Result<Verified<'a>, Rejection> {
        let (sid, signature) = signed.rsplit_once('.').ok_or(Rejection::NoSeparator)?;
        self.check(sid, signature.as_bytes())
    }

    /// The verdict on a session id and the signature text that followed its last dot.
    fn check<'a>(&self, sid: &'a str, signature: &[u8]) -> Result<Verified<'a>, Rejection> {
        self.verdict(sid, signature, well_formed(signature))
    }

    /// [`check`](Self::check) once the signature's form is known.
    fn verdict<'a>(
        &self,
        sid: &'a str,
        signature: &[u8],
        well_formed: bool,
    ) -> Result<Verified<'a>, Rejection> {
        // Worked out whatever the verdict, and every verdict leaves by the same tail, so that
        // where a signature is wrong never shows in the time taken (`benches/timing` checks
        // it). The form depends only on the input: a malformed signature skips the HMAC.
        let mut matched = None;
        if well_formed {
            for index in 0..self.keys.len() {
                let expected = encode_tag(&self.tag(index, sid));
                // Node compares the signature text, so a non-canonical last character (same
                // bytes once decoded) must fail too: compare the text, in constant time.
                if constant_time_eq(&expected, signature) {
                    matched = Some(index);
                    break;
                }
            }
        }
        match matched {
            // express-session treats an empty sid as no session at all.
            _ if well_formed && sid.is_empty() => Err(Rejection::EmptySid),
            Some(secret_index) => Ok(Verified {
                sid: Cow::Borrowed(sid),
                secret_index,
            }),
            None if well_formed => Err(Rejection::BadSignature),
            None => Err(Rejection::MalformedSignature),
        }
    }

    /// express-session's check of a decoded cookie value: requires the `s:` prefix, then
    /// [`unsign_bare`](Self::unsign_bare).
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Rejection, Secret};
    /// let keyring = Keyring::new([Secret::new("k").unwrap()]).unwrap();
    /// assert!(keyring.unsign(&keyring.sign("abc")).is_ok());
    /// assert_eq!(keyring.unsign("abc"), Err(Rejection::NotSigned));
    /// ```
    ///
    /// # Errors
    /// The [`Rejection`] saying why the value is not accepted.
    pub fn unsign<'a>(&self, value: &'a str) -> Result<Verified<'a>, Rejection> {
        let (sid, signature) = split_signed(value)?;
        self.check(sid, signature)
    }

    /// Verifies a cookie value as it appears in a `Cookie` header: percent-decoded when that
    /// succeeds (raw otherwise), then [`unsign`](Self::unsign).
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Secret};
    /// let keyring = Keyring::new([Secret::new("tobiiscool").unwrap()]).unwrap();
    /// let encoded = "s%3ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
    /// assert_eq!(keyring.verify_value(encoded).unwrap().sid, "hello");
    /// ```
    ///
    /// # Errors
    /// The [`Rejection`] saying why the value is not accepted.
    pub fn verify_value<'a>(&self, value: &'a str) -> Result<Verified<'a>, Rejection> {
        // The common form, `s%3A<sid>.<signature>` with no other escape, decodes to `s:` and
        // the rest as it stands: verify the rest in place, with no decoding buffer and no copy
        // of the sid.
        if let Some(verdict) = self.verify_common_form(value) {
            return verdict;
        }
        if value.contains('%') {
            with_try_decoded(value, |decoded| {
                self.unsign(decoded).map(Verified::into_owned)
            })
        } else {
            self.unsign(value)
        }
    }

    /// `s%3A<sid>.<signature>` with no escape in the sid (only the signature's `+` and `/` are
    /// escaped): decoding it whole gives `s:`, the sid as it stands, a dot and the decoded
    /// signature, so the sid is borrowed in place and only the signature is decoded, on the
    /// stack. `None` for every other form, which takes the general path.
    fn verify_common_form<'a>(&self, value: &'a str) -> Option<Result<Verified<'a>, Rejection>> {
        let rest = value
            .strip_prefix("s%3A")
            .or_else(|| value.strip_prefix("s%3a"))?;
        let dot = memchr::memrchr(b'.', rest.as_bytes())?;
        let (sid, encoded) = (&rest[..dot], &rest[dot + 1..]);
        if memchr::memchr(b'%', sid.as_bytes()).is_some() {
            return None;
        }
        // Any other length is malformed, and the general path says so.
        let signature = decode_signature(encoded.as_bytes())?;
        // Anything but base64 (a decoded dot would move the split, a non-ASCII byte needs the
        // UTF-8 rules) takes the general path, which finds it malformed.
        if !well_formed(&signature) {
            return None;
        }
        Some(self.verdict(sid, &signature, true))
    }

    /// Finds the cookie `name` in a `Cookie` header and verifies it, as express-session's
    /// `getcookie` does.
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Rejection, Secret};
    /// let keyring = Keyring::new([Secret::new("k").unwrap()]).unwrap();
    /// assert_eq!(keyring.verify_header("other=1", "express.sid"), Err(Rejection::NoCookie));
    /// ```
    ///
    /// # Errors
    /// The [`Rejection`] saying why the header carries no valid session cookie.
    pub fn verify_header<'a>(
        &self,
        header: &'a str,
        name: &str,
    ) -> Result<Verified<'a>, Rejection> {
        let value = find_raw_cookie(header, name).ok_or(Rejection::NoCookie)?;
        self.verify_value(value)
    }

    /// Verifies a cookie given in any of the forms people paste: a whole Cookie header (with or
    /// without the `Cookie:` header name), a `name=value` pair, a percent-encoded value or a
    /// raw `s:` value. Spaces and tabs around it are ignored.
    ///
    /// A value is recognised by its `s:` / `s%3A` prefix, or by having no `=`; anything else is
    /// read as a header, where the cookie `name` must be found.
    ///
    /// ```
    /// use sio_auth::cookie::{Keyring, Rejection, Secret};
    /// let keyring = Keyring::new([Secret::new("tobiiscool").unwrap()]).unwrap();
    /// let value = "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
    /// for input in [value.to_owned(), format!("Cookie: a=1; express.sid={value}")] {
    ///     assert_eq!(keyring.verify_input(&input, "express.sid").unwrap().sid, "hello");
    /// }
    /// assert_eq!(keyring.verify_input(&format!("other={value}"), "express.sid"), Err(Rejection::NoCookie));
    /// ```
    ///
    /// # Errors
    /// The [`Rejection`] saying why the input carries no valid session cookie.
    pub fn verify_input<'a>(&self, input: &'a str, name: &str) -> Result<Verified<'a>, Rejection> {
        let value = pasted_value(input, name).ok_or(Rejection::NoCookie)?;
        self.verify_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyring(secrets: &[&str]) -> Keyring {
        Keyring::new(secrets.iter().map(|s| Secret::new(*s).unwrap())).unwrap()
    }

    const HELLO: &str = "hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";

    #[test]
    fn known_answer() {
        assert_eq!(keyring(&["tobiiscool"]).sign_bare("hello"), HELLO);
    }

    #[test]
    fn node_rejects_these_so_do_we() {
        let k = keyring(&["tobiiscool"]);
        let cases: &[(&str, Rejection)] = &[
            (
                "s:hello.DGDUkGlIkCzPz-C0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::MalformedSignature,
            ),
            (
                "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI=",
                Rejection::MalformedSignature,
            ),
            (
                "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI%3D",
                Rejection::MalformedSignature,
            ),
            (
                "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5Q",
                Rejection::MalformedSignature,
            ),
            ("s:hello.", Rejection::MalformedSignature),
            ("s:hello", Rejection::NoSeparator),
            (
                "xs:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::NotSigned,
            ),
            (
                "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QIx",
                Rejection::MalformedSignature,
            ),
            (
                "s:hello.dgdukglikczpz+c0b064fnghdejox7ch8tobgslz5qi",
                Rejection::BadSignature,
            ),
            (
                "s%253Ahello.DGDUkGlIkCzPz%252BC0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::NotSigned,
            ),
            (
                "S:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::NotSigned,
            ),
            (
                "s:hellO.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::BadSignature,
            ),
            (
                "hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI",
                Rejection::NotSigned,
            ),
        ];
        for (value, why) in cases {
            assert_eq!(k.verify_value(value), Err(*why), "{value}");
        }
        assert_eq!(
            keyring(&["other"]).verify_value(&format!("s:{HELLO}")),
            Err(Rejection::BadSignature)
        );
        let empty = keyring(&["k"]).sign("");
        assert_eq!(keyring(&["k"]).unsign(&empty), Err(Rejection::EmptySid));
    }

    #[test]
    fn node_accepts_these_so_do_we() {
        let k = keyring(&["tobiiscool"]);
        for value in [
            format!("s:{HELLO}"),
            "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI".to_owned(),
            "s%3ahello.DGDUkGlIkCzPz%2bC0B064FNgHdEjox7ch8tOBGslZ5QI".to_owned(),
        ] {
            assert_eq!(k.verify_value(&value).unwrap().sid, "hello", "{value}");
        }
        let dotted = k.sign("a.b.c");
        assert_eq!(k.unsign(&dotted).unwrap().sid, "a.b.c");
        let unicode = keyring(&["ключ 🔑"]);
        assert_eq!(
            unicode.unsign(&unicode.sign("sid-é😀")).unwrap().sid,
            "sid-é😀"
        );
        let long = keyring(&[&"k".repeat(200)]);
        assert_eq!(long.unsign(&long.sign("x")).unwrap().sid, "x");
    }

    #[test]
    fn the_branchless_alphabet_check_is_the_standard_alphabet() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
            assert_eq!(all_standard_base64(&[b'A', b, b'z']), expected, "{b}");
        }
        assert!(all_standard_base64(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        ));
        assert!(all_standard_base64(b""));
    }

    #[test]
    fn decode_signature_takes_exactly_one_signature() {
        let sig = "DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";
        let encoded = "DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
        assert_eq!(decode_signature(sig.as_bytes()).unwrap(), sig.as_bytes());
        assert_eq!(
            decode_signature(encoded.as_bytes()).unwrap(),
            sig.as_bytes()
        );
        // An escape in every position of an eight-byte word, and at the very end.
        let all: String = sig.bytes().map(|b| format!("%{b:02x}")).collect();
        assert_eq!(decode_signature(all.as_bytes()).unwrap(), sig.as_bytes());
        for bad in [
            &sig[1..],                        // 42 characters
            &format!("{sig}A")[..],           // 44
            &format!("{}%", &sig[1..])[..],   // a `%` with no digits
            &format!("{}%4", &sig[1..])[..],  // one digit
            &format!("{}%G1", &sig[1..])[..], // not hex
            &format!("{sig}{sig}")[..],       // far too long
            "",
        ] {
            assert_eq!(decode_signature(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn rotation_reports_the_matching_secret() {
        let k = keyring(&["new", "older", "oldest"]);
        let signed = keyring(&["oldest"]).sign("sid");
        assert_eq!(k.unsign(&signed).unwrap().secret_index, 2);
        assert_eq!(k.unsign(&k.sign("sid")).unwrap().secret_index, 0);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let k = keyring(&["hunter2-is-my-password"]);
        let shown = format!("{k:?} {:?}", Secret::new("hunter2-is-my-password").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sign_then_verify_round_trips(sid in "\\PC{1,40}", secret in "\\PC{1,100}") {
            let keyring = Keyring::new([Secret::new(secret).unwrap()]).unwrap();
            let signed = keyring.sign(&sid);
            prop_assert_eq!(keyring.unsign(&signed).unwrap().sid, sid.as_str());
            let encoded = super::super::encode_uri_component(&signed);
            prop_assert_eq!(keyring.verify_value(&encoded).unwrap().sid, sid.as_str());
        }

        #[test]
        fn the_in_place_path_agrees_with_decoding_first(
            sid in "[ -~]{0,40}",
            tail in "[A-Za-z0-9+/=%.]{0,50}",
            lower in any::<bool>(),
            tamper in any::<bool>(),
            escape in any::<bool>(),
        ) {
            let keyring = Keyring::new([Secret::new("s3cr3t").unwrap()]).unwrap();
            let signed = keyring.sign(&sid);
            let body = if tamper { format!("{sid}.{tail}") } else { signed[2..].to_owned() };
            let body = if escape { super::super::encode_uri_component(&body).into_owned() } else { body };
            let value = format!("{}{body}", if lower { "s%3a" } else { "s%3A" });
            let decoded = super::super::try_decode(&value);
            let slow = keyring.unsign(&decoded).map(Verified::into_owned);
            prop_assert_eq!(keyring.verify_value(&value).map(Verified::into_owned), slow);
        }

        /// Any character of the signature escaped, in either case of hex: the same cookie.
        #[test]
        fn a_signature_with_any_escapes_is_the_same_signature(
            sid in "[A-Za-z0-9_-]{1,40}",
            escaped in prop::collection::vec(any::<bool>(), SIGNATURE_LEN),
            lower in any::<bool>(),
        ) {
            let keyring = Keyring::new([Secret::new("s3cr3t").unwrap()]).unwrap();
            let signed = keyring.sign_bare(&sid);
            let signature = &signed[sid.len() + 1..];
            let mut encoded = String::new();
            for (c, escape) in signature.chars().zip(&escaped) {
                match (escape, lower) {
                    (true, false) => encoded.push_str(&format!("%{:02X}", c as u32)),
                    (true, true) => encoded.push_str(&format!("%{:02x}", c as u32)),
                    (false, _) => encoded.push(c),
                }
            }
            let decoded = decode_signature(encoded.as_bytes());
            prop_assert_eq!(decoded.as_ref().map(|s| &s[..]), Some(signature.as_bytes()));
            let value = format!("s%3A{sid}.{encoded}");
            prop_assert_eq!(keyring.verify_value(&value).map(|v| v.sid.into_owned()), Ok(sid));
        }

        #[test]
        fn any_single_character_change_is_rejected(
            sid in "[ -~]{1,40}",
            secret in "\\PC{1,64}",
            position in any::<prop::sample::Index>(),
            replacement in any::<char>(),
        ) {
            let keyring = Keyring::new([Secret::new(secret).unwrap()]).unwrap();
            let signed = keyring.sign(&sid);
            let mut chars: Vec<char> = signed.chars().collect();
            let at = position.index(chars.len());
            prop_assume!(chars[at] != replacement);
            chars[at] = replacement;
            let tampered: String = chars.into_iter().collect();
            prop_assert!(keyring.unsign(&tampered).is_err(), "accepted {}", tampered);
        }
    }
}
