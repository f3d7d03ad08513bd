//! cookie-session's cookies, byte for byte: the whole session in the cookie.
//!
//! cookie-session 2.x (through the `cookies` jar and keygrip) sends two cookies:
//! `NAME=<base64 of JSON.stringify(session)>` and `NAME.sig=<keygrip signature of "NAME=value">`,
//! both with the same attributes, written by `cookies`' `toHeader` in lower case
//! (`session=…; path=/; httponly`). Its default name is `session` (cookie-session 1.x used
//! `express:sess`). Reading a request, it finds both cookies with the jar's own pattern, checks
//! the signature against every key, then decodes the value with Node's forgiving base64 decoder
//! and `JSON.parse`; any failure means no session (a new, empty one).

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::keygrip::Keygrip;
use super::set_cookie::{InvalidAttribute, SameSite, check_domain, check_path, http_date};

/// cookie-session 2.x's default cookie name (its `name` option).
pub const DEFAULT_SESSION_NAME: &str = "session";

/// A session: the JSON object cookie-session keeps in the cookie.
pub type SessionData = Map<String, Value>;

/// Whether `name` can name a cookie-session cookie: the `cookies` jar takes any header text
/// without `;` or `=`; here it must also be visible ASCII (no spaces, nothing a header would
/// carry differently), so `express:sess` passes where a token rule would refuse the `:`.
///
/// ```
/// use sio_auth::cookie::is_session_name;
/// assert!(is_session_name("session") && is_session_name("express:sess"));
/// assert!(!is_session_name("a=b") && !is_session_name("a;b") && !is_session_name("a b") && !is_session_name(""));
/// ```
pub fn is_session_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b';' && b != b'=')
}

/// cookie-session's `encode`: `Buffer.from(JSON.stringify(session)).toString('base64')`,
/// standard base64 with padding. `{}` (an emptied session, which cookie-session saves) is
/// `e30=`.
///
/// ```
/// use serde_json::json;
/// use sio_auth::cookie::encode_session;
/// let session = json!({"views": 1}).as_object().unwrap().clone();
/// assert_eq!(encode_session(&session), "eyJ2aWV3cyI6MX0=");
/// assert_eq!(encode_session(&Default::default()), "e30=");
/// ```
pub fn encode_session(session: &SessionData) -> String {
    let text = Value::Object(session.clone()).to_string();
    STANDARD.encode(text)
}

/// Node's `Buffer.from(text, 'base64')`: both alphabets (`+/` and `-_`), characters outside
/// them skipped, the first `=` ends the data, and a last group of two or three characters
/// gives one or two bytes (a lone last character gives none).
///
/// ```
/// use sio_auth::cookie::node_base64_decode;
/// assert_eq!(node_base64_decode("e30="), b"{}");
/// assert_eq!(node_base64_decode("e3!0"), b"{}");
/// assert_eq!(node_base64_decode("-_-_"), node_base64_decode("+/+/"));
/// assert_eq!(node_base64_decode("e30=e30="), b"{}");
/// assert_eq!(node_base64_decode("e"), b"");
/// ```
pub fn node_base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut group = 0u32;
    let mut count = 0;
    for b in text.bytes() {
        let sextet = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        group = (group << 6) | u32::from(sextet);
        count += 1;
        if count == 4 {
            out.extend_from_slice(&group.to_be_bytes()[1..]);
            group = 0;
            count = 0;
        }
    }
    // Two characters carry 12 bits (one byte and 4 left over), three carry 18 (two bytes).
    match count {
        2 => out.push((group >> 4).to_be_bytes()[3]),
        3 => out.extend_from_slice(&(group >> 2).to_be_bytes()[2..]),
        _ => {}
    }
    out
}

