//! The `Cookie` request header parser ([`parse_header`], [`find_cookie`]) against a model of the
//! `cookie` npm package's `parse` (0.7.2), written here index for index as the JavaScript does.
//!
//! Input: one byte `k`, then `k % 16` bytes of cookie name, then the header. Both are read as
//! Latin-1, as `serve` reads a raw header, and the header also as UTF-8 when it is valid UTF-8
//! (as `verify` reads pasted text).
//!
//! Properties: parsing never panics; every pair is trimmed and free of `;`; the first value of
//! each name is the model's (the first duplicate wins); [`find_cookie`] gives the model's value
//! decoded as `tryDecode` does, for the chosen name and for every name in the header.

use std::borrow::Cow;

use sio_auth::cookie::{decode_uri_component, find_cookie, latin1_to_string, parse_header};

pub fn check(data: &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(k % 16).min(rest.len());
    let (name, header) = rest.split_at(split);
    let name = latin1_to_string(name);
    check_header(&latin1_to_string(header), &name);
    if let Ok(header) = std::str::from_utf8(header) {
        check_header(header, &name);
    }
}

fn check_header(header: &str, name: &str) {
    let model = model_parse(header);
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (n, v) in parse_header(header) {
        for part in [n, v] {
            assert!(!part.contains(';'), "{part:?} of {header:?} holds a ';'");
        }
        assert_eq!(
            n,
            n.trim_matches([' ', '\t']),
            "name not trimmed in {header:?}"
        );
        if !seen.iter().any(|(s, _)| *s == n) {
            seen.push((n, v));
        }
    }
    assert_eq!(seen, model, "pairs of {header:?}");
    let expected = model
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| try_decode(v));
    assert_eq!(
        find_cookie(header, name),
        expected,
        "{name:?} in {header:?}"
    );
    for (n, v) in &model {
        assert_eq!(
            find_cookie(header, n),
            Some(try_decode(v)),
            "{n:?} in {header:?}"
        );
    }
}

/// The `cookie` package's `tryDecode` with its default `decode` (`decodeURIComponent` only when
/// the value holds a `%`).
fn try_decode(value: &str) -> Cow<'_, str> {
    decode_uri_component(value).unwrap_or(Cow::Borrowed(value))
}

/// `cookie@0.7.2`'s `parse`, transcribed: the first value of each name, in order of first
/// appearance. JavaScript indexes UTF-16 units; every character it looks for is ASCII, so byte
/// indices find the same places, except the `len < 2` test, done here in UTF-16 units.
fn model_parse(s: &str) -> Vec<(&str, &str)> {
    let mut obj: Vec<(&str, &str)> = Vec::new();
    let len = s.len();
    if s.encode_utf16().count() < 2 {
        return obj;
    }
    let b = s.as_bytes();
    let index_of = |c: u8, from: usize| {
        b[from.min(len)..]
            .iter()
            .position(|&x| x == c)
            .map(|i| i + from)
    };
    let last_index_of = |c: u8, upto: usize| b[..=upto].iter().rposition(|&x| x == c);
    let blank = |i: usize| b.get(i).is_some_and(|&c| c == b' ' || c == b'\t');
    // startIndex(str, index, max): the first non-blank at or after index, at most max; the
    // character at `index` is looked at even when index == max.
    let start_index = |mut index: usize, max: usize| loop {
        if !blank(index) {
            return index;
        }
        index += 1;
        if index >= max {
            return max;
        }
    };
    let end_index = |mut index: usize, min: usize| {
        while index > min {
            index -= 1;
            if !blank(index) {
                return index + 1;
            }
        }
        min
    };
    let mut index = 0;
    while let Some(eq) = index_of(b'=', index) {
        let end = match index_of(b';', index) {
            None => len,
            Some(end) if eq > end => {
                // Backtrack to the segment that holds this '='.
                index = last_index_of(b';', eq - 1).map_or(0, |i| i + 1);
                continue;
            }
            Some(end) => end,
        };
        let key_start = start_index(index, eq);
        let key_end = end_index(eq, key_start);
        let key = &s[key_start..key_end];
        if !obj.iter().any(|(k, _)| *k == key) {
            let mut val_start = start_index(eq + 1, end);
            let mut val_end = end_index(end, val_start);
            if b.get(val_start) == Some(&b'"') && val_end > 0 && b.get(val_end - 1) == Some(&b'"') {
                val_start += 1;
                val_end -= 1;
            }
            // String.prototype.slice gives "" when start > end.
            let val = if val_start < val_end {
                &s[val_start..val_end]
            } else {
                ""
            };
            obj.push((key, val));
        }
        index = end + 1;
        if index >= len {
            break;
        }
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_agrees_with_the_cookie_package() {
        // Answers of cookie@0.7.2's parse() in Node.
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("a=1; b=2", &[("a", "1"), ("b", "2")]),
            ("a=1;a=2", &[("a", "1")]),
            ("x; a=1", &[("a", "1")]),
            ("a=\"", &[("a", "")]),
            ("a=\"\"x\"", &[("a", "\"x")]),
            ("=", &[]),
            ("a", &[]),
            ("==", &[("", "=")]),
            (" a = 1 ;", &[("a", "1")]),
        ];
        for (header, expected) in cases {
            assert_eq!(model_parse(header), *expected, "{header:?}");
            check_header(header, "a");
        }
    }
}
