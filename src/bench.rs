//! `sio-auth bench`: a load generator for Socket.IO servers authorized by a session cookie.
//!
//! It speaks Engine.IO 4 / Socket.IO 5 itself (raw WebSocket frames, and a minimal HTTP/1.1
//! client for the polling handshake) so that it costs far less CPU than the server it
//! measures: a client that saturates its own core measures nothing.
//!
//! * `cycle`: `--clients` tasks each loop connect → handshake → authorized or refused
//!   (→ first event with `--first-tick`) → close, for `--duration`; reports the rate and latency
//!   percentiles (connect start to the namespace verdict), refusals, and with `--forged` any forged
//!   cookie that was accepted or valid one that was refused.
//! * `hold`: opens `--clients` sockets, answers pings, and measures each event's delay (receipt
//!   time minus the epoch milliseconds it carries) for `--duration`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, anyhow, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::json;
use sio_auth::cookie::{Keyring, SetCookie, new_sid};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::cli::{BenchArgs, BenchMode, BenchTransport};
use crate::exit::{Exit, ExitOnError as _, one_line};
use crate::secrets;

/// What one handshake ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted,
    Refused,
}

/// The cookies to send: valid ones (fresh sids) and forged ones, in a fixed pool so that
/// signing costs nothing during the measurement.
struct Cookies {
    /// The session ids of the valid cookies (empty with `--cookie`).
    sids: Vec<String>,
    valid: Vec<String>,
    forged: Vec<String>,
    forged_share: f64,
}

impl Cookies {
    fn new(args: &BenchArgs) -> anyhow::Result<Self> {
        const POOL: usize = 4096;
        let name = &args.cookie_name.cookie_name;
        let (sids, valid) = match &args.cookie {
            Some(cookie) => (Vec::new(), vec![cookie.expose().to_owned()]),
            None => {
                let keyring = secrets::keyring(&args.secrets)?;
                let sids = (0..POOL)
                    .map(|_| new_sid())
                    .collect::<Result<Vec<_>, _>>()?;
                let valid = sids
                    .iter()
                    .map(|sid| cookie_pair(&keyring, name, sid))
                    .collect::<anyhow::Result<_>>()?;
                (sids, valid)
            }
        };
        let forger = Keyring::new([sio_auth::cookie::Secret::new(
            sio_auth::cookie::random_token(32)?,
        )?])?;
        let forged = (0..POOL)
            .map(|_| cookie_pair(&forger, name, &new_sid()?))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            sids,
            valid,
            forged,
            forged_share: args.forged,
        })
    }

    /// The cookie of the `n`-th connection, and whether it is forged. Forged connections are
    /// spread evenly: connection n is forged when its share boundary is crossed.
    fn pick(&self, n: u64) -> (&str, bool) {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let forged = (((n + 1) as f64) * self.forged_share).floor()
            > ((n as f64) * self.forged_share).floor();
        let pool = if forged { &self.forged } else { &self.valid };
        let index = usize::try_from(n).unwrap_or(0) % pool.len();
        (&pool[index], forged)
    }
}

/// The `name=value` pair of `sid`'s cookie signed by `keyring`.
fn cookie_pair(keyring: &Keyring, name: &str, sid: &str) -> anyhow::Result<String> {
    Ok(SetCookie::new(name, &keyring.sign(sid))?.pair())
}

/// Where to connect, derived once from the URL.
#[derive(Debug, Clone)]
struct Target {
    /// Resolved once: letting each connection resolve `host:port` would cost a blocking-pool
    /// round trip per connection, in the load generator's one core.
    addr: std::net::SocketAddr,
    host_port: String,
    ws_url: String,
    /// `40` or `40/ns,`.
    connect_packet: String,
}

