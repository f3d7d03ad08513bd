//! `sio-auth audit`: the built-in list, wordlists streamed in constant memory, several cookies,
//! non-UTF-8 lines, and each bad input with its line and exit code.

use std::io::Write as _;
use std::process::Stdio;

use crate::util::Sandbox;

const SID: &str = "ZSIsGnoUIWbzsLNvrVVa9Z9EDy-0JL7-";

/// A raw `s:` value signed by `secret` (any bytes: a Node app's secret is UTF-8, but the
/// search tries any line as bytes, so the tests sign with the hmac of the bytes directly).
fn signed(sandbox: &Sandbox, secret: &str, sid: &str) -> String {
    sandbox.stdout_ok(&["sign", "--secret", secret, "--format", "raw", sid])
}

/// The same for arbitrary bytes, computed here: HMAC-SHA256, standard base64 without padding.
fn signed_bytes(secret: &[u8], sid: &str) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(sid.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!(
        "s:{sid}.{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(tag)
    )
}

fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn finds_a_builtin_secret_in_every_input_form() {
    let sandbox = Sandbox::new();
    let raw = signed(&sandbox, "keyboard cat", SID);
    let encoded = sio_auth::cookie::encode_uri_component(&raw).into_owned();
    for input in [
        raw,
        encoded.clone(),
        format!("express.sid={encoded}"),
        format!("Cookie: a=1; express.sid={encoded}"),
    ] {
        let out = sandbox.cmd().args(["audit", &input]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{input}");
        assert_eq!(out.stdout, b"keyboard cat\n");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("input 1: secret found (builtin"), "{err}");
        assert!(err.contains("1 of 1 cookie solved"), "{err}");
        assert!(
            !err.contains("keyboard"),
            "the secret stays out of stderr: {err}"
        );
    }
    // A respelling of a published secret is built in too.
    let out = sandbox
        .cmd()
        .args(["audit", &signed(&sandbox, "KEYBOARD_CAT", SID)])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"KEYBOARD_CAT\n");
}

#[test]
fn finds_a_wordlist_secret_at_its_file_and_line() {
    let sandbox = Sandbox::new();
    let list = sandbox.write("words.txt", "alpha\r\n\nbeta\ngamma-secret-value\ndelta\n");
    let cookie = signed(&sandbox, "gamma-secret-value", SID);
    let out = sandbox
        .cmd()
        .args(["audit", "--json", "--wordlist"])
        .arg(&list)
        .arg(&cookie)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = json_lines(&out.stdout);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["input"], 1);
    assert_eq!(found[0]["sid"], SID);
    assert_eq!(found[0]["secret"], "gamma-secret-value");
    assert_eq!(found[0]["source"], format!("{}:4", list.display()));
    // After the whole built-in list: its size plus the line number.
    let tried = found[0]["tried"].as_u64().unwrap();
    assert!(tried > 4 && tried < 1000, "{tried}");
    // The same list from stdin, the cookie as an argument; a CRLF line break is not part of
    // the candidate.
    let cookie = signed(&sandbox, "alpha", SID);
    let out = sandbox
        .cmd()
        .args(["audit", "--json", "--wordlist", "-", &cookie])
        .write_stdin("alpha\r\n")
        .output()
        .unwrap();
    assert_eq!(json_lines(&out.stdout)[0]["source"], "-:1");
}

#[test]
fn not_found_exits_1_and_says_which() {
    let sandbox = Sandbox::new();
    let list = sandbox.write("words.txt", "one\ntwo\n");
    let found = signed(&sandbox, "two", SID);
    let missing = signed(&sandbox, "Zq3xV8bN1mK5tR7wY2cL9pD4hJ6gF0sA", SID);
    let out = sandbox
        .cmd()
        .args(["audit", "--wordlist"])
        .arg(&list)
        .args([&found, &missing])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"two\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("input 2: secret not found"), "{err}");
    assert!(err.contains("1 of 2 cookies solved"), "{err}");
    assert!(!err.contains("Zq3x"), "{err}");
}

