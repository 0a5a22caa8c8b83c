//! Polling EmpikPlace inbox threads (M11) into inbound events.

use super::errors::to_marketplace_error;
use super::mapping;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketdesk_core::domain::{Integration, PollCursor};
use marketdesk_core::ports::{ConversationSource, MarketplaceError, PollBatch, Ports};
use marketdesk_core::services::integrations::api_key_secret_name;
use marketdesk_mirakl::{MiraklClient, MiraklConfig, ThreadQuery};
use secrecy::ExposeSecret;
use std::collections::HashMap;

/// Re-read this much before the stored watermark: the deliberate overlap absorbs clock skew
/// and threads updated while the previous poll was paging; ingest de-duplicates.
const OVERLAP: Duration = Duration::minutes(2);

/// Reads EmpikPlace threads changed since the cursor.
pub struct EmpikThreadsSource {
    ports: Ports,
    base_url: String,
    user_agent: String,
    max_answer_bytes: u64,
}

impl EmpikThreadsSource {
    /// A source calling EmpikPlace at `base_url` (the simulator's address in tests).
    pub fn new(ports: Ports, base_url: impl Into<String>, user_agent: impl Into<String>) -> Self {
        Self {
            ports,
            base_url: base_url.into(),
            max_answer_bytes: marketdesk_mirakl::DEFAULT_MAX_ANSWER_BYTES,
            user_agent: user_agent.into(),
        }
    }

    /// The same channel with another cap on Mirakl answers (`MARKETDESK_MAX_ANSWER_BYTES`).
    pub fn with_max_answer_bytes(mut self, limit: u64) -> Self {
        self.max_answer_bytes = limit;
        self
    }

    /// A client with the integration's API key.
    pub async fn client(
        &self,
        integration: &Integration,
    ) -> Result<MiraklClient, MarketplaceError> {
        let key = self
            .ports
            .secrets
            .get(
                &api_key_secret_name(&integration.tenant_id, &integration.id)
                    .map_err(|e| MarketplaceError::Refused(e.to_string()))?,
            )
            .await
            .map_err(|e| MarketplaceError::Unavailable(e.to_string()))?
            .ok_or_else(|| MarketplaceError::CredentialsRejected("no API key stored".into()))?;
        let config = MiraklConfig::new(key.expose_secret().to_owned())
            .with_base_url(self.base_url.clone())
            .with_shop_id(integration.settings.shop_id)
            .with_user_agent(self.user_agent.clone())
            .with_max_answer_bytes(self.max_answer_bytes);
        MiraklClient::new(config).map_err(to_marketplace_error)
    }
}

#[async_trait]
impl ConversationSource for EmpikThreadsSource {
    async fn poll(
        &self,
        integration: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError> {
        let client = self.client(integration).await?;
        let watermark = cursor
            .position
            .as_deref()
            .and_then(|p| DateTime::parse_from_rfc3339(p).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(integration.enabled_at);
        let since = (watermark - OVERLAP).max(integration.enabled_at - OVERLAP);
        let threads = client
            .all_threads(&ThreadQuery::new().updated_since(since).with_messages(true))
            .await
            .map_err(to_marketplace_error)?;
        let relevant: Vec<_> = threads
            .into_iter()
            .filter(|t| mapping::has_message_after(t, integration.enabled_at))
            .collect();

        let order_ids: Vec<&str> = relevant.iter().filter_map(|t| t.order_id()).collect();
        let orders: HashMap<String, marketdesk_mirakl::Order> = if order_ids.is_empty() {
            HashMap::new()
        } else {
            client
                .orders_by_ids(&order_ids)
                .await
                .map_err(to_marketplace_error)?
                .into_iter()
                .map(|o| (o.order_id.clone(), o))
                .collect()
        };
        let attachment_url = |id: &str| format!("mirakl-attachment:{id}");
        let events = relevant
            .iter()
            .map(|thread| {
                let order_id = thread.order_id();
                mapping::event(
                    integration,
                    thread,
                    order_id.and_then(|id| orders.get(id)),
                    order_id.map(|id| client.order_url(id)),
                    &attachment_url,
                )
            })
            .collect();
        let newest = relevant
            .iter()
            .filter_map(|t| t.date_updated)
            .max()
            .map_or(watermark, |t| t.max(watermark));
        Ok(PollBatch {
            events,
            next_position: Some(newest.to_rfc3339()),
        })
    }
}
