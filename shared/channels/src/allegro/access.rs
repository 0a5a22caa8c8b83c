//! What an Allegro adapter gets from the core ([`AllegroAccess`]: the time and the account's
//! access tokens), and the one-retry rule when Allegro refuses a token: the core's
//! [`AccessTokens`] says which token to try next (the one another worker rotated in, or a
//! fresh one; a dead grant disconnects the integration and ends the call with
//! `CredentialsRejected`).

use super::errors::to_marketplace_error;
use marketdesk_allegro::{AccessToken, AllegroError};
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::{AccessTokens, Clock, MarketplaceError};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::sync::Arc;

/// The narrow ports an Allegro adapter uses.
#[derive(Clone)]
pub struct AllegroAccess {
    /// The only source of "now".
    pub clock: Arc<dyn Clock>,
    /// The accounts' access tokens, refreshed by the core.
    pub tokens: Arc<dyn AccessTokens>,
}

impl AllegroAccess {
    /// The access of adapters reading the time from `clock` and tokens from `tokens`.
    pub fn new(clock: Arc<dyn Clock>, tokens: Arc<dyn AccessTokens>) -> Self {
        Self { clock, tokens }
    }
}

/// Runs `read` with a usable access token. A 401 gets one second chance with the token the
/// core names; every other failure, and a second 401, becomes the matching
/// [`MarketplaceError`].
pub(crate) async fn with_token<T, F, Fut>(
    access: &AllegroAccess,
    integration: &Integration,
    read: F,
) -> Result<T, MarketplaceError>
where
    F: Fn(AccessToken) -> Fut,
    Fut: Future<Output = Result<T, AllegroError>>,
{
    let token = access.tokens.access_token(integration).await?;
    match read(allegro_token(&token)).await {
        Err(AllegroError::Unauthorized { .. }) => {
            tracing::info!(integration = %integration.id, "Allegro refused the access token; refreshing once");
            let fresh = access
                .tokens
                .after_unauthorized(integration, &token)
                .await?;
            read(allegro_token(&fresh))
                .await
                .map_err(to_marketplace_error)
        }
        other => other.map_err(to_marketplace_error),
    }
}

fn allegro_token(secret: &SecretString) -> AccessToken {
    AccessToken::new(secret.expose_secret())
}
