//! Handshake authorization: the session cookie of the request that opened the Engine.IO
//! session, checked in the namespace connect middleware so the client gets the reason: Origin,
//! then the signature, then (when asked) the live session and the namespace's rules.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use sio_auth::cookie::{Keyring, Rejection, Verified, latin1_to_string};
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;

use super::live::{LiveSessions, SessionOf, ShortSid};
use super::origin::{ORIGIN_NOT_ALLOWED, OriginPolicy};
use super::rules::Requirement;
use crate::store::{EndReason, Session, SessionStore, StoreError};

/// The peer of the TCP connection, put into every request's extensions by the accept loop
/// (`warp::addr::remote()` knows nothing with a custom accept loop).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub(crate) SocketAddr);

/// A peer for the logs: its address, or `-` when unknown. Formats only if the line is logged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ShowPeer<'a>(pub(crate) Option<&'a PeerAddr>);

impl fmt::Display for ShowPeer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(peer) => peer.0.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// The refusal texts of the classic Express + Socket.IO example; clients see them as the
/// `connect_error` message.
pub(crate) const NO_COOKIE: &str = "No cookie transmitted.";
pub(crate) const INVALID_COOKIE: &str = "Cookie is invalid.";
/// Refusals of `--require-session` and namespace rules.
pub(crate) const SESSION_NOT_FOUND: &str = "Session not found.";
pub(crate) const SESSION_EXPIRED: &str = "Session expired.";
pub(crate) const STORE_UNAVAILABLE: &str = "Session store unavailable.";

/// Checks handshakes: Origin, cookie signature, and the session in the store.
#[derive(Debug)]
pub(crate) struct Authorizer {
    pub(crate) keyring: Keyring,
    pub(crate) cookie_name: String,
    pub(crate) store: Arc<dyn SessionStore>,
    /// Refuse a signed cookie whose session is not in the store.
    pub(crate) require_session: bool,
    /// The lifetime of the sessions `GET /` issues; `None` for browser-session cookies.
    pub(crate) max_age: Option<Duration>,
    /// `--rolling`: `GET /` also rolls a live session and sends its cookie again with the new
    /// expiry, as express-session's `rolling` does on every response.
    pub(crate) rolling: bool,
    pub(crate) origins: OriginPolicy,
    /// The sockets of each session, and the sessions destroyed while their cookies live.
    pub(crate) live: Arc<LiveSessions>,
    /// What the periodic summary reports.
    pub(crate) stats: super::stats::Stats,
}

/// A live session's verdict: the session, or the refusal text.
pub(crate) enum Lookup {
    Live(Session),
    Refused(&'static str),
}

impl Authorizer {
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

    /// The live session of a signed sid (one store round trip); never `Live` on a store error.
    pub(crate) async fn lookup(&self, sid: &str) -> Lookup {
        match self.store.get(sid).await {
            Ok(Some(session)) if session.is_expired(SystemTime::now()) => {
                Lookup::Refused(SESSION_EXPIRED)
            }
            Ok(Some(session)) => Lookup::Live(session),
            Ok(None) => Lookup::Refused(SESSION_NOT_FOUND),
            Err(StoreError::Unavailable(why)) => {
                // Said once per outage by the store itself; each refusal is counted.
                tracing::debug!(%why, "session store unavailable");
                Lookup::Refused(STORE_UNAVAILABLE)
            }
        }
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
/// returned text when it is `Err`. `rules` are the namespace's own `--require` rules.
pub(crate) async fn authorize<A: Adapter>(
    socket: SocketRef<A>,
    auth: Arc<Authorizer>,
    rules: Arc<[Requirement]>,
) -> Result<(), Cow<'static, str>> {
    let parts = socket.req_parts();
    let peer = ShowPeer(parts.extensions.get::<PeerAddr>());
    let transport = socket.transport_type();
    let ns = socket.ns();
    let refuse = |why: Cow<'static, str>, detail: &dyn std::fmt::Display| {
        tracing::debug!(%peer, ns, ?transport, %detail, "handshake refused: {why}");
        auth.stats.refused(&why);
        Err(why)
    };
    if !auth.origins.allows(&parts.headers) {
        let origin = parts
            .headers
            .get(http::header::ORIGIN)
            .map(|o| String::from_utf8_lossy(o.as_bytes()).into_owned())
            .unwrap_or_default();
        return refuse(
            ORIGIN_NOT_ALLOWED.into(),
            &format_args!("origin {origin:?}"),
        );
    }
    let verified = match auth.verify(&parts.headers) {
        Some(Ok(verified)) => verified,
        Some(Err(rejection)) => return refuse(INVALID_COOKIE.into(), &rejection),
        None => return refuse(NO_COOKIE.into(), &"no Cookie header"),
    };
    let short = ShortSid(&verified.sid);
    if auth.live.is_revoked(&verified.sid) {
        return refuse(
            EndReason::Revoked.message().into(),
            &format_args!("sid {short}"),
        );
    }
    let mut session_of = SessionOf {
        sid: verified.sid.as_ref().into(),
        expires: None,
        looked_up: false,
        rules: rules.clone(),
    };
    if auth.require_session || !rules.is_empty() {
        let session = match auth.lookup(&verified.sid).await {
            Lookup::Live(session) => session,
            Lookup::Refused(why) => return refuse(why.into(), &format_args!("sid {short}")),
        };
        if let Some(why) = super::rules::unmet(&rules, &session) {
            return refuse(why.into(), &format_args!("sid {short}"));
        }
        session_of.expires = session.expires();
        session_of.looked_up = true;
    }
    socket.extensions.insert(session_of);
    tracing::debug!(%peer, ns, ?transport, sid = %short, "handshake accepted");
    auth.stats.accepted();
    Ok(())
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
    fn logs_show_a_short_sid_and_a_dash_for_an_unknown_peer() {
        assert_eq!(ShortSid("abcdefghij").to_string(), "abcdef…");
        assert_eq!(ShortSid("abc").to_string(), "abc…");
        assert_eq!(ShortSid("ééééééé").to_string(), "éééééé…");
        assert_eq!(ShowPeer(None).to_string(), "-");
        let peer = PeerAddr(([127, 0, 0, 1], 9).into());
        assert_eq!(ShowPeer(Some(&peer)).to_string(), "127.0.0.1:9");
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
        let auth = Authorizer {
            keyring: Keyring::new([Secret::new("k").unwrap()]).unwrap(),
            cookie_name: "express.sid".to_owned(),
            store: Arc::new(crate::store::memory::MemoryStore::new(16)),
            require_session: false,
            max_age: None,
            rolling: false,
            origins: crate::serve::origin::OriginPolicy::new(Vec::new()),
            live: Arc::new(LiveSessions::new(Duration::from_secs(60))),
            stats: crate::serve::stats::Stats::default(),
        };
        assert!(matches!(auth.verify(&map), Some(Err(_))));
        // A cookie on the second line is found.
        let signed = sio_auth::cookie::encode_uri_component(&auth.keyring.sign("abc")).into_owned();
        let map = headers(&[b"a=1", format!("express.sid={signed}").as_bytes()]);
        assert_eq!(auth.verify(&map).unwrap().unwrap().sid, "abc");
    }
}