impl Target {
    fn new(url: &url::Url, namespace: &str) -> anyhow::Result<Self> {
        let host = url
            .host_str()
            .ok_or_else(|| anyhow!("the URL has no host"))?;
        let port = url.port_or_known_default().unwrap_or(80);
        if matches!(url.scheme(), "https" | "wss") {
            bail!("bench speaks plain http/ws only; point it at the server's http port");
        }
        let host_port = format!("{host}:{port}");
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&host_port)
            .with_context(|| format!("cannot resolve {host_port}"))?
            .next()
            .ok_or_else(|| anyhow!("{host_port} resolves to no address"))?;
        let ws_url = format!("ws://{host_port}/socket.io/?EIO=4&transport=websocket");
        let connect_packet = if namespace == "/" {
            "40".to_owned()
        } else {
            format!("40{namespace},")
        };
        Ok(Self {
            addr,
            host_port,
            ws_url,
            connect_packet,
        })
    }

    /// Whether a Socket.IO packet (after the Engine.IO `4`) is for our namespace.
    fn strip_namespace<'a>(&self, packet: &'a str) -> Option<&'a str> {
        let ns = self.connect_packet.strip_prefix("40").unwrap_or_default();
        if ns.is_empty() {
            if packet.starts_with('/') {
                None
            } else {
                Some(packet)
            }
        } else {
            packet
                .strip_prefix(ns.trim_end_matches(','))?
                .strip_prefix(',')
        }
    }
}

pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<Exit> {
    if args.mode == BenchMode::Hold {
        if args.forged > 0.0 {
            return Err(anyhow!(
                "--forged is for --mode cycle: held sockets must all be authorized"
            ))
            .exit_with(Exit::Usage);
        }
        if args.transport != BenchTransport::Websocket {
            return Err(anyhow!(
                "--transport default is for --mode cycle: held sockets are WebSockets"
            ))
            .exit_with(Exit::Usage);
        }
    }
    let target = Target::new(&args.url, &args.namespace)?;
    let cookies = Arc::new(Cookies::new(args)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if let Some(url) = &args.store.store {
        let store = crate::store::open(url)?;
        runtime
            .block_on(async {
                let now = SystemTime::now();
                for sid in &cookies.sids {
                    let session = crate::store::Session::new(serde_json::Map::new(), None, now);
                    store.set(sid, &session).await?;
                }
                anyhow::Ok(())
            })
            .context("cannot create the sessions in the store")
            .exit_with(Exit::Network)?;
        eprintln!("sio-auth bench: created {} sessions", cookies.sids.len());
    }
    let summary = match args.mode {
        BenchMode::Cycle => runtime.block_on(cycle(args, target, cookies))?,
        BenchMode::Hold => runtime.block_on(hold(args, target, cookies))?,
    };
    runtime.shutdown_timeout(Duration::from_millis(100));
    // Not println!, which panics when stdout cannot be written (`> /dev/full`).
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{summary}").context("cannot write to stdout")?;
    } else if let Some(object) = summary.as_object() {
        for (key, value) in object {
            writeln!(out, "{key}: {value}").context("cannot write to stdout")?;
        }
    }
    out.flush().context("cannot write to stdout")?;
    Ok(wrong_verdicts(&summary))
}

/// Warns on stderr about verdicts that make the run measure something else than asked (valid
/// cookies refused, forged ones accepted): a negative answer, exit 1.
fn wrong_verdicts(summary: &serde_json::Value) -> Exit {
    let count = |key: &str| summary.get(key).and_then(serde_json::Value::as_u64);
    let mut exit = Exit::Success;
    if let Some(n @ 1..) = count("valid_refused") {
        eprintln!(
            "sio-auth bench: the server refused {n} valid cookies; does it verify with the same \
             secret and cookie name (--secret, --cookie-name)?"
        );
        exit = Exit::Negative;
    }
    if let Some(n @ 1..) = count("forged_accepted") {
        eprintln!("sio-auth bench: the server accepted {n} forged cookies");
        exit = Exit::Negative;
    }
    exit
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    refused: AtomicU64,
    forged_accepted: AtomicU64,
    valid_refused: AtomicU64,
    errors: AtomicU64,
    next: AtomicU64,
}

