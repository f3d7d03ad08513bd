//! The verifier: [`Keyring::unsign`], [`Keyring::unsign_bare`], [`Keyring::verify_value`],
//! [`Keyring::verify_header`] and [`Keyring::verify_input`], against a model built from an
//! independent HMAC-SHA256 (the `hmac` crate) and the rules of `cookie-signature` and
//! express-session.
//!
//! The input is read three ways:
//! * as a cookie (value, header or pasted text) checked against a keyring of two fixed
//!   secrets: every verdict, accepted or refused and why, must be the model's, so nothing but a
//!   signature made with one of the secrets is ever accepted;
//! * as a session id, signed by both secrets: it must verify (raw, percent-encoded, in a header,
//!   pasted), with the index of the secret that signed it, and any one-byte change to the
//!   signed value must be refused;
//! * split at its first `0` byte into a secret and a session id: the signature must be the
//!   model's, whatever the secret's length, and judging the secret's weakness never panics.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use sio_auth::cookie::{
    Keyring, Pasted, Rejection, Secret, decode_uri_component, encode_uri_component, find_cookie,
    latin1_to_string, read_pasted,
};

const SECRETS: [&str; 2] = [
    "fuzzing: the signing secret, new",
    "fuzzing: an older secret still accepted",
];
const NAME: &str = "express.sid";

/// A valid cookie for [`SECRETS`], for seed corpora: `s:<sid>.<signature of SECRETS[index]>`.
pub fn signed(sid: &str, index: usize) -> String {
    format!("s:{sid}.{}", signature(SECRETS[index].as_bytes(), sid))
}

fn signature(secret: &[u8], sid: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(sid.as_bytes());
    STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
}

fn keyring() -> Keyring {
    let secrets = SECRETS.map(|s| Secret::new(s).expect("not empty"));
    Keyring::new(secrets).expect("two secrets")
}

pub fn check(data: &[u8]) {
    let keyring = keyring();
    let text = match std::str::from_utf8(data) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => latin1_to_string(data),
    };
    check_verdicts(&keyring, &text);
    check_round_trip(&keyring, &text, data);
    check_any_secret(data);
}

/// What `unsign` must answer for a decoded cookie value.
fn model_unsign(value: &str) -> Result<(&str, usize), Rejection> {
    let signed = value.strip_prefix("s:").ok_or(Rejection::NotSigned)?;
    let (sid, sig) = signed.rsplit_once('.').ok_or(Rejection::NoSeparator)?;
    let matching = SECRETS
        .iter()
        .position(|secret| signature(secret.as_bytes(), sid) == sig);
    let well_formed = sig.len() == 43
        && sig
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    match matching {
        Some(_) if sid.is_empty() => Err(Rejection::EmptySid),
        Some(index) => Ok((sid, index)),
        None if !well_formed => Err(Rejection::MalformedSignature),
        None if sid.is_empty() => Err(Rejection::EmptySid),
        None => Err(Rejection::BadSignature),
    }
}

fn model_verify_value(value: &str) -> Result<(String, usize), Rejection> {
    let decoded = decode_uri_component(value).unwrap_or(Cow::Borrowed(value));
    model_unsign(&decoded).map(|(sid, index)| (sid.to_owned(), index))
}

fn model_verify_header(header: &str) -> Result<(String, usize), Rejection> {
    // find_cookie itself is checked against the cookie package by the cookie_header target.
    let value = find_cookie(header, NAME).ok_or(Rejection::NoCookie)?;
    model_unsign(&value).map(|(sid, index)| (sid.to_owned(), index))
}

fn model_read_pasted(input: &str) -> Pasted<'_> {
    let input = input.trim_matches([' ', '\t']);
    let input = if input.len() >= 7 && input.as_bytes()[..7].eq_ignore_ascii_case(b"cookie:") {
        input[7..].trim_start_matches([' ', '\t'])
    } else {
        input
    };
    let lower = input.as_bytes().get(..4).map(<[u8]>::to_ascii_lowercase);
    if input.starts_with("s:") || lower.as_deref() == Some(b"s%3a") || !input.contains('=') {
        Pasted::Value(input)
    } else {
        Pasted::Header(input)
    }
}

fn owned<E>(verdict: Result<sio_auth::cookie::Verified<'_>, E>) -> Result<(String, usize), E> {
    verdict.map(|v| (v.sid.into_owned(), v.secret_index))
}

