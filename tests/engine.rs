//! Where Engine.IO in Node is stricter than engineioxide was (issue 14): each test drives the
//! real `sio-auth serve` with raw bytes and pins what Node's engine.io does, against a patch of
//! the vendored engine (vendor/README.md) or a rule of serve's guard.

use crate::util::{Sandbox, response_status, serve};

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
    let polling = crate::util::Polling::open(server.addr, cookie.as_bytes());
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
