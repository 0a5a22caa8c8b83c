//! The access token of one poll, and what happens when Allegro refuses it: another worker may
//! have rotated the pair meanwhile (use the stored one), else the pair is refreshed once under
//! the core's lease; a dead grant disconnects the integration (the core does that on
//! `invalid_grant`) and the poll ends with `CredentialsRejected`.

use super::errors::to_marketplace_error;
use chrono::Duration;
use marketdesk_allegro::{AccessToken, AllegroError};
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::{MarketplaceError, Ports};
use marketdesk_core::services::tokens::{self, RefreshOutcome, TokenRefresher};
use marketdesk_core::services::ServiceError;
use secrecy::ExposeSecret;
use std::future::Future;

/// "Refresh now, whatever the expiry" for the core's `refresh_if_due`.
const FORCE: Duration = Duration::days(36_500);
/// How often to look again while another worker holds the refresh lease.
const BUSY_CHECKS: usize = 20;

/// Runs `read` with a usable access token. A 401 gets one second chance with a fresh token;
/// every other failure, and a second 401, becomes the matching [`MarketplaceError`].
pub(crate) async fn with_token<T, F, Fut>(
    ports: &Ports,
    integration: &Integration,
    refresher: &dyn TokenRefresher,
    read: F,
) -> Result<T, MarketplaceError>
where
    F: Fn(AccessToken) -> Fut,
    Fut: Future<Output = Result<T, AllegroError>>,
{
    let token = access_token(ports, integration, refresher).await?;
    match read(token.clone()).await {
        Err(AllegroError::Unauthorized { .. }) => {
            tracing::info!(integration = %integration.id, "Allegro refused the access token; refreshing once");
            let fresh = after_unauthorized(ports, integration, refresher, &token).await?;
            read(fresh).await.map_err(to_marketplace_error)
        }
        other => other.map_err(to_marketplace_error),
    }
}

/// The stored access token, refreshed first when it is about to expire.
pub(crate) async fn access_token(
    ports: &Ports,
    integration: &Integration,
    refresher: &dyn TokenRefresher,
) -> Result<AccessToken, MarketplaceError> {
    tokens::access_token(ports, integration, refresher)
        .await
        .map_err(service_error)?
        .map(|secret| AccessToken::new(secret.expose_secret()))
        .ok_or_else(not_connected)
}

/// A token to try after `refused` got a 401: the stored one if another worker rotated the pair,
/// else a freshly refreshed one.
async fn after_unauthorized(
    ports: &Ports,
    integration: &Integration,
    refresher: &dyn TokenRefresher,
    refused: &AccessToken,
) -> Result<AccessToken, MarketplaceError> {
    if let Some(stored) = stored_if_rotated(ports, integration, refused).await? {
        return Ok(stored);
    }
    for _ in 0..BUSY_CHECKS {
        match tokens::refresh_if_due(ports, integration, refresher, FORCE)
            .await
            .map_err(service_error)?
        {
            RefreshOutcome::Refreshed | RefreshOutcome::NotDue => {
                return stored_if_rotated(ports, integration, refused)
                    .await?
                    .ok_or_else(|| {
                        MarketplaceError::CredentialsRejected(
                            "Allegro refused a freshly refreshed access token".into(),
                        )
                    });
            }
            RefreshOutcome::NoTokens => return Err(not_connected()),
            RefreshOutcome::Disconnected => {
                return Err(MarketplaceError::CredentialsRejected(
                    "Allegro refused the refresh token: the account must be connected again".into(),
                ))
            }
            RefreshOutcome::Busy => {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                if let Some(stored) = stored_if_rotated(ports, integration, refused).await? {
                    return Ok(stored);
                }
            }
        }
    }
    Err(MarketplaceError::Unavailable(
        "another worker is still refreshing this account's tokens".into(),
    ))
}

/// The stored access token when it differs from `refused`.
async fn stored_if_rotated(
    ports: &Ports,
    integration: &Integration,
    refused: &AccessToken,
) -> Result<Option<AccessToken>, MarketplaceError> {
    let stored = tokens::load(ports, &integration.tenant_id, &integration.id)
        .await
        .map_err(service_error)?
        .ok_or_else(not_connected)?;
    let value = stored.access_token.expose_secret();
    Ok((value != refused.expose()).then(|| AccessToken::new(value)))
}

fn not_connected() -> MarketplaceError {
    MarketplaceError::CredentialsRejected("not connected".into())
}

/// A core service failure (store, secrets, refresh) seen from the marketplace port.
fn service_error(error: ServiceError) -> MarketplaceError {
    match error {
        ServiceError::Marketplace(error) => error,
        other => MarketplaceError::Unavailable(other.to_string()),
    }
}
