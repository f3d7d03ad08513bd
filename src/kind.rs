//! `--kind`, `--cookie-name` and `--algorithm` resolved into the cookie a command works on,
//! with the rules that tie them together (a token name and no algorithm for express-session).

use anyhow::bail;
use sio_auth::cookie::{Algorithm, DEFAULT_COOKIE_NAME, DEFAULT_SESSION_NAME, is_token};

use crate::cli::{AlgorithmArg, KindArgs, SessionKind};

/// The session cookie a command signs, verifies or audits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// express-session's `s:<sid>.<signature>` under `name`.
    ExpressSession { name: String },
    /// cookie-session's `name` and `name.sig` cookies, signed by keygrip with `algorithm`.
    CookieSession { name: String, algorithm: Algorithm },
}

impl Kind {
    pub(crate) fn from_args(args: &KindArgs) -> anyhow::Result<Self> {
        match args.kind {
            SessionKind::ExpressSession => {
                if let Some(algorithm) = args.algorithm {
                    bail!(
                        "--algorithm {} is keygrip's, for --kind cookie-session; express-session's \
                         cookie-signature always uses HMAC-SHA256",
                        Algorithm::from(algorithm)
                    );
                }
                let name = args.cookie_name.as_deref().unwrap_or(DEFAULT_COOKIE_NAME);
                if !is_token(name) {
                    bail!(
                        "invalid cookie name {name:?} for express-session: a cookie name must be \
                         a token, letters, digits and !#$%&'*+-.^_`|~ only"
                    );
                }
                Ok(Self::ExpressSession {
                    name: name.to_owned(),
                })
            }
            SessionKind::CookieSession => Ok(Self::CookieSession {
                name: args
                    .cookie_name
                    .as_deref()
                    .unwrap_or(DEFAULT_SESSION_NAME)
                    .to_owned(),
                algorithm: args.algorithm.map(Algorithm::from).unwrap_or_default(),
            }),
        }
    }

    /// The session cookie's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Self::ExpressSession { name } | Self::CookieSession { name, .. } => name,
        }
    }
}

impl From<AlgorithmArg> for Algorithm {
    fn from(arg: AlgorithmArg) -> Self {
        match arg {
            AlgorithmArg::Sha1 => Self::Sha1,
            AlgorithmArg::Sha256 => Self::Sha256,
            AlgorithmArg::Sha384 => Self::Sha384,
            AlgorithmArg::Sha512 => Self::Sha512,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(kind: SessionKind, name: Option<&str>, algorithm: Option<AlgorithmArg>) -> KindArgs {
        KindArgs {
            kind,
            cookie_name: name.map(str::to_owned),
            algorithm,
        }
    }

    #[test]
    fn defaults_follow_the_kind() {
        assert_eq!(
            Kind::from_args(&args(SessionKind::ExpressSession, None, None)).unwrap(),
            Kind::ExpressSession {
                name: "express.sid".to_owned()
            }
        );
        assert_eq!(
            Kind::from_args(&args(SessionKind::CookieSession, None, None)).unwrap(),
            Kind::CookieSession {
                name: "session".to_owned(),
                algorithm: Algorithm::Sha1
            }
        );
        let old_default = Kind::from_args(&args(
            SessionKind::CookieSession,
            Some("express:sess"),
            Some(AlgorithmArg::Sha512),
        ))
        .unwrap();
        assert_eq!(old_default.name(), "express:sess");
    }

    #[test]
    fn express_session_wants_a_token_and_no_algorithm() {
        let colon = Kind::from_args(&args(SessionKind::ExpressSession, Some("a:b"), None));
        assert!(colon.unwrap_err().to_string().contains("cookie name"));
        let algorithm = Kind::from_args(&args(
            SessionKind::ExpressSession,
            None,
            Some(AlgorithmArg::Sha256),
        ));
        assert!(algorithm.unwrap_err().to_string().contains("--algorithm"));
    }
}