/// Why a pair of cookies carries no session. cookie-session treats them all alike (a new, empty
/// session); the kinds exist so that people can tell what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionRejection {
    /// No cookie of the session's name.
    #[error("no session cookie of that name")]
    NoCookie,
    /// The session cookie came without its `.sig` cookie (or with an empty one).
    #[error("no signature: the .sig cookie is missing or empty")]
    NoSignature,
    /// The `.sig` cookie is not a signature of the algorithm's length in base64url (e.g. cut
    /// short): no key can have made it.
    #[error("malformed signature: not {expected} characters of base64url")]
    MalformedSignature {
        /// The length a signature of the algorithm has.
        expected: usize,
    },
    /// Well formed, but no key of the list signed this name and value.
    #[error("bad signature")]
    BadSignature,
    /// Signed, but empty: cookie-session clears a session this way, and reads it as none.
    #[error("empty session cookie (cookie-session clears a session this way)")]
    Empty,
    /// Signed, but the value has no base64 in it at all.
    #[error("the value is not base64")]
    NotBase64,
    /// Signed, but the value's base64 does not decode to JSON.
    #[error("the value is not base64 of JSON")]
    NotJson,
    /// Signed JSON that is not an object. cookie-session never writes one; reading one, it
    /// builds an odd session from its enumerable keys: refused here.
    #[error("the session is JSON but not an object")]
    NotAnObject,
}

/// A session read from a valid pair of cookies.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedSession {
    /// The session's data.
    pub session: SessionData,
    /// Index in the key list of the key whose signature matched (0 = the signing key).
    pub key_index: usize,
}

/// Reads a session out of a cookie value the way cookie-session's `decode` does: Node's
/// base64 decoder, the bytes read as UTF-8 (invalid sequences become U+FFFD, as Node's
/// `toString('utf8')`), then JSON.
///
/// ```
/// use sio_auth::cookie::{SessionRejection, decode_session};
/// assert_eq!(decode_session("eyJ2aWV3cyI6MX0=").unwrap()["views"], 1);
/// assert_eq!(decode_session("!!!"), Err(SessionRejection::NotBase64));
/// assert_eq!(decode_session("bm90IGpzb24="), Err(SessionRejection::NotJson));
/// assert_eq!(decode_session("WzFd"), Err(SessionRejection::NotAnObject));
/// ```
///
/// # Errors
/// [`SessionRejection::NotBase64`], [`NotJson`](SessionRejection::NotJson) or
/// [`NotAnObject`](SessionRejection::NotAnObject).
pub fn decode_session(value: &str) -> Result<SessionData, SessionRejection> {
    let bytes = node_base64_decode(value);
    let text = String::from_utf8_lossy(&bytes);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(session)) => Ok(session),
        Ok(_) => Err(SessionRejection::NotAnObject),
        Err(_) if bytes.is_empty() => Err(SessionRejection::NotBase64),
        Err(_) => Err(SessionRejection::NotJson),
    }
}

/// The value of cookie `name` in a Cookie header as the `cookies` jar finds it: the first match
/// of `(?:^|;) *NAME=([^;]*)` (spaces, not tabs, before the name; the value up to the next `;`,
/// trailing spaces included, never percent-decoded), then one leading `"` and the last
/// character dropped when the value starts with `"`.
///
/// ```
/// use sio_auth::cookie::find_jar_cookie;
/// assert_eq!(find_jar_cookie("a=1;  session=e30=; session.sig=x", "session"), Some("e30="));
/// assert_eq!(find_jar_cookie("session.sig=x", "session"), None);
/// assert_eq!(find_jar_cookie("xsession=1; session=\"e30=\"", "session"), Some("e30="));
/// ```
pub fn find_jar_cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let starts = std::iter::once(0).chain(
        header
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b';')
            .map(|(i, _)| i + 1),
    );
    for start in starts {
        let rest = header[start..].trim_start_matches(' ');
        let Some(after) = rest.strip_prefix(name).and_then(|r| r.strip_prefix('=')) else {
            continue;
        };
        let value = after.split(';').next().unwrap_or("");
        return Some(match value.strip_prefix('"') {
            Some(quoted) => {
                let mut chars = quoted.chars();
                chars.next_back();
                chars.as_str()
            }
            None => value,
        });
    }
    None
}

