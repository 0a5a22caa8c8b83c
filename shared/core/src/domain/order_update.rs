//! What marketdesk sends to the marketplace about an order (issue 17 item 4): a fulfillment
//! status or an invoice, kept as an outbox entry until the marketplace has it.
//!
//! Since 2 March 2026 Allegro blocks seller messages repeating its own notifications and moves
//! invoices found in e-mails into the buyer's account; its API is the allowed channel, after
//! which Allegro notifies the buyer itself. So these travel through the API, never by e-mail.

use crate::domain::{Actor, FileRef};
use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The fulfillment statuses a seller may set (Allegro's `CheckoutFormFulfillmentStatus`
/// without `RETURNED`, set by Allegro only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FulfillmentStatus {
    /// New, not yet handled.
    New,
    /// Being prepared.
    Processing,
    /// Packed, waiting for the carrier.
    ReadyForShipment,
    /// Waiting at the seller's for the buyer to pick it up.
    ReadyForPickup,
    /// Handed to the carrier.
    Sent,
    /// Picked up by the buyer.
    PickedUp,
    /// Cancelled by the seller.
    Cancelled,
    /// Suspended.
    Suspended,
}

impl FulfillmentStatus {
    /// Every status a seller may set, in the order of the workflow.
    pub const ALL: [FulfillmentStatus; 8] = [
        Self::New,
        Self::Processing,
        Self::ReadyForShipment,
        Self::ReadyForPickup,
        Self::Sent,
        Self::PickedUp,
        Self::Cancelled,
        Self::Suspended,
    ];

    /// Allegro's name (`READY_FOR_SHIPMENT`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Processing => "PROCESSING",
            Self::ReadyForShipment => "READY_FOR_SHIPMENT",
            Self::ReadyForPickup => "READY_FOR_PICKUP",
            Self::Sent => "SENT",
            Self::PickedUp => "PICKED_UP",
            Self::Cancelled => "CANCELLED",
            Self::Suspended => "SUSPENDED",
        }
    }

    /// The status with Allegro's name, if a seller may set it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// An invoice sent to the marketplace: the file kept by marketdesk and how far the upload got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceUpload {
    /// The PDF as stored (chunks beside the update).
    pub file: FileRef,
    /// The invoice number shown to the buyer, if given.
    pub invoice_number: Option<String>,
    /// The marketplace's invoice id once the invoice is declared.
    pub marketplace_invoice_id: Option<String>,
    /// A declaration was sent whose answer may have been lost: look for it before declaring
    /// again (a second declaration is refused by Allegro with 409).
    #[serde(default)]
    pub declaration_started: bool,
}

/// What is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderUpdateKind {
    /// `PUT /order/checkout-forms/{id}/fulfillment`.
    Fulfillment {
        /// The status to set.
        status: FulfillmentStatus,
    },
    /// `POST /order/checkout-forms/{id}/invoices`, then `PUT …/invoices/{invoiceId}/file`.
    Invoice(InvoiceUpload),
}

/// Where an update stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderUpdateState {
    /// Queued or retrying.
    Pending,
    /// The marketplace has it.
    Sent,
    /// Given up; `last_error` says why.
    Failed,
    /// A newer fulfillment status was set before this one went out: not sent.
    Superseded,
}

/// One update of an order on the marketplace (an outbox entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderUpdate {
    /// Update id (time-ordered: a later update has a greater id).
    pub id: String,
    /// The owning tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The order.
    pub order_id: String,
    /// The integration the order came through.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// The checkout form on the marketplace.
    pub checkout_form_id: String,
    /// What is sent.
    pub kind: OrderUpdateKind,
    /// Where it stands.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub state: OrderUpdateState,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (while pending after a failure).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure, as the marketplace or the network reported it.
    pub last_error: Option<String>,
    /// Who asked for it (`None`: the command line).
    pub requested_by: Option<Actor>,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When the marketplace accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

impl OrderUpdate {
    /// Whether this update still has work to do.
    pub fn is_pending(&self) -> bool {
        self.state == OrderUpdateState::Pending
    }

    /// The fulfillment status this update sets, if it sets one.
    pub fn fulfillment_status(&self) -> Option<FulfillmentStatus> {
        match &self.kind {
            OrderUpdateKind::Fulfillment { status } => Some(*status),
            OrderUpdateKind::Invoice(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_allegro_names_and_returned_is_not_settable() {
        for status in FulfillmentStatus::ALL {
            assert_eq!(FulfillmentStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).expect("json"),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(FulfillmentStatus::parse("RETURNED"), None);
        assert_eq!(FulfillmentStatus::parse("sent"), None);
    }
}
