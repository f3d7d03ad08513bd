//! `sio-auth connect` against real peers: the Node reference server in tests/node-connect-peer
//! (express-session + socket.io 4.8), a TCP listener that never answers, and a port with nothing
//! behind it.
//!
//! Self-contained on purpose (its own peer helpers), so it merges next to any `util` module.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;

const SECRET: &str = "connect-tests-secret-0123456789abcdef";
/// Upper bound for any one run, so a regression hangs no test.
const RUN_LIMIT: Duration = Duration::from_secs(30);

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sio-auth")
}

fn sio_auth() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(bin());
    cmd.env_remove("SIO_AUTH_SECRET")
        .env_remove("RUST_LOG")
        .timeout(RUN_LIMIT);
    cmd
}

/// `sio-auth connect URL ARGS… --timeout 10s`.
fn connect(url: &str, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = sio_auth();
    cmd.arg("connect")
        .arg(url)
        .args(args)
        .args(["--timeout", "10s"]);
    cmd
}

fn signed_cookie(format: &str) -> String {
    let out = sio_auth()
        .args(["sign", "--secret", SECRET, "--format", format])
        .output()
        .expect("run sign");
    assert!(
        out.status.success(),
        "sign failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim_end()
        .to_owned()
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The fixture directory, or None after a loud SKIPPED (a failure under CI=true).
fn node_fixture(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node-connect-peer");
    let why = if !Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        "`node` is not on PATH"
    } else if !dir.join("node_modules/socket.io").is_dir() {
        "run `npm ci` in tests/node-connect-peer first"
    } else {
        return Some(dir);
    };
    assert!(
        !in_ci(),
        "{test}: required peer missing under CI=true: {why}"
    );
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
    None
}

/// The Node reference server (io-server.js), killed on drop.
struct NodeServer {
    child: Child,
    url: String,
}

impl NodeServer {
    /// Starts `node io-server.js PORT SECRET` with `env`, reading the bound address back.
    fn start(test: &str, port: u16, env: &[(&str, &str)]) -> Option<Self> {
        let dir = node_fixture(test)?;
        let mut child = Command::new("node")
            .arg("io-server.js")
            .arg(port.to_string())
            .arg(SECRET)
            .current_dir(&dir)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn node");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read node's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from io-server.js: {line:?}"))
            .to_owned();
        Some(Self { child, url })
    }

    fn ticking(test: &str) -> Option<Self> {
        Self::start(test, 0, &[("INTERVAL", "50")])
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn stdout_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn assert_ticks(lines: &[String], n: usize) {
    assert_eq!(lines.len(), n, "{lines:?}");
    for line in lines {
        let tick: u64 = line
            .parse()
            .unwrap_or_else(|_| panic!("not a tick: {line:?}"));
        assert!(tick > 1_600_000_000_000, "not an epoch-ms tick: {tick}");
    }
}

#[test]
fn ticks_with_a_signed_cookie_over_every_transport() {
    let Some(server) = NodeServer::ticking("ticks_with_a_signed_cookie_over_every_transport")
    else {
        return;
    };
    let cookie = signed_cookie("pair");
    for transport in ["websocket", "polling", "auto"] {
        let output = connect(
            &server.url,
            &[
                "--cookie",
                &cookie,
                "--count",
                "3",
                "--transport",
                transport,
            ],
        )
        .output()
        .expect("run connect");
        assert_eq!(output.status.code(), Some(0), "{transport}: {output:?}");
        assert_ticks(&stdout_lines(&output), 3);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("connected to"), "{transport}: {stderr}");
        assert!(
            !stderr.contains(&cookie),
            "the cookie leaked to stderr: {stderr}"
        );
    }
}

#[test]
fn every_cookie_form_is_accepted() {
    let Some(server) = NodeServer::ticking("every_cookie_form_is_accepted") else {
        return;
    };
    let pair = signed_cookie("pair");
    let forms = [
        pair.clone(),
        format!("theme=dark; {pair}"),
        signed_cookie("value"),
        // A raw `s:<sid>.<sig>` value must be percent-encoded before it is sent.
        signed_cookie("raw"),
    ];
    for cookie in &forms {
        connect(&server.url, &["--cookie", cookie, "--count", "1"])
            .assert()
            .code(0)
            .stdout(predicate::str::is_match(r"^\d{13}\n$").expect("regex"));
    }
}

