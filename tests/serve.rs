//! `sio-auth serve` against the official socket.io-client (tests/node/client.js), Node-made
//! cookies, raw HTTP and bad input.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{
    Peer, Polling, Sandbox, http, node_fixture, node_lines, now_ms, raw_http, serve,
};

const SECRET: &str = "serve-tests-secret-3e8b1d6f9a2c7045";

/// Runs the official client; returns its exit code and its JSON lines.
fn official_client(
    fixture: &std::path::Path,
    url: &str,
    args: &[&str],
) -> (Option<i32>, Vec<Value>) {
    let out = Command::new("node")
        .arg(fixture.join("client.js"))
        .arg(url)
        .args(args)
        .args(["--timeout", "10000"])
        .output()
        .expect("node client.js");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    (out.status.code(), lines)
}

fn ticks(lines: &[Value]) -> Vec<i64> {
    lines
        .iter()
        .filter(|l| l["event"] == "data")
        .map(|l| l["args"][0].as_i64().expect("ms"))
        .collect()
}

fn assert_sane_ticks(lines: &[Value], n: usize, what: &str) {
    let ticks = ticks(lines);
    assert_eq!(ticks.len(), n, "{what}: {lines:?}");
    let now = now_ms();
    for t in &ticks {
        assert!(
            (now - 10_000..=now + 1_000).contains(t),
            "{what}: tick {t} is not near now ({now})"
        );
    }
    assert!(
        ticks.windows(2).all(|w| w[0] < w[1]),
        "{what}: ticks increase: {ticks:?}"
    );
}

fn sign(sb: &Sandbox, sid: &str) -> String {
    sb.stdout_ok(&["sign", sid, "--secret", SECRET])
}

fn set_cookie_of(headers: &[(String, String)]) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
}

#[test]
fn page_issues_one_express_session_cookie() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET]);
    let (status, headers, body) = http(server.addr, "GET", "/", &[]);
    assert_eq!(status, 200);
    assert!(body.contains("<title>sio-auth</title>") && body.contains("/sio-auth/client.js"));
    let set_cookie = set_cookie_of(&headers).expect("a new visitor gets a cookie");
    let shape = regex_lite(&set_cookie);
    assert!(shape, "express-session's shape: {set_cookie}");
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    let sid = sb
        .cmd()
        .args(["verify", "--secret", SECRET, &pair])
        .output()
        .unwrap();
    assert!(sid.status.success());
    assert_eq!(String::from_utf8(sid.stdout).unwrap().trim().len(), 32);

    let (_, headers, _) = http(
        server.addr,
        "GET",
        "/",
        &[("Cookie", &format!("theme=dark; {pair}"))],
    );
    assert_eq!(set_cookie_of(&headers), None, "a valid cookie is kept");
    let forged = format!("{}x", &pair);
    let (_, headers, _) = http(server.addr, "GET", "/", &[("Cookie", &forged)]);
    assert!(
        set_cookie_of(&headers).is_some(),
        "an invalid cookie is replaced"
    );

    let (status, headers, script) = http(server.addr, "GET", "/sio-auth/client.js", &[]);
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("text/javascript"))
    );
    assert!(script.contains("EIO=4"));
    assert_eq!(http(server.addr, "GET", "/nothing-here", &[]).0, 404);
    assert!(
        !server.stderr().contains(pair.split('.').nth(1).unwrap()),
        "no cookie in the logs"
    );
}

/// `express.sid=s%3A<32 base64url>.<sig>; Path=/; HttpOnly; SameSite=Lax`, checked by hand.
fn regex_lite(set_cookie: &str) -> bool {
    let Some(rest) = set_cookie.strip_prefix("express.sid=s%3A") else {
        return false;
    };
    let Some((value, attributes)) = rest.split_once("; ") else {
        return false;
    };
    let Some((sid, sig)) = value.split_once('.') else {
        return false;
    };
    sid.len() == 32
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && sig.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'%')
        && attributes == "Path=/; HttpOnly; SameSite=Lax"
}

