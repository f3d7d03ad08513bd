//! The command line, checked and resolved into a [`Plan`] before any network traffic: the
//! URLs, the cookie and headers to send, which events print, the limits.

use std::fmt;
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use serde_json::Value;
use sio_auth::cookie::{Pasted, encode_uri_component, find_cookie, read_pasted};
use tokio::time::Instant;

use crate::cli::{ConnectArgs, Redacted, Transport, show_duration};
use crate::exit::read_named_file;

/// How long connecting may take when `--timeout` is not given: socket.io-client's default.
pub(super) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// A Cookie header value: a credential, so it never prints.
#[derive(Clone)]
pub(super) struct CookieHeader(pub(super) String);

impl fmt::Debug for CookieHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieHeader(redacted)")
    }
}

/// Where the session cookie comes from.
#[derive(Debug)]
pub(super) enum CookieSource {
    /// Connect without a cookie (the server should refuse: useful to test it).
    Nothing,
    Given(CookieHeader),
    /// GET the page first and take the cookies it sets.
    Login,
}

/// Which events print.
#[derive(Debug)]
pub(super) enum EventFilter {
    All,
    Named(Vec<String>),
}

impl EventFilter {
    pub(super) fn matches(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Named(names) => names.iter().any(|n| n == name),
        }
    }
}

/// The command line, checked and resolved before any network traffic.
#[derive(Debug)]
pub(super) struct Plan {
    /// `http(s)://host:port/socket.io/?query`: the Engine.IO endpoint.
    pub(super) socket_url: url::Url,
    /// The URL as given (ws mapped to http): the page `--login` fetches.
    pub(super) page_url: url::Url,
    /// The URL for messages: no credentials, no query.
    pub(super) shown_url: String,
    pub(super) cookie: CookieSource,
    pub(super) cookie_name: String,
    /// Cookie values given with `--header 'Cookie: …'`, sent before ours.
    pub(super) header_cookies: Vec<CookieHeader>,
    /// Other `--header`s, duplicates joined with `, `; their values may be credentials too
    /// (`Authorization`).
    pub(super) headers: Vec<(String, Redacted)>,
    pub(super) namespace: String,
    pub(super) events: EventFilter,
    pub(super) count: Option<u64>,
    pub(super) timeout: Option<Duration>,
    pub(super) transport: Transport,
    pub(super) json: bool,
    pub(super) reconnect: bool,
    /// `--emit`s, in order.
    pub(super) emits: Vec<Emit>,
    /// `--ack`: every `--emit` asks for an acknowledgement (and a `--stdin` line that does not
    /// say otherwise).
    pub(super) ack: bool,
    /// `--stdin`: more emits come from stdin, one per line, after the `--emit`s.
    pub(super) stdin: bool,
    /// `--auth`: a JSON object, possibly a credential (a token), so it never prints.
    pub(super) auth: Option<Auth>,
}

/// One `--emit EVENT [ARGS]`.
#[derive(Debug, Clone)]
pub(super) struct Emit {
    pub(super) event: String,
    pub(super) args: Vec<Value>,
    /// Whether it asks for an acknowledgement.
    pub(super) ack: bool,
}

/// The CONNECT auth payload.
#[derive(Clone)]
pub(super) struct Auth(pub(super) Value);

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Auth(redacted)")
    }
}

/// `--emit EVENT [ARGS]`: ARGS is a JSON array of the arguments, or one JSON value as the only one.
pub(super) fn emit(parts: &[String], ack: bool) -> anyhow::Result<Emit> {
    let (event, args) = match parts {
        [event] => (event, Vec::new()),
        [event, args] => (
            event,
            crate::cli::emit_args(&format!("--emit {event}: ARGS"), args)?,
        ),
        _ => anyhow::bail!("--emit takes EVENT and at most one ARGS"),
    };
    if event.is_empty() {
        anyhow::bail!("--emit: the event name is empty");
    }
    Ok(Emit {
        event: event.clone(),
        args,
        ack,
    })
}

