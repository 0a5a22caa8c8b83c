//! Account connector port: connecting a marketplace account through OAuth (Allegro), as the
//! API's OAuth routes need it. Implemented by the channel layer.

use crate::domain::Integration;
use crate::ports::Ports;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What the admin needs to finish a device-flow grant.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceAuthorizationInfo {
    /// The code to confirm on the marketplace's page.
    pub user_code: String,
    /// The page to confirm it on.
    pub verification_uri: String,
    /// The page with the code filled in, when the marketplace gives one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub verification_uri_complete: Option<String>,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// Why a connection step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectFailure {
    /// This deployment has no marketplace application configured.
    #[error("no Allegro application is configured (set MARKETDESK_ALLEGRO_CLIENT_ID and the client secret)")]
    NotConfigured,
    /// No public URL is known for the OAuth callback.
    #[error("no public URL is configured for the OAuth callback (MARKETDESK_PUBLIC_URL); use the device flow")]
    NoCallbackUrl,
    /// The `state` is unknown, used or expired.
    #[error(
        "this authorization link is unknown, already used or expired; start again from marketdesk"
    )]
    UnknownState,
    /// The integration is gone or is not an OAuth account.
    #[error("the integration does not exist or does not connect through OAuth")]
    NotApplicable,
    /// The marketplace refused.
    #[error("the marketplace refused the authorization: {0}")]
    Refused(String),
    /// The marketplace or a backing service failed; try again.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
}

/// Connects marketplace accounts through OAuth.
#[async_trait]
pub trait AccountConnector: Send + Sync {
    /// The marketplace's authorization page for `integration` (state and PKCE stored).
    async fn authorize_url(
        &self,
        ports: &Ports,
        integration: &Integration,
    ) -> Result<String, ConnectFailure>;

    /// Finishes the flow for a callback's `state` and `code`: the integration, now connected.
    async fn complete_authorization(
        &self,
        ports: &Ports,
        state: &str,
        code: &str,
    ) -> Result<Integration, ConnectFailure>;

    /// Starts the device flow for `integration`; it completes in the background.
    async fn start_device(
        &self,
        ports: &Ports,
        integration: &Integration,
    ) -> Result<DeviceAuthorizationInfo, ConnectFailure>;
}

/// The connector of a deployment without a marketplace application: every step says so.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoConnector;

#[async_trait]
impl AccountConnector for NoConnector {
    async fn authorize_url(&self, _: &Ports, _: &Integration) -> Result<String, ConnectFailure> {
        Err(ConnectFailure::NotConfigured)
    }

    async fn complete_authorization(
        &self,
        _: &Ports,
        _: &str,
        _: &str,
    ) -> Result<Integration, ConnectFailure> {
        Err(ConnectFailure::NotConfigured)
    }

    async fn start_device(
        &self,
        _: &Ports,
        _: &Integration,
    ) -> Result<DeviceAuthorizationInfo, ConnectFailure> {
        Err(ConnectFailure::NotConfigured)
    }
}
