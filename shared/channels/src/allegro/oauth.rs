//! [`AllegroOAuth`]: the core's [`OAuthProvider`] over Allegro's authorization server, the
//! authorization-code flow with PKCE and the device flow. The core's `services::connect`
//! keeps the flow's state and connects the integration; this only talks to Allegro.

use super::client::AllegroClients;
use super::tokens::DEFAULT_ACCESS_LIFETIME;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketdesk_allegro::{AccessToken, DeviceCode, OAuthError, PkceVerifier};
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::{
    AuthorizationRequest, Clock, ConnectFailure, DevicePoll, DeviceStart, Grant, OAuthProvider,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// Connects Allegro accounts with the installation's registered application.
#[derive(Clone)]
pub struct AllegroOAuth {
    clients: AllegroClients,
    clock: Arc<dyn Clock>,
}

impl AllegroOAuth {
    /// The provider using the client of each integration's environment; `clock` stamps the
    /// tokens' expiry.
    pub fn new(clients: AllegroClients, clock: Arc<dyn Clock>) -> Self {
        Self { clients, clock }
    }
}

/// An OAuth failure in the core's terms: a transient one may be retried, the rest is a refusal.
fn failure(error: OAuthError) -> ConnectFailure {
    if error.is_transient() {
        ConnectFailure::Unavailable(error.to_string())
    } else {
        ConnectFailure::Refused(error.to_string())
    }
}

/// Allegro's answer as a grant, the expiry counted from `now`.
fn grant(answer: &marketdesk_allegro::TokenSet, now: DateTime<Utc>) -> Grant {
    Grant {
        access_token: SecretString::from(answer.access_token.expose().to_owned()),
        refresh_token: answer
            .refresh_token
            .as_ref()
            .map(|token| SecretString::from(token.expose().to_owned())),
        access_expires_at: answer
            .expires_at(now)
            .unwrap_or(now + DEFAULT_ACCESS_LIFETIME),
    }
}

#[async_trait]
impl OAuthProvider for AllegroOAuth {
    fn authorization_request(
        &self,
        integration: &Integration,
        redirect_uri: &str,
    ) -> Result<AuthorizationRequest, ConnectFailure> {
        let request = self
            .clients
            .for_integration(integration)
            .authorization_request(redirect_uri, &[])
            .map_err(failure)?;
        Ok(AuthorizationRequest {
            url: request.url.to_string(),
            state: request.state.clone(),
            pkce_verifier: SecretString::from(request.pkce_verifier.expose().to_owned()),
        })
    }

    async fn exchange_code(
        &self,
        integration: &Integration,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: &SecretString,
    ) -> Result<Grant, ConnectFailure> {
        let verifier = PkceVerifier::new(pkce_verifier.expose_secret().to_owned());
        let answer = self
            .clients
            .for_integration(integration)
            .exchange_code(code, redirect_uri, Some(&verifier))
            .await
            .map_err(failure)?;
        Ok(grant(&answer, self.clock.now()))
    }

    async fn account_login(
        &self,
        integration: &Integration,
        access_token: &SecretString,
    ) -> Result<Option<String>, ConnectFailure> {
        let me = self
            .clients
            .for_integration(integration)
            .me(&AccessToken::new(access_token.expose_secret()))
            .await
            .map_err(|e| ConnectFailure::Unavailable(e.to_string()))?;
        Ok(me.login)
    }

    async fn start_device(&self, integration: &Integration) -> Result<DeviceStart, ConnectFailure> {
        let authorization = self
            .clients
            .for_integration(integration)
            .start_device_flow(&[])
            .await
            .map_err(failure)?;
        Ok(DeviceStart {
            device_code: SecretString::from(authorization.device_code.expose().to_owned()),
            user_code: authorization.user_code,
            verification_uri: authorization.verification_uri,
            verification_uri_complete: authorization.verification_uri_complete,
            expires_in: authorization.expires_in,
            interval: authorization.interval,
        })
    }

    async fn poll_device(
        &self,
        integration: &Integration,
        device_code: &SecretString,
    ) -> Result<DevicePoll, ConnectFailure> {
        let code = DeviceCode::new(device_code.expose_secret().to_owned());
        let poll = self
            .clients
            .for_integration(integration)
            .poll_device_flow(&code)
            .await
            .map_err(failure)?;
        Ok(match poll {
            marketdesk_allegro::DevicePoll::Tokens(answer) => {
                DevicePoll::Granted(grant(&answer, self.clock.now()))
            }
            marketdesk_allegro::DevicePoll::Pending => DevicePoll::Pending,
            marketdesk_allegro::DevicePoll::SlowDown => DevicePoll::SlowDown,
            marketdesk_allegro::DevicePoll::Denied | marketdesk_allegro::DevicePoll::Expired => {
                DevicePoll::Ended
            }
        })
    }
}
