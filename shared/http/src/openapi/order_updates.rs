//! The order update routes of the OpenAPI document (issue 17 item 4): fulfillment status and
//! invoices sent to Allegro through the outbox. Generated from the handlers in
//! `routes/order_updates.rs` and the types of `core::domain::order_update` and
//! `core::services::order_updates`, but for `OrderUpdateKind` (below).

use super::generated::{describe_refs, generated};
use super::{nullable_string, object, reference, string};
use crate::routes::order_updates;
use marketdesk_core::domain::order_update::{FulfillmentStatus, OrderUpdate};
use marketdesk_core::services::order_updates::{FulfillmentRequest, NewInvoice};
use serde_json::{json, Value};

/// The order update operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(order_updates::set_fulfillment, order_updates::attach_invoice),
    components(schemas(FulfillmentStatus, FulfillmentRequest, NewInvoice, OrderUpdate))
)]
struct OrderUpdatesApi;

/// The paths.
pub(super) fn paths() -> Value {
    generated::<OrderUpdatesApi>(&[]).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<OrderUpdatesApi>(&[]).1;
    // The inlined enum brings its own description in place of the field's.
    describe_refs(
        &mut schemas,
        &[(
            "FulfillmentRequest",
            "status",
            "The status to set: Allegro's status name (`PROCESSING`, `SENT`, …; not `RETURNED`).",
        )],
    );
    // Written by hand: utoipa 4 makes the tagged enum a `oneOf` whose invoice variant is a
    // schema of its own (`InvoiceUpload`), a name the document never had.
    schemas["OrderUpdateKind"] = object(
        &["type"],
        json!({
            "type": { "type": "string", "enum": ["fulfillment", "invoice"] },
            "status": reference("FulfillmentStatus"),
            "file": object(&["filename", "content_type", "size", "chunks"], json!({
                "filename": string(),
                "content_type": string(),
                "size": { "type": "integer", "minimum": 0 },
                "chunks": { "type": "integer", "minimum": 0 }
            })),
            "invoice_number": nullable_string(),
            "marketplace_invoice_id": { "type": "string", "nullable": true, "description": "Allegro's invoice id once declared." },
            "declaration_started": { "type": "boolean" }
        }),
    );
    schemas
}
