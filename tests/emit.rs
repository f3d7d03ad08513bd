//! Emits and acks (issue 15): `sio-auth serve`'s `echo` and the Node reference's, checked with
//! the official socket.io-client (tests/node/client.js) and with `sio-auth connect --emit`.

use serde_json::{Value, json};

use crate::util::{
    Peer, Sandbox, node_fixture, node_io_server, scripted_send, scripted_socket_io, scripted_text,
    serve,
};

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
                .contains("no ack for emit unanswered within 1s"),
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
    // The `binary` event it sends first is the bytes 00 01 02 ff; its ack has those bytes, an
    // object with "hi" as bytes inside, and a string: two attachments, placeholders in place
    // (rust_socketio 0.6 gave `connect` only the first attachment, and the text cut apart).
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
            .any(|l| l.contains(
                r#""ack":"binary","args":[{"base64":"AAEC/w=="},{"name":"x.bin","data":{"base64":"aGk="}},"done"]"#
            )),
        "{printed:?}"
    );
    // Plain: the arguments as one JSON array, the same way.
    let output = connect(
        &sb,
        &node.url(),
        &cookie,
        &["--event", "none", "--emit", "binary", "--ack"],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        lines(&output),
        [r#"[{"base64":"AAEC/w=="},{"name":"x.bin","data":{"base64":"aGk="}},"done"]"#]
    );
}

/// `connect --stdin`, the lines written at once and stdin closed: run to its end.
fn connect_stdin(
    sb: &Sandbox,
    url: &str,
    cookie: &str,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    sb.cmd()
        .timeout(std::time::Duration::from_secs(30))
        .args(["connect", url, "--cookie", cookie, "--timeout", "10s"])
        .args(["--event", "none", "--stdin"])
        .args(args)
        .write_stdin(stdin)
        .output()
        .expect("run connect --stdin")
}

