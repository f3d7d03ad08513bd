//! What an attacker can do to `sio-auth serve`: hijack an Engine.IO session by its sid, log a
//! visitor out and come back with the old cookie, and the like. Each test pins an attack that
//! worked before the defence.

use std::time::{Duration, Instant};

use crate::store::{Watcher, connect_once};
use crate::util::{Polling, Sandbox, http, now_ms, serve};

const SECRET: &str = "kT9#trust-tests-long-random-enough-4q7Zp";

fn pair(sb: &Sandbox, sid: &str, secret: &str) -> String {
    sb.stdout_ok(&["sign", sid, "--secret", secret])
}

/// Polls the session until `count` ticks arrived (answering pings); returns the payloads seen.
fn ticks(session: &Polling, count: usize) -> String {
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.matches("42[\"data\",").count() < count {
        assert!(Instant::now() < deadline, "no ticks: {seen}");
        let (status, body) = session.get();
        assert_eq!(status, 200, "the owner's poll: {body}");
        seen.push_str(&body);
        if body.split('\u{1e}').any(|p| p == "2") {
            session.post("3");
        }
    }
    seen
}

// Regression: with only a victim's Engine.IO sid (it travels in every polling URL), a client
// without the victim's cookie could POST `40` on it, read its ticks with a GET, or upgrade it to
// a WebSocket and take it over; the victim then lost its session.
#[test]
fn an_engine_io_sid_alone_opens_nothing() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let cookie = pair(&sb, "victim", SECRET);
    let victim = Polling::open(server.addr, cookie.as_bytes());

    let other = pair(&sb, "attacker", SECRET);
    let forged = pair(&sb, "victim", "not-the-servers-secret-at-all-9x");
    let tampered = cookie.replacen("victim", "victin", 1);
    let intruders: [&[u8]; 5] = [
        b"",
        other.as_bytes(),
        forged.as_bytes(),
        tampered.as_bytes(),
        b"express.sid=garbage",
    ];
    // Before the victim has even joined a namespace, and after.
    for joined in [false, true] {
        for cookie in intruders {
            let intruder = victim.as_cookie(cookie);
            let shown = String::from_utf8_lossy(cookie);
            for payload in ["40", "40/admin,", "3"] {
                let (status, body) = intruder.post_full(payload);
                assert_eq!(status, 403, "POST {payload} with {shown:?}: {body}");
            }
            let (status, body) = intruder.get();
            assert_eq!(status, 403, "GET with {shown:?}: {body}");
            assert!(!body.contains("42["), "nothing read: {body}");
            assert_eq!(intruder.upgrade_status(), 403, "upgrade with {shown:?}");
        }
        if !joined {
            let (status, body) = victim.post_full("40");
            assert_eq!(status, 200, "{body}");
            let verdict = victim.verdict();
            assert!(
                verdict.contains("40{\"sid\""),
                "the victim is accepted: {verdict}"
            );
        }
        // The victim is untouched: its session keeps ticking.
        ticks(&victim, 2);
    }
    // A sid the server never issued is unknown, with or without a cookie.
    for cookie in [&b""[..], cookie.as_bytes()] {
        let stranger = Polling {
            addr: server.addr,
            sid: "AAAAAAAAAAAAAAAA".to_owned(),
            cookie: cookie.to_vec(),
        };
        let (status, body) = stranger.get();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("Session ID unknown"), "{body}");
    }
    // The owner's own upgrade still works.
    assert_eq!(victim.upgrade_status(), 101);
}

// A session opened without a valid cookie may still learn why it is refused (the client needs
// the `44` to show "No cookie transmitted."), but a cookie cannot be added later to get in.
#[test]
fn a_session_opened_without_a_cookie_stays_without_one() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    let anonymous = Polling::open(server.addr, b"");
    assert_eq!(anonymous.post("40"), 200);
    let verdict = anonymous.verdict();
    assert!(verdict.contains("No cookie transmitted."), "{verdict}");

    let anonymous = Polling::open(server.addr, b"");
    let valid = pair(&sb, "late", SECRET);
    let (status, body) = anonymous.as_cookie(valid.as_bytes()).post_full("40");
    assert_eq!(status, 403, "{body}");
}

