//! Three `sio-auth serve` nodes behind a real HAProxy, on one private Redis: the README's HAProxy
//! configuration (read out of README.md), the official socket.io-client through it over every
//! transport, sessions shared across nodes, revocation reaching every node within 1 s, a node
//! killed under its clients, and a Redis outage that every node survives by itself; and why the
//! README's stickiness hashes the session cookie rather than using HAProxy's own cookie.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::store::PrivateRedis;
use crate::util::{Peer, Sandbox, free_port, http, missing_peer, node_fixture};

const SECRET: &str = "cluster-tests-secret-5e8b1f3a9c2d7046";

/// Where the README's tested HAProxy configuration lives.
const README_SECTION: &str = "## Several nodes behind a load balancer";

/// The HAProxy configuration of the README, its addresses replaced by the test's: the frontend
/// `127.0.0.1:3000` by `frontend`, the nodes `127.0.0.1:3001`… by `nodes`.
fn haproxy_config(frontend: SocketAddr, nodes: &[SocketAddr]) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let section = readme
        .split_once(README_SECTION)
        .unwrap_or_else(|| panic!("README.md has no {README_SECTION:?}"))
        .1;
    let config = section
        .split_once("```haproxy\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a ```haproxy block in that section")
        .0;
    let mut config = config.to_owned();
    let mut replace = |from: &str, to: SocketAddr| {
        assert_eq!(
            config.matches(from).count(),
            1,
            "the README's HAProxy config names {from} once"
        );
        config = config.replace(from, &to.to_string());
    };
    replace("127.0.0.1:3000", frontend);
    for (i, node) in nodes.iter().enumerate() {
        replace(&format!("127.0.0.1:{}", 3001 + i), *node);
    }
    config
}

/// `haproxy -db -f CONFIG` (in the foreground), killed on drop.
struct Haproxy {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    /// HAProxy with the README's configuration.
    fn start(nodes: &[SocketAddr]) -> Self {
        Self::start_with(|addr| haproxy_config(addr, nodes))
    }

    /// HAProxy with the configuration `config` makes for its frontend address.
    fn start_with(config: impl FnOnce(SocketAddr) -> String) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let text = config(addr);
        let config = dir.path().join("haproxy.cfg");
        std::fs::write(&config, text).expect("write the config");
        let log = dir.path().join("haproxy.log");
        let child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("log"))
            .spawn()
            .expect("start haproxy");
        let mut haproxy = Self {
            child,
            addr,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            if let Ok(Some(status)) = haproxy.child.try_wait() {
                panic!("haproxy exited with {status}: {}", haproxy.stderr());
            }
            assert!(Instant::now() < deadline, "haproxy did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        haproxy
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.log.with_file_name("stderr.log")).unwrap_or_default()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Redis, three nodes, HAProxy in front.
struct Cluster {
    sb: Sandbox,
    fixture: PathBuf,
    redis: PrivateRedis,
    nodes: Vec<Peer>,
    haproxy: Haproxy,
}

impl Cluster {
    /// `None` after a loud SKIPPED when node, haproxy or redis-server is missing.
    fn start(test: &str) -> Option<Self> {
        let fixture = node_fixture(test)?;
        if !Command::new("haproxy")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            missing_peer(test, "`haproxy` is not on PATH (apt-get install haproxy)");
            return None;
        }
        let Some(redis) = PrivateRedis::start(0) else {
            missing_peer(test, "no redis-server binary");
            return None;
        };
        let sb = Sandbox::new();
        let nodes: Vec<Peer> = (0..3).map(|_| node(&sb, &redis)).collect();
        let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
        let haproxy = Haproxy::start(&addrs);
        Some(Self {
            sb,
            fixture,
            redis,
            nodes,
            haproxy,
        })
    }

    fn store(&self) -> String {
        format!("redis://{}/0", self.redis.addr)
    }

    /// The official client on `url` (HAProxy's or a node's).
    fn client(&self, url: &str, cookie: Option<&str>, args: &[&str]) -> Official {
        Official::start(&self.fixture, url, cookie, args)
    }

    /// The nodes (indices) whose logs show an accepted handshake of `cookie`'s session, once
    /// per handshake, in node order.
    fn nodes_of(&self, cookie: &str) -> Vec<usize> {
        let short: String = sid_of(cookie).chars().take(6).collect();
        let needle = "handshake accepted";
        self.nodes
            .iter()
            .enumerate()
            .flat_map(|(i, node)| {
                let log = node.stderr();
                let n = log
                    .lines()
                    .filter(|l| l.contains(needle) && l.contains(&format!("sid={short}")))
                    .count();
                std::iter::repeat_n(i, n)
            })
            .collect()
    }
}

