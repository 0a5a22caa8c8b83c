//! The order update routes of the OpenAPI document (issue 17 item 4): fulfillment status and
//! invoices sent to Allegro through the outbox.

use super::{
    body, error, id_parameter, nullable_string, object, ok, protected, reference, strict, string,
    time, with_body_errors,
};
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    let refused = json!({ "description": "Not possible for this order (code `order_cancelled`: the order was cancelled on the marketplace; `invoice_exists`: an invoice was sent or is being sent; `account_deleted`; `not_supported`: not an Allegro order).", "content": { "application/json": { "schema": reference("Error") } } });
    json!({
        "/v1/orders/{id}/fulfillment": {
            "put": protected(with_body_errors(json!({
                "operationId": "setOrderFulfillment",
                "summary": "Sets the order's fulfillment status on Allegro (`PUT /order/checkout-forms/{id}/fulfillment` with the checkout form's revision), after which Allegro notifies the buyer; marketdesk never e-mails buyers about shipping. Queued: the answer is the update as stored (`pending`); the order's `updates` show when it was sent or why it failed. Temporary failures (429, 5xx) are retried with back-off; a newer status set meanwhile supersedes an older one not yet sent. Recorded in the audit log as `order.fulfillment_set`.",
                "tags": ["orders"],
                "parameters": [id_parameter("order")],
                "requestBody": body("FulfillmentRequest"),
                "responses": {
                    "202": ok("Queued.", "OrderUpdate"),
                    "404": error("NotFound"),
                    "409": refused.clone(),
                    "503": error("Unavailable")
                }
            })), false)
        },
        "/v1/orders/{id}/invoices": {
            "post": protected(with_body_errors(json!({
                "operationId": "attachOrderInvoice",
                "summary": "Attaches an invoice (a PDF of at most 3 MB) to the order and uploads it to Allegro (`POST /order/checkout-forms/{id}/invoices`, then `PUT …/invoices/{invoiceId}/file`), which puts it in the buyer's account and notifies the buyer; marketdesk never e-mails invoices. Queued like a fulfillment status. A wrong type, an empty, too large or non-PDF file is refused (422, `field` `content_type`, `file`, `filename`, `data_base64` or `invoice_number`) and nothing is stored. Recorded in the audit log as `order.invoice_attached`.",
                "tags": ["orders"],
                "parameters": [id_parameter("order")],
                "requestBody": body("NewInvoice"),
                "responses": {
                    "202": ok("Stored and queued.", "OrderUpdate"),
                    "404": error("NotFound"),
                    "409": refused,
                    "503": error("Unavailable")
                }
            })), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let statuses = [
        "NEW",
        "PROCESSING",
        "READY_FOR_SHIPMENT",
        "READY_FOR_PICKUP",
        "SENT",
        "PICKED_UP",
        "CANCELLED",
        "SUSPENDED",
    ];
    json!({
        "FulfillmentStatus": { "type": "string", "enum": statuses, "description": "Allegro's `CheckoutFormFulfillmentStatus` without `RETURNED` (set by Allegro only)." },
        "FulfillmentRequest": strict(&["status"], json!({
            "status": { "type": "string", "enum": statuses, "description": "The status to set." }
        })),
        "NewInvoice": strict(&["filename", "content_type", "data_base64"], json!({
            "filename": { "type": "string", "minLength": 1, "maxLength": 200, "description": "File name without a path (Allegro shows it)." },
            "content_type": { "type": "string", "enum": ["application/pdf"] },
            "data_base64": { "type": "string", "description": "The PDF (starting with `%PDF-`), base64, at most 3 MB decoded." },
            "invoice_number": { "type": "string", "nullable": true, "maxLength": 100 }
        })),
        "OrderUpdateKind": object(&["type"], json!({
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
        })),
        "OrderUpdate": object(&["id", "tenant_id", "order_id", "integration_id", "checkout_form_id", "kind", "state", "attempts", "requested_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "order_id": string(),
            "integration_id": string(),
            "checkout_form_id": string(),
            "kind": reference("OrderUpdateKind"),
            "state": { "type": "string", "enum": ["pending", "sent", "failed", "superseded"] },
            "attempts": { "type": "integer", "minimum": 0 },
            "next_attempt_at": { "type": "string", "format": "date-time", "nullable": true },
            "last_error": { "type": "string", "nullable": true, "description": "The last failure as the marketplace or the network reported it." },
            "requested_by": { "allOf": [reference("Actor")], "nullable": true },
            "requested_at": time(),
            "sent_at": { "type": "string", "format": "date-time", "nullable": true, "description": "When Allegro accepted it." }
        }))
    })
}
