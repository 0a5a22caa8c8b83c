//! Random tokens for sessions, invitations and password resets, and how they are stored:
//! 32 bytes from the operating system's CSPRNG, base64url, with a prefix that says what the
//! token is; only the SHA-256 of a token is ever stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Prefix of session tokens (the cookie value).
pub const SESSION_PREFIX: &str = "mds_";
/// Prefix of invitation tokens.
pub const INVITATION_PREFIX: &str = "mdi_";
/// Prefix of password-reset tokens.
pub const RESET_PREFIX: &str = "mdr_";
/// Characters after the prefix: 32 bytes in base64url without padding.
const BODY_LEN: usize = 43;

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomError(String);

/// A fresh token with `prefix`.
pub fn generate(prefix: &str) -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// Whether `token` has the shape of a token with `prefix` (cheap check before any lookup).
pub fn well_formed(prefix: &str, token: &str) -> bool {
    token.len() == prefix.len() + BODY_LEN
        && token.starts_with(prefix)
        && token[prefix.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Lower-case hex SHA-256 of a text (the store key of a token; also hides addresses in keys).
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The CSRF token of a session: derived from the session token, so it is bound to the
/// session, needs no storage, and does not reveal the session token.
pub fn csrf_token(session_token: &str) -> String {
    let digest = Sha256::digest(format!("marketdesk-csrf\0{session_token}").as_bytes());
    URL_SAFE_NO_PAD.encode(digest)
}

/// Compares two texts in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_checked_for_shape() {
        let a = generate(SESSION_PREFIX).expect("random");
        let b = generate(SESSION_PREFIX).expect("random");
        assert_ne!(a, b);
        assert!(well_formed(SESSION_PREFIX, &a));
        assert!(!well_formed(INVITATION_PREFIX, &a));
        assert!(!well_formed(SESSION_PREFIX, &a[..a.len() - 1]));
        assert!(!well_formed(
            SESSION_PREFIX,
            &format!("{}!", &a[..a.len() - 1])
        ));
        assert_ne!(csrf_token(&a), csrf_token(&b));
        assert_ne!(csrf_token(&a), sha256_hex(&a));
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
