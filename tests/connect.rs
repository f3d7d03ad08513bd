//! `sio-auth connect` against real peers: the real `sio-auth serve` and the Node reference server
//! (tests/node/io-server.js: express-session + socket.io 4.8), each over every transport; a TCP
//! listener that never answers, a web server without Socket.IO, and a port with nothing behind it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::TcpListener;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use predicates::prelude::*;

use crate::util::{
    Peer, Sandbox, free_port, node_io_server, scripted_send, scripted_socket_io, scripted_text,
    serve, serve_on,
};

const SECRET: &str = "connect-tests-secret-0123456789abcdef";
/// Upper bound for any one run, so a regression hangs no test.
const RUN_LIMIT: Duration = Duration::from_secs(30);
/// `--transport` values; `auto` is the default.
const TRANSPORTS: [&str; 3] = ["polling", "websocket", "auto"];
/// A refusal is answered at once: far less than one reconnection backoff (≥ 0.5 s) plus the
/// process start under a loaded CI machine, and far less than the 10 s `--timeout`.
const AT_ONCE: Duration = Duration::from_secs(3);

/// A server under test.
struct Server {
    name: &'static str,
    peer: Peer,
}

impl Server {
    fn url(&self) -> String {
        self.peer.url()
    }
}

/// `sio-auth serve` ticking every 50 ms.
fn sio_serve(sb: &Sandbox) -> Peer {
    serve(sb, &["--secret", SECRET, "--interval", "50ms"])
}

/// The Node reference server ticking every 50 ms, plus `env`.
fn node_serve(test: &str, port: u16, env: &[(&str, &str)]) -> Option<Peer> {
    let mut all = vec![("INTERVAL", "50")];
    all.extend_from_slice(env);
    node_io_server(test, port, &[SECRET], &all)
}

/// Every server a matrix test runs against: `sio-auth serve`, and the Node reference server
/// unless node is missing (a loud SKIPPED; a failure under CI=true).
fn servers(sb: &Sandbox, test: &str) -> Vec<Server> {
    let mut servers = vec![Server {
        name: "sio-auth serve",
        peer: sio_serve(sb),
    }];
    if let Some(peer) = node_serve(test, 0, &[]) {
        servers.push(Server {
            name: "node io-server.js",
            peer,
        });
    }
    servers
}

fn sio_auth(sb: &Sandbox) -> assert_cmd::Command {
    let mut cmd = sb.cmd();
    cmd.timeout(RUN_LIMIT);
    cmd
}

/// `sio-auth connect URL ARGS… --timeout 10s`.
fn connect(sb: &Sandbox, url: &str, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = sio_auth(sb);
    cmd.arg("connect")
        .arg(url)
        .args(args)
        .args(["--timeout", "10s"]);
    cmd
}

/// `connect` over `transport`, run to the end.
fn run(sb: &Sandbox, url: &str, transport: &str, args: &[&str]) -> Output {
    connect(sb, url, args)
        .args(["--transport", transport])
        .output()
        .expect("run connect")
}

fn signed_cookie(sb: &Sandbox, format: &str) -> String {
    sb.stdout_ok(&["sign", "--secret", SECRET, "--format", format])
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn epoch_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    u64::try_from(since.as_millis()).expect("fits")
}

fn assert_ticks(lines: &[String], n: usize, case: &str) {
    assert_eq!(lines.len(), n, "{case}: {lines:?}");
    for line in lines {
        let tick: u64 = line
            .parse()
            .unwrap_or_else(|_| panic!("{case}: not a tick: {line:?}"));
        assert!(
            tick > 1_600_000_000_000,
            "{case}: not an epoch-ms tick: {tick}"
        );
    }
}

#[test]
fn ticks_with_a_signed_cookie_over_every_transport() {
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    for server in servers(&sb, "ticks_with_a_signed_cookie_over_every_transport") {
        for transport in TRANSPORTS {
            let case = format!("{} over {transport}", server.name);
            let output = run(
                &sb,
                &server.url(),
                transport,
                &["--cookie", &cookie, "--count", "3"],
            );
            assert_eq!(output.status.code(), Some(0), "{case}: {output:?}");
            assert_ticks(&stdout_lines(&output), 3, &case);
            let stderr = stderr_of(&output);
            assert!(stderr.contains("connected to"), "{case}: {stderr}");
            assert!(
                !stderr.contains(&cookie),
                "{case}: the cookie leaked to stderr: {stderr}"
            );
            // Both servers speak WebSocket: auto never needs its fallback.
            assert!(!stderr.contains("falling back"), "{case}: {stderr}");
        }
    }
}

