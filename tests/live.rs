//! Sessions that live while their sockets do: a session changed in the store is authorized
//! again, on every node (live re-authorization).

use std::time::{Duration, Instant};

use crate::store::{SECRET, TestRedis, Watcher, connect_once, node_app, node_login, sid_of};
use crate::util::{Peer, Sandbox, http, now_ms, serve};

/// This file's own database on the shared Redis.
const DB: u32 = 11;

/// Waits for a `data` event received at `after` (epoch ms) or later.
fn ticks_after(watcher: &Watcher, after: i64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match watcher.wait_for("data", left) {
            Some(tick) if tick["received_at"].as_i64().unwrap() >= after => return true,
            Some(_) => {}
            None => return false,
        }
    }
    false
}

/// One `serve` node of the re-authorization test and the two sockets held on it.
struct Node {
    server: Peer,
    root: Watcher,
    admin: Watcher,
}

#[test]
fn a_demoted_session_loses_its_admin_sockets_on_every_node() {
    let test = "a_demoted_session_loses_its_admin_sockets_on_every_node";
    let Some(redis) = TestRedis::on(test, DB) else {
        return;
    };
    let Some(app) = node_app(test, &redis) else {
        return;
    };
    let sb = Sandbox::new();
    let cookie = node_login(&app, &redis, "ann", "admin");
    let url = redis.url();
    // Two nodes on the same Redis: `/` is looked up on the first, admitted by its signature
    // alone on the second.
    let nodes: Vec<Node> = [&["--require-session"][..], &[][..]]
        .into_iter()
        .map(|extra| {
            let mut args = vec!["--secret", SECRET, "--store", &url, "--interval", "100ms"];
            args.extend_from_slice(extra);
            args.extend(["--namespace", "/admin", "--require", "/user/role=admin"]);
            let server = serve(&sb, &args);
            let root = Watcher::start(&sb, &server.url(), &cookie, &[]);
            let admin = Watcher::start(&sb, &server.url(), &cookie, &["--namespace", "/admin"]);
            Node {
                server,
                root,
                admin,
            }
        })
        .collect();
    for node in &nodes {
        for watcher in [&node.root, &node.admin] {
            watcher
                .wait_for("data", Duration::from_secs(10))
                .expect("ticks");
        }
    }

    // The Node app demotes the same session (same sid, req.session.user rewritten).
    let demoted = now_ms();
    let (status, _, body) = http(
        app.addr,
        "POST",
        "/login?user=ann&role=user",
        &[("Cookie", &cookie)],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&sid_of(&cookie)), "{body}");

    for (n, node) in nodes.iter().enumerate() {
        let ended = node
            .admin
            .wait_for("session_ended", Duration::from_secs(3))
            .unwrap_or_else(|| panic!("node {n}: no session_ended; {}", node.server.stderr()));
        assert_eq!(
            ended["args"][0], "Requirement not met: /user/role=admin.",
            "node {n}"
        );
        let late = ended["received_at"].as_i64().unwrap() - demoted;
        assert!(late < 1000, "node {n}: cut {late} ms after the demotion");
        eprintln!("node {n}: /admin cut {late} ms after the demotion");
    }
    for (n, mut node) in nodes.into_iter().enumerate() {
        assert_eq!(
            node.admin.exit_code(Duration::from_secs(3)),
            Some(6),
            "node {n}: the /admin socket ends as a session end"
        );
        // `/` keeps ticking well after the cut.
        assert!(
            ticks_after(&node.root, demoted + 1500, Duration::from_secs(3)),
            "node {n}: / stopped ticking"
        );
        assert_eq!(
            connect_once(&sb, &node.server.url(), &cookie, &["--namespace", "/admin"]),
            Err("Requirement not met: /user/role=admin.".to_owned()),
            "node {n}"
        );
        assert_eq!(connect_once(&sb, &node.server.url(), &cookie, &[]), Ok(()));
    }
}
