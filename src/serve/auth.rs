//! Handshake authorization: the session cookie of the request that opened the Engine.IO
//! session, checked in the namespace connect middleware so the client gets the reason.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use http::HeaderMap;
use sio_auth::cookie::{Keyring, Rejection, Verified, latin1_to_string};
use socketioxide::extract::SocketRef;

/// The peer of the TCP connection, put into every request's extensions by the accept loop
/// (`warp::addr::remote()` knows nothing with a custom accept loop).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// The refusal texts of the classic Express + Socket.IO example; clients see them as the
/// `connect_error` message.
pub(crate) const NO_COOKIE: &str = "No cookie transmitted.";
pub(crate) const INVALID_COOKIE: &str = "Cookie is invalid.";

/// Checks session cookies against the keyring.
#[derive(Debug)]
pub(crate) struct Authorizer {
    keyring: Keyring,
    cookie_name: String,
}

impl Authorizer {
    pub(crate) fn new(keyring: Keyring, cookie_name: String) -> Self {
        Self {
            keyring,
            cookie_name,
        }
    }

    pub(crate) fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    pub(crate) fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// express-session's verdict on a request's headers: `None` without any Cookie header.
    pub(crate) fn verify(
        &self,
        headers: &HeaderMap,
    ) -> Option<Result<Verified<'static>, Rejection>> {
        let header = cookie_header(headers)?;
        Some(
            self.keyring
                .verify_header(&header, &self.cookie_name)
                .map(Verified::into_owned),
        )
    }
}

/// The Cookie header as Node sees it: several lines joined with `; `, each byte read as one
/// Latin-1 character (so non-UTF-8 bytes never fail, they just never match a signature).
pub(crate) fn cookie_header(headers: &HeaderMap) -> Option<Cow<'_, str>> {
    let mut lines = headers.get_all(http::header::COOKIE).iter();
    let first = lines.next()?;
    let mut joined = latin1_to_string(first.as_bytes());
    for line in lines {
        let joined = joined.to_mut();
        joined.push_str("; ");
        joined.push_str(&latin1_to_string(line.as_bytes()));
    }
    Some(joined)
}

/// The connect middleware of every namespace; socketioxide sends `44{"message":…}` with the
/// returned text when it is `Err`.
pub(crate) async fn authorize(
    socket: SocketRef,
    auth: Arc<Authorizer>,
) -> Result<(), &'static str> {
    let parts = socket.req_parts();
    let peer = parts
        .extensions
        .get::<PeerAddr>()
        .map_or_else(|| "-".to_owned(), |p| p.0.to_string());
    let transport = socket.transport_type();
    match auth.verify(&parts.headers) {
        Some(Ok(verified)) => {
            // The sid identifies a session; log only a prefix, enough to correlate.
            let sid: String = verified.sid.chars().take(6).collect();
            tracing::info!(%peer, ns = socket.ns(), ?transport, sid = %format!("{sid}…"), "handshake accepted");
            Ok(())
        }
        Some(Err(rejection)) => {
            tracing::info!(%peer, ns = socket.ns(), ?transport, why = %rejection, "handshake refused: {INVALID_COOKIE}");
            Err(INVALID_COOKIE)
        }
        None => {
            tracing::info!(%peer, ns = socket.ns(), ?transport, "handshake refused: {NO_COOKIE}");
            Err(NO_COOKIE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_auth::cookie::Secret;

    fn headers(lines: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append(
                http::header::COOKIE,
                http::HeaderValue::from_bytes(line).unwrap(),
            );
        }
        map
    }

    #[test]
    fn several_cookie_lines_are_joined_as_node_joins_them() {
        // HTTP/2 clients may send one cookie per header line.
        let map = headers(&[b"a=1", b"express.sid=s%3Ax.y", b"b=2"]);
        assert_eq!(
            cookie_header(&map).as_deref(),
            Some("a=1; express.sid=s%3Ax.y; b=2")
        );
        assert_eq!(cookie_header(&HeaderMap::new()), None);
    }

    #[test]
    fn non_utf8_bytes_read_as_latin1_never_match() {
        let map = headers(&[b"express.sid=s:\xe9.sig"]);
        assert_eq!(
            cookie_header(&map).as_deref(),
            Some("express.sid=s:\u{e9}.sig")
        );
        let auth = Authorizer::new(
            Keyring::new([Secret::new("k").unwrap()]).unwrap(),
            "express.sid".to_owned(),
        );
        assert!(matches!(auth.verify(&map), Some(Err(_))));
        // A cookie on the second line is found.
        let signed =
            sio_auth::cookie::encode_uri_component(&auth.keyring().sign("abc")).into_owned();
        let map = headers(&[b"a=1", format!("express.sid={signed}").as_bytes()]);
        assert_eq!(auth.verify(&map).unwrap().unwrap().sid, "abc");
    }
}
