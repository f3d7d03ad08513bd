//! `sign` and `verify` on the real binary: formats, batches, exit codes and bad input.

use std::io::{Read as _, Write as _};
use std::process::Stdio;

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::{Sandbox, bin, missing_peer};

const HELLO_PAIR: &str = "express.sid=s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
const HELLO_RAW: &str = "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8 stdout")
}

#[test]
fn sign_prints_each_format() {
    let sb = Sandbox::new();
    let sign = |format: &str| {
        let out = sb
            .cmd()
            .args([
                "sign",
                "hello",
                "--secret",
                "tobiiscool",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}: {out:?}");
        stdout_of(&out)
    };
    assert_eq!(sign("pair"), format!("{HELLO_PAIR}\n"));
    assert_eq!(
        sign("value"),
        "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI\n"
    );
    assert_eq!(sign("raw"), format!("{HELLO_RAW}\n"));
    assert_eq!(
        sign("set-cookie"),
        format!("{HELLO_PAIR}; Path=/; HttpOnly\n")
    );
    let json: serde_json::Value = serde_json::from_str(&sign("json")).unwrap();
    assert_eq!(json["sid"], "hello");
    assert_eq!(json["pair"], HELLO_PAIR);
    assert_eq!(json["raw"], HELLO_RAW);
    assert_eq!(
        json["set_cookie"],
        format!("{HELLO_PAIR}; Path=/; HttpOnly")
    );
}

#[test]
fn sign_default_output_is_a_default_name_pair_with_a_new_sid() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["sign", "--secret", "x".repeat(40).as_str()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = stdout_of(&out);
    let value = line
        .trim_end()
        .strip_prefix("express.sid=s%3A")
        .expect("pair");
    let (sid, _) = value.rsplit_once('.').unwrap();
    assert_eq!(sid.len(), 32, "express-session sized sid: {sid}");
    assert!(
        out.stderr.is_empty(),
        "no talk for a strong secret: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = sb
        .cmd()
        .args(["sign", "--secret", "x".repeat(40).as_str()])
        .output()
        .unwrap();
    assert_ne!(stdout_of(&again), line, "each run makes a new sid");
}

#[test]
fn sign_attributes() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args([
            "sign",
            "hello",
            "--secret",
            "tobiiscool",
            "--format",
            "set-cookie",
            "--max-age",
            "1h",
        ])
        .args([
            "--domain",
            "example.com",
            "--path",
            "/app",
            "--same-site",
            "lax",
            "--secure",
            "--no-http-only",
        ])
        .output()
        .unwrap();
    let line = stdout_of(&out);
    let expected = predicate::str::is_match(
        r"^express.sid=s%3Ahello\.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI; Max-Age=3600; Domain=example.com; Path=/app; Expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; SameSite=Lax; Secure\n$",
    )
    .unwrap();
    assert!(expected.eval(&line), "{line}");
}

#[test]
fn sign_count_mints_distinct_cookies() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["sign", "--count", "50", "--secret", "s3", "--format", "raw"])
        .output()
        .unwrap();
    let lines: std::collections::HashSet<_> = stdout_of(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 50);
}

#[test]
fn default_secret_file_is_created_once_private_and_shared() {
    let sb = Sandbox::new();
    let first = sb.cmd().args(["sign", "hello"]).output().unwrap();
    assert!(first.status.success());
    let path = sb.path().join("data/sio-auth/secret");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stderr.contains("created a new secret in") && stderr.contains(&*path.to_string_lossy()),
        "{stderr}"
    );
    let secret = std::fs::read_to_string(&path).unwrap();
    assert_eq!(secret.len(), 44, "43 base64url characters and a newline");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        !stderr.contains(secret.trim()),
        "the secret itself is never printed"
    );
    let second = sb.cmd().args(["sign", "hello"]).output().unwrap();
    assert_eq!(
        stdout_of(&second),
        stdout_of(&first),
        "same secret on the second run"
    );
    assert!(second.stderr.is_empty(), "nothing to say the second time");
    sb.cmd()
        .arg("verify")
        .write_stdin(first.stdout)
        .assert()
        .success()
        .stdout("hello\n");
}

