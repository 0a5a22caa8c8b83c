//! OAuth provider port: the marketplace's side of connecting an account (the authorization
//! URL, the code exchange, the device flow, the account's name). The core's
//! `services::connect` keeps the flow's state, stores the tokens and connects the integration;
//! the adapter (Allegro) only talks to the marketplace.

use super::ConnectFailure;
use crate::domain::Integration;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::time::Duration;

/// An authorization request for the admin's browser.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The marketplace's authorization page, with `state` and the PKCE challenge.
    pub url: String,
    /// The random `state` the callback must bring back.
    pub state: String,
    /// The PKCE verifier matching the challenge (the code exchange sends it).
    pub pkce_verifier: SecretString,
}

/// The tokens of a fresh grant, as the marketplace sent them.
#[derive(Clone)]
pub struct Grant {
    /// The access token.
    pub access_token: SecretString,
    /// The refresh token (a grant without one cannot be kept).
    pub refresh_token: Option<SecretString>,
    /// When the access token stops working.
    pub access_expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("access_expires_at", &self.access_expires_at)
            .finish_non_exhaustive()
    }
}

/// A started device flow.
#[derive(Clone)]
pub struct DeviceStart {
    /// The code the poll sends (a credential: the core keeps it in the secrets port).
    pub device_code: SecretString,
    /// The code the seller confirms.
    pub user_code: String,
    /// The page to confirm it on.
    pub verification_uri: String,
    /// The page with the code filled in, when the marketplace gives one.
    pub verification_uri_complete: Option<String>,
    /// How long the codes work.
    pub expires_in: Duration,
    /// The least pause between polls.
    pub interval: Duration,
}

impl std::fmt::Debug for DeviceStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceStart")
            .field("user_code", &self.user_code)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// What one poll of a device grant found.
#[derive(Debug, Clone)]
pub enum DevicePoll {
    /// The seller confirmed: the grant.
    Granted(Grant),
    /// Not confirmed yet.
    Pending,
    /// Not confirmed yet, and the marketplace asks for longer pauses.
    SlowDown,
    /// The codes expired or the seller declined: the grant is over.
    Ended,
}

/// The marketplace's side of connecting an account.
#[async_trait]
pub trait OAuthProvider: Send + Sync {
    /// A new authorization request for `integration` returning to `redirect_uri`.
    fn authorization_request(
        &self,
        integration: &Integration,
        redirect_uri: &str,
    ) -> Result<AuthorizationRequest, ConnectFailure>;

    /// Exchanges a callback's `code` for a grant.
    async fn exchange_code(
        &self,
        integration: &Integration,
        code: &str,
        redirect_uri: &str,
        pkce_verifier: &SecretString,
    ) -> Result<Grant, ConnectFailure>;

    /// The account's login at the marketplace, to name the integration.
    async fn account_login(
        &self,
        integration: &Integration,
        access_token: &SecretString,
    ) -> Result<Option<String>, ConnectFailure>;

    /// Starts the device flow for `integration`.
    async fn start_device(&self, integration: &Integration) -> Result<DeviceStart, ConnectFailure>;

    /// Polls a device grant once.
    async fn poll_device(
        &self,
        integration: &Integration,
        device_code: &SecretString,
    ) -> Result<DevicePoll, ConnectFailure>;
}