/// One `serve --cluster` node on a free port, logging its handshakes (debug) so that a test can
/// tell which node a client reached.
fn node(sb: &Sandbox, redis: &PrivateRedis) -> Peer {
    let mut cmd = sb.std_cmd();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--secret", SECRET])
        .args(["--store", &format!("redis://{}/0", redis.addr)])
        .args(["--require-session", "--cluster", "--interval", "100ms"])
        .env("RUST_LOG", "sio_auth::serve::auth=debug");
    Peer::spawn(cmd)
}

/// `node client.js URL …` (the official socket.io-client), its JSON lines on a channel, each
/// with the moment it was read; killed on drop.
struct Official {
    child: Child,
    lines: mpsc::Receiver<(Instant, Value)>,
    seen: Vec<Value>,
}

impl Official {
    fn start(fixture: &Path, url: &str, cookie: Option<&str>, args: &[&str]) -> Self {
        let mut cmd = Command::new("node");
        cmd.arg(fixture.join("client.js"))
            .arg(url)
            .args(args)
            .current_dir(fixture)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(cookie) = cookie {
            cmd.args(["--cookie", cookie]);
        }
        let mut child = cmd.spawn().expect("node client.js");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(value) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send((Instant::now(), value));
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// A long-running client: ticks until killed, reporting `session_ended`.
    fn watching(fixture: &Path, url: &str, cookie: &str, transport: &str) -> Self {
        Self::start(
            fixture,
            url,
            Some(cookie),
            &[
                "--transport",
                transport,
                "--count",
                "1000000",
                "--timeout",
                "60000",
                "--on",
                "session_ended",
            ],
        )
    }

    /// The next line whose event is `event`, and when it came; the lines before it are kept
    /// in `seen`.
    fn wait_for(&mut self, event: &str, limit: Duration) -> Option<(Instant, Value)> {
        let deadline = Instant::now() + limit;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok((at, line)) if line["event"] == event => return Some((at, line)),
                Ok((_, line)) => self.seen.push(line),
                Err(_) => return None,
            }
        }
        None
    }

    /// Waits for a `data` event read after `since`, skipping those before it.
    fn data_after(&mut self, since: Instant, limit: Duration, what: &str) -> Instant {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (at, _) = self.expect("data", left, what);
            if at > since {
                return at;
            }
        }
    }

    /// Waits for `event`, failing the test with what came instead.
    fn expect(&mut self, event: &str, limit: Duration, what: &str) -> (Instant, Value) {
        self.wait_for(event, limit)
            .unwrap_or_else(|| panic!("{what}: no {event:?} within {limit:?}; got {:?}", self.seen))
    }

    /// The client's first answer: `Ok(())` once it ticked, `Err(message)` for a connect_error.
    fn verdict(&mut self, what: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok((_, line)) if line["event"] == "data" => return Ok(()),
                Ok((_, line)) if line["event"] == "connect_error" => {
                    return Err(line["message"].as_str().unwrap_or_default().to_owned());
                }
                Ok((_, line)) => self.seen.push(line),
                Err(_) => break,
            }
        }
        panic!("{what}: no verdict; got {:?}", self.seen)
    }
}

