//! Checkout forms as read from Allegro's order journal (issue 17): the buyer, delivery,
//! invoice, lines and payment of one purchase, and the form as marketdesk keeps it. Orders
//! (`domain::order`) are made of the paid ones; the ERP's buyer card (`domain::erp`) reads them.

use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
