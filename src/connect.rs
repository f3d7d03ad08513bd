//! `sio-auth connect`: a Socket.IO v4 client that authenticates with a session cookie and prints
//! what the server sends, or why it refused.
//!
//! `rust_socketio` delivers everything through callbacks on its own reader task. The callbacks only
//! forward into one channel; all decisions (accepted, refused, event, gone, timeout) are made in
//! one loop here. `rust_socketio`'s own reconnection is always off: `--reconnect` is ours, because
//! it must never retry after a refusal.
//!
//! Behaviour, as documented to users:
//! * The cookie: with an `=` it is a pair or a whole Cookie header, sent as is; without, it is the
//!   value of `--cookie-name`, percent-encoded when raw (`s:…`), as is when already encoded.
//!   `--login` GETs the URL's page (same-origin redirects followed) and sends every cookie it
//!   set; no cookie named `--cookie-name` exits 1. The Cookie header goes on the polling
//!   handshake and on the WebSocket upgrade.
//! * Transport: `websocket` and `polling` use only that one. `auto` (the default) opens a
//!   WebSocket first: it is the fastest start (no HTTP client, no TLS context for plain http;
//!   ~12 ms to the first tick against a local server, where polling needs ~60 ms). When the
//!   WebSocket fails for a transport reason (an HTTP error on the upgrade, a connection that
//!   closes before the namespace answers, or no answer within 5 s), it falls back at once,
//!   within the same connect deadline, to the official client's default: a polling handshake,
//!   then the WebSocket upgrade, else polling; later reconnections start there. There is no
//!   fallback after a refusal (exit 1 at once), nor when polling would fail the same way:
//!   connection refused, unreachable, DNS or TLS errors.
//! * The URL's path is the page `--login` fetches; Socket.IO always uses `/socket.io/` on that
//!   origin (its query is kept), and the namespace comes from `--namespace`.
//! * stdout: one line per printed event. One argument prints as its JSON, a string as plain text
//!   (as JSON when it has control characters); several arguments print as one JSON array; binary
//!   as base64. `--json`: `{"event":…,"args":[…],"received_at":<epoch ms>}`.
//! * Exit: 0 after `--count` events or Ctrl-C; 1 refused (the server's reason printed as
//!   `sio-auth: refused: <reason>`, at once); 2 usage; 3 network: cannot connect, the connection
//!   broke, or the server disconnected us; 4 timeout; 5 stdout cannot be written; 6 the server
//!   ended our session (`session_ended`: printed like any event when asked for, then
//!   `sio-auth: the server ended the session: <reason>`, at once, never a reconnection).
//!   Connecting is bounded by `--timeout`, or by 20 s (socket.io-client's default) without it;
//!   waiting between printed events only by `--timeout`.
//! * `--reconnect`: after a failed connection or a broken one, retry with socket.io-client's
//!   backoff (1 s doubling to 5 s, ±50 %); never after a refusal or a deliberate server-side
//!   disconnect (`41`), like socket.io-client. `--timeout` still bounds the time without progress.

use std::fmt;
use std::io::{self, Write as _};
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, anyhow};
use base64::Engine as _;
use futures_util::future::BoxFuture;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{Value, json};
use sio_auth::cookie::{Pasted, encode_uri_component, find_cookie, read_pasted};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout_at};

use crate::cli::{ConnectArgs, Redacted, Transport};
use crate::exit::{Exit, ExitOnError as _, failure, one_line, read_named_file};

/// How long connecting may take when `--timeout` is not given: socket.io-client's default.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// How long `--transport auto` waits for the WebSocket to open before it falls back to
/// polling: a proxy may swallow the upgrade request without an answer.
const WEBSOCKET_PATIENCE: Duration = Duration::from_secs(5);

/// The most redirects `--login` follows, like a browser's limit.
const MAX_REDIRECTS: usize = 10;

/// Where `rust_socketio` reports a namespace `CONNECT_ERROR` (`44{"message":"…"}`); it reaches user
/// code only as this text on `Event::Error`.
const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame:";

/// The event by which a server tells a socket that its session ended (a logout, a revocation,
/// an expiry), with the reason as its argument; `sio-auth serve` sends it before disconnecting.
const SESSION_ENDED: &str = "session_ended";

