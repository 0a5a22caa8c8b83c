//! OAuth token pairs of marketplace accounts (Allegro): stored through the secrets port,
//! refreshed ahead of expiry or on demand, one refresh at a time per integration (a lease),
//! and a dead refresh token disconnects the account instead of retrying forever.

use super::ServiceError;
use crate::domain::{ConnectionState, Integration};
use crate::ids::{IntegrationId, TenantId};
pub use crate::ports::tokens::{RefreshError, TokenRefresher, TokenSet};
use crate::ports::{Ports, SecretName};
use crate::repo::{integrations, is_conflict, leases};
use chrono::{DateTime, Duration, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

mod cache;
pub use cache::SERVE_WHILE_REMAINING as CACHED_WHILE_REMAINING;

/// Refresh when the access token has less than this left (the refresher runs hourly).
pub const REFRESH_AHEAD: Duration = Duration::hours(3);
/// On use, a token with less than this left is refreshed first.
pub const MIN_REMAINING_ON_USE: Duration = Duration::minutes(5);
/// How long one refresh may hold the integration's lease.
pub const LEASE_TTL: Duration = Duration::seconds(60);

/// The stored form (only ever written to the secrets port).
#[derive(Serialize, Deserialize)]
struct StoredTokens {
    access_token: String,
    refresh_token: String,
    access_expires_at: DateTime<Utc>,
}

/// What a refresh attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// A new pair is stored.
    Refreshed,
    /// The stored pair is fresh enough.
    NotDue,
    /// Another worker holds the lease and is refreshing.
    Busy,
    /// The account has no token pair (never connected).
    NoTokens,
    /// The refresh token was refused: the integration is now disconnected.
    Disconnected,
}

/// The secret holding an integration's token pair.
pub fn secret_name(tenant: &TenantId, integration: &IntegrationId) -> SecretName {
    crate::repo::keys::oauth_tokens_secret(tenant, integration)
}

/// Stores a pair.
pub async fn save(
    ports: &Ports,
    tenant: &TenantId,
    integration: &IntegrationId,
    tokens: &TokenSet,
) -> Result<(), ServiceError> {
    let stored = StoredTokens {
        access_token: tokens.access_token.expose_secret().to_owned(),
        refresh_token: tokens.refresh_token.expose_secret().to_owned(),
        access_expires_at: tokens.access_expires_at,
    };
    let json =
        serde_json::to_string(&stored).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    let name = secret_name(tenant, integration);
    ports
        .secrets
        .put(&name, &SecretString::from(json))
        .await
        .map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    cache::remember(ports, &name, Some(tokens));
    Ok(())
}

/// Removes the stored pair (and this process's cached access token).
pub async fn delete(
    ports: &Ports,
    tenant: &TenantId,
    integration: &IntegrationId,
) -> Result<(), crate::ports::SecretsError> {
    let name = secret_name(tenant, integration);
    ports.secrets.delete(&name).await?;
    cache::remember(ports, &name, None);
    Ok(())
}

/// The stored pair, if any, read from the secrets port (never from the cache; what it reads
/// becomes the cached access token).
pub async fn load(
    ports: &Ports,
    tenant: &TenantId,
    integration: &IntegrationId,
) -> Result<Option<TokenSet>, ServiceError> {
    let name = secret_name(tenant, integration);
    let Some(secret) = ports
        .secrets
        .get(&name)
        .await
        .map_err(|e| ServiceError::Unavailable(e.to_string()))?
    else {
        cache::remember(ports, &name, None);
        return Ok(None);
    };
    let stored: StoredTokens = serde_json::from_str(secret.expose_secret())
        .map_err(|_| ServiceError::Malformed("stored token pair does not decode".into()))?;
    let tokens = TokenSet {
        access_token: SecretString::from(stored.access_token),
        refresh_token: SecretString::from(stored.refresh_token),
        access_expires_at: stored.access_expires_at,
    };
    cache::remember(ports, &name, Some(&tokens));
    Ok(Some(tokens))
}