#[test]
fn every_cookie_form_is_accepted() {
    let sb = Sandbox::new();
    let pair = signed_cookie(&sb, "pair");
    let forms = [
        pair.clone(),
        format!("theme=dark; {pair}"),
        signed_cookie(&sb, "value"),
        // A raw `s:<sid>.<sig>` value must be percent-encoded before it is sent.
        signed_cookie(&sb, "raw"),
    ];
    for server in servers(&sb, "every_cookie_form_is_accepted") {
        for cookie in &forms {
            connect(&sb, &server.url(), &["--cookie", cookie, "--count", "1"])
                .assert()
                .code(0)
                .stdout(predicate::str::is_match(r"^\d{13}\n$").expect("regex"));
        }
    }
}

#[test]
fn cookie_file_with_a_trailing_newline() {
    let sb = Sandbox::new();
    let file = sb.write("cookie", format!("{}\n", signed_cookie(&sb, "pair")));
    let file = file.to_str().expect("utf-8");
    for server in servers(&sb, "cookie_file_with_a_trailing_newline") {
        for transport in TRANSPORTS {
            let case = format!("{} over {transport}", server.name);
            let output = run(
                &sb,
                &server.url(),
                transport,
                &["--cookie-file", file, "--count", "2"],
            );
            assert_eq!(output.status.code(), Some(0), "{case}: {output:?}");
            assert_ticks(&stdout_lines(&output), 2, &case);
        }
    }
}