pub(crate) fn run(args: &ConnectArgs) -> anyhow::Result<Exit> {
    let plan = Plan::new(args)?;
    let runtime = crate::runtime::build(crate::runtime::Threads::One)?;
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = session(&plan) => outcome,
            _ = tokio::signal::ctrl_c() => Ok(Exit::Success),
        }
    });
    // Do not wait for the library's reader task: the connection just goes away with us.
    runtime.shutdown_background();
    outcome
}

/// A Cookie header value: a credential, so it never prints.
#[derive(Clone)]
struct CookieHeader(String);

impl fmt::Debug for CookieHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CookieHeader(redacted)")
    }
}

/// Where the session cookie comes from.
#[derive(Debug)]
enum CookieSource {
    /// Connect without a cookie (the server should refuse: useful to test it).
    Nothing,
    Given(CookieHeader),
    /// GET the page first and take the cookies it sets.
    Login,
}

/// Which events print.
#[derive(Debug)]
enum EventFilter {
    All,
    Named(Vec<String>),
}

impl EventFilter {
    fn matches(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Named(names) => names.iter().any(|n| n == name),
        }
    }
}

/// The command line, checked and resolved before any network traffic.
#[derive(Debug)]
struct Plan {
    /// `http(s)://host:port/socket.io/?query`: the Engine.IO endpoint.
    socket_url: url::Url,
    /// The URL as given (ws mapped to http): the page `--login` fetches.
    page_url: url::Url,
    /// The URL for messages: no credentials, no query.
    shown_url: String,
    cookie: CookieSource,
    cookie_name: String,
    /// Cookie values given with `--header 'Cookie: …'`, sent before ours.
    header_cookies: Vec<CookieHeader>,
    /// Other `--header`s, duplicates joined with `, `; their values may be credentials too
    /// (`Authorization`).
    headers: Vec<(String, Redacted)>,
    namespace: String,
    events: EventFilter,
    count: Option<u64>,
    timeout: Option<Duration>,
    transport: Transport,
    json: bool,
    reconnect: bool,
}

impl Plan {
    fn new(args: &ConnectArgs) -> anyhow::Result<Self> {
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
        })
    }

    /// The deadline for the next step when nothing else bounds it.
    fn next_deadline(&self) -> Option<Instant> {
        self.timeout.map(|t| Instant::now() + t)
    }
}

/// The URL with ws/wss mapped to http/https (`rust_socketio`'s polling cannot use ws://).
fn http_url(url: &url::Url) -> anyhow::Result<url::Url> {
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
fn shown_url(url: &url::Url) -> String {
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
fn cookie_header(input: &str, name: &str) -> anyhow::Result<CookieHeader> {
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

/// What the library told us, in order.
#[derive(Debug)]
enum Signal {
    /// The namespace accepted us (`40`).
    Connected,
    /// The server disconnected us from the namespace (`41`).
    Closed,
    /// Any error text, a namespace refusal included.
    Failed(String),
    Event {
        name: String,
        payload: Payload,
        at: SystemTime,
    },
}

/// How one connection attempt ended.
#[derive(Debug)]
enum Ended {
    /// `--count` events printed.
    Done,
    /// The namespace refused us: the server's reason.
    Refused(String),
    /// Nothing within the deadline.
    TimedOut(String),
    /// Could not connect, or the connection broke: worth a retry with `--reconnect`.
    Lost(String),
    /// `--transport auto` only: the WebSocket could not be opened, or closed before the
    /// namespace answered, for a reason polling may not share (a server or proxy without
    /// WebSocket): fall back to polling at once.
    WebsocketFailed(String),
    /// The server disconnected us on purpose: reported, never retried.
    Kicked,
    /// The server ended our session (`session_ended`, with its reason): never retried, the
    /// cookie is dead.
    SessionOver(String),
}

/// The transport of one connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    Websocket,
    Polling,
    /// A polling handshake, then the WebSocket upgrade, else polling: the official client's
    /// default, and `auto`'s fallback.
    PollingThenUpgrade,
}

impl Wire {
    fn transport_type(self) -> TransportType {
        match self {
            Self::Websocket => TransportType::Websocket,
            Self::Polling => TransportType::Polling,
            // rust_engineio's `build_with_fallback`: upgrade when the handshake offers it,
            // and polling again when that fails.
            Self::PollingThenUpgrade => TransportType::Any,
        }
    }
}

/// The TLS context, built on first need: it loads the system's CA bundle (~40 ms of CPU).
#[derive(Default)]
struct Tls(Option<native_tls::TlsConnector>);

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Tls(built)"
        } else {
            "Tls(none)"
        })
    }
}

