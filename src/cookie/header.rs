//! The `Cookie` request header, read with the rules of the `cookie` npm package (0.7), which
//! express-session uses.

use std::borrow::Cow;

use super::encoding::try_decode;

/// Whether `name` is an RFC 7230 token, the only cookie names the `cookie` package will
/// serialize (and so the only ones an Express app can set).
///
/// ```
/// use sio_auth::cookie::is_token;
/// assert!(is_token("express.sid"));
/// assert!(!is_token("bad;name") && !is_token("a b") && !is_token(""));
/// ```
pub fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

fn trim_blanks(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// What a person pasted as "the cookie": one signed value or a whole header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pasted<'a> {
    /// The cookie's value alone: `s:…` raw, `s%3A…` encoded, or anything without `=`.
    Value(&'a str),
    /// `name=value` pairs as in a Cookie header (a leading `Cookie:` removed).
    Header(&'a str),
}

/// Reads pasted cookie input the one way every command does: spaces and tabs trimmed, an
/// optional `Cookie:` prefix dropped; a value is recognised by its `s:` / `s%3A` prefix (so a
/// signed value whose sid contains `=` is still a value) or by having no `=`; anything else is
/// a header.
///
/// ```
/// use sio_auth::cookie::{Pasted, read_pasted};
/// assert_eq!(read_pasted(" s:a=b.sig "), Pasted::Value("s:a=b.sig"));
/// assert_eq!(read_pasted("s%3Aabc.sig"), Pasted::Value("s%3Aabc.sig"));
/// assert_eq!(read_pasted("Cookie: a=1; express.sid=x"), Pasted::Header("a=1; express.sid=x"));
/// assert_eq!(read_pasted("express.sid=x"), Pasted::Header("express.sid=x"));
/// ```
pub fn read_pasted(input: &str) -> Pasted<'_> {
    let input = input.trim_matches([' ', '\t']);
    let input = match input.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("cookie:") => {
            input[7..].trim_start_matches([' ', '\t'])
        }
        _ => input,
    };
    let is_value = input.starts_with("s:")
        || input
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("s%3a"))
        || !input.contains('=');
    if is_value {
        Pasted::Value(input)
    } else {
        Pasted::Header(input)
    }
}

/// The raw cookie value in pasted input: the value itself, or the cookie `name` found in a
/// header ([`read_pasted`] tells which). `None` when a header does not carry `name`.
pub(crate) fn pasted_value<'a>(input: &'a str, name: &str) -> Option<&'a str> {
    match read_pasted(input) {
        Pasted::Value(value) => Some(value),
        Pasted::Header(header) => find_raw_cookie(header, name),
    }
}

/// The `name=value` pairs of a `Cookie` header, in order, with raw (not yet decoded) values.
///
/// Segments are split on `;` (never on `,`), a segment without `=` is skipped, spaces and tabs
/// around names and values are trimmed, and one pair of surrounding double quotes is stripped
/// from the value. Duplicates are all yielded; [`find_cookie`] keeps the first, as Node does.
#[derive(Debug, Clone)]
pub struct CookiePairs<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for CookiePairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.rest?;
            let (segment, tail) = match rest.split_once(';') {
                Some((segment, tail)) => (segment, Some(tail)),
                None => (rest, None),
            };
            self.rest = tail;
            let Some((name, value)) = segment.split_once('=') else {
                continue;
            };
            return Some((trim_blanks(name), unquote(trim_blanks(value))));
        }
    }
}

/// Strips one pair of surrounding double quotes. A lone `"` becomes empty, as the `cookie`
/// package's index arithmetic makes it.
fn unquote(value: &str) -> &str {
    let bytes = value.as_bytes();
    match bytes {
        [b'"'] => "",
        [b'"', .., b'"'] => &value[1..value.len() - 1],
        _ => value,
    }
}

/// Splits a `Cookie` header into its pairs.
///
/// ```
/// use sio_auth::cookie::parse_header;
/// let pairs: Vec<_> = parse_header(r#"a=1; b="2" ;junk; c=x=y"#).collect();
/// assert_eq!(pairs, [("a", "1"), ("b", "2"), ("c", "x=y")]);
/// ```
pub fn parse_header(header: &str) -> CookiePairs<'_> {
    // The `cookie` package returns nothing for headers shorter than two characters.
    let rest = if header.len() < 2 { None } else { Some(header) };
    CookiePairs { rest }
}

/// The value of the first cookie called `name` in `header`, percent-decoded when decoding
/// succeeds and raw otherwise (`+` is never a space). Names are case-sensitive.
///
/// ```
/// use sio_auth::cookie::find_cookie;
/// let header = "express.sid=s%3Aabc.def; express.sid=second; other=1";
/// assert_eq!(find_cookie(header, "express.sid").as_deref(), Some("s:abc.def"));
/// assert_eq!(find_cookie(header, "EXPRESS.SID"), None);
/// ```
pub fn find_cookie<'a>(header: &'a str, name: &str) -> Option<Cow<'a, str>> {
    find_raw_cookie(header, name).map(try_decode)
}

/// The raw (not decoded) value of the first cookie called `name`.
pub(crate) fn find_raw_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    // Cheap rejection for the common case of a header without the name at all.
    if !header.contains(name) {
        return None;
    }
    parse_header(header)
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_package_rules() {
        // (header, name, expected) — each checked against cookie@0.7.2 by tests/node.
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("a=1", "a", Some("1")),
            ("  a  =  1  ", "a", Some("1")),
            ("\ta=\t1\t", "a", Some("1")),
            ("a=1;a=2", "a", Some("1")),
            ("a=1, b=2", "a", Some("1, b=2")),
            ("a=\"quoted\"", "a", Some("quoted")),
            ("a=\"", "a", Some("")),
            ("a=\"\"x\"", "a", Some("\"x")),
            ("x; a=1", "a", Some("1")),
            ("=1; a=2", "", Some("1")),
            ("a=%E9", "a", Some("%E9")),
            ("a=%C3%A9", "a", Some("é")),
            ("a=b+c", "a", Some("b+c")),
            ("A=1", "a", None),
            ("=", "", None),
            ("a", "a", None),
            ("a=1;", "a", Some("1")),
            ("a==", "a", Some("=")),
        ];
        for (header, name, expected) in cases {
            assert_eq!(
                find_cookie(header, name).as_deref(),
                *expected,
                "{header:?} {name:?}"
            );
        }
    }
}
