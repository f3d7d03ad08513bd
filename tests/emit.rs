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
