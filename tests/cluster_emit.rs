//! `sio-auth emit` and the rooms of `serve --cluster`: an event published once reaches a
//! session's sockets on every node, and nobody else; ticks never go through Redis. Each test has
//! a private redis-server (the nodes' pub/sub channels are server-wide, whatever the DB).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::store::PrivateRedis;
use crate::util::{Peer, Sandbox, free_port, in_ci, missing_peer};

const SECRET: &str = "cluster-emit-tests-secret-0c4d9a17e2b8";

fn private_redis(test: &str) -> Option<PrivateRedis> {
    let redis = PrivateRedis::start(0);
    if redis.is_none() {
        missing_peer(
            test,
            "no redis-server binary (apt-get install redis-server)",
        );
    }
    redis
}

fn store(redis: &PrivateRedis) -> String {
    format!("redis://{}/0", redis.addr)
}

fn node(sb: &Sandbox, redis: &PrivateRedis, cluster: &str) -> Peer {
    let mut cmd = sb.std_cmd();
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--secret", SECRET])
        .args(["--store", &store(redis), &format!("--cluster={cluster}")])
        .args(["--namespace", "/admin", "--interval", "100ms"]);
    Peer::spawn(cmd)
}

/// A `sio-auth connect` printing the events it is told to, as JSON lines.
struct Listener {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Listener {
    /// Connected (its "connected to" line seen) when this returns.
    fn start(sb: &Sandbox, url: &str, cookie: &str, ns: &str, events: &[&str]) -> Self {
        let mut cmd = sb.std_cmd();
        cmd.args([
            "connect",
            url,
            "--namespace",
            ns,
            "--cookie",
            cookie,
            "--json",
        ])
        .args(["--timeout", "20s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        for event in events {
            cmd.args(["--event", event]);
        }
        let mut child = cmd.spawn().expect("connect starts");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line).expect("a JSON line");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let mut line = String::new();
        stderr.read_line(&mut line).expect("stderr");
        assert!(line.contains("connected to"), "connect said {line:?}");
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        });
        Self { child, lines }
    }

    fn next(&self, what: &str) -> Value {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("{what}: no event within 10 s"))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `sio-auth emit ARGS`; returns (exit code, stderr).
