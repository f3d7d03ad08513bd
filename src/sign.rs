//! `sio-auth sign`: mint signed session cookies.

use std::io::{self, Write as _};
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use sio_auth::cookie::{
    Algorithm, CookieSession, JarAttributes, Keyring, SameSite, SetCookie, SignedSession, new_sid,
};

use crate::cli::{CookieAttributes, SameSiteArg, SignArgs, SignFormat};
use crate::exit::{Exit, ExitOnError as _};
use crate::kind::Kind;
use crate::secrets;
use crate::store::{self, Session};

pub(crate) fn run(args: &SignArgs) -> anyhow::Result<Exit> {
    let name = match Kind::from_args(&args.kind)? {
        Kind::CookieSession { name, algorithm } => return sign_session(args, &name, algorithm),
        Kind::ExpressSession { name } => name,
    };
    if args.data.is_some() && args.store.store.is_none() {
        bail!(
            "--data is the session stored with --store for express-session: add --store URL (or \
             --kind cookie-session, whose session is in the cookie)"
        );
    }
    if let Some(sid) = &args.sid {
        check_sid(sid, args.format)?;
    }
    let keyring = secrets::keyring(&args.secrets)?;
    // Validate attributes once, before printing anything.
    build(&keyring, "probe", &name, &args.attributes)?;

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
        let header = build(&keyring, &sid, &name, &args.attributes)?;
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
        header = header.same_site(same_site.into());
    }
    Ok(header)
}

impl From<SameSiteArg> for SameSite {
    fn from(arg: SameSiteArg) -> Self {
        match arg {
            SameSiteArg::Strict => Self::Strict,
            SameSiteArg::Lax => Self::Lax,
            SameSiteArg::None => Self::None,
        }
    }
}

/// `sign --kind cookie-session`: the pair of cookies cookie-session would send for `--data`.
/// There is no sid, no store and nothing random: the session is the cookie.
fn sign_session(args: &SignArgs, name: &str, algorithm: Algorithm) -> anyhow::Result<Exit> {
    if args.sid.is_some() {
        bail!(
            "a cookie-session cookie carries no session id: give the session as --data JSON \
             instead of SID"
        );
    }
    if args.count.is_some() {
        bail!(
            "--count mints cookies for new random session ids; a cookie-session cookie is --data"
        );
    }
    if args.store.store.is_some() {
        bail!("--store: cookie-session keeps the whole session in the cookie, not in a store");
    }
    if matches!(args.format, SignFormat::Value | SignFormat::Raw) {
        bail!(
            "--format {}: a cookie-session cookie is a pair of cookies (the value and its .sig); \
             use --format pair, set-cookie or json",
            if args.format == SignFormat::Value {
                "value"
            } else {
                "raw"
            }
        );
    }
    let Some(session) = &args.data else {
        bail!(
            "--kind cookie-session signs the session given as --data JSON (an object), e.g. \
             --data '{{\"views\":1}}'"
        );
    };
    let attributes = jar_attributes(&args.attributes)?;
    let keygrip = secrets::keygrip(&args.secrets, algorithm)?;
    let signed = CookieSession::new(name, keygrip)?.sign(session);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    write_session(&mut out, args.format, session, &signed, &attributes)?;
    out.flush().context("cannot write to stdout")?;
    Ok(Exit::Success)
}

fn jar_attributes(attrs: &CookieAttributes) -> anyhow::Result<JarAttributes> {
    let mut jar = JarAttributes::default()
        .path(&attrs.path)?
        .http_only(!attrs.no_http_only)
        .secure(attrs.secure);
    if let Some(domain) = &attrs.domain {
        jar = jar.domain(domain)?;
    }
    if let Some(max_age) = attrs.max_age {
        jar = jar.expires(SystemTime::now() + max_age);
    }
    if let Some(same_site) = attrs.same_site {
        jar = jar.same_site(same_site.into());
    }
    Ok(jar)
}

fn write_session(
    out: &mut impl io::Write,
    format: SignFormat,
    session: &serde_json::Map<String, serde_json::Value>,
    signed: &SignedSession,
    attributes: &JarAttributes,
) -> anyhow::Result<()> {
    let [value_cookie, sig_cookie] = signed.set_cookies(attributes);
    match format {
        SignFormat::Pair => writeln!(out, "{}", signed.pair()),
        SignFormat::SetCookie => writeln!(out, "{value_cookie}\n{sig_cookie}"),
        SignFormat::Json => {
            let object = serde_json::json!({
                "session": session,
                "pair": signed.pair(),
                "value": signed.value(),
                "signature": signed.signature(),
                "set_cookie": [value_cookie, sig_cookie],
            });
            writeln!(out, "{object}")
        }
        // Refused with the reason before signing.
        SignFormat::Value | SignFormat::Raw => bail!("no single value to print"),
    }
    .context("cannot write to stdout")
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
