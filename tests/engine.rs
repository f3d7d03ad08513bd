//! Where Engine.IO in Node is stricter than engineioxide was (issue 14): each test drives the
//! real `sio-auth serve` with raw bytes and pins what Node's engine.io does, against a patch of
//! the vendored engine (vendor/README.md) or a rule of serve's guard.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use crate::util::{Polling, Sandbox, raw_http, response_status, serve};

const SECRET: &str = "kT9#engine-tests-long-random-enough-8wQ2";

fn cookie(sb: &Sandbox, sid: &str) -> String {
    sb.stdout_ok(&["sign", sid, "--secret", SECRET])
}

/// A WebSocket upgrade request (`sid` empty: a new session), with `extra` header lines and a
/// body after the head.
fn upgrade_request(sid: &str, cookie: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let sid = if sid.is_empty() {
        String::new()
    } else {
        format!("&sid={sid}")
    };
    let mut request = format!(
        "GET /socket.io/?EIO=4&transport=websocket{sid} HTTP/1.1\r\nHost: x\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: {cookie}\r\n{extra}\r\n"
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

// Regression: an upgrade request with a body (`Content-Length: 5` and `hello`, or a chunked
// one) was switched to a WebSocket, its body dropped unread by hyper in silence; a chunked one
// waited 20 s first. It is refused now, new session or upgrade of a polling one.
#[test]
fn an_upgrade_request_with_a_body_is_refused() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let cookie = cookie(&sb, "alice");
    let polling = Polling::open(server.addr, cookie.as_bytes());
    for sid in ["", polling.sid.as_str()] {
        for (extra, body) in [
            ("Content-Length: 5\r\n", &b"hello"[..]),
            (
                "Transfer-Encoding: chunked\r\n",
                &b"5\r\nhello\r\n0\r\n\r\n"[..],
            ),
        ] {
            let request = upgrade_request(sid, &cookie, extra, body);
            assert_eq!(
                response_status(server.addr, &request),
                400,
                "sid {sid:?}, {extra:?}"
            );
        }
    }
    // Without a body (or an empty one) the same upgrades go through.
    let request = upgrade_request("", &cookie, "Content-Length: 0\r\n", b"");
    assert_eq!(response_status(server.addr, &request), 101);
    assert_eq!(polling.upgrade_status(), 101);
}

/// A polling request of session `sid` (`""`: the handshake) with this Content-Type (none when
/// empty), on a connection of its own.
fn polling_request(
    method: &str,
    sid: &str,
    cookie: &str,
    content_type: &str,
    body: &str,
) -> Vec<u8> {
    let sid = if sid.is_empty() {
        String::new()
    } else {
        format!("&sid={sid}")
    };
    let content_type = if content_type.is_empty() {
        String::new()
    } else {
        format!("Content-Type: {content_type}\r\n")
    };
    format!(
        "{method} /socket.io/?EIO=4&transport=polling{sid} HTTP/1.1\r\nHost: x\r\n\
         Connection: close\r\n{content_type}Content-Length: {}\r\nCookie: {cookie}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

// Regression: a v4 polling POST sent as `application/octet-stream` (the v3 binary payload) was
// read as text and answered 200. engine.io (Node, transports/polling.js) refuses it with 400
// ("invalid content") and closes the session; any other type is read as text, as before.
#[test]
fn a_binary_polling_payload_is_refused_and_closes_the_session() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let cookie = cookie(&sb, "alice");
    let wait = Duration::from_secs(5);
    for (content_type, accepted) in [
        ("application/octet-stream", false),
        ("text/plain;charset=UTF-8", true),
        ("application/json", true),
        ("", true),
    ] {
        let session = Polling::open(server.addr, cookie.as_bytes());
        let post = polling_request("POST", &session.sid, &cookie, content_type, "40");
        let (status, body) = raw_http(server.addr, &post, wait);
        if accepted {
            assert_eq!(status, 200, "{content_type:?}: {body}");
            let verdict = session.verdict();
            assert!(
                verdict.contains("40{\"sid\""),
                "{content_type:?}: {verdict}"
            );
        } else {
            assert_eq!(status, 400, "{content_type:?}: {body}");
            let (status, body) = session.get();
            assert_eq!(status, 400, "the session is closed: {body}");
            assert!(body.contains("Session ID unknown"), "{body}");
        }
    }
}

// Two long-polls at once on one session: the second gets 400 and the session is closed (the
// first poll ends with the close packet `1`), as engine.io (Node) does ("overlap from client").
// engineioxide already did so; this pins it.
#[test]
fn two_concurrent_long_polls_close_the_session() {
    let sb = Sandbox::new();
    // Ticks far apart: the first poll must still be waiting when the second arrives.
    let server = serve(&sb, &["--secret", SECRET, "--interval", "10s"]);
    let cookie = cookie(&sb, "alice");
    let session = Polling::open(server.addr, cookie.as_bytes());
    assert_eq!(session.post("40"), 200);
    assert!(session.verdict().contains("40{\"sid\""));
    let get = polling_request("GET", &session.sid, &cookie, "", "");
    let mut first = held_poll(server.addr, &get);
    let (status, body) = raw_http(server.addr, &get, Duration::from_secs(5));
    assert_eq!(status, 400, "the second poll: {body}");
    let mut answer = String::new();
    let _ = first.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "the first poll: {answer}"
    );
    assert!(
        answer.ends_with("\r\n\r\n1"),
        "the first poll ends with a close: {answer}"
    );
    let (status, body) = session.get();
    assert_eq!(status, 400, "the session is closed: {body}");
}

/// Sends a long-poll the engine holds, on a connection of its own: one answered at once (a
/// packet was waiting) is read and sent again.
fn held_poll(addr: std::net::SocketAddr, get: &[u8]) -> TcpStream {
    for _ in 0..20 {
        let mut poll = TcpStream::connect(addr).expect("connect");
        poll.write_all(get).expect("send");
        std::thread::sleep(Duration::from_millis(200));
        poll.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        let held =
            matches!(poll.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        poll.set_nonblocking(false).unwrap();
        poll.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if held {
            return poll;
        }
        let _ = poll.read_to_end(&mut Vec::new());
    }
    panic!("every poll was answered at once");
}

// Regression: a long-poll whose connection the client closed before its answer left the session
// open: a refused client that aborts its poll and goes away was held until --connect-timeout,
// a joined one until the heartbeat gave up (45 s). engine.io (Node) closes the session at once
// ("poll connection closed prematurely"), and so does the engine now (engineioxide patch 6).
#[test]
fn a_poll_closed_before_its_answer_closes_the_session() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "10s",
            "--connect-timeout",
            "60s",
        ],
    );
    let forged = "express.sid=s%3Aforged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (cookie, verdict) in [(forged.to_owned(), "44{"), (cookie(&sb, "alice"), "40{")] {
        let session = Polling::open(server.addr, cookie.as_bytes());
        assert_eq!(session.post("40"), 200);
        let seen = session.verdict();
        assert!(seen.contains(verdict), "{seen}");
        let get = polling_request("GET", &session.sid, &cookie, "", "");
        drop(held_poll(server.addr, &get));
        std::thread::sleep(Duration::from_millis(300));
        let (status, body) = raw_http(server.addr, &get, Duration::from_secs(3));
        assert_eq!(status, 400, "{verdict}: the session is closed: {body}");
        assert!(body.contains("Session ID unknown"), "{body}");
    }
}

