//! The page at `/` in headless Chromium (Debian's `chromium`, driven step by step by playwright-core
//! through tests/node/browser.js): every state a visitor can see, each kept as a screenshot under
//! `target/browser-screenshots/` (or `$SIO_AUTH_ARTIFACTS`): ticks with the delay chart on a 360 px
//! wide screen, the refusals, Log out, expiry, and a lost connection coming back. The page works
//! offline: nothing is fetched from anywhere but the server.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::{Value, json};

use crate::util::{
    Peer, Sandbox, bin, free_port, http, missing_peer, node_fixture, now_ms, serve, serve_on,
};

const SECRET: &str = "browser-tests-secret-5d2a9e7c1f8b4036";

/// Longer than the page's first reconnection delay (1 s + 20 %): a page that retried after a
/// final answer would have opened a second WebSocket by then.
const NO_RETRY_WINDOW: Duration = Duration::from_millis(2500);

fn chromium(test: &str) -> bool {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if Path::new(&path).is_file() {
        true
    } else {
        missing_peer(
            test,
            &format!("no Chromium at {path} (apt-get install chromium, or set CHROMIUM)"),
        );
        false
    }
}

/// Where the screenshots go: `$SIO_AUTH_ARTIFACTS`, or `browser-screenshots/` in the target
/// directory this test binary was built in.
fn artifacts() -> PathBuf {
    let dir = std::env::var_os("SIO_AUTH_ARTIFACTS").map_or_else(
        || {
            // .../target/debug/sio-auth → .../target
            Path::new(bin())
                .ancestors()
                .nth(2)
                .expect("the binary lives in target/PROFILE/")
                .join("browser-screenshots")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("artifacts directory");
    dir
}

/// One page in its own Chromium, driven over browser.js's stdin/stdout; closed on drop.
struct Browser {
    test: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Browser {
    /// Loads `url` (browser.js options in `args`: `--cookie`, `--no-cookie`, `--viewport`).
    fn open(fixture: &Path, test: &'static str, url: &str, args: &[&str]) -> Self {
        let mut child = Command::new("node")
            .arg(fixture.join("browser.js"))
            .arg(url)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node browser.js");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut browser = Self {
            test,
            child,
            stdin,
            lines,
        };
        let loaded = browser.answer(Duration::from_secs(90));
        assert_eq!(loaded["loaded"], true, "{test}: {loaded}");
        browser
    }

    fn answer(&mut self, limit: Duration) -> Value {
        let line = self.lines.recv_timeout(limit).unwrap_or_else(|e| {
            panic!(
                "{}: browser.js said nothing within {limit:?} ({e})",
                self.test
            )
        });
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{}: browser.js printed {line:?} ({e})", self.test))
    }

    fn send(&mut self, command: &Value, limit: Duration) -> Value {
        let stdin = self.stdin.as_mut().expect("browser.js stdin");
        writeln!(stdin, "{command}")
            .and_then(|()| stdin.flush())
            .expect("write to browser.js");
        let answer = self.answer(limit);
        assert!(
            answer.get("error").is_none(),
            "{}: {command} → {answer}",
            self.test
        );
        answer
    }

    fn snapshot(&mut self) -> Value {
        self.send(&json!({"cmd": "snapshot"}), Duration::from_secs(30))
    }

    /// Waits until the page shows `until` (`state`, `ticks`, `retries`); returns the snapshot.
    fn wait(&mut self, until: &Value, limit: Duration) -> Value {
        let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        let answer = self.send(
            &json!({"cmd": "wait", "until": until, "timeout": ms}),
            limit + Duration::from_secs(30),
        );
        assert_eq!(
            answer["ok"], true,
            "{}: the page never showed {until} within {limit:?}: {}",
            self.test, answer["snapshot"]
        );
        answer["snapshot"].clone()
    }

    fn click(&mut self, selector: &str) {
        self.send(
            &json!({"cmd": "click", "selector": selector}),
            Duration::from_secs(30),
        );
    }

    /// `GET path` from inside the page: (status, content type).
    fn fetch(&mut self, path: &str) -> (i64, String) {
        let answer = self.send(
            &json!({"cmd": "fetch", "path": path}),
            Duration::from_secs(30),
        );
        (
            answer["status"].as_i64().unwrap_or(0),
            answer["content_type"].as_str().unwrap_or("").to_owned(),
        )
    }

    /// Keeps the page as it is now as `<test>--<state>.png` in [`artifacts`].
    fn screenshot(&mut self, state: &str) {
        let path = artifacts().join(format!("{}--{state}.png", self.test));
        self.send(
            &json!({"cmd": "screenshot", "path": path}),
            Duration::from_secs(30),
        );
        assert!(path.is_file(), "no screenshot at {}", path.display());
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // End of stdin: browser.js closes Chromium and exits; killed (by PID) if it does not.
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The fixture, or None (after a loud SKIPPED) without node or Chromium.
fn fixture(test: &str) -> Option<PathBuf> {
    let fixture = node_fixture(test)?;
    chromium(test).then_some(fixture)
}

fn ticking(sb: &Sandbox, extra: &[&str]) -> Peer {
    serve(
        sb,
        &[&["--secret", SECRET, "--interval", "200ms"], extra].concat(),
    )
}

/// The sid and signature of the page's cookie in the browser's jar.
fn jar_session(snapshot: &Value) -> (String, String) {
    let value = snapshot["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "express.sid")
        .and_then(|c| c["value"].as_str())
        .unwrap_or_else(|| panic!("no session cookie in the jar: {snapshot}"));
    let signed = value.strip_prefix("s%3A").expect("s: prefix");
    let (sid, signature) = signed.rsplit_once('.').expect("sid.signature");
    (sid.to_owned(), signature.to_owned())
}

/// The short sid as the page (and the server's logs) show it.
fn short(sid: &str) -> String {
    format!("{}…", &sid[..6])
}

fn websockets(snapshot: &Value) -> i64 {
    snapshot["websockets"].as_i64().unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_page_carries_the_short_sid_and_expiry_but_never_the_signature() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--max-age", "60s"]);
    let (status, headers, body) = http(server.addr, "GET", "/", &[]);
    assert_eq!(status, 200, "{body}");
    let cookie = headers
        .iter()
        .find(|(name, _)| name == "set-cookie")
        .map(|(_, value)| value.split(';').next().unwrap().to_owned())
        .expect("a session cookie");
    let signed = cookie.strip_prefix("express.sid=s%3A").expect("signed");
    let (sid, signature) = signed.rsplit_once('.').unwrap();
    assert!(
        body.contains(&format!(
            r#"<meta name="sio-auth-sid" content="{}">"#,
            short(sid)
        )),
        "{body}"
    );
    assert!(!body.contains(sid), "the whole sid is in the page");
    let decoded = signature.replace("%2B", "+").replace("%2F", "/");
    assert!(!body.contains(signature) && !body.contains(&decoded[..20]));
    let expires: i64 = body
        .split(r#"<meta name="sio-auth-expires" content=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("no expiry in the page: {body}"));
    let now = now_ms();
    assert!(
        (now + 55_000..=now + 61_000).contains(&expires),
        "{expires}"
    );

    // The same session on the next visit: no new cookie, the same short sid.
    let (_, headers, again) = http(server.addr, "GET", "/", &[("Cookie", &cookie)]);
    assert!(!headers.iter().any(|(name, _)| name == "set-cookie"));
    assert!(again.contains(&short(sid)));

    // The icon, at the path the page links and where browsers look on their own.
    for path in ["/favicon.svg", "/favicon.ico"] {
        let (status, headers, body) = http(server.addr, "GET", path, &[]);
        assert_eq!(status, 200, "{path}");
        assert!(headers.contains(&("content-type".to_owned(), "image/svg+xml".to_owned())));
        assert!(body.starts_with("<svg"), "{body}");
    }

    // Without --max-age the page says so with an empty expiry.
    let plain = serve(&sb, &["--secret", SECRET]);
    let (_, _, body) = http(plain.addr, "GET", "/", &[]);
    assert!(body.contains(r#"<meta name="sio-auth-expires" content="">"#));
}

#[test]
fn the_page_shows_ticks_a_delay_chart_and_its_session_on_a_phone() {
    let test = "the_page_shows_ticks_a_delay_chart_and_its_session_on_a_phone";
    let Some(fixture) = fixture(test) else {
        return;
    };
    let sb = Sandbox::new();
    let server = ticking(&sb, &[]);
    let mut page = Browser::open(&fixture, test, &server.url(), &["--viewport", "360x740"]);
    let seen = page.wait(
        &json!({"state": "connected", "ticks": 5}),
        Duration::from_secs(20),
    );
    page.screenshot("ticks-360px");

    let now = now_ms();
    let ticks: Vec<i64> = seen["ticks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_i64().unwrap())
        .collect();
    assert!(ticks.len() >= 5, "{seen}");
    assert!(
        ticks
            .iter()
            .all(|t| (now - 30_000..=now + 1_000).contains(t)),
        "sane times: {ticks:?}"
    );
    assert!(
        ticks.windows(2).all(|w| w[0] > w[1]),
        "newest first: {ticks:?}"
    );
    assert!(
        seen["delays"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d.as_i64().is_some_and(|d| (-1000..5000).contains(&d))),
        "{seen}"
    );
    // The chart has one point per tick and is drawn (its canvas is transparent when empty).
    assert!(seen["chart"]["points"].as_i64().unwrap() >= 5, "{seen}");
    assert!(seen["chart"]["inked"].as_i64().unwrap() > 100, "{seen}");

    // The session: the short sid of the cookie the browser holds, never the rest of it.
    let (sid, signature) = jar_session(&seen);
    assert_eq!(seen["sid"], short(&sid), "{seen}");
    let text = seen["text"].as_str().unwrap();
    assert!(
        !text.contains(&sid) && !text.contains(&signature[..20]),
        "{text}"
    );
    assert_eq!(seen["expires"], Value::Null);
    assert_eq!(seen["expires_text"], "until the browser closes");

    // The icon: linked, served, and no request answered with an error.
    assert_eq!(seen["favicon"]["href"], "/favicon.svg", "{seen}");
    assert_eq!(
        page.fetch("/favicon.svg"),
        (200, "image/svg+xml".to_owned())
    );
    assert!(
        strings(&seen["favicon_responses"])
            .iter()
            .all(|r| r.starts_with("200 image/svg+xml ")),
        "{seen}"
    );

    // 360 px: no horizontal scroll, nothing touching the edges.
    let layout = &seen["layout"];
    assert_eq!(layout["viewport"], 360, "{layout}");
    assert!(
        layout["scroll_width"].as_i64() <= layout["client_width"].as_i64(),
        "horizontal overflow: {layout}"
    );
    assert_eq!(layout["outside"], json!([]), "closer than 8 px to an edge");

    let seen = page.snapshot();
    assert_eq!(seen["http_errors"], json!([]), "{seen}");
    assert_eq!(
        seen["failed_requests"],
        json!([]),
        "offline: nothing fetched elsewhere"
    );
    assert_eq!(seen["console_errors"], json!([]), "{seen}");
    assert_eq!(websockets(&seen), 1, "{seen}");
}

/// Loads the page with `args` (a forged cookie or none), expects `reason` and no retry.
fn refused(fixture: &Path, test: &'static str, url: &str, args: &[&str], reason: &str, shot: &str) {
    let mut page = Browser::open(fixture, test, url, args);
    let seen = page.wait(&json!({"state": "refused"}), Duration::from_secs(20));
    assert_eq!(seen["reason"], reason, "{seen}");
    assert_eq!(seen["ticks"], json!([]));
    std::thread::sleep(NO_RETRY_WINDOW);
    let later = page.snapshot();
    assert_eq!(later["state"], "refused", "{later}");
    assert_eq!(
        websockets(&later),
        1,
        "a refused page must not reconnect: {later}"
    );
    assert_eq!(later["console_errors"], json!([]), "{later}");
    page.screenshot(shot);
}

#[test]
fn the_page_shows_why_it_was_refused_and_does_not_retry() {
    let test = "the_page_shows_why_it_was_refused_and_does_not_retry";
    let Some(fixture) = fixture(test) else {
        return;
    };
    let sb = Sandbox::new();
    let server = ticking(&sb, &[]);
    let url = server.url();
    refused(
        &fixture,
        test,
        &url,
        &["--no-cookie"],
        "No cookie transmitted.",
        "refused-no-cookie",
    );
    let forged = sb.stdout_ok(&["sign", "--secret", "not-the-servers-secret-not-the-servers"]);
    refused(
        &fixture,
        test,
        &url,
        &["--cookie", &forged],
        "Cookie is invalid.",
        "refused-forged",
    );

    // A cookie signed with the server's secret, set the same way, is accepted: the refusal
    // above is about the signature, not about how the cookie got there.
    let valid = sb.stdout_ok(&["sign", "--secret", SECRET]);
    let mut page = Browser::open(&fixture, test, &url, &["--cookie", &valid]);
    page.wait(
        &json!({"state": "connected", "ticks": 1}),
        Duration::from_secs(20),
    );
}

#[test]
fn log_out_cuts_the_socket_and_the_page_says_why() {
    let test = "log_out_cuts_the_socket_and_the_page_says_why";
    let Some(fixture) = fixture(test) else {
        return;
    };
    let sb = Sandbox::new();
    let server = ticking(&sb, &[]);
    let mut page = Browser::open(&fixture, test, &server.url(), &[]);
    let before = page.wait(
        &json!({"state": "connected", "ticks": 2}),
        Duration::from_secs(20),
    );
    let (sid, _) = jar_session(&before);

    page.click("#logout");
    let ended = page.wait(&json!({"state": "ended"}), Duration::from_secs(10));
    assert_eq!(ended["reason"], "Session revoked.", "{ended}");
    assert!(
        !ended["text"]
            .as_str()
            .unwrap()
            .contains("io server disconnect")
    );
    std::thread::sleep(NO_RETRY_WINDOW);
    let later = page.snapshot();
    assert_eq!(later["state"], "ended", "{later}");
    assert_eq!(later["logout_result"], "Logged out.", "{later}");
    assert_eq!(
        later["cookies"],
        json!([]),
        "the cookie is cleared: {later}"
    );
    assert_eq!(
        websockets(&later),
        1,
        "a logged-out page must not reconnect: {later}"
    );
    assert_eq!(
        later["tick_count"], ended["tick_count"],
        "no ticks after the end"
    );
    assert_eq!(later["new_session_visible"], true);
    assert_eq!(later["http_errors"], json!([]), "{later}");
    assert_eq!(later["console_errors"], json!([]), "{later}");
    page.screenshot("logged-out");

    // "Start a new session" gets a new one.
    page.click("#new-session");
    let again = page.wait(
        &json!({"state": "connected", "ticks": 1}),
        Duration::from_secs(20),
    );
    let (new_sid, _) = jar_session(&again);
    assert_ne!(new_sid, sid);
    assert_eq!(again["sid"], short(&new_sid), "{again}");
}

#[test]
fn an_expired_session_is_shown_and_not_retried() {
    let test = "an_expired_session_is_shown_and_not_retried";
    let Some(fixture) = fixture(test) else {
        return;
    };
    let sb = Sandbox::new();
    // The sweep ends sessions that the store vouched for: --require-session.
    let server = ticking(&sb, &["--max-age", "3s", "--require-session"]);
    let mut page = Browser::open(&fixture, test, &server.url(), &[]);
    let seen = page.wait(
        &json!({"state": "connected", "ticks": 1}),
        Duration::from_secs(20),
    );
    let now = now_ms();
    let expires = seen["expires"].as_i64().unwrap_or_else(|| panic!("{seen}"));
    assert!(
        (now - 1_000..=now + 3_000).contains(&expires),
        "{expires} vs now {now}"
    );
    assert!(
        seen["expires_text"]
            .as_str()
            .unwrap()
            .starts_with("expires at "),
        "{seen}"
    );
    page.screenshot("before-expiry");

    let ended = page.wait(&json!({"state": "ended"}), Duration::from_secs(10));
    assert_eq!(ended["reason"], "Session expired.", "{ended}");
    assert!(now_ms() >= expires, "ended before its expiry");
    std::thread::sleep(NO_RETRY_WINDOW);
    let later = page.snapshot();
    assert_eq!(later["state"], "ended", "{later}");
    assert_eq!(
        websockets(&later),
        1,
        "an expired page must not reconnect: {later}"
    );
    assert!(
        later["expires_text"]
            .as_str()
            .unwrap()
            .starts_with("expired at "),
        "{later}"
    );
    assert_eq!(later["console_errors"], json!([]), "{later}");
    page.screenshot("expired");
}

#[test]
fn a_lost_connection_is_explained_and_retried_with_backoff() {
    let test = "a_lost_connection_is_explained_and_retried_with_backoff";
    let Some(fixture) = fixture(test) else {
        return;
    };
    let sb = Sandbox::new();
    let port = free_port();
    let args = ["--secret", SECRET, "--interval", "200ms"];
    let mut server = serve_on(&sb, port, &args);
    let mut page = Browser::open(&fixture, test, &server.url(), &[]);
    page.wait(
        &json!({"state": "connected", "ticks": 2}),
        Duration::from_secs(20),
    );

    server.kill();
    let lost = page.wait(&json!({"state": "lost"}), Duration::from_secs(10));
    let reason = lost["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Lost the connection to the server. Trying again in "),
        "{lost}"
    );
    assert!(!reason.contains("transport close"), "{reason}");
    page.screenshot("lost");

    // Two retries fail while the server is down, each waiting longer than the one before.
    let down = page.wait(
        &json!({"state": "lost", "retries": 3}),
        Duration::from_secs(15),
    );
    page.screenshot("reconnecting");
    let retries: Vec<(i64, i64, String)> = down["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| !entry["attempt"].is_null())
        .map(|entry| {
            (
                entry["attempt"].as_i64().unwrap(),
                entry["wait_ms"].as_i64().unwrap(),
                entry["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let attempts: Vec<i64> = retries.iter().map(|r| r.0).collect();
    assert_eq!(attempts, [3, 2, 1], "newest first: {down}");
    // Doubling from 1 s, each ±20 %.
    let waits: Vec<i64> = retries.iter().rev().map(|r| r.1).collect();
    assert!(
        (800..=1200).contains(&waits[0])
            && (1600..=2400).contains(&waits[1])
            && (3200..=4800).contains(&waits[2]),
        "backoff: {waits:?}"
    );
    assert!(
        retries[0].2.contains("Cannot reach the server."),
        "{retries:?}"
    );
    assert_eq!(websockets(&down), 3, "one WebSocket per attempt: {down}");

    // The server comes back on the same port: the next attempt connects and ticks resume.
    let before = down["tick_count"].as_i64().unwrap();
    let mut back = serve_on(&sb, port, &args);
    let seen = page.wait(
        &json!({"state": "connected", "ticks": before + 2}),
        Duration::from_secs(20),
    );
    assert_eq!(seen["reason"], Value::Null, "{seen}");
    assert!(websockets(&seen) >= 4, "{seen}");
    page.screenshot("reconnected");

    // A graceful stop (SIGTERM, as for a restart) closes the transport: lost, not ended.
    assert!(back.terminate(Duration::from_secs(10)).is_some());
    let stopped = page.wait(&json!({"state": "lost"}), Duration::from_secs(10));
    assert!(
        stopped["reason"]
            .as_str()
            .unwrap()
            .starts_with("Lost the connection to the server. Trying again in "),
        "{stopped}"
    );
    // The backoff starts over after a connection that worked.
    let newest = &stopped["log"][0];
    assert_eq!(newest["attempt"], 1, "{stopped}");
    assert!((800..=1200).contains(&newest["wait_ms"].as_i64().unwrap()));
}
