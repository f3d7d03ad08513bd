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
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100"]);
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