fn check_verdicts(keyring: &Keyring, text: &str) {
    let unsign = keyring
        .unsign(text)
        .map(|v| (v.sid.into_owned(), v.secret_index));
    let model = model_unsign(text).map(|(sid, index)| (sid.to_owned(), index));
    assert_eq!(unsign, model, "unsign {text:?}");
    if let Ok((sid, index)) = &unsign {
        // Accepted: it is exactly what the secret would have signed.
        assert_eq!(
            text,
            signed(sid, *index),
            "accepted a non-canonical {text:?}"
        );
    }
    let bare = owned(keyring.unsign_bare(text));
    let model_bare = model_unsign(&format!("s:{text}")).map(|(sid, i)| (sid.to_owned(), i));
    assert_eq!(bare, model_bare, "unsign_bare {text:?}");

    assert_eq!(
        owned(keyring.verify_value(text)),
        model_verify_value(text),
        "verify_value {text:?}"
    );
    assert_eq!(
        owned(keyring.verify_header(text, NAME)),
        model_verify_header(text),
        "verify_header {text:?}"
    );
    let pasted = read_pasted(text);
    assert_eq!(pasted, model_read_pasted(text), "read_pasted {text:?}");
    let expected = match pasted {
        Pasted::Value(value) => model_verify_value(value),
        Pasted::Header(header) => model_verify_header(header),
    };
    assert_eq!(
        owned(keyring.verify_input(text, NAME)),
        expected,
        "verify_input {text:?}"
    );
}

fn check_round_trip(keyring: &Keyring, sid: &str, data: &[u8]) {
    let signed_new = keyring.sign(sid);
    assert_eq!(signed_new, signed(sid, 0), "sign {sid:?}");
    let old = Keyring::new([Secret::new(SECRETS[1]).expect("not empty")]).expect("one secret");
    for (value, index) in [(signed_new, 0), (old.sign(sid), 1)] {
        let expected = if sid.is_empty() {
            Err(Rejection::EmptySid)
        } else {
            Ok((sid.to_owned(), index))
        };
        let encoded = encode_uri_component(&value);
        assert_eq!(owned(keyring.unsign(&value)), expected, "unsign {value:?}");
        assert_eq!(
            owned(keyring.verify_value(&encoded)),
            expected,
            "{encoded:?}"
        );
        let header = format!("other=1; {NAME}={encoded}; {NAME}=second");
        assert_eq!(
            owned(keyring.verify_header(&header, NAME)),
            expected,
            "{header:?}"
        );
        let pasted = format!(" Cookie: {header}\t");
        assert_eq!(
            owned(keyring.verify_input(&pasted, NAME)),
            expected,
            "{pasted:?}"
        );

        // Any one-byte change (kept valid UTF-8) is refused.
        let at = data.first().map_or(0, |&b| usize::from(b)) % value.len();
        let with = data.last().copied().unwrap_or(b'A') & 0x7f;
        if value.is_char_boundary(at) && value.as_bytes()[at] != with {
            let width = value[at..].chars().next().map_or(1, char::len_utf8);
            let tampered = format!(
                "{}{}{}",
                &value[..at],
                char::from(with),
                &value[at + width..]
            );
            let verdict = keyring.unsign(&tampered);
            assert!(verdict.is_err(), "accepted the tampered {tampered:?}");
        }
    }
}

fn check_any_secret(data: &[u8]) {
    let Some(zero) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (secret, sid) = (&data[..zero], &data[zero + 1..]);
    let (Ok(secret), Ok(sid)) = (std::str::from_utf8(secret), std::str::from_utf8(sid)) else {
        return;
    };
    let Ok(key) = Secret::new(secret) else {
        assert!(secret.is_empty(), "refused the secret {secret:?}");
        return;
    };
    // The weakness rules read any text without panicking (their verdicts have unit tests).
    let _ = key.weakness();
    let keyring = Keyring::new([key]).expect("one secret");
    let expected = format!("{sid}.{}", signature(secret.as_bytes(), sid));
    assert_eq!(
        keyring.sign_bare(sid),
        expected,
        "secret {secret:?}, sid {sid:?}"
    );
    if !sid.is_empty() {
        let verdict = keyring.unsign_bare(&expected).map(|v| v.sid);
        assert_eq!(verdict, Ok(Cow::Borrowed(sid)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_hold_cookies_the_keyring_accepts() {
        let keyring = keyring();
        let seeds: [&[u8]; 6] = [
            include_bytes!("../seeds/verify/signed"),
            include_bytes!("../seeds/verify/signed-old-secret"),
            include_bytes!("../seeds/verify/encoded"),
            include_bytes!("../seeds/verify/header"),
            include_bytes!("../seeds/verify/pasted"),
            include_bytes!("../seeds/verify/unicode-sid"),
        ];
        for seed in seeds {
            let text = std::str::from_utf8(seed).expect("UTF-8");
            assert!(keyring.verify_input(text, NAME).is_ok(), "{text:?}");
            check(seed);
        }
    }
}
