//! The Origin check against Cross-Site WebSocket Hijacking: browsers send `Origin` on every
//! WebSocket upgrade and cross-origin request, and carry the victim's cookies along, so a
//! foreign page could otherwise open an authorized socket.

use http::HeaderMap;
use http::header::{HOST, ORIGIN};

/// The refusal text.
pub(crate) const ORIGIN_NOT_ALLOWED: &str = "Origin not allowed.";

/// Which `Origin` headers pass: none at all (non-browser clients), the server's own (same
/// host and port as the `Host` header the request came to), and the `--allowed-origin` list.
#[derive(Debug, Default)]
pub(crate) struct OriginPolicy {
    /// ASCII serializations, e.g. `https://app.example.com`.
    allowed: Vec<String>,
}

impl OriginPolicy {
    pub(crate) fn new(allowed: Vec<String>) -> Self {
        Self { allowed }
    }

    pub(crate) fn allows(&self, headers: &HeaderMap) -> bool {
        let mut origins = headers.get_all(ORIGIN).iter();
        let Some(origin) = origins.next() else {
            return true;
        };
        if origins.next().is_some() {
            return false;
        }
        let Some(origin) = origin
            .to_str()
            .ok()
            .and_then(|o| url::Url::parse(o).ok())
            .filter(|o| matches!(o.scheme(), "http" | "https") && o.host().is_some())
        else {
            // `null` (sandboxed frames, file://) and garbage.
            return false;
        };
        let serialized = origin.origin().ascii_serialization();
        if self.allowed.contains(&serialized) {
            return true;
        }
        same_origin(&origin, headers)
    }
}

/// Host and port equal to the `Host` header's. The scheme is not compared: behind a
/// TLS-terminating proxy the browser's `https` origin reaches us as plain http, with the same
/// Host; the Host's missing port defaults by the Origin's scheme.
fn same_origin(origin: &url::Url, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let Ok(host) = url::Url::parse(&format!("{}://{host}", origin.scheme())) else {
        return false;
    };
    host.host() == origin.host() && host.port_or_known_default() == origin.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, host.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert(ORIGIN, origin.parse().unwrap());
        }
        headers
    }

    #[test]
    fn origins() {
        let policy = OriginPolicy::new(vec!["https://app.example.com".to_owned()]);
        let host = "127.0.0.1:3000";
        assert!(policy.allows(&headers(None, host)));
        assert!(policy.allows(&headers(Some("http://127.0.0.1:3000"), host)));
        assert!(policy.allows(&headers(Some("https://app.example.com"), host)));
        assert!(!policy.allows(&headers(Some("https://app.example.com:8443"), host)));
        assert!(!policy.allows(&headers(Some("http://127.0.0.1:3001"), host)));
        assert!(!policy.allows(&headers(Some("http://localhost:3000"), host)));
        assert!(!policy.allows(&headers(Some("http://evil.example"), host)));
        assert!(!policy.allows(&headers(Some("null"), host)));
        assert!(policy.allows(&headers(Some("https://chat.example"), "chat.example")));
        assert!(policy.allows(&headers(Some("http://chat.example"), "chat.example:80")));
        assert!(!policy.allows(&headers(Some("https://chat.example"), "chat.example:80")));
    }
}
