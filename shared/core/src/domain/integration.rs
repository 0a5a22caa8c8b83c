//! Integrations: a seller's connected marketplace accounts and their settings.

use super::business_hours::BusinessHours;
use super::cursor::Channel;
use super::marketplace::Marketplace;
use super::offer::OfferSettings;
use super::ticket::ConversationKind;
use super::ticket_status::TicketStatus;
use super::workflow::SlaSettings;
use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Production or the marketplace's sandbox (test mode).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// The real marketplace.
    #[default]
    Production,
    /// The marketplace's test environment.
    Sandbox,
}

/// Whether marketdesk holds working credentials for the account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Created but never authorised.
    #[default]
    Pending,
    /// Credentials work.
    Connected,
    /// Credentials died (e.g. invalid_grant): polling stops until re-authentication.
    Disconnected {
        /// Why, in words an admin can act on.
        reason: String,
        /// When it happened.
        since: DateTime<Utc>,
    },
}

/// Maps a marketplace's conversation states onto the tenant's ticket statuses.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusMapping {
    /// Ticket status for a new or ongoing conversation.
    pub open: TicketStatus,
    /// Ticket status when the marketplace marks the problem resolved.
    pub resolved: TicketStatus,
    /// Ticket status when the marketplace marks the problem unresolved.
    pub unresolved: TicketStatus,
    /// Ticket status when a claim is accepted.
    pub claim_accepted: TicketStatus,
    /// Ticket status when a claim is rejected.
    pub claim_rejected: TicketStatus,
}

impl Default for StatusMapping {
    fn default() -> Self {
        Self {
            open: TicketStatus::Open,
            resolved: TicketStatus::Solved,
            unresolved: TicketStatus::Closed,
            claim_accepted: TicketStatus::Solved,
            claim_rejected: TicketStatus::Closed,
        }
    }
}

/// Autoresponder settings of one integration (the rules live in the autoresponder module).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoresponderSettings {
    /// Whether autoresponses are sent at all.
    pub enabled: bool,
    /// Plain text with `{buyer_login}`, `{order_id}`, `{shop_name}` placeholders.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub text: String,
    /// Minutes to wait after the buyer's first message before answering (at most 55).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 55))]
    pub delay_minutes: u32,
    /// Addresses told about every autoresponse sent.
    #[cfg_attr(
        feature = "openapi",
        schema(max_items = 10, format = "email", max_length = 254)
    )]
    pub notify: Vec<String>,
    /// When the shop is staffed (Europe/Warsaw); outside them `out_of_hours_text` is sent.
    #[serde(default)]
    pub business_hours: Option<BusinessHours>,
    /// Text for buyers writing outside business hours (same placeholders); `None` = `text`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub out_of_hours_text: Option<String>,
    /// Conversation kinds answered (default: all).
    #[serde(default = "all_kinds")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub kinds: Vec<ConversationKind>,
}

/// Every conversation kind the autoresponder can answer.
pub fn all_kinds() -> Vec<ConversationKind> {
    vec![
        ConversationKind::AllegroDispute,
        ConversationKind::AllegroClaim,
        ConversationKind::AllegroPurchaseProblem,
        ConversationKind::AllegroCommonThread,
        ConversationKind::EmpikThread,
    ]
}

impl Default for AutoresponderSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            text: String::new(),
            delay_minutes: 2,
            notify: Vec::new(),
            business_hours: None,
            out_of_hours_text: None,
            kinds: all_kinds(),
        }
    }
}