/// `--auth JSON`: must be a JSON object, as socket.io servers read `socket.handshake.auth`.
/// Errors never quote it: it may hold a token.
pub(super) fn auth(text: &str) -> anyhow::Result<Auth> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(Auth(value)),
        Ok(_) => anyhow::bail!("--auth must be a JSON object, e.g. '{{\"token\":\"…\"}}'"),
        Err(e) => anyhow::bail!(
            "--auth is not JSON: {} at line {} column {}",
            match e.classify() {
                serde_json::error::Category::Eof => "it ends early",
                _ => "a syntax error",
            },
            e.line(),
            e.column()
        ),
    }
}

impl Plan {
    pub(super) fn new(args: &ConnectArgs) -> anyhow::Result<Self> {
        let page_url = http_url(&args.url)?;
        let mut socket_url = page_url.clone();
        socket_url.set_path("/socket.io/");
        socket_url.set_fragment(None);
        let cookie_name = args.cookie_name.cookie_name.clone();
        let cookie = if let Some(cookie) = &args.cookie {
            CookieSource::Given(cookie_header(cookie.expose(), &cookie_name)?)
        } else if let Some(path) = &args.cookie_file {
            let text = String::from_utf8(read_named_file(path, "the cookie file")?)
                .map_err(|_| anyhow!("the cookie file {} is not UTF-8 text", path.display()))?;
            let text = text.trim_end_matches(['\r', '\n']);
            if text.contains(['\r', '\n']) {
                anyhow::bail!("the cookie file {} has more than one line", path.display());
            }
            CookieSource::Given(
                cookie_header(text, &cookie_name)
                    .with_context(|| format!("in the cookie file {}", path.display()))?,
            )
        } else if args.login {
            CookieSource::Login
        } else {
            CookieSource::Nothing
        };
        if let CookieSource::Given(header) = &cookie
            && find_cookie(&header.0, &cookie_name).is_none()
        {
            eprintln!("sio-auth: warning: the cookie has no {cookie_name}=…; sending it anyway");
        }

        let mut header_cookies = Vec::new();
        let mut headers: Vec<(String, Redacted)> = Vec::new();
        for (name, value) in &args.headers {
            if name.eq_ignore_ascii_case("cookie") {
                header_cookies.push(CookieHeader(value.expose().to_owned()));
            } else if let Some((_, joined)) = headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                *joined = Redacted::from(format!("{}, {}", joined.expose(), value.expose()));
            } else {
                headers.push((name.clone(), value.clone()));
            }
        }

        let events = if args.events.iter().any(|e| e == "*") {
            EventFilter::All
        } else {
            EventFilter::Named(args.events.clone())
        };
        Ok(Self {
            shown_url: shown_url(&page_url),
            socket_url,
            page_url,
            cookie,
            cookie_name,
            header_cookies,
            headers,
            namespace: args.namespace.clone(),
            events,
            count: args.count,
            timeout: args.timeout,
            transport: args.transport,
            json: args.json,
            reconnect: args.reconnect,
            emits: args
                .emits
                .iter()
                .map(|parts| emit(parts, args.ack))
                .collect::<anyhow::Result<_>>()?,
            ack: args.ack,
            stdin: args.stdin,
            auth: args.auth.as_ref().map(|a| auth(a.expose())).transpose()?,
        })
    }

    /// The deadline for the next step when nothing else bounds it.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }
}

/// The URL with ws/wss mapped to http/https (`rust_socketio`'s polling cannot use ws://).
pub(super) fn http_url(url: &url::Url) -> anyhow::Result<url::Url> {
    let scheme = match url.scheme() {
        "ws" => "http",
        "wss" => "https",
        other => other,
    };
    if scheme == url.scheme() {
        return Ok(url.clone());
    }
    // `set_scheme` refuses ws→http (special schemes only), so rebuild the URL.
    let rest = &url.as_str()[url.scheme().len()..];
    url::Url::parse(&format!("{scheme}{rest}")).context("cannot map the URL to http(s)")
}

