//! Emits and acks (issue 15): `sio-auth serve`'s `echo` and the Node reference's, checked with
//! the official socket.io-client (tests/node/client.js) and with `sio-auth connect --emit`.

use serde_json::{Value, json};

use crate::util::{Peer, Sandbox, node_fixture, node_io_server, serve};

const SECRET: &str = "emit-tests-secret-0123456789abcdef";

/// A server under test.
struct Server {
    name: &'static str,
    peer: Peer,
}

/// `sio-auth serve` with a second namespace, and the Node reference unless node is missing (a
/// loud SKIPPED; a failure under CI=true).
fn servers(sb: &Sandbox, test: &str) -> Vec<Server> {
    let mut servers = vec![Server {
        name: "sio-auth serve",
        peer: serve(sb, &["--secret", SECRET, "--namespace", "/admin"]),
    }];
    if let Some(peer) = node_io_server(test, 0, &[SECRET], &[]) {
        servers.push(Server {
            name: "node io-server.js",
            peer,
        });
    }
    servers
}

fn cookie(sb: &Sandbox) -> String {
    sb.stdout_ok(&["sign", "--secret", SECRET, "--format", "pair"])
}

/// The official client: `node client.js URL --cookie C --emit-ack JSON ARGS…`; its ack's args.
fn official_ack(test: &str, url: &str, cookie: &str, emit: &Value, args: &[&str]) -> Option<Value> {
    let fixture = node_fixture(test)?;
    let out = std::process::Command::new("node")
        .arg(fixture.join("client.js"))
        .arg(url)
        .args(["--cookie", cookie, "--emit-ack", &emit.to_string()])
        .args(args)
        .output()
        .expect("node client.js");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let last = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .map(str::to_owned)
        .unwrap_or_default();
    let line: Value = serde_json::from_str(&last).expect("json line");
    assert_eq!(line["event"], "ack", "{line}");
    Some(line["args"].clone())
}

/// What `echo` must repeat: several arguments, unicode, nesting, key order, binary at the top
/// and deep inside.
fn echo_args() -> Vec<Value> {
    vec![
        json!("héllo wörld ✓ 🦀"),
        json!(42),
        json!({"z": 1, "a": [true, null, {"deep": {"er": ["ü"]}}]}),
        json!({"$bytes": "AAEC/w=="}),
        json!({"file": {"$bytes": "aGk="}, "name": "x.bin"}),
    ]
}

#[test]
fn echo_acks_the_same_arguments_to_the_official_client() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    for server in servers(&sb, "echo_acks_the_same_arguments_to_the_official_client") {
        let mut emit = vec![json!("echo")];
        emit.extend(echo_args());
        let Some(args) = official_ack(
            "echo_acks_the_same_arguments_to_the_official_client",
            &server.peer.url(),
            &cookie,
            &Value::Array(emit),
            &[],
        ) else {
            return;
        };
        // Compared as text: the key order must survive too.
        assert_eq!(
            args.to_string(),
            Value::Array(echo_args()).to_string(),
            "{}",
            server.name
        );
        // No arguments: an ack with none.
        let args = official_ack(
            "echo_no_args",
            &server.peer.url(),
            &cookie,
            &json!(["echo"]),
            &[],
        );
        assert_eq!(args, Some(json!([])), "{}", server.name);
    }
}

#[test]
fn serve_echoes_on_every_namespace_the_socket_joined() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    let server = serve(&sb, &["--secret", SECRET, "--namespace", "/admin"]);
    let args = official_ack(
        "serve_echoes_on_every_namespace_the_socket_joined",
        &server.url(),
        &cookie,
        &json!(["echo", "in admin", [1, 2]]),
        &["--namespace", "/admin"],
    );
    if let Some(args) = args {
        assert_eq!(args, json!(["in admin", [1, 2]]));
    }
}

/// `sio-auth connect URL --cookie C ARGS… --timeout 10s`, run to its end.
fn connect(sb: &Sandbox, url: &str, cookie: &str, args: &[&str]) -> std::process::Output {
    sb.cmd()
        .timeout(std::time::Duration::from_secs(30))
        .args(["connect", url, "--cookie", cookie, "--timeout", "10s"])
        .args(args)
        .output()
        .expect("run connect")
}

