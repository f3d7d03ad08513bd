//! Property checks for sio-auth's parsers of untrusted bytes, one module per fuzz target. Each
//! `check` takes the fuzzer's bytes and panics when a property does not hold; the binaries in
//! `src/bin/` hand them to AFL++ (see README.md).

pub mod cookie_header;
pub mod dates;
pub mod engineio;
pub mod set_cookie;
pub mod verify;
pub mod wire;