/// The URL without user name, password, query or fragment, for messages.
pub(super) fn shown_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// Whether a byte may appear in a cookie value unquoted (RFC 6265 cookie-octet).
const fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// The Cookie header to send for `--cookie` / `--cookie-file` input, read as `verify` reads it
/// ([`read_pasted`]).
///
/// A header (`name=value` pairs, `Cookie:` dropped) goes as it is. A value is the cookie `name`'s:
/// a raw signed value (`s:…`, or anything that is not valid in a cookie) is percent-encoded as
/// express-session would, an already encoded one (`s%3A…`) goes as it is. Errors never quote
/// the input: it is a credential.
pub(super) fn cookie_header(input: &str, name: &str) -> anyhow::Result<CookieHeader> {
    if let Some(at) = input.trim_matches([' ', '\t']).find(char::is_control) {
        anyhow::bail!("the cookie has a control character at byte {at} (a header cannot carry it)");
    }
    let input = match read_pasted(input) {
        Pasted::Value("") | Pasted::Header("") => anyhow::bail!("the cookie is empty"),
        Pasted::Header(header) => return Ok(CookieHeader(header.to_owned())),
        Pasted::Value(value) => value,
    };
    let value = if input.contains(':') || !input.bytes().all(is_cookie_octet) {
        encode_uri_component(input)
    } else {
        input.into()
    };
    Ok(CookieHeader(format!("{name}={value}")))
}

/// `--header 'Cookie: …'` values first, then ours, as one header.
pub(super) fn join_cookies(
    from_headers: &[CookieHeader],
    ours: Option<&CookieHeader>,
) -> Option<CookieHeader> {
    let parts: Vec<&str> = from_headers
        .iter()
        .chain(ours)
        .map(|c| c.0.as_str())
        .collect();
    (!parts.is_empty()).then(|| CookieHeader(parts.join("; ")))
}

pub(super) fn show_timeout(plan: &Plan) -> String {
    show_duration(plan.timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(input: &str) -> String {
        cookie_header(input, "express.sid").expect("valid cookie").0
    }

    #[test]
    fn cookie_forms() {
        let raw = "s:abc.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";
        let encoded = "s%3Aabc.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
        assert_eq!(header(raw), format!("express.sid={encoded}"));
        assert_eq!(header(encoded), format!("express.sid={encoded}"));
        assert_eq!(
            header(&format!("express.sid={encoded}")),
            format!("express.sid={encoded}")
        );
        assert_eq!(header("a=1; express.sid=x"), "a=1; express.sid=x");
        assert_eq!(header("  plain  "), "express.sid=plain");
        // Read as verify reads it: a raw signed value may contain `=`; `Cookie:` is dropped.
        assert_eq!(header("s:a=b.sig"), "express.sid=s%3Aa%3Db.sig");
        assert_eq!(header("Cookie: a=1; express.sid=x"), "a=1; express.sid=x");
        assert!(cookie_header("Cookie:  ", "express.sid").is_err());
        assert!(cookie_header("", "express.sid").is_err());
        assert!(cookie_header("a=b\r\nX-Evil: 1", "express.sid").is_err());
    }

    /// Regression: `Plan.header_cookies` and the other headers derived `Debug` with their values.
    #[test]
    fn plan_debug_shows_no_credential() {
        use clap::Parser as _;
        let cli = crate::cli::Cli::try_parse_from([
            "sio-auth",
            "connect",
            "--cookie",
            "express.sid=cookie-hunter2",
            "--header",
            "Cookie: other=header-cookie-hunter2",
            "--header",
            "Authorization: Bearer token-hunter2",
            "--header",
            "authorization: second-hunter2",
            "--auth",
            r#"{"token":"auth-hunter2"}"#,
        ])
        .expect("parses");
        let crate::cli::Command::Connect(args) = &cli.command else {
            panic!("not connect");
        };
        let plan = Plan::new(args).expect("a plan");
        let debug = format!("{plan:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("Authorization"), "{debug}");
        let joined = &plan.headers[0].1;
        assert_eq!(joined.expose(), "Bearer token-hunter2, second-hunter2");
    }

    #[test]
    fn cookie_errors_do_not_quote_the_cookie() {
        let error = cookie_header("secret-value\n", "express.sid").expect_err("newline");
        assert!(!format!("{error:#}").contains("secret-value"));
    }

    #[test]
    fn urls() {
        let url = url::Url::parse("wss://user:pw@example.com:8443/app?token=x").expect("url");
        let http = http_url(&url).expect("maps");
        assert_eq!(
            http.as_str(),
            "https://user:pw@example.com:8443/app?token=x"
        );
        assert_eq!(shown_url(&http), "https://example.com:8443/app");
    }
}
