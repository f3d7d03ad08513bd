//! The cookies bench sends: valid ones and forged ones of every kind Node refuses, made before
//! the run so that signing costs nothing during the measurement.

use anyhow::{Context as _, bail};
use sio_auth::cookie::{Keyring, Secret, SetCookie, encode_uri_component, new_sid, random_token};

use crate::cli::{BenchArgs, ForgeryKind};
use crate::secrets;

/// Valid cookies made before a run, each with its own session id.
const VALID_POOL: usize = 4096;
/// Forged cookies made before a run, shared by the kinds asked for.
const FORGED_POOL: usize = 4096;
/// The fewest forged cookies of each kind, however many kinds.
const MIN_PER_KIND: usize = 64;

/// Every kind `all` stands for, in the order connections take them.
pub(crate) const EVERY_KIND: [ForgeryKind; 17] = [
    ForgeryKind::WrongSecret,
    ForgeryKind::Base64url,
    ForgeryKind::Padding,
    ForgeryKind::PaddingEncoded,
    ForgeryKind::Truncated,
    ForgeryKind::EmptySignature,
    ForgeryKind::GarbageBefore,
    ForgeryKind::GarbageAfter,
    ForgeryKind::LowerCase,
    ForgeryKind::DoubleEncoded,
    ForgeryKind::NoPrefix,
    ForgeryKind::UpperCasePrefix,
    ForgeryKind::OtherSid,
    ForgeryKind::EmptySid,
    ForgeryKind::Duplicate,
    ForgeryKind::ControlCharacter,
    ForgeryKind::Multibyte,
];

/// The name a kind has on the command line and in the summary.
pub(crate) fn kind_name(kind: ForgeryKind) -> String {
    clap::ValueEnum::to_possible_value(&kind)
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}

/// The Cookie headers to send, in fixed pools.
pub(crate) struct Cookies {
    /// The session ids of the valid cookies (empty with `--cookie`).
    pub(crate) sids: Vec<String>,
    valid: Vec<String>,
    /// The kinds asked for, each with its pool of forged Cookie headers.
    forged: Vec<(ForgeryKind, Vec<String>)>,
    forged_share: f64,
}

impl Cookies {
    pub(crate) fn new(args: &BenchArgs) -> anyhow::Result<Self> {
        let kinds = kinds(&args.forged_kinds);
        let name = &args.cookie_name.cookie_name;
        let only_wrong_secret = kinds == [ForgeryKind::WrongSecret];
        let forger = Keyring::new([Secret::new(random_token(32)?)?])?;
        let (sids, valid, keyring) = match &args.cookie {
            Some(cookie) => {
                if !only_wrong_secret {
                    bail!(
                        "--forged-kinds other than wrong-secret transform cookies bench signs; \
                         they cannot be used with --cookie"
                    );
                }
                (Vec::new(), vec![cookie.expose().to_owned()], None)
            }
            None => {
                let keyring = secrets::keyring(&args.secrets)?;
                let sids = (0..VALID_POOL)
                    .map(|_| new_sid())
                    .collect::<Result<Vec<_>, _>>()?;
                let valid = sids
                    .iter()
                    .map(|sid| cookie_pair(&keyring, name, sid))
                    .collect::<anyhow::Result<_>>()?;
                (sids, valid, Some(keyring))
            }
        };
        let per_kind = (FORGED_POOL / kinds.len()).max(MIN_PER_KIND);
        let forged = if args.forged > 0.0 {
            kinds
                .iter()
                .map(|&kind| {
                    let pool = (0..per_kind)
                        .map(|variant| {
                            let forge = Forge {
                                name,
                                keyring: keyring.as_ref(),
                                forger: &forger,
                            };
                            forge.cookie(kind, variant)
                        })
                        .collect::<anyhow::Result<_>>()
                        .with_context(|| format!("cannot forge {} cookies", kind_name(kind)))?;
                    Ok((kind, pool))
                })
                .collect::<anyhow::Result<_>>()?
        } else {
            Vec::new()
        };
        Ok(Self {
            sids,
            valid,
            forged,
            forged_share: args.forged,
        })
    }