#[test]
fn stdin_lines_are_emitted_in_order_after_the_emits() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    for server in servers(&sb, "stdin_lines_are_emitted_in_order_after_the_emits") {
        let name = server.name;
        // An ack asked for by the line, one by --ack's default, one not asked for (nothing
        // printed), unicode and nesting, CRLF, a blank line.
        let stdin = concat!(
            r#"{"event":"echo","args":["hé ✓",{"n":[1,{"ü":null}]}],"ack":true}"#,
            "\n",
            r#"{"event":"echo","args":[1],"ack":false}"#,
            "\r\n\n",
            r#"{"event":"echo","args":[2]}"#,
            "\n",
            r#"{"event":"echo"}"#,
            "\n",
        );
        let output = connect_stdin(
            &sb,
            &server.peer.url(),
            &cookie,
            &["--emit", "echo", r#""first""#, "--ack"],
            stdin,
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert_eq!(
            lines(&output),
            [
                r#"["first"]"#,
                r#"["hé ✓",{"n":[1,{"ü":null}]}]"#,
                "[2]",
                "[]"
            ],
            "{name}"
        );
        // Without --ack, only the line that asks is acked; --json says which event.
        let output = connect_stdin(
            &sb,
            &server.peer.url(),
            &cookie,
            &["--json"],
            "{\"event\":\"echo\",\"args\":[3]}\n{\"event\":\"echo\",\"args\":[4],\"ack\":true}\n",
        );
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        let printed = lines(&output);
        assert_eq!(printed.len(), 1, "{name}: {printed:?}");
        let line: Value = serde_json::from_str(&printed[0]).expect("json");
        assert_eq!((&line["ack"], &line["args"]), (&json!("echo"), &json!([4])));
        // Empty input: connected, nothing to send, exit 0.
        let output = connect_stdin(&sb, &server.peer.url(), &cookie, &[], "");
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert!(output.stdout.is_empty(), "{name}: {output:?}");
    }
}

#[test]
fn a_malformed_stdin_line_exits_2_after_the_lines_before_it() {
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    let server = serve(&sb, &["--secret", SECRET]);
    for (bad, why) in [
        (r#"{"event":"echo","args":"x"}"#, "invalid type"),
        (r#"{"event":"echo","arg":[1]}"#, "unknown field `arg`"),
        (r#"{"args":[1]}"#, "missing field `event`"),
        (r#"{"event":"echo""#, "EOF"),
        (r#"echo "typed form, but piped""#, "expected value"),
        (r#"{"event":""}"#, "the event name is empty"),
    ] {
        let stdin = format!(
            "{}\n{bad}\n{}\n",
            r#"{"event":"echo","args":["before"],"ack":true}"#,
            r#"{"event":"echo","args":["after"],"ack":true}"#,
        );
        let output = connect_stdin(&sb, &server.url(), &cookie, &[], &stdin);
        assert_eq!(output.status.code(), Some(2), "{bad}: {output:?}");
        assert_eq!(lines(&output), [r#"["before"]"#], "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("sio-auth: error: stdin line 2: ") && last.contains(why),
            "{bad}: {stderr}"
        );
    }
    // Not UTF-8.
    let output = sb
        .cmd()
        .timeout(std::time::Duration::from_secs(30))
        .args(["connect", &server.url(), "--cookie", &cookie, "--stdin"])
        .write_stdin(&b"\xff\xfe\n"[..])
        .output()
        .expect("run connect");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("stdin line 1: not UTF-8 text"),
        "{output:?}"
    );
}

/// Lines are emitted as they arrive, while stdin stays open; the server ending the session
/// (exit 6) or going away (exit 3) ends connect at once, stdin or not.
#[test]
fn stdin_emits_as_lines_arrive_and_the_server_can_end_it() {
    use std::io::{BufRead as _, Write as _};
    use std::process::Stdio;
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    for ending in ["logout", "kill"] {
        let mut server = serve(&sb, &["--secret", SECRET]);
        let mut child = sb
            .std_cmd()
            .args([
                "connect",
                &server.url(),
                "--cookie",
                &cookie,
                "--stdin",
                "--ack",
            ])
            .args(["--event", "none", "--timeout", "10s"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn connect");
        let mut stdin = child.stdin.take().expect("stdin");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        for n in 1..=3 {
            writeln!(stdin, r#"{{"event":"echo","args":[{n}]}}"#).expect("write a line");
            let mut ack = String::new();
            stdout.read_line(&mut ack).expect("an ack");
            assert_eq!(ack.trim_end(), format!("[{n}]"), "{ending}");
        }
        let started = std::time::Instant::now();
        match ending {
            "logout" => {
                let (status, _, body) =
                    crate::util::http(server.addr, "POST", "/logout", &[("Cookie", &cookie)]);
                assert_eq!(status, 200, "{body}");
            }
            _ => server.kill(),
        }
        let output = child.wait_with_output().expect("wait");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{ending}: {:?}",
            started.elapsed()
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let (code, says) = match ending {
            "logout" => (6, "the server ended the session"),
            _ => (3, "the server went away"),
        };
        assert_eq!(output.status.code(), Some(code), "{ending}: {stderr}");
        assert!(stderr.contains(says), "{ending}: {stderr}");
        drop(stdin);
    }
}

/// On a terminal a person types `EVENT [JSON…]`; a typo is said and skipped, not fatal.
/// `script` (util-linux) gives connect a pseudo-terminal for stdin.
#[test]
fn typed_lines_on_a_terminal_emit_and_a_typo_is_skipped() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let test = "typed_lines_on_a_terminal_emit_and_a_typo_is_skipped";
    if Command::new("script").arg("--version").output().is_err() {
        crate::util::missing_peer(test, "`script` (util-linux) is not installed");
        return;
    }
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    let server = serve(&sb, &["--secret", SECRET]);
    let command = format!(
        "{} connect {} --cookie '{cookie}' --stdin --ack --event none --timeout 10s",
        crate::util::bin(),
        server.url()
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn script");
    let mut stdin = child.stdin.take().expect("stdin");
    // Typed keys reach the terminal as they are typed: a line ends with Enter (CR), the input
    // with Ctrl-D.
    for keys in [
        "echo \"hi\" 42 {\"a\":[1]}\r",
        "echo hello\r",
        "echo [1]\r",
        "{\"event\":\"echo\",\"args\":[\"json\"]}\r",
        "\x04",
    ] {
        std::thread::sleep(std::time::Duration::from_millis(300));
        stdin.write_all(keys.as_bytes()).expect("type");
    }
    let output = child.wait_with_output().expect("wait");
    // The terminal echoes what was typed and merges stdout and stderr.
    let screen = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    assert_eq!(output.status.code(), Some(0), "{screen}");
    let acks: Vec<&str> = screen.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(
        acks,
        [r#"["hi",42,{"a":[1]}]"#, "[[1]]", r#"["json"]"#],
        "{screen}"
    );
    assert!(
        screen.contains("sio-auth: line 2: the arguments after echo are not JSON values")
            && screen.contains("; not sent"),
        "{screen}"
    );
}

/// The emits a scripted server got, as (ack id, arguments), from `42<id>["echo",…]` frames.
fn emitted(frame: &str) -> Option<(String, Vec<Value>)> {
    let rest = frame.strip_prefix("42")?;
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let Ok(Value::Array(mut packet)) = serde_json::from_str(&rest[id.len()..]) else {
        return None;
    };
    packet.remove(0);
    Some((id, packet))
}

/// rust_socketio 0.6 drew each ack id at random from 0..999, so two acks could share one (one
/// answer then went to both callbacks). The patched copy (vendor/rust_socketio, patch 1) counts
/// 0, 1, 2, … per client, as socket.io-client does.
#[test]
fn ack_ids_count_up_from_zero() {
    let sb = Sandbox::new();
    let (url, server) = scripted_socket_io(|ws, mut frame| {
        while frame != "40" {
            frame = scripted_text(ws).expect("the namespace CONNECT");
        }
        scripted_send(ws, r#"40{"sid":"n1"}"#);
        let mut ids = Vec::new();
        while ids.len() < 3 {
            let Some((id, args)) = scripted_text(ws).as_deref().and_then(emitted) else {
                break;
            };
            scripted_send(ws, &format!("43{id}{}", Value::Array(args)));
            ids.push(id);
        }
        while scripted_text(ws).is_some() {}
        ids
    });
    let output = connect(
        &sb,
        &url,
        "express.sid=x",
        &[
            "--transport",
            "websocket",
            "--emit",
            "echo",
            "1",
            "--emit",
            "echo",
            "2",
            "--emit",
            "echo",
            "3",
            "--ack",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(lines(&output), ["[1]", "[2]", "[3]"]);
    assert_eq!(server.join().expect("the server thread"), ["0", "1", "2"]);
}

/// Several acks are outstanding at once (the emits do not wait for each other) and print in emit
/// order whatever order they come in: this server acks only once it has all three, last first.
#[test]
fn acks_that_come_out_of_order_print_in_emit_order() {
    let sb = Sandbox::new();
    let (url, server) = scripted_socket_io(|ws, mut frame| {
        while frame != "40" {
            frame = scripted_text(ws).expect("the namespace CONNECT");
        }
        scripted_send(ws, r#"40{"sid":"n1"}"#);
        let mut emits = Vec::new();
        while emits.len() < 3 {
            let Some(emit) = scripted_text(ws).as_deref().and_then(emitted) else {
                break;
            };
            emits.push(emit);
        }
        for (id, args) in emits.iter().rev() {
            scripted_send(ws, &format!("43{id}{}", Value::Array(args.clone())));
        }
        while scripted_text(ws).is_some() {}
        emits.len()
    });
    let output = connect(
        &sb,
        &url,
        "express.sid=x",
        &[
            "--transport",
            "websocket",
            "--emit",
            "echo",
            "1",
            "--emit",
            "echo",
            r#"["two",{"n":2}]"#,
            "--emit",
            "echo",
            "3",
            "--ack",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let args: Vec<Value> = lines(&output)
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["args"].clone())
        .collect();
    assert_eq!(args, [json!([1]), json!(["two", {"n": 2}]), json!([3])]);
    assert_eq!(server.join().expect("the server thread"), 3);
}

/// A binary ack as socket.io-parser writes it: the arguments with placeholders (in an Engine.IO
/// message, `4`), then one WebSocket binary frame per attachment, here in a namespace and with the attachments out of
/// their textual order (placeholder 1 comes first).
#[test]
fn a_binary_ack_from_the_wire_prints_its_attachments_in_place() {
    let sb = Sandbox::new();
    let (url, server) = scripted_socket_io(|ws, mut frame| {
        while frame != "40/admin," {
            frame = scripted_text(ws).expect("the namespace CONNECT");
        }
        scripted_send(ws, r#"40/admin,{"sid":"n1"}"#);
        let frame = scripted_text(ws).expect("the emit");
        let id: String = frame
            .trim_start_matches("42/admin,")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        scripted_send(
            ws,
            &format!(
                r#"462-/admin,{id}[{{"_placeholder":true,"num":1}},"mid",{{"deep":[{{"_placeholder":true,"num":0}}]}}]"#
            ),
        );
        ws.send(tokio_tungstenite::tungstenite::Message::binary(vec![
            0u8, 255,
        ]))
        .expect("attachment 0");
        ws.send(tokio_tungstenite::tungstenite::Message::binary(
            b"hi".to_vec(),
        ))
        .expect("attachment 1");
        while scripted_text(ws).is_some() {}
    });
    let output = connect(
        &sb,
        &url,
        "express.sid=x",
        &[
            "--transport",
            "websocket",
            "--namespace",
            "/admin",
            "--emit",
            "files",
            "--ack",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        lines(&output),
        [r#"[{"base64":"aGk="},"mid",{"deep":[{"base64":"AP8="}]}]"#]
    );
    server.join().expect("the server thread");
}

/// Regression: `serve` installed its `echo` handler in the connect handler, which socketioxide
/// spawns after sending the CONNECT, so an emit written the moment the CONNECT arrived could
/// find no handler and never be acked (`connect --stdin` tests failed now and then once the
/// patched rust_engineio made `connect` that fast). Each of these sockets emits at once.
#[test]
fn serve_answers_an_echo_sent_the_moment_the_namespace_accepts() {
    use tokio_tungstenite::tungstenite::{Message, WebSocket, client::IntoClientRequest as _};
    /// The next text frame but pings and ticks.
    fn next_text(ws: &mut WebSocket<std::net::TcpStream>) -> String {
        loop {
            if let Message::Text(text) = ws.read().expect("a frame within 3 s")
                && !text.as_str().starts_with("42[\"data\"")
                && text.as_str() != "2"
            {
                return text.as_str().to_owned();
            }
        }
    }
    let sb = Sandbox::new();
    let cookie = cookie(&sb);
    let server = serve(&sb, &["--secret", SECRET]);
    for attempt in 0..40 {
        let mut request = format!("ws://{}/socket.io/?EIO=4&transport=websocket", server.addr)
            .into_client_request()
            .expect("request");
        request
            .headers_mut()
            .insert("Cookie", cookie.parse().expect("header"));
        let stream = std::net::TcpStream::connect(server.addr).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(3)))
            .expect("timeout");
        let (mut ws, _) =
            tokio_tungstenite::tungstenite::client(request, stream).expect("the handshake");
        assert!(next_text(&mut ws).starts_with("0{"), "attempt {attempt}");
        ws.send(Message::text("40")).expect("CONNECT");
        assert!(next_text(&mut ws).starts_with("40{"), "attempt {attempt}");
        ws.send(Message::text(r#"420["echo",1]"#)).expect("emit");
        let answer = next_text(&mut ws);
        assert_eq!(answer, "430[1]", "attempt {attempt}");
    }
}
