//! The audit log and webhook routes of the OpenAPI document and their schemas.

use super::{
    body, described, enumeration, error, id_parameter, label, nullable, object, ok,
    paging_parameters, protected, query, reference, strict, string, time, with_body_errors,
};
use serde_json::{json, Value};

fn audit_paths() -> Value {
    let mut parameters = vec![
        query(
            "action",
            "Only this action (`integration.updated`), or a family ending in `*` (`integration.*`).",
            json!({ "type": "string", "minLength": 1, "maxLength": 64, "pattern": r"^[a-z_.]*\*?$" }),
        ),
        query(
            "actor",
            "Only changes by this user or API key (its id).",
            json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$" }),
        ),
        query(
            "subject_type",
            "Only changes to this kind of thing.",
            reference("AuditSubjectKind"),
        ),
        query(
            "subject_id",
            "Only changes to this thing (needs `subject_type`).",
            json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$" }),
        ),
        query("from", "Only changes at or after this time.", time()),
        query("to", "Only changes at or before this time.", time()),
    ];
    parameters.extend(paging_parameters());
    json!({
        "/v1/audit": {
            "get": protected(json!({
                "operationId": "listAudit",
                "summary": "The tenant's audit log, newest first: every change a person or API key made (replies, comments, integrations and their settings, API keys, users, webhooks, ticket changes), with the actor, the time and the states before and after (secrets redacted). Entries are kept for a year. One subject's or one actor's history is read from its own index; other filters are applied while paging, reading at most 1000 entries a request, so a rare filter may give a short page with a `next_cursor`.",
                "tags": ["audit"],
                "parameters": parameters,
                "responses": {
                    "200": ok("A page of entries.", "AuditPage"),
                    "422": error("ValidationFailed")
                }
            }), true)
        }
    })
}

const SIGNATURES: &str = "Every POST carries `X-Marketdesk-Event` (the event type), `X-Marketdesk-Delivery` (the same on every attempt of a delivery: deduplicate on it), `X-Marketdesk-Timestamp` (Unix seconds) and `X-Marketdesk-Signature: sha256=<hex HMAC-SHA256 of \"<timestamp>.<body>\" keyed with the secret>`; for 24 hours after a rotation a second, comma-separated `sha256=` value is made with the previous secret. The body is `{id, type, created_at, tenant_id, data}`. A 2xx answer within 10 s delivers; anything else is retried after 1, 5, 30, 120 and 480 minutes (6 attempts), then the delivery fails. Targets must be http(s) and resolve to public addresses (private, loopback, link-local and unique-local ones are refused unless the operator allows them), checked when saved and at every attempt; redirects are not followed.";

fn webhook_paths() -> Value {
    let write_errors = |mut operation: Value| {
        operation["responses"]["404"] = error("NotFound");
        operation["responses"]["409"] = error("Conflict");
        operation
    };
    json!({
        "/v1/webhooks": {
            "get": protected(json!({
                "operationId": "listWebhooks",
                "summary": "The tenant's webhook endpoints (never their secrets).",
                "tags": ["webhooks"],
                "responses": { "200": ok("The endpoints.", "WebhookList") }
            }), true),
            "post": protected(with_body_errors(json!({
                "operationId": "createWebhook",
                "summary": format!("Creates an endpoint (at most 10 per tenant, else 409 `too_many_webhooks`). The answer holds the signing secret, shown this once. {SIGNATURES}"),
                "tags": ["webhooks"],
                "requestBody": body("NewWebhook"),
                "responses": {
                    "201": ok("The endpoint with its signing secret.", "WebhookWithSecret"),
                    "409": error("WrongState")
                }
            })), true)
        },
        "/v1/webhooks/{id}": {
            "get": protected(json!({
                "operationId": "getWebhook",
                "summary": "One endpoint.",
                "tags": ["webhooks"],
                "parameters": [id_parameter("webhook")],
                "responses": { "200": ok("The endpoint.", "Webhook"), "404": error("NotFound") }
            }), true),
            "patch": protected(with_body_errors(write_errors(json!({
                "operationId": "updateWebhook",
                "summary": "Changes an endpoint: only the fields given. A new URL is checked like at creation.",
                "tags": ["webhooks"],
                "parameters": [id_parameter("webhook")],
                "requestBody": body("WebhookPatch"),
                "responses": { "200": ok("The endpoint.", "Webhook") }
            }))), true),
            "delete": protected(write_errors(json!({
                "operationId": "deleteWebhook",
                "summary": "Deletes an endpoint and its secret; deliveries still queued are dropped.",
                "tags": ["webhooks"],
                "parameters": [id_parameter("webhook")],
                "responses": { "204": { "description": "Deleted." } }
            })), true)
        },
        "/v1/webhooks/{id}/rotate-secret": {
            "post": protected(write_errors(json!({
                "operationId": "rotateWebhookSecret",
                "summary": "Replaces the signing secret, shown this once. For 24 hours deliveries carry signatures with both the new and the previous secret, so the receiver can switch without losing events.",
                "tags": ["webhooks"],
                "parameters": [id_parameter("webhook")],
                "responses": { "200": ok("The endpoint with its new secret.", "WebhookWithSecret") }
            })), true)
        },
        "/v1/webhooks/{id}/test": {
            "post": protected(json!({
                "operationId": "testWebhook",
                "summary": "Queues a `ping` event to the endpoint (even when it is switched off); follow it in the delivery log.",
                "tags": ["webhooks"],
                "parameters": [id_parameter("webhook")],
                "responses": { "202": ok("The queued delivery.", "WebhookDelivery"), "404": error("NotFound") }
            }), true)
        },
        "/v1/webhooks/{id}/deliveries": {
            "get": protected(json!({
                "operationId": "listWebhookDeliveries",
                "summary": "The endpoint's deliveries, newest first, each with every attempt (status, error, duration, the start of the answer). Kept 30 days.",
                "tags": ["webhooks"],
                "parameters": [id_parameter("webhook"), paging_parameters()[0].clone(), paging_parameters()[1].clone()],
                "responses": {
                    "200": ok("A page of deliveries.", "WebhookDeliveryPage"),
                    "404": error("NotFound"),
                    "422": error("ValidationFailed")
                }
            }), true)
        }
    })
}

