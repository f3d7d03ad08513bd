//! `sio-auth revoke`: destroy sessions in a shared store. A running `sio-auth serve` on the
//! same store disconnects their sockets (keyspace notifications, else its sweep).

use std::io::Write as _;

use anyhow::Context as _;
use sio_auth::cookie::Keyring;

use crate::cli::RevokeArgs;
use crate::exit::{Exit, ExitOnError as _};
use crate::{secrets, store};

pub(crate) fn run(args: &RevokeArgs) -> anyhow::Result<Exit> {
    // Secrets are read only when a cookie is given: a bare sid needs none.
    let mut keyring: Option<Keyring> = None;
    let mut sids = Vec::new();
    let mut negative = false;
    for (i, target) in args.targets.iter().enumerate() {
        let target = target.expose();
        if looks_like_cookie(target) {
            if keyring.is_none() {
                keyring = Some(secrets::keyring(&args.secrets)?);
            }
            let keyring = keyring.as_ref().context("no keyring")?;
            match keyring.verify_input(target, &args.cookie.cookie_name) {
                Ok(verified) => sids.push(verified.sid.into_owned()),
                Err(rejection) => {
                    eprintln!("sio-auth: argument {}: invalid: {rejection}", i + 1);
                    negative = true;
                }
            }
        } else {
            sids.push(target.to_owned());
        }
    }
    let store = store::open(&args.store)?;
    let runtime = crate::runtime::build(crate::runtime::Threads::One)?;
    let mut out = std::io::stdout().lock();
    for sid in &sids {
        let destroyed = runtime
            .block_on(store.destroy(sid))
            .with_context(|| format!("cannot revoke sessions in {}", args.store))
            .exit_with(Exit::Network)?;
        if destroyed {
            writeln!(out, "{sid}").context("cannot write to stdout")?;
        } else {
            eprintln!("sio-auth: no session {sid} in {}", args.store);
            negative = true;
        }
    }
    Ok(if negative {
        Exit::Negative
    } else {
        Exit::Success
    })
}

/// A cookie pair, a Cookie header, or a signed value (`s:…` raw or `s%3A…` encoded); anything
/// else is a bare session id.
fn looks_like_cookie(target: &str) -> bool {
    target.contains('=')
        || target.starts_with("s:")
        || target.starts_with("s%3A")
        || target.starts_with("s%3a")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_sids() {
        assert!(looks_like_cookie("express.sid=s%3Aabc.sig"));
        assert!(looks_like_cookie("s:abc.sig"));
        assert!(looks_like_cookie("s%3Aabc.sig"));
        assert!(!looks_like_cookie("Zx8_v1pAbCdEfGhIjKlMnOpQrStUvWxY"));
    }
}
