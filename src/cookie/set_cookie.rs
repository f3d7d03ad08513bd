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
    const fn as_str(self) -> &'static str {
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
        if !path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';') {
            return Err(InvalidAttribute::Path(path.to_owned()));
        }
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

/// Formats a time as an HTTP date (`Date.prototype.toUTCString`), e.g.
/// `Thu, 01 Jan 1970 00:00:00 GMT`. Times before 1970 are clamped to it.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sio_auth::cookie::http_date;
/// assert_eq!(http_date(UNIX_EPOCH + Duration::from_secs(1_795_632_469)), "Wed, 25 Nov 2026 18:47:49 GMT");
/// ```
pub fn http_date(at: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[usize::try_from(days % 7).unwrap_or(0)],
        MONTHS[usize::try_from(month).unwrap_or(1) - 1],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Formats a time as JavaScript's `Date.prototype.toISOString` does, e.g.
/// `2026-11-25T18:47:49.123Z`: the form express-session stores in `cookie.expires`. Times before
/// 1970 are clamped to it.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sio_auth::cookie::iso_date;
/// assert_eq!(iso_date(UNIX_EPOCH + Duration::from_millis(1_795_632_469_123)), "2026-11-25T18:47:49.123Z");
/// ```
pub fn iso_date(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Parses the ISO dates JavaScript writes (`YYYY-MM-DDTHH:MM:SS[.fff]Z`, UTC only, as
/// `JSON.stringify(new Date())` makes them); `None` for anything else or before 1970.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sio_auth::cookie::parse_iso_date;
/// assert_eq!(parse_iso_date("2026-11-25T18:47:49.123Z"), Some(UNIX_EPOCH + Duration::from_millis(1_795_632_469_123)));
/// assert_eq!(parse_iso_date("2026-11-25T18:47:49Z"), Some(UNIX_EPOCH + Duration::from_secs(1_795_632_469)));
/// assert_eq!(parse_iso_date("yesterday"), None);
/// ```
#[must_use]
pub fn parse_iso_date(text: &str) -> Option<SystemTime> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let number = |s: &str, len: usize| -> Option<u64> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let mut date = date.split('-');
    let year = number(date.next()?, 4)?;
    let month = number(date.next()?, 2)?;
    let day = number(date.next()?, 2)?;
    let (time, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut time = time.split(':');
    let hour = number(time.next()?, 2)?;
    let minute = number(time.next()?, 2)?;
    let second = number(time.next()?, 2)?;
    if date.next().is_some()
        || time.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
        || year < 1970
    {
        return None;
    }
    let millis = match fraction.len() {
        0 => 0,
        1..=9 if fraction.bytes().all(|b| b.is_ascii_digit()) => {
            fraction[..fraction.len().min(3)].parse::<u64>().ok()?
                * 10u64.pow(3u32.saturating_sub(u32::try_from(fraction.len()).ok()?))
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(millis))
}

/// (year, month 1-12, day 1-31) to days since 1970-01-01, the inverse of [`civil_from_days`].
const fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), after Howard Hinnant's algorithm.
const fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
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
