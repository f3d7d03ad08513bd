//! Engine.IO sessions bound to the cookie that opened them.
//!
//! Socket.IO authorizes a connection by the Cookie header of the request that opened its
//! Engine.IO session; every later polling GET, POST and the WebSocket upgrade carry only the
//! Engine.IO `sid` in their URL, which proxies and access logs see. Left alone, that `sid` is a
//! bearer token: anyone holding it could read the victim's packets, send in its name or take its
//! session over with an upgrade. This layer stands in front of socketioxide: it records which
//! signed session (or none) opened each polling session, and lets a later request of that
//! session through only when its own cookie verifies to the same session. Anything else is
//! answered here, before the engine sees it, so the victim's session is untouched.
//!
//! WebSocket-only sessions never take another HTTP request: the engine itself refuses polling
//! on them (transport mismatch) and a second upgrade, so they need no record. A `sid` we never
//! recorded is refused as unknown, which is what the engine would answer for a closed session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::{Method, Request, Response, StatusCode};

use super::auth::Authorizer;

/// The path socketioxide serves (its `req_path`): `/socket.io` itself and everything under it.
pub(crate) fn is_engine_path(path: &str) -> bool {
    path.strip_prefix("/socket.io")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// An Engine.IO handshake straight over WebSocket: no `sid`, `transport=websocket`.
pub(crate) fn is_websocket_handshake<B>(req: &Request<B>) -> bool {
    let query = req.uri().query().unwrap_or("");
    is_engine_path(req.uri().path())
        && query_param(query, "sid").is_none()
        && query_param(query, "transport") == Some("websocket")
}

/// A WebSocket upgrade (an `Upgrade` header, or `transport=websocket`) with a request body.
/// hyper reads the body as the request's and drops it unread before it hands the connection
/// over, so whatever the client meant by those bytes (WebSocket frames smuggled in the handshake)
/// would be lost in silence. Node's parser takes them for the first frames instead; neither
/// makes sense for a GET that asks to switch protocols, so it is refused before the engine
/// sees it.
fn is_upgrade_with_body<B>(req: &Request<B>) -> bool {
    let headers = req.headers();
    let upgrade = headers.contains_key(http::header::UPGRADE)
        || query_param(req.uri().query().unwrap_or(""), "transport") == Some("websocket");
    upgrade
        && (headers.contains_key(http::header::TRANSFER_ENCODING)
            || headers
                .get_all(http::header::CONTENT_LENGTH)
                .iter()
                .any(|len| len.as_bytes() != b"0"))
}

/// The first `name=` parameter of a query, read exactly as engineioxide reads it (split on `&`,
/// the first match wins, no percent-decoding), so that both see the same value.
fn query_param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|kv| {
        kv.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

/// How long a recorded session may go without a request before it is forgotten. A live polling
/// client always has a request within the ping interval plus the ping timeout (25 s + 20 s by
/// default); an upgraded one takes no more HTTP requests and needs no record.
const IDLE: Duration = Duration::from_secs(60);

/// At most this many sessions are recorded; past it a new polling handshake is refused with 503
/// (WebSocket handshakes need no record and still work). With the memory a session costs the
/// engine (~13 KB), the engine runs out long before this does.
const MAX_RECORDED: usize = 1 << 20;

/// What to do with a request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Not ours to judge (not the engine path, or a WebSocket handshake), or a request of a
    /// session whose cookie matches.
    Pass,
    /// A polling handshake: record the session the response opens, with the signed session id
    /// of its cookie (`None` without a valid one).
    Handshake(Option<Arc<str>>),
    /// Answer with this status and text; the engine never sees the request.
    Refuse(StatusCode, &'static str),
}

/// The text of a request refused because its cookie is not the one that opened the session.
pub(crate) const NOT_YOUR_SESSION: &str = "This request's cookie did not open this session.";
/// The text of a WebSocket upgrade refused because it carries a body.
const UPGRADE_WITH_BODY: &str = "A WebSocket upgrade request carries no body.";
/// The text engine.io answers for a session it does not know.
const UNKNOWN_SESSION: &str = "{\"code\":1,\"message\":\"Session ID unknown\"}";

#[derive(Debug)]
struct Binding {
    /// The signed session id of the cookie that opened it.
    session: Option<Arc<str>>,
    /// Seconds since [`EngineSessions::epoch`] at its last request.
    seen: u32,
}

/// Engine.IO sid → the session of the cookie that opened it, for every open polling session.
#[derive(Debug)]
pub(crate) struct EngineSessions {
    bindings: Mutex<HashMap<Box<str>, Binding>>,
    epoch: Instant,
}

impl Default for EngineSessions {
    fn default() -> Self {
        Self {
            bindings: Mutex::default(),
            epoch: Instant::now(),
        }
    }
}

impl EngineSessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, Binding>> {
        self.bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn now(&self) -> u32 {
        u32::try_from(self.epoch.elapsed().as_secs()).unwrap_or(u32::MAX)
    }

    /// Judges a request before it reaches the engine.
    pub(crate) fn check<B>(&self, auth: &Authorizer, req: &Request<B>) -> Verdict {
        if !is_engine_path(req.uri().path()) {
            return Verdict::Pass;
        }
        if is_upgrade_with_body(req) {
            return Verdict::Refuse(StatusCode::BAD_REQUEST, UPGRADE_WITH_BODY);
        }
        let query = req.uri().query().unwrap_or("");
        let session = || match auth.verify(req.headers()) {
            Some(Ok(verified)) => Some(Arc::<str>::from(verified.sid.as_ref())),
            _ => None,
        };
        let Some(sid) = query_param(query, "sid") else {
            let polling = query_param(query, "transport") == Some("polling");
            if polling && req.method() == Method::GET {
                if self.lock().len() >= MAX_RECORDED {
                    return Verdict::Refuse(StatusCode::SERVICE_UNAVAILABLE, "Too many sessions.");
                }
                return Verdict::Handshake(session());
            }
            return Verdict::Pass;
        };
        let offered = session();
        let now = self.now();
        let mut bindings = self.lock();
        let Some(binding) = bindings.get_mut(sid) else {
            return Verdict::Refuse(StatusCode::BAD_REQUEST, UNKNOWN_SESSION);
        };
        if binding.session != offered {
            return Verdict::Refuse(StatusCode::FORBIDDEN, NOT_YOUR_SESSION);
        }
        binding.seen = now;
        Verdict::Pass
    }

    /// Records the session a polling handshake's response opened: the `sid` of its open packet
    /// (`0{"sid":…}`).
    pub(crate) fn opened(&self, open_packet: &[u8], session: Option<Arc<str>>) {
        let Some(sid) = open_packet
            .strip_prefix(b"0")
            .and_then(|json| serde_json::from_slice::<OpenPacket>(json).ok())
            .map(|open| open.sid)
        else {
            return;
        };
        let seen = self.now();
        self.lock()
            .insert(sid.into_boxed_str(), Binding { session, seen });
    }

    /// Forgets a session the engine says it does not know (closed meanwhile).
    pub(crate) fn closed(&self, sid: &str) {
        self.lock().remove(sid);
    }

    /// Forgets sessions that took no request for [`IDLE`].
    pub(crate) fn sweep(&self) {
        let idle = u32::try_from(IDLE.as_secs()).unwrap_or(u32::MAX);
        let now = self.now();
        self.lock()
            .retain(|_, binding| now.saturating_sub(binding.seen) < idle);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Sweeps every ten seconds, forever.
    pub(crate) async fn sweep_forever(self: Arc<Self>) {
        let mut every = tokio::time::interval(Duration::from_secs(10));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            self.sweep();
        }
    }
}

#[derive(serde::Deserialize)]
struct OpenPacket {
    sid: String,
}

/// The `sid` of a request to the engine path, if any (as the engine reads it).
pub(crate) fn request_sid<B>(req: &Request<B>) -> Option<&str> {
    if !is_engine_path(req.uri().path()) {
        return None;
    }
    query_param(req.uri().query()?, "sid")
}

/// The answer to a refused request.
pub(crate) fn refusal(status: StatusCode, text: &'static str) -> Response<String> {
    let json = text.starts_with('{');
    Response::builder()
        .status(status)
        .header(
            http::header::CONTENT_TYPE,
            if json {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            },
        )
        .header(http::header::CACHE_CONTROL, "no-store")
        .body(if json {
            text.to_owned()
        } else {
            format!("{text}\n")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_engine_path_and_query_as_engineioxide_does() {
        for (path, ours) in [
            ("/socket.io", true),
            ("/socket.io/", true),
            ("/socket.io/x", true),
            ("/socket.io-admin", false),
            ("/", false),
            ("/socket.iox/", false),
        ] {
            assert_eq!(is_engine_path(path), ours, "{path}");
        }
        // The first sid= wins, as in engineioxide's parser; `xsid=` is not `sid=`.
        assert_eq!(query_param("EIO=4&sid=a&sid=b", "sid"), Some("a"));
        assert_eq!(query_param("EIO=4&xsid=a", "sid"), None);
        assert_eq!(query_param("sid=", "sid"), Some(""));
        assert_eq!(query_param("sidx=1", "sid"), None);
    }

    #[test]
    fn an_upgrade_with_a_body_is_told_apart() {
        let upgrade = |uri: &str, headers: &[(&str, &str)]| {
            let mut req = Request::get(uri);
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            is_upgrade_with_body(&req.body(()).unwrap())
        };
        let ws = "/socket.io/?EIO=4&transport=websocket";
        assert!(!upgrade(ws, &[("upgrade", "websocket")]));
        assert!(!upgrade(
            ws,
            &[("upgrade", "websocket"), ("content-length", "0")]
        ));
        assert!(upgrade(
            ws,
            &[("upgrade", "websocket"), ("content-length", "5")]
        ));
        assert!(upgrade(ws, &[("transfer-encoding", "chunked")]));
        let polling = "/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAA";
        assert!(
            !upgrade(polling, &[("content-length", "5")]),
            "a POST's body"
        );
        assert!(upgrade(
            polling,
            &[("upgrade", "websocket"), ("content-length", "5")]
        ));
    }

    #[test]
    fn a_session_is_recorded_from_its_open_packet_and_swept_when_idle() {
        let sessions = EngineSessions::default();
        sessions.opened(br#"0{"sid":"AAAA","upgrades":["websocket"]}"#, None);
        sessions.opened(b"not an open packet", None);
        assert_eq!(sessions.len(), 1);
        sessions.sweep();
        assert_eq!(sessions.len(), 1, "fresh sessions stay");
        sessions.lock().get_mut("AAAA").unwrap().seen = 0;
        let later = EngineSessions {
            bindings: Mutex::new(std::mem::take(&mut *sessions.lock())),
            epoch: Instant::now() - IDLE - Duration::from_secs(1),
        };
        later.sweep();
        assert_eq!(later.len(), 0, "idle sessions go");
    }
}
