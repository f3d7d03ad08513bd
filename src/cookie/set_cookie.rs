//! The `Set-Cookie` header value, attribute for attribute as express-session (through the
//! `cookie` package's `serialize`) writes it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::encoding::encode_uri_component;
use super::header::is_token;

/// The `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`
    Strict,
    /// `SameSite=Lax`
    Lax,
    /// `SameSite=None` (browsers then require `Secure`)
    None,
}

impl SameSite {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

/// An attribute that would not survive in a `Set-Cookie` header, or could inject another.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAttribute {
    /// Cookie names must be RFC 7230 tokens (no spaces, `;`, `=`, quotes or control characters).
    #[error("invalid cookie name {0:?}: use letters, digits and !#$%&'*+-.^_`|~ only")]
    Name(String),
    /// Domains are host names: letters, digits, `-` and dots, with an optional leading dot.
    #[error("invalid cookie domain {0:?}")]
    Domain(String),
    /// Paths may hold printable ASCII except `;`.
    #[error("invalid cookie path {0:?}: printable ASCII without ';' only")]
    Path(String),
}

/// A `Domain` value that is a host name: letters, digits, `-` and dots, with an optional
/// leading dot (shared with cookie-session's Set-Cookie lines).
pub(crate) fn check_domain(domain: &str) -> Result<(), InvalidAttribute> {
    let host = domain.strip_prefix('.').unwrap_or(domain);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.is_empty() || !host.split('.').all(label_ok) {
        return Err(InvalidAttribute::Domain(domain.to_owned()));
    }
    Ok(())
}

/// A `Path` value: printable ASCII without `;`.
pub(crate) fn check_path(path: &str) -> Result<(), InvalidAttribute> {
    if !path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';') {
        return Err(InvalidAttribute::Path(path.to_owned()));
    }
    Ok(())
}

/// A `Set-Cookie` header value for a signed session cookie.
///
/// The value is percent-encoded as `encodeURIComponent` does, so nothing in it can end the
/// header or add an attribute; names, domains and paths are validated.
///
/// ```
/// use sio_auth::cookie::{SameSite, SetCookie};
/// let header = SetCookie::new("express.sid", "s:abc.x+y/z").unwrap().same_site(SameSite::Lax);
/// assert_eq!(header.to_string(), "express.sid=s%3Aabc.x%2By%2Fz; Path=/; HttpOnly; SameSite=Lax");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    name: String,
    value: String,
    domain: Option<String>,
    path: Option<String>,
    expires: Option<SystemTime>,
    http_only: bool,
    same_site: Option<SameSite>,
    secure: bool,
}