impl Drop for Official {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The verdicts of one-shot clients started together (each `(what, client)`).
fn verdicts(clients: Vec<(String, Official)>) -> Vec<(String, Result<(), String>)> {
    clients
        .into_iter()
        .map(|(what, mut client)| {
            let verdict = client.verdict(&what);
            (what, verdict)
        })
        .collect()
}

/// A one-shot client's arguments: one tick over `transport`.
fn once(transport: &str) -> [&str; 6] {
    [
        "--transport",
        transport,
        "--count",
        "1",
        "--timeout",
        "10000",
    ]
}

fn set_cookie(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .find(|pair| pair.starts_with(&format!("{name}=")))
}

/// The session cookie of a GET / on `addr` (a node or HAProxy).
fn page_cookie(addr: SocketAddr) -> String {
    let (status, headers, body) = http(addr, "GET", "/", &[]);
    assert_eq!(status, 200, "GET / on {addr}: {body}");
    set_cookie(&headers, "express.sid").expect("a session cookie")
}

/// The sid inside `express.sid=s%3A<sid>.<sig>`.
fn sid_of(cookie: &str) -> String {
    let value = cookie.split_once('=').map_or(cookie, |(_, v)| v);
    let signed = value.strip_prefix("s%3A").expect("an encoded signed value");
    signed.rsplit_once('.').unwrap().0.to_owned()
}

#[test]
fn haproxy_in_front_of_three_nodes_serves_every_transport_and_shares_sessions() {
    let test = "haproxy_in_front_of_three_nodes_serves_every_transport_and_shares_sessions";
    let Some(cluster) = Cluster::start(test) else {
        return;
    };
    let lb = cluster.haproxy.url();
    // A page through HAProxy, then ticks through HAProxy over each transport.
    let cookie = page_cookie(cluster.haproxy.addr);
    let mut clients: Vec<(String, Official)> = ["polling", "websocket", "default"]
        .into_iter()
        .map(|t| {
            let client = cluster.client(&lb, Some(&cookie), &once(t));
            (format!("{t} through HAProxy"), client)
        })
        .collect();
    // A session issued by node 1's page, on nodes 2 and 3 and through HAProxy.
    let node1 = page_cookie(cluster.nodes[0].addr);
    for (i, node) in cluster.nodes.iter().enumerate().skip(1) {
        let client = cluster.client(&node.url(), Some(&node1), &once("polling"));
        clients.push((format!("node 1's session on node {}", i + 1), client));
    }
    let client = cluster.client(&lb, Some(&node1), &once("polling"));
    clients.push(("node 1's session through HAProxy".to_owned(), client));
    // Without a cookie, over polling: the reason, not "xhr poll error" (the address fallback
    // keeps the client on one node).
    let cookieless = cluster.client(&lb, None, &once("polling"));
    for (what, verdict) in verdicts(clients) {
        assert_eq!(verdict, Ok(()), "{what}");
    }
    assert_eq!(
        verdicts(vec![("no cookie".to_owned(), cookieless)])[0].1,
        Err("No cookie transmitted.".to_owned())
    );
    // Node 1's session was accepted by nodes 2 and 3, and by one node behind HAProxy.
    let accepted = cluster.nodes_of(&node1);
    assert_eq!(accepted.len(), 3, "{accepted:?}");
    assert!(
        accepted.contains(&1) && accepted.contains(&2),
        "{accepted:?}"
    );
}

/// The README's configuration with the usual advice for stickiness instead of its own: round
/// robin, and HAProxy's own cookie (`cookie SERVERID insert indirect nocache`).
fn serverid_config(frontend: SocketAddr, nodes: &[SocketAddr]) -> String {
    let readme = haproxy_config(frontend, nodes);
    let mut config = String::new();
    for line in readme.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("http-request set-var(txn.sticky)")
            || trimmed.starts_with("hash-type")
        {
            continue;
        }
        if trimmed.starts_with("balance hash") {
            config
                .push_str("    balance roundrobin\n    cookie SERVERID insert indirect nocache\n");
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("server ") {
            let name = rest.split_whitespace().next().unwrap();
            config.push_str(&format!("{line} cookie {name}\n"));
            continue;
        }
        config.push_str(line);
        config.push('\n');
    }
    assert!(config.contains("cookie SERVERID") && config.matches(" cookie node").count() == 3);
    config
}

/// Why the README's configuration hashes the session cookie (regression guard for its reasoning:
/// if engine.io-client stops replacing the Cookie header, this fails and the README can change).
#[test]
fn haproxy_cookie_stickiness_fails_the_official_node_client() {
    let test = "haproxy_cookie_stickiness_fails_the_official_node_client";
    let Some(cluster) = Cluster::start(test) else {
        return;
    };
    let addrs: Vec<SocketAddr> = cluster.nodes.iter().map(|n| n.addr).collect();
    let serverid = Haproxy::start_with(|addr| serverid_config(addr, &addrs));
    let cookie = page_cookie(cluster.nodes[0].addr);
    fn with_credentials(transport: &str) -> Vec<&str> {
        let mut args = once(transport).to_vec();
        args.push("--with-credentials");
        args
    }
    let clients = vec![
        // The client returns no SERVERID: each polling request goes to the next node, where
        // the Engine.IO session does not exist.
        (
            "polling without credentials".to_owned(),
            cluster.client(&serverid.url(), Some(&cookie), &once("polling")),
        ),
        // With the jar, SERVERID comes back and replaces the session cookie: the node that
        // holds the session refuses a request whose cookie did not open it.
        (
            "polling with credentials".to_owned(),
            cluster.client(&serverid.url(), Some(&cookie), &with_credentials("polling")),
        ),
        // With the jar, a WebSocket carries the jar's cookies only: none yet.
        (
            "websocket with credentials".to_owned(),
            cluster.client(
                &serverid.url(),
                Some(&cookie),
                &with_credentials("websocket"),
            ),
        ),
        // The README's configuration, for the same client and cookie.
        (
            "polling through the README's configuration".to_owned(),
            cluster.client(&cluster.haproxy.url(), Some(&cookie), &once("polling")),
        ),
    ];
    let verdicts = verdicts(clients);
    for (what, verdict) in &verdicts[..2] {
        let message = verdict.as_ref().expect_err(what);
        assert!(
            message == "xhr poll error" || message == "xhr post error",
            "{what}: {message}"
        );
    }
    assert_eq!(verdicts[2].1, Err("No cookie transmitted.".to_owned()));
    assert_eq!(verdicts[3].1, Ok(()));
}

/// Sockets of one session on each node (directly) and through HAProxy, all ticking.
fn sockets_everywhere(cluster: &Cluster, cookie: &str) -> Vec<(String, Official)> {
    let mut clients: Vec<(String, Official)> = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let client = Official::watching(&cluster.fixture, &node.url(), cookie, "websocket");
            (format!("node {}", i + 1), client)
        })
        .collect();
    let client = Official::watching(&cluster.fixture, &cluster.haproxy.url(), cookie, "polling");
    clients.push(("polling through HAProxy".to_owned(), client));
    for (what, client) in &mut clients {
        client.expect("data", Duration::from_secs(15), what);
    }
    clients
}

