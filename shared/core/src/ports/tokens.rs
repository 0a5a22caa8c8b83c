//! Token ports of OAuth accounts (Allegro). [`TokenRefresher`] is what the adapter does for
//! the core (one refresh grant at the marketplace); [`AccessTokens`] is what the core does for
//! the adapter (a usable access token, and what to do after the marketplace refused one), so
//! an adapter never reads the stored pair or takes the refresh lease itself.

use super::MarketplaceError;
use crate::domain::Integration;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// An account's token pair.
#[derive(Clone)]
pub struct TokenSet {
    /// Bearer token for API calls.
    pub access_token: SecretString,
    /// Token to get the next pair.
    pub refresh_token: SecretString,
    /// When the access token stops working.
    pub access_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_expires_at", &self.access_expires_at)
            .finish_non_exhaustive()
    }
}

/// Why a refresh failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    /// The marketplace refused the refresh token for good (invalid_grant, revoked app).
    #[error("the marketplace refused the refresh token: {0}")]
    Rejected(String),
    /// A network fault, 5xx or rate limit: try again later.
    #[error("refresh failed for now: {0}")]
    Unavailable(String),
}

/// Exchanges a refresh token for a new pair at the marketplace.
#[async_trait]
pub trait TokenRefresher: Send + Sync {
    /// The new pair (the old refresh token dies soon after).
    async fn refresh(
        &self,
        integration: &Integration,
        refresh_token: &SecretString,
    ) -> Result<TokenSet, RefreshError>;
}

/// The access tokens of OAuth accounts, as an adapter needs them.
#[async_trait]
pub trait AccessTokens: Send + Sync {
    /// A usable access token of `integration` (refreshed first when about to expire).
    /// `CredentialsRejected` when the account has no tokens or was disconnected.
    async fn access_token(
        &self,
        integration: &Integration,
    ) -> Result<SecretString, MarketplaceError>;

    /// The token to try once more after the marketplace answered 401 to `refused`: the stored
    /// one when another worker rotated the pair, else a freshly refreshed one. An error is
    /// what the call fails with (a dead grant disconnects the account first).
    async fn after_unauthorized(
        &self,
        integration: &Integration,
        refused: &SecretString,
    ) -> Result<SecretString, MarketplaceError>;
}

/// The API keys of key-authenticated accounts (EmpikPlace shops), as an adapter needs them.
#[async_trait]
pub trait ApiKeys: Send + Sync {
    /// The stored key of `integration`; `Ok(None)` when none is stored.
    async fn api_key(
        &self,
        integration: &Integration,
    ) -> Result<Option<SecretString>, MarketplaceError>;
}