#[test]
fn env_secret_and_secret_file_rotation() {
    let sb = Sandbox::new();
    let old = sb
        .cmd()
        .args([
            "sign",
            "abc",
            "--secret",
            "old-secret-old-secret-old-secret",
        ])
        .output()
        .unwrap();
    let file = sb.write(
        "secrets",
        "new-secret-new-secret-new-secret\r\n\nold-secret-old-secret-old-secret\n",
    );
    #[cfg(unix)]
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    sb.cmd()
        .args(["verify", "--json", "--secret-file"])
        .arg(&file)
        .write_stdin(old.stdout.clone())
        .assert()
        .success()
        .stdout("{\"valid\":true,\"sid\":\"abc\",\"secret_index\":1,\"reason\":null}\n");
    let new = sb
        .cmd()
        .args(["sign", "abc", "--secret-file"])
        .arg(&file)
        .output()
        .unwrap();
    sb.cmd()
        .args(["verify", "-"])
        .env("SIO_AUTH_SECRET", "new-secret-new-secret-new-secret")
        .write_stdin(new.stdout)
        .assert()
        .success()
        .stdout("abc\n");
    sb.cmd()
        .args(["verify"])
        .env("SIO_AUTH_SECRET", "new-secret-new-secret-new-secret")
        .write_stdin(old.stdout)
        .assert()
        .code(1)
        .stderr(contains("line 1: invalid: bad signature"));
}

#[test]
fn verify_accepts_every_input_form_and_streams_a_batch() {
    let sb = Sandbox::new();
    let forms = [
        HELLO_PAIR.to_owned(),
        HELLO_RAW.to_owned(),
        "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI".to_owned(),
        format!("Cookie: theme=dark; {HELLO_PAIR}; lang=en"),
        format!("theme=dark;{HELLO_PAIR}"),
    ];
    for form in &forms {
        sb.cmd()
            .args(["verify", "--secret", "tobiiscool", form])
            .assert()
            .success()
            .stdout("hello\n");
    }
    let batch: String = forms
        .iter()
        .cycle()
        .take(10_000)
        .map(|f| format!("{f}\n"))
        .collect();
    let out = sb
        .cmd()
        .args(["verify", "--secret", "tobiiscool"])
        .write_stdin(batch)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stdout_of(&out), "hello\n".repeat(10_000));
}

#[test]
fn verify_reports_each_reason_and_exits_1() {
    let sb = Sandbox::new();
    let input = [
        HELLO_PAIR,
        "other=1",
        "express.sid=hello",
        "s:hello",
        "s:hello.DGDUkGlIkCzPz-C0B064FNgHdEjox7ch8tOBGslZ5QI",
        "s:hellO.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI",
        "",
    ]
    .join("\n");
    let out = sb
        .cmd()
        .args(["verify", "--secret", "tobiiscool"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout_of(&out), "hello\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "line 2: invalid: no cookie named express.sid",
        "line 3: invalid: not signed",
        "line 4: invalid: malformed: no '.'",
        "line 5: invalid: malformed: the signature is not 43 characters of standard base64",
        "line 6: invalid: bad signature",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in {stderr}"
        );
    }
    let out = sb
        .cmd()
        .args(["verify", "--json", "--secret", "tobiiscool"])
        .write_stdin(input)
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "one object per input line");
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[5]["reason"], "bad signature");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l["valid"] == false && l["sid"].is_null())
    );
}

