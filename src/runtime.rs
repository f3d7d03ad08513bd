//! The tokio runtimes the commands run on, built in one place.

use anyhow::Context as _;
use tokio::runtime::{Builder, Runtime};

/// How much of the machine a command's async work needs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Threads {
    /// One thread: a client, a store lookup.
    One,
    /// A worker per core: `serve` and `bench`.
    PerCore,
}

/// A runtime with I/O and timers enabled.
pub(crate) fn build(threads: Threads) -> anyhow::Result<Runtime> {
    let mut builder = match threads {
        Threads::One => Builder::new_current_thread(),
        Threads::PerCore => Builder::new_multi_thread(),
    };
    builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