// Regression: on the default `serve` (signature only, no --require-session), `POST /logout`
// answered `destroyed:true` while the socket kept ticking, and the old cookie still connected.
// Now the cookie's sockets are cut within 1 s and the cookie is refused afterwards, in every
// mode, whether the session was in the store (a page cookie) or not (a `sign` cookie).
#[test]
fn logout_ends_the_cookie_in_every_mode() {
    let sb = Sandbox::new();
    for mode in [&[][..], &["--require-session"][..]] {
        let server = serve(&sb, &[&["--secret", SECRET][..], mode].concat());
        let (_, headers, _) = http(server.addr, "GET", "/", &[]);
        let page_cookie = headers
            .iter()
            .find(|(name, _)| name == "set-cookie")
            .and_then(|(_, value)| value.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let mut cookies = vec![(page_cookie, true)];
        if mode.is_empty() {
            cookies.push((pair(&sb, "made-by-sign", SECRET), false));
        }
        for (cookie, stored) in cookies {
            let what = format!("{mode:?} {cookie}");
            let mut watchers: Vec<Watcher> = ["websocket", "polling"]
                .into_iter()
                .map(|t| Watcher::start(&sb, &server.url(), &cookie, &["--transport", t]))
                .collect();
            for watcher in &watchers {
                watcher
                    .wait_for("data", Duration::from_secs(10))
                    .unwrap_or_else(|| panic!("{what}: ticks"));
            }
            let before = now_ms();
            let (status, _, body) = http(server.addr, "POST", "/logout", &[("Cookie", &cookie)]);
            assert_eq!(status, 200, "{what}: {body}");
            assert!(
                body.contains(&format!("\"destroyed\":{stored}")),
                "{what}: {body}"
            );
            for watcher in &mut watchers {
                let ended = watcher
                    .wait_for("session_ended", Duration::from_secs(3))
                    .unwrap_or_else(|| panic!("{what}: session_ended"));
                assert_eq!(ended["args"][0], "Session revoked.", "{what}");
                let late = ended["received_at"].as_i64().unwrap() - before;
                assert!(late < 1000, "{what}: cut {late} ms after the logout");
                assert!(
                    watcher.exit_code(Duration::from_secs(5)).is_some(),
                    "{what}"
                );
            }
            for transport in ["websocket", "polling"] {
                assert_eq!(
                    connect_once(&sb, &server.url(), &cookie, &["--transport", transport]),
                    Err("Session revoked.".to_owned()),
                    "{what}: the old cookie no longer connects"
                );
            }
        }
        // Other sessions are untouched.
        let other = pair(&sb, "someone-else", SECRET);
        if mode.is_empty() {
            assert_eq!(connect_once(&sb, &server.url(), &other, &[]), Ok(()));
        }
    }
}

/// Opens `n` TCP connections that never send a byte.
fn silent_connections(addr: std::net::SocketAddr, n: usize) -> Vec<std::net::TcpStream> {
    (0..n)
        .map(|_| std::net::TcpStream::connect(addr).expect("connect"))
        .collect()
}

/// `GET /` on a fresh connection: the status, or 0 when nothing came within 5 s.
fn page_status(addr: std::net::SocketAddr) -> u16 {
    crate::util::response_status(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
}

/// Waits until `watcher` printed `n` more ticks.
fn keeps_ticking(watcher: &Watcher, n: usize, what: &str) {
    for _ in 0..n {
        watcher
            .wait_for("data", Duration::from_secs(5))
            .unwrap_or_else(|| panic!("{what}: the open socket stopped ticking"));
    }
}

// Regression: with every descriptor taken by silent connections, a new handshake just timed
// out after 4 s and the log got an `accept failed` line every 50 ms. Past --max-connections a
// new request gets 503 at once; the sockets already in keep ticking; places free up again.
#[test]
fn past_the_connection_cap_new_requests_get_503_and_sockets_keep_ticking() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "100ms",
            "--max-connections",
            "8",
        ],
    );
    let cookie = pair(&sb, "ticking", SECRET);
    let watcher = Watcher::start(&sb, &server.url(), &cookie, &[]);
    keeps_ticking(&watcher, 1, "before");
    let silent = silent_connections(server.addr, 7);
    let asked = Instant::now();
    assert_eq!(page_status(server.addr), 503, "past the cap");
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "answered at once, not after a timeout: {:?}",
        asked.elapsed()
    );
    keeps_ticking(&watcher, 3, "at the cap");
    drop(silent);
    let deadline = Instant::now() + Duration::from_secs(5);
    while page_status(server.addr) != 200 {
        assert!(
            Instant::now() < deadline,
            "places are freed when connections close"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.stderr().contains("max_connections=8"),
        "{}",
        server.stderr()
    );
}