async fn cycle(
    args: &BenchArgs,
    target: Target,
    cookies: Arc<Cookies>,
) -> anyhow::Result<serde_json::Value> {
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (target, cookies, counters, stop, first_error) = (
            target.clone(),
            cookies.clone(),
            counters.clone(),
            stop.clone(),
            first_error.clone(),
        );
        let (transport, first_tick) = (args.transport, args.first_tick);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            while !stop.load(Ordering::Relaxed) {
                let n = counters.next.fetch_add(1, Ordering::Relaxed);
                let (cookie, forged) = cookies.pick(n);
                let t0 = Instant::now();
                let outcome = match transport {
                    BenchTransport::Websocket => ws_handshake(&target, cookie, first_tick).await,
                    BenchTransport::Default => polling_handshake(&target, cookie, first_tick).await,
                };
                match outcome {
                    Ok(verdict) => {
                        latencies.push(t0.elapsed().as_secs_f64() * 1000.0);
                        let (total, wrong) = match verdict {
                            Verdict::Accepted => (
                                &counters.accepted,
                                forged.then_some(&counters.forged_accepted),
                            ),
                            Verdict::Refused => (
                                &counters.refused,
                                (!forged).then_some(&counters.valid_refused),
                            ),
                        };
                        total.fetch_add(1, Ordering::Relaxed);
                        if let Some(wrong) = wrong {
                            wrong.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(e) => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                        first_error
                            .lock()
                            .map(|mut slot| slot.get_or_insert_with(|| one_line(&*e)).clone())
                            .ok();
                        // Don't spin on a dead server.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(args.duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let handshakes = load(&counters.accepted) + load(&counters.refused);
    if handshakes == 0 {
        let why = first_error
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .unwrap_or_default();
        return Err(anyhow!("no handshake completed: {why}")).exit_with(Exit::Network);
    }
    if let Some(e) = first_error.lock().ok().and_then(|e| e.clone()) {
        eprintln!(
            "sio-auth bench: {} connections failed; the first: {e}",
            load(&counters.errors)
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = handshakes as f64 / elapsed;
    Ok(json!({
        "mode": "cycle",
        "transport": format!("{:?}", args.transport).to_lowercase(),
        "clients": args.clients,
        "seconds": round(elapsed),
        "handshakes": handshakes,
        "per_second": round(rate),
        "accepted": load(&counters.accepted),
        "refused": load(&counters.refused),
        "forged_accepted": load(&counters.forged_accepted),
        "valid_refused": load(&counters.valid_refused),
        "errors": load(&counters.errors),
        "p50_ms": round(percentile(&latencies, 0.50)),
        "p99_ms": round(percentile(&latencies, 0.99)),
    }))
}

/// How long a held socket may take from its turn to connect to its verdict, and how long the
/// whole crowd may take to get theirs before the hold begins with the sockets that have.
const HOLD_VERDICT_WAIT: Duration = Duration::from_secs(120);

async fn hold(
    args: &BenchArgs,
    target: Target,
    cookies: Arc<Cookies>,
) -> anyhow::Result<serde_json::Value> {
    let started = Instant::now();
    let deadline = Arc::new(std::sync::OnceLock::<Instant>::new());
    let connected = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    // Sockets that have their verdict or failed to get one; when all have, the hold begins.
    let settled = Arc::new(AtomicU64::new(0));
    let all_in = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    let total = u64::from(args.clients);
    // Open sockets a few hundred at a time, as a crowd of browsers would arrive.
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    for n in 0..total {
        let (target, deadline, connected, refused, settled, all_in, gate) = (
            target.clone(),
            deadline.clone(),
            connected.clone(),
            refused.clone(),
            settled.clone(),
            all_in.clone(),
            gate.clone(),
        );
        let cookie = cookies.pick(n).0.to_owned();
        tasks.push(tokio::spawn(async move {
            let permit = gate.acquire_owned().await.ok();
            let opened = tokio::time::timeout(HOLD_VERDICT_WAIT, async {
                let mut ws = ws_open(&target, &cookie).await?;
                let verdict = wait_verdict(&mut ws, &target).await?;
                anyhow::Ok((ws, verdict))
            })
            .await
            .unwrap_or_else(|_| Err(anyhow!("no verdict within {HOLD_VERDICT_WAIT:?}")));
            drop(permit);
            let opened = match opened {
                Ok((ws, Verdict::Accepted)) => {
                    connected.fetch_add(1, Ordering::Relaxed);
                    Ok(ws)
                }
                Ok((_, Verdict::Refused)) => {
                    refused.fetch_add(1, Ordering::Relaxed);
                    Err(anyhow!("the server refused a valid cookie"))
                }
                Err(e) => Err(e),
            };
            if settled.fetch_add(1, Ordering::Relaxed) + 1 == total {
                all_in.notify_one();
            }
            let mut ws = opened?;
            let mut delays = Vec::new();
            loop {
                let until = deadline
                    .get()
                    .copied()
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
                let Ok(message) = tokio::time::timeout_at(until.into(), ws.next()).await else {
                    break;
                };
                let Some(message) = message else {
                    bail!("the server closed the socket")
                };
                let text = match message? {
                    Message::Text(text) => text,
                    Message::Close(_) => bail!("the server closed the socket"),
                    _ => continue,
                };
                if text.as_str() == "2" {
                    ws.send(Message::text("3")).await?;
                } else if let Some(ms) = event_millis(&target, text.as_str()) {
                    // Only once every socket is in: ticks received while this process is still
                    // opening sockets measure the load generator, not the server.
                    if deadline.get().is_some() {
                        delays.push((now_ms() - ms) as f64);
                    }
                }
            }
            Ok(delays)
        }));
    }
    let errors_before: u64 = tokio::select! {
        () = all_in.notified() => 0,
        () = tokio::time::sleep(HOLD_VERDICT_WAIT) => 1,
    };
    let connect_secs = started.elapsed().as_secs_f64();
    let held = connected.load(Ordering::Relaxed);
    let refused = refused.load(Ordering::Relaxed);
    if held == 0 {
        // Nothing to hold: every socket has failed or been refused (or none got a verdict in
        // the allowed time); collect why at once instead of waiting out --duration.
        let _ = deadline.set(Instant::now());
        for task in tasks.iter().filter(|task| !task.is_finished()) {
            task.abort();
        }
    } else {
        eprintln!("sio-auth bench: holding {held} sockets");
        let _ = deadline.set(Instant::now() + args.duration);
    }
    let mut delays = Vec::new();
    let mut errors = errors_before;
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(d)) => delays.extend(d),
            Ok(Err(e)) => {
                errors += 1;
                first_error.get_or_insert_with(|| one_line(&*e));
            }
            Err(_) => errors += 1,
        }
    }
    if held == 0 {
        let why = first_error.unwrap_or_else(|| format!("no verdict within {HOLD_VERDICT_WAIT:?}"));
        let exit = if refused > 0 {
            Exit::Negative
        } else {
            Exit::Network
        };
        return Err(anyhow!("no socket could be held: {why}")).exit_with(exit);
    }
    if let Some(e) = &first_error {
        eprintln!("sio-auth bench: {errors} sockets failed; the first: {e}");
    }
    delays.sort_by(f64::total_cmp);
    Ok(json!({
        "mode": "hold",
        "sockets": held,
        "connect_seconds": round(connect_secs),
        "held_seconds": round(args.duration.as_secs_f64()),
        "events": delays.len(),
        "delay_p50_ms": round(percentile(&delays, 0.50)),
        "delay_p99_ms": round(percentile(&delays, 0.99)),
        "valid_refused": refused,
        "errors": errors.saturating_sub(refused),
    }))
}

type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn ws_open(target: &Target, cookie: &str) -> anyhow::Result<Ws> {
    ws_open_url(target, &target.ws_url, cookie).await
}

async fn ws_open_url(target: &Target, url: &str, cookie: &str) -> anyhow::Result<Ws> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert(http::header::COOKIE, http::HeaderValue::from_str(cookie)?);
    let stream = TcpStream::connect(target.addr).await?;
    stream.set_nodelay(true)?;
    // tungstenite's default 128 KiB read buffer is zeroed for every connection: at thousands of
    // connections a second that memset and its page faults were a fifth of the load generator's
    // time. Socket.IO frames here are tens of bytes.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
    Ok(ws)
}

/// Reads the open packet, joins the namespace and returns the server's verdict.
async fn wait_verdict(ws: &mut Ws, target: &Target) -> anyhow::Result<Verdict> {
    loop {
        let message = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("the server closed the socket"))??;
        let Message::Text(text) = message else {
            continue;
        };
        let text = text.as_str();
        match text.as_bytes().first() {
            Some(b'0') => {
                ws.send(Message::text(target.connect_packet.clone()))
                    .await?;
            }
            Some(b'2') => ws.send(Message::text("3")).await?,
            Some(b'4') => {
                if let Some(verdict) = socket_io_verdict(target, &text[1..]) {
                    return Ok(verdict);
                }
            }
            _ => {}
        }
    }
}

/// `0…` accepted, `4…` refused, for our namespace; anything else is not a verdict.
fn socket_io_verdict(target: &Target, packet: &str) -> Option<Verdict> {
    let kind = packet.as_bytes().first()?;
    target.strip_namespace(&packet[1..])?;
    match kind {
        b'0' => Some(Verdict::Accepted),
        b'4' => Some(Verdict::Refused),
        _ => None,
    }
}

/// The epoch milliseconds of an event packet `42["name",ms]`.
fn event_millis(target: &Target, text: &str) -> Option<i64> {
    let packet = text.strip_prefix("42")?;
    let payload = target.strip_namespace(packet)?;
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    value.get(1)?.as_i64()
}

async fn ws_handshake(target: &Target, cookie: &str, first_tick: bool) -> anyhow::Result<Verdict> {
    let mut ws = ws_open(target, cookie).await?;
    let verdict = wait_verdict(&mut ws, target).await?;
    if verdict == Verdict::Accepted && first_tick {
        wait_event(&mut ws, target).await?;
    }
    let _ = ws.close(None).await;
    Ok(verdict)
}

async fn wait_event(ws: &mut Ws, target: &Target) -> anyhow::Result<()> {
    loop {
        let message = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("the server closed the socket"))??;
        if let Message::Text(text) = message {
            if text.as_str() == "2" {
                ws.send(Message::text("3")).await?;
            } else if event_millis(target, text.as_str()).is_some() {
                return Ok(());
            }
        }
    }
}

