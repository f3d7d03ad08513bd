//! The plain HTTP side, served by warp: the page, its script, and the session cookie.

use std::sync::Arc;

use http::HeaderMap;
use sio_auth::cookie::{SameSite, SetCookie, new_sid};
use warp::Filter;
use warp::http::{Response, StatusCode, header};

use super::auth::{Authorizer, PeerAddr};

const PAGE: &str = include_str!("page.html");
const CLIENT: &str = include_str!("client.js");

/// `GET /` (the page, and a session cookie when the request has no valid one) and
/// `GET /sio-auth/client.js` (the page's own Socket.IO client: socketioxide owns `/socket.io/`).
pub(crate) fn routes(
    auth: Arc<Authorizer>,
    event: &str,
) -> impl Filter<Extract = (Response<String>,), Error = warp::Rejection> + Clone + Send + Sync + 'static
{
    let html: Arc<str> = PAGE.replace("{{EVENT}}", &escape_html(event)).into();
    let page = warp::get()
        .and(warp::path::end())
        .and(warp::header::headers_cloned())
        .and(warp::ext::optional::<PeerAddr>())
        .map(move |headers: HeaderMap, peer: Option<PeerAddr>| page(&auth, &html, &headers, peer));
    let client = warp::get()
        .and(warp::path!("sio-auth" / "client.js"))
        .map(|| {
            Response::builder()
                .header(header::CONTENT_TYPE, "text/javascript; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-cache")
                .body(CLIENT.to_owned())
                .unwrap_or_default()
        });
    page.or(client).unify()
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

fn page(
    auth: &Authorizer,
    html: &str,
    headers: &HeaderMap,
    peer: Option<PeerAddr>,
) -> Response<String> {
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store");
    if !matches!(auth.verify(headers), Some(Ok(_))) {
        // A new session, exactly as express-session would issue it.
        match new_sid().map_err(anyhow::Error::from).and_then(|sid| {
            Ok(
                SetCookie::new(auth.cookie_name(), &auth.keyring().sign(&sid))?
                    .same_site(SameSite::Lax),
            )
        }) {
            Ok(cookie) => {
                tracing::info!(peer = %peer.map_or_else(|| "-".to_owned(), |p| p.0.to_string()), "issued a new session cookie");
                response = response.header(header::SET_COOKIE, cookie.to_string());
            }
            Err(e) => {
                tracing::error!(%e, "cannot issue a session cookie");
                return Response::builder()
                    .status(StatusCode::SERVICE_UNAVAILABLE)
                    .body("cannot create a session\n".to_owned())
                    .unwrap_or_default();
            }
        }
    }
    response.body(html.to_owned()).unwrap_or_default()
}
