//! The one integration-test binary: every test drives the real `sio-auth` executable.

mod util;

mod cli;
mod completions;
mod connect;
mod interop;
