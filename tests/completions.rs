//! The committed completion scripts and man page must be what the binary generates now.

use std::path::Path;

use crate::util::Sandbox;

const GENERATED: &[(&[&str], &str)] = &[
    (&["completions", "bash"], "sio-auth.bash"),
    (&["completions", "zsh"], "_sio-auth"),
    (&["completions", "fish"], "sio-auth.fish"),
    (&["completions", "elvish"], "sio-auth.elv"),
    (&["completions", "powershell"], "_sio-auth.ps1"),
    (&["man"], "sio-auth.1"),
];

#[test]
fn committed_completions_match_the_cli() {
    let sb = Sandbox::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (args, file) in GENERATED {
        let out = sb.cmd().args(*args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
        let committed = std::fs::read(dir.join(file)).unwrap_or_default();
        if committed != out.stdout {
            if std::env::var_os("SIO_AUTH_BLESS").is_some() {
                std::fs::write(dir.join(file), &out.stdout).unwrap();
            } else {
                stale.push(*file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} differ from the CLI; regenerate with SIO_AUTH_BLESS=1 cargo test completions"
    );
}

#[test]
fn completions_know_every_subcommand() {
    let sb = Sandbox::new();
    let out = sb.cmd().args(["completions", "bash"]).output().unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    for sub in ["serve", "sign", "verify", "connect", "completions"] {
        assert!(script.contains(sub), "{sub}");
    }
    sb.cmd().args(["completions", "tcsh"]).assert().code(2);
}