/// The official client's default: polling handshake and CONNECT, then the WebSocket upgrade.
async fn polling_handshake(
    target: &Target,
    cookie: &str,
    first_tick: bool,
) -> anyhow::Result<Verdict> {
    let mut http = HttpConnection::open(target).await?;
    let open = http
        .request("GET", "/socket.io/?EIO=4&transport=polling", cookie, "")
        .await?;
    let sid = open
        .strip_prefix('0')
        .and_then(|o| serde_json::from_str::<serde_json::Value>(o).ok())
        .and_then(|o| o["sid"].as_str().map(str::to_owned))
        .ok_or_else(|| anyhow!("no Engine.IO open packet: {open:.80}"))?;
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    http.request("POST", &path, cookie, &target.connect_packet)
        .await?;
    let verdict = loop {
        let body = http.request("GET", &path, cookie, "").await?;
        let mut verdict = None;
        for packet in body.split('\u{1e}') {
            if packet == "2" {
                http.request("POST", &path, cookie, "3").await?;
            } else if let Some(v) = packet
                .strip_prefix('4')
                .and_then(|p| socket_io_verdict(target, p))
            {
                verdict = Some(v);
            }
        }
        if let Some(verdict) = verdict {
            break verdict;
        }
    };
    if verdict == Verdict::Accepted {
        let url = format!(
            "ws://{}/socket.io/?EIO=4&transport=websocket&sid={sid}",
            target.host_port
        );
        let mut ws = ws_open_url(target, &url, cookie).await?;
        ws.send(Message::text("2probe")).await?;
        loop {
            let message = ws
                .next()
                .await
                .ok_or_else(|| anyhow!("the upgrade was closed"))??;
            if matches!(&message, Message::Text(t) if t.as_str() == "3probe") {
                break;
            }
        }
        ws.send(Message::text("5")).await?;
        if first_tick {
            wait_event(&mut ws, target).await?;
        }
        let _ = ws.close(None).await;
    }
    Ok(verdict)
}

/// Just enough HTTP/1.1 for Engine.IO polling: keep-alive, Content-Length bodies.
struct HttpConnection {
    stream: TcpStream,
    host: String,
    buf: Vec<u8>,
}

impl HttpConnection {
    async fn open(target: &Target) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(target.addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            host: target.host_port.clone(),
            buf: Vec::with_capacity(4096),
        })
    }

    async fn request(
        &mut self,
        method: &str,
        path: &str,
        cookie: &str,
        body: &str,
    ) -> anyhow::Result<String> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                let status = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| anyhow!("a polling response without Content-Length"))?;
                while self.buf.len() < end + 4 + length {
                    self.fill().await?;
                }
                let body =
                    String::from_utf8_lossy(&self.buf[end + 4..end + 4 + length]).into_owned();
                self.buf.drain(..end + 4 + length);
                if status != "200" {
                    bail!("HTTP {status}: {body:.80}");
                }
                return Ok(body);
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn now_ms() -> i64 {
    i64::try_from(crate::clock::epoch_millis(SystemTime::now())).unwrap_or(i64::MAX)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