/// A pair of cookies for one session, as cookie-session sends them.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedSession {
    name: String,
    value: String,
    signature: String,
}

impl fmt::Debug for SignedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedSession")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SignedSession {
    /// The session cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The session cookie's value: base64 of the session's JSON.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The `.sig` cookie's value: keygrip's signature of `name=value`.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Both cookies as a browser sends them back in a Cookie header.
    ///
    /// ```
    /// use serde_json::json;
    /// use sio_auth::cookie::{Algorithm, CookieSession, Keygrip, Secret};
    /// let keys = Keygrip::new([Secret::new("keyboard cat").unwrap()], Algorithm::Sha1).unwrap();
    /// let jar = CookieSession::new("session", keys).unwrap();
    /// let signed = jar.sign(json!({"views": 1}).as_object().unwrap());
    /// assert_eq!(signed.pair(), "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc");
    /// ```
    pub fn pair(&self) -> String {
        format!(
            "{}={}; {}.sig={}",
            self.name, self.value, self.name, self.signature
        )
    }

    /// The two Set-Cookie header values cookie-session sends for this session, the value
    /// first, then the `.sig` cookie with the same attributes.
    ///
    /// ```
    /// use serde_json::json;
    /// use sio_auth::cookie::{Algorithm, CookieSession, JarAttributes, Keygrip, Secret};
    /// let keys = Keygrip::new([Secret::new("keyboard cat").unwrap()], Algorithm::Sha1).unwrap();
    /// let signed = CookieSession::new("session", keys).unwrap().sign(json!({"views": 1}).as_object().unwrap());
    /// assert_eq!(
    ///     signed.set_cookies(&JarAttributes::default()),
    ///     [
    ///         "session=eyJ2aWV3cyI6MX0=; path=/; httponly",
    ///         "session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc; path=/; httponly",
    ///     ]
    /// );
    /// ```
    pub fn set_cookies(&self, attributes: &JarAttributes) -> [String; 2] {
        [
            attributes.header(&self.name, &self.value),
            attributes.header(&format!("{}.sig", self.name), &self.signature),
        ]
    }
}

/// The attributes the `cookies` jar writes, in its order and spelling: `path`, `expires`,
/// `domain`, `samesite`, `secure`, `httponly` (cookie-session sends no `Max-Age`: its
/// `maxAge` option becomes `expires`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JarAttributes {
    path: Option<String>,
    expires: Option<SystemTime>,
    domain: Option<String>,
    same_site: Option<SameSite>,
    secure: bool,
    http_only: bool,
}

impl Default for JarAttributes {
    /// cookie-session's defaults: `path=/`, `httponly`.
    fn default() -> Self {
        Self {
            path: Some("/".to_owned()),
            expires: None,
            domain: None,
            same_site: None,
            secure: false,
            http_only: true,
        }
    }
}

impl JarAttributes {
    /// Sets `path` (default `/`).
    ///
    /// # Errors
    /// [`InvalidAttribute::Path`] for a `;` or a character outside printable ASCII.
    pub fn path(mut self, path: &str) -> Result<Self, InvalidAttribute> {
        check_path(path)?;
        self.path = Some(path.to_owned());
        Ok(self)
    }

    /// Sets `domain`.
    ///
    /// # Errors
    /// [`InvalidAttribute::Domain`] when `domain` is not a host name.
    pub fn domain(mut self, domain: &str) -> Result<Self, InvalidAttribute> {
        check_domain(domain)?;
        self.domain = Some(domain.to_owned());
        Ok(self)
    }

    /// Sets `expires`, as cookie-session's `maxAge` does (`Date.now() + maxAge`).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sio_auth::cookie::{JarAttributes, SameSite};
    /// let attributes = JarAttributes::default()
    ///     .expires(UNIX_EPOCH + Duration::from_secs(60))
    ///     .domain("example.com").unwrap()
    ///     .same_site(SameSite::Lax)
    ///     .secure(true);
    /// assert_eq!(
    ///     attributes.header("session", "e30="),
    ///     "session=e30=; path=/; expires=Thu, 01 Jan 1970 00:01:00 GMT; domain=example.com; samesite=lax; secure; httponly"
    /// );
    /// ```
    #[must_use]
    pub fn expires(mut self, at: SystemTime) -> Self {
        self.expires = Some(at);
        self
    }

