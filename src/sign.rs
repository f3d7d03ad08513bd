//! `sio-auth sign`: mint signed session cookies.

use std::io::{self, Write as _};
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use sio_auth::cookie::{Keyring, SameSite, SetCookie, new_sid};

use crate::cli::{CookieAttributes, SameSiteArg, SignArgs, SignFormat};
use crate::exit::{Exit, ExitOnError as _};
use crate::secrets;
use crate::store::{self, Session};

pub(crate) fn run(args: &SignArgs) -> anyhow::Result<Exit> {
    if let Some(sid) = &args.sid {
        check_sid(sid, args.format)?;
    }
    let keyring = secrets::keyring(&args.secrets)?;
    // Validate attributes once, before printing anything.
    build(
        &keyring,
        "probe",
        &args.cookie.cookie_name,
        &args.attributes,
    )?;

    let sessions = match &args.store.store {
        Some(url) => Some((
            store::open(url)?,
            crate::runtime::build(crate::runtime::Threads::One)?,
            url,
        )),
        None => None,
    };

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let count = args.count.unwrap_or(1);
    for _ in 0..count {
        let sid = match &args.sid {
            Some(sid) => sid.clone(),
            None => new_sid()?,
        };
        let header = build(&keyring, &sid, &args.cookie.cookie_name, &args.attributes)?;
        if let Some((store, runtime, url)) = &sessions {
            // A scripted log-in: the session exists before its cookie is printed.
            let session = Session::new(
                args.data.clone().unwrap_or_default(),
                args.attributes.max_age,
                SystemTime::now(),
            );
            runtime
                .block_on(store.set(&sid, &session))
                .with_context(|| format!("cannot create the session in {url}"))
                .exit_with(Exit::Network)?;
        }
        write_one(&mut out, args.format, &keyring, &sid, &header)?;
    }
    out.flush().context("cannot write to stdout")?;
    Ok(Exit::Success)
}

/// Session ids are free text for cookie-signature and express-session: every output but `raw`
/// percent-encodes them (`a;b` → `a%3Bb`), so any sid express-session accepts is signed. Only the
/// raw value carries the sid as it is, and a CR or LF in it could not travel in any header line
/// (nor stay one line of output). An empty sid is "no session" to express-session.
fn check_sid(sid: &str, format: SignFormat) -> anyhow::Result<()> {
    if sid.is_empty() {
        bail!("the session id is empty (express-session treats that as no session)");
    }
    if format == SignFormat::Raw
        && let Some(c) = sid.chars().find(|c| matches!(c, '\r' | '\n'))
    {
        bail!(
            "the session id contains {c:?}, which a raw cookie value cannot carry in a header; \
             use --format pair, value or json (they percent-encode it)"
        );
    }
    Ok(())
}

fn build(
    keyring: &Keyring,
    sid: &str,
    name: &str,
    attrs: &CookieAttributes,
) -> anyhow::Result<SetCookie> {
    let mut header = SetCookie::new(name, &keyring.sign(sid))?
        .path(&attrs.path)?
        .http_only(!attrs.no_http_only)
        .secure(attrs.secure);
    if let Some(domain) = &attrs.domain {
        header = header.domain(domain)?;
    }
    if let Some(max_age) = attrs.max_age {
        header = header.max_age(max_age, SystemTime::now());
    }
    if let Some(same_site) = attrs.same_site {
        header = header.same_site(match same_site {
            SameSiteArg::Strict => SameSite::Strict,
            SameSiteArg::Lax => SameSite::Lax,
            SameSiteArg::None => SameSite::None,
        });
    }
    Ok(header)
}

fn write_one(
    out: &mut impl io::Write,
    format: SignFormat,
    keyring: &Keyring,
    sid: &str,
    header: &SetCookie,
) -> anyhow::Result<()> {
    match format {
        SignFormat::Pair => writeln!(out, "{}", header.pair()),
        SignFormat::Value => writeln!(out, "{}", header.value()),
        SignFormat::Raw => writeln!(out, "{}", keyring.sign(sid)),
        SignFormat::SetCookie => writeln!(out, "{header}"),
        SignFormat::Json => {
            let object = serde_json::json!({
                "sid": sid,
                "pair": header.pair(),
                "value": header.value(),
                "raw": keyring.sign(sid),
                "set_cookie": header.to_string(),
            });
            writeln!(out, "{object}")
        }
    }
    .context("cannot write to stdout")
}