impl Tls {
    fn get(&mut self) -> anyhow::Result<&native_tls::TlsConnector> {
        match &mut self.0 {
            Some(tls) => Ok(tls),
            slot @ None => Ok(slot.insert(
                native_tls::TlsConnector::new()
                    .context("cannot set up TLS")
                    .exit_with(Exit::Network)?,
            )),
        }
    }

    /// The context for an attempt over `wire`, when it needs one. Every HTTP client
    /// rust_engineio builds (for polling, even over plain http) would otherwise load the CA
    /// bundle again; plain-http WebSocket needs none.
    fn for_wire(
        &mut self,
        plan: &Plan,
        wire: Wire,
    ) -> anyhow::Result<Option<&native_tls::TlsConnector>> {
        if plan.socket_url.scheme() == "https" || wire != Wire::Websocket {
            self.get().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Progress across reconnections.
#[derive(Debug)]
struct Progress {
    printed: u64,
    failures: u32,
}

async fn session(plan: &Plan) -> anyhow::Result<Exit> {
    let mut tls = Tls::default();
    let cookie = match &plan.cookie {
        CookieSource::Nothing => None,
        CookieSource::Given(header) => Some(header.clone()),
        CookieSource::Login => Some(login(plan, tls.get()?).await?),
    };
    let cookie = join_cookies(&plan.header_cookies, cookie.as_ref());
    let mut progress = Progress {
        printed: 0,
        failures: 0,
    };
    // Bounded by --timeout across retries: each success moves it.
    let mut deadline = plan.next_deadline();
    // Once WebSocket failed for `auto`, later reconnections start with polling.
    let mut websocket_failed = false;
    // The fallback to polling keeps the connect deadline of the WebSocket attempt.
    let mut fallback_deadline = None;
    loop {
        let wire = match plan.transport {
            Transport::Websocket => Wire::Websocket,
            Transport::Polling => Wire::Polling,
            Transport::Auto if websocket_failed => Wire::PollingThenUpgrade,
            Transport::Auto => Wire::Websocket,
        };
        let connect_deadline = fallback_deadline.take().unwrap_or_else(|| {
            deadline.unwrap_or_else(|| Instant::now() + DEFAULT_CONNECT_TIMEOUT)
        });
        let tls_now = tls.for_wire(plan, wire)?;
        match attempt(
            plan,
            Wiring {
                wire,
                tls: tls_now,
                cookie: cookie.as_ref(),
                connect_deadline,
            },
            &mut progress,
            &mut deadline,
        )
        .await?
        {
            Ended::WebsocketFailed(why) => {
                eprintln!("sio-auth: WebSocket failed ({why}); falling back to polling");
                websocket_failed = true;
                fallback_deadline = Some(connect_deadline);
            }
            Ended::Done => return Ok(Exit::Success),
            Ended::Refused(reason) => {
                eprintln!("sio-auth: refused: {}", printable(&reason));
                return Ok(Exit::Negative);
            }
            Ended::SessionOver(reason) => {
                eprintln!(
                    "sio-auth: the server ended the session: {}",
                    printable(&reason)
                );
                return Ok(Exit::SessionEnded);
            }
            Ended::TimedOut(what) => return Err(failure(Exit::Timeout, anyhow!(what))),
            Ended::Kicked => {
                return Err(failure(
                    Exit::Network,
                    anyhow!(
                        "the server disconnected us from namespace {}",
                        plan.namespace
                    ),
                ));
            }
            Ended::Lost(why) if plan.reconnect => {
                let delay = backoff(progress.failures);
                progress.failures = progress.failures.saturating_add(1);
                eprintln!("sio-auth: {why}; reconnecting in {}", show(delay));
                let wake = Instant::now() + delay;
                if let Some(deadline) = deadline
                    && deadline < wake
                {
                    sleep_until(deadline).await;
                    return Err(failure(
                        Exit::Timeout,
                        anyhow!("{why}; no connection within {}", show_timeout(plan)),
                    ));
                }
                sleep_until(wake).await;
            }
            Ended::Lost(why) => return Err(failure(Exit::Network, anyhow!(why))),
        }
    }
}

/// How one attempt connects.
#[derive(Debug, Clone, Copy)]
struct Wiring<'a> {
    wire: Wire,
    tls: Option<&'a native_tls::TlsConnector>,
    cookie: Option<&'a CookieHeader>,
    /// Until the namespace's verdict.
    connect_deadline: Instant,
}

/// One connection: connect, wait for the namespace's verdict, then print events.
async fn attempt(
    plan: &Plan,
    wiring: Wiring<'_>,
    progress: &mut Progress,
    deadline: &mut Option<Instant>,
) -> anyhow::Result<Ended> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let builder = client_builder(plan, wiring, &tx);
    drop(tx);
    let connect_deadline = wiring.connect_deadline;
    // `auto` tries WebSocket first; a failure polling would share is not worth a fallback.
    let may_fall_back = plan.transport == Transport::Auto && wiring.wire == Wire::Websocket;
    let open_deadline = if may_fall_back {
        connect_deadline.min(Instant::now() + WEBSOCKET_PATIENCE)
    } else {
        connect_deadline
    };
    let client = match timeout_at(open_deadline, builder.connect()).await {
        Err(_) if open_deadline < connect_deadline => {
            return Ok(Ended::WebsocketFailed(format!(
                "no answer within {}",
                show(WEBSOCKET_PATIENCE)
            )));
        }
        Err(_) => {
            return Ok(Ended::TimedOut(format!(
                "{} did not answer the handshake within {}",
                plan.shown_url,
                show_timeout(plan)
            )));
        }
        Ok(Err(error)) => {
            let detail = one_line(&error);
            if may_fall_back && !is_network_failure(&error) {
                return Ok(Ended::WebsocketFailed(detail));
            }
            // A web server without Socket.IO answers the handshake with HTML (`<` is id 60).
            let hint = if ["Invalid packet", "invalid packet", "illegal handshake"]
                .iter()
                .any(|needle| detail.contains(needle))
            {
                " (is it a Socket.IO v4 server?)"
            } else {
                ""
            };
            return Ok(Ended::Lost(format!(
                "cannot connect to {}: {detail}{hint}",
                plan.shown_url
            )));
        }
        Ok(Ok(client)) => client,
    };
    // The library's reader task holds the callbacks, and so the channel's senders; without our
    // handle the channel closes exactly when that task ends, which is the only sign of a
    // connection that closed without an error.
    drop::<Client>(client);

    let mut last_error: Option<String> = None;
    // The namespace's verdict: `connect()` returned before it.
    loop {
        let Ok(signal) = timeout_at(connect_deadline, rx.recv()).await else {
            return Ok(Ended::TimedOut(format!(
                "namespace {} neither accepted nor refused us within {}",
                plan.namespace,
                show_timeout(plan)
            )));
        };
        match signal {
            None if may_fall_back => {
                return Ok(Ended::WebsocketFailed(gone(last_error.as_deref(), false)));
            }
            None => return Ok(Ended::Lost(gone(last_error.as_deref(), false))),
            Some(Signal::Connected) => break,
            Some(Signal::Closed) => return Ok(Ended::Kicked),
            Some(Signal::Failed(text)) => {
                if let Some(reason) = refusal(&text) {
                    return Ok(Ended::Refused(reason));
                }
                last_error = Some(text);
            }
            Some(Signal::Event { name, payload, at }) => {
                if print_event(plan, progress, &name, &payload, at)? {
                    return Ok(Ended::Done);
                }
            }
        }
    }
    eprintln!(
        "sio-auth: connected to {} namespace {}",
        plan.shown_url, plan.namespace
    );
    progress.failures = 0;
    *deadline = plan.next_deadline();
    last_error = None;

    loop {
        let signal = match *deadline {
            Some(at) => match timeout_at(at, rx.recv()).await {
                Ok(signal) => signal,
                Err(_) => {
                    return Ok(Ended::TimedOut(format!(
                        "no event within {}",
                        show_timeout(plan)
                    )));
                }
            },
            None => rx.recv().await,
        };
        match signal {
            None => return Ok(Ended::Lost(gone(last_error.as_deref(), true))),
            Some(Signal::Connected) => {}
            Some(Signal::Closed) => return Ok(Ended::Kicked),
            Some(Signal::Failed(text)) => {
                if let Some(reason) = refusal(&text) {
                    return Ok(Ended::Refused(reason));
                }
                // Usually the last word before the connection ends; if not, it was harmless.
                if let Some(old) = last_error.replace(text) {
                    eprintln!("sio-auth: warning: {old}");
                }
            }
            Some(Signal::Event { name, payload, at }) if name == SESSION_ENDED => {
                print_event(plan, progress, &name, &payload, at)?;
                return Ok(Ended::SessionOver(error_text(&payload)));
            }
            Some(Signal::Event { name, payload, at }) => {
                if let Some(old) = last_error.take() {
                    eprintln!("sio-auth: warning: {old}");
                }
                if plan.events.matches(&name) {
                    if print_event(plan, progress, &name, &payload, at)? {
                        return Ok(Ended::Done);
                    }
                    *deadline = plan.next_deadline();
                }
            }
        }
    }
}

/// Why the connection is gone, from the library's last error text.
fn gone(last_error: Option<&str>, was_connected: bool) -> String {
    let what = if was_connected {
        "the server went away"
    } else {
        "the server closed the connection"
    };
    match last_error {
        // rust_socketio's text for every transport error: the detail is lost.
        Some("EngineIO Error") => format!("{what}: the connection broke"),
        Some(error) => format!("{what}: {error}"),
        None => format!("{what}: it closed the connection"),
    }
}

/// Whether connecting failed before any transport could matter: nothing listening, the name
/// does not resolve, or TLS failed. Polling would fail the same way.
fn is_network_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(io) = error.downcast_ref::<io::Error>()
            && matches!(
                io.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::HostUnreachable
                    | io::ErrorKind::NetworkUnreachable
            )
        {
            return true;
        }
        if error.is::<native_tls::Error>() || error.to_string().contains("failed to lookup address")
        {
            return true;
        }
        next = error.source();
    }
    false
}

