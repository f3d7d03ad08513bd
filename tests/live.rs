//! Sessions that live while their sockets do: `serve --rolling` keeps a connected session from
//! expiring (and a Node app on the same Redis sees it), and a session changed in the store is
//! authorized again, on every node (live re-authorization).

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::store::{
    SECRET, TestRedis, Watcher, connect_once, node_app, node_login, page_cookie, sid_of,
};
use crate::util::{Peer, Sandbox, http, now_ms, serve};

/// This file's own database on the shared Redis.
const DB: u32 = 11;

/// Waits for a `data` event received at `after` (epoch ms) or later.
fn ticks_after(watcher: &Watcher, after: i64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match watcher.wait_for("data", left) {
            Some(tick) if tick["received_at"].as_i64().unwrap() >= after => return true,
            Some(_) => {}
            None => return false,
        }
    }
    false
}

/// `cookie.expires` of the stored session, as connect-redis keeps it.
fn stored_expires(redis: &TestRedis, sid: &str) -> SystemTime {
    let reply = redis.cmd(&["GET", &format!("sess:{sid}")]);
    let stored: Value =
        serde_json::from_str(reply.lines().nth(1).expect("a stored session")).expect("JSON");
    humantime::parse_rfc3339(stored["cookie"]["expires"].as_str().expect("an expiry"))
        .expect("an ISO date")
}

/// The key's TTL in milliseconds (PTTL).
fn pttl(redis: &TestRedis, sid: &str) -> i64 {
    let reply = redis.cmd(&["PTTL", &format!("sess:{sid}")]);
    reply
        .trim()
        .strip_prefix(':')
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("PTTL answered {reply:?}"))
}

#[test]
fn rolling_keeps_a_connected_session_alive_and_node_sees_it() {
    let test = "rolling_keeps_a_connected_session_alive_and_node_sees_it";
    let Some(redis) = TestRedis::on(test, DB) else {
        return;
    };
    let Some(app) = node_app(test, &redis) else {
        return;
    };
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--store",
            &redis.url(),
            "--require-session",
            "--rolling",
            "--max-age",
            "3s",
            "--touch-every",
            "1s",
            "--interval",
            "200ms",
        ],
    );
    let held = page_cookie(server.addr);
    let idle = page_cookie(server.addr);
    let (held_sid, idle_sid) = (sid_of(&held), sid_of(&idle));
    redis.track(&held_sid);
    redis.track(&idle_sid);
    let issued = stored_expires(&redis, &held_sid);

    let watcher = Watcher::start(&sb, &server.url(), &held, &[]);
    watcher
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks");
    std::thread::sleep(Duration::from_secs(5));

    // Past its first expiry by two seconds, the connected session still ticks...
    assert!(
        ticks_after(&watcher, now_ms(), Duration::from_secs(2)),
        "no tick 5 s in; serve's stderr: {}",
        server.stderr()
    );
    // ...because its TTL and its stored expiry keep moving (at most 1 s + a sweep ago).
    let ttl = pttl(&redis, &held_sid);
    assert!(ttl > 1000, "PTTL {ttl} ms");
    let rolled = stored_expires(&redis, &held_sid);
    assert!(
        rolled > issued + Duration::from_secs(3) && rolled > SystemTime::now(),
        "stored expiry {rolled:?}, issued {issued:?}"
    );
    // The Node app reads the same session, with the moved expiry.
    let (status, _, body) = http(app.addr, "GET", "/session", &[("Cookie", &held)]);
    assert_eq!(status, 200, "{body}");
    let seen: Value = serde_json::from_str(&body).unwrap();
    let seen = humantime::parse_rfc3339(seen["cookie"]["expires"].as_str().unwrap()).unwrap();
    assert!(seen > issued + Duration::from_secs(3), "Node sees {seen:?}");

    // The session that never had a socket expired as before.
    assert_eq!(
        pttl(&redis, &idle_sid),
        -2,
        "the idle session's key is gone"
    );
    let refused = connect_once(&sb, &server.url(), &idle, &[]).unwrap_err();
    assert!(
        refused == "Session not found." || refused == "Session expired.",
        "{refused}"
    );

    // Once its socket is gone, the held session expires as well.
    drop(watcher);
    std::thread::sleep(Duration::from_secs(4));
    let refused = connect_once(&sb, &server.url(), &held, &[]).unwrap_err();
    assert!(
        refused == "Session not found." || refused == "Session expired.",
        "{refused}"
    );
}