    /// Sets `samesite`.
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = Some(same_site);
        self
    }

    /// Sets or clears `secure`.
    #[must_use]
    pub fn secure(mut self, on: bool) -> Self {
        self.secure = on;
        self
    }

    /// Sets or clears `httponly` (default on).
    #[must_use]
    pub fn http_only(mut self, on: bool) -> Self {
        self.http_only = on;
        self
    }

    /// One Set-Cookie header value, as `cookies`' `Cookie.prototype.toHeader` writes it.
    pub fn header(&self, name: &str, value: &str) -> String {
        let mut header = format!("{name}={value}");
        if let Some(path) = &self.path {
            header += &format!("; path={path}");
        }
        if let Some(at) = self.expires {
            header += &format!("; expires={}", http_date(at));
        }
        if let Some(domain) = &self.domain {
            header += &format!("; domain={domain}");
        }
        if let Some(same_site) = self.same_site {
            header += &format!("; samesite={}", same_site.as_str().to_ascii_lowercase());
        }
        if self.secure {
            header += "; secure";
        }
        if self.http_only {
            header += "; httponly";
        }
        header
    }
}

/// The error for a name cookie-session cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cookie name {0:?}: visible ASCII without ';' or '=' only")]
pub struct InvalidSessionName(pub String);

/// cookie-session's cookies under one name with one key list: signs sessions and reads them
/// back from Cookie headers.
///
/// ```
/// use serde_json::json;
/// use sio_auth::cookie::{Algorithm, CookieSession, Keygrip, Secret, SessionRejection};
/// let keys = Keygrip::new([Secret::new("keyboard cat").unwrap()], Algorithm::Sha1).unwrap();
/// let jar = CookieSession::new("session", keys).unwrap();
/// let verified = jar
///     .verify_header("session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc")
///     .unwrap();
/// assert_eq!((verified.session["views"].clone(), verified.key_index), (json!(1), 0));
/// assert_eq!(jar.verify_header("session=eyJ2aWV3cyI6MX0="), Err(SessionRejection::NoSignature));
/// ```
#[derive(Debug, Clone)]
pub struct CookieSession {
    name: String,
    keygrip: Keygrip,
}