/// Every socket gets `session_ended` ("Session revoked.") within 1 s of `before`, then the
/// server's disconnect; returns the latest delay.
fn all_cut(clients: &mut [(String, Official)], before: Instant, action: &str) -> Duration {
    let mut latest = Duration::ZERO;
    for (what, client) in clients.iter_mut() {
        let (at, ended) = client.expect("session_ended", Duration::from_secs(5), what);
        assert_eq!(ended["args"][0], "Session revoked.", "{action}: {what}");
        let late = at - before;
        assert!(
            late <= Duration::from_secs(1),
            "{action}: {what} cut {late:?} after it"
        );
        latest = latest.max(late);
        let (_, gone) = client.expect("disconnect", Duration::from_secs(5), what);
        assert_eq!(gone["reason"], "io server disconnect", "{action}: {what}");
    }
    latest
}

#[test]
fn ending_a_session_anywhere_cuts_its_sockets_on_every_node_within_1_s() {
    let test = "ending_a_session_anywhere_cuts_its_sockets_on_every_node_within_1_s";
    let Some(cluster) = Cluster::start(test) else {
        return;
    };
    let mut app = Command::new("node");
    app.arg(cluster.fixture.join("app.js"))
        .args(["0", SECRET])
        .current_dir(&cluster.fixture)
        .env("REDIS_URL", cluster.store());
    let app = Peer::spawn(app);

    // POST /logout on node 3, for a session from node 1's page.
    let cookie = page_cookie(cluster.nodes[0].addr);
    let mut clients = sockets_everywhere(&cluster, &cookie);
    let before = Instant::now();
    let (status, _, body) = http(
        cluster.nodes[2].addr,
        "POST",
        "/logout",
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""destroyed":true"#), "{body}");
    let logout = all_cut(&mut clients, before, "POST /logout on node 3");

    // sio-auth revoke, for a session from HAProxy's page (its process start counts).
    let cookie = page_cookie(cluster.haproxy.addr);
    let mut clients = sockets_everywhere(&cluster, &cookie);
    let before = Instant::now();
    let revoked = cluster.sb.stdout_ok(&[
        "revoke",
        &cookie,
        "--store",
        &cluster.store(),
        "--secret",
        SECRET,
    ]);
    assert_eq!(revoked, sid_of(&cookie));
    let revoke = all_cut(&mut clients, before, "sio-auth revoke");

    // The Express app (express-session + connect-redis): log in, then req.session.destroy().
    let (_, headers, _) = http(app.addr, "GET", "/", &[]);
    let cookie = set_cookie(&headers, "express.sid").expect("the app's cookie");
    let (status, _, body) = http(
        app.addr,
        "POST",
        "/login?user=ann&role=admin",
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200, "{body}");
    let mut clients = sockets_everywhere(&cluster, &cookie);
    let before = Instant::now();
    let (status, _, body) = http(app.addr, "POST", "/logout", &[("Cookie", &cookie)]);
    assert_eq!(status, 200, "{body}");
    let destroy = all_cut(&mut clients, before, "the Node app's destroy");

    // Every node refuses the destroyed session from now on.
    let again: Vec<(String, Official)> = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let client = cluster.client(&node.url(), Some(&cookie), &once("websocket"));
            (format!("node {}", i + 1), client)
        })
        .collect();
    for (what, verdict) in verdicts(again) {
        assert_eq!(verdict, Err("Session revoked.".to_owned()), "{what}");
    }
    eprintln!("cut on all nodes after: logout {logout:?}, revoke {revoke:?}, destroy {destroy:?}");
}

