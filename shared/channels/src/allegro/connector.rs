//! The Allegro account connector behind the API's OAuth routes.

use super::client::AllegroClients;
use super::connect::{self, ConnectError};
use async_trait::async_trait;
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::{AccountConnector, ConnectFailure, DeviceAuthorizationInfo, Ports};
use marketdesk_core::repo::integrations;

/// Connects Allegro accounts with the installation's registered application.
pub struct AllegroConnector {
    clients: AllegroClients,
    redirect_uri: Option<String>,
}

impl AllegroConnector {
    /// A connector sending browsers back to `redirect_uri` (`None`: device flow only).
    pub fn new(clients: AllegroClients, redirect_uri: Option<String>) -> Self {
        Self {
            clients,
            redirect_uri,
        }
    }
}

fn failure(error: ConnectError) -> ConnectFailure {
    match error {
        ConnectError::UnknownState => ConnectFailure::UnknownState,
        ConnectError::NoIntegration => ConnectFailure::NotApplicable,
        ConnectError::Refused(reason) => ConnectFailure::Refused(reason),
        ConnectError::Unavailable(reason) => ConnectFailure::Unavailable(reason),
    }
}

#[async_trait]
impl AccountConnector for AllegroConnector {
    async fn authorize_url(
        &self,
        ports: &Ports,
        integration: &Integration,
    ) -> Result<String, ConnectFailure> {
        let redirect_uri = self
            .redirect_uri
            .as_deref()
            .ok_or(ConnectFailure::NoCallbackUrl)?;
        connect::start(
            ports,
            self.clients.for_integration(integration),
            integration,
            redirect_uri,
        )
        .await
        .map_err(failure)
    }

    async fn complete_authorization(
        &self,
        ports: &Ports,
        state: &str,
        code: &str,
    ) -> Result<Integration, ConnectFailure> {
        let pending = connect::take_pending(ports, state).await.map_err(failure)?;
        let integration =
            integrations::get(&*ports.store, &pending.tenant_id, &pending.integration_id)
                .await
                .map_err(|e| ConnectFailure::Unavailable(e.to_string()))?
                .ok_or(ConnectFailure::NotApplicable)?
                .value;
        connect::finish(
            ports,
            self.clients.for_integration(&integration),
            &pending,
            code,
        )
        .await
        .map_err(failure)
    }

    async fn start_device(
        &self,
        ports: &Ports,
        integration: &Integration,
    ) -> Result<DeviceAuthorizationInfo, ConnectFailure> {
        connect::start_device(
            ports,
            self.clients.for_integration(integration),
            integration,
        )
        .await
        .map_err(failure)
    }
}