fn client_builder(
    plan: &Plan,
    wiring: Wiring<'_>,
    tx: &mpsc::UnboundedSender<Signal>,
) -> ClientBuilder {
    let mut builder = ClientBuilder::new(plan.socket_url.as_str())
        .namespace(plan.namespace.clone())
        .transport_type(wiring.wire.transport_type())
        .reconnect(false)
        .reconnect_on_disconnect(false);
    if let Some(tls) = wiring.tls {
        builder = builder.tls_config(tls.clone());
    }
    for (name, value) in &plan.headers {
        builder = builder.opening_header(name.clone(), value.expose().to_owned());
    }
    if let Some(cookie) = wiring.cookie {
        // On the polling handshake and on the WebSocket upgrade alike.
        builder = builder.opening_header("Cookie", cookie.0.clone());
    }
    builder
        .on(
            Event::Connect,
            forward(tx, |payload| {
                // rust_socketio maps a server event named "open" to Event::Connect too; the real
                // CONNECT carries the empty string.
                if is_protocol_payload(&payload) {
                    Signal::Connected
                } else {
                    received("open".to_owned(), payload)
                }
            }),
        )
        .on(
            Event::Close,
            forward(tx, |payload| {
                if is_protocol_payload(&payload) {
                    Signal::Closed
                } else {
                    received("close".to_owned(), payload)
                }
            }),
        )
        .on(
            Event::Error,
            forward(tx, |payload| Signal::Failed(error_text(&payload))),
        )
        .on_any({
            let tx = tx.clone();
            move |event: Event, payload: Payload, _client: Client| -> BoxFuture<'static, ()> {
                let _ = tx.send(received(event.as_str().to_owned(), payload));
                Box::pin(async {})
            }
        })
}

