//! The narrow ports the core lends marketplace adapters for an account's credentials:
//! [`StoredAccessTokens`] (an OAuth account's access token, refreshed under the core's
//! lease, and what to do after a 401) and [`StoredApiKeys`] (a shop's stored API key).

use super::tokens::{self, RefreshOutcome};
use super::ServiceError;
use crate::domain::Integration;
use crate::ports::{AccessTokens, ApiKeys, MarketplaceError, Ports, TokenRefresher};
use async_trait::async_trait;
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// "Refresh now, whatever the expiry" for [`tokens::refresh_if_due`].
const FORCE: Duration = Duration::days(36_500);
/// How often to look again while another worker holds the refresh lease.
const BUSY_CHECKS: usize = 20;

/// [`AccessTokens`] over the stored pairs and the marketplace's refresher.
#[derive(Clone)]
pub struct StoredAccessTokens {
    ports: Ports,
    refresher: Arc<dyn TokenRefresher>,
}

impl StoredAccessTokens {
    /// Tokens stored through `ports`, refreshed with `refresher`.
    pub fn new(ports: Ports, refresher: Arc<dyn TokenRefresher>) -> Self {
        Self { ports, refresher }
    }

    /// The stored access token when it differs from `refused`.
    async fn stored_if_rotated(
        &self,
        integration: &Integration,
        refused: &SecretString,
    ) -> Result<Option<SecretString>, MarketplaceError> {
        let stored = tokens::load(&self.ports, &integration.tenant_id, &integration.id)
            .await
            .map_err(service_error)?
            .ok_or_else(not_connected)?;
        let rotated = stored.access_token.expose_secret() != refused.expose_secret();
        Ok(rotated.then_some(stored.access_token))
    }
}

#[async_trait]
impl AccessTokens for StoredAccessTokens {
    async fn access_token(
        &self,
        integration: &Integration,
    ) -> Result<SecretString, MarketplaceError> {
        tokens::access_token(&self.ports, integration, &*self.refresher)
            .await
            .map_err(service_error)?
            .ok_or_else(not_connected)
    }

    async fn after_unauthorized(
        &self,
        integration: &Integration,
        refused: &SecretString,
    ) -> Result<SecretString, MarketplaceError> {
        if let Some(stored) = self.stored_if_rotated(integration, refused).await? {
            return Ok(stored);
        }
        for _ in 0..BUSY_CHECKS {
            match tokens::refresh_if_due(&self.ports, integration, &*self.refresher, FORCE)
                .await
                .map_err(service_error)?
            {
                RefreshOutcome::Refreshed | RefreshOutcome::NotDue => {
                    return self
                        .stored_if_rotated(integration, refused)
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
                        "Allegro refused the refresh token: the account must be connected again"
                            .into(),
                    ))
                }
                RefreshOutcome::Busy => {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                    if let Some(stored) = self.stored_if_rotated(integration, refused).await? {
                        return Ok(stored);
                    }
                }
            }
        }
        Err(MarketplaceError::Unavailable(
            "another worker is still refreshing this account's tokens".into(),
        ))
    }
}

/// [`ApiKeys`] over the secrets port.
#[derive(Clone)]
pub struct StoredApiKeys {
    ports: Ports,
}

impl StoredApiKeys {
    /// Keys stored through `ports`.
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }
}

#[async_trait]
impl ApiKeys for StoredApiKeys {
    async fn api_key(
        &self,
        integration: &Integration,
    ) -> Result<Option<SecretString>, MarketplaceError> {
        let name = crate::repo::keys::api_key_secret(&integration.tenant_id, &integration.id)
            .map_err(|e| MarketplaceError::Refused(e.to_string()))?;
        self.ports
            .secrets
            .get(&name)
            .await
            .map_err(|e| MarketplaceError::Unavailable(e.to_string()))
    }
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
