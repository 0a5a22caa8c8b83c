//! What an EmpikPlace adapter gets from the core ([`EmpikAccess`]: the time, the shops' stored
//! API keys and the request budget), and the Mirakl client of one shop built from them.

use super::errors::to_marketplace_error;
use crate::budget::EmpikShopGate;
use marketdesk_core::domain::Integration;
use marketdesk_core::ports::{ApiKeys, CallBudget, Clock, MarketplaceError};
use marketdesk_mirakl::{MiraklClient, MiraklConfig};
use secrecy::ExposeSecret;
use std::sync::Arc;

/// The narrow ports an EmpikPlace adapter uses.
#[derive(Clone)]
pub struct EmpikAccess {
    /// The only source of "now".
    pub clock: Arc<dyn Clock>,
    /// The shops' API keys.
    pub api_keys: Arc<dyn ApiKeys>,
    /// The request budget every worker shares (a 429 blocks the shop for all).
    pub budget: Arc<dyn CallBudget>,
}

impl EmpikAccess {
    /// The access of adapters using these ports.
    pub fn new(
        clock: Arc<dyn Clock>,
        api_keys: Arc<dyn ApiKeys>,
        budget: Arc<dyn CallBudget>,
    ) -> Self {
        Self {
            clock,
            api_keys,
            budget,
        }
    }

    /// A client of `integration`'s shop with its stored API key, calling `base_url`.
    pub(crate) fn client_with(
        &self,
        integration: &Integration,
        key: &secrecy::SecretString,
        base_url: &str,
        user_agent: &str,
        max_answer_bytes: u64,
    ) -> Result<MiraklClient, MarketplaceError> {
        let config = MiraklConfig::new(key.expose_secret().to_owned())
            .with_base_url(base_url.to_owned())
            .with_shop_id(integration.settings.shop_id)
            .with_user_agent(user_agent.to_owned())
            .with_max_answer_bytes(max_answer_bytes)
            .with_gate(Arc::new(EmpikShopGate::new(
                self.budget.clone(),
                &integration.id.0,
            )));
        MiraklClient::new(config).map_err(to_marketplace_error)
    }

    /// The stored API key of `integration`; `CredentialsRejected` when none is stored.
    pub(crate) async fn api_key(
        &self,
        integration: &Integration,
    ) -> Result<secrecy::SecretString, MarketplaceError> {
        self.api_keys
            .api_key(integration)
            .await?
            .ok_or_else(|| MarketplaceError::CredentialsRejected("no API key stored".into()))
    }
}
