//! `--kind cookie-session` against the real npm packages (tests/node: cookie-session 2.1.1,
//! cookies 0.9.1, keygrip 1.1.0), both ways: random sessions and keys, rotation lists, every
//! rejected case judged by both sides, and a running Express app on cookie-session. Needs
//! `node` and `npm ci` in tests/node.

use std::collections::HashSet;
use std::process::Command;

use predicates::str::contains;
use serde_json::{Value, json};

use crate::util::{Peer, Sandbox, http, node_fixture, node_lines};

/// `require('keygrip')(['keyboard cat']).sign('session=eyJ2aWV3cyI6MX0=')`.
const VIEWS: &str = "session=eyJ2aWV3cyI6MX0=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXc";

fn parse(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// Node's random sessions, each signed by the middleware with its own key; keys unique and
/// usable as secret-file lines.
fn node_signed(fixture: &std::path::Path, n: usize, seed: &str) -> Vec<Value> {
    let mut seen = HashSet::new();
    let pairs: Vec<Value> = parse(&node_lines(
        fixture,
        "cookie-session.js",
        &["random", &(n + n / 5).to_string(), seed],
        "",
    ))
    .into_iter()
    .filter(|p| {
        let key = p["key"].as_str().unwrap();
        key.trim() == key && seen.insert(key.to_owned())
    })
    .take(n)
    .collect();
    assert_eq!(pairs.len(), n);
    pairs
}

/// `sio-auth verify --kind cookie-session --json` of `input` with the keys in a secret file.
fn verify_here(sb: &Sandbox, keys: &[&str], extra: &[&str], input: &str) -> Vec<Value> {
    let file = sb.write(
        "keys",
        keys.iter().map(|k| format!("{k}\n")).collect::<String>(),
    );
    let out = sb
        .cmd()
        .args([
            "verify",
            "--kind",
            "cookie-session",
            "--json",
            "--secret-file",
        ])
        .arg(&file)
        .args(extra)
        .write_stdin(input.to_owned())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_lines(&out.stdout)
}

/// Node's verdicts: cookie-session's own session (null: a new one) and keygrip's key index.
fn verify_in_node(
    fixture: &std::path::Path,
    headers: &[String],
    keys: &[&str],
    algorithm: &str,
) -> Vec<Value> {
    let input: String = headers
        .iter()
        .map(|h| {
            format!(
                "{}\n",
                json!({"cookie_header": h, "keys": keys, "algorithm": algorithm})
            )
        })
        .collect();
    let verdicts = parse(&node_lines(
        fixture,
        "cookie-session.js",
        &["verify"],
        &input,
    ));
    assert_eq!(verdicts.len(), headers.len());
    for v in &verdicts {
        assert!(v.get("error").is_none(), "{v}");
    }
    verdicts
}

#[test]
fn sessions_signed_by_node_verify_here() {
    let Some(fixture) = node_fixture("sessions_signed_by_node_verify_here") else {
        return;
    };
    let pairs = node_signed(&fixture, 1000, "20261203");
    let keys: Vec<&str> = pairs.iter().map(|p| p["key"].as_str().unwrap()).collect();
    // The pair as a browser sends it, alone, among other cookies, or signature first.
    let input: String = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (value, signature) = (
                p["value"].as_str().unwrap(),
                p["signature"].as_str().unwrap(),
            );
            match i % 3 {
                0 => format!("{}\n", p["pair"].as_str().unwrap()),
                1 => format!("Cookie: a=1; session={value}; b=2; session.sig={signature}\n"),
                _ => format!("session.sig={signature}; session={value}\n"),
            }
        })
        .collect();
    let sb = Sandbox::new();
    let verdicts = verify_here(&sb, &keys, &[], &input);
    assert_eq!(verdicts.len(), pairs.len());
    for (i, (pair, verdict)) in pairs.iter().zip(&verdicts).enumerate() {
        assert_eq!(verdict["valid"], true, "pair {i}: {pair} → {verdict}");
        assert_eq!(verdict["session"], pair["session"], "pair {i}");
        assert_eq!(
            verdict["key_index"],
            json!(i),
            "pair {i}: key {i} signed it"
        );
    }
}