fn forward(
    tx: &mpsc::UnboundedSender<Signal>,
    to_signal: impl Fn(Payload) -> Signal + Send + Sync + 'static,
) -> impl FnMut(Payload, Client) -> BoxFuture<'static, ()> + Send + Sync + 'static {
    let tx = tx.clone();
    move |payload, _client| {
        // The receiver is gone only when we are exiting.
        let _ = tx.send(to_signal(payload));
        Box::pin(async {})
    }
}

fn received(name: String, payload: Payload) -> Signal {
    Signal::Event {
        name,
        payload,
        at: SystemTime::now(),
    }
}

/// `rust_socketio`'s own Connect/Close callbacks carry `""` as their payload.
fn is_protocol_payload(payload: &Payload) -> bool {
    matches!(payload, Payload::Text(values) if matches!(values.as_slice(), [Value::String(s)] if s.is_empty()))
}

fn error_text(payload: &Payload) -> String {
    match payload {
        Payload::Text(values) => match values.as_slice() {
            [Value::String(s)] => s.clone(),
            other => Value::Array(other.to_vec()).to_string(),
        },
        Payload::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        #[allow(deprecated)]
        Payload::String(s) => s.clone(),
    }
}

/// The server's reason from `rust_socketio`'s `CONNECT_ERROR` text, if that is what `text` is:
/// `Received an ConnectError frame: {"message":"…"}`. Falls back to the raw data.
fn refusal(text: &str) -> Option<String> {
    let data = text.strip_prefix(CONNECT_ERROR_PREFIX)?.trim();
    let from_json = |json: &str| match serde_json::from_str::<Value>(json) {
        Ok(Value::Object(map)) => match map.get("message") {
            Some(Value::String(message)) => Some(message.clone()),
            _ => None,
        },
        Ok(Value::String(message)) => Some(message),
        _ => None,
    };
    let object = match (data.find('{'), data.rfind('}')) {
        (Some(start), Some(end)) if start < end => Some(&data[start..=end]),
        _ => None,
    };
    Some(
        from_json(data)
            .or_else(|| object.and_then(from_json))
            .unwrap_or_else(|| data.to_owned()),
    )
}