// The default cap follows the open-file limit: under `ulimit -n 128` it is 96 (a reserve of a
// quarter under such a small limit), so with every place taken by silent connections the
// server answers 503 at once, with no storm of `accept failed` lines.
#[cfg(unix)]
#[test]
fn the_default_cap_keeps_descriptors_in_reserve() {
    let sb = Sandbox::new();
    let mut cmd = std::process::Command::new("sh");
    cmd.args([
        "-c",
        "ulimit -n 128 && exec \"$0\" serve --listen 127.0.0.1:0 --secret \"$1\" --interval 100ms",
        crate::util::bin(),
        SECRET,
    ])
    .env("XDG_DATA_HOME", sb.path().join("data"))
    .env("HOME", sb.path())
    .env_remove("SIO_AUTH_SECRET")
    .env_remove("RUST_LOG");
    let server = crate::util::Peer::spawn(cmd);
    let watcher = Watcher::start(&sb, &server.url(), &pair(&sb, "t", SECRET), &[]);
    keeps_ticking(&watcher, 1, "before");
    let silent = silent_connections(server.addr, 95);
    assert_eq!(page_status(server.addr), 503);
    keeps_ticking(&watcher, 3, "with every place taken");
    drop(silent);
    let log = server.stderr();
    assert!(log.contains("max_connections=96"), "{log}");
    assert!(log.contains("open_file_limit=128"), "{log}");
    assert!(
        log.matches("accept failed").count() <= 1,
        "accept errors are rate-limited: {log}"
    );
}

// Regression: every handshake was an info line (22 MB of log in 8 s under a flood). At the
// default level only a summary every 10 s remains; debug still has the lines.
#[test]
fn the_default_log_has_a_summary_not_a_line_per_handshake() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    let good = pair(&sb, "good", SECRET);
    let forged = pair(&sb, "good", "another-secret-entirely-7Yq2x");
    for cookie in [&good, &good, &forged] {
        let _ = connect_once(&sb, &server.url(), cookie, &[]);
    }
    let without = sb
        .cmd()
        .args(["connect", &server.url(), "--count", "1", "--timeout", "10s"])
        .output()
        .unwrap();
    assert_eq!(without.status.code(), Some(1), "refused without a cookie");
    let (status, _, _) = http(server.addr, "GET", "/", &[]);
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    let summary = loop {
        let log = server.stderr();
        if let Some(line) = log.lines().find(|l| l.contains("last 10 s:")) {
            break line.to_owned();
        }
        assert!(Instant::now() < deadline, "no summary within 20 s: {log}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        summary.contains("2 handshakes accepted, 2 refused")
            && summary.contains("1 \"Cookie is invalid.\"")
            && summary.contains("1 \"No cookie transmitted.\"")
            && summary.contains("1 sessions issued"),
        "{summary}"
    );
    let log = server.stderr();
    assert!(!log.contains("handshake accepted"), "{log}");
    assert!(!log.contains("handshake refused"), "{log}");

    let debug = {
        let mut cmd = sb.std_cmd();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--secret", SECRET])
            .env("RUST_LOG", "sio_auth=debug");
        crate::util::Peer::spawn(cmd)
    };
    let _ = connect_once(&sb, &debug.url(), &forged, &[]);
    assert!(
        debug
            .stderr()
            .contains("handshake refused: Cookie is invalid."),
        "{}",
        debug.stderr()
    );
}

/// A raw Socket.IO client over a WebSocket (`tungstenite`, blocking), for what the official
/// client never sends.
struct RawSocket {
    ws: tokio_tungstenite::tungstenite::WebSocket<std::net::TcpStream>,
}