impl CookieSession {
    /// Cookies named `name` (and `name.sig`), signed by `keygrip`.
    ///
    /// # Errors
    /// [`InvalidSessionName`] unless [`is_session_name`].
    pub fn new(name: &str, keygrip: Keygrip) -> Result<Self, InvalidSessionName> {
        if !is_session_name(name) {
            return Err(InvalidSessionName(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            keygrip,
        })
    }

    /// The session cookie's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key list.
    pub fn keygrip(&self) -> &Keygrip {
        &self.keygrip
    }

    /// The cookies cookie-session sends for `session`, signed with the first key.
    pub fn sign(&self, session: &SessionData) -> SignedSession {
        let value = encode_session(session);
        let signature = self.keygrip.sign(&format!("{}={value}", self.name));
        SignedSession {
            name: self.name.clone(),
            value,
            signature,
        }
    }

    /// The session in a Cookie header, as cookie-session reads it: both cookies found by the
    /// jar's pattern, the signature of `name=value` checked against every key, then the value
    /// decoded ([`decode_session`]).
    ///
    /// # Errors
    /// The [`SessionRejection`] saying why the header carries no session.
    pub fn verify_header(&self, header: &str) -> Result<VerifiedSession, SessionRejection> {
        let value = find_jar_cookie(header, &self.name).ok_or(SessionRejection::NoCookie)?;
        let signature = find_jar_cookie(header, &format!("{}.sig", self.name))
            .filter(|s| !s.is_empty())
            .ok_or(SessionRejection::NoSignature)?;
        let key_index = self
            .keygrip
            .index(&format!("{}={value}", self.name), signature);
        let Some(key_index) = key_index else {
            let expected = self.keygrip.algorithm().signature_len();
            let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
            return Err(
                if signature.len() == expected && signature.bytes().all(base64url) {
                    SessionRejection::BadSignature
                } else {
                    SessionRejection::MalformedSignature { expected }
                },
            );
        };
        if value.is_empty() {
            return Err(SessionRejection::Empty);
        }
        Ok(VerifiedSession {
            session: decode_session(value)?,
            key_index,
        })
    }

    /// [`verify_header`](Self::verify_header) on pasted input: spaces and tabs around it and a
    /// leading `Cookie:` are dropped, as Node's HTTP parser drops them around a header value.
    ///
    /// ```
    /// use sio_auth::cookie::{Algorithm, CookieSession, Keygrip, Secret};
    /// let keys = Keygrip::new([Secret::new("keyboard cat").unwrap()], Algorithm::Sha1).unwrap();
    /// let jar = CookieSession::new("session", keys).unwrap();
    /// let input = " Cookie: a=1; session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc\t";
    /// assert_eq!(jar.verify_input(input).unwrap().key_index, 0);
    /// ```
    ///
    /// # Errors
    /// The [`SessionRejection`] saying why the input carries no session.
    pub fn verify_input(&self, input: &str) -> Result<VerifiedSession, SessionRejection> {
        let input = input.trim_matches([' ', '\t']);
        let header = match input.get(..7) {
            Some(prefix) if prefix.eq_ignore_ascii_case("cookie:") => {
                input[7..].trim_start_matches([' ', '\t'])
            }
            _ => input,
        };
        self.verify_header(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookie::{Algorithm, Secret};
    use serde_json::json;

    fn jar(keys: &[&str], algorithm: Algorithm) -> CookieSession {
        let keys = Keygrip::new(keys.iter().map(|k| Secret::new(*k).unwrap()), algorithm).unwrap();
        CookieSession::new("session", keys).unwrap()
    }

    const VIEWS: &str = "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc";

    /// `Buffer.from(JSON.stringify({user: "é😀", n: [1, 2.5, null, true]})).toString('base64')`.
    #[test]
    fn encodes_as_node_does() {
        let session = json!({"user": "é😀", "n": [1, 2.5, null, true]});
        assert_eq!(
            encode_session(session.as_object().unwrap()),
            "eyJ1c2VyIjoiw6nwn5iAIiwibiI6WzEsMi41LG51bGwsdHJ1ZV19"
        );
    }

    /// The outputs of Node 20's `Buffer.from(s, 'base64')` for these inputs.
    #[test]
    fn decodes_base64_as_node_does() {
        for (text, hex) in [
            ("eyJhIjoxfQ==", "7b2261223a317d"),
            ("eyJhIjoxfQ", "7b2261223a317d"),
            ("ey!JhIjoxfQ==", "7b2261223a317d"),
            ("ey JhIjoxfQ==", "7b2261223a317d"),
            ("eyJh=IjoxfQ==", "7b2261"),
            ("eyJhIjoxfQ==eyJh", "7b2261223a317d"),
            ("-_-_", "fbffbf"),
            ("+/+/", "fbffbf"),
            ("e30", "7b7d"),
            ("e3", "7b"),
            ("e", ""),
            ("e30=x", "7b7d"),
            ("%65%33%30", "eb9df7df"),
            ("=e30", ""),
        ] {
            let decoded: String = node_base64_decode(text)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(decoded, hex, "{text}");
        }
    }

    #[test]
    fn reads_what_node_signed() {
        let verified = jar(&["keyboard cat"], Algorithm::Sha1)
            .verify_header(VIEWS)
            .unwrap();
        assert_eq!(Value::Object(verified.session), json!({"views": 1}));
        let rotated = jar(&["new", "keyboard cat"], Algorithm::Sha1);
        assert_eq!(rotated.verify_header(VIEWS).unwrap().key_index, 1);
        // The signature may come first; the jar searches the whole header.
        assert!(
            jar(&["keyboard cat"], Algorithm::Sha1)
                .verify_header("session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc; session=eyJ2aWV3cyI6MX0=")
                .is_ok()
        );
    }

    #[test]
    fn refuses_what_cookie_session_refuses() {
        let jar = jar(&["keyboard cat"], Algorithm::Sha1);
        let malformed = SessionRejection::MalformedSignature { expected: 27 };
        for (header, why) in [
            ("other=1", SessionRejection::NoCookie),
            ("session=eyJ2aWV3cyI6MX0=", SessionRejection::NoSignature),
            (
                "session=eyJ2aWV3cyI6MX0=; session.sig=",
                SessionRejection::NoSignature,
            ),
            (
                "session=eyJ2aWV3cyI6Mn0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc",
                SessionRejection::BadSignature,
            ),
            (
                "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXd",
                SessionRejection::BadSignature,
            ),
            (
                "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXX",
                malformed,
            ),
            (
                "session=eyJ2aWV3cyI6MX0=; session.sig=x+C3NH9bM5O4ofBO+GACcofuXXc",
                malformed,
            ),
            (
                "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc=",
                malformed,
            ),
            // A trailing space is part of the value for the jar, so of the signed text.
            (
                "session=eyJ2aWV3cyI6MX0= ; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc",
                SessionRejection::BadSignature,
            ),
        ] {
            assert_eq!(jar.verify_header(header), Err(why), "{header}");
        }
        assert_eq!(
            self::jar(&["other"], Algorithm::Sha1).verify_header(VIEWS),
            Err(SessionRejection::BadSignature)
        );
    }

    #[test]
    fn signed_but_unreadable_values() {
        let jar = jar(&["k"], Algorithm::Sha256);
        let signed = |value: &str| {
            let signature = jar.keygrip().sign(&format!("session={value}"));
            format!("session={value}; session.sig={signature}")
        };
        assert_eq!(jar.verify_header(&signed("")), Err(SessionRejection::Empty));
        assert_eq!(
            jar.verify_header(&signed("!!!")),
            Err(SessionRejection::NotBase64)
        );
        assert_eq!(
            jar.verify_header(&signed("bm90IGpzb24=")),
            Err(SessionRejection::NotJson)
        );
        assert_eq!(
            jar.verify_header(&signed("bnVsbA==")),
            Err(SessionRejection::NotAnObject)
        );
        // Node's forgiving decoder reads base64url and junk-laden base64 alike.
        assert!(jar.verify_header(&signed("eyJhIjoxfQ")).is_ok());
        assert!(jar.verify_header(&signed("ey!JhIjoxfQ==")).is_ok());
        // The jar drops the quotes before it checks the signature of `name=value`.
        let quoted = signed("e30=").replacen("e30=", "\"e30=\"", 1);
        assert!(jar.verify_header(&quoted).is_ok(), "{quoted}");
    }

    #[test]
    fn round_trips_every_algorithm() {
        let session = json!({"user": {"name": "ada", "roles": ["admin"]}, "n": 1.5});
        for algorithm in Algorithm::ALL {
            let jar = jar(&["k1", "k2"], algorithm);
            let signed = jar.sign(session.as_object().unwrap());
            assert_eq!(signed.signature().len(), algorithm.signature_len());
            let verified = jar.verify_header(&signed.pair()).unwrap();
            assert_eq!(Value::Object(verified.session), session, "{algorithm}");
        }
    }

    #[test]
    fn debug_shows_no_key_nor_value() {
        let signed = jar(&["hunter2-key"], Algorithm::Sha1).sign(&SessionData::new());
        let shown = format!("{signed:?} {:?}", jar(&["hunter2-key"], Algorithm::Sha1));
        assert!(
            !shown.contains("hunter2") && !shown.contains("e30"),
            "{shown}"
        );
    }
}