#[test]
fn sessions_signed_here_are_what_cookie_session_sends_and_reads() {
    let Some(fixture) =
        node_fixture("sessions_signed_here_are_what_cookie_session_sends_and_reads")
    else {
        return;
    };
    let cases = node_signed(&fixture, 1000, "sio-auth-signs");
    let sb = Sandbox::new();
    // One process per session and key, in four lanes.
    let signed: Vec<Value> = std::thread::scope(|scope| {
        let lanes: Vec<_> = cases
            .chunks(250)
            .map(|chunk| {
                let sb = &sb;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|case| {
                            let out = sb
                                .cmd()
                                .args(["sign", "--kind", "cookie-session", "--format", "json"])
                                .arg(format!("--secret={}", case["key"].as_str().unwrap()))
                                .arg(format!("--data={}", case["session"]))
                                .output()
                                .unwrap();
                            assert!(out.status.success(), "{case}: {out:?}");
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
    for (i, (case, ours)) in cases.iter().zip(&signed).enumerate() {
        // Byte for byte the Set-Cookie lines the middleware sent for the same session and key.
        assert_eq!(ours["set_cookie"], case["set_cookie"], "case {i}: {case}");
        assert_eq!(ours["pair"], case["pair"], "case {i}");
    }
    // And cookie-session reads each back, with its key.
    let input: String = cases
        .iter()
        .zip(&signed)
        .map(|(case, ours)| {
            format!(
                "{}\n",
                json!({"cookie_header": ours["pair"], "keys": [case["key"]]})
            )
        })
        .collect();
    let verdicts = parse(&node_lines(
        &fixture,
        "cookie-session.js",
        &["verify"],
        &input,
    ));
    assert_eq!(verdicts.len(), cases.len());
    for (case, verdict) in cases.iter().zip(&verdicts) {
        assert_eq!(verdict["session"], case["session"], "{case} → {verdict}");
        assert_eq!(verdict["key_index"], 0);
    }
}

#[test]
fn every_algorithm_and_name_agrees_with_keygrip() {
    let Some(fixture) = node_fixture("every_algorithm_and_name_agrees_with_keygrip") else {
        return;
    };
    let sb = Sandbox::new();
    for algorithm in ["sha1", "sha256", "sha384", "sha512"] {
        for name in ["session", "express:sess", "app.sess"] {
            let session = json!({"user": {"name": "ada é😀", "roles": ["admin"]}, "n": 2.5});
            let out = sb.stdout_ok(&[
                "sign",
                "--kind",
                "cookie-session",
                "--algorithm",
                algorithm,
                "--cookie-name",
                name,
                "--secret",
                "keyboard cat",
                "--format",
                "json",
                "--data",
                &session.to_string(),
            ]);
            let ours: Value = serde_json::from_str(&out).unwrap();
            let input = json!({"session": session, "keys": ["keyboard cat"], "name": name, "algorithm": algorithm});
            let theirs = &parse(&node_lines(
                &fixture,
                "cookie-session.js",
                &["sign"],
                &format!("{input}\n"),
            ))[0];
            assert_eq!(
                ours["set_cookie"], theirs["set_cookie"],
                "{algorithm} {name}"
            );
            let line = json!({"cookie_header": theirs["pair"], "keys": ["old", "keyboard cat"], "name": name, "algorithm": algorithm});
            let node = &parse(&node_lines(
                &fixture,
                "cookie-session.js",
                &["verify"],
                &format!("{line}\n"),
            ))[0];
            let here = verify_here(
                &sb,
                &["old", "keyboard cat"],
                &["--algorithm", algorithm, "--cookie-name", name],
                &format!("{}\n", theirs["pair"].as_str().unwrap()),
            );
            assert_eq!(node["session"], session, "{algorithm} {name}");
            assert_eq!(here[0]["session"], session, "{algorithm} {name}");
            assert_eq!(
                (node["key_index"].clone(), here[0]["key_index"].clone()),
                (json!(1), json!(1))
            );
        }
    }
}

#[test]
fn rotation_lists_report_the_same_key() {
    let Some(fixture) = node_fixture("rotation_lists_report_the_same_key") else {
        return;
    };
    let pairs = node_signed(&fixture, 40, "rotation");
    let sb = Sandbox::new();
    for (i, pair) in pairs.iter().enumerate() {
        // The signing key at position i % 5 of a list of five.
        let key = pair["key"].as_str().unwrap();
        let others = ["new", "newer", "old", "older"];
        let mut keys: Vec<&str> = others.to_vec();
        keys.insert(i % 5, key);
        let header = pair["pair"].as_str().unwrap().to_owned();
        let node = verify_in_node(&fixture, std::slice::from_ref(&header), &keys, "sha1");
        let here = verify_here(&sb, &keys, &[], &format!("{header}\n"));
        assert_eq!(node[0]["key_index"], json!(i % 5), "{pair}");
        assert_eq!(here[0]["key_index"], json!(i % 5), "{pair}");
        assert_eq!(here[0]["session"], node[0]["session"]);
    }
}

/// One character of `text` at `at` replaced by another of the same alphabet.
fn flip(text: &str, at: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = at % bytes.len();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn every_rejected_case_is_judged_alike() {
    let Some(fixture) = node_fixture("every_rejected_case_is_judged_alike") else {
        return;
    };
    let pairs = node_signed(&fixture, 120, "rejections");
    let keys: Vec<&str> = pairs.iter().map(|p| p["key"].as_str().unwrap()).collect();
    let mut headers = Vec::new();
    let mut expected_reasons = Vec::new();
    for (i, p) in pairs.iter().enumerate() {
        let (value, signature) = (
            p["value"].as_str().unwrap(),
            p["signature"].as_str().unwrap(),
        );
        let cases = [
            (format!("session={value}; session.sig={signature}"), None),
            (
                format!("session={}; session.sig={signature}", flip(value, i)),
                Some("bad signature"),
            ),
            (
                format!("session={value}; session.sig={}", flip(signature, i)),
                Some("bad signature"),
            ),
            (format!("session={value}"), Some("no signature")),
            (
                format!("session={value}; session.sig="),
                Some("no signature"),
            ),
            (
                format!("session={value}; session.sig={}", &signature[..26]),
                Some("malformed signature"),
            ),
            (
                format!("session={value}; session.sig={signature}="),
                Some("malformed signature"),
            ),
            (
                format!("session={value}; session.sig={}", signature.to_lowercase()),
                Some("signature"),
            ),
            (
                format!("session.sig={signature}"),
                Some("no cookie named session"),
            ),
            (
                format!("session={value}x; session.sig={signature}"),
                Some("bad signature"),
            ),
        ];
        for (header, reason) in cases {
            headers.push(header);
            expected_reasons.push(reason);
        }
    }
    let sb = Sandbox::new();
    let input: String = headers.iter().map(|h| format!("{h}\n")).collect();
    let here = verify_here(&sb, &keys, &[], &input);
    let node = verify_in_node(&fixture, &headers, &keys, "sha1");
    for (((header, reason), ours), theirs) in
        headers.iter().zip(&expected_reasons).zip(&here).zip(&node)
    {
        let accepted_by_node = !theirs["session"].is_null();
        assert_eq!(
            ours["valid"], accepted_by_node,
            "{header}: here {ours}, node {theirs}"
        );
        assert_eq!(ours["session"], theirs["session"], "{header}");
        assert_eq!(ours["key_index"], theirs["key_index"], "{header}");
        match reason {
            None => assert!(accepted_by_node, "{header}"),
            Some(why) => assert!(
                ours["reason"].as_str().unwrap().contains(why),
                "{header}: {ours} (expected {why})"
            ),
        }
    }
    // Wrong keys: every valid pair, checked with keys that did not sign any.
    let valid: Vec<String> = headers.iter().step_by(10).cloned().collect();
    let wrong = ["keyboard cat", "secret", "old"];
    let input: String = valid.iter().map(|h| format!("{h}\n")).collect();
    let here = verify_here(&sb, &wrong, &[], &input);
    let node = verify_in_node(&fixture, &valid, &wrong, "sha1");
    for ((header, ours), theirs) in valid.iter().zip(&here).zip(&node) {
        assert!(theirs["session"].is_null(), "{header}");
        assert_eq!(ours["valid"], false, "{header}");
        assert_eq!(ours["reason"], "bad signature");
    }
}

/// `node cookie-session-app.js 0` with `keys` (and env such as ALGORITHM, NAME), stopped by PID.
fn app(test: &str, keys: &[&str], env: &[(&str, &str)]) -> Option<Peer> {
    let fixture = node_fixture(test)?;
    let mut cmd = Command::new("node");
    cmd.arg(fixture.join("cookie-session-app.js"))
        .arg("0")
        .env("KEYS", serde_json::to_string(keys).unwrap())
        .envs(env.iter().copied())
        .current_dir(&fixture);
    Some(Peer::spawn(cmd))
}

fn set_cookies(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .collect()
}

/// The Cookie header a browser sends back for Set-Cookie lines.
fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .map(|c| c.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn an_express_app_on_cookie_session_and_sio_auth_agree() {
    let Some(app) = app(
        "an_express_app_on_cookie_session_and_sio_auth_agree",
        &["new key", "old key"],
        &[],
    ) else {
        return;
    };
    let sb = Sandbox::new();
    let session = json!({"user": "ada", "role": "admin", "views": 41});
    // Ours, signed with the old key: the app reads it, and the jar re-signs .sig with the new.
    let pair = sb.stdout_ok(&[
        "sign",
        "--kind",
        "cookie-session",
        "--secret",
        "old key",
        "--data",
        &session.to_string(),
    ]);
    let (status, headers, body) = http(app.addr, "GET", "/session", &[("Cookie", &pair)]);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer, json!({"session": session, "is_new": false}));
    let resigned = set_cookies(&headers);
    assert_eq!(resigned.len(), 1, "{resigned:?}");
    let value = pair.split("; ").next().unwrap();
    let with_new = format!("{value}; {}", resigned[0].split(';').next().unwrap());
    let here = verify_here(
        &sb,
        &["new key", "old key"],
        &[],
        &format!("{pair}\n{with_new}\n"),
    );
    assert_eq!(
        (here[0]["key_index"].clone(), here[1]["key_index"].clone()),
        (json!(1), json!(0))
    );

    // Theirs: a log-in's two Set-Cookie lines, read here; ours are the same lines.
    let (status, headers, _) = http(app.addr, "POST", "/login?user=bob&role=staff", &[]);
    assert_eq!(status, 200);
    let theirs = set_cookies(&headers);
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    let login = cookie_header(&theirs);
    let here = verify_here(&sb, &["new key", "old key"], &[], &format!("{login}\n"));
    let bob = json!({"user": "bob", "role": "staff", "views": 0});
    assert_eq!(
        here[0],
        json!({"valid": true, "session": bob, "key_index": 0, "reason": null})
    );
    let ours = sb.stdout_ok(&[
        "sign",
        "--kind",
        "cookie-session",
        "--secret",
        "new key",
        "--format",
        "set-cookie",
        "--data",
        &bob.to_string(),
    ]);
    assert_eq!(ours.lines().collect::<Vec<_>>(), theirs);
    // The plain output is the session's JSON.
    let plain = sb
        .cmd()
        .args([
            "verify",
            "--kind",
            "cookie-session",
            "--secret",
            "new key",
            &login,
        ])
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(0));
    assert_eq!(serde_json::from_slice::<Value>(&plain.stdout).unwrap(), bob);

    // After POST /views the app's new pair is read here too.
    let (_, headers, _) = http(app.addr, "POST", "/views", &[("Cookie", &login)]);
    let viewed = cookie_header(&set_cookies(&headers));
    let here = verify_here(&sb, &["new key"], &[], &format!("{viewed}\n"));
    assert_eq!(here[0]["session"]["views"], 1);

    // Every forgery: the app starts a new session, sio-auth refuses with the reason.
    let (v, s) = pair.split_once("; session.sig=").unwrap();
    let v = v.strip_prefix("session=").unwrap();
    let wrong_key = sb.stdout_ok(&[
        "sign",
        "--kind",
        "cookie-session",
        "--secret",
        "not a key of the app",
        "--data",
        &session.to_string(),
    ]);
    for (forged, reason) in [
        (
            format!("session={}; session.sig={s}", flip(v, 5)),
            "bad signature",
        ),
        (
            format!("session={v}; session.sig={}", flip(s, 5)),
            "bad signature",
        ),
        (format!("session={v}"), "no signature"),
        (
            format!("session={v}; session.sig={}", &s[..s.len() - 1]),
            "malformed signature",
        ),
        (wrong_key, "bad signature"),
    ] {
        let (status, _, body) = http(app.addr, "GET", "/session", &[("Cookie", &forged)]);
        assert_eq!(status, 200);
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer, json!({"session": null, "is_new": true}), "{forged}");
        sb.cmd()
            .args([
                "verify",
                "--kind",
                "cookie-session",
                "--secret",
                "new key",
                "--secret",
                "old key",
                &forged,
            ])
            .assert()
            .code(1)
            .stderr(contains(format!("argument 1: invalid: {reason}")));
    }

    // Logging out clears both cookies: an empty value, signed, is no session on either side.
    let (_, headers, _) = http(app.addr, "POST", "/logout", &[("Cookie", &login)]);
    let cleared = cookie_header(&set_cookies(&headers));
    assert!(cleared.starts_with("session=; session.sig="), "{cleared}");
    let here = verify_here(&sb, &["new key"], &[], &format!("{cleared}\n"));
    assert_eq!(here[0]["valid"], false);
    assert!(
        here[0]["reason"]
            .as_str()
            .unwrap()
            .contains("empty session cookie")
    );
    drop(app);
}

#[test]
fn an_app_with_another_algorithm_and_name() {
    let Some(app) = app(
        "an_app_with_another_algorithm_and_name",
        &["k"],
        &[("ALGORITHM", "sha512"), ("NAME", "express:sess")],
    ) else {
        return;
    };
    let sb = Sandbox::new();
    let session = json!({"views": 7});
    let base = [
        "sign",
        "--kind",
        "cookie-session",
        "--secret",
        "k",
        "--cookie-name",
        "express:sess",
    ];
    let sha512 = sb.stdout_ok(
        &[
            &base[..],
            &["--algorithm", "sha512", "--data", &session.to_string()],
        ]
        .concat(),
    );
    let sha1 = sb.stdout_ok(&[&base[..], &["--data", &session.to_string()]].concat());
    let ask = |cookie: &str| -> Value {
        let (_, _, body) = http(app.addr, "GET", "/session", &[("Cookie", cookie)]);
        serde_json::from_str(&body).unwrap()
    };
    assert_eq!(ask(&sha512), json!({"session": session, "is_new": false}));
    assert_eq!(
        ask(&sha1)["is_new"],
        true,
        "a sha1 signature is no sha512 one"
    );
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let sb = Sandbox::new();
    let sign = ["sign", "--kind", "cookie-session", "--secret", "k"];
    for (args, message) in [
        (vec![], "--data JSON"),
        (vec!["--data", "not json"], "invalid JSON"),
        (vec!["--data", "[1]"], "must be a JSON object"),
        (
            vec!["--data", "{}", "--algorithm", "md4"],
            "invalid value 'md4'",
        ),
        (vec!["--data", "{}", "sid"], "no session id"),
        (vec!["--data", "{}", "--count", "2"], "--count"),
        (vec!["--data", "{}", "--format", "value"], "pair of cookies"),
        (vec!["--data", "{}", "--format", "raw"], "pair of cookies"),
        (
            vec!["--data", "{}", "--store", "redis://127.0.0.1:1/0"],
            "not in a store",
        ),
        (vec!["--data", "{}", "--cookie-name", "a;b"], "cookie name"),
        (vec!["--data", "{}", "--cookie-name", "a=b"], "cookie name"),
    ] {
        let out = sb.cmd().args(sign).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().next().unwrap_or("");
        assert!(first.contains(message), "{args:?}: {stderr}");
        assert!(first.contains("error"), "{args:?}: {stderr}");
    }
    for args in [
        vec!["sign", "--kind", "nope", "--secret", "k"],
        vec!["verify", "--kind", "nope", "--secret", "k", "x"],
        vec!["audit", "--kind", "nope", "x"],
    ] {
        sb.cmd()
            .args(&args)
            .assert()
            .code(2)
            .stderr(contains("invalid value 'nope' for '--kind <KIND>'"));
    }
    // express-session has one algorithm, a token for a name, and its --data lives in a store.
    for (args, message) in [
        (
            vec!["sign", "--secret", "k", "--algorithm", "sha256"],
            "--algorithm sha256 is keygrip's",
        ),
        (
            vec!["verify", "--secret", "k", "--algorithm", "sha1", "x"],
            "keygrip's",
        ),
        (
            vec!["sign", "--secret", "k", "--cookie-name", "express:sess"],
            "cookie name",
        ),
        (
            vec!["sign", "--secret", "k", "--data", "{}"],
            "--data is the session stored with --store",
        ),
    ] {
        let out = sb.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // A bad pair is a negative answer (1), with its reason, not an error.
    let verify = [
        "verify",
        "--kind",
        "cookie-session",
        "--secret",
        "keyboard cat",
    ];
    sb.cmd()
        .args(verify)
        .arg(VIEWS)
        .assert()
        .code(0)
        .stdout("{\"views\":1}\n");
    // keygrip signs whatever value it is given (sign --data only makes real sessions): these
    // are signed here, as the jar would.
    let signed = |value: &str| {
        let keygrip = sio_auth::cookie::Keygrip::new(
            [sio_auth::cookie::Secret::new("keyboard cat").unwrap()],
            sio_auth::cookie::Algorithm::Sha1,
        )
        .unwrap();
        format!(
            "session={value}; session.sig={}",
            keygrip.sign(&format!("session={value}"))
        )
    };
    for (input, reason) in [
        ("session=eyJ2aWV3cyI6MX0=".to_owned(), "no signature"),
        ("a=1".to_owned(), "no cookie named session"),
        (signed("!!!!"), "the value is not base64"),
        (signed("bm90IGpzb24="), "the value is not base64 of JSON"),
        (signed("WzFd"), "the session is JSON but not an object"),
        (signed(""), "empty session cookie"),
        ("  ".to_owned(), "empty input"),
    ] {
        let out = sb
            .cmd()
            .args(verify)
            .write_stdin(format!("{input}\n"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{input}");
        // After the warning about the tutorial key: the verdict, on one line.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let verdict = stderr.lines().last().unwrap_or("");
        assert!(
            verdict.starts_with(&format!("sio-auth: line 1: invalid: {reason}")),
            "{input}: {stderr}"
        );
    }
}

/// `audit --kind cookie-session --json` of `input` with `args`; returns the exit code, the JSON
/// lines and stderr.
fn audit(sb: &Sandbox, args: &[&str], input: &str) -> (Option<i32>, Vec<Value>, String) {
    let out = sb
        .cmd()
        .args(["audit", "--kind", "cookie-session", "--json"])
        .args(args)
        .write_stdin(input.to_owned())
        .output()
        .unwrap();
    (
        out.status.code(),
        json_lines(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn audit_finds_the_tutorial_key_of_a_node_pair() {
    let sb = Sandbox::new();
    let (code, found, stderr) = audit(&sb, &[], &format!("Cookie: a=1; {VIEWS}\n"));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        found,
        [
            json!({"input": 1, "session": {"views": 1}, "secret": "keyboard cat", "tried": 1, "source": "builtin"})
        ]
    );
    assert!(
        !stderr.contains("keyboard"),
        "the secret is stdout's: {stderr}"
    );
}

#[test]
fn audit_finds_the_keys_of_node_signed_pairs_in_a_wordlist() {
    let Some(fixture) = node_fixture("audit_finds_the_keys_of_node_signed_pairs_in_a_wordlist")
    else {
        return;
    };
    let pairs = node_signed(&fixture, 60, "audit");
    let sb = Sandbox::new();
    // The keys of all but the last pair, among 20 000 decoys, in a shuffled order.
    let mut words: Vec<String> = (0..20_000).map(|i| format!("decoy-{i}")).collect();
    for (i, pair) in pairs.iter().take(59).enumerate() {
        words.insert(
            (i * 331) % words.len(),
            pair["key"].as_str().unwrap().to_owned(),
        );
    }
    let wordlist = sb.write("words", words.join("\n"));
    let input: String = pairs
        .iter()
        .map(|p| format!("{}\n", p["pair"].as_str().unwrap()))
        .collect();
    let (code, found, stderr) = audit(
        &sb,
        &["--threads", "2", "--wordlist", wordlist.to_str().unwrap()],
        &input,
    );
    assert_eq!(code, Some(1), "the last key is in no list: {stderr}");
    assert_eq!(found.len(), 59, "{stderr}");
    for line in &found {
        let index = usize::try_from(line["input"].as_u64().unwrap()).unwrap() - 1;
        assert_eq!(line["secret"], pairs[index]["key"], "{line}");
        assert_eq!(line["session"], pairs[index]["session"], "{line}");
        assert!(line["source"].as_str().unwrap().ends_with(&format!(
            "words:{}",
            words.iter().position(|w| line["secret"] == w.as_str()).unwrap() + 1
        )));
    }
    assert!(stderr.contains("input 60: secret not found"), "{stderr}");
    assert!(stderr.contains("59 of 60 cookies solved"), "{stderr}");
}

#[test]
fn audit_searches_every_algorithm() {
    let sb = Sandbox::new();
    let wordlist = sb.write("words", "a\nb\nc\nthe key\nd\n");
    for algorithm in ["sha1", "sha256", "sha384", "sha512"] {
        let pair = sb.stdout_ok(&[
            "sign",
            "--kind",
            "cookie-session",
            "--algorithm",
            algorithm,
            "--cookie-name",
            "express:sess",
            "--secret",
            "the key",
            "--data",
            r#"{"user":"ada"}"#,
        ]);
        let args = [
            "--algorithm",
            algorithm,
            "--cookie-name",
            "express:sess",
            "--wordlist",
            wordlist.to_str().unwrap(),
        ];
        let (code, found, stderr) = audit(&sb, &args, &format!("{pair}\n"));
        assert_eq!(code, Some(0), "{algorithm}: {stderr}");
        assert_eq!(found[0]["secret"], "the key", "{algorithm}");
        assert_eq!(found[0]["session"], json!({"user": "ada"}));
        // The signature's length tells the algorithm it is not.
        let other = if algorithm == "sha1" {
            "sha256"
        } else {
            "sha1"
        };
        let (code, _, stderr) = audit(
            &sb,
            &["--algorithm", other, "--cookie-name", "express:sess"],
            &format!("{pair}\n"),
        );
        assert_eq!(code, Some(2), "{algorithm} read as {other}");
        assert!(stderr.contains("(another --algorithm?)"), "{stderr}");
    }
}

#[test]
fn audit_refuses_what_is_no_signed_pair() {
    let sb = Sandbox::new();
    for (input, why) in [
        (
            "session=eyJ2aWV3cyI6MX0=",
            "line 1: not a signed cookie-session pair: no signature",
        ),
        ("a=1", "no cookie named session"),
        (
            "session=e30=; session.sig=x-C3NH9bM5O4ofBO-GACcofuXXd",
            "not canonical base64url",
        ),
    ] {
        let (code, _, stderr) = audit(&sb, &[], &format!("{input}\n"));
        assert_eq!(code, Some(2), "{input}");
        assert!(stderr.contains(why), "{input}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// The lines hashcat takes (checked by hand with Debian's hashcat 6: `hashcat -m 150 -a 0
/// --potfile-disable LINES WORDLIST` finds `keyboard cat`, and so do -m 1450 and -m 1750 on the
/// sha256 and sha512 lines).
#[test]
fn audit_hashcat_lines_for_each_algorithm() {
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["audit", "--kind", "cookie-session", "--hashcat", VIEWS])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Python: hmac.new(b"keyboard cat", b"session=eyJ2aWV3cyI6MX0=", hashlib.sha1).hexdigest()
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "c7e0b7347f5b3393b8a1f04ef860027287ee5d77:session=eyJ2aWV3cyI6MX0=\n"
    );
    let pair = |algorithm: &str, data: &str| {
        sb.stdout_ok(&[
            "sign",
            "--kind",
            "cookie-session",
            "--algorithm",
            algorithm,
            "--secret",
            "keyboard cat",
            "--data",
            data,
        ])
    };
    for (algorithm, hex_len) in [("sha256", 64), ("sha512", 128)] {
        let line = sb.stdout_ok(&[
            "audit",
            "--kind",
            "cookie-session",
            "--algorithm",
            algorithm,
            "--hashcat",
            &pair(algorithm, "{}"),
        ]);
        assert_eq!(
            line,
            format!("{}:session=e30=", &line[..hex_len]),
            "{algorithm}"
        );
    }
    let refused = |args: &[&str], why: &str| {
        let out = sb
            .cmd()
            .args(["audit", "--kind", "cookie-session", "--hashcat"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(why),
            "{args:?}: {out:?}"
        );
    };
    refused(
        &["--algorithm", "sha384", &pair("sha384", "{}")],
        "no HMAC-sha384 mode",
    );
    let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(300));
    refused(
        &[&pair("sha1", &big)],
        "longer than hashcat's 256-byte salt",
    );
}
