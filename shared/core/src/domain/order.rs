//! Marketplace orders: the checkout forms read from Allegro's order journal, and the marketdesk
//! orders made of the paid ones (issue 17).

use super::erp::BuyerCard;
use crate::domain::Actor;
use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Per-integration order settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OrderSettings {
    /// Where a new journal starts: the first event at or after this time instead of the
    /// newest (only for accounts added within the last 7 days; Allegro keeps 60 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// Whether the order journal is read at all (one more call per poll interval).
    #[serde(default)]
    pub enabled: bool,
    /// Paid checkout forms become orders at once; otherwise they wait for an agent.
    #[serde(default)]
    pub create_automatically: bool,
}

/// A checkout form's status on the marketplace: `bought`, `filled_in`, `ready_for_processing`
/// (paid), `cancelled`, or `{"other": "<as sent>"}` for a status this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FormStatus {
    /// Bought, not filled in.
    Bought,
    /// Filled in, not paid.
    FilledIn,
    /// Paid (or cash on delivery): ready for processing.
    ReadyForProcessing,
    /// Cancelled (by the buyer or the marketplace).
    Cancelled,
    /// A status this build does not know, as sent.
    Other(String),
}

/// An amount as the marketplace wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Decimal text, e.g. `"24.99"`.
    #[cfg_attr(feature = "openapi", schema(example = "24.99"))]
    pub amount: String,
    /// ISO 4217 code.
    #[cfg_attr(feature = "openapi", schema(example = "PLN"))]
    pub currency: String,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostalAddress {
    /// Name of the person (delivery) or empty.
    pub name: String,
    /// Company name, if any.
    pub company: Option<String>,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub zip_code: String,
    /// ISO country code.
    pub country_code: String,
    /// Phone number.
    pub phone: Option<String>,
}

/// The buyer of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderBuyer {
    /// Marketplace user id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Allegro's masked address: it reaches the buyer through Allegro and must not become an
    /// ERP's matching key.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

/// Delivery of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDelivery {
    /// Where to send it.
    pub address: Option<PostalAddress>,
    /// Delivery method name.
    pub method: Option<String>,
    /// Pickup point id, if any.
    pub pickup_point: Option<String>,
    /// Delivery cost.
    pub cost: Option<Money>,
}

/// Invoice data of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderInvoice {
    /// Whether the buyer wants an invoice.
    pub required: bool,
    /// Invoice address (with the company name when a company buys).
    pub address: Option<PostalAddress>,
    /// Polish NIP from `invoice.address.company.ids` (type `PL_NIP`), never the deprecated
    /// `taxId`; if given.
    pub nip: Option<String>,
}

/// One bought item.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// Offer id.
    pub offer_id: String,
    /// Offer title at purchase.
    pub offer_name: String,
    /// The seller's own id of the offer.
    pub external_id: Option<String>,
    /// Units.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub quantity: u64,
    /// Unit price paid.
    pub price: Option<Money>,
}

/// Payment of an order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPayment {
    /// `ONLINE`, `CASH_ON_DELIVERY`, … as sent.
    pub payment_type: Option<String>,
    /// Amount paid.
    pub paid_amount: Option<Money>,
    /// When it was paid.
    pub finished_at: Option<DateTime<Utc>>,
}

/// A checkout form as read from the marketplace (`GET /order/checkout-forms/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckoutFormData {
    /// Checkout form id.
    pub id: String,
    /// Revision tag (changes with every change).
    pub revision: Option<String>,
    /// Status.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub status: FormStatus,
    /// Fulfillment status as sent (`NEW`, `SENT`, …).
    pub fulfillment_status: Option<String>,
    /// The buyer.
    pub buyer: OrderBuyer,
    /// Delivery.
    pub delivery: OrderDelivery,
    /// Invoice data.
    pub invoice: OrderInvoice,
    /// What was bought.
    pub lines: Vec<OrderLine>,
    /// Payment.
    pub payment: OrderPayment,
    /// Total to pay.
    pub total: Option<Money>,
    /// The buyer's note.
    pub message_to_seller: Option<String>,
    /// When the marketplace last changed it.
    pub updated_at: Option<DateTime<Utc>>,
    /// The seller's link to the order on the marketplace.
    pub link: Option<String>,
}

/// A checkout form kept by marketdesk, and the order made of it (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCheckoutForm {
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The integration it was read through.
    pub integration_id: IntegrationId,
    /// The form as last read.
    pub form: CheckoutFormData,
    /// The marketdesk order made of it.
    pub order_id: Option<String>,
    /// When marketdesk last read it.
    pub read_at: DateTime<Utc>,
}

impl StoredCheckoutForm {
    /// Paid and waiting for an agent to create its order.
    pub fn awaits_order(&self) -> bool {
        self.order_id.is_none() && self.form.status == FormStatus::ReadyForProcessing
    }
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