impl SetCookie {
    /// A cookie `name` holding `value` (percent-encoded here), with express-session's
    /// defaults: `Path=/`, `HttpOnly`, no expiry (a browser-session cookie).
    ///
    /// # Errors
    /// [`InvalidAttribute::Name`] when `name` is not a token.
    pub fn new(name: &str, value: &str) -> Result<Self, InvalidAttribute> {
        if !is_token(name) {
            return Err(InvalidAttribute::Name(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            value: encode_uri_component(value).into_owned(),
            domain: None,
            path: Some("/".to_owned()),
            expires: None,
            http_only: true,
            same_site: None,
            secure: false,
        })
    }

    /// The `name=value` pair alone, as a client sends it in a `Cookie` header.
    ///
    /// ```
    /// # use sio_auth::cookie::SetCookie;
    /// assert_eq!(SetCookie::new("a", "s:1").unwrap().pair(), "a=s%3A1");
    /// ```
    pub fn pair(&self) -> String {
        format!("{}={}", self.name, self.value)
    }

    /// The percent-encoded value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Sets `Domain`.
    ///
    /// ```
    /// # use sio_auth::cookie::SetCookie;
    /// let header = SetCookie::new("a", "v").unwrap().domain(".example.com").unwrap();
    /// assert_eq!(header.to_string(), "a=v; Domain=.example.com; Path=/; HttpOnly");
    /// assert!(SetCookie::new("a", "v").unwrap().domain("evil.com; Secure").is_err());
    /// ```
    ///
    /// # Errors
    /// [`InvalidAttribute::Domain`] when `domain` is not a host name.
    pub fn domain(mut self, domain: &str) -> Result<Self, InvalidAttribute> {
        check_domain(domain)?;
        self.domain = Some(domain.to_owned());
        Ok(self)
    }

    /// Sets `Path` (default `/`).
    ///
    /// ```
    /// # use sio_auth::cookie::SetCookie;
    /// assert_eq!(SetCookie::new("a", "v").unwrap().path("/app").unwrap().to_string(), "a=v; Path=/app; HttpOnly");
    /// assert!(SetCookie::new("a", "v").unwrap().path("/;x").is_err());
    /// ```
    ///
    /// # Errors
    /// [`InvalidAttribute::Path`] for a `;` or a character outside printable ASCII.
    pub fn path(mut self, path: &str) -> Result<Self, InvalidAttribute> {
        check_path(path)?;
        self.path = Some(path.to_owned());
        Ok(self)
    }

    /// Makes the cookie expire `max_age` after `now` as express-session does for a session's
    /// `cookie.maxAge`: an `Expires` attribute, no `Max-Age`.
    ///
    /// ```
    /// # use std::time::{Duration, UNIX_EPOCH};
    /// # use sio_auth::cookie::SetCookie;
    /// let header = SetCookie::new("a", "v").unwrap().max_age(Duration::from_secs(60), UNIX_EPOCH);
    /// assert_eq!(header.to_string(), "a=v; Path=/; Expires=Thu, 01 Jan 1970 00:01:00 GMT; HttpOnly");
    /// ```
    #[must_use]
    pub fn max_age(mut self, max_age: Duration, now: SystemTime) -> Self {
        self.expires = Some(now + max_age);
        self
    }

    /// Sets `Expires` alone, as express-session does for a session with `cookie.maxAge`.
    #[must_use]
    pub fn expires(mut self, at: SystemTime) -> Self {
        self.expires = Some(at);
        self
    }

    /// Sets or clears `HttpOnly` (default on).
    ///
    /// ```
    /// # use sio_auth::cookie::SetCookie;
    /// assert_eq!(SetCookie::new("a", "v").unwrap().http_only(false).secure(true).to_string(), "a=v; Path=/; Secure");
    /// ```
    #[must_use]
    pub fn http_only(mut self, on: bool) -> Self {
        self.http_only = on;
        self
    }

    /// Sets `SameSite`.
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }

    /// Sets or clears `Secure`.
    #[must_use]
    pub fn secure(mut self, on: bool) -> Self {
        self.secure = on;
        self
    }
}

impl fmt::Display for SetCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The attributes and their order in express-session 1.19's Set-Cookie (its `cookie`
        // serialize()): Domain, Path, Expires, HttpOnly, Secure, SameSite.
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(domain) = &self.domain {
            write!(f, "; Domain={domain}")?;
        }
        if let Some(path) = &self.path {
            write!(f, "; Path={path}")?;
        }
        if let Some(expires) = self.expires {
            write!(f, "; Expires={}", http_date(expires))?;
        }
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        if let Some(same_site) = self.same_site {
            write!(f, "; SameSite={}", same_site.as_str())?;
        }
        Ok(())
    }
}

/// The last instant both date formats can write: 9999-12-31T23:59:59.999999999Z.
const LAST_DATE: Duration = Duration::new(253_402_300_799, 999_999_999);

/// `at` within the years 1970 to 9999, which the formats below can write.
fn clamped(at: SystemTime) -> SystemTime {
    at.clamp(UNIX_EPOCH, UNIX_EPOCH + LAST_DATE)
}

