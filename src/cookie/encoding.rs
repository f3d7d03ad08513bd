//! JavaScript's `encodeURIComponent` / `decodeURIComponent`, as the `cookie` package applies them.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `encodeURIComponent` leaves this byte as it is.
const fn is_unreserved(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')')
}

/// Percent-encodes `s` exactly as JavaScript's `encodeURIComponent` does: letters, digits and
/// `-_.!~*'()` stay, every other byte of the UTF-8 encoding becomes `%XX` (upper-case hex).
///
/// ```
/// use sio_auth::cookie::encode_uri_component;
/// assert_eq!(encode_uri_component("s:a+b/c.d"), "s%3Aa%2Bb%2Fc.d");
/// assert_eq!(encode_uri_component("é!"), "%C3%A9!");
/// ```
pub fn encode_uri_component(s: &str) -> Cow<'_, str> {
    if s.bytes().all(is_unreserved) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for b in s.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    Cow::Owned(out)
}

pub(crate) const fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// JavaScript's `decodeURIComponent`: `%XX` escapes are decoded and must form valid UTF-8
/// together with the text around them; `None` where JavaScript throws a `URIError`
/// (a `%` without two hex digits, or escapes that are not UTF-8). `+` stays a plus sign.
///
/// ```
/// use sio_auth::cookie::decode_uri_component;
/// assert_eq!(decode_uri_component("s%3aabc").as_deref(), Some("s:abc"));
/// assert_eq!(decode_uri_component("a+b").as_deref(), Some("a+b"));
/// assert_eq!(decode_uri_component("100%"), None);
/// assert_eq!(decode_uri_component("%C3"), None);
/// ```
pub fn decode_uri_component(s: &str) -> Option<Cow<'_, str>> {
    if !s.contains('%') {
        return Some(Cow::Borrowed(s));
    }
    let mut out = vec![0u8; s.len()];
    let len = decode_into(s, &mut out)?;
    out.truncate(len);
    // Literal characters are whole UTF-8 sequences, so validating the whole buffer rejects
    // exactly what JavaScript rejects: truncated, stray, overlong or surrogate escapes.
    String::from_utf8(out).ok().map(Cow::Owned)
}

/// Decodes `%XX` escapes of `s` into `out` (at least `s.len()` long); returns the decoded
/// length, or `None` for a `%` without two hex digits. UTF-8 validity is the caller's check.
pub(crate) fn decode_into(s: &str, out: &mut [u8]) -> Option<usize> {
    let mut rest = s.as_bytes();
    let mut len = 0;
    loop {
        // Copy the literal run up to the next escape in one go.
        let run = rest.iter().position(|&b| b == b'%').unwrap_or(rest.len());
        out[len..len + run].copy_from_slice(&rest[..run]);
        len += run;
        rest = &rest[run..];
        let Some((_, tail)) = rest.split_first() else {
            return Some(len);
        };
        let hi = tail.first().copied().and_then(hex_value)?;
        let lo = tail.get(1).copied().and_then(hex_value)?;
        out[len] = hi << 4 | lo;
        len += 1;
        rest = &tail[2..];
    }
}

/// Calls `f` with `s` decoded as the `cookie` package's `tryDecode` would (see [`try_decode`]),
/// decoding short values on the stack instead of allocating.
pub(crate) fn with_try_decoded<R>(s: &str, f: impl FnOnce(&str) -> R) -> R {
    const STACK: usize = 256;
    if !s.contains('%') {
        return f(s);
    }
    if s.len() > STACK {
        return f(&try_decode(s));
    }
    let mut buf = [0u8; STACK];
    match decode_into(s, &mut buf).and_then(|len| std::str::from_utf8(&buf[..len]).ok()) {
        Some(decoded) => f(decoded),
        None => f(s),
    }
}

/// The `cookie` package's `tryDecode`: decode when decoding succeeds, else keep the raw text.
///
/// ```
/// use sio_auth::cookie::try_decode;
/// assert_eq!(try_decode("s%3Aabc"), "s:abc");
/// assert_eq!(try_decode("50%off"), "50%off");
/// ```
pub fn try_decode(s: &str) -> Cow<'_, str> {
    decode_uri_component(s).unwrap_or(Cow::Borrowed(s))
}

/// Turns raw header bytes into text the way Node's HTTP parser does: each byte is one
/// Latin-1 character. ASCII input is borrowed as it is.
///
/// ```
/// use sio_auth::cookie::latin1_to_string;
/// assert_eq!(latin1_to_string(b"a=b"), "a=b");
/// assert_eq!(latin1_to_string(&[b'a', 0xE9]), "a\u{e9}");
/// ```
pub fn latin1_to_string(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => Cow::Borrowed(s),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_keeps_exactly_the_js_unreserved_set() {
        let all: String = (0x20u8..0x7f).map(char::from).collect();
        assert_eq!(
            encode_uri_component(&all),
            "%20!%22%23%24%25%26'()*%2B%2C-.%2F0123456789%3A%3B%3C%3D%3E%3F%40ABCDEFGHIJKLMNOPQRSTUVWXYZ%5B%5C%5D%5E_%60abcdefghijklmnopqrstuvwxyz%7B%7C%7D~"
        );
    }

    #[test]
    fn decode_rejects_what_js_rejects() {
        for bad in [
            "%",
            "%2",
            "%zz",
            "%C3",
            "%C3%28",
            "%80",
            "%ED%A0%80",
            "%C0%AF",
            "%C3é",
        ] {
            assert_eq!(decode_uri_component(bad), None, "{bad}");
        }
        assert_eq!(
            decode_uri_component("%F0%9F%98%80x").as_deref(),
            Some("😀x")
        );
        assert_eq!(decode_uri_component("%25").as_deref(), Some("%"));
    }

    #[test]
    fn stack_decoding_agrees_with_the_heap() {
        for s in [
            "s%3Aabc",
            "plain",
            "%zz",
            "%C3%A9",
            &"%41".repeat(100),
            "50%",
        ] {
            assert_eq!(with_try_decoded(s, str::to_owned), try_decode(s), "{s}");
        }
    }

    #[test]
    fn round_trip() {
        for s in ["", "s:abc.def", "ü/+=;, \"", "😀", "\0\u{7f}"] {
            assert_eq!(
                decode_uri_component(&encode_uri_component(s)).as_deref(),
                Some(s)
            );
        }
    }
}