fn emit(sb: &Sandbox, args: &[&str]) -> (Option<i32>, String) {
    let out = sb
        .cmd()
        .arg("emit")
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .expect("emit runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cookie_for(sb: &Sandbox, redis: &PrivateRedis) -> (String, String) {
    let cookie = sb.stdout_ok(&["sign", "--secret", SECRET, "--store", &store(redis)]);
    let sid = sb.stdout_ok(&["verify", "--secret", SECRET, &cookie]);
    (cookie, sid)
}

#[test]
fn emit_reaches_a_sessions_sockets_on_every_node_and_nobody_else() {
    let test = "cluster_emit::emit_reaches_a_sessions_sockets_on_every_node_and_nobody_else";
    let Some(redis) = private_redis(test) else {
        return;
    };
    let sb = Sandbox::new();
    let nodes = [node(&sb, &redis, "t1"), node(&sb, &redis, "t1")];
    let (alice, alice_sid) = cookie_for(&sb, &redis);
    let (bob, _) = cookie_for(&sb, &redis);
    let events = ["hello", "bye", "admin-only"];
    // Alice on both nodes, Bob on the second; Bob also on /admin.
    let alice_1 = Listener::start(&sb, &nodes[0].url(), &alice, "/", &events);
    let alice_2 = Listener::start(&sb, &nodes[1].url(), &alice, "/", &events);
    let bob_2 = Listener::start(&sb, &nodes[1].url(), &bob, "/", &events);
    let bob_admin = Listener::start(&sb, &nodes[1].url(), &bob, "/admin", &events);
    let store = store(&redis);
    let base = ["--store", store.as_str(), "--cluster", "t1"];

    // Another cluster on the same Redis hears nothing of it, and says so.
    let (code, said) = emit(
        &sb,
        &[
            "--store",
            &store,
            "--cluster",
            "t2",
            "--to",
            "all",
            "hello",
            "1",
        ],
    );
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("no node is listening"), "{said}");

    // /admin only.
    let (code, said) = emit(
        &sb,
        &[
            &base[..],
            &["--namespace", "/admin", "--to", "all", "admin-only"],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{said}");
    // Alice's session, on both nodes, with several arguments, unicode and nesting.
    let (code, said) = emit(
        &sb,
        &[
            &base[..],
            &[
                "--to",
                &format!("session:{alice_sid}"),
                "hello",
                r#"["wörld ✓",{"n":[1,{"deep":null}]}]"#,
            ],
        ]
        .concat(),
    );
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("(2 nodes listening)"), "{said}");
    // Everyone on /, no arguments.
    let (code, said) = emit(&sb, &[&base[..], &["--to", "all", "bye"]].concat());
    assert_eq!(code, Some(0), "{said}");

    for (who, listener) in [("alice on node 1", &alice_1), ("alice on node 2", &alice_2)] {
        let hello = listener.next(who);
        assert_eq!(hello["event"], "hello", "{who}: {hello}");
        assert_eq!(
            hello["args"],
            serde_json::json!(["wörld ✓", {"n": [1, {"deep": null}]}]),
            "{who}"
        );
        let bye = listener.next(who);
        assert_eq!(
            (bye["event"].as_str(), &bye["args"]),
            (Some("bye"), &serde_json::json!([])),
            "{who}: {bye}"
        );
    }
    // Bob got neither the other cluster's, nor /admin's, nor Alice's event on /.
    let first = bob_2.next("bob on /");
    assert_eq!(first["event"], "bye", "bob on / got {first}");
    let first = bob_admin.next("bob on /admin");
    assert_eq!(first["event"], "admin-only", "bob on /admin got {first}");
    // A `--to all` on / does not reach /admin.
    assert!(
        bob_admin
            .lines
            .recv_timeout(Duration::from_millis(300))
            .is_err(),
        "/admin got an event of /"
    );
}

/// Reads a Redis reply stream for `wait`, counting pub/sub messages.
fn count_published(stream: &mut TcpStream, wait: Duration) -> usize {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&seen).matches("pmessage").count()
}

#[test]
fn ticks_stay_on_their_node_and_never_cross_redis() {
    let test = "cluster_emit::ticks_stay_on_their_node_and_never_cross_redis";
    let Some(redis) = private_redis(test) else {
        return;
    };
    let sb = Sandbox::new();
    let node = node(&sb, &redis, "ticks");
    let (cookie, _) = cookie_for(&sb, &redis);
    let ticking = Listener::start(&sb, &node.url(), &cookie, "/", &["data"]);
    let mut watch = TcpStream::connect(redis.addr).expect("redis");
    watch
        .write_all(b"*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n")
        .expect("psubscribe");
    // Ten ticks every 100 ms: all delivered, none published.
    for i in 0..10 {
        let tick = ticking.next("tick");
        assert_eq!(tick["event"], "data", "tick {i}: {tick}");
    }
    assert_eq!(
        count_published(&mut watch, Duration::from_millis(300)),
        0,
        "ticks went through Redis"
    );
    // What does cross Redis is seen by the same watch (the check above can fail).
    let (code, said) = emit(
        &sb,
        &[
            "--store",
            &store(&redis),
            "--cluster",
            "ticks",
            "--to",
            "all",
            "x",
        ],
    );
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(count_published(&mut watch, Duration::from_millis(500)), 1);
}