#[test]
fn cookie_file_with_a_trailing_newline() {
    let Some(server) = NodeServer::ticking("cookie_file_with_a_trailing_newline") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("cookie");
    std::fs::write(&file, format!("{}\n", signed_cookie("pair"))).expect("write");
    let output = connect(
        &server.url,
        &[
            "--cookie-file",
            file.to_str().expect("utf-8"),
            "--count",
            "2",
        ],
    )
    .output()
    .expect("run connect");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_ticks(&stdout_lines(&output), 2);
}

#[test]
fn missing_cookie_file_is_a_usage_error() {
    // Fails before any network traffic: nothing listens on port 9.
    sio_auth()
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
    sio_auth()
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
fn login_uses_the_cookie_express_session_sets() {
    let Some(server) = NodeServer::ticking("login_uses_the_cookie_express_session_sets") else {
        return;
    };
    let output = connect(&server.url, &["--login", "--count", "2"])
        .output()
        .expect("run connect");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_ticks(&stdout_lines(&output), 2);
    assert!(String::from_utf8_lossy(&output.stderr).contains("logged in"));
}

#[test]
fn login_without_the_named_cookie_exits_1() {
    let Some(server) = NodeServer::ticking("login_without_the_named_cookie_exits_1") else {
        return;
    };
    connect(
        &server.url,
        &["--login", "--cookie-name", "other.sid", "--count", "1"],
    )
    .assert()
    .code(1)
    .stdout("")
    .stderr(predicate::str::contains(
        "set no other.sid cookie (only express.sid)",
    ));
}

#[test]
fn no_cookie_is_refused_with_the_servers_reason() {
    let Some(server) = NodeServer::ticking("no_cookie_is_refused_with_the_servers_reason") else {
        return;
    };
    connect(&server.url, &["--count", "1"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "sio-auth: refused: No cookie transmitted.\n",
        ));
}

#[test]
fn a_forged_cookie_is_refused_with_the_servers_reason() {
    let Some(server) = NodeServer::ticking("a_forged_cookie_is_refused_with_the_servers_reason")
    else {
        return;
    };
    let other = sio_auth()
        .args(["sign", "--secret", "another-secret-another-secret-0123"])
        .output()
        .expect("sign");
    let forged = String::from_utf8(other.stdout).expect("utf-8");
    for transport in ["websocket", "polling"] {
        let start = Instant::now();
        connect(
            &server.url,
            &["--cookie", forged.trim(), "--transport", transport],
        )
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "sio-auth: refused: Cookie is invalid.\n",
        ));
        // At once, no retry.
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{transport}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn an_unknown_namespace_is_a_refusal() {
    let Some(server) = NodeServer::ticking("an_unknown_namespace_is_a_refusal") else {
        return;
    };
    connect(
        &server.url,
        &["--cookie", &signed_cookie("pair"), "--namespace", "/nope"],
    )
    .assert()
    .code(1)
    .stderr(predicate::str::contains(
        "sio-auth: refused: Invalid namespace",
    ));
}

#[test]
fn json_prints_one_object_per_event() {
    let Some(server) = NodeServer::ticking("json_prints_one_object_per_event") else {
        return;
    };
    let output = connect(
        &server.url,
        &["--cookie", &signed_cookie("pair"), "--json", "--count", "2"],
    )
    .output()
    .expect("run connect");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        let object: serde_json::Value =
            serde_json::from_str(line).expect("one JSON object per line");
        assert_eq!(object["event"], "data");
        let args = object["args"].as_array().expect("args array");
        assert_eq!(args.len(), 1);
        let tick = args[0].as_u64().expect("tick");
        let received = object["received_at"].as_u64().expect("received_at");
        assert!(received + 1000 >= tick && received < tick + 5000, "{line}");
    }
}