#[test]
fn a_node_killed_under_its_clients_hands_them_to_the_others() {
    let test = "a_node_killed_under_its_clients_hands_them_to_the_others";
    let Some(mut cluster) = Cluster::start(test) else {
        return;
    };
    let lb = cluster.haproxy.url();
    let cookie = page_cookie(cluster.haproxy.addr);
    let reconnecting = |transport: &str| {
        cluster.client(
            &lb,
            Some(&cookie),
            &[
                "--transport",
                transport,
                "--reconnect",
                "--count",
                "1000000",
                "--timeout",
                "60000",
            ],
        )
    };
    let mut clients = vec![
        ("default".to_owned(), reconnecting("default")),
        ("polling".to_owned(), reconnecting("polling")),
    ];
    for (what, client) in &mut clients {
        client.expect("data", Duration::from_secs(15), what);
    }
    // One session's requests all hash to one node.
    let holders = cluster.nodes_of(&cookie);
    assert_eq!(holders.len(), 2, "{holders:?}");
    assert_eq!(holders[0], holders[1], "{holders:?}");
    let victim = holders[0];

    let killed = Instant::now();
    cluster.nodes[victim].kill();
    let mut back = Duration::ZERO;
    for (what, client) in &mut clients {
        // A WebSocket sees its connection close; a long poll gets an error from HAProxy. Either
        // way a loss that socket.io-client retries, not a server disconnect.
        let (_, gone) = client.expect("disconnect", Duration::from_secs(5), what);
        assert!(
            ["transport close", "transport error"].contains(&gone["reason"].as_str().unwrap()),
            "{what}: {gone}"
        );
        client.expect("connect", Duration::from_secs(15), what);
        let (at, _) = client.expect("data", Duration::from_secs(5), what);
        back = back.max(at - killed);
    }
    // socket.io-client's first retry comes 0.5 to 1.5 s after the loss, HAProxy marks the node
    // down after two refused checks 500 ms apart and redispatches meanwhile.
    assert!(
        back < Duration::from_secs(5),
        "ticking again {back:?} after the kill"
    );
    let now = cluster.nodes_of(&cookie);
    assert_eq!(now.len(), 4, "{now:?}");
    let others: Vec<usize> = now.iter().copied().filter(|n| *n != victim).collect();
    assert_eq!(others.len(), 2, "both reconnected on another node: {now:?}");
    eprintln!("ticking again through HAProxy {back:?} after kill -9 of the node");
}

