//! The order routes of the OpenAPI document and their schemas (issue 17).

use super::{
    body, error, id_parameter, nullable_string, object, ok, paging_parameters, protected, query,
    reference, strict, string, time, with_body_errors,
};
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    let mut list_parameters = vec![
        query(
            "integration",
            "Only orders of this integration (id).",
            json!({ "type": "string" }),
        ),
        query(
            "status",
            "Only orders in this status.",
            reference("OrderStatus"),
        ),
        query(
            "buyer",
            "Only orders of this buyer login (any case).",
            json!({ "type": "string" }),
        ),
        query(
            "customer",
            "Only orders whose buyer's customer card is this CRM customer (id); orders stored before customer cards have none.",
            json!({ "type": "string" }),
        ),
        query(
            "created_from",
            "Only orders created at or after this time.",
            json!({ "type": "string", "format": "date-time" }),
        ),
        query(
            "created_to",
            "Only orders created at or before this time (not before `created_from`).",
            json!({ "type": "string", "format": "date-time" }),
        ),
    ];
    list_parameters.extend(paging_parameters());
    json!({
        "/v1/orders": {
            "get": protected(json!({
                "operationId": "listOrders",
                "summary": "The tenant's orders (made of paid Allegro checkout forms), newest first. Filters other than the creation range are applied while paging: a page may be short and still have a `next_cursor`.",
                "tags": ["orders"],
                "parameters": list_parameters,
                "responses": { "200": ok("One page.", "OrderPage"), "422": error("ValidationFailed") }
            }), false),
            "post": protected(with_body_errors(json!({
                "operationId": "createOrder",
                "summary": "Makes an order of a paid checkout form waiting in `/v1/orders/paid-forms`, created by the caller (recorded in the audit log as `order.created`). Idempotent: a form already made an order answers that order with 200.",
                "tags": ["orders"],
                "requestBody": body("NewOrder"),
                "responses": {
                    "201": ok("The order was created.", "Order"),
                    "200": ok("The form was already an order: that order.", "Order"),
                    "404": error("NotFound"),
                    "409": { "description": "The form is not paid (code `checkout_form_not_paid`), or it kept changing (code `conflict`).", "content": { "application/json": { "schema": reference("Error") } } }
                }
            })), false)
        },
        "/v1/orders/paid-forms": {
            "get": protected(json!({
                "operationId": "listPaidForms",
                "summary": "Paid checkout forms (READY_FOR_PROCESSING) of accounts that do not create orders automatically, waiting for an agent, oldest first.",
                "tags": ["orders"],
                "parameters": paging_parameters(),
                "responses": { "200": ok("One page.", "PaidFormPage"), "422": error("ValidationFailed") }
            }), false)
        },
        "/v1/orders/{id}": {
            "get": protected(json!({
                "operationId": "getOrder",
                "summary": "One order with the checkout form it was made of, as last read from the marketplace.",
                "tags": ["orders"],
                "parameters": [id_parameter("order")],
                "responses": { "200": ok("The order.", "OrderDetail"), "404": error("NotFound") }
            }), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let money = json!({ "allOf": [reference("Money")], "nullable": true });
    let address = json!({ "allOf": [reference("PostalAddress")], "nullable": true });
    json!({
        "OrderStatus": { "type": "string", "enum": ["new", "cancelled"] },
        "Money": object(&["amount", "currency"], json!({
            "amount": { "type": "string", "example": "24.99" },
            "currency": { "type": "string", "example": "PLN" }
        })),
        "Order": object(&["id", "tenant_id", "integration_id", "checkout_form_id", "status", "buyer_login", "created_at", "updated_at"], json!({
            "id": { "type": "string", "description": "`ord-<integration>-<checkout form id>`: one form, one order." },
            "tenant_id": string(),
            "integration_id": string(),
            "checkout_form_id": string(),
            "status": reference("OrderStatus"),
            "fulfillment_status": described_nullable("The marketplace's fulfillment status as last read (`NEW`, `SENT`, …)."),
            "buyer_login": string(),
            "total": money.clone(),
            "created_by": { "allOf": [reference("Actor")], "nullable": true, "description": "The agent or API key that created it; `null`: created automatically." },
            "created_at": time(),
            "updated_at": time(),
            "buyer_card": { "allOf": [reference("BuyerCard")], "nullable": true, "description": "The buyer as a CRM customer card as of this order (matched by login, or created). The ERP gets it in `customer` as configured instead; `null` there." }
        })),
        "OrderPage": object(&["orders", "next_cursor"], json!({
            "orders": { "type": "array", "items": reference("Order") },
            "next_cursor": nullable_string()
        })),
        "PostalAddress": object(&["name", "street", "city", "zip_code", "country_code"], json!({
            "name": string(),
            "company": nullable_string(),
            "street": string(),
            "city": string(),
            "zip_code": string(),
            "country_code": string(),
            "phone": nullable_string()
        })),
        "OrderBuyer": object(&["id", "login"], json!({
            "id": string(),
            "login": string(),
            "email": described_nullable("Allegro's masked address: it reaches the buyer through Allegro and must not become an ERP's matching key."),
            "first_name": nullable_string(),
            "last_name": nullable_string(),
            "company_name": nullable_string(),
            "phone": nullable_string()
        })),
        "OrderDelivery": object(&[], json!({
            "address": address.clone(),
            "method": nullable_string(),
            "pickup_point": nullable_string(),
            "cost": money.clone()
        })),
        "OrderInvoice": object(&["required"], json!({
            "required": { "type": "boolean" },
            "address": address,
            "nip": described_nullable("Polish NIP from `invoice.address.company.ids` (type `PL_NIP`), never the deprecated `taxId`.")
        })),
        "OrderLine": object(&["offer_id", "offer_name", "quantity"], json!({
            "offer_id": string(),
            "offer_name": string(),
            "external_id": nullable_string(),
            "quantity": { "type": "integer", "minimum": 0 },
            "price": money.clone()
        })),
        "OrderPayment": object(&[], json!({
            "payment_type": nullable_string(),
            "paid_amount": money.clone(),
            "finished_at": { "type": "string", "format": "date-time", "nullable": true }
        })),
        "CheckoutForm": object(&["id", "status", "buyer", "delivery", "invoice", "lines", "payment"], json!({
            "id": string(),
            "revision": nullable_string(),
            "status": { "description": "`bought`, `filled_in`, `ready_for_processing` (paid), `cancelled`, or `{\"other\": \"<as sent>\"}` for a status this version does not know." },
            "fulfillment_status": nullable_string(),
            "buyer": reference("OrderBuyer"),
            "delivery": reference("OrderDelivery"),
            "invoice": reference("OrderInvoice"),
            "lines": { "type": "array", "items": reference("OrderLine") },
            "payment": reference("OrderPayment"),
            "total": money,
            "message_to_seller": nullable_string(),
            "updated_at": { "type": "string", "format": "date-time", "nullable": true },
            "link": nullable_string()
        })),
        "OrderDetail": object(&["order", "checkout_form", "updates"], json!({
            "order": reference("Order"),
            "checkout_form": { "allOf": [reference("CheckoutForm")], "nullable": true },
            "updates": { "type": "array", "items": reference("OrderUpdate"), "description": "Fulfillment statuses and invoices sent or being sent to the marketplace, newest first." }
        })),
        "PaidForm": object(&["integration_id", "read_at", "checkout_form"], json!({
            "integration_id": string(),
            "read_at": time(),
            "checkout_form": reference("CheckoutForm")
        })),
        "PaidFormPage": object(&["forms", "next_cursor"], json!({
            "forms": { "type": "array", "items": reference("PaidForm") },
            "next_cursor": nullable_string()
        })),
        "NewOrder": strict(&["checkout_form_id"], json!({
            "checkout_form_id": { "type": "string", "minLength": 1, "description": "A paid checkout form from `/v1/orders/paid-forms`." },
            "integration_id": { "type": "string", "description": "The integration that read it (needed only when several could have)." }
        }))
    })
}

fn described_nullable(description: &str) -> Value {
    json!({ "type": "string", "nullable": true, "description": description })
}
