//! Session ids and other random tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The operating system's random number generator failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random number generator failed")]
pub struct RandomUnavailable;

/// `bytes` random bytes from the operating system, as base64url without padding.
///
/// ```
/// let token = sio_auth::cookie::random_token(32).unwrap();
/// assert_eq!(token.len(), 43);
/// ```
///
/// # Errors
/// [`RandomUnavailable`] when the OS generator fails.
pub fn random_token(bytes: usize) -> Result<String, RandomUnavailable> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|_| RandomUnavailable)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

/// A new session id as express-session makes them (`uid-safe` with 24 bytes): 32 base64url
/// characters.
///
/// ```
/// let sid = sio_auth::cookie::new_sid().unwrap();
/// assert_eq!(sid.len(), 32);
/// assert!(sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
/// ```
///
/// # Errors
/// [`RandomUnavailable`] when the OS generator fails.
pub fn new_sid() -> Result<String, RandomUnavailable> {
    random_token(24)
}
