//! `sio-auth bench`, the load generator behind BENCHMARKS.md: it must count right (a forged
//! cookie accepted or a valid one refused would make every figure meaningless).

use serde_json::Value;

use crate::util::{Sandbox, free_port, node_io_server, serve};

const SECRET: &str = "bench-tests-secret-8c1f4e9a2b7d3650";

fn bench(sb: &Sandbox, url: &str, args: &[&str]) -> Value {
    let mut all = vec!["bench", url, "--secret", SECRET, "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&sb.stdout_ok(&all)).unwrap()
}

fn check_cycle(report: &Value, forged_share: f64, what: &str) {
    let handshakes = report["handshakes"].as_u64().unwrap();
    assert!(handshakes >= 20, "{what}: {report}");
    assert_eq!(report["errors"], 0, "{what}: {report}");
    assert_eq!(report["forged_accepted"], 0, "{what}: {report}");
    assert_eq!(report["valid_refused"], 0, "{what}: {report}");
    #[allow(clippy::cast_precision_loss)]
    let refused = report["refused"].as_u64().unwrap() as f64 / handshakes as f64;
    assert!(
        (refused - forged_share).abs() < 0.05,
        "{what}: refused share {refused}: {report}"
    );
    assert!(
        report["p50_ms"].as_f64().unwrap() > 0.0
            && report["p99_ms"].as_f64().unwrap() >= report["p50_ms"].as_f64().unwrap()
    );
}

#[test]
fn cycles_against_sio_auth_serve_count_verdicts_right() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "20ms"]);
    for transport in ["websocket", "default"] {
        for forged in ["0", "0.5"] {
            let report = bench(
                &sb,
                &server.url(),
                &[
                    "--duration",
                    "1s",
                    "--clients",
                    "4",
                    "--transport",
                    transport,
                    "--forged",
                    forged,
                ],
            );
            check_cycle(
                &report,
                forged.parse().unwrap(),
                &format!("{transport}, forged {forged}"),
            );
        }
    }
    let report = bench(
        &sb,
        &server.url(),
        &["--duration", "1s", "--clients", "2", "--first-tick"],
    );
    check_cycle(&report, 0.0, "first tick");
}

#[test]
fn cycles_against_the_node_reference() {
    let Some(node) = node_io_server(
        "cycles_against_the_node_reference",
        0,
        &[SECRET],
        &[("INTERVAL", "20")],
    ) else {
        return;
    };
    let sb = Sandbox::new();
    // A count, not a duration: a 1 s run made 19 handshakes (p50 200 ms) on a loaded machine,
    // where a cold Node answers slowly, and failed the 20 that check_cycle wants.
    for transport in ["websocket", "default"] {
        let report = bench(
            &sb,
            &node.url(),
            &[
                "--handshakes",
                "40",
                "--duration",
                "60s",
                "--clients",
                "4",
                "--transport",
                transport,
                "--forged",
                "0.25",
            ],
        );
        check_cycle(&report, 0.25, &format!("node, {transport}"));
    }
}

#[test]
fn hold_keeps_sockets_and_measures_tick_delay() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let out = sb
        .cmd()
        .args([
            "bench",
            &server.url(),
            "--secret",
            SECRET,
            "--json",
            "--mode",
            "hold",
        ])
        .args(["--clients", "50", "--duration", "1s"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holding 50 sockets"));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["sockets"].as_u64(), report["errors"].as_u64()),
        (Some(50), Some(0)),
        "{report}"
    );
    // 50 sockets × about 10 ticks in one second.
    let events = report["events"].as_u64().unwrap();
    assert!((300..=700).contains(&events), "{report}");
    assert!(
        report["delay_p99_ms"].as_f64().unwrap() < 1000.0,
        "{report}"
    );
}