    /// The kinds of forgery in use, in the order of their counters.
    pub(crate) fn kinds(&self) -> impl Iterator<Item = ForgeryKind> + '_ {
        self.forged.iter().map(|(kind, _)| *kind)
    }

    /// The Cookie header of the `n`-th connection, and for a forged one the index of its kind
    /// in [`kinds`](Self::kinds). Forged connections are spread evenly (connection n is
    /// forged when it crosses a multiple of the share), and take the kinds in turn.
    pub(crate) fn pick(&self, n: u64) -> (&str, Option<usize>) {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let (before, after) = (
            ((n as f64) * self.forged_share).floor() as u64,
            (((n + 1) as f64) * self.forged_share).floor() as u64,
        );
        let index = |i: u64, len: usize| usize::try_from(i).unwrap_or(0) % len;
        if after > before && !self.forged.is_empty() {
            let kind = index(before, self.forged.len());
            let pool = &self.forged[kind].1;
            let turn = before / self.forged.len() as u64;
            (&pool[index(turn, pool.len())], Some(kind))
        } else {
            (&self.valid[index(n, self.valid.len())], None)
        }
    }
}

/// `all` expanded, repeats dropped, in the order given.
fn kinds(asked: &[ForgeryKind]) -> Vec<ForgeryKind> {
    let mut kinds = Vec::new();
    for &kind in asked {
        let expanded: &[ForgeryKind] = if kind == ForgeryKind::All {
            &EVERY_KIND
        } else {
            std::slice::from_ref(&kind)
        };
        for &k in expanded {
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    kinds
}

/// The `name=value` pair of `sid`'s cookie signed by `keyring`.
fn cookie_pair(keyring: &Keyring, name: &str, sid: &str) -> anyhow::Result<String> {
    Ok(SetCookie::new(name, &keyring.sign(sid))?.pair())
}

/// What forging needs: the cookie name, the server's keyring (absent with `--cookie`, where
/// only `wrong-secret` is possible) and a keyring the server does not have.
struct Forge<'a> {
    name: &'a str,
    keyring: Option<&'a Keyring>,
    forger: &'a Keyring,
}

impl Forge<'_> {
    /// A forged Cookie header of `kind`; `variant` picks among a kind's forms in turn.
    fn cookie(&self, kind: ForgeryKind, variant: usize) -> anyhow::Result<String> {
        let name = self.name;
        if kind == ForgeryKind::WrongSecret {
            return cookie_pair(self.forger, name, &new_sid()?);
        }
        let keyring = self.keyring.context("forging needs the server's secret")?;
        let sid = new_sid()?;
        let signed = keyring.sign(&sid);
        let (_, signature) = signed
            .rsplit_once('.')
            .context("a signed value has a dot")?;
        let encoded = |value: &str| encode_uri_component(value).into_owned();
        let pick = |forms: &[&str]| forms[variant % forms.len()].to_owned();
        let value = match kind {
            ForgeryKind::All | ForgeryKind::WrongSecret => unreachable!("handled above"),
            ForgeryKind::Base64url => {
                // A signature with a `+` or `/`, else base64url would not change it.
                let (sid, signature) = loop {
                    let sid = new_sid()?;
                    let signed = keyring.sign(&sid);
                    let signature = signed.rsplit_once('.').map(|(_, s)| s.to_owned());
                    if let Some(signature) = signature.filter(|s| s.contains(['+', '/'])) {
                        break (sid, signature);
                    }
                };
                let url = signature.replace('+', "-").replace('/', "_");
                encoded(&format!("s:{sid}.{url}"))
            }
            ForgeryKind::Padding => format!("{}=", encoded(&signed)),
            ForgeryKind::PaddingEncoded => format!("{}%3D", encoded(&signed)),
            ForgeryKind::Truncated => encoded(&signed[..signed.len() - 1]),
            ForgeryKind::EmptySignature => encoded(&format!("s:{sid}.")),
            ForgeryKind::GarbageBefore => {
                // Raw spaces before the value would be trimmed (and the cookie valid): these
                // are not.
                format!("{}{}", pick(&["x", "%20", "s%3A", "%00"]), encoded(&signed))
            }
            ForgeryKind::GarbageAfter => {
                format!("{}{}", encoded(&signed), pick(&["x", "%20", ".x", "%3B"]))
            }
            ForgeryKind::LowerCase => {
                if signature == signature.to_lowercase() {
                    bail!("a signature without upper-case letters (one in 10^28)");
                }
                encoded(&format!("s:{sid}.{}", signature.to_lowercase()))
            }
            ForgeryKind::DoubleEncoded => encoded(&encoded(&signed)),
            ForgeryKind::NoPrefix => encoded(&signed[2..]),
            ForgeryKind::UpperCasePrefix => encoded(&format!("S:{}", &signed[2..])),
            ForgeryKind::OtherSid => {
                let other = keyring.sign(&new_sid()?);
                let (_, other_signature) = other.rsplit_once('.').context("a dot")?;
                encoded(&format!("s:{sid}.{other_signature}"))
            }
            ForgeryKind::EmptySid => encoded(&keyring.sign("")),
            ForgeryKind::Duplicate => {
                // The same sid under a secret the server does not have, first; then the
                // valid cookie, which a server taking the last duplicate would accept.
                let forged = cookie_pair(self.forger, name, &sid)?;
                return Ok(format!("{forged}; {name}={}", encoded(&signed)));
            }
            ForgeryKind::ControlCharacter => {
                let whole = encoded(&signed);
                let (head, last) = whole.split_at(whole.len() - 1);
                match variant % 5 {
                    0 => encoded(&format!("s:{sid}\0.{signature}")),
                    1 => format!("{}%0A", encoded(&signed)),
                    2 => format!("{}%09", encoded(&signed)),
                    3 => format!("{}%7F", encoded(&signed)),
                    // A raw tab inside the value: only the ends are trimmed.
                    _ => format!("{head}\t{last}"),
                }
            }
            ForgeryKind::Multibyte => {
                let cut = &signature[..signature.len() - 2];
                match variant % 4 {
                    // 43 bytes, as long as a signature, but 42 characters.
                    0 => encoded(&format!("s:{sid}.{cut}é")),
                    1 => encoded(&format!("s:{sid}.{signature}é")),
                    2 => encoded(&format!("s:{sid}é.{signature}")),
                    // Raw UTF-8 in the header (Node reads header bytes as Latin-1).
                    _ => format!("{}é", encoded(&format!("s:{sid}.{cut}"))),
                }
            }
        };
        Ok(format!("{name}={value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_forged_kind_is_refused_by_the_verifier_and_every_variant_differs() {
        let keyring =
            Keyring::new([Secret::new("forgery-test-secret-forgery-test").unwrap()]).unwrap();
        let forger =
            Keyring::new([Secret::new("another-secret-another-secret-00").unwrap()]).unwrap();
        let forge = Forge {
            name: "express.sid",
            keyring: Some(&keyring),
            forger: &forger,
        };
        let valid = cookie_pair(&keyring, "express.sid", &new_sid().unwrap()).unwrap();
        assert!(keyring.verify_header(&valid, "express.sid").is_ok());
        for kind in EVERY_KIND {
            let mut forms = std::collections::HashSet::new();
            for variant in 0..8 {
                let cookie = forge.cookie(kind, variant).unwrap();
                let verdict = keyring.verify_header(&cookie, "express.sid");
                assert!(
                    verdict.is_err(),
                    "{kind:?} {variant}: {cookie} → {verdict:?}"
                );
                // The shape, with the random sid and signature taken out.
                forms.insert(
                    cookie
                        .chars()
                        .filter(|c| !c.is_ascii_alphanumeric())
                        .collect::<String>(),
                );
            }
            let expected = match kind {
                ForgeryKind::GarbageBefore | ForgeryKind::GarbageAfter | ForgeryKind::Multibyte => {
                    4
                }
                ForgeryKind::ControlCharacter => 5,
                _ => 1,
            };
            assert!(forms.len() >= expected, "{kind:?}: {forms:?}");
        }
    }

    #[test]
    fn all_expands_to_every_kind_once() {
        assert_eq!(kinds(&[ForgeryKind::All]), EVERY_KIND);
        assert_eq!(
            kinds(&[ForgeryKind::Padding, ForgeryKind::All, ForgeryKind::Padding])[..2],
            [ForgeryKind::Padding, ForgeryKind::WrongSecret]
        );
        assert_eq!(kind_name(ForgeryKind::UpperCasePrefix), "upper-case-prefix");
    }
}