impl RawSocket {
    fn open(addr: std::net::SocketAddr, cookie: &str) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        let mut request = format!("ws://{addr}/socket.io/?EIO=4&transport=websocket")
            .into_client_request()
            .unwrap();
        if !cookie.is_empty() {
            request
                .headers_mut()
                .insert("Cookie", cookie.parse().unwrap());
        }
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        let (ws, _) = tokio_tungstenite::tungstenite::client(request, stream).unwrap();
        let mut socket = Self { ws };
        let open = socket.text().expect("the open packet");
        assert!(open.starts_with("0{"), "{open}");
        socket
    }

    /// The next text frame, answering pings; `None` once the server closed the connection (a
    /// read timeout is a failure: the server neither answered nor closed).
    fn text(&mut self) -> Option<String> {
        use tokio_tungstenite::tungstenite::{Error, Message};
        loop {
            match self.ws.read() {
                Ok(Message::Text(text)) if text.as_str() == "2" => self.send("3"),
                Ok(Message::Text(text)) => return Some(text.as_str().to_owned()),
                Ok(Message::Close(_)) => return None,
                Ok(_) => {}
                Err(Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    panic!("the server neither answered nor closed within 3 s")
                }
                Err(_) => return None,
            }
        }
    }

    fn send(&mut self, text: &str) {
        let _ = self.ws.send(text.into());
    }

    fn send_binary(&mut self, bytes: &[u8]) {
        let _ = self.ws.send(bytes.to_vec().into());
    }

    /// Joins `/`; returns the verdict (`40…` or `44…`).
    fn join(&mut self) -> String {
        self.send("40");
        loop {
            let frame = self.text().expect("a verdict");
            if frame.starts_with("40") || frame.starts_with("44") {
                return frame;
            }
        }
    }

    /// Reads frames until the server closes the connection; false when a tick came first after
    /// `ticks_allowed` of them.
    fn closed_within(&mut self, ticks_allowed: usize) -> bool {
        let mut ticks = 0;
        while let Some(frame) = self.text() {
            if frame.starts_with("42[\"data\"") {
                ticks += 1;
                if ticks > ticks_allowed {
                    return false;
                }
            }
        }
        true
    }
}

/// An event header declaring `n` binary attachments (`451-["upload",{placeholder}]` …), with a
/// placeholder for each of the first 32 (the count is what the server trusts: a header with all
/// 10 000 would not fit in a message).
fn binary_header(n: usize) -> String {
    let placeholders: Vec<String> = (0..n.min(32))
        .map(|i| format!("{{\"_placeholder\":true,\"num\":{i}}}"))
        .collect();
    format!("45{n}-[\"upload\",{}]", placeholders.join(","))
}

// Regression (issue 12, item 11): before auth, a client could declare 10 000 binary attachments
// (`4510000-[…]`) and the server buffered them, ~10 MB per connection (8 cookieless connections
// took it from 9 to 88 MB). A binary packet for a namespace the socket has not joined is now a
// protocol error: the session is closed at once and nothing of it is kept.
#[test]
fn binary_attachments_before_auth_close_the_session() {
    use base64::Engine as _;
    let sb = Sandbox::new();
    // A long connect timeout: it would otherwise close the unjoined sessions below by itself.
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "100ms",
            "--connect-timeout",
            "60s",
        ],
    );
    let kilobyte = vec![0xa5_u8; 1024];
    let frame = format!(
        "b{}",
        base64::engine::general_purpose::STANDARD.encode(&kilobyte)
    );

    // Polling, without a cookie: before asking to join, and after being refused; as many
    // attachments as an authorized socket may send, and 10 000.
    for (ask_first, declared) in [(false, 16), (true, 16), (false, 10_000)] {
        let anonymous = Polling::open(server.addr, b"");
        if ask_first {
            assert_eq!(anonymous.post("40"), 200);
            let verdict = anonymous.verdict();
            assert!(verdict.contains("No cookie transmitted."), "{verdict}");
        }
        let declaration = format!("{}\u{1e}{frame}\u{1e}{frame}", binary_header(declared));
        let (status, body) = anonymous.post_full(&declaration);
        assert_eq!(status, 200, "{body}");
        // The session is gone: more attachments find nothing to add to.
        let (status, body) = anonymous.post_full(&frame);
        assert_eq!(status, 400, "ask first: {ask_first}, {declared}: {body}");
        assert!(body.contains("Session ID unknown"), "{body}");
    }

    // A WebSocket, refused for a forged cookie, then declaring attachments: closed at once.
    let forged = pair(&sb, "mallory", "not-the-servers-secret-at-all-9x");
    let mut refused = RawSocket::open(server.addr, &forged);
    assert!(refused.join().contains("Cookie is invalid."));
    refused.send(&binary_header(16));
    refused.send_binary(&kilobyte);
    assert!(refused.closed_within(0), "the refused socket is closed");

    // A binary event for a namespace the socket has not joined, from a valid client: closed.
    let valid = pair(&sb, "alice", SECRET);
    let mut elsewhere = RawSocket::open(server.addr, &valid);
    elsewhere.send("451-/admin,[\"upload\",{\"_placeholder\":true,\"num\":0}]");
    assert!(elsewhere.closed_within(0), "unjoined namespace: closed");

    // The server keeps serving an authorized client, whose binary events are still read...
    let mut authorized = RawSocket::open(server.addr, &valid);
    assert!(authorized.join().starts_with("40{"));
    authorized.send(&binary_header(2));
    authorized.send_binary(&kilobyte);
    authorized.send_binary(&kilobyte);
    assert!(
        !authorized.closed_within(2),
        "the authorized socket keeps ticking"
    );
    // ...up to the cap the README states (16 attachments).
    authorized.send(&binary_header(16));
    for _ in 0..16 {
        authorized.send_binary(b"x");
    }
    assert!(
        !authorized.closed_within(2),
        "16 attachments are within the cap"
    );
    authorized.send(&binary_header(17));
    assert!(
        authorized.closed_within(2),
        "17 attachments are past the cap"
    );
}