/// Formats a time as an HTTP date (`Date.prototype.toUTCString`), e.g.
/// `Thu, 01 Jan 1970 00:00:00 GMT`, with the `httpdate` crate. Times before 1970 or after 9999
/// are clamped to those years.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sio_auth::cookie::http_date;
/// assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(1_795_632_469)), "Wed, 25 Nov 2026 18:47:49 GMT");
/// assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(u64::MAX / 4)), "Fri, 31 Dec 9999 23:59:59 GMT");
/// ```
pub fn http_date(at: SystemTime) -> String {
    httpdate::fmt_http_date(clamped(at))
}

/// Formats a time as JavaScript's `Date.prototype.toISOString` does, e.g.
/// `2026-11-25T18:47:49.123Z`: the form express-session stores in `cookie.expires`. Times before
/// 1970 or after 9999 are clamped to those years.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sio_auth::cookie::iso_date;
/// assert_eq!(iso_date(UNIX_EPOCH + Duration::from_millis(1_795_632_469_123)), "2026-11-25T18:47:49.123Z");
/// assert_eq!(iso_date(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
/// assert_eq!(iso_date(UNIX_EPOCH + Duration::from_secs(u64::MAX / 4)), "9999-12-31T23:59:59.999Z");
/// ```
pub fn iso_date(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(clamped(at)).to_string()
}

/// Parses the ISO dates JavaScript writes (`YYYY-MM-DDTHH:MM:SS[.fff]Z`, UTC, as
/// `JSON.stringify(new Date())` makes them) with `humantime`; `None` for anything else or
/// before 1970.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sio_auth::cookie::parse_iso_date;
/// assert_eq!(parse_iso_date("2026-11-25T18:47:49.123Z"), Some(UNIX_EPOCH + Duration::from_millis(1_795_632_469_123)));
/// assert_eq!(parse_iso_date("2026-11-25T18:47:49Z"), Some(UNIX_EPOCH + Duration::from_secs(1_795_632_469)));
/// assert_eq!(parse_iso_date("yesterday"), None);
/// assert_eq!(parse_iso_date("1969-12-31T23:59:59Z"), None);
/// ```
#[must_use]
pub fn parse_iso_date(text: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // Regression: Max-Age was written and SameSite came before Secure, unlike express-session
    // 1.19 (`Path=/; Expires=…; HttpOnly; Secure; SameSite=Lax`, no Max-Age).
    fn attribute_order_matches_express() {
        let now = UNIX_EPOCH + Duration::from_secs(0);
        let header = SetCookie::new("express.sid", "s:x")
            .unwrap()
            .domain(".example.com")
            .unwrap()
            .max_age(Duration::from_secs(3600), now)
            .same_site(SameSite::Strict)
            .secure(true);
        assert_eq!(
            header.to_string(),
            "express.sid=s%3Ax; Domain=.example.com; Path=/; \
             Expires=Thu, 01 Jan 1970 01:00:00 GMT; HttpOnly; Secure; SameSite=Strict"
        );
    }

    #[test]
    fn nothing_can_be_injected() {
        for name in [
            "a;b",
            "a b",
            "a\r\nSet-Cookie: x",
            "a=b",
            "",
            "é",
            "a\"b",
            "a,b",
        ] {
            assert!(SetCookie::new(name, "v").is_err(), "{name:?}");
        }
        let header = SetCookie::new("n", "v; Domain=evil\r\nX: y").unwrap();
        assert_eq!(header.pair(), "n=v%3B%20Domain%3Devil%0D%0AX%3A%20y");
        let base = SetCookie::new("n", "v").unwrap();
        for bad in ["a;b", "a\nb", "-a.com", "a..b", "", "a b"] {
            assert!(base.clone().domain(bad).is_err(), "{bad:?}");
        }
        for bad in ["/a;b", "/\r\n", "/é"] {
            assert!(base.clone().path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dates() {
        let at = |s| http_date(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }
}