/// What an admin configures on an integration.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IntegrationSettings {
    /// CRM text field matched against the buyer's marketplace login or customer id (empty: no
    /// CRM linking).
    pub crm_field: String,
    /// Queue new tickets go to.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ticket_queue: Option<String>,
    /// Category new tickets get.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ticket_category: Option<String>,
    /// Marketplace state → ticket status.
    pub status_mapping: StatusMapping,
    /// Text sent with a request to confirm the problem is solved (Allegro disputes).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub closure_message: Option<String>,
    /// Autoresponder settings.
    pub autoresponder: AutoresponderSettings,
    /// Addresses told when the account needs attention (e.g. it was disconnected).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_items = 10, format = "email", max_length = 254)
    )]
    pub alert_emails: Vec<String>,
    /// EmpikPlace: the shop to act on when the API key reaches several shops.
    #[serde(default)]
    pub shop_id: Option<i64>,
    /// Plain-text signature appended to agents' replies (not to autoresponses or comments).
    #[serde(default)]
    pub signature: Option<String>,
    /// Response targets and their calendar (the SLA clock).
    #[serde(default)]
    pub sla: SlaSettings,
    /// Orders (Allegro): whether the journal is read, and whether paid forms become orders.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub orders: super::order::OrderSettings,
    /// What goes to the seller's ERP with an order (Allegro): which customer cards.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub erp: super::erp::ErpSettings,
    /// Offers (Allegro): reading, linking to products, stock control, renewal, price sync.
    #[serde(default)]
    pub offers: OfferSettings,
}

/// A connected marketplace account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// The integration's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: IntegrationId,
    /// The owning tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// Allegro or EmpikPlace.
    pub kind: Marketplace,
    /// Name shown to agents (the marketplace login or shop name until renamed).
    pub display_name: String,
    /// Production or sandbox.
    pub environment: Environment,
    /// The admin's on/off switch; inactive integrations are not polled.
    pub active: bool,
    /// Whether working credentials are held.
    pub connection: ConnectionState,
    /// Admin settings.
    pub settings: IntegrationSettings,
    /// When the integration was created.
    pub created_at: DateTime<Utc>,
    /// When it was last switched on: older EmpikPlace conversations are not imported.
    pub enabled_at: DateTime<Utc>,
}

impl Integration {
    /// A new, active integration waiting for its credentials, with default settings.
    pub fn new(
        id: IntegrationId,
        tenant_id: TenantId,
        kind: Marketplace,
        display_name: impl Into<String>,
        environment: Environment,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            tenant_id,
            kind,
            display_name: display_name.into(),
            environment,
            active: true,
            connection: ConnectionState::Pending,
            settings: IntegrationSettings::default(),
            created_at: now,
            enabled_at: now,
        }
    }

    /// The channels the scheduler polls: the kind's conversations, plus Allegro's order
    /// journal when orders are switched on and its offers when offers are.
    pub fn poll_channels(&self) -> Vec<Channel> {
        let mut channels = self.kind.channels().to_vec();
        if self.kind == Marketplace::Allegro && self.settings.orders.enabled {
            channels.push(Channel::AllegroOrders);
        }
        if self.kind == Marketplace::Allegro && self.settings.offers.enabled {
            channels.push(Channel::AllegroOffers);
        }
        channels
    }

    /// Whether the scheduler should poll this integration now.
    pub fn should_poll(&self) -> bool {
        self.active && self.connection == ConnectionState::Connected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn integration(active: bool, connection: ConnectionState) -> Integration {
        let now = Utc::now();
        Integration {
            id: IntegrationId::generate(),
            tenant_id: TenantId::from("t1"),
            kind: Marketplace::Allegro,
            display_name: "shop".into(),
            environment: Environment::Sandbox,
            active,
            connection,
            settings: IntegrationSettings::default(),
            created_at: now,
            enabled_at: now,
        }
    }

    #[test]
    fn only_active_connected_integrations_are_polled() {
        assert!(integration(true, ConnectionState::Connected).should_poll());
        assert!(!integration(false, ConnectionState::Connected).should_poll());
        assert!(!integration(true, ConnectionState::Pending).should_poll());
        let dead = ConnectionState::Disconnected {
            reason: "invalid_grant".into(),
            since: Utc::now(),
        };
        assert!(!integration(true, dead).should_poll());
    }

    #[test]
    fn allegro_is_polled_on_both_inboxes() {
        assert_eq!(
            Marketplace::Allegro.channels(),
            &[Channel::AllegroIssues, Channel::AllegroMessaging]
        );
        assert_eq!(Marketplace::Empik.channels(), &[Channel::EmpikThreads]);
    }
}
