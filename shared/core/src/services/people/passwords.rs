//! Passwords: the policy, and Argon2id hashing (RustCrypto `argon2`) with OWASP's
//! parameters (m = 19 MiB, t = 2, p = 1). Hashing runs on the blocking pool: it takes tens
//! of milliseconds of CPU by design.

use super::super::request::RequestError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;

/// Shortest password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password, in characters (bounds the hashing work a request can cause).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Argon2id memory cost in KiB (OWASP: 19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes.
pub const PASSES: u32 = 2;
/// Argon2id lanes.
pub const LANES: u32 = 1;

fn hasher() -> Result<Argon2<'static>, RequestError> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None)
        .map_err(|e| RequestError::Internal(format!("Argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks the policy: 10 to 256 characters, not only spaces.
pub fn check_policy(field: &str, password: &SecretString) -> Result<(), RequestError> {
    let text = password.expose_secret();
    let chars = text.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(RequestError::invalid(
            field,
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(RequestError::invalid(
            field,
            format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if text.trim().is_empty() {
        return Err(RequestError::invalid(
            field,
            "a password is not only spaces",
        ));
    }
    Ok(())
}

/// The Argon2id PHC string of a password (random 16-byte salt).
pub async fn hash(password: &SecretString) -> Result<String, RequestError> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        hasher()?
            .hash_password(password.expose_secret().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| RequestError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| RequestError::Internal(format!("password hashing task failed: {e}")))?
}

/// Whether `password` matches the stored PHC string. `None` (no password set, or an unknown
/// account) still spends the same work on a stand-in hash, so timing does not tell whether
/// an account exists.
pub async fn verify(password: &SecretString, stored: Option<&str>) -> Result<bool, RequestError> {
    let password = password.clone();
    let real = stored.map(str::to_owned);
    let stand_in = match &real {
        Some(_) => None,
        None => Some(stand_in_hash().await?),
    };
    tokio::task::spawn_blocking(move || {
        let phc = real.as_deref().or(stand_in.as_deref()).unwrap_or_default();
        let matches = hasher()?
            .verify_password(password.expose_secret().as_bytes(), phc)
            .is_ok();
        Ok(matches && real.is_some())
    })
    .await
    .map_err(|e| RequestError::Internal(format!("password check task failed: {e}")))?
}

/// A hash of a random password, made once per process, to verify against when there is no
/// real hash.
async fn stand_in_hash() -> Result<String, RequestError> {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    if let Some(hash) = STAND_IN.get() {
        return Ok(hash.clone());
    }
    let random = super::secrets::generate("").map_err(|e| RequestError::Internal(e.to_string()))?;
    let made = hash(&SecretString::from(random)).await?;
    Ok(STAND_IN.get_or_init(|| made).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_hashes_verify_and_carry_the_owasp_parameters() {
        let password = SecretString::from("correct horse battery".to_owned());
        let phc = hash(&password).await.expect("hashed");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify(&password, Some(&phc)).await.expect("checked"));
        let wrong = SecretString::from("correct horse battery!".to_owned());
        assert!(!verify(&wrong, Some(&phc)).await.expect("checked"));
        assert!(!verify(&password, None).await.expect("checked"));
        assert_ne!(phc, hash(&password).await.expect("hashed"), "salted");
    }

    #[test]
    fn the_policy_wants_ten_characters() {
        let check = |p: &str| check_policy("password", &SecretString::from(p.to_owned()));
        assert!(check("123456789").is_err());
        assert!(check("1234567890").is_ok());
        assert!(check("          ").is_err());
        assert!(check(&"x".repeat(257)).is_err());
        assert!(check("zażółćgęśl").is_ok(), "characters, not bytes");
    }
}