/// The memory store rolls in-process the same way.
#[test]
fn rolling_on_the_memory_store_keeps_a_connected_session_alive() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--require-session",
            "--rolling",
            "--max-age",
            "2s",
            "--touch-every",
            "500ms",
            "--interval",
            "200ms",
        ],
    );
    let held = page_cookie(server.addr);
    let idle = page_cookie(server.addr);
    let watcher = Watcher::start(&sb, &server.url(), &held, &[]);
    watcher
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks");
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        ticks_after(&watcher, now_ms(), Duration::from_secs(2)),
        "no tick 3 s in; serve's stderr: {}",
        server.stderr()
    );
    let refused = connect_once(&sb, &server.url(), &idle, &[]).unwrap_err();
    assert!(
        refused == "Session not found." || refused == "Session expired.",
        "{refused}"
    );
    // A second socket of the held session is still let in.
    assert_eq!(connect_once(&sb, &server.url(), &held, &[]), Ok(()));
}

/// A Node app's session without maxAge (a browser-session cookie, `expires` null): rolling
/// leaves its JSON as it is, byte for byte, and gives its TTL connect-redis's day again.
#[test]
fn rolling_a_browser_session_cookie_refreshes_its_ttl_only() {
    let test = "rolling_a_browser_session_cookie_refreshes_its_ttl_only";
    let Some(redis) = TestRedis::on(test, DB) else {
        return;
    };
    let Some(app) = node_app(test, &redis) else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = node_login(&app, &redis, "ann", "admin");
    let sid = sid_of(&cookie);
    let key = format!("sess:{sid}");
    let written = redis.cmd(&["GET", &key]);
    assert!(written.contains(r#""expires":null"#), "{written}");
    redis.cmd(&["EXPIRE", &key, "50"]);
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--store",
            &redis.url(),
            "--require-session",
            "--rolling",
            "--touch-every",
            "1s",
        ],
    );
    let watcher = Watcher::start(&sb, &server.url(), &cookie, &[]);
    watcher
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks");
    let deadline = Instant::now() + Duration::from_secs(3);
    while pttl(&redis, &sid) < 80_000_000 {
        assert!(
            Instant::now() < deadline,
            "PTTL still {} ms",
            pttl(&redis, &sid)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(redis.cmd(&["GET", &key]), written, "the JSON was rewritten");
}

/// One `serve` node of the re-authorization test and the two sockets held on it.
struct Node {
    server: Peer,
    root: Watcher,
    admin: Watcher,
}

#[test]
fn a_demoted_session_loses_its_admin_sockets_on_every_node() {
    let test = "a_demoted_session_loses_its_admin_sockets_on_every_node";
    let Some(redis) = TestRedis::on(test, DB) else {
        return;
    };
    let Some(app) = node_app(test, &redis) else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = node_login(&app, &redis, "ann", "admin");
    let url = redis.url();
    // Two nodes on the same Redis: `/` is looked up on the first, admitted by its signature
    // alone on the second.
    let nodes: Vec<Node> = [&["--require-session"][..], &[][..]]
        .into_iter()
        .map(|extra| {
            let mut args = vec!["--secret", SECRET, "--store", &url, "--interval", "100ms"];
            args.extend_from_slice(extra);
            args.extend(["--namespace", "/admin", "--require", "/user/role=admin"]);
            let server = serve(&sb, &args);
            let root = Watcher::start(&sb, &server.url(), &cookie, &[]);
            let admin = Watcher::start(&sb, &server.url(), &cookie, &["--namespace", "/admin"]);
            Node {
                server,
                root,
                admin,
            }
        })
        .collect();
    for node in &nodes {
        for watcher in [&node.root, &node.admin] {
            watcher
                .wait_for("data", Duration::from_secs(10))
                .expect("ticks");
        }
    }

    // The Node app demotes the same session (same sid, req.session.user rewritten).
    let demoted = now_ms();
    let (status, _, body) = http(
        app.addr,
        "POST",
        "/login?user=ann&role=user",
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&sid_of(&cookie)), "{body}");

    for (n, node) in nodes.iter().enumerate() {
        let ended = node
            .admin
            .wait_for("session_ended", Duration::from_secs(3))
            .unwrap_or_else(|| panic!("node {n}: no session_ended; {}", node.server.stderr()));
        assert_eq!(
            ended["args"][0], "Requirement not met: /user/role=admin.",
            "node {n}"
        );
        let late = ended["received_at"].as_i64().unwrap() - demoted;
        assert!(late < 1000, "node {n}: cut {late} ms after the demotion");
        eprintln!("node {n}: /admin cut {late} ms after the demotion");
    }
    for (n, mut node) in nodes.into_iter().enumerate() {
        assert_eq!(
            node.admin.exit_code(Duration::from_secs(3)),
            Some(6),
            "node {n}: the /admin socket ends as a session end"
        );
        // `/` keeps ticking well after the cut.
        assert!(
            ticks_after(&node.root, demoted + 1500, Duration::from_secs(3)),
            "node {n}: / stopped ticking"
        );
        assert_eq!(
            connect_once(&sb, &node.server.url(), &cookie, &["--namespace", "/admin"]),
            Err("Requirement not met: /user/role=admin.".to_owned()),
            "node {n}"
        );
        assert_eq!(connect_once(&sb, &node.server.url(), &cookie, &[]), Ok(()));
    }
}

#[test]
fn touch_every_needs_rolling_and_a_sensible_duration() {
    let sb = Sandbox::new();
    for (args, says) in [
        (&["--touch-every", "1s"][..], "--rolling"),
        (
            &["--rolling", "--touch-every", "0s"][..],
            "the touch interval must be more than 0",
        ),
        (
            &["--rolling", "--touch-every", "soon"][..],
            "invalid value 'soon' for '--touch-every <DURATION>'",
        ),
        (
            &["--rolling", "--max-age", "3s", "--touch-every", "5s"][..],
            "--touch-every 5s is longer than --max-age 3s: a session would expire between two refreshes",
        ),
    ] {
        let out = sb
            .cmd()
            .args(["serve", "--secret", SECRET, "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: it served");
    }
    // Equal to --max-age, and the default, are fine: it serves.
    for args in [&["--max-age", "3s", "--touch-every", "3s"][..], &[][..]] {
        let mut all = vec!["--secret", SECRET, "--rolling"];
        all.extend_from_slice(args);
        drop(serve(&sb, &all));
    }
}

/// `GET /` with `--rolling` rolls a live session and sends its cookie again with the new
/// Expires, as express-session's `rolling` does on every response; without `--rolling` a live
/// session's page sends no cookie.
#[test]
fn rolling_get_sends_the_cookie_again_with_the_new_expiry() {
    let expires_of = |headers: &[(String, String)]| -> Option<(String, SystemTime)> {
        let line = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, value)| value.clone())?;
        let pair = line.split(';').next()?.to_owned();
        let at = line
            .split("; ")
            .find_map(|attr| attr.strip_prefix("Expires="))
            .and_then(|date| httpdate::parse_http_date(date).ok())?;
        Some((pair, at))
    };
    let sb = Sandbox::new();
    let base = ["--secret", SECRET, "--require-session", "--max-age", "1h"];
    let rolling = serve(&sb, &[&base[..], &["--rolling"]].concat());
    let (status, headers, _) = http(rolling.addr, "GET", "/", &[]);
    assert_eq!(status, 200);
    let (cookie, first) = expires_of(&headers).expect("a new session's cookie");
    // Expires has a resolution of one second.
    std::thread::sleep(Duration::from_millis(1100));
    let (status, headers, _) = http(rolling.addr, "GET", "/", &[("Cookie", &cookie)]);
    assert_eq!(status, 200);
    let (again, rolled) = expires_of(&headers).expect("the rolled cookie");
    assert_eq!(again, cookie, "the same session's cookie");
    assert!(
        rolled > first,
        "Expires did not move: {first:?} then {rolled:?}"
    );

    let still = serve(&sb, &base);
    let (_, headers, _) = http(still.addr, "GET", "/", &[]);
    let (cookie, _) = expires_of(&headers).expect("a new session's cookie");
    let (_, headers, _) = http(still.addr, "GET", "/", &[("Cookie", &cookie)]);
    assert_eq!(
        expires_of(&headers),
        None,
        "a live session's page without --rolling"
    );
}
