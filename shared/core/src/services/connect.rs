//! Connecting an OAuth account (Allegro): the authorization-code flow with `state` and PKCE,
//! and the device flow for setups without a public callback URL. Both end the same way: the
//! token pair goes to the secrets port, the marketplace names the account, the integration
//! becomes connected. The marketplace's side is the [`OAuthProvider`] port; this keeps the
//! flow's state (`repo::oauth_states`, `repo::device_grants`) and the connection.

use super::ServiceError;
use crate::domain::{ConnectionState, Integration};
use crate::ports::{
    AccountConnector, ConnectFailure, DeviceAuthorizationInfo, DevicePoll, Grant, OAuthProvider,
    Ports, TokenSet,
};
use crate::repo::device_grants::{self, PendingDevice};
use crate::repo::oauth_states::{self, PendingAuthorization};
use crate::repo::{integrations, is_conflict, keys, RepoError};
use async_trait::async_trait;
use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// How long an authorization request may take in the browser.
pub const STATE_LIFETIME: Duration = Duration::minutes(15);
/// Added to a device grant's pause after the marketplace asks to slow down.
const SLOW_DOWN_STEP: i64 = 5;

fn unavailable(error: impl std::fmt::Display) -> ConnectFailure {
    ConnectFailure::Unavailable(error.to_string())
}

impl From<RepoError> for ConnectFailure {
    fn from(error: RepoError) -> Self {
        unavailable(error)
    }
}

impl From<ServiceError> for ConnectFailure {
    fn from(error: ServiceError) -> Self {
        unavailable(error)
    }
}

/// Starts the authorization-code flow: the URL for the admin's browser.
pub async fn start(
    ports: &Ports,
    provider: &dyn OAuthProvider,
    integration: &Integration,
    redirect_uri: &str,
) -> Result<String, ConnectFailure> {
    let request = provider.authorization_request(integration, redirect_uri)?;
    let pending = PendingAuthorization {
        state: request.state.clone(),
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        pkce_verifier: request.pkce_verifier.expose_secret().to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        expires_at: ports.clock.now() + STATE_LIFETIME,
    };
    oauth_states::put(&*ports.store, &pending).await?;
    Ok(request.url)
}

/// The authorization request behind a callback's `state`, taken out (single use).
pub async fn take_pending(
    ports: &Ports,
    state: &str,
) -> Result<PendingAuthorization, ConnectFailure> {
    oauth_states::take(&*ports.store, state, ports.clock.now())
        .await?
        .ok_or(ConnectFailure::UnknownState)
}

/// Finishes the authorization-code flow for a pending request: exchanges the code, stores
/// the pair, names and connects the integration. Returns the connected integration.
pub async fn finish(
    ports: &Ports,
    provider: &dyn OAuthProvider,
    pending: &PendingAuthorization,
    code: &str,
) -> Result<Integration, ConnectFailure> {
    let integration = integrations::get(&*ports.store, &pending.tenant_id, &pending.integration_id)
        .await?
        .ok_or(ConnectFailure::NotApplicable)?
        .value;
    let verifier = SecretString::from(pending.pkce_verifier.clone());
    let grant = provider
        .exchange_code(&integration, code, &pending.redirect_uri, &verifier)
        .await?;
    connect_with(ports, provider, &integration, &grant).await
}