#[test]
fn star_prints_every_event_and_names_pick_some() {
    let Some(server) = NodeServer::ticking("star_prints_every_event_and_names_pick_some") else {
        return;
    };
    let cookie = signed_cookie("pair");
    let output = connect(
        &server.url,
        &[
            "--cookie", &cookie, "--event", "*", "--json", "--count", "3",
        ],
    )
    .output()
    .expect("run connect");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let events: Vec<serde_json::Value> = stdout_lines(&output)
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(events[0]["event"], "hello");
    assert_eq!(events[0]["args"], serde_json::json!(["world", 2]));
    assert_eq!(events[1]["event"], "data");

    // Several arguments print as one JSON array.
    connect(
        &server.url,
        &["--cookie", &cookie, "--event", "hello", "--count", "1"],
    )
    .assert()
    .code(0)
    .stdout("[\"world\",2]\n");
}

#[test]
fn a_silent_server_times_out_with_exit_4() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    // Accept connections (the kernel does, via the backlog) and never answer.
    let start = Instant::now();
    sio_auth()
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
    let url = format!("http://127.0.0.1:{}", free_port());
    let start = Instant::now();
    sio_auth()
        .args(["connect", &url])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot connect to"))
        .stderr(predicate::str::contains("Connection refused"));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_web_server_without_socket_io_exits_3_with_a_hint() {
    use std::io::{Read as _, Write as _};
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
    sio_auth()
        .args(["connect", &url, "--timeout", "5s"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is it a Socket.IO v4 server?"));
}

#[test]
fn an_invalid_url_is_a_usage_error() {
    for url in [
        "not a url",
        "ftp://127.0.0.1/",
        "http://",
        "mailto:x@example.com",
    ] {
        sio_auth().args(["connect", url]).assert().code(2);
    }
}

#[test]
fn a_server_killed_mid_stream_is_reported_with_exit_3() {
    for transport in ["websocket", "polling"] {
        let Some(mut server) =
            NodeServer::ticking("a_server_killed_mid_stream_is_reported_with_exit_3")
        else {
            return;
        };
        let mut child = Command::new(bin())
            .args([
                "connect",
                &server.url,
                "--cookie",
                &signed_cookie("pair"),
                "--transport",
                transport,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn connect");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("first tick");
        assert!(line.trim().parse::<u64>().is_ok(), "{transport}: {line:?}");
        server.kill();
        let start = Instant::now();
        let output = child.wait_with_output().expect("wait");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{transport}: {:?}",
            start.elapsed()
        );
        assert_eq!(output.status.code(), Some(3), "{transport}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("the server went away"),
            "{transport}: {stderr}"
        );
    }
}

#[test]
fn a_server_side_disconnect_is_reported_with_exit_3() {
    let Some(server) = NodeServer::start(
        "a_server_side_disconnect_is_reported_with_exit_3",
        0,
        &[("INTERVAL", "30"), ("KICK_AFTER", "2")],
    ) else {
        return;
    };
    let output = connect(
        &server.url,
        &["--cookie", &signed_cookie("pair"), "--reconnect"],
    )
    .output()
    .expect("run connect");
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    assert_ticks(&stdout_lines(&output), 2);
    // A deliberate disconnect is not retried, even with --reconnect.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the server disconnected us from namespace /"),
        "{stderr}"
    );
    assert!(!stderr.contains("reconnecting"), "{stderr}");
}

#[test]
fn reconnect_survives_a_server_restart() {
    let test = "reconnect_survives_a_server_restart";
    let port = free_port();
    let env = [("INTERVAL", "50")];
    let Some(mut server) = NodeServer::start(test, port, &env) else {
        return;
    };
    let mut child = Command::new(bin())
        .args([
            "connect",
            &server.url,
            "--cookie",
            &signed_cookie("pair"),
            "--reconnect",
        ])
        .args(["--count", "6", "--timeout", "15s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn connect");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    for _ in 0..3 {
        line.clear();
        stdout.read_line(&mut line).expect("tick");
    }
    server.kill();
    let _server = NodeServer::start(test, port, &env).expect("restart on the same port");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest of stdout");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(rest.lines().count(), 3, "{rest:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("reconnecting in"), "{stderr}");
    assert_eq!(stderr.matches("connected to").count(), 2, "{stderr}");
}
