//! Compatibility with the real Node packages (tests/node: cookie-signature, cookie,
//! express-session, express), in both directions. Needs `node` and `npm ci` in tests/node.

use std::collections::HashSet;
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Peer, Sandbox, http, node_fixture, node_lines};

const HELLO: &str = "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
const HELLO_RAW: &str = "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";

/// A deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Text from ASCII, Latin, CJK and astral characters, never control characters or `;`.
    fn text(&mut self, max_len: u64) -> String {
        let len = 1 + self.below(max_len);
        (0..len)
            .map(|_| {
                loop {
                    let c = match self.below(4) {
                        0 => char::from_u32(0x20 + u32::try_from(self.below(0x5f)).unwrap()),
                        1 => char::from_u32(0xa0 + u32::try_from(self.below(0x160)).unwrap()),
                        2 => char::from_u32(0x4e00 + u32::try_from(self.below(0x5000)).unwrap()),
                        _ => char::from_u32(0x1f300 + u32::try_from(self.below(0x300)).unwrap()),
                    };
                    if let Some(c) = c.filter(|&c| c != ';') {
                        break c;
                    }
                }
            })
            .collect()
    }
}

fn parse(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn cookies_signed_by_node_verify_here() {
    let Some(fixture) = node_fixture("cookies_signed_by_node_verify_here") else {
        return;
    };
    let pairs = parse(&node_lines(
        &fixture,
        "sign.js",
        &["--random", "1300", "--seed", "20261125"],
        "",
    ));
    // One secret per line of a secret file: secrets must be unique, without line breaks.
    let mut seen = HashSet::new();
    let pairs: Vec<_> = pairs
        .into_iter()
        .filter(|p| {
            let secret = p["secret"].as_str().unwrap();
            !secret.contains(['\n', '\r']) && seen.insert(secret.to_owned())
        })
        .take(1000)
        .collect();
    assert_eq!(pairs.len(), 1000);

    let sb = Sandbox::new();
    let secrets: String = pairs
        .iter()
        .map(|p| format!("{}\n", p["secret"].as_str().unwrap()))
        .collect();
    let secret_file = sb.write("secrets", secrets);
    let input: String = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| match i % 3 {
            0 => format!("express.sid={}\n", p["encoded"].as_str().unwrap()),
            1 => format!("{}\n", p["encoded"].as_str().unwrap()),
            _ => format!("{}\n", p["raw"].as_str().unwrap()),
        })
        .collect();
    let out = sb
        .cmd()
        .args(["verify", "--json", "--secret-file"])
        .arg(&secret_file)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("")
    );
    let verdicts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), pairs.len());
    for (i, (pair, verdict)) in pairs.iter().zip(&verdicts).enumerate() {
        assert_eq!(verdict["valid"], true, "pair {i}: {pair} → {verdict}");
        assert_eq!(verdict["sid"], pair["sid"], "pair {i}");
        assert_eq!(
            verdict["secret_index"],
            json!(i),
            "pair {i}: the secret at line {} signed it",
            i + 1
        );
    }
}

