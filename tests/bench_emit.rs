//! `sio-auth bench --emit` (issue 15): acks counted, round-trip percentiles, the open loop's
//! schedule, timeouts, bad arguments and the progress line, against `sio-auth serve`, the Node
//! reference and a server that never acks.

use std::process::Command;

use serde_json::Value;

use crate::bench::hostile;
use crate::util::{Sandbox, free_port, missing_peer, node_io_server, serve};

const SECRET: &str = "bench-emit-tests-secret-3b9d0c7e1f2a4856";

/// Runs bench (at most 60 s: a hang fails); returns the exit code, stdout and stderr.
fn bench_run(sb: &Sandbox, url: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = sb
        .cmd()
        .args(["bench", url, "--secret", SECRET])
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "bench panicked: {stderr}");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// A run that must succeed; its `--json` summary.
fn emit_json(sb: &Sandbox, url: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = bench_run(sb, url, &all);
    assert_eq!(code, Some(0), "{args:?}: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one JSON object: {stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn ms(report: &Value, key: &str) -> f64 {
    report[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key}: {report}"))
}

/// Every ack counted, nothing failed, percentiles present and ordered.
fn check_acks(report: &Value, sockets: u64, what: &str) {
    assert_eq!(report["mode"], "emit", "{what}: {report}");
    assert_eq!(report["sockets"], sockets, "{what}: {report}");
    let acks = report["acks"].as_u64().unwrap();
    let emits = report["emits"].as_u64().unwrap();
    assert!(acks >= 20, "{what}: {report}");
    // Every emit is acked: the last ones are waited for after --duration.
    assert_eq!(acks, emits, "{what}: {report}");
    for key in ["timeouts", "errors", "valid_refused"] {
        assert_eq!(report[key], 0, "{what}: {key}: {report}");
    }
    let rate = ms(report, "acks_per_second");
    let seconds = ms(report, "seconds");
    #[allow(clippy::cast_precision_loss)]
    let expected = acks as f64 / seconds;
    assert!(
        rate > 0.0 && (rate - expected).abs() <= expected * 0.02 + 0.01,
        "{what}: {report}"
    );
    let percentiles = [
        "rtt_p50_ms",
        "rtt_p90_ms",
        "rtt_p99_ms",
        "rtt_p99_9_ms",
        "rtt_max_ms",
    ]
    .map(|key| ms(report, key));
    assert!(percentiles[0] > 0.0, "{what}: {report}");
    assert!(
        percentiles.windows(2).all(|w| w[0] <= w[1]),
        "{what}: percentiles out of order: {report}"
    );
}

#[test]
fn emits_against_sio_auth_serve_count_every_ack() {
    let sb = Sandbox::new();
    let server = serve(
        &sb,
        &[
            "--secret",
            SECRET,
            "--interval",
            "50ms",
            "--namespace",
            "/admin",
        ],
    );
    let report = emit_json(
        &sb,
        &server.url(),
        &[
            "--emit",
            "echo",
            r#"["hé",{"n":[1,2]}]"#,
            "--clients",
            "4",
            "--duration",
            "1s",
        ],
    );
    check_acks(&report, 4, "serve");
    assert_eq!(report["loop"], "closed", "{report}");
    assert_eq!(report["event"], "echo", "{report}");
    assert!(report.get("late_sends").is_none(), "{report}");
    assert!(report.get("send_lag_p99_ms").is_none(), "{report}");
    // Another namespace: `42/admin,<id>[…]` and its acks.
    let report = emit_json(
        &sb,
        &server.url(),
        &[
            "--emit",
            "echo",
            "--namespace",
            "/admin",
            "--clients",
            "2",
            "--duration",
            "1s",
        ],
    );
    check_acks(&report, 2, "serve /admin");
}

#[test]
fn emits_against_the_node_reference_count_every_ack() {
    let Some(node) = node_io_server(
        "emits_against_the_node_reference_count_every_ack",
        0,
        &[SECRET],
        &[("INTERVAL", "50")],
    ) else {
        return;
    };
    let sb = Sandbox::new();
    let report = emit_json(
        &sb,
        &node.url(),
        &["--emit", "echo", "42", "--clients", "4", "--duration", "1s"],
    );
    check_acks(&report, 4, "node");
}

/// The open loop sends on its schedule whatever the acks do: `--rate 20` for 2 s is 40 emits a
/// socket, each acked.
#[test]
fn the_open_loop_keeps_its_rate() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    let report = emit_json(
        &sb,
        &server.url(),
        &[
            "--emit",
            "echo",
            "--rate",
            "20",
            "--clients",
            "3",
            "--duration",
            "2s",
        ],
    );
    check_acks(&report, 3, "open loop");
    assert_eq!(report["loop"], "open", "{report}");
    assert_eq!(report["rate_per_socket"], 20.0, "{report}");
    let emits = report["emits"].as_u64().unwrap();
    assert!((117..=120).contains(&emits), "3 × 40 emits: {report}");
    let late = report["late_sends"].as_u64().unwrap();
    assert!(late <= emits, "{report}");
    let lags =
        ["send_lag_p50_ms", "send_lag_p99_ms", "send_lag_max_ms"].map(|key| ms(&report, key));
    assert!(lags.windows(2).all(|w| w[0] <= w[1]), "{report}");
    // The lag is part of each round trip, timed from the slot.
    assert!(lags[2] <= ms(&report, "rtt_max_ms"), "{report}");
    // A round trip on loopback is far below the 50 ms period: the acks keep up.
    #[allow(clippy::cast_precision_loss)]
    let rate = emits as f64 / ms(&report, "seconds");
    assert!((45.0..=61.0).contains(&rate), "{rate}/s: {report}");
}

