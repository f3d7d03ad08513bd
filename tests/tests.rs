//! The one integration-test binary: every test drives the real `sio-auth` executable.

mod connect;