// The official socket.io-client's binary events still work where they did (an authorized
// socket, any transport), up to the cap of 16 attachments a packet; past it the server closes
// the session.
#[test]
fn the_official_clients_binary_events_stay_within_the_limits() {
    let Some(fixture) =
        crate::util::node_fixture("the_official_clients_binary_events_stay_within_the_limits")
    else {
        return;
    };
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let cookie = pair(&sb, "bob", SECRET);
    let url = format!("http://{}", server.addr);
    for transport in ["websocket", "polling", "default"] {
        for (attachments, code) in [("2", 0), ("16", 0), ("17", 2)] {
            let out = std::process::Command::new("node")
                .arg(fixture.join("client.js"))
                .args([&url, "--cookie", &cookie, "--transport", transport])
                .args([
                    "--emit-binary",
                    attachments,
                    "--count",
                    "3",
                    "--timeout",
                    "10000",
                ])
                .output()
                .expect("node client.js");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(code),
                "{transport}, {attachments} attachments: {stdout}"
            );
            if code == 2 {
                assert!(stdout.contains("\"disconnect\""), "{stdout}");
            }
        }
    }
}

/// A WebSocket upgrade with this Cookie header on a fresh connection, kept open: the status of
/// its response head and the connection.
fn websocket_upgrade(addr: std::net::SocketAddr, cookie: &str) -> (u16, std::net::TcpStream) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: {cookie}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    let status = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, stream)
}

/// The untrusted lanes (src/serve/lane.rs): requests without a valid cookie take turns, so a
/// flood of them waits behind itself. Refused WebSockets held open take every turn of the
/// handshake lane: another forged handshake then waits and gets `503` after the lane's 2 s of
/// patience, while a valid cookie's handshake and a new visitor's page (the other lane) go at
/// once; once the held sockets close, forged handshakes are served (and refused) again.
#[test]
fn refusals_held_open_slow_down_other_refusals_only() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--connect-timeout",
            "60s",
            "--interval",
            "100ms",
        ],
    );
    // The line comes right after the address, on stderr.
    let started = Instant::now();
    let mut log = server.stderr();
    while !log.contains("untrusted_turns=") && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
        log = server.stderr();
    }
    let turns: usize = log
        .split("untrusted_turns=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no untrusted_turns in the log: {log}"));
    let forged = "express.sid=s%3Aforged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let held: Vec<_> = (0..turns)
        .map(|_| {
            let (status, stream) = websocket_upgrade(server.addr, forged);
            assert_eq!(status, 101);
            stream
        })
        .collect();
    let started = Instant::now();
    let (status, _) = websocket_upgrade(server.addr, forged);
    let waited = started.elapsed();
    assert_eq!(status, 503, "with every turn held");
    assert!(
        waited >= Duration::from_millis(1500),
        "answered after {waited:?}"
    );
    // Meanwhile: a valid cookie's WebSocket, a page without a cookie, and a valid socket ticks.
    let (status, _valid) = websocket_upgrade(server.addr, &pair(&sb, "lane", SECRET));
    assert_eq!(status, 101, "a valid cookie never waits in the lane");
    assert_eq!(
        page_status(server.addr),
        200,
        "the page has a lane of its own"
    );
    let watcher = Watcher::start(&sb, &server.url(), &pair(&sb, "lane2", SECRET), &[]);
    keeps_ticking(&watcher, 2, "with the handshake lane full");
    drop(held);
    let (status, _) = websocket_upgrade(server.addr, forged);
    assert_eq!(status, 101, "turns come back when the held sockets close");
}