#[test]
fn cookies_signed_here_are_accepted_by_express_session() {
    let Some(fixture) = node_fixture("cookies_signed_here_are_accepted_by_express_session") else {
        return;
    };
    let sb = Sandbox::new();
    let mut rng = Lcg(0x5eed);
    let cases: Vec<(String, String)> = (0..1000).map(|_| (rng.text(40), rng.text(120))).collect();
    // Sign in four parallel lanes: one process per secret/sid pair.
    let signed: Vec<Value> = std::thread::scope(|scope| {
        let lanes: Vec<_> = cases
            .chunks(250)
            .map(|chunk| {
                let sb = &sb;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(sid, secret)| {
                            let out = sb
                                .cmd()
                                .args([
                                    "sign",
                                    "--format",
                                    "json",
                                    &format!("--secret={secret}"),
                                    "--",
                                    sid,
                                ])
                                .output()
                                .unwrap();
                            assert!(
                                out.status.success(),
                                "{sid:?}: {}",
                                String::from_utf8_lossy(&out.stderr)
                            );
                            serde_json::from_slice::<Value>(&out.stdout).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        lanes
            .into_iter()
            .flat_map(|lane| lane.join().unwrap())
            .collect()
    });
    let input: String = signed
        .iter()
        .zip(&cases)
        .map(|(s, (_, secret))| {
            format!(
                "{}\n",
                json!({"cookie_header": s["pair"], "secrets": [secret]})
            )
        })
        .collect();
    let verdicts = parse(&node_lines(&fixture, "verify.js", &[], &input));
    assert_eq!(verdicts.len(), cases.len());
    for ((sid, _), verdict) in cases.iter().zip(&verdicts) {
        assert_eq!(
            verdict["sid"],
            json!(sid),
            "express-session's verdict on our cookie for {sid:?}"
        );
    }
}

#[test]
fn a_real_express_app_and_sio_auth_accept_each_others_cookies() {
    let Some(fixture) = node_fixture("a_real_express_app_and_sio_auth_accept_each_others_cookies")
    else {
        return;
    };
    let secret = "express-and-sio-auth-share-this-secret";
    let mut node = Command::new("node");
    node.arg(fixture.join("app.js"))
        .args(["0", secret])
        .current_dir(&fixture)
        .env_remove("REDIS_URL");
    let app = Peer::spawn(node);
    let sb = Sandbox::new();

    // express-session issues a cookie; sio-auth verify finds the same session id in it.
    let (status, headers, body) = http(app.addr, "GET", "/", &[]);
    assert_eq!(status, 200);
    let set_cookie = headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .expect("Set-Cookie");
    let pair = set_cookie.split(';').next().unwrap();
    let sid = serde_json::from_str::<Value>(&body).unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.cmd()
        .args(["verify", "--secret", secret, pair])
        .assert()
        .success()
        .stdout(format!("{sid}\n"));
    // The whole Set-Cookie line works as input too (it parses as a Cookie header).
    sb.cmd()
        .args(["verify", "--secret", secret, &set_cookie])
        .assert()
        .success()
        .stdout(format!("{sid}\n"));

    // sio-auth signs; express-session's own cookie parsing extracts our session id.
    let ours = sb
        .cmd()
        .args(["sign", "sio-auth-made-this", "--secret", secret])
        .output()
        .unwrap();
    let ours = String::from_utf8(ours.stdout).unwrap().trim().to_owned();
    let (_, _, body) = http(
        app.addr,
        "GET",
        "/cookie-sid",
        &[("Cookie", &format!("theme=dark; {ours}"))],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["cookie_sid"],
        "sio-auth-made-this",
        "{body}"
    );
    let other = sb
        .cmd()
        .args([
            "sign",
            "x",
            "--secret",
            "a-different-secret-a-different-secret",
        ])
        .output()
        .unwrap();
    let other = String::from_utf8(other.stdout).unwrap().trim().to_owned();
    let (_, _, body) = http(app.addr, "GET", "/cookie-sid", &[("Cookie", &other)]);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["cookie_sid"],
        Value::Null,
        "{body}"
    );
}

/// Every accepted and rejected case of WIRE.md, judged by express-session and by sio-auth.
#[test]
fn wire_cases_get_express_sessions_verdicts() {
    let Some(fixture) = node_fixture("wire_cases_get_express_sessions_verdicts") else {
        return;
    };
    let sb = Sandbox::new();
    let sign = |sid: &str, secret: &str| -> String {
        sb.stdout_ok(&[
            "sign",
            "--format",
            "value",
            &format!("--secret={secret}"),
            "--",
            sid,
        ])
    };
    let other_sid = sign("other", "tobiiscool");
    let (_, other_sig) = other_sid.rsplit_once('.').unwrap();
    let dotted = sign("a.b.c", "tobiiscool");
    let unicode = sign("sid-é-😀-会话", "tobiiscool");
    let empty_sid = "s%3A.".to_owned() + sign("x", "tobiiscool").rsplit_once('.').unwrap().1;
    let hello_sig = HELLO_RAW.rsplit_once('.').unwrap().1;
    let empty_signed = {
        // The real signature of the empty sid, made with Node itself.
        let line = json!({"sid": "", "secret": "tobiiscool"}).to_string();
        let node = parse(&node_lines(&fixture, "sign.js", &[], &format!("{line}\n")));
        node[0]["encoded"].as_str().unwrap().to_owned()
    };
    let lower_sig = format!("s%3Ahello.{}", hello_sig.to_lowercase());
    let cases: Vec<(String, Option<&str>)> = vec![
        // Accepted by Node.
        (format!("express.sid={HELLO}"), Some("hello")),
        (format!("express.sid={HELLO_RAW}"), Some("hello")),
        (
            format!("express.sid={}", HELLO.replace("%3A", "%3a")),
            Some("hello"),
        ),
        (format!("express.sid=\"{HELLO}\""), Some("hello")),
        (format!("a=1;  express.sid={HELLO} ;b=2"), Some("hello")),
        (
            format!("express.sid={HELLO}; express.sid=garbage"),
            Some("hello"),
        ),
        (format!("express.sid={dotted}"), Some("a.b.c")),
        (format!("express.sid={unicode}"), Some("sid-é-😀-会话")),
        // Rejected by Node.
        (format!("express.sid=garbage; express.sid={HELLO}"), None),
        (format!("express.sid={}", HELLO.replace("%2B", "-")), None),
        (format!("express.sid={HELLO_RAW}="), None),
        (format!("express.sid={HELLO}%3D"), None),
        (format!("express.sid={}", &HELLO[..HELLO.len() - 1]), None),
        ("express.sid=s%3Ahello.".to_owned(), None),
        ("express.sid=s%3Ahello".to_owned(), None),
        (format!("express.sid=x{HELLO}"), None),
        (format!("express.sid={HELLO}x"), None),
        (format!("express.sid={lower_sig}"), None),
        (format!("express.sid={}", HELLO.replace('%', "%25")), None),
        (format!("express.sid={}", &HELLO[4..]), None),
        (format!("express.sid=S{}", &HELLO[1..]), None),
        (format!("express.sid=s%3Ahello.{other_sig}"), None),
        (
            format!("express.sid={}", sign("hello", "not-in-the-list")),
            None,
        ),
        (format!("express.sid={empty_sid}"), None),
        (format!("express.sid={empty_signed}"), None),
        (format!("a=b, express.sid={HELLO}"), None),
        (format!("Express.sid={HELLO}"), None),
        (format!("express.sid={HELLO}%ZZ"), None),
        ("other=1".to_owned(), None),
    ];
    let secrets = ["tobiiscool", &"k".repeat(100), "ключ-🔑"];
    let node_input: String = cases
        .iter()
        .map(|(header, _)| {
            format!(
                "{}\n",
                json!({"cookie_header": header, "secrets": ["tobiiscool"]})
            )
        })
        .collect();
    let node = parse(&node_lines(&fixture, "verify.js", &[], &node_input));
    let ours_input: String = cases
        .iter()
        .map(|(header, _)| format!("Cookie: {header}\n"))
        .collect();
    let out = sb
        .cmd()
        .args(["verify", "--json", "--secret", "tobiiscool"])
        .write_stdin(ours_input)
        .output()
        .unwrap();
    let ours: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ours.len(), cases.len());
    for (((header, expected), node), ours) in cases.iter().zip(&node).zip(&ours) {
        assert_eq!(node["sid"], json!(expected), "express-session on {header}");
        assert_eq!(ours["sid"], json!(expected), "sio-auth on {header}: {ours}");
    }

    // Rotation, unicode and long secrets: the index of the secret that matched agrees too.
    for secret in secrets {
        let value = sign("rotated", secret);
        let header = format!("express.sid={value}");
        let line = json!({"cookie_header": header, "secrets": ["newest-secret", secret]});
        let node = parse(&node_lines(
            &fixture,
            "verify.js",
            &[],
            &format!("{line}\n"),
        ));
        let out = sb
            .cmd()
            .args([
                "verify",
                "--json",
                "--secret=newest-secret",
                &format!("--secret={secret}"),
                &header,
            ])
            .output()
            .unwrap();
        let ours: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(node[0]["sid"], "rotated");
        assert_eq!(
            (
                node[0]["secret_index"].clone(),
                ours["secret_index"].clone()
            ),
            (json!(1), json!(1))
        );
        assert_eq!(ours["sid"], "rotated");
    }
}

/// Seconds since 1970 of an HTTP date such as `Wed, 02 Dec 2026 08:55:40 GMT`.
fn http_date_secs(date: &str) -> i64 {
    let parts: Vec<&str> = date.split([' ', ':']).collect();
    let [_, day, month, year, h, m, s, "GMT"] = parts[..] else {
        panic!("not an HTTP date: {date:?}");
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month)
    .expect("month") as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().unwrap(), year.parse().unwrap());
    // Days from civil (proleptic Gregorian), as in Howard Hinnant's date algorithms.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400
        + h.parse::<i64>().unwrap() * 3600
        + m.parse::<i64>().unwrap() * 60
        + s.parse::<i64>().unwrap()
}

