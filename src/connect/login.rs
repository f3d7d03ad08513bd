//! `--login`: GET the page like a browser and keep the session cookie it sets.

use anyhow::{Context as _, anyhow};
use tokio::time::{Instant, timeout_at};

use super::plan::{
    CookieHeader, DEFAULT_CONNECT_TIMEOUT, Plan, join_cookies, show_timeout, shown_url,
};
use crate::exit::{Exit, ExitOnError as _, failure, one_line};

/// The most redirects `--login` follows, like a browser's limit.
const MAX_REDIRECTS: usize = 10;

/// `--login`: GET the page like a browser and keep the cookies it sets, following same-origin
/// redirects. Exits 1 when no cookie named `--cookie-name` comes back.
pub(super) async fn login(
    plan: &Plan,
    tls: &native_tls::TlsConnector,
) -> anyhow::Result<CookieHeader> {
    let deadline = plan
        .next_deadline()
        .unwrap_or_else(|| Instant::now() + DEFAULT_CONNECT_TIMEOUT);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .use_preconfigured_tls(tls.clone())
        .build()
        .context("cannot set up the HTTP client")?;
    let mut jar: Vec<(String, String)> = Vec::new();
    let mut url = plan.page_url.clone();
    let mut status = reqwest::StatusCode::OK;
    for _ in 0..=MAX_REDIRECTS {
        let mut request = client.get(url.clone());
        for (name, value) in &plan.headers {
            request = request.header(name, value.expose());
        }
        let pairs: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
        if let Some(cookie) = join_cookies(
            &plan.header_cookies,
            (!pairs.is_empty())
                .then(|| CookieHeader(pairs.join("; ")))
                .as_ref(),
        ) {
            request = request.header(reqwest::header::COOKIE, cookie.0);
        }
        let shown = shown_url(&url);
        let response = timeout_at(deadline, request.send())
            .await
            .map_err(|_| {
                failure(
                    Exit::Timeout,
                    anyhow!("GET {shown} got no answer within {}", show_timeout(plan)),
                )
            })?
            .map_err(|e| anyhow!("GET {shown} failed: {}", one_line(&e)))
            .exit_with(Exit::Network)?;
        status = response.status();
        for header in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(text) = header.to_str() else { continue };
            let Ok(cookie) = cookie::Cookie::parse(text) else {
                continue;
            };
            jar.retain(|(name, _)| name != cookie.name());
            if !is_expired(&cookie) {
                jar.push((cookie.name().to_owned(), cookie.value().to_owned()));
            }
        }
        let next = status
            .is_redirection()
            .then(|| response.headers().get(reqwest::header::LOCATION))
            .flatten()
            .and_then(|location| location.to_str().ok())
            .and_then(|location| url.join(location).ok());
        match next {
            // Cookies are never carried to another origin.
            Some(next) if next.origin() == url.origin() => url = next,
            _ => break,
        }
    }
    if !jar.iter().any(|(name, _)| *name == plan.cookie_name) {
        let names: Vec<&str> = jar.iter().map(|(name, _)| name.as_str()).collect();
        let others = if names.is_empty() {
            "no cookie at all".to_owned()
        } else {
            format!("only {}", names.join(", "))
        };
        return Err(failure(
            Exit::Negative,
            anyhow!(
                "login: GET {} answered {status} and set no {} cookie ({others})",
                shown_url(&url),
                plan.cookie_name
            ),
        ));
    }
    eprintln!(
        "sio-auth: logged in: GET {} set {}",
        shown_url(&url),
        plan.cookie_name
    );
    let pairs: Vec<String> = jar.iter().map(|(n, v)| format!("{n}={v}")).collect();
    Ok(CookieHeader(pairs.join("; ")))
}

fn is_expired(cookie: &cookie::Cookie<'_>) -> bool {
    cookie.max_age().is_some_and(|age| !age.is_positive())
        || cookie
            .expires_datetime()
            .is_some_and(|at| at <= cookie::time::OffsetDateTime::now_utc())
}
