//! The slips a new user makes, each answered with the form that works (issue: first contact).
//! Every case runs the real binary and checks its one-line error and exit code.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::thread;

use predicates::str::contains;

use crate::util::Sandbox;

const SECRET: &str = "hints-test-secret-Qw7pZr2LmX9vKt4Yb";

/// One line on stderr, nothing on stdout, the exit code given.
fn assert_one_line(out: &std::process::Output, code: i32, hint: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    assert!(
        stderr.contains(hint),
        "{what}: expected {hint:?} in {stderr}"
    );
    assert!(out.stdout.is_empty(), "{what}: stdout {:?}", out.stdout);
}

#[test]
fn listen_wants_an_ip_and_a_port() {
    let sb = Sandbox::new();
    for (listen, hint) in [
        ("3001", "not a bare port: --listen 127.0.0.1:3001"),
        (
            "localhost:3001",
            "host names are not resolved: --listen 127.0.0.1:3001",
        ),
        (
            "example.com:8080",
            "e.g. --listen 127.0.0.1:8080 or 0.0.0.0:8080",
        ),
        ("nonsense", "expected IP:PORT, e.g. 127.0.0.1:3000"),
    ] {
        let out = sb
            .cmd()
            .args(["serve", "--secret", SECRET, "--listen", listen])
            .output()
            .unwrap();
        assert_one_line(&out, 2, hint, listen);
    }
    sb.cmd()
        .args(["serve", "--help"])
        .assert()
        .success()
        .stdout(contains("--listen <IP:PORT>"));
}

#[test]
fn a_url_without_its_scheme_gets_one_suggested() {
    let sb = Sandbox::new();
    for command in ["connect", "bench"] {
        for (url, hint) in [
            (
                "127.0.0.1:3000",
                "a URL starts with its scheme: http://127.0.0.1:3000",
            ),
            (
                "localhost:3000",
                "a URL starts with its scheme: http://localhost:3000",
            ),
            (
                "ftp://127.0.0.1",
                "unsupported scheme \"ftp\": use http, https, ws or wss",
            ),
        ] {
            let out = sb.cmd().args([command, url]).output().unwrap();
            assert_one_line(&out, 2, hint, &format!("{command} {url}"));
        }
    }
}

#[test]
fn verify_given_a_file_name_says_cookies_come_from_stdin() {
    let sb = Sandbox::new();
    let cookie = sb.stdout_ok(&["sign", "abc", "--secret", SECRET]);
    let file = sb.write("cookies.txt", format!("{cookie}\n"));
    let file = file.to_str().unwrap();
    let out = sb
        .cmd()
        .args(["verify", "--secret", SECRET, file])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cookies are read from the arguments or from stdin: sio-auth verify < {file}"
        )),
        "{stderr}"
    );
    // As the hint says, the same file on stdin verifies.
    sb.cmd()
        .args(["verify", "--secret", SECRET])
        .pipe_stdin(file)
        .unwrap()
        .assert()
        .success()
        .stdout("abc\n");
    // A cookie that is simply invalid gets no such hint.
    let out = sb
        .cmd()
        .args(["verify", "--secret", SECRET, "not-a-file-nor-a-cookie"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hint"));
}

/// A TCP server on a free loopback port that answers every connection with `reply` (or, when
/// empty, closes it after reading the first bytes), as a server that is not Redis would.
fn not_redis(reply: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            thread::spawn(move || {
                let mut buf = [0; 256];
                let _ = stream.read(&mut buf);
                if !reply.is_empty() {
                    let _ = stream.write_all(reply);
                    let _ = stream.read(&mut buf);
                }
            });
        }
    });
    addr
}

#[test]
fn a_store_that_is_not_redis_is_named_as_such() {
    let sb = Sandbox::new();
    let cookie = sb.stdout_ok(&["sign", "abc", "--secret", SECRET]);
    // Not even a Redis URL.
    for (store, hint) in [
        (
            "127.0.0.1:6379",
            "a store URL starts with its scheme: write redis://127.0.0.1:6379",
        ),
        (
            ":hunter2@127.0.0.1:6379",
            "write redis://:***@127.0.0.1:6379",
        ),
        (
            "http://127.0.0.1:6379",
            "a http:// URL is not a session store",
        ),
    ] {
        let out = sb
            .cmd()
            .args(["verify", "--secret", SECRET, "--store", store, &cookie])
            .output()
            .unwrap();
        assert_one_line(&out, 2, hint, store);
        assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
    }
    // A Redis URL pointing at a server that speaks something else: an HTTP server, one that
    // greets in a binary protocol (as MariaDB does), one that hangs up.
    for (reply, hint) in [
        (
            &b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"[..],
            "the server does not speak the Redis protocol (is --store pointed at a Redis server?)",
        ),
        (
            &b"\x4a\x00\x00\x00\x0a5.5.5-10.11.19-MariaDB\x00"[..],
            "the server does not speak the Redis protocol",
        ),
        (
            &b""[..],
            "the server closed the connection (is --store pointed at a Redis server?)",
        ),
    ] {
        let addr = not_redis(reply);
        let store = format!("redis://{addr}");
        let out = sb
            .cmd()
            .args(["verify", "--secret", SECRET, "--store", &store, &cookie])
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_one_line(&out, 3, hint, &store);
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    }
}

#[test]
fn serve_refuses_tick_events_that_mean_something_else() {
    let sb = Sandbox::new();
    for (event, hint) in [
        ("session_ended", "is the event that ends a session"),
        ("disconnect", "is reserved by Socket.IO"),
        ("connect_error", "is reserved by Socket.IO"),
    ] {
        let out = sb
            .cmd()
            .args([
                "serve",
                "--secret",
                SECRET,
                "--listen",
                "127.0.0.1:0",
                "--event",
                event,
            ])
            .output()
            .unwrap();
        assert_one_line(&out, 2, hint, event);
    }
}

/// One rule for every duration option: a number with its unit; a bare number, which once meant
/// milliseconds for --interval and seconds elsewhere, is refused with the two readings.
#[test]
fn a_duration_needs_its_unit_everywhere() {
    let sb = Sandbox::new();
    for args in [
        &["serve", "--secret", SECRET, "--interval", "1000"][..],
        &["serve", "--secret", SECRET, "--connect-timeout", "3"],
        &["serve", "--secret", SECRET, "--max-age", "3600"],
        &["sign", "--secret", SECRET, "--max-age", "3600"],
        &["connect", "--timeout", "1500"],
        &["bench", "--secret", SECRET, "--duration", "10"],
        &["bench", "--secret", SECRET, "--timeout", "5"],
    ] {
        let out = sb.cmd().args(args).output().unwrap();
        let number = args.last().unwrap();
        assert_one_line(
            &out,
            2,
            &format!("a duration needs its unit: write e.g. {number}ms or {number}s"),
            &args.join(" "),
        );
    }
    // Units, as --help shows them.
    let out = sb
        .cmd()
        .args([
            "sign",
            "abc",
            "--secret",
            SECRET,
            "--format",
            "set-cookie",
            "--max-age",
            "1h 30m",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let help = sb.stdout_ok(&["serve", "--help"]);
    assert!(help.contains("[default: 1s]"), "{help}");
    assert!(!help.contains("bare number"), "{help}");
}
