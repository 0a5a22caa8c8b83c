//! EmpikPlace API keys: the secret they are kept in, their shape, and the marketplace's
//! verdict on one ([`CredentialCheck`]). Write-only: never returned or logged.

use crate::domain::{ConnectionState, Environment, IntegrationKind};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{CredentialCheck, CredentialVerdict, SecretName};
use crate::services::request::RequestError;
use secrecy::{ExposeSecret, SecretString};

/// Longest marketplace API key accepted.
pub const MAX_API_KEY_CHARS: usize = 256;

/// The secret holding an integration's marketplace API key (EmpikPlace).
pub fn api_key_secret_name(
    tenant: &TenantId,
    id: &IntegrationId,
) -> Result<SecretName, RequestError> {
    crate::repo::keys::api_key_secret(tenant, id).map_err(|e| RequestError::Internal(e.to_string()))
}

pub(super) fn validate_api_key(
    kind: IntegrationKind,
    key: &SecretString,
) -> Result<(), RequestError> {
    if kind != IntegrationKind::Empikplace {
        return Err(RequestError::invalid(
            "api_key",
            "only EmpikPlace accounts use an API key; Allegro accounts connect with OAuth",
        ));
    }
    let text = key.expose_secret();
    if text.is_empty() || text.chars().count() > MAX_API_KEY_CHARS {
        return Err(RequestError::invalid(
            "api_key",
            format!("must be 1 to {MAX_API_KEY_CHARS} characters long"),
        ));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(RequestError::invalid(
            "api_key",
            "must not contain spaces or control characters",
        ));
    }
    Ok(())
}

/// Asks the marketplace about a key; the connection state it leads to and the account's name
/// as the marketplace knows it.
pub(super) async fn check_key(
    check: &dyn CredentialCheck,
    kind: IntegrationKind,
    environment: Environment,
    key: &SecretString,
) -> Result<(ConnectionState, Option<String>), RequestError> {
    match check.check_api_key(kind, environment, key).await {
        Ok(CredentialVerdict::Valid { account_name }) => Ok((
            ConnectionState::Connected,
            account_name.filter(|n| !n.trim().is_empty()),
        )),
        Ok(CredentialVerdict::Unchecked) => Ok((ConnectionState::Pending, None)),
        Ok(CredentialVerdict::Invalid { reason }) => Err(RequestError::invalid(
            "api_key",
            format!("the marketplace refused the key: {reason}"),
        )),
        Err(error) => Err(RequestError::Unavailable(error.to_string())),
    }
}
