//! Credential check port: asks a marketplace whether an API key works before it is stored.
//!
//! EmpikPlace (Mirakl) keys are checked with A01 by the EmpikPlace channel (issue 7), which
//! provides the real implementation; until it is wired, [`UncheckedCredentials`] says so
//! honestly and the integration stays `pending` instead of pretending to be connected.

use crate::domain::{Environment, Marketplace};
use async_trait::async_trait;
use secrecy::SecretString;

/// What the marketplace said about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialVerdict {
    /// The key works: the integration becomes `connected`, named after the account.
    Valid {
        /// The marketplace's name of the account (EmpikPlace: the shop name), if it told one.
        account_name: Option<String>,
    },
    /// The marketplace refused the key; `reason` is shown to the admin.
    Invalid {
        /// Why, in words an admin can act on (never the key).
        reason: String,
    },
    /// No check was made: the key is stored and the integration stays `pending`.
    Unchecked,
}

/// Why a check could not be made. Never carries the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialCheckError {
    /// The marketplace could not be asked right now; nothing is stored, the admin retries.
    #[error("the marketplace could not check the key: {0}")]
    Unavailable(String),
}

/// Checks marketplace credentials (an API key) of an account before they are stored.
#[async_trait]
pub trait CredentialCheck: Send + Sync {
    /// Asks the marketplace of `kind` in `environment` whether `api_key` works.
    async fn check_api_key(
        &self,
        kind: Marketplace,
        environment: Environment,
        api_key: &SecretString,
    ) -> Result<CredentialVerdict, CredentialCheckError>;
}

/// The default wiring until the EmpikPlace channel provides its A01 check: answers
/// [`CredentialVerdict::Unchecked`] for every key, so keys are stored but integrations stay
/// `pending` (and unpolled) rather than claim a connection nobody verified.
#[derive(Debug, Clone, Copy, Default)]
pub struct UncheckedCredentials;

#[async_trait]
impl CredentialCheck for UncheckedCredentials {
    async fn check_api_key(
        &self,
        _kind: Marketplace,
        _environment: Environment,
        _api_key: &SecretString,
    ) -> Result<CredentialVerdict, CredentialCheckError> {
        Ok(CredentialVerdict::Unchecked)
    }
}