#[test]
fn official_client_gets_ticks_with_every_kind_of_cookie() {
    let Some(fixture) = node_fixture("official_client_gets_ticks_with_every_kind_of_cookie") else {
        return;
    };
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);

    let (_, headers, _) = http(server.addr, "GET", "/", &[]);
    let from_page = set_cookie_of(&headers)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let from_sign = sign(&sb, "signed-by-sio-auth");
    let line = serde_json::json!({"sid": "signed-by-node", "secret": SECRET}).to_string();
    let node = node_lines(&fixture, "sign.js", &[], &format!("{line}\n"));
    let from_node = format!(
        "express.sid={}",
        serde_json::from_str::<Value>(&node[0]).unwrap()["encoded"]
            .as_str()
            .unwrap()
    );
    let mut app_cmd = Command::new("node");
    app_cmd
        .arg(fixture.join("app.js"))
        .args(["0", SECRET])
        .current_dir(&fixture)
        .env_remove("REDIS_URL");
    let app = Peer::spawn(app_cmd);
    let (_, headers, _) = http(app.addr, "GET", "/", &[]);
    let from_express = set_cookie_of(&headers)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    for (source, cookie) in [
        ("GET /", &from_page),
        ("sio-auth sign", &from_sign),
        ("cookie-signature", &from_node),
        ("express-session", &from_express),
    ] {
        for transport in ["websocket", "polling", "default"] {
            let what = format!("{source} over {transport}");
            let (code, lines) = official_client(
                &fixture,
                &server.url(),
                &["--cookie", cookie, "--transport", transport, "--count", "3"],
            );
            assert_eq!(code, Some(0), "{what}: {lines:?}");
            assert_eq!(lines[0]["event"], "connect", "{what}");
            assert_sane_ticks(&lines, 3, &what);
        }
    }
}

