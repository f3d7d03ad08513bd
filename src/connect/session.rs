//! The transport and the session: one connection attempt after another over rust_socketio,
//! its callbacks forwarded into one channel and every decision (accepted, refused, event, gone,
//! timeout, reconnect) made in one loop.

use std::fmt;
use std::io;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, anyhow};
use futures_util::future::BoxFuture;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout_at};

use super::emit::{Handle, Outbox, ack_timeout, sleep_until_some};
use super::login::login;
use super::output::{print_event, printable};
use super::plan::{
    CookieHeader, CookieSource, DEFAULT_CONNECT_TIMEOUT, Plan, join_cookies, show_timeout,
};
use crate::cli::{Transport, show_duration};
use crate::exit::{Exit, ExitOnError as _, failure, one_line};

/// How long `--transport auto` waits for the WebSocket to open before it falls back to
/// polling: a proxy may swallow the upgrade request without an answer.
const WEBSOCKET_PATIENCE: Duration = Duration::from_secs(5);

/// Where `rust_socketio` reports a namespace `CONNECT_ERROR` (`44{"message":"…"}`); it reaches user
/// code only as this text on `Event::Error`.
const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame:";

/// The event by which a server tells a socket that its session ended (a logout, a revocation,
/// an expiry), with the reason as its argument; `sio-auth serve` sends it before disconnecting.
const SESSION_ENDED: &str = "session_ended";

/// What the library told us, in order.
#[derive(Debug)]
enum Signal {
    /// The namespace accepted us (`40`); with emits to send, the client to send them with.
    Connected(Option<Handle>),
    /// The server disconnected us from the namespace (`41`).
    Closed,
    /// The connection ended with no `41` (the library's `Close` with its "transport close"): the
    /// same news as the channel closing, which cannot happen while we hold a client to emit with.
    Gone,
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
pub(super) struct Progress {
    pub(super) printed: u64,
    /// What `--emit` and `--stdin` still have to send: each goes once, across reconnections.
    pub(super) outbox: Outbox,
    failures: u32,
}

pub(super) async fn session(plan: &Plan) -> anyhow::Result<Exit> {
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
        outbox: Outbox::new(plan),
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
                eprintln!("sio-auth: {why}; reconnecting in {}", show_duration(delay));
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
                show_duration(WEBSOCKET_PATIENCE)
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
    let handle = loop {
        let Ok(signal) = timeout_at(connect_deadline, rx.recv()).await else {
            return Ok(Ended::TimedOut(format!(
                "namespace {} neither accepted nor refused us within {}",
                plan.namespace,
                show_timeout(plan)
            )));
        };
        match signal {
            None | Some(Signal::Gone) if may_fall_back => {
                return Ok(Ended::WebsocketFailed(gone(last_error.as_deref(), false)));
            }
            None | Some(Signal::Gone) => {
                return Ok(Ended::Lost(gone(last_error.as_deref(), false)));
            }
            Some(Signal::Connected(handle)) => break handle,
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
    };
    eprintln!(
        "sio-auth: connected to {} namespace {}",
        plan.shown_url, plan.namespace
    );
    progress.failures = 0;
    *deadline = plan.next_deadline();
    last_error = None;

    // The emits go once, across connections; the client is held only while some are left
    // (while it is held, the channel cannot close: a broken connection shows as an error).
    progress.outbox.reconnected();
    let (acks_tx, mut acks) = mpsc::unbounded_channel();
    let mut emitter = match handle {
        Some(handle) if !progress.outbox.is_done() => Some(handle),
        _ => None,
    };
    loop {
        if let Some(handle) = &emitter {
            if progress.outbox.send_ready(plan, handle, &acks_tx).await? {
                *deadline = plan.next_deadline();
            }
            if progress.outbox.is_done() {
                emitter = None;
                if plan.count.is_none_or(|count| progress.printed >= count) {
                    return Ok(Ended::Done);
                }
            }
        }
        let awaited = progress.outbox.awaited().map(|(_, sent_at)| sent_at);
        let wake = match awaited {
            Some(sent_at) => Some(sent_at + ack_timeout(plan)),
            None => *deadline,
        };
        let signal = tokio::select! {
            signal = rx.recv() => signal,
            Some(ack) = acks.recv() => {
                if progress.outbox.acked(plan, &ack)? {
                    *deadline = plan.next_deadline();
                }
                continue;
            }
            line = progress.outbox.next_line(), if emitter.is_some() => {
                progress.outbox.take_line(line)?;
                continue;
            }
            () = sleep_until_some(wake) => {
                return Ok(Ended::TimedOut(match progress.outbox.awaited() {
                    Some((event, _)) => {
                        format!("no ack for emit {event} within {}", show_timeout(plan))
                    }
                    None => format!("no event within {}", show_timeout(plan)),
                }));
            }
        };
        match signal {
            None | Some(Signal::Gone) => {
                return Ok(Ended::Lost(gone(last_error.as_deref(), true)));
            }
            Some(Signal::Connected(_)) => {}
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
                    // With --count, the emits and their acks must be done too.
                    if print_event(plan, progress, &name, &payload, at)? && emitter.is_none() {
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
    if let Some(auth) = &plan.auth {
        builder = builder.auth(auth.0.clone());
    }
    if let Some(cookie) = wiring.cookie {
        // On the polling handshake and on the WebSocket upgrade alike.
        builder = builder.opening_header("Cookie", cookie.0.clone());
    }
    builder
        .on(Event::Connect, {
            let tx = tx.clone();
            let wants_client = !plan.emits.is_empty() || plan.stdin;
            move |payload: Payload, client: Client| -> BoxFuture<'static, ()> {
                // rust_socketio maps a server event named "open" to Event::Connect too; the real
                // CONNECT carries the empty string.
                let signal = if is_protocol_payload(&payload) {
                    Signal::Connected(wants_client.then(|| Handle(client)))
                } else {
                    received("open".to_owned(), payload)
                };
                let _ = tx.send(signal);
                Box::pin(async {})
            }
        })
        .on(
            Event::Close,
            forward(tx, |payload| {
                if is_protocol_payload(&payload) {
                    Signal::Closed
                } else if is_transport_close(&payload) {
                    Signal::Gone
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

/// The vendored library's word for a connection that ended with no `41` (vendor/README.md,
/// rust_socketio patch 2). A server event named `close` with exactly that one argument reads the
/// same; it is taken for the end of the connection too.
fn is_transport_close(payload: &Payload) -> bool {
    matches!(payload, Payload::Text(values)
        if matches!(values.as_slice(), [Value::String(s)] if s == rust_socketio::asynchronous::TRANSPORT_CLOSE))
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

/// socket.io-client's reconnection delay: 1 s doubling up to 5 s, ±50 % jitter.
fn backoff(failures: u32) -> Duration {
    let base = 1000u64.saturating_mul(1 << failures.min(3)).min(5000);
    let jitter = getrandom::u32().unwrap_or(0) % 1001; // 0..=1000 → ×0.5..=×1.5
    Duration::from_millis(base * (500 + u64::from(jitter)) / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn backoff_stays_in_range() {
        for failures in 0..40 {
            let delay = backoff(failures);
            assert!(delay >= Duration::from_millis(500) && delay <= Duration::from_millis(7500));
        }
    }
}
