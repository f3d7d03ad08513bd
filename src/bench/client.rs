//! One bench client's side of the protocol: Engine.IO over a raw WebSocket, or the official
//! client's polling handshake then upgrade, each step bounded by a deadline. Everything the
//! server sends is read through [`sio_auth::wire`].

use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use sio_auth::wire::engine::{self, Open};
use sio_auth::wire::http::Head;
use sio_auth::wire::socket::{self, Verdict};
use sio_auth::wire::{Preview, WireError};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::failure::{HttpStatus, TimedOut};

/// Where to connect, derived once from the URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Resolved once: letting each connection resolve `host:port` would cost a blocking-pool
    /// round trip per connection, in the load generator's one core.
    addr: std::net::SocketAddr,
    host_port: String,
    ws_url: String,
    namespace: String,
    /// `40` or `40/ns,`.
    connect_packet: String,
}

impl Target {
    pub(crate) fn new(url: &url::Url, namespace: &str) -> anyhow::Result<Self> {
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
            namespace: namespace.to_owned(),
            connect_packet,
        })
    }

    /// The namespace joined.
    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The start of an EVENT packet for our namespace, before its ack id: `42` or `42/ns,`.
    pub(crate) fn event_prefix(&self) -> String {
        format!("42{}", &self.connect_packet[2..])
    }

    /// The epoch milliseconds of an event packet for our namespace, `42["name",ms,…]`;
    /// `Ok(None)` for any other packet.
    pub(crate) fn event_millis(&self, frame: &str) -> Result<Option<i64>, WireError> {
        let engine::Packet::Message(text) = engine::Packet::parse(frame)? else {
            return Ok(None);
        };
        let packet = socket::Packet::parse(text)?;
        if packet.namespace != self.namespace {
            return Ok(None);
        }
        match packet.event() {
            Some(event) => Ok(event?.1.first().and_then(serde_json::Value::as_i64)),
            None => Ok(None),
        }
    }
}

/// How long each step may take, and the moment after which nothing may wait any more.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    pub(crate) step: Duration,
    /// The end of the run plus one step: steps still waiting then are cut.
    pub(crate) hard_end: Option<Instant>,
}

impl Deadline {
    /// Runs one step of a handshake within the deadline; past it, a [`TimedOut`] error.
    pub(crate) async fn step<T>(
        self,
        what: &'static str,
        step: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        let mut until = Instant::now() + self.step;
        if let Some(end) = self.hard_end {
            until = until.min(end);
        }
        tokio::time::timeout_at(until.into(), step)
            .await
            .unwrap_or_else(|_| {
                Err(TimedOut {
                    step: what,
                    after: self.step,
                }
                .into())
            })
    }
}

pub(crate) type Ws = tokio_tungstenite::WebSocketStream<TcpStream>;

/// The largest WebSocket message accepted: Engine.IO's default `maxPayload`.
const MAX_MESSAGE: usize = 1024 * 1024;

pub(crate) async fn ws_open(
    target: &Target,
    cookie: &str,
    deadline: Deadline,
) -> anyhow::Result<Ws> {
    ws_open_url(target, &target.ws_url, cookie, deadline).await
}

async fn ws_open_url(
    target: &Target,
    url: &str,
    cookie: &str,
    deadline: Deadline,
) -> anyhow::Result<Ws> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert(http::header::COOKIE, http::HeaderValue::from_str(cookie)?);
    let stream = connect(target, deadline).await?;
    // tungstenite's default 128 KiB read buffer is zeroed for every connection: at thousands of
    // connections a second that memset and its page faults were a fifth of the load generator's
    // time. Socket.IO frames here are tens of bytes.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let (ws, _) = deadline
        .step("waiting for the WebSocket handshake", async {
            Ok(tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?)
        })
        .await?;
    Ok(ws)
}

async fn connect(target: &Target, deadline: Deadline) -> anyhow::Result<TcpStream> {
    deadline
        .step("connecting", async {
            let stream = TcpStream::connect(target.addr).await?;
            stream.set_nodelay(true)?;
            Ok(stream)
        })
        .await
}

/// The next text frame; pings are answered on the way, binary frames skipped.
async fn next_text(ws: &mut Ws) -> anyhow::Result<String> {
    loop {
        let message = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("the server closed the socket"))??;
        match message {
            Message::Text(text) => {
                let text = text.as_str();
                if let engine::Packet::Ping(data) = engine::Packet::parse(text)? {
                    ws.send(Message::text(format!("3{data}"))).await?;
                    continue;
                }
                return Ok(text.to_owned());
            }
            Message::Close(_) => bail!("the server closed the socket"),
            _ => {}
        }
    }
}

/// Reads the open packet, joins the namespace and returns the server's verdict.
pub(crate) async fn wait_verdict(
    ws: &mut Ws,
    target: &Target,
    deadline: Deadline,
) -> anyhow::Result<Verdict> {
    deadline
        .step("waiting for the namespace's verdict", async {
            let mut opened = false;
            loop {
                let text = next_text(ws).await?;
                match engine::Packet::parse(&text)? {
                    engine::Packet::Open(json) if !opened => {
                        Open::parse(json)?;
                        opened = true;
                        ws.send(Message::text(target.connect_packet.clone()))
                            .await?;
                    }
                    engine::Packet::Message(text) => {
                        if let Some(verdict) =
                            socket::Packet::parse(text)?.verdict(&target.namespace)
                        {
                            return Ok(verdict);
                        }
                    }
                    engine::Packet::Close => bail!("the server closed the Engine.IO session"),
                    _ => {}
                }
            }
        })
        .await
}

