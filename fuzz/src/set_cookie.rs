//! Building a `Set-Cookie` header ([`SetCookie`]) from a name, a value and attributes chosen by
//! the input.
//!
//! Input: a flags byte, 8 bytes of max-age milliseconds, 8 bytes of seconds since 1970 (the
//! time of signing, or the `Expires` time), then name,
//! value, domain and path separated by `0` bytes (each read as UTF-8, invalid sequences
//! replaced).
//!
//! Properties: a name is accepted exactly when it is an RFC 7230 token, a domain exactly when it
//! is a host name, a path exactly when it is printable ASCII without `;`; the header is printable
//! ASCII (no CR, LF or other control character), holds exactly the attributes that were set, in
//! express-session's order, so nothing in a value can end the header or add an attribute;
//! the value decodes back to what was given; the `cookie` crate (a third party's parser) reads
//! the same name, value and attributes back; a `Cookie` header made of the pair gives the value
//! back through [`find_cookie`].

use std::time::{Duration, UNIX_EPOCH};

use sio_auth::cookie::{SameSite, SetCookie, decode_uri_component, find_cookie, http_date};

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |n, _| n << 8 | u64::from(self.byte()))
    }

    fn text(&mut self) -> String {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(self.0.len());
        let text = String::from_utf8_lossy(&self.0[..end]).into_owned();
        self.0 = self.0.get(end + 1..).unwrap_or_default();
        text
    }
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_host(domain: &str) -> bool {
    let host = domain.strip_prefix('.').unwrap_or(domain);
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            (1..=63).contains(&b.len())
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

fn is_path(path: &str) -> bool {
    path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';')
}

pub fn check(data: &[u8]) {
    let mut input = Input(data);
    let flags = input.byte();
    let max_age = input.u64();
    let expires = input.u64();
    let name = input.text();
    let value = input.text();
    let domain = input.text();
    let path = input.text();

    let Ok(mut header) = SetCookie::new(&name, &value) else {
        assert!(!is_token(&name), "refused the token {name:?}");
        return;
    };
    assert!(is_token(&name), "accepted the name {name:?}");

    // The attributes that must come out, in express-session's order.
    let mut expected: Vec<String> = Vec::new();
    let mut shown_domain = None;
    if flags & 2 != 0 {
        match header.clone().domain(&domain) {
            Ok(with) => {
                assert!(is_host(&domain), "accepted the domain {domain:?}");
                header = with;
                expected.push(format!("Domain={domain}"));
                shown_domain = Some(domain.clone());
            }
            Err(_) => assert!(!is_host(&domain), "refused the domain {domain:?}"),
        }
    }
    let mut shown_path = "/".to_owned();
    if flags & 4 != 0 {
        match header.clone().path(&path) {
            Ok(with) => {
                assert!(is_path(&path), "accepted the path {path:?}");
                header = with;
                shown_path.clone_from(&path);
            }
            Err(_) => assert!(!is_path(&path), "refused the path {path:?}"),
        }
    }
    expected.push(format!("Path={shown_path}"));
    let now = UNIX_EPOCH + Duration::from_secs(expires % (1 << 40));
    let expires_at = if flags & 1 != 0 {
        // Durations a person can give (`--max-age` takes at most u32::MAX days) and more.
        let max_age = Duration::from_millis(max_age % (1 << 60));
        header = header.max_age(max_age, now);
        Some(now + max_age)
    } else if flags & 8 != 0 {
        header = header.expires(now);
        Some(now)
    } else {
        None
    };
    if let Some(at) = expires_at {
        expected.push(format!("Expires={}", http_date(at)));
    }
    let http_only = flags & 16 == 0;
    header = header.http_only(http_only);
    if http_only {
        expected.push("HttpOnly".to_owned());
    }
    let secure = flags & 128 != 0;
    header = header.secure(secure);
    if secure {
        expected.push("Secure".to_owned());
    }
    let same_site = match flags >> 5 & 3 {
        1 => Some(SameSite::Strict),
        2 => Some(SameSite::Lax),
        3 => Some(SameSite::None),
        _ => None,
    };
    if let Some(same_site) = same_site {
        header = header.same_site(same_site);
        expected.push(format!("SameSite={same_site:?}"));
    }

    let text = header.to_string();
    assert!(
        text.bytes().all(|b| (0x20..0x7f).contains(&b)),
        "not printable ASCII: {text:?}"
    );
    let mut segments = text.split(';');
    let pair = segments.next().unwrap_or_default();
    let attributes: Vec<&str> = segments.map(|s| s.strip_prefix(' ').unwrap_or(s)).collect();
    assert_eq!(attributes, expected, "attributes of {text:?}");

    let encoded = pair
        .strip_prefix(name.as_str())
        .and_then(|rest| rest.strip_prefix('='))
        .unwrap_or_else(|| panic!("{text:?} does not start with {name:?}="));
    assert_eq!(encoded, header.value());
    assert_eq!(header.pair(), pair);
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%".contains(&b)),
        "{encoded:?} is not encodeURIComponent's output"
    );
    assert_eq!(
        decode_uri_component(encoded).as_deref(),
        Some(value.as_str())
    );
    assert_eq!(find_cookie(pair, &name).as_deref(), Some(value.as_str()));

    let parsed = cookie::Cookie::parse(text.as_str())
        .unwrap_or_else(|e| panic!("the cookie crate cannot read {text:?}: {e}"));
    assert_eq!(parsed.name(), name);
    assert_eq!(parsed.value(), encoded);
    // Parsers (this one, browsers by RFC 6265 §5.2) trim blanks around attribute values; the
    // cookie package writes a path's blanks as given, and so do we.
    assert_eq!(parsed.path(), Some(shown_path.trim_matches([' ', '\t'])));
    assert_eq!(
        parsed.domain(),
        shown_domain.as_deref().map(|d| d.trim_start_matches('.'))
    );
    assert_eq!(parsed.http_only(), http_only.then_some(true));
    assert_eq!(parsed.secure(), secure.then_some(true));
    let same_site = same_site.map(|s| match s {
        SameSite::Strict => cookie::SameSite::Strict,
        SameSite::Lax => cookie::SameSite::Lax,
        SameSite::None => cookie::SameSite::None,
    });
    assert_eq!(parsed.same_site(), same_site);
    assert_eq!(parsed.max_age(), None, "express-session writes no Max-Age");
    if let Some(at) = expires_at {
        let secs = at.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
        // The cookie crate reads four-digit years only.
        if secs < 253_402_300_800 {
            let when = parsed.expires_datetime().map(|t| t.unix_timestamp());
            assert_eq!(when, i64::try_from(secs).ok(), "Expires of {text:?}");
        }
    }
}