/// Stores a fresh grant and marks the integration connected, named by its marketplace login
/// on first connection (re-authentication keeps an admin's rename).
async fn connect_with(
    ports: &Ports,
    provider: &dyn OAuthProvider,
    integration: &Integration,
    grant: &Grant,
) -> Result<Integration, ConnectFailure> {
    let (tenant, id) = (&integration.tenant_id, &integration.id);
    let Some(refresh_token) = grant.refresh_token.clone() else {
        return Err(ConnectFailure::Refused(
            "Allegro sent no refresh token".into(),
        ));
    };
    let tokens = TokenSet {
        access_token: grant.access_token.clone(),
        refresh_token,
        access_expires_at: grant.access_expires_at,
    };
    let login = provider
        .account_login(integration, &grant.access_token)
        .await?;
    super::tokens::save(ports, tenant, id, &tokens).await?;
    for _ in 0..5 {
        let stored = integrations::get(&*ports.store, tenant, id)
            .await?
            .ok_or(ConnectFailure::NotApplicable)?;
        let mut integration = stored.value.clone();
        if integration.connection == ConnectionState::Pending
            || integration.display_name.trim().is_empty()
        {
            if let Some(login) = login.clone().filter(|l| !l.is_empty()) {
                integration.display_name = login;
            }
        }
        integration.connection = ConnectionState::Connected;
        match integrations::update(&*ports.store, &integration, stored.version).await {
            Ok(()) => {
                tracing::info!(tenant = %tenant, integration = %id, account = %integration.display_name, "Allegro account connected");
                super::connection_changes::record(ports, &stored.value, &integration, None).await;
                return Ok(integration);
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ConnectFailure::Unavailable(
        "the integration kept changing".into(),
    ))
}

/// Starts the device flow; the grant completes in the background ([`complete_devices`]).
pub async fn start_device(
    ports: &Ports,
    provider: &dyn OAuthProvider,
    integration: &Integration,
) -> Result<DeviceAuthorizationInfo, ConnectFailure> {
    let started = provider.start_device(integration).await?;
    let now = ports.clock.now();
    let expires_at = now + Duration::from_std(started.expires_in).unwrap_or(Duration::hours(1));
    let interval = i64::try_from(started.interval.as_secs())
        .unwrap_or(5)
        .max(1);
    // The device code is a credential: it lives in the secrets port, not in the table.
    ports
        .secrets
        .put(
            &keys::device_code_secret(&integration.tenant_id, &integration.id),
            &started.device_code,
        )
        .await
        .map_err(unavailable)?;
    let pending = PendingDevice {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        expires_at,
        next_poll_at: now,
        interval_seconds: interval,
    };
    device_grants::put(&*ports.store, &pending).await?;
    Ok(DeviceAuthorizationInfo {
        user_code: started.user_code,
        verification_uri: started.verification_uri,
        verification_uri_complete: started.verification_uri_complete,
        expires_at,
    })
}

/// Polls every pending device grant that is due once; returns how many got connected.
pub async fn complete_devices(
    ports: &Ports,
    provider: &dyn OAuthProvider,
) -> Result<usize, ConnectFailure> {
    let now = ports.clock.now();
    let mut connected = 0;
    for stored in device_grants::list(&*ports.store).await? {
        let pending = &stored.grant;
        if pending.next_poll_at > now {
            continue;
        }
        if pending.expires_at <= now {
            forget_device(ports, pending).await;
            continue;
        }
        let Some(integration) =
            integrations::get(&*ports.store, &pending.tenant_id, &pending.integration_id).await?
        else {
            forget_device(ports, pending).await;
            continue;
        };
        let Some(code) = ports
            .secrets
            .get(&keys::device_code_secret(
                &pending.tenant_id,
                &pending.integration_id,
            ))
            .await
            .map_err(unavailable)?
        else {
            forget_device(ports, pending).await;
            continue;
        };
        match provider.poll_device(&integration.value, &code).await {
            Ok(DevicePoll::Granted(grant)) => {
                connect_with(ports, provider, &integration.value, &grant).await?;
                forget_device(ports, pending).await;
                connected += 1;
            }
            Ok(poll @ (DevicePoll::Pending | DevicePoll::SlowDown)) => {
                let mut next = pending.clone();
                if matches!(poll, DevicePoll::SlowDown) {
                    next.interval_seconds += SLOW_DOWN_STEP;
                }
                next.next_poll_at = now + Duration::seconds(next.interval_seconds);
                device_grants::replace(&*ports.store, &stored, &next).await?;
            }
            Ok(DevicePoll::Ended) => {
                tracing::warn!(integration = %pending.integration_id, "device authorization expired or was denied");
                forget_device(ports, pending).await;
            }
            Err(error) => {
                tracing::warn!(integration = %pending.integration_id, %error, "device poll failed; will retry");
            }
        }
    }
    Ok(connected)
}

/// Drops a finished, expired or orphaned device grant and its code.
async fn forget_device(ports: &Ports, pending: &PendingDevice) {
    // Both are removed best-effort: a leftover expires with the item's TTL or is overwritten.
    let _ = device_grants::delete(&*ports.store, pending).await;
    let _ = ports
        .secrets
        .delete(&keys::device_code_secret(
            &pending.tenant_id,
            &pending.integration_id,
        ))
        .await;
}

/// The [`AccountConnector`] of the API's OAuth routes over a marketplace's [`OAuthProvider`].
pub struct OAuthConnector {
    provider: Arc<dyn OAuthProvider>,
    redirect_uri: Option<String>,
}

impl OAuthConnector {
    /// A connector sending browsers back to `redirect_uri` (`None`: device flow only).
    pub fn new(provider: Arc<dyn OAuthProvider>, redirect_uri: Option<String>) -> Self {
        Self {
            provider,
            redirect_uri,
        }
    }
}

#[async_trait]
impl AccountConnector for OAuthConnector {
    async fn authorize_url(
        &self,
        ports: &Ports,
        integration: &Integration,
    ) -> Result<String, ConnectFailure> {
        let redirect_uri = self
            .redirect_uri
            .as_deref()
            .ok_or(ConnectFailure::NoCallbackUrl)?;
        start(ports, &*self.provider, integration, redirect_uri).await
    }

    async fn complete_authorization(
        &self,
        ports: &Ports,
        state: &str,
        code: &str,
    ) -> Result<Integration, ConnectFailure> {
        let pending = take_pending(ports, state).await?;
        finish(ports, &*self.provider, &pending, code).await
    }

    async fn start_device(
        &self,
        ports: &Ports,
        integration: &Integration,
    ) -> Result<DeviceAuthorizationInfo, ConnectFailure> {
        start_device(ports, &*self.provider, integration).await
    }
}
