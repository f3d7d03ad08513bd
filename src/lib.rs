//! The pure core of sio-auth: Express-compatible signed session cookies.
//!
//! The `sio-auth` binary builds its commands on this; see [`cookie`].

pub mod cookie;
