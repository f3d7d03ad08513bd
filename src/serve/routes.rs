//! The plain HTTP side, served by warp: the page, its script, and the session cookie.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use sio_auth::cookie::{SameSite, SetCookie, new_sid};
use warp::Filter;
use warp::http::{Response, StatusCode, header};

use super::auth::{Authorizer, Lookup, PeerAddr, STORE_UNAVAILABLE, ShowPeer};
use crate::store::Session;

const PAGE: &str = include_str!("page.html");
const CLIENT: &str = include_str!("client.js");

/// `GET /` (the page, and a new session with its cookie when the request has no live one),
/// `POST /logout` (destroys the session, clears the cookie) and `GET /sio-auth/client.js` (the
/// page's own Socket.IO client: socketioxide owns `/socket.io/`).
pub(crate) fn routes(
    auth: Arc<Authorizer>,
    event: &str,
) -> impl Filter<Extract = (Response<String>,), Error = warp::Rejection> + Clone + Send + Sync + 'static
{
    let html: Arc<str> = PAGE.replace("{{EVENT}}", &escape_html(event)).into();
    let page_auth = auth.clone();
    let page = warp::get()
        .and(warp::path::end())
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<PeerAddr>())
        .and_then(move |headers: HeaderMap, peer: Option<PeerAddr>| {
            let auth = page_auth.clone();
            let html = html.clone();
            async move { Ok::<_, Infallible>(page(&auth, &html, &headers, peer).await) }
        });
    // Path before method: other paths are 404, not 405.
    let logout = warp::path!("logout")
        .and(warp::post())
        .and(warp::header::headers_cloned())
        .and_then(move |headers: HeaderMap| {
            let auth = auth.clone();
            async move { Ok::<_, Infallible>(logout(&auth, &headers).await) }
        });
    let client = warp::get()
        .and(warp::path!("sio-auth" / "client.js"))
        .map(|| {
            Response::builder()
                .header(header::CONTENT_TYPE, "text/javascript; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-cache")
                .body(CLIENT.to_owned())
                .unwrap_or_default()
        });
    page.or(logout).unify().or(client).unify()
}

fn escape_html(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn text(status: StatusCode, body: &str) -> Response<String> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(format!("{body}\n"))
        .unwrap_or_default()
}

async fn page(
    auth: &Authorizer,
    html: &str,
    headers: &HeaderMap,
    peer: Option<PeerAddr>,
) -> Response<String> {
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store");
    let live = match auth.verify(headers) {
        Some(Ok(verified)) => match auth.lookup(&verified.sid).await {
            Lookup::Live(_) => true,
            Lookup::Refused(STORE_UNAVAILABLE) => {
                return text(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE);
            }
            Lookup::Refused(_) => false,
        },
        _ => false,
    };
    if !live {
        match issue_session(auth).await {
            Ok(cookie) => {
                tracing::debug!(peer = %ShowPeer(peer.as_ref()), "issued a new session cookie");
                auth.stats.issued();
                response = response.header(header::SET_COOKIE, cookie.to_string());
            }
            Err(unavailable) => return unavailable,
        }
    }
    response.body(html.to_owned()).unwrap_or_default()
}

/// A new session, exactly as express-session would create it: a fresh sid (never the one the
/// client offered), stored with its cookie metadata; returns its cookie, or the 503 to answer.
async fn issue_session(auth: &Authorizer) -> Result<SetCookie, Response<String>> {
    let cannot_issue = |e: anyhow::Error| {
        tracing::error!(%e, "cannot issue a session cookie");
        text(StatusCode::SERVICE_UNAVAILABLE, "cannot create a session")
    };
    let now = SystemTime::now();
    let sid = new_sid().map_err(|e| cannot_issue(e.into()))?;
    let session = Session::new(serde_json::Map::new(), auth.max_age, now);
    if let Err(e) = auth.store.set(&sid, &session).await {
        tracing::debug!(%e, "cannot store a new session");
        return Err(text(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE));
    }
    let cookie = SetCookie::new(&auth.cookie_name, &auth.keyring.sign(&sid))
        .map_err(|e| cannot_issue(e.into()))?
        .same_site(SameSite::Lax);
    Ok(match auth.max_age {
        Some(age) => cookie.max_age(age, now),
        None => cookie,
    })
}

/// `POST /logout`: destroys the cookie's session (its sockets are cut) and clears the cookie.
/// A cross-site form could log a visitor out, so the Origin policy applies here too.
async fn logout(auth: &Authorizer, headers: &HeaderMap) -> Response<String> {
    if !auth.origins.allows(headers) {
        return text(StatusCode::FORBIDDEN, super::origin::ORIGIN_NOT_ALLOWED);
    }
    let destroyed = match auth.verify(headers) {
        Some(Ok(verified)) => {
            let destroyed = match auth.store.destroy(&verified.sid).await {
                Ok(destroyed) => destroyed,
                Err(e) => {
                    tracing::debug!(%e, "cannot destroy a session");
                    return text(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE);
                }
            };
            // In the store or not (a cookie made by `sio-auth sign`, an evicted session), its
            // signature stays valid: remember the sid, cut its sockets.
            auth.live.revoke(&verified.sid);
            destroyed
        }
        _ => false,
    };
    tracing::debug!(destroyed, "logout");
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-store");
    if let Ok(clear) = SetCookie::new(&auth.cookie_name, "") {
        let clear = clear.same_site(SameSite::Lax).expires(UNIX_EPOCH);
        response = response.header(header::SET_COOKIE, clear.to_string());
    }
    response
        .body(format!("{{\"ok\":true,\"destroyed\":{destroyed}}}\n"))
        .unwrap_or_default()
}
