//! The plain HTTP side, served by warp: the page, its script and icon, and the session cookie.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use sio_auth::cookie::{InvalidAttribute, SameSite, SetCookie, new_sid};
use warp::Filter;
use warp::http::{Response, StatusCode, header};

use super::auth::{Authorizer, Lookup, PeerAddr, STORE_UNAVAILABLE, ShowPeer};
use super::live::ShortSid;
use crate::store::Session;

const PAGE: &str = include_str!("page.html");
const CLIENT: &str = include_str!("client.js");
/// The page links `/favicon.svg`; browsers also ask for `/favicon.ico` on their own (e.g. for
/// `/logout`'s answer), so both serve it rather than the page inlining it.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#17702f\"/>\
<path d=\"M3 11h2V8H3zm4 0h2V4H7zm4 0h2V6h-2z\" fill=\"#fff\"/></svg>";

/// `GET /` (the page, and a new session with its cookie when the request has no live one),
/// `POST /logout` (destroys the session, clears the cookie), `GET /sio-auth/client.js` (the
/// page's own Socket.IO client: socketioxide owns `/socket.io/`) and its icon, `GET
/// /favicon.svg` or `/favicon.ico`.
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
    let favicon = warp::get()
        .and(
            warp::path!("favicon.svg")
                .or(warp::path!("favicon.ico"))
                .unify(),
        )
        .map(|| {
            Response::builder()
                .header(header::CONTENT_TYPE, "image/svg+xml")
                .header(header::CACHE_CONTROL, "max-age=86400")
                .body(FAVICON.to_owned())
                .unwrap_or_default()
        });
    page.or(logout)
        .unify()
        .or(client)
        .unify()
        .or(favicon)
        .unify()
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
            Lookup::Live(session) => Some((verified.sid.into_owned(), session.expires())),
            Lookup::Refused(STORE_UNAVAILABLE) => {
                return text(StatusCode::SERVICE_UNAVAILABLE, STORE_UNAVAILABLE);
            }
            Lookup::Refused(_) => None,
        },
        _ => None,
    };
    let (sid, expires) = match live {
        Some((sid, Some(expires))) if auth.rolling => match roll(auth, &sid).await {
            Some((cookie, rolled)) => {
                response = response.header(header::SET_COOKIE, cookie.to_string());
                (sid, Some(rolled))
            }
            None => (sid, Some(expires)),
        },
        Some(live) => live,
        None => match issue_session(auth).await {
            Ok(issued) => {
                tracing::debug!(peer = %ShowPeer(peer.as_ref()), "issued a new session cookie");
                auth.stats.issued();
                response = response.header(header::SET_COOKIE, issued.cookie.to_string());
                (issued.sid, issued.expires)
            }
            Err(unavailable) => return unavailable,
        },
    };
    response
        .body(session_html(html, &sid, expires))
        .unwrap_or_default()
}

/// `--rolling` on `GET /` with a live session that has an expiry: the session rolled in the
/// store (its `cookie.expires` and TTL) and its cookie with the new `Expires`, as
/// express-session's `rolling` sends it on every response. `None` when it cannot be rolled
/// (the store failed, or the session went meanwhile): the page is served as it is.
async fn roll(auth: &Authorizer, sid: &str) -> Option<(SetCookie, SystemTime)> {
    let now = SystemTime::now();
    let rolled = match auth.store.touch(sid, now).await {
        Ok(Some(session)) => session.expires()?,
        Ok(None) => return None,
        Err(e) => {
            tracing::debug!(%e, "cannot roll the session of GET /");
            return None;
        }
    };
    let cookie = session_cookie(auth, sid).ok()?.expires(rolled);
    Some((cookie, rolled))
}

/// The cookie of session `sid` as `GET /` sends it (SameSite=Lax; Expires is the caller's).
fn session_cookie(auth: &Authorizer, sid: &str) -> Result<SetCookie, InvalidAttribute> {
    Ok(SetCookie::new(&auth.cookie_name, &auth.keyring.sign(sid))?.same_site(SameSite::Lax))
}

/// The page with its session filled in: the short sid of the logs (the cookie is HttpOnly, and
/// the whole sid or its signature would let a page script's reader take the session) and the
/// expiry in epoch ms, empty for a browser-session cookie.
fn session_html(html: &str, sid: &str, expires: Option<SystemTime>) -> String {
    let expires = expires
        .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
        .map(|ms| ms.as_millis().to_string())
        .unwrap_or_default();
    html.replacen("{{SID}}", &escape_html(&ShortSid(sid).to_string()), 1)
        .replacen("{{EXPIRES}}", &expires, 1)
}

/// A session `GET /` just created.
struct Issued {
    cookie: SetCookie,
    sid: String,
    expires: Option<SystemTime>,
}

/// A new session, exactly as express-session would create it: a fresh sid (never the one the
/// client offered), stored with its cookie metadata; returns it with its cookie, or the 503 to
/// answer.
async fn issue_session(auth: &Authorizer) -> Result<Issued, Response<String>> {
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
    let cookie = session_cookie(auth, &sid).map_err(|e| cannot_issue(e.into()))?;
    let cookie = match auth.max_age {
        Some(age) => cookie.max_age(age, now),
        None => cookie,
    };
    Ok(Issued {
        cookie,
        expires: session.expires(),
        sid,
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
    response.body(logout_body(destroyed)).unwrap_or_default()
}

/// `{"ok":true,"destroyed":…}`, in that order, as the logout answer has always been.
fn logout_body(destroyed: bool) -> String {
    #[derive(serde::Serialize)]
    struct Answer {
        ok: bool,
        destroyed: bool,
    }
    let answer = Answer {
        ok: true,
        destroyed,
    };
    serde_json::to_string(&answer).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_gets_the_short_sid_escaped_and_the_expiry_in_ms() {
        // A sid from `sio-auth sign --sid` can be any text; the page shows six characters of it.
        let html = session_html(
            r#"<meta content="{{SID}}"><meta content="{{EXPIRES}}">"#,
            "<b>\"x\"&more",
            Some(UNIX_EPOCH + std::time::Duration::from_millis(1_796_000_000_123)),
        );
        assert_eq!(
            html,
            r#"<meta content="&lt;b&gt;&quot;x&quot;…"><meta content="1796000000123">"#
        );
        let html = session_html("{{SID}} {{EXPIRES}}.", "abcdefghij", None);
        assert_eq!(html, "abcdef… .");
    }
}