/// The paths.
pub(super) fn paths() -> Value {
    let mut all = serde_json::Map::new();
    for part in [audit_paths(), webhook_paths()] {
        if let Value::Object(map) = part {
            all.extend(map);
        }
    }
    Value::Object(all)
}

/// An endpoint as answered at creation and rotation: with its signing secret.
fn webhook_with_secret(webhook: &Value) -> Value {
    let mut schema = webhook.clone();
    schema["properties"]["secret"] = json!({ "type": "string", "description": "The signing secret (`whsec_…`); shown only now." });
    if let Some(required) = schema["required"].as_array_mut() {
        required.push(json!("secret"));
    }
    schema
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut all = webhook_schemas();
    all["WebhookWithSecret"] = webhook_with_secret(&all["Webhook"]);
    all
}

fn webhook_schemas() -> Value {
    json!({
        "AuditSubjectKind": enumeration(&["ticket", "integration", "api_key", "user", "customer", "webhook", "order"]),
        "AuditEntry": object(&["id", "tenant_id", "at", "actor", "action", "subject", "before", "after"], json!({
            "id": string(),
            "tenant_id": string(),
            "at": time(),
            "actor": { "allOf": [reference("Actor")], "nullable": true, "description": "`null`: the operator's command line or marketdesk itself." },
            "action": { "type": "string", "description": "`<subject kind>.<verb>`, e.g. `integration.updated`, `ticket.reply_submitted`, `api_key.revoked`." },
            "subject": object(&["kind", "id"], json!({ "kind": reference("AuditSubjectKind"), "id": string() })),
            "before": { "type": "object", "nullable": true, "description": "The state before (`null` for a creation). Passwords, tokens, keys and hashes read `[redacted]`." },
            "after": { "type": "object", "nullable": true, "description": "The state after (`null` for a deletion)." }
        })),
        "WebhookEvent": described(
            enumeration(&["ticket.created", "message.received", "ticket.updated", "reply.sent", "reply.failed", "integration.disconnected", "order.created"]),
            "An event an endpoint can subscribe to."
        ),
        "Webhook": object(&["id", "tenant_id", "url", "events", "active", "created_at", "updated_at"], json!({
            "id": string(),
            "tenant_id": string(),
            "url": { "type": "string", "format": "uri" },
            "events": { "type": "array", "items": reference("WebhookEvent") },
            "active": { "type": "boolean" },
            "description": { "type": "string", "nullable": true },
            "created_at": time(),
            "updated_at": time(),
            "secret_rotated_at": { "type": "string", "format": "date-time", "nullable": true },
            "previous_secret_until": { "type": "string", "format": "date-time", "nullable": true, "description": "Until then deliveries are also signed with the secret before the last rotation." }
        })),
        "WebhookList": object(&["webhooks"], json!({ "webhooks": { "type": "array", "items": reference("Webhook") } })),
        "NewWebhook": strict(&["url", "events"], json!({
            "url": { "type": "string", "format": "uri", "maxLength": 2000, "description": "http or https; no user name or password; must resolve to public addresses." },
            "events": { "type": "array", "minItems": 1, "items": reference("WebhookEvent") },
            "description": label(200),
            "active": { "type": "boolean", "default": true }
        })),
        "WebhookPatch": strict(&[], json!({
            "url": { "type": "string", "format": "uri", "maxLength": 2000 },
            "events": { "type": "array", "minItems": 1, "items": reference("WebhookEvent") },
            "description": nullable(label(200)),
            "active": { "type": "boolean" }
        })),
        "WebhookDeliveryAttempt": object(&["at", "duration_ms"], json!({
            "at": time(),
            "status": { "type": "integer", "nullable": true, "description": "The receiver's HTTP status, when it answered." },
            "error": { "type": "string", "nullable": true },
            "duration_ms": { "type": "integer", "minimum": 0 },
            "response_excerpt": { "type": "string", "nullable": true, "description": "At most 1 KiB of the answer." }
        })),
        "WebhookDelivery": object(&["id", "webhook_id", "event_id", "event", "state", "attempts", "created_at", "payload"], json!({
            "id": { "type": "string", "description": "Sent as `X-Marketdesk-Delivery`." },
            "webhook_id": string(),
            "event_id": string(),
            "event": enumeration(&["ticket.created", "message.received", "ticket.updated", "reply.sent", "reply.failed", "integration.disconnected", "order.created", "ping"]),
            "state": enumeration(&["pending", "delivered", "failed"]),
            "attempts": { "type": "array", "items": reference("WebhookDeliveryAttempt") },
            "next_attempt_at": { "type": "string", "format": "date-time", "nullable": true },
            "created_at": time(),
            "payload": { "type": "string", "description": "The JSON body posted." }
        })),
        "WebhookDeliveryPage": object(&["deliveries", "next_cursor"], json!({
            "deliveries": { "type": "array", "items": reference("WebhookDelivery") },
            "next_cursor": { "type": "string", "nullable": true }
        })),
        "AuditPage": object(&["entries", "next_cursor"], json!({
            "entries": { "type": "array", "items": reference("AuditEntry") },
            "next_cursor": { "type": "string", "nullable": true }
        }))
    })
}
