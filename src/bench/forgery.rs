//! The cookies bench sends: valid ones and forged ones, made before the run so that signing
//! costs nothing during the measurement.

use sio_auth::cookie::{Keyring, Secret, SetCookie, new_sid, random_token};

use crate::cli::BenchArgs;
use crate::secrets;

/// Cookies made before a run, each with its own session id, of each sort.
const POOL: usize = 4096;

/// The Cookie headers to send, in fixed pools.
pub(crate) struct Cookies {
    /// The session ids of the valid cookies (empty with `--cookie`).
    pub(crate) sids: Vec<String>,
    valid: Vec<String>,
    /// Signed with a random secret the server does not have.
    forged: Vec<String>,
    forged_share: f64,
}

impl Cookies {
    pub(crate) fn new(args: &BenchArgs) -> anyhow::Result<Self> {
        let name = &args.cookie_name.cookie_name;
        let (sids, valid) = match &args.cookie {
            Some(cookie) => (Vec::new(), vec![cookie.expose().to_owned()]),
            None => {
                let keyring = secrets::keyring(&args.secrets)?;
                let sids = (0..POOL)
                    .map(|_| new_sid())
                    .collect::<Result<Vec<_>, _>>()?;
                let valid = sids
                    .iter()
                    .map(|sid| cookie_pair(&keyring, name, sid))
                    .collect::<anyhow::Result<_>>()?;
                (sids, valid)
            }
        };
        let forger = Keyring::new([Secret::new(random_token(32)?)?])?;
        let forged = (0..POOL)
            .map(|_| cookie_pair(&forger, name, &new_sid()?))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            sids,
            valid,
            forged,
            forged_share: args.forged,
        })
    }

    /// The Cookie header of the `n`-th connection, and whether it is forged. Forged
    /// connections are spread evenly: connection n is forged when it crosses a multiple of
    /// the share.
    pub(crate) fn pick(&self, n: u64) -> (&str, bool) {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let forged = (((n + 1) as f64) * self.forged_share).floor()
            > ((n as f64) * self.forged_share).floor();
        let pool = if forged { &self.forged } else { &self.valid };
        let index = usize::try_from(n).unwrap_or(0) % pool.len();
        (&pool[index], forged)
    }
}

/// The `name=value` pair of `sid`'s cookie signed by `keyring`.
fn cookie_pair(keyring: &Keyring, name: &str, sid: &str) -> anyhow::Result<String> {
    Ok(SetCookie::new(name, &keyring.sign(sid))?.pair())
}