#[test]
fn missing_cookie_file_is_a_usage_error() {
    let sb = Sandbox::new();
    // Fails before any network traffic: nothing listens on port 9.
    sio_auth(&sb)
        .args([
            "connect",
            "http://127.0.0.1:9",
            "--cookie-file",
            "/nonexistent/cookie",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the cookie file"));
}

#[test]
fn a_cookie_with_a_newline_is_refused_without_echoing_it() {
    let sb = Sandbox::new();
    sio_auth(&sb)
        .args([
            "connect",
            "http://127.0.0.1:9",
            "--cookie",
            "supersecretvalue\r\nX-Injected: 1",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("control character"))
        .stderr(predicate::str::contains("supersecretvalue").not());
}

#[test]
fn login_uses_the_session_cookie_the_page_sets() {
    let sb = Sandbox::new();
    for server in servers(&sb, "login_uses_the_session_cookie_the_page_sets") {
        for transport in TRANSPORTS {
            let case = format!("{} over {transport}", server.name);
            let output = run(&sb, &server.url(), transport, &["--login", "--count", "2"]);
            assert_eq!(output.status.code(), Some(0), "{case}: {output:?}");
            assert_ticks(&stdout_lines(&output), 2, &case);
            let stderr = stderr_of(&output);
            assert!(
                stderr.contains("logged in: GET") && stderr.contains("set express.sid"),
                "{case}: {stderr}"
            );
        }
    }
}

#[test]
fn login_without_the_named_cookie_exits_1() {
    let sb = Sandbox::new();
    for server in servers(&sb, "login_without_the_named_cookie_exits_1") {
        connect(
            &sb,
            &server.url(),
            &["--login", "--cookie-name", "other.sid", "--count", "1"],
        )
        .assert()
        .code(1)
        .stdout("")
        // A negative answer, printed as a refusal rather than as an error of the tool.
        .stderr(predicate::str::contains("sio-auth: refused: login: GET"))
        .stderr(predicate::str::contains(
            "set no other.sid cookie (only express.sid)",
        ))
        .stderr(predicate::str::contains("error:").not());
    }
}

/// Runs a connect that the server must refuse with `reason`: exit 1, the reason on stderr, no
/// output, at once, over every transport.
fn assert_refused(sb: &Sandbox, server: &Server, args: &[&str], reason: &str) {
    for transport in TRANSPORTS {
        let case = format!("{} over {transport}", server.name);
        let start = Instant::now();
        let output = run(sb, &server.url(), transport, args);
        let took = start.elapsed();
        assert_eq!(output.status.code(), Some(1), "{case}: {output:?}");
        assert!(output.stdout.is_empty(), "{case}: {output:?}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains(&format!("sio-auth: refused: {reason}\n")),
            "{case}: {stderr}"
        );
        assert!(!stderr.contains("falling back"), "{case}: {stderr}");
        assert!(took < AT_ONCE, "{case}: took {took:?}");
    }
}

#[test]
fn no_cookie_is_refused_with_the_servers_reason() {
    let sb = Sandbox::new();
    for server in servers(&sb, "no_cookie_is_refused_with_the_servers_reason") {
        assert_refused(&sb, &server, &["--count", "1"], "No cookie transmitted.");
    }
}

#[test]
fn a_forged_cookie_is_refused_with_the_servers_reason() {
    let sb = Sandbox::new();
    let other = sio_auth(&sb)
        .args(["sign", "--secret", "another-secret-another-secret-0123"])
        .output()
        .expect("sign");
    let forged = String::from_utf8(other.stdout).expect("utf-8");
    for server in servers(&sb, "a_forged_cookie_is_refused_with_the_servers_reason") {
        assert_refused(
            &sb,
            &server,
            &["--cookie", forged.trim(), "--count", "1"],
            "Cookie is invalid.",
        );
    }
}

#[test]
fn an_unknown_namespace_is_a_refusal() {
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    for server in servers(&sb, "an_unknown_namespace_is_a_refusal") {
        assert_refused(
            &sb,
            &server,
            &["--cookie", &cookie, "--namespace", "/nope", "--count", "1"],
            "Invalid namespace",
        );
    }
}

#[test]
fn json_prints_one_object_per_event() {
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    for server in servers(&sb, "json_prints_one_object_per_event") {
        for transport in TRANSPORTS {
            let case = format!("{} over {transport}", server.name);
            let before = epoch_ms();
            let output = run(
                &sb,
                &server.url(),
                transport,
                &["--cookie", &cookie, "--json", "--count", "2"],
            );
            let after = epoch_ms();
            assert_eq!(output.status.code(), Some(0), "{case}: {output:?}");
            let lines = stdout_lines(&output);
            assert_eq!(lines.len(), 2, "{case}: {lines:?}");
            for line in &lines {
                let object: serde_json::Value =
                    serde_json::from_str(line).expect("one JSON object per line");
                let keys: Vec<&str> = object
                    .as_object()
                    .expect("an object")
                    .keys()
                    .map(String::as_str)
                    .collect();
                assert_eq!(keys.len(), 3, "{case}: {line}");
                assert_eq!(object["event"], "data", "{case}: {line}");
                let args = object["args"].as_array().expect("args array");
                assert_eq!(args.len(), 1, "{case}: {line}");
                let tick = args[0].as_u64().expect("tick");
                let received = object["received_at"].as_u64().expect("received_at");
                // Received during the run, by this machine's clock, and after the server sent it.
                assert!(
                    (before..=after).contains(&received),
                    "{case}: {line} not in {before}..={after}"
                );
                assert!((tick..tick + 1000).contains(&received), "{case}: {line}");
            }
        }
    }
}

#[test]
fn star_prints_every_event_from_sio_auth_serve() {
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    let server = serve(
        &sb,
        &["--secret", SECRET, "--interval", "50ms", "--event", "tick"],
    );
    for transport in TRANSPORTS {
        let output = run(
            &sb,
            &server.url(),
            transport,
            &[
                "--cookie", &cookie, "--event", "*", "--json", "--count", "2",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{transport}: {output:?}");
        for line in stdout_lines(&output) {
            let event: serde_json::Value = serde_json::from_str(&line).expect("json");
            assert_eq!(event["event"], "tick", "{transport}: {line}");
        }
        // The default `--event data` prints none of them.
        let output = sio_auth(&sb)
            .args(["connect", &server.url(), "--cookie", &cookie])
            .args(["--transport", transport, "--timeout", "1s"])
            .output()
            .expect("run connect");
        assert_eq!(output.status.code(), Some(4), "{transport}: {output:?}");
        assert!(output.stdout.is_empty(), "{transport}: {output:?}");
        assert!(
            stderr_of(&output).contains("no event within 1s"),
            "{transport}: {output:?}"
        );
    }
}

#[test]
fn star_prints_every_event_from_node_and_names_pick_some() {
    let test = "star_prints_every_event_from_node_and_names_pick_some";
    let Some(server) = node_serve(test, 0, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    for transport in TRANSPORTS {
        let output = run(
            &sb,
            &server.url(),
            transport,
            &[
                "--cookie", &cookie, "--event", "*", "--json", "--count", "3",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{transport}: {output:?}");
        let events: Vec<serde_json::Value> = stdout_lines(&output)
            .iter()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(events.len(), 3, "{transport}: {events:?}");
        assert_eq!(events[0]["event"], "hello", "{transport}");
        assert_eq!(
            events[0]["args"],
            serde_json::json!(["world", 2]),
            "{transport}"
        );
        assert_eq!(events[1]["event"], "data", "{transport}");
        assert_eq!(events[2]["event"], "data", "{transport}");

        // Several arguments print as one JSON array.
        connect(
            &sb,
            &server.url(),
            &["--cookie", &cookie, "--event", "hello", "--count", "1"],
        )
        .args(["--transport", transport])
        .assert()
        .code(0)
        .stdout("[\"world\",2]\n");
    }
}

#[test]
fn auto_falls_back_to_polling_when_websocket_fails() {
    // A server (or a proxy) without WebSocket: the upgrade request gets an HTTP 400.
    let test = "auto_falls_back_to_polling_when_websocket_fails";
    let Some(server) = node_serve(test, 0, &[("TRANSPORTS", "polling")]) else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    let output = run(
        &sb,
        &server.url(),
        "auto",
        &["--cookie", &cookie, "--count", "2"],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_ticks(&stdout_lines(&output), 2, "auto");
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("sio-auth: WebSocket failed (") && stderr.contains("400 Bad Request"),
        "{stderr}"
    );
    assert!(stderr.contains("falling back to polling"), "{stderr}");

    // The refusal still comes through the fallback, at once.
    let start = Instant::now();
    let output = run(&sb, &server.url(), "auto", &["--count", "1"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr_of(&output).contains("sio-auth: refused: No cookie transmitted.\n"),
        "{output:?}"
    );
    assert!(start.elapsed() < AT_ONCE, "{:?}", start.elapsed());

    // `--transport websocket` means it: no fallback.
    let output = run(
        &sb,
        &server.url(),
        "websocket",
        &["--cookie", &cookie, "--count", "1"],
    );
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    assert!(stderr_of(&output).contains("400 Bad Request"), "{output:?}");
}

#[test]
fn a_silent_server_times_out_with_exit_4() {
    let sb = Sandbox::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // Accept connections (the kernel does, via the backlog) and never answer.
    let start = Instant::now();
    sio_auth(&sb)
        .args(["connect", &url, "--timeout", "1s"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "did not answer the handshake within 1s",
        ));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    drop(listener);
}

#[test]
fn nothing_listening_exits_3_quickly() {
    let sb = Sandbox::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    for transport in TRANSPORTS {
        let start = Instant::now();
        let output = sio_auth(&sb)
            .args(["connect", &url, "--transport", transport])
            .output()
            .expect("run connect");
        assert_eq!(output.status.code(), Some(3), "{transport}: {output:?}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains("cannot connect to") && stderr.contains("Connection refused"),
            "{transport}: {stderr}"
        );
        // Polling would fail the same way: no fallback.
        assert!(!stderr.contains("falling back"), "{transport}: {stderr}");
        assert!(
            start.elapsed() < AT_ONCE,
            "{transport}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn a_web_server_without_socket_io_exits_3_with_a_hint() {
    use std::io::Write as _;
    let sb = Sandbox::new();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = "<h1>Not Found</h1>";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    sio_auth(&sb)
        .args(["connect", &url, "--timeout", "5s", "--transport", "polling"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is it a Socket.IO v4 server?"));
    // The default tries WebSocket (a 404 on the upgrade), then polling, which gives the hint.
    sio_auth(&sb)
        .args(["connect", &url, "--timeout", "5s"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("falling back to polling"))
        .stderr(predicate::str::contains("is it a Socket.IO v4 server?"));
}

#[test]
fn an_invalid_url_is_a_usage_error() {
    let sb = Sandbox::new();
    for url in [
        "not a url",
        "ftp://127.0.0.1/",
        "http://",
        "mailto:x@example.com",
    ] {
        sio_auth(&sb).args(["connect", url]).assert().code(2);
    }
}

/// Starts `sio-auth connect` streaming, and waits for its first `n` ticks.
fn stream_ticks(
    sb: &Sandbox,
    url: &str,
    args: &[&str],
    n: usize,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut child = sb
        .std_cmd()
        .arg("connect")
        .arg(url)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn connect");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for _ in 0..n {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a tick");
        assert!(line.trim().parse::<u64>().is_ok(), "{args:?}: {line:?}");
    }
    (child, stdout)
}

#[test]
fn a_server_killed_mid_stream_is_reported_with_exit_3() {
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    for transport in TRANSPORTS {
        let mut servers = servers(&sb, "a_server_killed_mid_stream_is_reported_with_exit_3");
        for server in &mut servers {
            let case = format!("{} over {transport}", server.name);
            let (child, _stdout) = stream_ticks(
                &sb,
                &server.url(),
                &["--cookie", &cookie, "--transport", transport],
                1,
            );
            server.peer.kill();
            let start = Instant::now();
            let output = child.wait_with_output().expect("wait");
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{case}: {:?}",
                start.elapsed()
            );
            assert_eq!(output.status.code(), Some(3), "{case}: {output:?}");
            let stderr = stderr_of(&output);
            assert!(stderr.contains("the server went away"), "{case}: {stderr}");
        }
    }
}

#[test]
fn a_server_side_disconnect_is_reported_with_exit_3() {
    let test = "a_server_side_disconnect_is_reported_with_exit_3";
    let Some(server) = node_serve(test, 0, &[("INTERVAL", "30"), ("KICK_AFTER", "2")]) else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = signed_cookie(&sb, "pair");
    for transport in TRANSPORTS {
        let output = run(
            &sb,
            &server.url(),
            transport,
            &["--cookie", &cookie, "--reconnect"],
        );
        assert_eq!(output.status.code(), Some(3), "{transport}: {output:?}");
        assert_ticks(&stdout_lines(&output), 2, transport);
        // A deliberate disconnect is not retried, even with --reconnect.
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains("the server disconnected us from namespace /"),
            "{transport}: {stderr}"
        );
        assert!(!stderr.contains("reconnecting"), "{transport}: {stderr}");
    }
}

#[test]
fn reconnect_survives_a_restart_of_sio_auth_serve() {
    let sb = Sandbox::new();
    let port = free_port();
    let start = || serve_on(&sb, port, &["--secret", SECRET, "--interval", "50ms"]);
    let mut server = start();
    assert_reconnects(&sb, &mut server, start);
}

#[test]
fn reconnect_survives_a_restart_of_the_node_server() {
    let test = "reconnect_survives_a_restart_of_the_node_server";
    let port = free_port();
    let Some(mut server) = node_serve(test, port, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    assert_reconnects(&sb, &mut server, || {
        node_serve(test, port, &[]).expect("restart on the same port")
    });
}

/// Kills `server` after 3 ticks, restarts it on the same port, and expects `connect
/// --reconnect --count 6` to print the other 3 from the new one.
fn assert_reconnects(sb: &Sandbox, server: &mut Peer, restart: impl FnOnce() -> Peer) {
    let cookie = signed_cookie(sb, "pair");
    let (child, mut stdout) = stream_ticks(
        sb,
        &server.url(),
        &[
            "--cookie",
            &cookie,
            "--reconnect",
            "--count",
            "6",
            "--timeout",
            "15s",
        ],
        3,
    );
    server.kill();
    let _restarted = restart();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("rest of stdout");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_ticks(
        &rest.lines().map(str::to_owned).collect::<Vec<_>>(),
        3,
        "after the restart",
    );
    let stderr = stderr_of(&output);
    assert!(stderr.contains("reconnecting in"), "{stderr}");
    assert_eq!(stderr.matches("connected to").count(), 2, "{stderr}");
}

#[test]
fn extra_headers_reach_the_handshake_on_every_transport() {
    let sb = Sandbox::new();
    let server = sio_serve(&sb);
    let cookie = signed_cookie(&sb, "pair");
    for transport in TRANSPORTS {
        // A Cookie given as a header authenticates like --cookie.
        let out = run(
            &sb,
            &server.url(),
            transport,
            &["--header", &format!("Cookie: {cookie}"), "--count", "1"],
        );
        assert_eq!(out.status.code(), Some(0), "{transport}: {out:?}");
        // An Origin header reaches the server's Origin check (a foreign origin is refused).
        let out = run(
            &sb,
            &server.url(),
            transport,
            &[
                "--cookie",
                &cookie,
                "--header",
                "Origin: http://evil.example",
                "--count",
                "1",
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{transport}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("sio-auth: refused: Origin not allowed."),
            "{transport}: {out:?}"
        );
    }
    for bad in ["no colon", "Bad Name: x", "X-Ok: a\u{7}b"] {
        connect(&sb, &server.url(), &["--header", bad])
            .assert()
            .code(2);
    }
}

/// The server ending our session (here a `POST /logout`, which makes `sio-auth serve` send
/// `session_ended` and disconnect) is not a network failure: exit 6 at once, with the server's
/// reason, never a reconnection (regression: it exited 3 like a broken connection).
#[test]
fn a_session_the_server_ends_exits_6() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "50ms",
            "--require-session",
        ],
    );
    for (transport, extra) in [
        ("websocket", &[][..]),
        ("polling", &[][..]),
        ("auto", &["--reconnect"][..]),
    ] {
        let case = format!("{transport} {extra:?}");
        let (status, headers, body) = crate::util::http(server.addr, "GET", "/", &[]);
        assert_eq!(status, 200, "{case}: {body}");
        let cookie = headers
            .iter()
            .find(|(name, _)| name == "set-cookie")
            .and_then(|(_, value)| value.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let mut child = sb
            .std_cmd()
            .args(["connect", &server.url(), "--cookie", &cookie])
            .args(["--transport", transport, "--timeout", "10s"])
            .args(["--event", "data", "--event", "session_ended"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn connect");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut tick = String::new();
        stdout.read_line(&mut tick).expect("a tick");
        assert_ticks(&[tick.trim_end().to_owned()], 1, &case);
        let (status, _, body) =
            crate::util::http(server.addr, "POST", "/logout", &[("Cookie", &cookie)]);
        assert_eq!(status, 200, "{case}: {body}");
        let started = Instant::now();
        let mut rest = String::new();
        stdout
            .read_to_string(&mut rest)
            .expect("the rest of stdout");
        let output = child.wait_with_output().expect("wait");
        assert!(
            started.elapsed() < AT_ONCE,
            "{case}: {:?}",
            started.elapsed()
        );
        assert_eq!(output.status.code(), Some(6), "{case}: {output:?}");
        // The event itself was asked for, so it is printed like any other.
        assert_eq!(
            rest.lines().last(),
            Some("Session revoked."),
            "{case}: {rest:?}"
        );
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains("sio-auth: the server ended the session: Session revoked.")
                && !stderr.contains("error:")
                && !stderr.contains("reconnecting"),
            "{case}: {stderr}"
        );
    }
}

/// rust_engineio 0.6 wrote a pong (`3`) as soon as the WebSocket opened, unasked (in Engine.IO v4
/// the server pings), and against Node's server the namespace `CONNECT` behind it then waited
/// ~40 ms for a delayed ACK. With the patched copy (vendor/rust_engineio, patch 2) the first
/// frame after the open packet is the `CONNECT`.
#[test]
fn the_first_frame_on_the_websocket_is_the_namespace_connect() {
    let sb = Sandbox::new();
    let (url, server) = scripted_socket_io(|ws, first| {
        scripted_send(ws, r#"40{"sid":"n1"}"#);
        scripted_send(ws, r#"42["data",7]"#);
        // Until the client goes.
        while scripted_text(ws).is_some() {}
        first
    });
    sio_auth(&sb)
        .args(["connect", &url, "--transport", "websocket", "--count", "1"])
        .args(["--timeout", "10s"])
        .assert()
        .code(0)
        .stdout("7\n");
    assert_eq!(server.join().expect("the server thread"), "40");
}

/// socket.io v3/v4 send `socket.emit("name")` as `42["name"]`. rust_socketio 0.6 took a
/// one-element array for a `message` event carrying the name, so `--event name` never printed
/// it (vendor/rust_socketio, patch 4).
#[test]
fn an_event_without_arguments_is_that_event() {
    let sb = Sandbox::new();
    let (url, server) = scripted_socket_io(|ws, _first| {
        scripted_send(ws, r#"40{"sid":"n1"}"#);
        scripted_send(ws, r#"42["bare"]"#);
        scripted_send(ws, r#"42["data",7]"#);
        while scripted_text(ws).is_some() {}
    });
    let out = sio_auth(&sb)
        .args([
            "connect",
            &url,
            "--transport",
            "websocket",
            "--count",
            "2",
            "--json",
        ])
        .args(["--event", "bare", "--event", "data", "--timeout", "10s"])
        .output()
        .expect("connect runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(events[0]["event"], "bare");
    assert_eq!(events[0]["args"], serde_json::json!([]));
    assert_eq!(events[1]["event"], "data");
    server.join().expect("the server thread");
}
