//! `sio-auth bench`, the load generator behind BENCHMARKS.md: it must count right (a forged
//! cookie accepted or a valid one refused would make every figure meaningless).

use serde_json::Value;

use crate::util::{Sandbox, free_port, node_io_server, serve};

const SECRET: &str = "bench-test-secret-bench-test-secret";

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
    let server = serve(&sb, &["--secret", SECRET, "--interval", "20"]);
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
    for transport in ["websocket", "default"] {
        let report = bench(
            &sb,
            &node.url(),
            &[
                "--duration",
                "1s",
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
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100"]);
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
        &["--duration", "0"],
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
    let server = serve(&sb, &["--secret", "another-secret-another-secret-0123"]);
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