/// Prints an event; true when `--count` is reached.
fn print_event(
    plan: &Plan,
    progress: &mut Progress,
    name: &str,
    payload: &Payload,
    at: SystemTime,
) -> anyhow::Result<bool> {
    if !plan.events.matches(name) {
        return Ok(false);
    }
    let line = if plan.json {
        json_line(name, payload, at)
    } else {
        plain_line(payload)
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    progress.printed += 1;
    Ok(plan.count.is_some_and(|count| progress.printed >= count))
}

fn args_of(payload: &Payload) -> Vec<Value> {
    match payload {
        Payload::Text(values) => values.clone(),
        Payload::Binary(bytes) => {
            vec![json!({ "base64": base64::engine::general_purpose::STANDARD.encode(bytes) })]
        }
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s.clone())],
    }
}

/// One argument prints as its JSON (a string as plain text, unless it has control characters,
/// which would break one line per event); several print as a JSON array; binary as base64.
fn plain_line(payload: &Payload) -> String {
    if let Payload::Binary(bytes) = payload {
        return base64::engine::general_purpose::STANDARD.encode(bytes);
    }
    match args_of(payload).as_slice() {
        [] => String::new(),
        [Value::String(s)] if !s.contains(char::is_control) => s.clone(),
        [one] => one.to_string(),
        many => Value::Array(many.to_vec()).to_string(),
    }
}

fn json_line(name: &str, payload: &Payload, at: SystemTime) -> String {
    /// One line of `connect --json`, keys in the documented order.
    #[derive(serde::Serialize)]
    struct Line<'a> {
        event: &'a str,
        args: Vec<Value>,
        received_at: u64,
    }
    let line = Line {
        event: name,
        args: args_of(payload),
        received_at: crate::clock::epoch_millis(at),
    };
    // Strings, numbers and JSON values only: serializing cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// `--login`: GET the page like a browser and keep the cookies it sets, following same-origin
/// redirects. Exits 1 when no cookie named `--cookie-name` comes back.
async fn login(plan: &Plan, tls: &native_tls::TlsConnector) -> anyhow::Result<CookieHeader> {
    let deadline = plan
        .next_deadline()
        .unwrap_or_else(|| Instant::now() + DEFAULT_CONNECT_TIMEOUT);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .use_preconfigured_tls(tls.clone())
        .build()
        .context("cannot set up the HTTP client")?;
    let mut jar: Vec<(String, String)> = Vec::new();
    let mut url = plan.page_url.clone();
    let mut status = reqwest::StatusCode::OK;
    for _ in 0..=MAX_REDIRECTS {
        let mut request = client.get(url.clone());
        for (name, value) in &plan.headers {
            request = request.header(name, value.expose());
        }
        let pairs: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
        if let Some(cookie) = join_cookies(
            &plan.header_cookies,
            (!pairs.is_empty())
                .then(|| CookieHeader(pairs.join("; ")))
                .as_ref(),
        ) {
            request = request.header(reqwest::header::COOKIE, cookie.0);
        }
        let shown = shown_url(&url);
        let response = timeout_at(deadline, request.send())
            .await
            .map_err(|_| {
                failure(
                    Exit::Timeout,
                    anyhow!("GET {shown} got no answer within {}", show_timeout(plan)),
                )
            })?
            .map_err(|e| anyhow!("GET {shown} failed: {}", one_line(&e)))
            .exit_with(Exit::Network)?;
        status = response.status();
        for header in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(text) = header.to_str() else { continue };
            let Ok(cookie) = cookie::Cookie::parse(text) else {
                continue;
            };
            jar.retain(|(name, _)| name != cookie.name());
            if !is_expired(&cookie) {
                jar.push((cookie.name().to_owned(), cookie.value().to_owned()));
            }
        }
        let next = status
            .is_redirection()
            .then(|| response.headers().get(reqwest::header::LOCATION))
            .flatten()
            .and_then(|location| location.to_str().ok())
            .and_then(|location| url.join(location).ok());
        match next {
            // Cookies are never carried to another origin.
            Some(next) if next.origin() == url.origin() => url = next,
            _ => break,
        }
    }
    if !jar.iter().any(|(name, _)| *name == plan.cookie_name) {
        let names: Vec<&str> = jar.iter().map(|(name, _)| name.as_str()).collect();
        let others = if names.is_empty() {
            "no cookie at all".to_owned()
        } else {
            format!("only {}", names.join(", "))
        };
        return Err(failure(
            Exit::Negative,
            anyhow!(
                "login: GET {} answered {status} and set no {} cookie ({others})",
                shown_url(&url),
                plan.cookie_name
            ),
        ));
    }
    eprintln!(
        "sio-auth: logged in: GET {} set {}",
        shown_url(&url),
        plan.cookie_name
    );
    let pairs: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
    Ok(CookieHeader(pairs.join("; ")))
}

