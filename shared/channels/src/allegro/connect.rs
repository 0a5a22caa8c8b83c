//! Connecting an Allegro account: the authorization-code flow with `state` and PKCE, and the
//! device flow for setups without a public callback URL. Both end the same way: the token
//! pair goes to the secrets port, `/me` names the account, the integration becomes connected.

use chrono::{DateTime, Duration, Utc};
use marketdesk_allegro::{AllegroClient, DevicePoll, OAuthError, PkceVerifier};
use marketdesk_core::domain::{ConnectionState, Integration};
use marketdesk_core::ids::{IntegrationId, TenantId};
use marketdesk_core::ports::{
    Condition, DeviceAuthorizationInfo, Item, Key, Ports, Query, SecretName, StoreError,
};
use marketdesk_core::repo::oauth_states::{self, PendingAuthorization};
use marketdesk_core::repo::{integrations, is_conflict, RepoError};
use marketdesk_core::services::tokens;
use marketdesk_core::services::ServiceError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// How long an authorization request may take in the browser.
pub const STATE_LIFETIME: Duration = Duration::minutes(15);

/// Why connecting failed, in words for the admin's browser or API answer.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The `state` is unknown, used or expired.
    #[error(
        "this authorization link is unknown, already used or expired; start again from marketdesk"
    )]
    UnknownState,
    /// The integration is gone or not an Allegro account.
    #[error("the integration no longer exists or is not an Allegro account")]
    NoIntegration,
    /// Allegro refused the grant.
    #[error("Allegro refused the authorization: {0}")]
    Refused(String),
    /// Allegro or a backing service failed; try again.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

impl From<RepoError> for ConnectError {
    fn from(error: RepoError) -> Self {
        ConnectError::Unavailable(error.to_string())
    }
}

impl From<ServiceError> for ConnectError {
    fn from(error: ServiceError) -> Self {
        ConnectError::Unavailable(error.to_string())
    }
}

fn oauth_failure(error: OAuthError) -> ConnectError {
    if error.is_transient() {
        ConnectError::Unavailable(error.to_string())
    } else {
        ConnectError::Refused(error.to_string())
    }
}

/// Starts the authorization-code flow: the URL for the admin's browser.
pub async fn start(
    ports: &Ports,
    client: &AllegroClient,
    integration: &Integration,
    redirect_uri: &str,
) -> Result<String, ConnectError> {
    let request = client
        .authorization_request(redirect_uri, &[])
        .map_err(oauth_failure)?;
    let pending = PendingAuthorization {
        state: request.state.clone(),
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        pkce_verifier: request.pkce_verifier.expose().to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        expires_at: ports.clock.now() + STATE_LIFETIME,
    };
    oauth_states::put(&*ports.store, &pending).await?;
    Ok(request.url.to_string())
}

/// The authorization request behind a callback's `state`, taken out (single use).
pub async fn take_pending(
    ports: &Ports,
    state: &str,
) -> Result<PendingAuthorization, ConnectError> {
    oauth_states::take(&*ports.store, state, ports.clock.now())
        .await?
        .ok_or(ConnectError::UnknownState)
}

/// Finishes the authorization-code flow for a pending request: exchanges the code, stores
/// the pair, names and connects the integration. Returns the connected integration.
pub async fn finish(
    ports: &Ports,
    client: &AllegroClient,
    pending: &PendingAuthorization,
    code: &str,
) -> Result<Integration, ConnectError> {
    let verifier = PkceVerifier::new(pending.pkce_verifier.clone());
    let answer = client
        .exchange_code(code, &pending.redirect_uri, Some(&verifier))
        .await
        .map_err(oauth_failure)?;
    connect_with(
        ports,
        client,
        &pending.tenant_id,
        &pending.integration_id,
        &answer,
    )
    .await
}