#[test]
fn bench_failures_and_bad_arguments() {
    let sb = Sandbox::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = sb
        .cmd()
        .args(["bench", &url, "--secret", SECRET, "--duration", "1s"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "nothing listening is a network failure"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no handshake completed"));
    for bad in [
        &["--forged", "1.5"][..],
        &["--clients", "0"],
        &["--duration", "0s"],
        &["--mode", "sprint"],
    ] {
        sb.cmd()
            .args(["bench", &url, "--secret", SECRET])
            .args(bad)
            .assert()
            .code(2);
    }
    sb.cmd()
        .args(["bench", "https://127.0.0.1:1", "--secret", SECRET])
        .assert()
        .code(2);
    // Held sockets must all be authorized: forged ones make no sense there.
    sb.cmd()
        .args(["bench", &url, "--secret", SECRET, "--mode", "hold"])
        .args(["--forged", "0.1"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--forged is for --mode cycle"));
    sb.cmd()
        .args(["bench", &url, "--secret", SECRET, "--mode", "hold"])
        .args(["--transport", "default"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--transport default is for --mode cycle",
        ));
    // Nothing to hold: said at once, not after the 120 s allowed for a crowd's verdicts.
    let start = std::time::Instant::now();
    let out = sb
        .cmd()
        .args(["bench", &url, "--secret", SECRET, "--mode", "hold"])
        .args(["--clients", "20", "--duration", "1s"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("sio-auth: error: no socket could be held: Connection refused"),
        "{out:?}"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}

/// A server with another secret refuses every cookie bench signs: the run would measure
/// refusals, so bench says so and exits 1, in both modes.
#[test]
fn a_server_with_another_secret_is_a_negative_answer() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", "another-secret-4b7e19c2d8f3a60e95b1"]);
    let out = sb
        .cmd()
        .args(["bench", &server.url(), "--secret", SECRET, "--json"])
        .args(["--clients", "2", "--duration", "1s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("the summary still prints");
    let handshakes = report["handshakes"].as_u64().unwrap();
    assert!(handshakes > 0, "{report}");
    assert_eq!(
        report["valid_refused"].as_u64(),
        Some(handshakes),
        "{report}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "sio-auth bench: the server refused {handshakes} valid cookies; does it verify with \
             the same secret and cookie name (--secret, --cookie-name)?"
        )),
        "{stderr}"
    );
    // Only forged cookies: every refusal is the expected verdict.
    sb.cmd()
        .args(["bench", &server.url(), "--secret", SECRET, "--json"])
        .args(["--clients", "2", "--duration", "1s", "--forged", "1"])
        .assert()
        .code(0);
    let start = std::time::Instant::now();
    let out = sb
        .cmd()
        .args(["bench", &server.url(), "--secret", SECRET, "--mode", "hold"])
        .args(["--clients", "20", "--duration", "1s"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    // A refusal is a result, not an error of the tool.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "sio-auth: refused: no socket could be held: the server refused a valid cookie"
        ) && !stderr.contains("error:"),
        "{out:?}"
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
}

/// The summary cannot be written (a full disk): an I/O failure, 5, on one line (regression:
/// `println!` panicked, and the release build aborts on a panic).
#[cfg(unix)]
#[test]
fn a_summary_that_cannot_be_written_is_an_io_failure() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        crate::util::missing_peer(
            "a_summary_that_cannot_be_written_is_an_io_failure",
            "no /dev/full",
        );
        return;
    };
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    let out = sb
        .std_cmd()
        .args(["bench", &server.url(), "--secret", SECRET])
        .args(["--clients", "2", "--duration", "300ms"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("sio-auth: error: cannot write to stdout: No space left on device"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Servers that misbehave on purpose, on loopback ports, each connection in its own thread;
/// they live until the test process ends (threads give up after a minute of silence).
pub(crate) mod hostile {
    use std::io::{Read as _, Write as _};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::Duration;

    use tokio_tungstenite::tungstenite::{self, Message};

    pub(crate) const OPEN: &str = r#"0{"sid":"hostile0sid","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

    fn serve_each(handle: impl Fn(TcpStream) + Send + Sync + Copy + 'static) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                std::thread::spawn(move || handle(stream));
            }
        });
        addr
    }

    /// Accepts every connection and never sends a byte.
    pub(crate) fn silent() -> SocketAddr {
        serve_each(|mut stream| {
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).is_ok_and(|n| n > 0) {}
        })
    }

    /// Completes the WebSocket handshake, then sends these text frames; a `None` waits for
    /// one message from the client first. Then reads until the client goes.
    pub(crate) fn websocket(frames: &'static [Option<&'static str>]) -> SocketAddr {
        serve_each(move |stream| {
            let Ok(mut ws) = tungstenite::accept(stream) else {
                return;
            };
            for frame in frames {
                let sent = match frame {
                    Some(text) => ws.send(Message::text(*text)),
                    None => ws.read().map(drop),
                };
                if sent.is_err() {
                    return;
                }
            }
            while ws.read().is_ok() {}
        })
    }

    /// Answers the requests of each connection with these raw responses, in turn, then says
    /// nothing more.
    pub(crate) fn http(responses: &'static [&'static [u8]]) -> SocketAddr {
        serve_each(move |mut stream| {
            let mut buf = Vec::new();
            for response in responses {
                // Read one request head (bench's requests carry small bodies, which the next
                // head search skips: they never contain a blank line).
                loop {
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        break;
                    }
                    let mut chunk = [0u8; 4096];
                    match stream.read(&mut chunk) {
                        Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                        _ => return,
                    }
                }
                if stream.write_all(response).is_err() {
                    return;
                }
            }
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).is_ok_and(|n| n > 0) {}
        })
    }
}

