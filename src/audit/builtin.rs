//! The built-in candidates: every secret of [`WELL_KNOWN_SECRETS`] (each entry there says where
//! it was published) in the spellings people copy it with.
//!
//! The weak-secret warning folds case and punctuation away before comparing; a search cannot
//! fold a signature, so it tries the spellings one by one: as published, lower case, upper case,
//! and with its separators (spaces, `-`, `_`) made all spaces, all `-`, all `_` or nothing.

use sio_auth::cookie::WELL_KNOWN_SECRETS;

/// The built-in candidates, in order (each published secret first as published), without
/// repeats.
pub(super) fn candidates() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for known in WELL_KNOWN_SECRETS {
        for spelling in spellings(known.secret) {
            if !out.contains(&spelling) {
                out.push(spelling);
            }
        }
    }
    out
}

/// `secret` as published, then its common respellings.
fn spellings(secret: &str) -> Vec<String> {
    let is_separator = |c: char| matches!(c, ' ' | '-' | '_');
    let mut out = vec![secret.to_owned()];
    for cased in [
        secret.to_owned(),
        secret.to_lowercase(),
        secret.to_uppercase(),
    ] {
        out.push(cased.clone());
        if cased.contains(is_separator) {
            for separator in [" ", "-", "_", ""] {
                out.push(
                    cased
                        .split(is_separator)
                        .collect::<Vec<_>>()
                        .join(separator),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_published_secret_comes_first_then_its_spellings() {
        let all = candidates();
        assert_eq!(all[0], WELL_KNOWN_SECRETS[0].secret);
        for spelling in [
            "keyboard cat",
            "keyboard-cat",
            "keyboard_cat",
            "keyboardcat",
            "KEYBOARD CAT",
            "KEYBOARD_CAT",
        ] {
            assert!(all.iter().any(|c| c == spelling), "{spelling}");
        }
        // Every published secret is there as published.
        for known in WELL_KNOWN_SECRETS {
            assert!(all.iter().any(|c| c == known.secret), "{}", known.secret);
        }
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), all.len(), "no repeats");
        // Each spelling is one the weak-secret warning also flags.
        for candidate in &all {
            assert!(
                matches!(
                    sio_auth::cookie::weakness(candidate),
                    Some(sio_auth::cookie::Weakness::WellKnown { .. })
                ),
                "{candidate}"
            );
        }
    }
}
