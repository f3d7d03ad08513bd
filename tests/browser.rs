//! The page at `/` in headless Chromium (Debian's `chromium`, driven by playwright-core through
//! tests/node/browser.js): it must connect with its own session cookie and show ticks, show the
//! reason when its cookie is forged, and fetch nothing from outside the server.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::{Peer, Sandbox, missing_peer, node_fixture, now_ms, serve};

const SECRET: &str = "browser-tests-secret-5d2a9e7c1f8b4036";

fn chromium(test: &str) -> bool {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if Path::new(&path).is_file() {
        true
    } else {
        missing_peer(
            test,
            &format!("no Chromium at {path} (apt-get install chromium, or set CHROMIUM)"),
        );
        false
    }
}

fn browse(fixture: &Path, url: &str, args: &[&str]) -> (Option<i32>, Value) {
    let out = Command::new("node")
        .arg(fixture.join("browser.js"))
        .arg(url)
        .args(args)
        .args(["--timeout", "20000"])
        .output()
        .expect("node browser.js");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "browser.js printed {stdout:?} ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

/// The fixture, a sandbox and a ticking server; None (after a loud SKIPPED) without node or
/// Chromium.
fn setup(test: &str) -> Option<(std::path::PathBuf, Sandbox, Peer)> {
    let fixture = node_fixture(test)?;
    if !chromium(test) {
        return None;
    }
    let sb = Sandbox::new();
    let server = serve(&sb, &["--secret", SECRET, "--interval", "200"]);
    Some((fixture, sb, server))
}

#[test]
fn the_page_shows_ticks_in_a_real_browser() {
    let test = "the_page_shows_ticks_in_a_real_browser";
    let Some((fixture, _sb, server)) = setup(test) else {
        return;
    };
    let (code, report) = browse(&fixture, &server.url(), &["--wait-ticks", "3"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["state"], "connected", "{report}");
    let ticks: Vec<i64> = report["ticks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_i64().unwrap())
        .collect();
    assert!(ticks.len() >= 3, "{report}");
    let now = now_ms();
    assert!(
        ticks
            .iter()
            .all(|t| (now - 30_000..=now + 1_000).contains(t)),
        "sane times: {ticks:?}"
    );
    assert!(
        report["delays"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d.as_i64().is_some_and(|d| (-1000..5000).contains(&d)))
    );
    assert_eq!(
        report["failed_requests"],
        serde_json::json!([]),
        "offline: nothing fetched elsewhere"
    );
    assert_eq!(report["console_errors"], serde_json::json!([]));
}

#[test]
fn the_page_shows_the_reason_for_a_forged_cookie() {
    let test = "the_page_shows_the_reason_for_a_forged_cookie";
    let Some((fixture, sb, server)) = setup(test) else {
        return;
    };
    let forged = sb.stdout_ok(&["sign", "--secret", "not-the-servers-secret-not-the-servers"]);
    let (code, report) = browse(&fixture, &server.url(), &["--cookie", &forged]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["state"], "refused", "{report}");
    assert_eq!(report["reason"], "Cookie is invalid.", "{report}");
    assert_eq!(report["ticks"], serde_json::json!([]));

    // A cookie signed with the server's secret, set the same way, is accepted: the refusal
    // above is about the signature, not about how the cookie got there.
    let valid = sb.stdout_ok(&["sign", "--secret", SECRET]);
    let (code, report) = browse(&fixture, &server.url(), &["--cookie", &valid]);
    assert_eq!(
        (code, report["state"].as_str()),
        (Some(0), Some("connected")),
        "{report}"
    );
}