/// A Set-Cookie header as its pair and its attributes, with `Expires` replaced by a marker
/// (returned apart as seconds), so two headers made a moment apart compare equal.
fn attributes(set_cookie: &str) -> (String, Vec<String>, Option<i64>) {
    let mut parts = set_cookie.split("; ");
    let pair = parts.next().unwrap().to_owned();
    let mut expires = None;
    let attrs = parts
        .map(|attr| match attr.strip_prefix("Expires=") {
            Some(date) => {
                expires = Some(http_date_secs(date));
                "Expires=…".to_owned()
            }
            None => attr.to_owned(),
        })
        .collect();
    (pair, attrs, expires)
}

// Regression: `sign --format set-cookie` and serve's page cookie wrote Max-Age and put SameSite
// before Secure; express-session 1.19 writes `Path=/; Expires=…; HttpOnly; Secure; SameSite=Lax`
// and no Max-Age. Compared with express-session's own header for the same options and sid.
#[test]
fn set_cookie_attributes_are_express_sessions() {
    let Some(fixture) = node_fixture("set_cookie_attributes_are_express_sessions") else {
        return;
    };
    let secret = "set-cookie-compat-secret-4f9Qz-7Km2";
    let sb = Sandbox::new();
    let node = |options: &Value| -> (String, String) {
        let line = node_lines(
            &fixture,
            "set-cookie.js",
            &[secret, &options.to_string()],
            "",
        );
        let out: Value = serde_json::from_str(&line[0]).unwrap();
        (
            out["setCookie"].as_str().unwrap().to_owned(),
            out["sid"].as_str().unwrap().to_owned(),
        )
    };
    let cases: &[(Value, &[&str])] = &[
        (json!({}), &[]),
        (json!({"maxAge": 3_600_000}), &["--max-age", "1h"]),
        (
            json!({"maxAge": 3_600_000, "secure": true, "sameSite": "lax"}),
            &["--max-age", "1h", "--secure", "--same-site", "lax"],
        ),
        (
            json!({"domain": "example.com", "path": "/app", "maxAge": 60_000, "sameSite": "strict", "secure": true}),
            &[
                "--domain",
                "example.com",
                "--path",
                "/app",
                "--max-age",
                "60s",
                "--same-site",
                "strict",
                "--secure",
            ],
        ),
        (
            json!({"httpOnly": false, "sameSite": "none", "secure": true}),
            &["--no-http-only", "--same-site", "none", "--secure"],
        ),
    ];
    for (options, flags) in cases {
        let (theirs, sid) = node(options);
        // `--` first: an express-session sid may start with `-` (base64url).
        let ours = sb.stdout_ok(
            &[
                &["sign", "--secret", secret, "--format", "set-cookie"][..],
                flags,
                &["--", &sid],
            ]
            .concat(),
        );
        let (their_pair, their_attrs, their_expiry) = attributes(&theirs);
        let (our_pair, our_attrs, our_expiry) = attributes(&ours);
        assert_eq!(our_pair, their_pair, "{options}: the same signed value");
        assert_eq!(our_attrs, their_attrs, "{options}: {ours} vs {theirs}");
        if let (Some(a), Some(b)) = (our_expiry, their_expiry) {
            assert!((a - b).abs() <= 5, "{options}: Expires {ours} vs {theirs}");
        }
    }

    // serve's page cookie with --max-age, against express-session with the same lifetime.
    let server = crate::util::serve(&sb, &["--secret", secret, "--max-age", "1h"]);
    let (_, headers, _) = http(server.addr, "GET", "/", &[]);
    let ours = headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .expect("a page cookie");
    let (theirs, _) = node(&json!({"maxAge": 3_600_000, "sameSite": "lax"}));
    let ((_, our_attrs, a), (_, their_attrs, b)) = (attributes(&ours), attributes(&theirs));
    assert_eq!(our_attrs, their_attrs, "{ours} vs {theirs}");
    assert!((a.unwrap() - b.unwrap()).abs() <= 5, "{ours} vs {theirs}");
}