#[test]
fn a_redis_outage_fails_closed_on_every_node_and_heals_by_itself() {
    let test = "a_redis_outage_fails_closed_on_every_node_and_heals_by_itself";
    let Some(mut cluster) = Cluster::start(test) else {
        return;
    };
    let lb = cluster.haproxy.url();
    let cookie = page_cookie(cluster.haproxy.addr);
    let port = cluster.redis.addr.port();
    let mut live = Official::watching(&cluster.fixture, &lb, &cookie, "websocket");
    live.expect("data", Duration::from_secs(15), "the live socket");

    cluster.redis.stop();
    let stopped = Instant::now();
    let mut clients: Vec<(String, Official)> = cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let client = cluster.client(&node.url(), Some(&cookie), &once("websocket"));
            (format!("node {}", i + 1), client)
        })
        .collect();
    let client = cluster.client(&lb, Some(&cookie), &once("polling"));
    clients.push(("polling through HAProxy".to_owned(), client));
    for (what, verdict) in verdicts(clients) {
        assert_eq!(
            verdict,
            Err("Session store unavailable.".to_owned()),
            "{what}"
        );
    }
    for (i, node) in cluster.nodes.iter().enumerate() {
        let (status, _, body) = http(node.addr, "GET", "/", &[]);
        assert_eq!(
            (status, body.trim()),
            (503, "Session store unavailable."),
            "node {}",
            i + 1
        );
    }
    let refused = stopped.elapsed();
    // A live socket is not cut because the store is unreachable.
    live.data_after(
        Instant::now(),
        Duration::from_secs(2),
        "the live socket during the outage",
    );

    // Back on the same port (empty: no persistence); nobody restarts the nodes.
    cluster.redis = PrivateRedis::start(port).expect("redis-server restarts");
    let restarted = Instant::now();
    let mut fresh = Vec::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        let deadline = restarted + Duration::from_secs(10);
        loop {
            let (status, headers, _) = http(node.addr, "GET", "/", &[]);
            if status == 200 {
                fresh.push(set_cookie(&headers, "express.sid").expect("a new session"));
                break;
            }
            assert!(
                Instant::now() < deadline,
                "node {} still answers {status}",
                i + 1
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let healed = restarted.elapsed();
    let mut clients: Vec<(String, Official)> = cluster
        .nodes
        .iter()
        .zip(&fresh)
        .enumerate()
        .map(|(i, (node, cookie))| {
            let client = cluster.client(&node.url(), Some(cookie), &once("websocket"));
            (format!("node {}", i + 1), client)
        })
        .collect();
    let client = cluster.client(&lb, Some(&fresh[0]), &once("default"));
    clients.push(("default through HAProxy".to_owned(), client));
    let old = cluster.client(&lb, Some(&cookie), &once("websocket"));
    for (what, verdict) in verdicts(clients) {
        assert_eq!(verdict, Ok(()), "{what}");
    }
    assert_eq!(
        verdicts(vec![("the old session".to_owned(), old)])[0].1,
        Err("Session not found.".to_owned()),
        "the old session died with that Redis"
    );
    // The live socket's session was lost with that Redis: the sweep finds it gone and cuts it.
    let (at, ended) = live.expect("session_ended", Duration::from_secs(5), "the live socket");
    assert_eq!(ended["args"][0], "Session revoked.");
    eprintln!("the live socket cut {:?} after the restart", at - restarted);
    eprintln!(
        "refused on every node {refused:?} after the stop; every node back {healed:?} after the restart"
    );
}