#[test]
fn verify_bad_lines_get_clear_reasons() {
    let sb = Sandbox::new();
    let mut input = Vec::new();
    input.extend_from_slice(b"\n"); // empty line
    input.extend(std::iter::repeat_n(b'a', 1 << 20)); // a 1 MB line
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"express.sid=s%3A\xff\xfe\n"); // invalid UTF-8
    input.extend_from_slice(HELLO_PAIR.as_bytes());
    input.extend_from_slice(b"\r\n"); // CRLF line endings are fine
    let out = sb
        .cmd()
        .args(["verify", "--secret", "tobiiscool"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout_of(&out),
        "hello\n",
        "the good line after the bad ones still counts"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 1: invalid: empty input"), "{stderr}");
    assert!(
        stderr.contains("line 2: invalid: input longer than 65536 bytes"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 3: invalid: input is not valid UTF-8"),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        4,
        "one line per problem plus the weak-secret warning: {stderr}"
    );
}

#[test]
fn verify_answers_while_stdin_is_still_open() {
    let sb = Sandbox::new();
    let mut child = sb
        .std_cmd()
        .args(["verify", "--secret", "tobiiscool"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{HELLO_PAIR}").unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut answer = [0u8; 6];
    stdout.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"hello\n", "answered before stdin closed");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn verify_on_a_terminal_says_it_reads_stdin_and_piped_it_does_not() {
    let test = "verify_on_a_terminal_says_it_reads_stdin_and_piped_it_does_not";
    const HINT: &str = "sio-auth: reading cookies from the terminal, one per line; end with Ctrl-D";
    let sb = Sandbox::new();
    // util-linux `script` runs the command on a pseudo-terminal, copies our stdin to it and ends
    // it with an end-of-file when our stdin closes; the terminal merges stdout and stderr.
    let typed = assert_cmd::Command::new("script")
        .args(["-q", "-e", "-c"])
        .arg(format!("'{}' verify --secret tobiiscool", bin()))
        .arg("/dev/null")
        .env("XDG_DATA_HOME", sb.path().join("data"))
        .env("HOME", sb.path())
        .write_stdin(format!("{HELLO_PAIR}\n"))
        .timeout(std::time::Duration::from_secs(20))
        .output();
    let typed = match typed {
        Ok(out) => out,
        Err(e) => {
            missing_peer(test, &format!("no util-linux `script` for a terminal: {e}"));
            return;
        }
    };
    assert!(typed.status.success(), "{typed:?}");
    let screen = stdout_of(&typed);
    assert!(screen.contains(&format!("{HINT}\r\n")), "{screen:?}");
    assert!(screen.contains("\r\nhello\r\n"), "{screen:?}");
    // Piped, stdout and stderr carry only the answer and the weak-secret warning.
    let piped = sb
        .cmd()
        .args(["verify", "--secret", "tobiiscool"])
        .write_stdin(format!("{HELLO_PAIR}\n"))
        .output()
        .unwrap();
    assert!(piped.status.success(), "{piped:?}");
    assert_eq!(stdout_of(&piped), "hello\n");
    assert!(
        !String::from_utf8_lossy(&piped.stderr).contains("reading cookies"),
        "{piped:?}"
    );
}

#[test]
fn bad_names_sids_and_secret_files_are_usage_errors() {
    let sb = Sandbox::new();
    for name in ["a;b", "a\rb", "a\nb", "", "a b", "a=b"] {
        sb.cmd()
            .args(["sign", "x", "--secret", "k", "--cookie-name", name])
            .assert()
            .code(2)
            .stderr(contains("cookie name"));
        sb.cmd()
            .args(["verify", "x", "--secret", "k", "--cookie-name", name])
            .assert()
            .code(2);
    }
    for sid in ["a;b", "a\rb", "a\nb", ""] {
        sb.cmd()
            .args(["sign", sid, "--secret", "k"])
            .assert()
            .code(2)
            .stderr(contains("session id"));
    }
    let empty = sb.write("empty", "");
    let blank = sb.write("blank", "\n\n");
    let latin1 = sb.write("latin1", b"caf\xe9\n");
    let missing = sb.path().join("missing");
    let not_a_dir = empty.join("child");
    for (path, message) in [
        (&empty, "holds no secret"),
        (&blank, "holds no secret"),
        (&latin1, "is not UTF-8"),
        (&missing, "cannot read secret file"),
        (&not_a_dir, "cannot read secret file"),
        (&sb.path().to_path_buf(), "is a directory"),
    ] {
        let out = sb
            .cmd()
            .args(["verify", "x", "--secret-file"])
            .arg(path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{path:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("sio-auth: error: ") && stderr.contains(message),
            "{path:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    }
    sb.cmd()
        .args(["sign", "--secret", ""])
        .assert()
        .code(2)
        .stderr(contains("must not be empty"));
    sb.cmd()
        .args(["sign", "x"])
        .env("SIO_AUTH_SECRET", "")
        .assert()
        .code(2)
        .stderr(contains("SIO_AUTH_SECRET"));
}

#[cfg(unix)]
#[test]
fn unreadable_secret_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let sb = Sandbox::new();
    let file = sb.write("locked", "a-perfectly-good-secret-of-enough-length\n");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_ok() {
        // Root reads anything; the other unreadable cases are covered above.
        eprintln!("note: running as root, mode 000 does not make a file unreadable");
        return;
    }
    sb.cmd()
        .args(["verify", "x", "--secret-file"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("Permission denied"));
}

#[test]
fn weak_secrets_are_warned_about_without_being_shown() {
    let sb = Sandbox::new();
    for (secret, why) in [
        ("keyboard cat", "well-known"),
        ("short-but-unique", "only 16 bytes"),
    ] {
        let out = sb
            .cmd()
            .args(["sign", "x", "--secret", secret])
            .output()
            .unwrap();
        assert!(out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("warning") && stderr.contains(why),
            "{stderr}"
        );
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

#[test]
fn secrets_stay_out_of_help_and_errors() {
    let sb = Sandbox::new();
    let secret = "do-not-print-me-do-not-print-me-42";
    let help = sb
        .cmd()
        .args(["sign", "--help"])
        .env("SIO_AUTH_SECRET", secret)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains(secret));
    let bad = sb
        .cmd()
        .args(["sign", "a;b", "--secret", secret])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&bad.stderr).contains(secret));
    let bad = sb
        .cmd()
        .args(["sign", "a", "--secret", secret, "--domain", "bad;domain"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&bad.stderr).contains(secret));
}

#[test]
fn broken_pipe_ends_quietly() {
    let sb = Sandbox::new();
    let mut child = sb
        .std_cmd()
        .args([
            "sign",
            "--count",
            "1000000",
            "--secret",
            "k".repeat(32).as_str(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// stdout on a full disk: an I/O failure (5), said on one line (regression: `sign > /dev/full`
/// exited 2, "usage", as every untagged error did).
#[cfg(unix)]
#[test]
fn a_full_disk_is_an_io_failure() {
    let test = "a_full_disk_is_an_io_failure";
    let sb = Sandbox::new();
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full");
    if let Err(e) = full() {
        missing_peer(test, &format!("no /dev/full: {e}"));
        return;
    }
    for (args, input) in [
        (&["sign", "hello", "--secret", "tobiiscool"][..], ""),
        (&["sign", "--count", "3", "--secret", "tobiiscool"][..], ""),
        (&["verify", "--secret", "tobiiscool", HELLO_PAIR][..], ""),
        (&["verify", "--secret", "tobiiscool"][..], HELLO_PAIR),
        (&["completions", "bash"][..], ""),
    ] {
        let mut child = sb
            .std_cmd()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(full().unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(
            errors,
            ["sio-auth: error: cannot write to stdout: No space left on device (os error 28)"],
            "{args:?}: {stderr}"
        );
    }
}

/// The exit-code table is the same in `sio-auth --help` and in the README, and every code a
/// subcommand can exit with is in its own help.
#[test]
fn exit_code_tables_agree() {
    let sb = Sandbox::new();
    // The codes of the table after `header`; its continuation lines are indented.
    let codes_in = |text: &str, header: &str| -> Vec<String> {
        let start = text
            .find(header)
            .unwrap_or_else(|| panic!("no {header:?} in {text}"));
        let mut codes = Vec::new();
        for line in text[start + header.len()..].lines() {
            let row = line.trim_start_matches('|').trim_start();
            let code: String = row.chars().take_while(char::is_ascii_digit).collect();
            if !code.is_empty() {
                codes.push(code);
            } else if !line.starts_with("     ") {
                break;
            }
        }
        codes
    };
    let help = sb.stdout_ok(&["--help"]);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let all: Vec<String> = (0..=6).map(|c: u8| c.to_string()).collect();
    assert_eq!(codes_in(&help, "Exit codes:\n"), all, "{help}");
    let readme_table = readme
        .find("| code | meaning |")
        .expect("the README's table");
    assert_eq!(
        codes_in(&readme[readme_table..], "|---|---|\n"),
        all,
        "README.md"
    );
    for (command, codes) in [
        ("sign", &["0", "2", "3", "5"][..]),
        ("verify", &["0", "1", "2", "3", "5"]),
        ("connect", &["0", "1", "2", "3", "4", "5", "6"]),
        ("revoke", &["0", "1", "2", "3", "5"]),
        ("bench", &["0", "1", "2", "3", "5"]),
        ("serve", &["0", "2", "3", "5"]),
    ] {
        let help = sb.stdout_ok(&[command, "--help"]);
        assert_eq!(codes_in(&help, "Exit codes:\n"), codes, "{command}: {help}");
    }
}

#[test]
fn help_describes_what_the_options_do() {
    let sb = Sandbox::new();
    for (command, text) in [
        // `auto` opens a WebSocket first (tests/connect.rs checks the fallback to polling).
        ("connect", "auto:      WebSocket first;"),
        // A flattened option's own doc comment is not shown by clap: the after-help says it.
        (
            "bench",
            "With --store, a session is created in that\nstore for every signed cookie",
        ),
    ] {
        sb.cmd()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(contains(text));
    }
}
