//! The bodies of `POST /v1/integrations` and `PATCH /v1/integrations/{id}`: unknown fields
//! are refused, and "absent" is told from "null" where a field can be cleared.

use crate::domain::{BusinessHours, ConversationKind, Environment, IntegrationKind, TicketStatus};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

fn active_by_default() -> bool {
    true
}

/// Tells "absent" (`None`) from "null" (`Some(None)`) for fields that can be cleared.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The body of `POST /v1/integrations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    /// `allegro` or `empikplace`.
    pub kind: IntegrationKind,
    /// Name shown to agents.
    pub display_name: String,
    /// `production` (default) or `sandbox`.
    #[serde(default)]
    pub environment: Environment,
    /// The on/off switch (default on).
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// Settings; anything left out keeps its default.
    #[serde(default)]
    pub settings: SettingsPatch,
    /// EmpikPlace only, and required there: the shop's Mirakl API key (write-only).
    #[serde(default)]
    pub api_key: Option<SecretString>,
}

/// The body of `PATCH /v1/integrations/{id}`: only what is given changes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationPatch {
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The on/off switch; switching on restarts the import window (`enabled_at`).
    #[serde(default)]
    pub active: Option<bool>,
    /// Settings to change.
    #[serde(default)]
    pub settings: Option<SettingsPatch>,
    /// EmpikPlace only: a replacement API key (re-authentication).
    #[serde(default)]
    pub api_key: Option<SecretString>,
}

/// Settings to set; absent fields keep their value, `null` clears the optional ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// CRM text field matched against the buyer's login; empty turns CRM linking off.
    #[serde(default)]
    pub crm_field: Option<String>,
    /// Queue of new tickets (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub ticket_queue: Option<Option<String>>,
    /// Category of new tickets (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub ticket_category: Option<Option<String>>,
    /// Marketplace state → ticket status; absent states keep their mapping.
    #[serde(default)]
    pub status_mapping: Option<StatusMappingPatch>,
    /// Default text of a request to confirm the problem is solved (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub closure_message: Option<Option<String>>,
    /// Autoresponder settings to change.
    #[serde(default)]
    pub autoresponder: Option<AutoresponderPatch>,
    /// Addresses told when the account needs attention.
    #[serde(default)]
    pub alert_emails: Option<Vec<String>>,
    /// EmpikPlace: the shop to act on when the API key reaches several (`null`: the key's own).
    #[serde(default, deserialize_with = "nullable")]
    pub shop_id: Option<Option<i64>>,
    /// Plain-text signature appended to agents' replies (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    pub signature: Option<Option<String>>,
    /// Response targets and their calendar (the SLA clock).
    #[serde(default)]
    pub sla: Option<crate::services::sla::SlaPatch>,
    /// Orders (Allegro accounts only).
    #[serde(default)]
    pub orders: Option<OrdersPatch>,
    /// What goes to the ERP with an order (Allegro accounts only).
    #[serde(default)]
    pub erp: Option<ErpPatch>,
    /// Offers (Allegro accounts only).
    #[serde(default)]
    pub offers: Option<crate::services::offer_settings::OffersPatch>,
}

/// ERP settings to change (Allegro accounts only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpPatch {
    /// Which customer cards go with an order: `none` (an unspecified customer), `all`,
    /// `with_nip`.
    #[serde(default, deserialize_with = "not_null")]
    pub customers: Option<crate::domain::erp::ErpCustomers>,
}

/// A value that may be absent (`None`) but not `null`: `null` is refused like any other
/// value of the wrong type, instead of silently keeping the stored one.
fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Order settings to change (Allegro accounts only).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersPatch {
    /// Whether the order journal is read.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Whether paid checkout forms become orders at once.
    #[serde(default)]
    pub create_automatically: Option<bool>,
    /// Where a new journal starts (`null`: at the newest event); see
    /// [`super::orders::check_from`] for when it is accepted.
    #[serde(default, deserialize_with = "nullable")]
    pub from: Option<Option<DateTime<Utc>>>,
}

/// Status mapping entries to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusMappingPatch {
    /// Status of a new or ongoing conversation.
    #[serde(default)]
    pub open: Option<TicketStatus>,
    /// Status when the marketplace marks the problem resolved.
    #[serde(default)]
    pub resolved: Option<TicketStatus>,
    /// Status when the marketplace marks the problem unresolved.
    #[serde(default)]
    pub unresolved: Option<TicketStatus>,
    /// Status when a claim is accepted.
    #[serde(default)]
    pub claim_accepted: Option<TicketStatus>,
    /// Status when a claim is rejected.
    #[serde(default)]
    pub claim_rejected: Option<TicketStatus>,
}

/// Autoresponder settings to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoresponderPatch {
    /// Whether autoresponses are sent.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Plain text of the autoresponse.
    #[serde(default)]
    pub text: Option<String>,
    /// Minutes to wait after the buyer's first message (0–55).
    #[serde(default)]
    pub delay_minutes: Option<u32>,
    /// Addresses told about each autoresponse.
    #[serde(default)]
    pub notify: Option<Vec<String>>,
    /// Business hours in Europe/Warsaw (`null`: always the main text).
    #[serde(default, deserialize_with = "nullable")]
    pub business_hours: Option<Option<BusinessHours>>,
    /// Text sent outside business hours (`null`: the main text).
    #[serde(default, deserialize_with = "nullable")]
    pub out_of_hours_text: Option<Option<String>>,
    /// Conversation kinds answered.
    #[serde(default)]
    pub kinds: Option<Vec<ConversationKind>>,
}