#[test]
fn official_client_gets_the_refusal_reasons() {
    let Some(fixture) = node_fixture("official_client_gets_the_refusal_reasons") else {
        return;
    };
    let sb = Sandbox::new();
    // Debug level: the per-handshake lines (with their reasons) are checked below.
    let server = {
        let mut cmd = sb.std_cmd();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--secret", SECRET])
            .env("RUST_LOG", "sio_auth=debug");
        Peer::spawn(cmd)
    };
    let good = sign(&sb, "someone");
    let tampered = good.replacen("someone", "someonf", 1);
    let other_secret = {
        let out = sb
            .cmd()
            .args([
                "sign",
                "someone",
                "--secret",
                "another-secret-another-secret-xx",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    let cases: [(&str, Option<&str>, &str); 6] = [
        ("no cookie", None, "No cookie transmitted."),
        ("tampered sid", Some(&tampered), "Cookie is invalid."),
        ("another secret", Some(&other_secret), "Cookie is invalid."),
        (
            "unsigned",
            Some("express.sid=someone"),
            "Cookie is invalid.",
        ),
        (
            "another cookie only",
            Some("theme=dark"),
            "Cookie is invalid.",
        ),
        (
            "malformed percent-encoding",
            Some("express.sid=s%3Asomeone.%E0%A4%A"),
            "Cookie is invalid.",
        ),
    ];
    for (what, cookie, reason) in cases {
        for transport in ["websocket", "polling"] {
            let mut args = vec!["--transport", transport, "--count", "1"];
            if let Some(cookie) = cookie {
                args.extend(["--cookie", cookie]);
            }
            let (code, lines) = official_client(&fixture, &server.url(), &args);
            assert_eq!(code, Some(1), "{what} over {transport}: {lines:?}");
            assert_eq!(
                lines.last().unwrap()["message"],
                reason,
                "{what} over {transport}"
            );
            assert!(ticks(&lines).is_empty());
        }
    }
    let (code, lines) = official_client(
        &fixture,
        &server.url(),
        &["--cookie", &good, "--namespace", "/elsewhere"],
    );
    assert_eq!(
        (code, lines.last().unwrap()["message"].as_str()),
        (Some(1), Some("Invalid namespace"))
    );
    let logs = server.stderr();
    assert!(
        logs.contains("handshake refused: No cookie transmitted.")
            && logs.contains("handshake refused: Cookie is invalid.")
    );
    assert!(
        !logs.contains(good.rsplit_once('.').unwrap().1) && !logs.contains(SECRET),
        "no cookie or secret in logs"
    );
}

#[test]
fn bad_input_is_refused_while_other_clients_keep_their_ticks() {
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "50ms"]);
    // A well-behaved client, ticking all along.
    let mut watcher = sb
        .std_cmd()
        .args([
            "connect",
            &server.url(),
            "--cookie",
            &sign(&sb, "watcher"),
            "--transport",
            "websocket",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let watcher_out = watcher.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<i64>();
    std::thread::spawn(move || {
        use std::io::BufRead as _;
        for line in std::io::BufReader::new(watcher_out)
            .lines()
            .map_while(Result::ok)
        {
            if let Ok(ms) = line.parse() {
                let _ = tx.send(ms);
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the watcher gets ticks");
    let started = now_ms();

    // A 64 KB Cookie header: 431 before any authorization code runs.
    let huge = format!("express.sid={}", "a".repeat(64 * 1024));
    let (status, _) = raw_http(
        server.addr,
        format!(
            "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nCookie: {huge}\r\n\r\n"
        )
        .as_bytes(),
        Duration::from_secs(5),
    );
    assert_eq!(status, 431);
    // 1000 cookies with a valid one last: accepted (about 10 KB, under the 16 KiB limit).
    let many: String =
        (0..1000).map(|i| format!("c{i}=v; ")).collect::<String>() + &sign(&sb, "many");
    let session = Polling::open(server.addr, many.as_bytes());
    assert_eq!(session.post("40"), 200);
    let body = session.verdict();
    assert!(body.contains("40{\"sid\""), "accepted: {body}");
    // 1000 cookies without the session cookie, malformed escapes, non-UTF-8 bytes: refused.
    let without: String = (0..1000)
        .map(|i| format!("c{i}=v"))
        .collect::<Vec<_>>()
        .join("; ");
    for cookie in [
        without.as_bytes(),
        b"express.sid=s%3A%E0%A4%A.%%%",
        b"express.sid=s%3A\xff\xfe\x80.abc",
        b"\xc3\x28=\xa0\xa1",
    ] {
        let session = Polling::open(server.addr, cookie);
        assert_eq!(session.post("40"), 200);
        let body = session.verdict();
        assert!(
            body.contains(r#"44{"message":"Cookie is invalid."}"#),
            "{body}"
        );
    }
    // Engine.IO v3 and garbage handshakes: clear 400s.
    let (status, body) = raw_http(
        server.addr,
        b"GET /socket.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(5),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Unsupported protocol version"), "{body}");
    let (status, _) = raw_http(
        server.addr,
        b"GET /socket.io/?EIO=4&transport=carrier-pigeon HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(5),
    );
    assert_eq!(status, 400);
    let (status, _) = raw_http(
        server.addr,
        b"\x16\x03\x01 not http at all\r\n\r\n",
        Duration::from_secs(5),
    );
    assert_eq!(status, 400);

    // The watcher kept ticking through all of it.
    let mut after = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    while after < 5 && Instant::now() < deadline {
        if rx
            .recv_timeout(Duration::from_secs(1))
            .is_ok_and(|ms| ms > started)
        {
            after += 1;
        }
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    assert_eq!(after, 5, "the well-behaved client kept receiving ticks");
}

#[test]
fn a_refused_session_is_closed_promptly() {
    let sb = Sandbox::new();
    // The default (3 s), then a shorter --connect-timeout.
    for (args, bound) in [
        (&[][..], Duration::from_secs(5)),
        (
            &["--connect-timeout", "300ms"][..],
            Duration::from_millis(1500),
        ),
    ] {
        let server = serve(&sb, &[&["--secret", SECRET][..], args].concat());
        refused_session_closes_within(&server, bound);
    }
}

fn refused_session_closes_within(server: &Peer, bound: Duration) {
    let session = Polling::open(server.addr, b"express.sid=forged");
    let refused_at = Instant::now();
    assert_eq!(session.post("40"), 200);
    let mut seen = String::new();
    // Poll until the server ends the session (a close packet, or the sid is gone).
    loop {
        let (status, body) = session.get();
        seen.push_str(&body);
        if status != 200 || body.split('\u{1e}').any(|p| p == "1") {
            break;
        }
        assert!(
            refused_at.elapsed() < Duration::from_secs(10),
            "still open: {seen}"
        );
        // Answer pings like a client would, so only the refusal can end the session.
        if body.split('\u{1e}').any(|p| p == "2") {
            session.post("3");
        }
    }
    assert!(seen.contains("Cookie is invalid."), "{seen}");
    let took = refused_at.elapsed();
    assert!(
        took < bound,
        "closed after {took:?}, not within {bound:?} (socketioxide's default is 45 s)"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_with_sockets_connected_exits_0_within_2_s() {
    let sb = Sandbox::new();
    let mut server = serve(&sb, &["--secret", SECRET, "--interval", "100ms"]);
    let mut clients: Vec<_> = (0..3)
        .map(|i| {
            let transport = if i == 0 { "polling" } else { "websocket" };
            sb.std_cmd()
                .args([
                    "connect",
                    &server.url(),
                    "--cookie",
                    &sign(&sb, "c"),
                    "--transport",
                    transport,
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for client in &mut clients {
        use std::io::BufRead as _;
        let mut line = String::new();
        std::io::BufReader::new(client.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.trim().parse::<i64>().is_ok(),
            "connected and ticking: {line:?}"
        );
    }
    let start = Instant::now();
    let status = server
        .terminate(Duration::from_secs(5))
        .expect("exits after SIGTERM");
    let took = start.elapsed();
    assert_eq!(status.code(), Some(0));
    assert!(took < Duration::from_secs(2), "took {took:?}");
    for mut client in clients {
        let _ = client.kill();
        let _ = client.wait();
    }
}

#[test]
fn bad_serve_arguments() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["serve", "--listen", "nowhere"])
        .assert()
        .code(2);
    sb.cmd()
        .args(["serve", "--interval", "0ms", "--secret", SECRET])
        .assert()
        .code(2);
    sb.cmd()
        .args(["serve", "--event", "", "--secret", SECRET])
        .assert()
        .code(2);
    for bad in ["0", "3", "0ms", "-1", "soon", "5y", "11m", ""] {
        sb.cmd()
            .args([
                "serve",
                &format!("--connect-timeout={bad}"),
                "--secret",
                SECRET,
            ])
            .timeout(Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--connect-timeout"));
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = sb
        .cmd()
        .args(["serve", "--listen", &addr, "--secret", SECRET])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("sio-auth: error: cannot listen on {addr}")),
        "{stderr}"
    );
}

/// `sio-auth serve … | true`: the reader is gone before the `listening on` line is written. A
/// server that cannot say where it listens fails (5, I/O) instead of serving unseen
/// (regression: the broken pipe was taken for a quiet success, exit 0).
#[test]
fn serve_with_a_closed_stdout_fails_and_does_not_serve() {
    let sb = Sandbox::new();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let port = crate::util::free_port();
    let mut child = sb
        .std_cmd()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--secret", SECRET])
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("serve kept running with a closed stdout");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert_eq!(status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("sio-auth: error: cannot write to stdout: Broken pipe"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens after the failure"
    );
}

/// Each socket ticks at the phase it connected in, one interval apart, as with the classic
/// example's per-socket timer; the sends are not one burst for every socket at once.
#[test]
fn sockets_tick_at_their_own_phase_one_interval_apart() {
    const INTERVAL: i64 = 400;
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "400ms"]);
    let cookie = sign(&sb, "phased");
    let client = || {
        let mut cmd = sb.std_cmd();
        cmd.args(["connect", &server.url(), "--cookie", &cookie])
            .args(["--count", "3", "--json", "--timeout", "10s"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        (now_ms(), cmd.spawn().unwrap())
    };
    let (started_a, a) = client();
    std::thread::sleep(Duration::from_millis(200));
    let (started_b, b) = client();
    let ticks_of = |child: std::process::Child| {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ticks = ticks(&lines);
        assert_eq!(ticks.len(), 3, "{lines:?}");
        ticks
    };
    let (a, b) = (ticks_of(a), ticks_of(b));
    for ticks in [&a, &b] {
        for w in ticks.windows(2) {
            assert!(
                (INTERVAL - 100..=INTERVAL + 100).contains(&(w[1] - w[0])),
                "one interval apart: {ticks:?}"
            );
        }
    }
    // The phase gap between the two sockets follows the gap between their starts (200 ms,
    // plus however long the second process took to start), not 0 as with one shared burst.
    let started_gap = (started_b - started_a).rem_euclid(INTERVAL);
    let phase_gap = (b[0] - a[0]).rem_euclid(INTERVAL);
    let off = (phase_gap - started_gap).rem_euclid(INTERVAL);
    assert!(
        off.min(INTERVAL - off) <= 120,
        "phase gap {phase_gap} ms vs start gap {started_gap} ms: a {a:?}, b {b:?}"
    );
}

/// `serve` with `args`, which must refuse to start: exit 2 and one line on stderr, containing
/// `message`, never the secret, and no `listening on` line.
fn assert_serve_refuses(sb: &Sandbox, args: &[&str], env: &[(&str, &str)], message: &str) {
    let out = sb
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .timeout(Duration::from_secs(20))
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let case = format!("{args:?} {env:?}");
    assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
    assert!(out.stdout.is_empty(), "{case}: {out:?}");
    assert!(
        stderr.starts_with("sio-auth: error: ") && stderr.contains(message),
        "{case}: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{case}: {stderr}");
}

/// Regression: `serve` started with `keyboard cat` after a warning, and with 36 bytes of `a`
/// without one. Now each class of weak secret is refused, from every source and in any
/// position of the keyring, unless --allow-weak-secret.
#[test]
fn serve_refuses_weak_secrets_unless_allowed() {
    let sb = Sandbox::new();
    let aaaa = "a".repeat(36);
    for (secret, class) in [
        ("keyboard cat", "is a well-known example secret"),
        (
            "your-super-secret-jwt-token-with-at-least-32-characters-long",
            "is a well-known example secret (Supabase",
        ),
        ("changeit", "is a well-known example secret (socket.io"),
        ("short-but-unique", "is only 16 bytes long"),
        (&aaaa, "is one piece of 1 character repeated"),
        (
            "serve-test-secret-serve-test-secret",
            "has an estimated entropy of only",
        ),
    ] {
        assert_serve_refuses(&sb, &["--secret", secret], &[], class);
        assert_serve_refuses(&sb, &[], &[("SIO_AUTH_SECRET", secret)], class);
        // An old secret still verifies, so a weak one among strong ones is refused too.
        assert_serve_refuses(
            &sb,
            &["--secret", SECRET, "--secret", secret],
            &[],
            "the secret from --secret #2",
        );
        let file = sb.write("weak", format!("{SECRET}\n{secret}\n"));
        #[cfg(unix)]
        std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let file = file.to_string_lossy().into_owned();
        assert_serve_refuses(
            &sb,
            &["--secret-file", &file],
            &[],
            &format!("the secret from {file} line 2 {class}"),
        );
        assert_serve_refuses(&sb, &["--secret", secret], &[], "--allow-weak-secret");
        // Allowed: it serves, after a warning.
        let server = serve(&sb, &["--secret", secret, "--allow-weak-secret"]);
        let (status, _, _) = http(server.addr, "GET", "/", &[]);
        assert_eq!(status, 200);
        drop(server);
    }
    let server = serve(&sb, &["--secret", &aaaa, "--allow-weak-secret"]);
    let mut server = server;
    server.terminate(Duration::from_secs(5));
    assert!(
        server.stderr().contains(
            "sio-auth: warning: the secret from --secret #1 is one piece of 1 character repeated"
        ),
        "{}",
        server.stderr()
    );
}

/// A secret file of ours that group or others can read or change is refused by `serve` as ssh
/// refuses such a private key, with the mode and the fix; --allow-weak-secret does not change
/// that; sign only warns; a file of another user is only warned about (we could not chmod it).
#[cfg(unix)]
#[test]
fn serve_refuses_a_secret_file_others_can_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let sb = Sandbox::new();
    let file = sb.write("secret", format!("{SECRET}\n"));
    let path = file.to_string_lossy().into_owned();
    for mode in [0o644, 0o640, 0o604, 0o660, 0o620, 0o602, 0o700 | 0o004] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let expected = format!(
            "secret file {path} has mode {mode:04o}: group or others can read or change it, and \
             serve refuses such a file as ssh refuses such a private key: run `chmod 600 {path}`"
        );
        assert_serve_refuses(&sb, &["--secret-file", &path], &[], &expected);
        assert_serve_refuses(
            &sb,
            &["--secret-file", &path, "--allow-weak-secret"],
            &[],
            &expected,
        );
        let out = sb
            .cmd()
            .args(["sign", "x", "--secret-file", &path])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(&format!(
                "sio-auth: warning: secret file {path} has mode {mode:04o}: group or others can \
                 read or change it (chmod 600 it)"
            )),
            "{out:?}"
        );
    }
    for mode in [0o600, 0o400] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut server = serve(&sb, &["--secret-file", &path]);
        server.terminate(Duration::from_secs(5));
        assert!(!server.stderr().contains("mode"), "{}", server.stderr());
    }
    // Someone else's file (only root can make one here): a warning, and it serves.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let chowned = Command::new("chown")
        .args(["65534", &path])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if chowned {
        let mut server = serve(&sb, &["--secret-file", &path]);
        server.terminate(Duration::from_secs(5));
        assert!(
            server.stderr().contains("has mode 0644"),
            "{}",
            server.stderr()
        );
    }
}