/// Runs bench for at most 30 s (a hang is a failure, not a stuck test); returns the exit code
/// (None when killed), stdout, stderr and how long it took.
fn bench_run(
    sb: &Sandbox,
    url: &str,
    args: &[&str],
) -> (Option<i32>, String, String, std::time::Duration) {
    let start = std::time::Instant::now();
    let out = sb
        .cmd()
        .args(["bench", url, "--secret", SECRET])
        .args(args)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "bench panicked: {stderr}");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
        start.elapsed(),
    )
}

/// Regression: against a listener that accepts and never answers, `bench --duration 1s` never
/// ended (no step had a deadline). Now each step waits --timeout, counted as a failure, and the
/// run ends within its duration plus one timeout, with exit 4.
#[test]
fn a_server_that_never_answers_times_out_every_step() {
    let sb = Sandbox::new();
    let url = format!("http://{}", hostile::silent());
    for (mode, transport, waiting) in [
        ("cycle", "websocket", "waiting for the WebSocket handshake"),
        ("cycle", "default", "waiting for the Engine.IO open packet"),
        ("hold", "websocket", "waiting for the WebSocket handshake"),
    ] {
        let (code, stdout, stderr, took) = bench_run(
            &sb,
            &url,
            &[
                "--mode",
                mode,
                "--transport",
                transport,
                "--clients",
                "3",
                "--duration",
                "1s",
                "--timeout",
                "1500ms",
            ],
        );
        let what = format!("{mode} {transport}: {stderr}");
        assert_eq!(code, Some(4), "{what}");
        assert!(stdout.is_empty(), "{what}");
        assert!(
            took < std::time::Duration::from_secs(8),
            "{what}: took {took:?}"
        );
        assert!(
            stderr.contains(&format!("no answer within 1500ms while {waiting}")),
            "{what}"
        );
        if mode == "cycle" {
            assert!(
                stderr.contains(
                    "sio-auth: error: no handshake completed: 3 of 3 connections failed (3 timeout)"
                ),
                "{what}"
            );
        }
    }
    // The default --timeout (5 s) applies when none is given.
    let (code, _, stderr, took) = bench_run(&sb, &url, &["--clients", "1", "--duration", "1s"]);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stderr.contains("no answer within 5s"), "{stderr}");
    assert!(took < std::time::Duration::from_secs(12), "took {took:?}");
}