/// A server that accepts the socket and never acks: every emit times out, counted, and the
/// run exits 4 after its summary (closed loop: one emit per --timeout; open loop: all of them).
#[test]
fn a_server_that_never_acks_times_out_every_emit() {
    let sb = Sandbox::new();
    let url = format!(
        "http://{}",
        hostile::websocket(&[Some(hostile::OPEN), None, Some(r#"40{"sid":"x"}"#)])
    );
    let (code, stdout, stderr) = bench_run(
        &sb,
        &url,
        &[
            "--emit",
            "echo",
            "--clients",
            "2",
            "--duration",
            "1s",
            "--timeout",
            "300ms",
            "--json",
        ],
    );
    assert_eq!(code, Some(4), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("the summary prints");
    assert_eq!(report["acks"], 0, "{report}");
    let timeouts = report["timeouts"].as_u64().unwrap();
    // Each socket: an emit at 0, 300, 600, 900 ms, each timed out.
    assert!((6..=8).contains(&timeouts), "{report}");
    assert_eq!(report["emits"], timeouts, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert!(
        stderr.contains(&format!(
            "sio-auth: error: {timeouts} of {timeouts} acks did not come within 300ms"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let (code, stdout, stderr) = bench_run(
        &sb,
        &url,
        &[
            "--emit",
            "echo",
            "--rate",
            "10",
            "--clients",
            "2",
            "--duration",
            "1s",
            "--timeout",
            "300ms",
        ],
    );
    assert_eq!(code, Some(4), "{stderr}");
    assert!(stdout.contains("\ntimeouts "), "{stdout}");
    assert!(
        stderr.contains("sio-auth: error: 20 of 20 acks did not come within 300ms"),
        "{stderr}"
    );
}

/// A socket the server closes during the run is an error (exit 3), not a timeout.
#[test]
fn a_socket_that_breaks_is_an_error() {
    let sb = Sandbox::new();
    let url = format!(
        "http://{}",
        hostile::websocket(&[
            Some(hostile::OPEN),
            None,
            Some(r#"40{"sid":"x"}"#),
            None,
            Some("1")
        ])
    );
    let (code, stdout, stderr) = bench_run(
        &sb,
        &url,
        &[
            "--emit",
            "echo",
            "--clients",
            "2",
            "--duration",
            "1s",
            "--json",
        ],
    );
    assert_eq!(code, Some(3), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("the summary prints");
    assert_eq!(report["errors"], 2, "{report}");
    assert_eq!(report["errors_by_cause"]["network"], 2, "{report}");
    assert!(
        stderr.contains(
            "2 of 2 sockets failed (2 network); the first: the server closed the Engine.IO session"
        ),
        "{stderr}"
    );
}

/// A server with another secret refuses every socket: a negative answer (exit 1), no summary.
#[test]
fn a_server_refusing_every_socket_is_a_negative_answer() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", "another-secret-of-this-server-9f8e7d6c"]);
    let (code, stdout, stderr) = bench_run(
        &sb,
        &server.url(),
        &["--emit", "echo", "--clients", "3", "--duration", "1s"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("no socket could emit: the server refused a valid cookie"),
        "{stderr}"
    );
}

#[test]
fn bad_emit_arguments_are_usage_errors() {
    let sb = Sandbox::new();
    // Nothing listens there: each error comes before any network activity.
    let url = format!("http://127.0.0.1:{}", free_port());
    for (args, message) in [
        (
            &["--emit", "echo", "{bad"][..],
            "sio-auth: error: --emit echo: ARGS is not JSON (key must be a string at line 1 column 2); a string argument is quoted: '\"text\"'",
        ),
        (&["--emit", "echo", "hi"], "--emit echo: ARGS is not JSON"),
        (
            &["--emit", ""],
            "sio-auth: error: --emit: the event name is empty",
        ),
    ] {
        let (code, stdout, stderr) = bench_run(&sb, &url, args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
    for args in [
        &["--rate", "10"][..],
        &["--emit", "echo", "--rate", "0"],
        &["--emit", "echo", "--rate", "x"],
        &["--emit", "echo", "--mode", "hold"],
        &["--emit", "echo", "--forged", "0.1"],
        &["--emit", "echo", "--transport", "default"],
        &["--emit", "echo", "[]", "extra"],
    ] {
        let (code, _, stderr) = bench_run(&sb, &url, args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
    }
}

/// The summary without --json: one `key  value` line per field, the values in one column.
#[test]
fn the_summary_is_an_aligned_table() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    for args in [
        &["--emit", "echo", "--clients", "2", "--duration", "1s"][..],
        &["--clients", "2", "--duration", "1s"],
    ] {
        let (code, stdout, stderr) = bench_run(&sb, &server.url(), args);
        assert_eq!(code, Some(0), "{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(lines.len() > 5, "{stdout}");
        let column = |line: &str| {
            let key = line.split(' ').next().unwrap();
            key.len() + line[key.len()..].len() - line[key.len()..].trim_start().len()
        };
        let first = column(lines[0]);
        assert!(lines.iter().all(|l| column(l) == first), "{stdout}");
        let mode = if args[0] == "--emit" { "emit" } else { "cycle" };
        assert!(
            lines[0].starts_with("mode ") && lines[0].ends_with(&format!(" {mode}")),
            "{stdout}"
        );
    }
}

/// No progress line when stderr is not a terminal; on a terminal (a pty from `script`), a line
/// redrawn with `\r` during a run of more than 2 s, cleared at the end, in every mode.
#[test]
fn the_progress_line_only_on_a_terminal() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    let args = [
        "--emit",
        "echo",
        "--clients",
        "2",
        "--duration",
        "3s",
        "--rate",
        "50",
    ];
    let (code, stdout, stderr) = bench_run(&sb, &server.url(), &args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr:?}");
    assert!(!stdout.contains('\r'), "{stdout:?}");

    if Command::new("script").arg("--version").output().is_err() {
        missing_peer(
            "the_progress_line_only_on_a_terminal",
            "`script` (util-linux) is not on PATH: the terminal case is not checked",
        );
        return;
    }
    let line = format!(
        "{} bench {} --secret {SECRET} {}",
        crate::util::bin(),
        server.url(),
        args.join(" ")
    );
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env_remove("SIO_AUTH_SECRET")
        .env_remove("RUST_LOG")
        .env("HOME", sb.path())
        .env("XDG_DATA_HOME", sb.path().join("data"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{tty:?}");
    let drawn = tty.matches("\remit: ").count();
    assert!(drawn >= 1, "{tty:?}");
    assert!(tty.contains(" acks/s, p99 "), "{tty:?}");
    assert!(tty.contains("\r\u{1b}[K"), "cleared at the end: {tty:?}");
    // The summary comes after the cleared line.
    let summary = tty.rsplit("\r\u{1b}[K").next().unwrap();
    assert!(summary.contains("acks_per_second"), "{tty:?}");

    // The other modes have theirs; hold's `holding N sockets` line stays above it.
    for (mode, shown, summary) in [
        ("cycle", "\rcycle: ", "per_second"),
        ("hold", "\rhold: 2 sockets, ", "delay_p99_ms"),
    ] {
        let line = format!(
            "{} bench {} --secret {SECRET} --mode {mode} --clients 2 --duration 3s",
            crate::util::bin(),
            server.url(),
        );
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("SIO_AUTH_SECRET")
            .env_remove("RUST_LOG")
            .env("HOME", sb.path())
            .env("XDG_DATA_HOME", sb.path().join("data"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let tty = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{mode}: {tty:?}");
        assert!(tty.contains(shown), "{mode}: {tty:?}");
        assert!(tty.contains(" errors, "), "{mode}: {tty:?}");
        let after = tty.rsplit("\r\u{1b}[K").next().unwrap();
        assert!(after.contains(summary), "{mode}: {tty:?}");
        if mode == "hold" {
            assert!(
                tty.contains("\r\u{1b}[Ksio-auth bench: holding 2 sockets\r\n"),
                "{tty:?}"
            );
        }
    }
    let (code, _, stderr) = bench_run(
        &sb,
        &server.url(),
        &["--mode", "hold", "--clients", "2", "--duration", "3s"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "sio-auth bench: holding 2 sockets\n");
}