fn lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn connect_emits_and_prints_acks_in_order() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    for server in servers(&sb, "connect_emits_and_prints_acks_in_order") {
        let url = server.peer.url();
        let name = server.name;
        // Several arguments, unicode, nesting and key order; one value; none. `--event none`
        // keeps the ticks out of stdout.
        let output = connect(
            &sb,
            &url,
            &cookie,
            &[
                "--event",
                "none",
                "--emit",
                "echo",
                r#"["héllo ✓ 🦀",{"z":1,"a":[true,null,{"deep":["ü"]}]},2.5]"#,
                "--emit",
                "echo",
                "42",
                "--emit",
                "echo",
                "--emit",
                "echo",
                r#""a string""#,
                "--ack",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert_eq!(
            lines(&output),
            [
                r#"["héllo ✓ 🦀",{"z":1,"a":[true,null,{"deep":["ü"]}]},2.5]"#,
                "[42]",
                "[]",
                r#"["a string"]"#,
            ],
            "{name}"
        );
        // --json: one object per ack.
        let output = connect(
            &sb,
            &url,
            &cookie,
            &[
                "--event", "none", "--emit", "echo", "[1,2]", "--ack", "--json",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        let line: Value = serde_json::from_str(&lines(&output)[0]).expect("json");
        assert_eq!(line["ack"], "echo", "{name}");
        assert_eq!(line["args"], json!([1, 2]), "{name}");
        assert!(
            line["rtt_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{name}: {line}"
        );
        // Without --ack: sent, nothing printed, exit 0 at once.
        let output = connect(
            &sb,
            &url,
            &cookie,
            &["--event", "none", "--emit", "echo", "1"],
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert!(output.stdout.is_empty(), "{name}: {output:?}");
        // With --count, events are still printed after the emits.
        let output = connect(
            &sb,
            &url,
            &cookie,
            &["--emit", "echo", "1", "--ack", "--count", "2", "--json"],
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        let printed = lines(&output);
        assert_eq!(printed.len(), 3, "{name}: {printed:?}");
        assert_eq!(
            printed
                .iter()
                .filter(|l| l.contains(r#""event":"data""#))
                .count(),
            2,
            "{name}: {printed:?}"
        );
    }
}

#[test]
fn an_ack_that_does_not_come_exits_4() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    for server in servers(&sb, "an_ack_that_does_not_come_exits_4") {
        let output = sb
            .cmd()
            .timeout(std::time::Duration::from_secs(30))
            .args(["connect", &server.peer.url(), "--cookie", &cookie])
            .args([
                "--event",
                "none",
                "--emit",
                "unanswered",
                "--ack",
                "--timeout",
                "1s",
            ])
            .output()
            .expect("run connect");
        assert_eq!(output.status.code(), Some(4), "{}: {output:?}", server.name);
        assert!(
            String::from_utf8_lossy(&output.stderr)
                .contains("no ack for --emit unanswered within 1s"),
            "{}: {output:?}",
            server.name
        );
    }
}

#[test]
fn a_refusal_with_emits_still_exits_1() {
    let sb = Sandbox::new();
    for server in servers(&sb, "a_refusal_with_emits_still_exits_1") {
        let output = connect(
            &sb,
            &server.peer.url(),
            "express.sid=forged",
            &["--emit", "echo", "1", "--ack"],
        );
        assert_eq!(output.status.code(), Some(1), "{}: {output:?}", server.name);
        assert!(output.stdout.is_empty(), "{}: {output:?}", server.name);
    }
}

#[test]
fn bad_emit_and_auth_are_usage_errors_before_any_traffic() {
    let sb = Sandbox::new();
    // Nothing listens there: exit 2, not 3, shows nothing was tried.
    let url = format!("http://127.0.0.1:{}", crate::util::free_port());
    for (args, message) in [
        (
            &["--emit", "echo", "{bad"][..],
            "--emit echo: ARGS is not JSON",
        ),
        (
            &["--emit", "echo", "1", "--auth", "[1]"][..],
            "--auth must be a JSON object",
        ),
        (
            &["--auth", r#"{"token":"hunter2"#][..],
            "--auth is not JSON",
        ),
        (&["--ack"][..], "--emit"),
    ] {
        let output = connect(&sb, &url, "express.sid=x", args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{args:?}: {stderr}");
    }
}

#[test]
fn auth_reaches_the_node_servers_handshake() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    let Some(node) = node_io_server("auth_reaches_the_node_servers_handshake", 0, &[SECRET], &[])
    else {
        return;
    };
    let output = connect(
        &sb,
        &node.url(),
        &cookie,
        &[
            "--event",
            "none",
            "--auth",
            r#"{"token":"t-ü","n":[1,{"b":2,"a":1}]}"#,
            "--emit",
            "handshake",
            "--ack",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        lines(&output),
        [r#"[{"auth":{"token":"t-ü","n":[1,{"b":2,"a":1}]}}]"#]
    );
}

#[test]
fn binary_the_server_sends_prints_as_base64() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    let Some(node) = node_io_server(
        "binary_the_server_sends_prints_as_base64",
        0,
        &[SECRET],
        &[],
    ) else {
        return;
    };
    // The ack of `binary` is the bytes 00 01 02 ff; so is the `binary` event it sends first.
    let output = connect(
        &sb,
        &node.url(),
        &cookie,
        &[
            "--event", "binary", "--emit", "binary", "--ack", "--count", "1", "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed = lines(&output);
    assert!(
        printed
            .iter()
            .any(|l| l.contains(r#""event":"binary","args":[{"base64":"AAEC/w=="}]"#)),
        "{printed:?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains(r#""ack":"binary","args":[{"base64":"AAEC/w=="}]"#)),
        "{printed:?}"
    );
}