fn is_expired(cookie: &cookie::Cookie<'_>) -> bool {
    cookie.max_age().is_some_and(|age| !age.is_positive())
        || cookie
            .expires_datetime()
            .is_some_and(|at| at <= cookie::time::OffsetDateTime::now_utc())
}

/// `--header 'Cookie: …'` values first, then ours, as one header.
fn join_cookies(
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

/// socket.io-client's reconnection delay: 1 s doubling up to 5 s, ±50 % jitter.
fn backoff(failures: u32) -> Duration {
    let base = 1000u64.saturating_mul(1 << failures.min(3)).min(5000);
    let jitter = getrandom::u32().unwrap_or(0) % 1001; // 0..=1000 → ×0.5..=×1.5
    Duration::from_millis(base * (500 + u64::from(jitter)) / 1000)
}

/// A server's reason as sent, with control characters escaped so it cannot drive the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn show(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{millis}ms")
    }
}

fn show_timeout(plan: &Plan) -> String {
    show(plan.timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
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
    fn refusal_text() {
        let text = r#"Received an ConnectError frame: {"message":"No cookie transmitted."}"#;
        assert_eq!(refusal(text).as_deref(), Some("No cookie transmitted."));
        let text =
            r#"Received an ConnectError frame: {"message":"a \"quoted\" one","data":{"x":1}}"#;
        assert_eq!(refusal(text).as_deref(), Some(r#"a "quoted" one"#));
        let text = r#"Received an ConnectError frame: "No error message provided""#;
        assert_eq!(refusal(text).as_deref(), Some("No error message provided"));
        let text = "Received an ConnectError frame: garbage {";
        assert_eq!(refusal(text).as_deref(), Some("garbage {"));
        assert_eq!(refusal("EngineIO Error"), None);
    }

    #[test]
    fn plain_output() {
        let text = |values: Vec<Value>| plain_line(&Payload::Text(values));
        assert_eq!(text(vec![json!(1_795_632_469_227_u64)]), "1795632469227");
        assert_eq!(text(vec![json!("hello world")]), "hello world");
        assert_eq!(text(vec![json!("two\nlines")]), r#""two\nlines""#);
        assert_eq!(text(vec![json!({"a": [1, 2]})]), r#"{"a":[1,2]}"#);
        assert_eq!(text(vec![json!("world"), json!(2)]), r#"["world",2]"#);
        assert_eq!(plain_line(&Payload::Binary(vec![1, 2, 3].into())), "AQID");
    }

    #[test]
    fn json_output() {
        let at = std::time::UNIX_EPOCH + Duration::from_millis(1234);
        let line = json_line("data", &Payload::Text(vec![json!(7)]), at);
        assert_eq!(line, r#"{"event":"data","args":[7],"received_at":1234}"#);
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

    #[test]
    fn backoff_stays_in_range() {
        for failures in 0..40 {
            let delay = backoff(failures);
            assert!(delay >= Duration::from_millis(500) && delay <= Duration::from_millis(7500));
        }
    }
}
