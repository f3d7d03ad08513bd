//! Shared test helpers: running the binary in a clean environment, and finding external peers
//! (node, redis-server, chromium) or saying loudly why a test could not run.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `sio-auth` binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sio-auth")
}

/// A private data directory, so no test reads or creates the user's default secret.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `sio-auth ARGS` with XDG_DATA_HOME inside the sandbox and no secret in the environment.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(bin());
        cmd.env("XDG_DATA_HOME", self.path().join("data"))
            .env("HOME", self.path())
            .env_remove("SIO_AUTH_SECRET")
            .env_remove("RUST_LOG");
        cmd
    }

    /// The same as a `std::process::Command`, for tests that stream or spawn.
    pub fn std_cmd(&self) -> Command {
        let mut cmd = Command::new(bin());
        cmd.env("XDG_DATA_HOME", self.path().join("data"))
            .env("HOME", self.path())
            .env_remove("SIO_AUTH_SECRET")
            .env_remove("RUST_LOG");
        cmd
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }
}

/// Whether we run under CI, where a missing peer is a failure rather than a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Reports a missing peer: a loud SKIPPED on a developer's machine, a failure under CI=true.
pub fn missing_peer(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: required peer missing under CI=true: {why}");
    }
    eprintln!("\n*** SKIPPED {test}: {why} ***\n");
}

/// The npm fixture under tests/node, when node and its installed packages are there.
pub fn node_fixture(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let node_ok = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    if !node_ok {
        missing_peer(test, "`node` is not on PATH");
        return None;
    }
    if !dir.join("node_modules/express-session").is_dir() {
        missing_peer(test, "run `npm ci` in tests/node first");
        return None;
    }
    Some(dir)
}
