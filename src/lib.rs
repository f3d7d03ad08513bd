//! The pure core of sio-auth: Express-compatible signed session cookies, and the parsers of
//! what a Socket.IO server sends.
//!
//! The `sio-auth` binary builds its commands on this; see [`cookie`] and [`wire`].

pub mod cookie;
pub mod wire;