#[test]
fn emit_and_cluster_refuse_bad_input_with_one_line_and_the_right_code() {
    let sb = Sandbox::new();
    let closed = format!("redis://:hunter2@127.0.0.1:{}/0", free_port());
    let usage: &[(&[&str], &str)] = &[
        (&["--to", "all", "ev", "[1,"], "ARGS of \"ev\" is not JSON"),
        (&["--to", "everyone", "ev"], "expected session:SID or all"),
        (&["--to", "session:", "ev"], "needs a session id"),
        (&["--to", "express.sid=s%3Aa.b", "ev"], "not a cookie"),
        (&["--to", "all", "disconnect"], "reserved by Socket.IO"),
        (&["--to", "all", "--namespace", "/a#b", "ev"], "has no '#'"),
        (
            &["--to", "all", "--cluster", "socket.io", "ev"],
            "Node's redis adapter",
        ),
        (
            &["--to", "all", "--cluster", "a b", "ev"],
            "a cluster name is",
        ),
    ];
    for (args, expected) in usage {
        let (code, said) = emit(&sb, &[&["--store", closed.as_str()][..], args].concat());
        assert_eq!(code, Some(2), "{args:?}: {said}");
        assert!(said.contains(expected), "{args:?}: {said}");
        assert!(
            !said.contains("hunter2"),
            "{args:?} shows the password: {said}"
        );
    }
    let (code, said) = emit(&sb, &["--store", "memory", "--to", "all", "ev"]);
    assert_eq!(code, Some(2), "{said}");
    // Unreachable: exit 3 at once, one line, no password.
    let start = Instant::now();
    let (code, said) = emit(&sb, &["--store", &closed, "--to", "all", "ev", "[1]"]);
    assert_eq!(code, Some(3), "{said}");
    assert!(said.contains("cannot reach the cluster's store"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
    assert_eq!(said.trim_end().lines().count(), 1, "{said}");
    if !in_ci() {
        // Informative only: the machine may be loaded.
        eprintln!("emit to a closed port gave up after {:?}", start.elapsed());
    }
    // serve --cluster needs a shared store, and one that answers.
    let serve_fails = |extra: &[&str]| {
        let out = sb
            .cmd()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--secret",
                SECRET,
                "--cluster",
            ])
            .args(extra)
            .timeout(Duration::from_secs(20))
            .output()
            .expect("serve runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, said) = serve_fails(&[]);
    assert_eq!(code, Some(2), "{said}");
    assert!(
        said.contains("--cluster needs the sessions in Redis"),
        "{said}"
    );
    let (code, said) = serve_fails(&["--store", &closed]);
    assert_eq!(code, Some(3), "{said}");
    assert!(said.contains("cannot join the cluster"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
}

/// socketioxide-redis's own driver keeps one connection and never re-subscribes: after a Redis
/// restart a node would never hear the cluster again. Ours reconnects and subscribes again by
/// itself, and the sockets it holds meanwhile (a WebSocket needs no Redis) get the next emit.
#[test]
fn a_node_hears_the_cluster_again_after_a_redis_restart() {
    let test = "cluster_emit::a_node_hears_the_cluster_again_after_a_redis_restart";
    let Some(mut redis) = private_redis(test) else {
        return;
    };
    let sb = Sandbox::new();
    let node = node(&sb, &redis, "heal");
    let cookie = sb.stdout_ok(&["sign", "--secret", SECRET]);
    let listener = Listener::start(&sb, &node.url(), &cookie, "/", &["news"]);
    let store = store(&redis);
    let news = |n: &str| {
        emit(
            &sb,
            &[
                "--store",
                &store,
                "--cluster",
                "heal",
                "--to",
                "all",
                "news",
                n,
            ],
        )
    };
    let (code, said) = news("1");
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(
        listener.next("before the restart")["args"],
        serde_json::json!([1])
    );

    let port = redis.addr.port();
    redis.stop();
    let mut redis = PrivateRedis::start(port).expect("redis-server restarts on its port");
    let restarted = Instant::now();
    // The node is back once it listens again (the count emit reports).
    loop {
        let (code, said) = news("2");
        if code == Some(0) && said.contains("(1 node listening)") {
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(10),
            "the node did not subscribe again within 10 s: {said}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "the node listened again {:?} after Redis answered",
        restarted.elapsed()
    );
    assert_eq!(
        listener.next("after the restart")["args"],
        serde_json::json!([2])
    );
    redis.stop();
}