/// Stores a fresh grant and marks the integration connected, named by its Allegro login on
/// first connection (re-authentication keeps an admin's rename).
async fn connect_with(
    ports: &Ports,
    client: &AllegroClient,
    tenant: &TenantId,
    id: &IntegrationId,
    answer: &marketdesk_allegro::TokenSet,
) -> Result<Integration, ConnectError> {
    let now = ports.clock.now();
    if answer.refresh_token.is_none() {
        return Err(ConnectError::Refused(
            "Allegro sent no refresh token".into(),
        ));
    }
    // A fresh grant always carries its refresh token, so no previous one is needed.
    let tokens = super::tokens::token_set(answer, &SecretString::from(String::new()), now);
    let me = client
        .me(&answer.access_token)
        .await
        .map_err(|e| ConnectError::Unavailable(e.to_string()))?;
    tokens::save(ports, tenant, id, &tokens).await?;
    for _ in 0..5 {
        let stored = integrations::get(&*ports.store, tenant, id)
            .await?
            .ok_or(ConnectError::NoIntegration)?;
        let mut integration = stored.value.clone();
        if integration.connection == ConnectionState::Pending
            || integration.display_name.trim().is_empty()
        {
            if let Some(login) = me.login.clone().filter(|l| !l.is_empty()) {
                integration.display_name = login;
            }
        }
        integration.connection = ConnectionState::Connected;
        match integrations::update(&*ports.store, &integration, stored.version).await {
            Ok(()) => {
                tracing::info!(tenant = %tenant, integration = %id, account = %integration.display_name, "Allegro account connected");
                marketdesk_core::services::audit::connection_changed(
                    ports,
                    &stored.value,
                    &integration,
                    None,
                )
                .await;
                return Ok(integration);
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ConnectError::Unavailable(
        "the integration kept changing".into(),
    ))
}

/// A device-flow grant waiting for the seller to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDevice {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The integration being connected.
    pub integration_id: IntegrationId,
    /// When the codes stop working.
    pub expires_at: DateTime<Utc>,
    /// Earliest time for the next poll.
    pub next_poll_at: DateTime<Utc>,
    /// Seconds between polls.
    pub interval_seconds: i64,
}

const DEVICE_PARTITION: &str = "DEVICEGRANT";

fn device_key(tenant: &TenantId, id: &IntegrationId) -> Key {
    Key::new(DEVICE_PARTITION, format!("{tenant}#{id}"))
}

fn device_secret(tenant: &TenantId, id: &IntegrationId) -> SecretName {
    SecretName::new(format!("integrations/{tenant}/{id}/device-code"))
        .unwrap_or_else(|_| SecretName::new("integrations/invalid/device-code").expect("valid"))
}

/// Starts the device flow; the grant completes in the background ([`complete_devices`]).
pub async fn start_device(
    ports: &Ports,
    client: &AllegroClient,
    integration: &Integration,
) -> Result<DeviceAuthorizationInfo, ConnectError> {
    let authorization = client.start_device_flow(&[]).await.map_err(oauth_failure)?;
    let now = ports.clock.now();
    let expires_at =
        now + Duration::from_std(authorization.expires_in).unwrap_or(Duration::hours(1));
    let interval = i64::try_from(authorization.interval.as_secs())
        .unwrap_or(5)
        .max(1);
    // The device code is a credential: it lives in the secrets port, not in the table.
    ports
        .secrets
        .put(
            &device_secret(&integration.tenant_id, &integration.id),
            &SecretString::from(authorization.device_code.expose().to_owned()),
        )
        .await
        .map_err(|e| ConnectError::Unavailable(e.to_string()))?;
    let pending = PendingDevice {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        expires_at,
        next_poll_at: now,
        interval_seconds: interval,
    };
    let item = Item::new(
        device_key(&integration.tenant_id, &integration.id),
        serde_json::to_value(&pending).map_err(|e| ConnectError::Unavailable(e.to_string()))?,
    )
    .with_expiry(expires_at.timestamp() + 3600);
    ports
        .store
        .put(item, Condition::None)
        .await
        .map_err(|e| ConnectError::Unavailable(e.to_string()))?;
    Ok(DeviceAuthorizationInfo {
        user_code: authorization.user_code,
        verification_uri: authorization.verification_uri,
        verification_uri_complete: authorization.verification_uri_complete,
        expires_at,
    })
}

/// Polls every pending device grant that is due once; returns how many got connected.
/// `client_for` picks the client of the integration's environment.
pub async fn complete_devices(
    ports: &Ports,
    client_for: &(dyn Fn(&Integration) -> AllegroClient + Send + Sync),
) -> Result<usize, ConnectError> {
    let now = ports.clock.now();
    let page = ports
        .store
        .query(&Query::partition(DEVICE_PARTITION).limit(100))
        .await
        .map_err(|e| ConnectError::Unavailable(e.to_string()))?;
    let mut connected = 0;
    for item in page.items {
        let Ok(pending) = serde_json::from_value::<PendingDevice>(item.data.clone()) else {
            continue;
        };
        if pending.next_poll_at > now {
            continue;
        }
        if pending.expires_at <= now {
            forget_device(ports, &item.key, &pending).await;
            continue;
        }
        let Some(integration) =
            integrations::get(&*ports.store, &pending.tenant_id, &pending.integration_id).await?
        else {
            forget_device(ports, &item.key, &pending).await;
            continue;
        };
        let Some(code) = ports
            .secrets
            .get(&device_secret(&pending.tenant_id, &pending.integration_id))
            .await
            .map_err(|e| ConnectError::Unavailable(e.to_string()))?
        else {
            forget_device(ports, &item.key, &pending).await;
            continue;
        };
        let client = client_for(&integration.value);
        let device_code = marketdesk_allegro::DeviceCode::new(code.expose_secret().to_owned());
        match client.poll_device_flow(&device_code).await {
            Ok(DevicePoll::Tokens(answer)) => {
                connect_with(
                    ports,
                    &client,
                    &pending.tenant_id,
                    &pending.integration_id,
                    &answer,
                )
                .await?;
                forget_device(ports, &item.key, &pending).await;
                connected += 1;
            }
            Ok(poll @ (DevicePoll::Pending | DevicePoll::SlowDown)) => {
                let mut next = pending.clone();
                if matches!(poll, DevicePoll::SlowDown) {
                    next.interval_seconds += 5;
                }
                next.next_poll_at = now + Duration::seconds(next.interval_seconds);
                let data = serde_json::to_value(&next)
                    .map_err(|e| ConnectError::Unavailable(e.to_string()))?;
                let updated = Item {
                    version: item.version + 1,
                    data,
                    ..item.clone()
                };
                match ports
                    .store
                    .put(updated, Condition::VersionIs(item.version))
                    .await
                {
                    Ok(()) | Err(StoreError::ConditionFailed) => {}
                    Err(e) => return Err(ConnectError::Unavailable(e.to_string())),
                }
            }
            Ok(_) => {
                tracing::warn!(integration = %pending.integration_id, "device authorization expired or was denied");
                forget_device(ports, &item.key, &pending).await;
            }
            Err(error) => {
                tracing::warn!(integration = %pending.integration_id, %error, "device poll failed; will retry");
            }
        }
    }
    Ok(connected)
}

/// Drops a finished, expired or orphaned device grant and its code.
async fn forget_device(ports: &Ports, key: &Key, pending: &PendingDevice) {
    // Both are removed best-effort: a leftover expires with the item's TTL or is overwritten.
    let _ = ports.store.delete(key, Condition::None).await;
    let _ = ports
        .secrets
        .delete(&device_secret(&pending.tenant_id, &pending.integration_id))
        .await;
}