/// A new WebSocket session with this cookie, upgraded: the connection, past the 101's head.
fn websocket(addr: std::net::SocketAddr, cookie: &str) -> TcpStream {
    upgrade(TcpStream::connect(addr).expect("connect"), cookie)
}

/// Upgrades a new connection to a WebSocket session with this cookie.
fn upgrade(mut stream: TcpStream, cookie: &str) -> TcpStream {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(&upgrade_request("", cookie, "", b""))
        .expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// A client frame, masked; `payload` under 126 bytes.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x5a, 0x17, 0xc3, 0x08];
    let mut frame = vec![0x80 | opcode, 0x80 | u8::try_from(payload.len()).unwrap()];
    frame.extend(mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// Reads the server's frames until it closes the connection; the payload of its close frame
/// (`None` when it sent none).
fn close_payload(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let mut rest = &out[..];
    while rest.len() >= 2 {
        let (len, head) = match rest[1] & 0x7f {
            126 => (usize::from(u16::from_be_bytes([rest[2], rest[3]])), 4),
            len => (usize::from(len), 2),
        };
        if rest[0] & 0x0f == 0x8 {
            return rest.get(head..head + len).map(<[u8]>::to_vec);
        }
        rest = rest.get(head + len..)?;
    }
    None
}

// Regression: every close frame serve sent for a bad client frame was empty (`88 00`, no
// status). Node's `ws` closes with the status of the fault: 1002 for a protocol error (here an
// unmasked frame), 1007 for a text frame that is not UTF-8, 1009 for a frame over the limit
// (serve's is 8 KiB; only the header of a 9000-byte frame is sent).
#[test]
fn a_bad_websocket_frame_closes_with_its_status() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let cookie = cookie(&sb, "alice");
    let mut too_long = vec![0x81, 0xfe];
    too_long.extend(9000_u16.to_be_bytes());
    too_long.extend([1, 2, 3, 4]);
    for (what, frame, status) in [
        ("unmasked", b"\x81\x0242".to_vec(), 1002_u16),
        ("not UTF-8", masked(0x1, b"4\xff\xfe"), 1007),
        ("too long", too_long, 1009),
    ] {
        let mut ws = websocket(server.addr, &cookie);
        ws.write_all(&masked(0x1, b"40")).expect("join");
        ws.write_all(&frame).expect("the bad frame");
        let payload = close_payload(&mut ws);
        assert_eq!(
            payload.as_deref().and_then(|p| p.get(..2)),
            Some(&status.to_be_bytes()[..]),
            "{what}: {payload:?}"
        );
    }
}

/// Sends `GET /` on a new connection: the status (503 while serve's one connection is taken).
fn page_status(addr: std::net::SocketAddr) -> u16 {
    raw_http(
        addr,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(2),
    )
    .0
}

// Regression: a client that never reads what it is sent (but answers pings blindly, or is not
// pinged yet) kept its connection forever: the engine's writer waited on the blocked socket
// without a limit, its ticks and acks were dropped once the channel was full, and the
// connection slot, the buffers and the session stayed taken. Now a write blocked for the ping
// timeout closes the session and drops the connection. The client shrinks its receive buffer,
// joins, floods `echo` acks (7 KB each) that it never reads, and pongs every 100 ms; with
// `--max-connections 1` its connection is the only one, so `GET /` gets 503 until it is gone.
// A 30 s ping interval keeps the heartbeat out of it (its first ping is answered in advance).
#[test]
fn a_client_that_never_reads_is_disconnected_after_the_ping_timeout() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "1ms",
            "--max-connections",
            "1",
            "--ping-interval",
            "30s",
            "--ping-timeout",
            "500ms",
        ],
    );
    let cookie = cookie(&sb, "alice");
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&server.addr.into()).expect("connect");
    let mut ws = upgrade(socket.into(), &cookie);
    ws.write_all(&[masked(0x1, b"3"), masked(0x1, b"40")].concat())
        .expect("join");
    assert_eq!(
        page_status(server.addr),
        503,
        "the socket holds the one slot"
    );

    let echo = format!("[\"echo\",\"{}\"]", "x".repeat(7000));
    ws.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let started = std::time::Instant::now();
    for id in 0..1000 {
        let frame = format!("42{id}{echo}");
        let mut bytes = vec![0x81, 0xfe];
        bytes.extend(u16::try_from(frame.len()).unwrap().to_be_bytes());
        bytes.extend([0, 0, 0, 0]);
        bytes.extend(frame.as_bytes());
        if ws.write_all(&bytes).is_err() {
            break;
        }
    }
    loop {
        let _ = ws.write_all(&masked(0x1, b"3"));
        if page_status(server.addr) == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the connection is still held after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