/// Refreshes the pair if it expires within `ahead`, holding the integration's lease so a
/// rotated refresh token is never spent twice.
pub async fn refresh_if_due(
    ports: &Ports,
    integration: &Integration,
    refresher: &dyn TokenRefresher,
    ahead: Duration,
) -> Result<RefreshOutcome, ServiceError> {
    let Some(tokens) = load(ports, &integration.tenant_id, &integration.id).await? else {
        return Ok(RefreshOutcome::NoTokens);
    };
    let now = ports.clock.now();
    if tokens.access_expires_at - now > ahead {
        return Ok(RefreshOutcome::NotDue);
    }
    let lease = format!("token-refresh#{}#{}", integration.tenant_id, integration.id);
    let holder = uuid::Uuid::new_v4().to_string();
    if !leases::acquire(&*ports.store, &lease, &holder, LEASE_TTL, now).await? {
        return Ok(RefreshOutcome::Busy);
    }
    // Re-read under the lease: the previous holder may have refreshed already.
    let outcome = async {
        let Some(tokens) = load(ports, &integration.tenant_id, &integration.id).await? else {
            return Ok(RefreshOutcome::NoTokens);
        };
        if tokens.access_expires_at - ports.clock.now() > ahead {
            return Ok(RefreshOutcome::NotDue);
        }
        match refresher.refresh(integration, &tokens.refresh_token).await {
            Ok(fresh) => {
                save(ports, &integration.tenant_id, &integration.id, &fresh).await?;
                Ok(RefreshOutcome::Refreshed)
            }
            Err(RefreshError::Rejected(reason)) => {
                crate::metrics::token_refresh_failed(true);
                disconnect(ports, &integration.tenant_id, &integration.id, &reason).await?;
                Ok(RefreshOutcome::Disconnected)
            }
            Err(RefreshError::Unavailable(reason)) => {
                crate::metrics::token_refresh_failed(false);
                super::account_log::record_failure(
                    ports,
                    &integration.tenant_id,
                    &integration.id,
                    crate::domain::account_event::AccountEventKind::TokenRefreshFailed,
                    &reason,
                )
                .await;
                Err(ServiceError::Unavailable(reason))
            }
        }
    }
    .await;
    leases::release(&*ports.store, &lease, &holder).await?;
    outcome
}

/// A usable access token: from memory while it has more than [`CACHED_WHILE_REMAINING`] left,
/// else read and refreshed first when it is about to expire. Waits briefly when another worker
/// is refreshing. `Ok(None)` when the account has no tokens or was disconnected.
pub async fn access_token(
    ports: &Ports,
    integration: &Integration,
    refresher: &dyn TokenRefresher,
) -> Result<Option<SecretString>, ServiceError> {
    let name = secret_name(&integration.tenant_id, &integration.id);
    if let Some(token) = cache::get(ports, &name, ports.clock.now()) {
        return Ok(Some(token));
    }
    for _ in 0..20 {
        match refresh_if_due(ports, integration, refresher, MIN_REMAINING_ON_USE).await? {
            RefreshOutcome::Refreshed | RefreshOutcome::NotDue => {
                return Ok(load(ports, &integration.tenant_id, &integration.id)
                    .await?
                    .map(|t| t.access_token));
            }
            RefreshOutcome::NoTokens | RefreshOutcome::Disconnected => return Ok(None),
            RefreshOutcome::Busy => tokio_sleep_ms(250).await,
        }
    }
    Err(ServiceError::Unavailable(
        "another worker is still refreshing this account's tokens".into(),
    ))
}

async fn tokio_sleep_ms(ms: u64) {
    // The core stays runtime-agnostic in its API; tokio is what every binary runs on.
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// Marks the integration disconnected with `reason` and tells its alert addresses, once.
pub async fn disconnect(
    ports: &Ports,
    tenant: &TenantId,
    id: &IntegrationId,
    reason: &str,
) -> Result<(), ServiceError> {
    for _ in 0..5 {
        let Some(stored) = integrations::get(&*ports.store, tenant, id).await? else {
            return Ok(());
        };
        if matches!(
            stored.value.connection,
            ConnectionState::Disconnected { .. }
        ) {
            return Ok(());
        }
        let mut integration = stored.value.clone();
        integration.connection = ConnectionState::Disconnected {
            reason: reason.to_owned(),
            since: ports.clock.now(),
        };
        match integrations::update(&*ports.store, &integration, stored.version).await {
            Ok(()) => {
                tracing::warn!(tenant = %tenant, integration = %id, %reason, "integration disconnected: re-authentication needed");
                super::connection_changes::record(ports, &stored.value, &integration, None).await;
                super::events::emit(
                    ports,
                    tenant,
                    super::events::Event::integration_disconnected(&integration, reason),
                )
                .await;
                let subject = format!(
                    "marketdesk: {} needs re-authentication",
                    integration.display_name
                );
                let body = format!(
                    "The marketplace refused marketdesk's access to the account \"{}\" ({reason}).\n\
                     Polling has stopped. Connect the account again in marketdesk to resume.",
                    integration.display_name
                );
                if let Err(error) = super::alerts::send(ports, &integration, subject, body).await {
                    tracing::warn!(%error, "could not send the disconnection notice");
                }
                return Ok(());
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "integration {id} kept changing"
    )))
}