/// Regression: the frame `4é` made bench slice inside a character (`&packet[1..]`), which
/// aborts the release build. Every malformed frame or open packet is now a failed connection
/// with a one-line reason; nothing panics.
#[test]
fn malformed_websocket_frames_are_clear_errors() {
    let sb = Sandbox::new();
    for (frames, reason) in [
        (
            &[Some(hostile::OPEN), None, Some("4é")][..],
            r#"a Socket.IO packet of unknown type: "é""#,
        ),
        (
            &[Some(hostile::OPEN), None, Some("4")],
            "a Socket.IO packet of unknown type",
        ),
        (&[Some("é")], r#"an Engine.IO packet of unknown type: "é""#),
        (&[Some("")], "an empty Engine.IO packet"),
        (
            &[Some(r#"0{"sid":"#)],
            r#"a malformed Engine.IO open packet (not the JSON expected): "{\"sid\":""#,
        ),
        (&[Some("0garbage")], "a malformed Engine.IO open packet"),
        (
            &[Some(r#"0{"sid":"a b","pingInterval":1,"pingTimeout":1}"#)],
            "the sid is not URL-safe",
        ),
        (
            &[Some(r#"0{"pingInterval":1,"pingTimeout":1}"#)],
            "(no sid)",
        ),
        (
            &[Some(hostile::OPEN), None, Some("45x-[]")],
            "the attachment count is not a number",
        ),
        (
            &[Some(hostile::OPEN), Some("1")],
            "the server closed the Engine.IO session",
        ),
    ] {
        let url = format!("http://{}", hostile::websocket(frames));
        let (code, _, stderr, _) = bench_run(
            &sb,
            &url,
            &["--clients", "2", "--duration", "500ms", "--timeout", "2s"],
        );
        assert_eq!(code, Some(3), "{frames:?}: {stderr}");
        // A server ending the session is the server going away; the rest is not Socket.IO.
        let cause = if reason.contains("closed") {
            "network)"
        } else {
            "protocol)"
        };
        assert!(
            stderr.contains("no handshake completed") && stderr.contains(cause),
            "{frames:?}: {stderr}"
        );
        assert!(stderr.contains(reason), "{frames:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{frames:?}: {stderr}");
    }
    // Accepted, then an event whose timestamp would overflow a subtraction: a huge delay, not a
    // crash.
    let url = format!(
        "http://{}",
        hostile::websocket(&[
            Some(hostile::OPEN),
            None,
            Some(r#"40{"sid":"x"}"#),
            Some(r#"42["data",-9223372036854775808]"#),
            Some(r#"42["data",9223372036854775807]"#),
        ])
    );
    let (code, stdout, stderr, _) = bench_run(
        &sb,
        &url,
        &[
            "--mode",
            "hold",
            "--clients",
            "2",
            "--duration",
            "1s",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(r#""sockets":2"#), "{stdout}");
}

/// What a polling server sends, byte by byte: a length that overflows, a body cut short, a
/// chunked body, not HTTP at all, a sid that would inject a header, a non-UTF-8 payload.
#[test]
fn malformed_polling_responses_are_clear_errors() {
    const OPEN: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 109\r\n\r\n0{\"sid\":\"hostile0sid\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}";
    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const CASES: &[(&[&[u8]], &str, i32)] = &[
        (
            &[b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n"],
            "an HTTP response body of 18446744073709551615 bytes, more than the 1048576 allowed",
            3,
        ),
        (
            &[b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0{\"sid\""],
            "no answer within 1s while waiting for the Engine.IO open packet",
            4,
        ),
        (
            &[b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n0{}\r\n"],
            "without a usable Content-Length (a chunked or encoded body)",
            3,
        ),
        (&[b"SSH-2.0-OpenSSH_9.6\r\n\r\n"], "a malformed HTTP response (not an HTTP/1.x status line)", 3),
        (
            &[b"HTTP/1.1 200 OK\r\nContent-Length: 70\r\n\r\n0{\"sid\":\"a\\r\\nX-Injected: 1\",\"pingInterval\":25000,\"pingTimeout\":20000}"],
            "the sid is not URL-safe",
            3,
        ),
        (&[b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n4\xc3\xa9"], "not an Engine.IO open packet: \"4é\"", 3),
        (&[b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n4\xff"], "a polling payload that is not UTF-8 text", 3),
        (&[b"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope\n"], r#"HTTP 403 from the server: "nope\n""#, 3),
        (&[OPEN, OK, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n4\xc3\xa9"], r#"a Socket.IO packet of unknown type: "é""#, 3),
    ];
    let sb = Sandbox::new();
    for &(responses, reason, code) in CASES {
        let url = format!("http://{}", hostile::http(responses));
        let (exit, _, stderr, took) = bench_run(
            &sb,
            &url,
            &[
                "--transport",
                "default",
                "--clients",
                "2",
                "--duration",
                "500ms",
                "--timeout",
                "1s",
            ],
        );
        assert_eq!(exit, Some(code), "{reason}: {stderr}");
        assert!(stderr.contains(reason), "{reason}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{reason}: {stderr}");
        assert!(
            took < std::time::Duration::from_secs(8),
            "{reason}: took {took:?}"
        );
    }
}

/// Regression: with 3 987 of 5 000 sockets failed (`Too many open files`), `bench --mode hold`
/// exited 0 with no hint. Now the summary still prints, and the run exits 5 (a local failure)
/// naming the limit.
#[test]
fn running_out_of_file_descriptors_fails_the_run_with_the_ulimit_hint() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    for mode in ["hold", "cycle"] {
        let out = assert_cmd::Command::new("sh")
            .env("XDG_DATA_HOME", sb.path().join("data"))
            .arg("-c")
            .arg(r#"ulimit -n 64 && exec "$0" "$@""#)
            .arg(crate::util::bin())
            .args([
                "bench",
                &server.url(),
                "--secret",
                SECRET,
                "--json",
                "--mode",
                mode,
            ])
            .args(["--clients", "150", "--duration", "1s"])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let what = format!("{mode}: {out:?}");
        assert_eq!(out.status.code(), Some(5), "{what}");
        assert!(!stderr.contains("panicked"), "{what}");
        assert!(
            stderr.contains(
                "sio-auth bench: --clients 150 needs about 182 open files, more than this \
                 process's limit of 64: raise it (ulimit -n) or expect failures"
            ),
            "{what}"
        );
        assert!(
            stderr.contains("open files); the first: ")
                && stderr.contains("Too many open files")
                && stderr.contains(
                    "raise the open-file limit (ulimit -n, now 64) or lower --clients (150)"
                ),
            "{what}"
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("the summary still prints");
        assert!(
            report["errors_by_cause"]["open_files"].as_u64() > Some(0),
            "{report}"
        );
    }
}

/// Checks a forgery-matrix run: every kind was sent and refused, nothing forged accepted,
/// nothing valid refused, nothing failed.
fn check_matrix(report: &Value, handshakes: u64, what: &str) {
    assert_eq!(
        report["handshakes"].as_u64(),
        Some(handshakes),
        "{what}: {report}"
    );
    assert_eq!(report["errors"], 0, "{what}: {report}");
    assert_eq!(report["forged_accepted"], 0, "{what}: {report}");
    assert_eq!(report["valid_refused"], 0, "{what}: {report}");
    let kinds = report["forged_kinds"].as_object().expect("forged_kinds");
    assert_eq!(kinds.len(), 17, "{what}: {report}");
    let mut forged = 0;
    for (kind, counts) in kinds {
        let refused = counts["refused"].as_u64().unwrap();
        assert!(
            refused >= 5,
            "{what}: {kind} sent only {refused} times: {report}"
        );
        assert_eq!(counts["accepted"], 0, "{what}: {kind}: {report}");
        forged += refused;
    }
    assert_eq!(report["refused"].as_u64(), Some(forged), "{what}: {report}");
    assert_eq!(forged, handshakes / 10, "{what}: {report}");
}

fn matrix_args(transport: &str) -> Vec<&str> {
    vec![
        "--handshakes",
        "2000",
        "--duration",
        "60s",
        "--clients",
        "8",
        "--forged",
        "0.1",
        "--forged-kinds",
        "all",
        "--transport",
        transport,
    ]
}

/// The forgery matrix in short (`benches/forgery-matrix` runs 100 000): 2 000 handshakes, 10 %
/// forged in every way WIRE.md lists as refused by Node, over both transports: none accepted,
/// no valid one refused, by sio-auth serve and by the Node reference.
#[test]
fn forgery_matrix_short() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    for transport in ["websocket", "default"] {
        let report = bench(&sb, &server.url(), &matrix_args(transport));
        check_matrix(&report, 2000, &format!("sio-auth serve, {transport}"));
    }
    if let Some(node) = node_io_server("forgery_matrix_short", 0, &[SECRET], &[]) {
        for transport in ["websocket", "default"] {
            let report = bench(&sb, &node.url(), &matrix_args(transport));
            check_matrix(&report, 2000, &format!("node, {transport}"));
        }
    }
}

/// A server that accepts every cookie is caught: bench counts what each forged kind got and
/// exits 1 naming the kinds accepted.
#[test]
fn a_server_accepting_forged_cookies_is_caught_per_kind() {
    let sb = Sandbox::new();
    let url = format!(
        "http://{}",
        hostile::websocket(&[Some(hostile::OPEN), None, Some(r#"40{"sid":"x"}"#)])
    );
    let out = sb
        .cmd()
        .args([
            "bench",
            &url,
            "--secret",
            SECRET,
            "--json",
            "--clients",
            "4",
        ])
        .args([
            "--handshakes",
            "340",
            "--forged",
            "0.5",
            "--forged-kinds",
            "all",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["forged_accepted"], 170, "{report}");
    for (kind, counts) in report["forged_kinds"].as_object().unwrap() {
        assert_eq!(counts["accepted"], 10, "{kind}: {report}");
    }
    assert!(
        stderr.contains(
            // In the summary's order (alphabetical).
            "sio-auth bench: the server accepted 170 forged cookies (base64url 10, \
             control-character 10, double-encoded 10, duplicate 10, empty-sid 10, \
             empty-signature 10, garbage-after 10, garbage-before 10, lower-case 10, multibyte \
             10, no-prefix 10, other-sid 10, padding 10, padding-encoded 10, truncated 10, \
             upper-case-prefix 10, wrong-secret 10)"
        ),
        "{stderr}"
    );
}

#[test]
fn forged_kinds_usage_errors() {
    let sb = Sandbox::new();
    let url = format!("http://127.0.0.1:{}", free_port());
    for (args, message) in [
        (
            &["--forged-kinds", "all"][..],
            "--forged-kinds needs --forged",
        ),
        (
            &["--forged", "0.1", "--forged-kinds", "sideways"],
            "invalid value 'sideways'",
        ),
        (
            &[
                "--forged",
                "0.1",
                "--forged-kinds",
                "padding",
                "--cookie",
                "express.sid=x",
            ],
            "they cannot be used with --cookie",
        ),
        (
            &["--mode", "hold", "--handshakes", "5"],
            "--handshakes is for --mode cycle",
        ),
        (&["--handshakes", "0"], "--handshakes"),
    ] {
        sb.cmd()
            .args(["bench", &url, "--secret", SECRET])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
}