// Regression: `sign` refused a sid with `;` (and control characters) although express-session
// signs and accepts it: the percent-encoding keeps such a sid safe in every output but `raw`.
// Proven both ways against cookie-signature (the encoded value) and express-session (its verdict).
#[test]
fn sids_with_cookie_syntax_in_them_are_signed_as_express_session_signs_them() {
    let Some(fixture) =
        node_fixture("sids_with_cookie_syntax_in_them_are_signed_as_express_session_signs_them")
    else {
        return;
    };
    let secret = "sid-syntax-secret-Zq81x";
    let sids = [
        "a;b=c%d e+f,g\"h",
        "; express.sid=s%3Aforged.sig",
        "tab\there",
        "bell\u{7}and\u{1f}unit",
        "back\\slash, quote\" and %3B",
        "=;=;=",
        "é;😀;会话",
    ];
    let sb = Sandbox::new();
    let input: String = sids
        .iter()
        .map(|sid| format!("{}\n", json!({"sid": sid, "secret": secret})))
        .collect();
    let reference = parse(&node_lines(&fixture, "sign.js", &[], &input));
    let mut verify_input = String::new();
    for (sid, node) in sids.iter().zip(&reference) {
        let ours = sb.stdout_ok(&["sign", "--secret", secret, "--format", "value", "--", sid]);
        assert_eq!(ours, node["encoded"].as_str().unwrap(), "{sid:?}");
        let pair = sb.stdout_ok(&["sign", "--secret", secret, "--", sid]);
        verify_input.push_str(&format!(
            "{}\n",
            json!({"cookie_header": format!("theme=dark; {pair}; x=1"), "secrets": [secret]})
        ));
        // Our own verifier agrees (--json: plain output escapes control characters).
        let ours: Value =
            serde_json::from_str(&sb.stdout_ok(&["verify", "--json", "--secret", secret, &pair]))
                .unwrap();
        assert_eq!(ours["sid"], json!(sid), "{sid:?}");
    }
    let verdicts = parse(&node_lines(&fixture, "verify.js", &[], &verify_input));
    for (sid, verdict) in sids.iter().zip(&verdicts) {
        assert_eq!(verdict["sid"], json!(sid), "express-session's verdict");
    }
    // What no raw value can carry is refused, with the way out; percent-encoded it is fine.
    for sid in ["line\nbreak", "carriage\rreturn"] {
        let out = sb
            .cmd()
            .args(["sign", "--secret", secret, "--format", "raw", "--", sid])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{sid:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--format pair"), "{stderr}");
        sb.stdout_ok(&["sign", "--secret", secret, "--", sid]);
    }
}
