//! The bodies of `POST /v1/integrations` and `PATCH /v1/integrations/{id}`: unknown fields
//! are refused, and "absent" is told from "null" where a field can be cleared.

use crate::domain::erp::ErpCustomers;
use crate::domain::{BusinessHours, ConversationKind, Environment, Marketplace, TicketStatus};
use crate::services::offer_settings::OffersPatch;
use crate::services::sla::SlaPatch;
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    /// `allegro` or `empikplace`.
    pub kind: Marketplace,
    /// Name shown to agents.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub display_name: String,
    /// `production` (default) or `sandbox` (test mode).
    #[serde(default)]
    pub environment: Environment,
    /// The on/off switch (default on).
    #[serde(default = "active_by_default")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub active: bool,
    /// Settings; anything left out keeps its default.
    #[serde(default)]
    pub settings: SettingsPatch,
    /// EmpikPlace only, and required there: the shop's Mirakl API key. Stored as a secret,
    /// never returned.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, write_only, min_length = 1, max_length = 256, pattern = r"^[^\s\x00-\x1F\x7F-\x9F]+$"))]
    pub api_key: Option<SecretString>,
}

/// The body of `PATCH /v1/integrations/{id}`: only what is given changes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationPatch {
    /// New display name.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub display_name: Option<String>,
    /// The on/off switch; switching on restarts the import window (`enabled_at`).
    #[serde(default)]
    pub active: Option<bool>,
    /// Settings to change.
    #[serde(default)]
    pub settings: Option<SettingsPatch>,
    /// EmpikPlace only: a replacement API key (re-authentication).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, write_only, min_length = 1, max_length = 256, pattern = r"^[^\s\x00-\x1F\x7F-\x9F]+$"))]
    pub api_key: Option<SecretString>,
}

/// Settings to set; absent fields keep their value, `null` clears the optional ones.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// CRM text field matched against the buyer's login. One line; blank turns CRM linking off.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = r"^(\s*|[^\x00-\x1F\x7F-\x9F]*)$")
    )]
    pub crm_field: Option<String>,
    /// Queue of new tickets (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"))]
    pub ticket_queue: Option<Option<String>>,
    /// Category of new tickets (`null`: none).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"))]
    pub ticket_category: Option<Option<String>>,
    /// Marketplace state → ticket status; absent states keep their mapping.
    #[serde(default)]
    pub status_mapping: Option<StatusMappingPatch>,
    /// Default text of a request to confirm the problem is solved (`null`: none). Plain text;
    /// HTML is refused.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 20000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"))]
    pub closure_message: Option<Option<String>>,
    /// Autoresponder settings to change.
    #[serde(default)]
    pub autoresponder: Option<AutoresponderPatch>,
    /// Addresses told when the account needs attention.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_items = 10, format = "email", max_length = 254)
    )]
    pub alert_emails: Option<Vec<String>>,
    /// EmpikPlace only: the shop to act on when the API key reaches several (`null`: the key's
    /// own).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1))]
    pub shop_id: Option<Option<i64>>,
    /// Plain text (HTML is refused) appended below agents' replies after a blank line when
    /// they are stored, so the ticket shows what the buyer gets; not to autoresponses or
    /// comments. The conversation's length limit counts it. `null`: none.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"))]
    pub signature: Option<Option<String>>,
    /// Response targets and their calendar (the SLA clock).
    #[serde(default)]
    pub sla: Option<SlaPatch>,
    /// Orders (Allegro accounts only).
    #[serde(default)]
    pub orders: Option<OrdersPatch>,
    /// What goes to the ERP with an order (Allegro accounts only).
    #[serde(default)]
    pub erp: Option<ErpPatch>,
    /// Offers (Allegro accounts only; 422 naming `settings.offers` otherwise).
    #[serde(default)]
    pub offers: Option<OffersPatch>,
}

/// ERP settings to change (Allegro accounts only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpPatch {
    /// Which customer cards go with an order: `none` (default: orders go to the ERP with the
    /// unspecified customer), `all` (every buyer's card) or `with_nip` (only cards with a
    /// NIP). Allegro accounts only; another value is refused with 422 naming
    /// `settings.erp.customers`.
    #[serde(default, deserialize_with = "not_null")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub customers: Option<ErpCustomers>,
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersPatch {
    /// Read the account's order journal (one more Allegro call per poll interval). Allegro
    /// accounts only.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Paid checkout forms become orders at once; otherwise they wait in
    /// `GET /v1/orders/paid-forms` for an agent.
    #[serde(default)]
    pub create_automatically: Option<bool>,
    /// Start a new journal at the first order event at or after this time instead of the
    /// newest (events before it are skipped). Accepted only for accounts added within the last
    /// 7 days (code `orders_from_not_allowed`), not in the future (`orders_from_in_future`)
    /// and not more than 60 days ago, which is what Allegro keeps (`orders_from_too_early`);
    /// all answered 422 with `field` `settings.orders.from` ([`super::orders::check_from`]).
    /// Set it before the first orders poll (before enabling). `null`: start at the newest event.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub from: Option<Option<DateTime<Utc>>>,
}

/// Status mapping entries to change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoresponderPatch {
    /// Whether autoresponses are sent.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Plain text with the placeholders `{buyer_login}`, `{order_id}`, `{shop_name}`; required
    /// (not empty) when enabled.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2000,
            pattern = r"^$|^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
        )
    )]
    pub text: Option<String>,
    /// Minutes to wait after the buyer's first message (0–55).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 55))]
    pub delay_minutes: Option<u32>,
    /// Told about every autoresponse sent.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_items = 10, format = "email", max_length = 254)
    )]
    pub notify: Option<Vec<String>>,
    /// Business hours in Europe/Warsaw (`null`: always the main text). When set with
    /// `out_of_hours_text`, buyers writing outside these hours get that text.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<BusinessHours>))]
    pub business_hours: Option<Option<BusinessHours>>,
    /// Text sent outside business hours (`null`: the main text). Plain text with the same
    /// placeholders.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, min_length = 1, max_length = 2000, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"))]
    pub out_of_hours_text: Option<Option<String>>,
    /// Conversation kinds answered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub kinds: Option<Vec<ConversationKind>>,
}