async fn wait_event(ws: &mut Ws, target: &Target, deadline: Deadline) -> anyhow::Result<()> {
    deadline
        .step("waiting for the first event", async {
            loop {
                let text = next_text(ws).await?;
                if target.event_millis(&text)?.is_some() {
                    return Ok(());
                }
            }
        })
        .await
}

/// Closes a socket politely, but gives a server that does not read no more than a step.
async fn close(ws: &mut Ws, deadline: Deadline) {
    let _ = deadline
        .step("closing", async { Ok(ws.close(None).await?) })
        .await;
}

pub(crate) async fn ws_handshake(
    target: &Target,
    cookie: &str,
    first_tick: bool,
    deadline: Deadline,
) -> anyhow::Result<Verdict> {
    let mut ws = ws_open(target, cookie, deadline).await?;
    let verdict = wait_verdict(&mut ws, target, deadline).await?;
    if verdict == Verdict::Accepted && first_tick {
        wait_event(&mut ws, target, deadline).await?;
    }
    close(&mut ws, deadline).await;
    Ok(verdict)
}

/// The official client's default: polling handshake and CONNECT, then the WebSocket upgrade.
pub(crate) async fn polling_handshake(
    target: &Target,
    cookie: &str,
    first_tick: bool,
    deadline: Deadline,
) -> anyhow::Result<Verdict> {
    let mut http = HttpConnection {
        stream: connect(target, deadline).await?,
        host: &target.host_port,
        cookie,
        buf: Vec::with_capacity(4096),
    };
    let open = deadline
        .step(
            "waiting for the Engine.IO open packet",
            http.request("GET", "/socket.io/?EIO=4&transport=polling", ""),
        )
        .await?;
    let first = engine::polling_packets(&open)?.next().unwrap_or_default();
    let engine::Packet::Open(json) = engine::Packet::parse(first)? else {
        bail!(
            "the server's first packet is not an Engine.IO open packet: {}",
            Preview::of(first)
        );
    };
    let sid = Open::parse(json)?.sid;
    let path = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    deadline
        .step(
            "sending the namespace CONNECT",
            http.request("POST", &path, &target.connect_packet),
        )
        .await?;
    let verdict = deadline
        .step("waiting for the namespace's verdict", async {
            loop {
                let body = http.request("GET", &path, "").await?;
                let mut verdict = None;
                for text in engine::polling_packets(&body)? {
                    match engine::Packet::parse(text)? {
                        engine::Packet::Ping(data) => {
                            http.request("POST", &path, &format!("3{data}")).await?;
                        }
                        engine::Packet::Message(text) => {
                            verdict =
                                verdict.or(socket::Packet::parse(text)?.verdict(&target.namespace));
                        }
                        engine::Packet::Close => bail!("the server closed the Engine.IO session"),
                        _ => {}
                    }
                }
                if let Some(verdict) = verdict {
                    return Ok(verdict);
                }
            }
        })
        .await?;
    if verdict == Verdict::Accepted {
        let url = format!(
            "ws://{}/socket.io/?EIO=4&transport=websocket&sid={sid}",
            target.host_port
        );
        let mut ws = ws_open_url(target, &url, cookie, deadline).await?;
        deadline
            .step("upgrading to WebSocket", async {
                ws.send(Message::text("2probe")).await?;
                while engine::Packet::parse(&next_text(&mut ws).await?)?
                    != engine::Packet::Pong("probe")
                {}
                ws.send(Message::text("5")).await?;
                Ok(())
            })
            .await?;
        if first_tick {
            wait_event(&mut ws, target, deadline).await?;
        }
        close(&mut ws, deadline).await;
    }
    Ok(verdict)
}

/// Just enough HTTP/1.1 for Engine.IO polling: keep-alive, Content-Length bodies, the same
/// Cookie header on every request.
struct HttpConnection<'a> {
    stream: TcpStream,
    host: &'a str,
    cookie: &'a str,
    buf: Vec<u8>,
}

impl HttpConnection<'_> {
    /// Sends a request and returns the body of its 200 response.
    async fn request(&mut self, method: &str, path: &str, body: &str) -> anyhow::Result<Vec<u8>> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
            self.host,
            self.cookie,
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await?;
        let head = loop {
            if let Some(head) = Head::parse(&self.buf)? {
                break head;
            }
            self.fill().await?;
        };
        // Head::parse bounds the length; a server sending less than it said is cut by the
        // step's deadline or its closing the connection.
        let end = head.len + head.content_length;
        while self.buf.len() < end {
            self.fill().await?;
        }
        let body = self.buf[head.len..end].to_vec();
        self.buf.drain(..end);
        if head.status != 200 {
            return Err(HttpStatus {
                status: head.status,
                body: Preview::of_bytes(&body),
            }
            .into());
        }
        Ok(body)
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
