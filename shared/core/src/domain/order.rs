//! Marketdesk orders, made of the paid checkout forms (`domain::checkout_form`) read from
//! Allegro's order journal (issue 17).

use super::checkout_form::Money;
use super::erp::BuyerCard;
use crate::domain::Actor;
use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Per-integration order settings. Allegro orders: whether the order journal is read (one
/// call per poll interval) and whether paid checkout forms become orders at once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderSettings {
    /// Where a new journal starts: the first event at or after this time instead of the
    /// newest (only for accounts added within the last 7 days; Allegro keeps 60 days): where
    /// the journal started (or will start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub from: Option<DateTime<Utc>>,
    /// Whether the order journal is read at all (one more call per poll interval).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub enabled: bool,
    /// Paid checkout forms become orders at once; otherwise they wait for an agent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub create_automatically: bool,
}

/// A marketdesk order's own status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid, to be fulfilled.
    New,
    /// Cancelled on the marketplace (before or after payment).
    Cancelled,
}

/// A marketdesk order (made of a paid checkout form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    /// `ord-<integration>-<checkout form id>`: one form, one order.
    pub id: String,
    /// The owning tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The integration.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// The checkout form it was made of.
    pub checkout_form_id: String,
    /// Status.
    pub status: OrderStatus,
    /// The marketplace's fulfillment status as last read (`NEW`, `SENT`, …).
    pub fulfillment_status: Option<String>,
    /// The buyer's login.
    pub buyer_login: String,
    /// Total to pay.
    pub total: Option<Money>,
    /// The agent or API key that created it; `null`: created automatically.
    pub created_by: Option<Actor>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The buyer as a CRM customer card as of this order (matched by login, or created:
    /// customer, company, NIP, addresses, type). The ERP gets it in `customer` as configured
    /// instead; `null` there, and for orders stored before cards existed.
    #[serde(default)]
    pub buyer_card: Option<BuyerCard>,
}

impl Order {
    /// The order id of a checkout form read through an integration.
    pub fn id_for(integration: &IntegrationId, checkout_form_id: &str) -> String {
        format!("ord-{integration}-{checkout_form_id}")
    }
}
