//! Sessions that live and die: `serve --require-session` against the memory store and a real
//! Redis (shared with the fixture's express-session + connect-redis app), revocation reaching
//! live sockets, namespace rules, the Origin check, and a Redis that goes away and comes back.

use std::io::{BufRead as _, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use serde_json::Value;

use crate::util::{Peer, Sandbox, free_port, http, missing_peer, node_fixture, now_ms, serve};

pub(crate) const SECRET: &str = "store-tests-secret-7a4f2c9e1b6d8053";

// ---------------------------------------------------------------------------------------------
// Redis: the shared server on 127.0.0.1:6379 when it answers, else a private redis-server.

/// One Redis command over a fresh connection (RESP), in database `db`; returns the raw reply
/// to the command (after `+OK` of SELECT), or `None` when Redis does not answer.
fn redis_raw(addr: SocketAddr, db: u32, args: &[&str]) -> Option<String> {
    let encode = |args: &[&str]| {
        let mut out = format!("*{}\r\n", args.len());
        for a in args {
            out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        out
    };
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let request = encode(&["SELECT", &db.to_string()]) + &encode(args) + &encode(&["QUIT"]);
    stream.write_all(request.as_bytes()).ok()?;
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    let reply = reply.strip_prefix("+OK\r\n")?;
    Some(reply.strip_suffix("+OK\r\n").unwrap_or(reply).to_owned())
}

fn redis_answers(addr: SocketAddr) -> bool {
    redis_raw(addr, 0, &["PING"]).is_some_and(|r| r.starts_with("+PONG"))
}

/// A private `redis-server` (no persistence), killed on drop.
pub(crate) struct PrivateRedis {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl PrivateRedis {
    /// Starts one on `port` (a free one when 0); `None` without the binary.
    pub(crate) fn start(port: u16) -> Option<Self> {
        let port = if port == 0 { free_port() } else { port };
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let redis = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !redis_answers(redis.addr) {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(redis)
    }

    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Redis database for one test: a random DB number on the shared server (or a private
/// server); the sessions the test made are deleted on drop.
pub(crate) struct TestRedis {
    addr: SocketAddr,
    db: u32,
    sids: std::sync::Mutex<Vec<String>>,
    _private: Option<PrivateRedis>,
}

impl TestRedis {
    pub(crate) fn get(test: &str) -> Option<Self> {
        Self::on(test, random_db())
    }

    /// The same, on database `db` of the shared server.
    pub(crate) fn on(test: &str, db: u32) -> Option<Self> {
        let shared = SocketAddr::from(([127, 0, 0, 1], 6379));
        let private = if redis_answers(shared) {
            None
        } else {
            match PrivateRedis::start(0) {
                Some(private) => Some(private),
                None => {
                    missing_peer(
                        test,
                        "no Redis on 127.0.0.1:6379 and no redis-server binary",
                    );
                    return None;
                }
            }
        };
        let addr = private.as_ref().map_or(shared, |p| p.addr);
        Some(Self {
            addr,
            db,
            sids: std::sync::Mutex::new(Vec::new()),
            _private: private,
        })
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://{}/{}", self.addr, self.db)
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> String {
        redis_raw(self.addr, self.db, args).expect("redis answers")
    }

    /// Remembers a session to delete at the end.
    pub(crate) fn track(&self, sid: &str) {
        self.sids.lock().unwrap().push(sid.to_owned());
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        for sid in self.sids.lock().unwrap().iter() {
            let _ = redis_raw(self.addr, self.db, &["DEL", &format!("sess:{sid}")]);
        }
    }
}

/// A DB number from 1 to 15 (0 is left to people), different across concurrent tests most of
/// the time; tests never flush, so sharing one is harmless.
fn random_db() -> u32 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    u32::try_from(hasher.finish() % 15).unwrap() + 1
}

// ---------------------------------------------------------------------------------------------
// Clients.

/// `sio-auth connect --json --event '*'` running in the background, its lines on a channel.
pub(crate) struct Watcher {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Watcher {
    pub(crate) fn start(sb: &Sandbox, url: &str, cookie: &str, extra: &[&str]) -> Self {
        let mut child = sb
            .std_cmd()
            .args(["connect", url, "--cookie", cookie])
            .args(["--event", "*", "--json", "--timeout", "20s"])
            .args(if extra.contains(&"--transport") {
                &[][..]
            } else {
                &["--transport", "websocket"][..]
            })
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(value);
                }
            }
        });
        Self { child, lines }
    }

    /// Waits for the first line whose event is `event`.
    pub(crate) fn wait_for(&self, event: &str, limit: Duration) -> Option<Value> {
        let deadline = Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line["event"] == event => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Waits for the process to exit; its code.
    pub(crate) fn exit_code(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A one-shot `sio-auth connect`: `Ok(())` after one tick, `Err(refusal)` when refused.
pub(crate) fn connect_once(
    sb: &Sandbox,
    url: &str,
    cookie: &str,
    extra: &[&str],
) -> Result<(), String> {
    let out = sb
        .cmd()
        .args(["connect", url, "--cookie", cookie])
        .args(["--count", "1", "--timeout", "10s"])
        // WebSocket unless the test picks a transport.
        .args(if extra.contains(&"--transport") {
            &[][..]
        } else {
            &["--transport", "websocket"][..]
        })
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(stderr
            .lines()
            .find_map(|l| l.strip_prefix("sio-auth: refused: "))
            .unwrap_or_else(|| panic!("no refusal in {stderr}"))
            .to_owned()),
        other => panic!("connect exited {other:?}: {stderr}"),
    }
}

fn set_cookie(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
}

/// The session cookie a GET / sets, as a `name=value` pair.
pub(crate) fn page_cookie(addr: SocketAddr) -> String {
    let (status, headers, body) = http(addr, "GET", "/", &[]);
    assert_eq!(status, 200, "{body}");
    set_cookie(&headers)
        .expect("a new session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The sid inside `express.sid=s%3A<sid>.<sig>`.
pub(crate) fn sid_of(cookie: &str) -> String {
    let value = cookie.split_once('=').map_or(cookie, |(_, v)| v);
    let signed = value.strip_prefix("s%3A").expect("an encoded signed value");
    signed.rsplit_once('.').unwrap().0.to_owned()
}

fn sign_into(sb: &Sandbox, redis: &TestRedis, data: &str, extra: &[&str]) -> String {
    let url = redis.url();
    let mut args = vec!["sign", "--secret", SECRET, "--store", &url, "--data", data];
    args.extend_from_slice(extra);
    let cookie = sb.stdout_ok(&args);
    redis.track(&sid_of(&cookie));
    cookie
}

// ---------------------------------------------------------------------------------------------
// The same behaviour from both stores.

/// A store to run the behaviour tests against.
struct StoreUnderTest {
    arg: String,
    redis: Option<TestRedis>,
}

impl StoreUnderTest {
    fn memory(_test: &str) -> Option<Self> {
        Some(Self {
            arg: "memory".to_owned(),
            redis: None,
        })
    }

    fn redis(test: &str) -> Option<Self> {
        let redis = TestRedis::get(test)?;
        Some(Self {
            arg: redis.url(),
            redis: Some(redis),
        })
    }

    fn serve(&self, sb: &Sandbox, extra: &[&str]) -> Peer {
        let mut args = vec![
            "--secret",
            SECRET,
            "--store",
            &self.arg,
            "--interval",
            "100ms",
        ];
        args.extend(extra);
        serve(sb, &args)
    }

    fn page_cookie(&self, addr: SocketAddr) -> String {
        let cookie = page_cookie(addr);
        if let Some(redis) = &self.redis {
            redis.track(&sid_of(&cookie));
        }
        cookie
    }
}

fn page_session_is_required_and_accepted(store: &StoreUnderTest) {
    let sb = Sandbox::new();
    let server = store.serve(&sb, &["--require-session"]);
    let cookie = store.page_cookie(server.addr);
    for transport in ["websocket", "polling", "auto"] {
        assert_eq!(
            connect_once(&sb, &server.url(), &cookie, &["--transport", transport]),
            Ok(()),
            "{transport}"
        );
    }
    // The same live cookie on GET / keeps its session: no new cookie.
    let (_, headers, _) = http(server.addr, "GET", "/", &[("Cookie", &cookie)]);
    assert_eq!(set_cookie(&headers), None);
    // Well signed, but no such session.
    let out = sb
        .cmd()
        .args(["sign", "--secret", SECRET, "never-stored"])
        .output()
        .unwrap();
    let unknown = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(
        connect_once(&sb, &server.url(), &unknown, &[]),
        Err("Session not found.".to_owned())
    );
    // Which GET / replaces by a new session with a new sid (as express-session does).
    let (_, headers, _) = http(server.addr, "GET", "/", &[("Cookie", &unknown)]);
    let fresh = set_cookie(&headers).expect("a new cookie");
    assert!(!fresh.contains("never-stored"));
    if let Some(redis) = &store.redis {
        redis.track(&sid_of(fresh.split(';').next().unwrap()));
    }
}

fn logout_cuts_the_socket_within_1_s(store: &StoreUnderTest) {
    let sb = Sandbox::new();
    let server = store.serve(&sb, &["--require-session"]);
    let cookie = store.page_cookie(server.addr);
    // Two sockets of one session, over both transports.
    let mut watchers: Vec<Watcher> = ["websocket", "polling"]
        .into_iter()
        .map(|t| Watcher::start(&sb, &server.url(), &cookie, &["--transport", t]))
        .collect();
    for watcher in &watchers {
        watcher
            .wait_for("data", Duration::from_secs(10))
            .expect("ticks");
    }
    let before = now_ms();
    let (status, headers, body) = http(server.addr, "POST", "/logout", &[("Cookie", &cookie)]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""destroyed":true"#), "{body}");
    let cleared = set_cookie(&headers).expect("the cookie is cleared");
    assert!(
        cleared.starts_with("express.sid=;") && cleared.contains("Expires=Thu, 01 Jan 1970"),
        "{cleared}"
    );
    for watcher in &mut watchers {
        let ended = watcher
            .wait_for("session_ended", Duration::from_secs(3))
            .expect("session_ended");
        assert_eq!(ended["args"][0], "Session revoked.");
        let late = ended["received_at"].as_i64().unwrap() - before;
        assert!(late < 1000, "cut {late} ms after the logout");
        assert_eq!(
            watcher.exit_code(Duration::from_secs(5)),
            Some(6),
            "the session ended"
        );
    }
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Err("Session revoked.".to_owned())
    );
    // A second logout is harmless.
    let (status, _, body) = http(server.addr, "POST", "/logout", &[("Cookie", &cookie)]);
    assert_eq!(status, 200);
    assert!(body.contains(r#""destroyed":false"#));
}

fn expiry_cuts_the_socket_within_1_s(store: &StoreUnderTest) {
    let sb = Sandbox::new();
    let server = store.serve(&sb, &["--require-session", "--max-age", "2s"]);
    let asked = now_ms();
    let cookie = store.page_cookie(server.addr);
    let got = now_ms();
    let watcher = Watcher::start(&sb, &server.url(), &cookie, &[]);
    watcher
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks");
    let ended = watcher
        .wait_for("session_ended", Duration::from_secs(6))
        .expect("session_ended");
    assert_eq!(ended["args"][0], "Session expired.");
    let at = ended["received_at"].as_i64().unwrap();
    assert!(
        at >= asked + 2000,
        "not before the expiry ({} ms early)",
        asked + 2000 - at
    );
    assert!(
        at < got + 2000 + 1000,
        "cut {} ms after the expiry",
        at - got - 2000
    );
    let refusal = connect_once(&sb, &server.url(), &cookie, &[]).unwrap_err();
    assert!(
        refusal == "Session expired." || refusal == "Session not found.",
        "{refusal}"
    );
}

fn namespace_rules_allow_and_refuse(store: &StoreUnderTest) {
    let sb = Sandbox::new();
    // GET / sessions hold only the cookie metadata, which rules can read too.
    let server = store.serve(
        &sb,
        &[
            "--namespace",
            "/admin",
            "--require",
            "/user/role=admin",
            "--namespace",
            "/site",
            "--require",
            "/cookie/path=/",
            "--require",
            "/cookie/httpOnly=true",
            "--namespace",
            "/open",
        ],
    );
    let cookie = store.page_cookie(server.addr);
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Ok(()),
        "/ without --require-session"
    );
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &["--namespace", "/site"]),
        Ok(())
    );
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &["--namespace", "/open"]),
        Ok(())
    );
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &["--namespace", "/admin"]),
        Err("Requirement not met: /user/role=admin.".to_owned())
    );
    // Rules need a live session even without --require-session.
    let out = sb
        .cmd()
        .args(["sign", "--secret", SECRET, "nobody"])
        .output()
        .unwrap();
    let unknown = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(connect_once(&sb, &server.url(), &unknown, &[]), Ok(()));
    assert_eq!(
        connect_once(&sb, &server.url(), &unknown, &["--namespace", "/site"]),
        Err("Session not found.".to_owned())
    );
    assert!(
        !server.stderr().contains(&sid_of(&cookie)),
        "no sid in the logs"
    );
}

macro_rules! store_behaviour {
    ($($store:ident),*) => {$(
        mod $store {
            use super::*;

            fn store(test: &str) -> Option<StoreUnderTest> {
                StoreUnderTest::$store(test)
            }

            #[test]
            fn page_session_is_required_and_accepted() {
                let Some(store) = store("page_session_is_required_and_accepted") else { return };
                super::page_session_is_required_and_accepted(&store);
            }

            #[test]
            fn logout_cuts_the_socket_within_1_s() {
                let Some(store) = store("logout_cuts_the_socket_within_1_s") else { return };
                super::logout_cuts_the_socket_within_1_s(&store);
            }

            #[test]
            fn expiry_cuts_the_socket_within_1_s() {
                let Some(store) = store("expiry_cuts_the_socket_within_1_s") else { return };
                super::expiry_cuts_the_socket_within_1_s(&store);
            }

            #[test]
            fn namespace_rules_allow_and_refuse() {
                let Some(store) = store("namespace_rules_allow_and_refuse") else { return };
                super::namespace_rules_allow_and_refuse(&store);
            }
        }
    )*};
}

store_behaviour!(memory, redis);

// ---------------------------------------------------------------------------------------------
// Redis with a Node app, the one-shot commands, and a Redis that goes away.

/// The fixture's Express app (express-session + connect-redis) on a test Redis; `None`, after
/// saying SKIPPED (a failure under CI), when node or Redis is missing.
fn node_app_on_redis(test: &str) -> Option<(TestRedis, Peer)> {
    let redis = TestRedis::get(test)?;
    let app = node_app(test, &redis)?;
    Some((redis, app))
}

/// The fixture's Express app on `redis`'s database.
pub(crate) fn node_app(test: &str, redis: &TestRedis) -> Option<Peer> {
    let fixture = node_fixture(test)?;
    let mut cmd = Command::new("node");
    cmd.arg(fixture.join("app.js"))
        .args(["0", SECRET])
        .current_dir(&fixture)
        .env("REDIS_URL", redis.url());
    Some(Peer::spawn(cmd))
}

const STORE_DOWN: &str = "the session store does not answer";
const STORE_BACK: &str = "the session store answers again";

/// Whether `server` logs `text` on stderr within `within`.
fn logged(server: &Peer, text: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while !server.stderr().contains(text) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

/// A server started while its Redis is down says so at once, not at the first visitor, and
/// without the URL (which may hold a password).
#[test]
fn a_store_down_at_start_is_logged_at_once() {
    let sb = Sandbox::new();
    let url = format!("redis://:hunter2@127.0.0.1:{}/0", free_port());
    let server = serve_requiring_sessions(&sb, &url, &[]);
    assert!(
        logged(&server, STORE_DOWN, Duration::from_secs(5)),
        "{}",
        server.stderr()
    );
    let (status, _, body) = http(server.addr, "GET", "/", &[]);
    assert_eq!((status, body.trim()), (503, "Session store unavailable."));
    assert!(!server.stderr().contains("hunter2"), "{}", server.stderr());
}

/// `sio-auth serve --store STORE --require-session`, plus `extra`.
fn serve_requiring_sessions(sb: &Sandbox, store: &str, extra: &[&str]) -> Peer {
    let mut args = vec!["--secret", SECRET, "--store", store, "--require-session"];
    args.extend_from_slice(extra);
    serve(sb, &args)
}

/// Logs in on the Node app: GET / for a cookie, then POST /login.
pub(crate) fn node_login(app: &Peer, redis: &TestRedis, user: &str, role: &str) -> String {
    let cookie = page_cookie_of_node(app);
    redis.track(&sid_of(&cookie));
    let (status, _, body) = http(
        app.addr,
        "POST",
        &format!("/login?user={user}&role={role}"),
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200, "{body}");
    cookie
}

fn page_cookie_of_node(app: &Peer) -> String {
    let (_, headers, _) = http(app.addr, "GET", "/", &[]);
    set_cookie(&headers)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn node_app_login_gets_ticks_and_its_logout_cuts_the_socket() {
    let test = "node_app_login_gets_ticks_and_its_logout_cuts_the_socket";
    let Some((redis, app)) = node_app_on_redis(test) else {
        return;
    };
    let sb = Sandbox::new();
    let server = serve_requiring_sessions(
        &sb,
        &redis.url(),
        &[
            "--interval",
            "100ms",
            "--namespace",
            "/admin",
            "--require",
            "/user/role=admin",
        ],
    );
    let admin = node_login(&app, &redis, "ann", "admin");
    let user = node_login(&app, &redis, "bob", "user");
    // The session connect-redis wrote is what we read.
    let stored: Value = serde_json::from_str(
        redis
            .cmd(&["GET", &format!("sess:{}", sid_of(&admin))])
            .lines()
            .nth(1)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stored["user"]["role"], "admin");
    assert_eq!(stored["cookie"]["httpOnly"], true);

    assert_eq!(connect_once(&sb, &server.url(), &user, &[]), Ok(()));
    assert_eq!(
        connect_once(&sb, &server.url(), &user, &["--namespace", "/admin"]),
        Err("Requirement not met: /user/role=admin.".to_owned())
    );
    let root = Watcher::start(&sb, &server.url(), &admin, &[]);
    let staff = Watcher::start(&sb, &server.url(), &admin, &["--namespace", "/admin"]);
    root.wait_for("data", Duration::from_secs(10))
        .expect("ticks on /");
    staff
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks on /admin");

    // The Node app logs the user out: req.session.destroy() deletes the key.
    let before = now_ms();
    let (status, _, _) = http(app.addr, "POST", "/logout", &[("Cookie", &admin)]);
    assert_eq!(status, 200);
    for (what, watcher) in [("/", &root), ("/admin", &staff)] {
        let ended = watcher
            .wait_for("session_ended", Duration::from_secs(3))
            .unwrap_or_else(|| panic!("{what}: session_ended"));
        assert_eq!(ended["args"][0], "Session revoked.", "{what}");
        let late = ended["received_at"].as_i64().unwrap() - before;
        assert!(late < 1000, "{what}: cut {late} ms after the Node logout");
    }
    // The destroyed sid is remembered: its cookie is refused as revoked.
    assert_eq!(
        connect_once(&sb, &server.url(), &admin, &[]),
        Err("Session revoked.".to_owned())
    );
    // The other session was not touched.
    assert_eq!(connect_once(&sb, &server.url(), &user, &[]), Ok(()));
}

#[test]
fn sessions_are_shared_with_node_both_ways_and_revoke_reaches_both() {
    let test = "sessions_are_shared_with_node_both_ways_and_revoke_reaches_both";
    let Some((redis, app)) = node_app_on_redis(test) else {
        return;
    };
    let sb = Sandbox::new();
    // A session made by sio-auth sign is a logged-in session for the Node app.
    let cookie = sign_into(
        &sb,
        &redis,
        r#"{"user":{"name":"cy","role":"admin"}}"#,
        &["--max-age", "1h"],
    );
    let (_, _, body) = http(app.addr, "GET", "/session", &[("Cookie", &cookie)]);
    let session: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(session["user"]["name"], "cy", "{body}");
    assert_eq!(session["cookie"]["originalMaxAge"], 3_600_000, "{body}");
    let ttl: i64 = redis
        .cmd(&["TTL", &format!("sess:{}", sid_of(&cookie))])
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    assert!((3590..=3600).contains(&ttl), "TTL {ttl}");

    // A session the Node app made, revoked by sio-auth: the app no longer knows it.
    let node_cookie = node_login(&app, &redis, "dee", "user");
    let server = serve_requiring_sessions(&sb, &redis.url(), &["--interval", "100ms"]);
    let watcher = Watcher::start(&sb, &server.url(), &node_cookie, &[]);
    watcher
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks");
    let before = now_ms();
    let out = sb
        .cmd()
        .args([
            "revoke",
            &node_cookie,
            "--store",
            &redis.url(),
            "--secret",
            SECRET,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        sid_of(&node_cookie)
    );
    let ended = watcher
        .wait_for("session_ended", Duration::from_secs(3))
        .expect("session_ended");
    // Measured from before `sio-auth revoke` started: its process start counts too.
    let late = ended["received_at"].as_i64().unwrap() - before;
    assert!(late < 1000, "cut {late} ms after the revoke started");
    let (_, _, body) = http(app.addr, "GET", "/whoami", &[("Cookie", &node_cookie)]);
    let whoami: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(whoami["new"], true, "the Node app sees no session: {body}");
    redis.track(whoami["sid"].as_str().unwrap());

    // Revoking what is gone is a negative answer; a bare sid works too.
    let again = sb
        .cmd()
        .args([
            "revoke",
            "--store",
            &redis.url(),
            "--",
            &sid_of(&node_cookie),
        ])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no session"));
}

#[test]
fn verify_with_a_store_checks_liveness_and_shows_the_data() {
    let Some(redis) = TestRedis::get("verify_with_a_store_checks_liveness_and_shows_the_data")
    else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = sign_into(&sb, &redis, r#"{"user":{"role":"admin"},"n":3}"#, &[]);
    let sid = sid_of(&cookie);
    let verify = |extra: &[&str]| {
        sb.cmd()
            .args([
                "verify",
                "--secret",
                SECRET,
                "--store",
                &redis.url(),
                &cookie,
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = verify(&[]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), sid);
    let out = verify(&["--show"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["user"]["role"], "admin");
    assert_eq!(shown["n"], 3);
    assert_eq!(shown["cookie"]["expires"], Value::Null);
    let out = verify(&["--show", "--json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (json["valid"].clone(), json["session"]["n"].clone()),
        (Value::from(true), Value::from(3))
    );

    // A session that outlived its cookie (e.g. an app's own TTL): expired.
    let stale = r#"{"cookie":{"originalMaxAge":1000,"expires":"2020-01-01T00:00:00.000Z","httpOnly":true,"path":"/"}}"#;
    redis.cmd(&["SET", &format!("sess:{sid}"), stale, "EX", "60"]);
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("session expired"));
    let server = serve_requiring_sessions(&sb, &redis.url(), &[]);
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Err("Session expired.".to_owned())
    );

    let out = sb
        .cmd()
        .args(["revoke", "--store", &redis.url(), "--", &sid])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = verify(&["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reason"], "session not found");
}

#[test]
fn store_options_fail_clearly() {
    let sb = Sandbox::new();
    let closed = format!("redis://127.0.0.1:{}/0", free_port());
    for args in [
        vec!["sign", "--secret", SECRET, "--store", &closed],
        vec![
            "verify",
            "--secret",
            SECRET,
            "--store",
            &closed,
            "express.sid=s%3Aa.b",
        ],
        vec!["revoke", "some-sid", "--store", &closed],
    ] {
        let out = sb.cmd().args(&args).output().unwrap();
        // verify answers an invalid signature before touching the store.
        if args[0] == "verify" {
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            continue;
        }
        assert_eq!(out.status.code(), Some(3), "{args:?}: network");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unavailable"), "{stderr}");
    }
    let signed = sb
        .cmd()
        .args(["sign", "--secret", SECRET, "x"])
        .output()
        .unwrap();
    let signed = String::from_utf8(signed.stdout).unwrap();
    let out = sb
        .cmd()
        .args([
            "verify",
            "--secret",
            SECRET,
            "--store",
            &closed,
            signed.trim(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    for args in [
        vec!["sign", "--store", "memory"],
        vec!["revoke", "x", "--store", "memory"],
        vec!["revoke", "x"],
        vec!["sign", "--data", "{}"],
        vec!["sign", "--store", "redis://127.0.0.1/1", "--data", "[1]"],
        vec!["verify", "--show"],
        vec!["serve", "--store", "mysql://x"],
        vec!["serve", "--require", "/a=b"],
        vec!["serve", "--allowed-origin", "not a url"],
    ] {
        let out = sb.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: usage");
    }
}

#[test]
fn origin_is_checked_against_the_host_and_the_allowed_list() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "100ms",
            "--allowed-origin",
            "https://app.example.com",
        ],
    );
    let cookie = page_cookie(server.addr);
    let origin = |value: &str| format!("Origin: {value}");
    let same = origin(&server.url());
    let allowed = origin("https://app.example.com");
    let foreign = origin("https://evil.example");
    let other_port = origin("http://127.0.0.1:1");
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Ok(()),
        "absent"
    );
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &["--header", &same]),
        Ok(()),
        "same-origin"
    );
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &["--header", &allowed]),
        Ok(()),
        "allowed"
    );
    for bad in [&foreign, &other_port, &origin("null")] {
        assert_eq!(
            connect_once(&sb, &server.url(), &cookie, &["--header", bad]),
            Err("Origin not allowed.".to_owned()),
            "{bad}"
        );
    }
    // Checked before the cookie: a forged origin learns nothing about the cookie.
    assert_eq!(
        connect_once(
            &sb,
            &server.url(),
            "express.sid=nope",
            &["--header", &foreign]
        ),
        Err("Origin not allowed.".to_owned())
    );
    // A cross-site logout is refused too.
    let (status, _, _) = http(
        server.addr,
        "POST",
        "/logout",
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
    );
    assert_eq!(status, 403);
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Ok(()),
        "still logged in"
    );
}

#[test]
fn redis_going_away_fails_closed_and_recovers() {
    let test = "redis_going_away_fails_closed_and_recovers";
    let Some(mut redis) = PrivateRedis::start(0) else {
        missing_peer(test, "no redis-server binary");
        return;
    };
    let port = redis.addr.port();
    let url = format!("redis://{}/0", redis.addr);
    let sb = Sandbox::new();
    let server = serve_requiring_sessions(&sb, &url, &["--interval", "100ms"]);
    let cookie = page_cookie(server.addr);
    assert_eq!(connect_once(&sb, &server.url(), &cookie, &[]), Ok(()));

    redis.stop();
    let started = Instant::now();
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Err("Session store unavailable.".to_owned())
    );
    assert!(
        logged(&server, STORE_DOWN, Duration::from_secs(5)),
        "{}",
        server.stderr()
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "refused promptly"
    );
    let (status, _, body) = http(server.addr, "GET", "/", &[]);
    assert_eq!((status, body.trim()), (503, "Session store unavailable."));

    // Back (empty: no persistence): new sessions work again without a restart of serve.
    let _redis = PrivateRedis::start(port).expect("redis-server restarts");
    let deadline = Instant::now() + Duration::from_secs(10);
    let fresh = loop {
        let (status, headers, _) = http(server.addr, "GET", "/", &[]);
        if status == 200 {
            break set_cookie(&headers)
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned();
        }
        assert!(Instant::now() < deadline, "serve recovers");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(connect_once(&sb, &server.url(), &fresh, &[]), Ok(()));
    assert_eq!(
        connect_once(&sb, &server.url(), &cookie, &[]),
        Err("Session not found.".to_owned()),
        "the old session died with that Redis"
    );
    assert!(
        logged(&server, STORE_BACK, Duration::from_secs(5)),
        "{}",
        server.stderr()
    );
    // Said once per outage, however often the listener retried meanwhile.
    assert_eq!(server.stderr().matches(STORE_DOWN).count(), 1);
    // The live socket of a fresh session is cut by a revoke through the restarted Redis, so
    // the notifications were re-enabled too.
    let watcher = Watcher::start(&sb, &server.url(), &fresh, &[]);
    watcher
        .wait_for("data", Duration::from_secs(10))
        .expect("ticks");
    let out = sb
        .cmd()
        .args(["revoke", "--store", &url, "--", &sid_of(&fresh)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}; serve: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        server.stderr()
    );
    assert!(
        watcher
            .wait_for("session_ended", Duration::from_secs(3))
            .is_some()
    );
}