#[test]
fn several_cookies_from_stdin_each_solved_once() {
    let sandbox = Sandbox::new();
    let list = sandbox.write("words.txt", "first-secret\nsecond-secret\nfirst-secret\n");
    let cookies = [
        signed(&sandbox, "second-secret", "sid-one"),
        signed(&sandbox, "first-secret", "sid-two"),
        signed(&sandbox, "keyboard cat", "sid-three"),
        signed(&sandbox, "second-secret", "sid-four"),
    ];
    let stdin = format!(
        "{}\n\n{}\n{}\n{}\n",
        cookies[0], cookies[1], cookies[2], cookies[3]
    );
    for threads in ["1", "2", "3"] {
        let out = sandbox
            .cmd()
            .args(["audit", "--json", "--threads", threads, "--wordlist"])
            .arg(&list)
            .write_stdin(stdin.clone())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut found: Vec<(u64, String, String)> = json_lines(&out.stdout)
            .iter()
            .map(|v| {
                (
                    v["input"].as_u64().unwrap(),
                    v["secret"].as_str().unwrap().to_owned(),
                    v["source"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        found.sort();
        let at = |line| format!("{}:{line}", list.display());
        assert_eq!(
            found,
            [
                (1, "second-secret".to_owned(), at(2)),
                (2, "first-secret".to_owned(), at(1)),
                (3, "keyboard cat".to_owned(), "builtin".to_owned()),
                (4, "second-secret".to_owned(), at(2)),
            ],
            "--threads {threads}"
        );
    }
}

#[test]
fn lines_that_are_not_utf8_are_tried_as_bytes_and_counted() {
    let sandbox = Sandbox::new();
    let secret = b"caf\xe9-latin1";
    let mut list = b"plain\n\xff\xfe\n".to_vec();
    list.extend_from_slice(secret);
    list.push(b'\n');
    let list = sandbox.write("latin1.txt", list);
    let out = sandbox
        .cmd()
        .args(["audit", "--json", "--wordlist"])
        .arg(&list)
        .arg(signed_bytes(secret, SID))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let found = &json_lines(&out.stdout)[0];
    assert_eq!(found["secret_hex"], "636166e92d6c6174696e31");
    assert_eq!(found["source"], format!("{}:3", list.display()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 lines not UTF-8, tried as bytes"), "{err}");
    // Without --json the secret's own bytes are the output.
    let out = sandbox
        .cmd()
        .args(["audit", "--wordlist"])
        .arg(&list)
        .arg(signed_bytes(secret, SID))
        .output()
        .unwrap();
    assert_eq!(out.stdout, [secret.as_slice(), b"\n"].concat());
}

/// Keys longer than 64 bytes are hashed first, as HMAC says; a line longer than a chunk is
/// skipped and counted.
#[test]
fn long_keys_and_overlong_lines() {
    let sandbox = Sandbox::new();
    let long_key = "k".repeat(200);
    let mut list = "x".repeat(3 << 20);
    list.push('\n');
    list.push_str(&long_key);
    list.push('\n');
    let list = sandbox.write("long.txt", list);
    let out = sandbox
        .cmd()
        .args(["audit", "--json", "--wordlist"])
        .arg(&list)
        .arg(signed(&sandbox, &long_key, SID))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_lines(&out.stdout)[0]["source"],
        format!("{}:2", list.display())
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 line over 1 MiB skipped"), "{err}");
}

/// A 3-million-line list streamed through a pipe: the secret on the last line is found, and
/// the process's peak RSS stays that of a small list (chunks in flight, not the list).
#[test]
fn a_big_wordlist_is_streamed_in_constant_memory() {
    fn peak_rss_kb(sandbox: &Sandbox, lines: u64, cookie: &str) -> u64 {
        let mut child = sandbox
            .std_cmd()
            .args(["audit", "--threads", "2", "--wordlist", "-", cookie])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let pid = child.id();
        let mut peak = 0;
        let mut batch = String::with_capacity(1 << 20);
        for n in 0..lines {
            batch.push_str(&format!("candidate-{n:012}\n"));
            if batch.len() > (1 << 20) - 64 || n + 1 == lines {
                stdin.write_all(batch.as_bytes()).unwrap();
                batch.clear();
                let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
                if let Some(hwm) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                    peak = hwm
                        .split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(peak);
                }
            }
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let expected = format!("candidate-{:012}\n", lines - 1);
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        assert_eq!(out.status.code(), Some(0));
        peak
    }
    let sandbox = Sandbox::new();
    let small_cookie = signed(&sandbox, &format!("candidate-{:012}", 9_999), SID);
    let big_cookie = signed(&sandbox, &format!("candidate-{:012}", 2_999_999), SID);
    let small = peak_rss_kb(&sandbox, 10_000, &small_cookie);
    let big = peak_rss_kb(&sandbox, 3_000_000, &big_cookie);
    // 3 M lines are 69 MB; the search holds a few 1 MiB chunks whatever the size.
    assert!(
        big < small + 16 * 1024,
        "peak RSS {big} KB for 3 M lines, {small} KB for 10 000"
    );
}

#[test]
fn bad_inputs_get_one_line_and_exit_2() {
    let sandbox = Sandbox::new();
    let cookie = signed(&sandbox, "keyboard cat", SID);
    let dir = sandbox.path().to_owned();
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            vec![
                "--wordlist".into(),
                "/nonexistent/words.txt".into(),
                cookie.clone(),
            ],
            "",
            "cannot open wordlist /nonexistent/words.txt",
        ),
        (
            vec![
                "--wordlist".into(),
                dir.display().to_string(),
                cookie.clone(),
            ],
            "",
            "is a directory",
        ),
        (
            vec!["not-a-cookie".into()],
            "",
            "argument 1: not a signed cookie: not signed",
        ),
        (
            vec!["s:abc.tooshort".into()],
            "",
            "argument 1: not a signed cookie: malformed",
        ),
        (
            vec!["other=1".into()],
            "",
            "argument 1: not a signed cookie: no cookie named express.sid",
        ),
        (vec![], "", "no cookie to audit"),
        (vec![], "\n  \n", "no cookie to audit"),
        (vec![], "garbage\n", "line 1: not a signed cookie"),
        (
            vec!["--wordlist".into(), "-".into()],
            "",
            "stdin cannot carry both",
        ),
        (
            vec!["--threads".into(), "0".into(), cookie],
            "",
            "--threads",
        ),
    ];
    for (args, stdin, message) in cases {
        let out = sandbox
            .cmd()
            .arg("audit")
            .args(&args)
            .write_stdin(stdin)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        if message != "--threads" {
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
    }
    // Not UTF-8 on stdin.
    let out = sandbox
        .cmd()
        .arg("audit")
        .write_stdin(b"s:\xff.x\n".to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: not valid UTF-8"));
}

/// `--hashcat` prints mode 1450 lines (`hex(HMAC-SHA256(secret, sid)):sid`), whose hex is
/// checked here against the hmac crate; `benches/audit` runs Debian's hashcat on them.
#[test]
fn hashcat_lines_are_mode_1450() {
    use hmac::Mac as _;
    let sandbox = Sandbox::new();
    let sids = [SID, "with:colons.and.dots", "é-ü"];
    let cookies: Vec<String> = sids
        .iter()
        .map(|sid| signed(&sandbox, "not in any list 8c1f", sid))
        .collect();
    let out = sandbox
        .cmd()
        .args(["audit", "--hashcat"])
        .args(&cookies)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), sids.len(), "{stdout}");
    for (line, sid) in lines.iter().zip(sids) {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"not in any list 8c1f").unwrap();
        mac.update(sid.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(*line, format!("{hex}:{sid}"));
    }
    assert!(out.stderr.is_empty(), "no search, no summary");

    // What hashcat could not take, and options that belong to a search.
    let long_sid = "a".repeat(257);
    let with_newline = signed_bytes(b"k", "a\nb");
    for (args, message) in [
        (
            vec!["--hashcat".to_owned(), signed(&sandbox, "k", &long_sid)],
            "longer than hashcat's 256-byte salt",
        ),
        (
            vec!["--hashcat".to_owned(), with_newline],
            "a sid with a line break",
        ),
        (
            vec![
                "--hashcat".into(),
                "--wordlist".into(),
                "x".into(),
                cookies[0].clone(),
            ],
            "cannot be used with",
        ),
        (
            vec!["--hashcat".into(), "--json".into(), cookies[0].clone()],
            "cannot be used with",
        ),
    ] {
        let out = sandbox.cmd().arg("audit").args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
