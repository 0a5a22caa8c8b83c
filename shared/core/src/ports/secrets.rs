//! Secrets port: marketplace credentials and token pairs, never logged.

use async_trait::async_trait;
use secrecy::SecretString;
use std::fmt;

/// The name of a secret, e.g. `integrations/<tenant>/<integration>/tokens`.
///
/// Limited to what AWS Secrets Manager accepts (ASCII letters, digits and `/_+=.@-`,
/// at most 512 characters) so both backends take the same names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretName(String);

impl SecretName {
    /// Validates `name`.
    pub fn new(name: impl Into<String>) -> Result<Self, SecretsError> {
        let name = name.into();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
        if name.is_empty() || name.len() > 512 || !name.chars().all(allowed) {
            return Err(SecretsError::InvalidName(name));
        }
        if name
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(SecretsError::InvalidName(name));
        }
        Ok(Self(name))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a secrets operation failed. Never carries a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// The name breaks the naming rule.
    #[error("invalid secret name {0:?}: use ASCII letters, digits and /_+=.@- (non-empty path parts, at most 512 characters)")]
    InvalidName(String),
    /// The secret store failed; the caller may retry.
    #[error("secret store unavailable: {0}")]
    Unavailable(String),
}

/// Stores secret strings by name.
#[async_trait]
pub trait Secrets: Send + Sync {
    /// Creates the secret or replaces its value (rotation): afterwards `get` returns `value`.
    async fn put(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretsError>;

    /// The current value, or `None` if there is no such secret.
    async fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError>;

    /// Removes the secret; removing a missing secret is not an error.
    async fn delete(&self, name: &SecretName) -> Result<(), SecretsError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_secrets_manager_rule() {
        assert!(SecretName::new("integrations/t1/i-2/tokens").is_ok());
        assert!(SecretName::new("a+b=c.d@e-f_g").is_ok());
        for bad in [
            "",
            "has space",
            "ąę",
            "../escape",
            "a//b",
            "/lead",
            "trail/",
        ] {
            assert!(SecretName::new(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(SecretName::new("x".repeat(513)).is_err());
    }
}
