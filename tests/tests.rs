//! The one integration-test binary: every test drives the real `sio-auth` executable.
#![allow(clippy::unwrap_used)]

mod util;

mod audit;
mod bench;
mod bench_emit;
mod browser;
mod cli;
mod cluster;
mod cluster_emit;
mod completions;
mod connect;
mod cookie_session;
mod emit;
mod engine;
mod hints;
mod interop;
mod live;
mod serve;
mod store;
mod trust;
