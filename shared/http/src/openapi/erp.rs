//! The ERP routes of the OpenAPI document and their schemas (issue 17 item 3).

use super::{error, nullable_string, object, ok, protected, query, reference, string};
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    json!({
        "/v1/erp/orders": {
            "get": protected(json!({
                "operationId": "erpOrderFeed",
                "summary": "The order feed for the seller's ERP: every order write (creation, cancellation, fulfillment status) in the order it was stored, each with its customer as the integration's `settings.erp.customers` sends it (`none`: the unspecified customer). Pass `next_since` as `since` to continue; the feed pages without gaps or repeats while orders are stored concurrently (a per-tenant sequence written in the order's own transaction). At least once: an order changed again comes again with a higher `seq`; the ERP keys on `order.id` and `customer.customer_id`, never on the masked e-mail.",
                "tags": ["erp"],
                "parameters": [
                    query("since", "The `next_since` of the previous page; absent: from the first order.", json!({ "type": "string", "pattern": "^[0-9]*$" })),
                    query("limit", "Page size, 1 to 1000 (default 100).", json!({ "type": "integer", "minimum": 1, "maximum": 1000, "default": 100 }))
                ],
                "responses": { "200": ok("One page.", "ErpFeedPage"), "422": error("ValidationFailed") }
            }), false)
        },
        "/v1/customers/export": {
            "get": protected(json!({
                "operationId": "exportCustomers",
                "summary": "CRM customers as a file for an ERP: everyone (no parameter), the customer list's filter (`field` and `value`, `email`, or `name`), or chosen `ids`. CSV: UTF-8 with a byte-order mark, `;`-separated, CRLF, cells quoted when they hold `;`, `,`, `\"` or a line break (quotes doubled), and a leading `'` on cells a spreadsheet would run as a formula. XML: `<customers><customer id=\"…\">` with the name, company, NIP, customer type, e-mails, phone, custom fields and both addresses. At most 10 000 customers (`export_too_large`).",
                "tags": ["customers", "erp"],
                "parameters": [
                    query("format", "`csv` (default) or `xml`.", json!({ "type": "string", "enum": ["csv", "xml"], "default": "csv" })),
                    query("ids", "Comma-separated customer ids (1 to 1000; an unknown one is refused naming it); not with a filter.", json!({ "type": "string" })),
                    query("field", "A custom field's name (with `value`).", json!({ "type": "string" })),
                    query("value", "The exact value of `field`.", json!({ "type": "string" })),
                    query("name", "Words of the name.", json!({ "type": "string" })),
                    query("email", "An e-mail address.", json!({ "type": "string" }))
                ],
                "responses": {
                    "200": {
                        "description": "The file (`text/csv` or `application/xml`, UTF-8).",
                        "headers": { "Content-Disposition": { "schema": string(), "description": "`attachment; filename=\"customers.csv\"` (or `.xml`)." } },
                        "content": {
                            "text/csv": { "schema": { "type": "string" } },
                            "application/xml": { "schema": { "type": "string" } }
                        }
                    },
                    "422": error("ValidationFailed")
                }
            }), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let address = json!({ "allOf": [reference("PostalAddress")], "nullable": true });
    json!({
        "ErpCustomers": { "type": "string", "enum": ["none", "all", "with_nip"], "description": "What goes to the ERP with an order: `none` (the unspecified customer, the default), `all` (every buyer's card), `with_nip` (only cards with a NIP; others as the unspecified customer)." },
        "CustomerType": { "type": "string", "enum": ["domestic", "eu", "outside_eu"], "description": "From the invoice country (else the delivery country): Poland, another EU state, outside the EU." },
        "TradeDetails": object(&[], json!({
            "company_name": nullable_string(),
            "nip": { "type": "string", "nullable": true, "pattern": "^[0-9]{10}$", "description": "Polish NIP (ten digits, check digit verified) from `invoice.address.company.ids` type `PL_NIP`; never the deprecated `taxId`." },
            "delivery_address": address.clone(),
            "invoice_address": address,
            "customer_type": { "allOf": [reference("CustomerType")], "nullable": true }
        })),
        "BuyerCard": {
            "allOf": [
                object(&["customer_id", "login", "name"], json!({
                    "customer_id": { "type": "string", "description": "The CRM customer: the ERP's key for this buyer." },
                    "login": string(),
                    "name": string(),
                    "email": { "type": "string", "nullable": true, "description": "Allegro's masked address of this order: contact only; it differs between orders and must never be a matching key." }
                })),
                reference("TradeDetails")
            ]
        },
        "ErpCustomer": {
            "description": "`{\"kind\": \"card\", …the buyer's card}` or `{\"kind\": \"unspecified\"}` (the ERP's unspecified customer).",
            "allOf": [
                object(&["kind"], json!({
                    "kind": { "type": "string", "enum": ["card", "unspecified"] },
                    "customer_id": { "type": "string", "description": "The CRM customer: the ERP's key for this buyer." },
                    "login": string(),
                    "name": string(),
                    "email": { "type": "string", "nullable": true, "description": "Allegro's masked address of this order: contact only; it differs between orders and must never be a matching key." }
                })),
                reference("TradeDetails")
            ]
        },
        "ErpOrder": object(&["order", "customer"], json!({
            "order": reference("Order"),
            "customer": reference("ErpCustomer")
        })),
        "ErpFeedItem": object(&["seq", "order", "customer"], json!({
            "seq": { "type": "integer", "minimum": 1, "description": "Place in the tenant's feed: 1, 2, 3, … without gaps." },
            "order": reference("Order"),
            "customer": reference("ErpCustomer")
        })),
        "ErpFeedPage": object(&["orders", "next_since", "has_more"], json!({
            "orders": { "type": "array", "items": reference("ErpFeedItem") },
            "next_since": { "type": "string", "description": "Pass as `since` next time (unchanged when nothing new came)." },
            "has_more": { "type": "boolean", "description": "The page was full: ask again at once." }
        }))
    })
}
