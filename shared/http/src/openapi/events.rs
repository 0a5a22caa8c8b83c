//! The audit log and webhook routes of the OpenAPI document and their schemas.

use super::{
    enumeration, error, object, ok, paging_parameters, protected, query, reference, string, time,
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

/// The paths.
pub(super) fn paths() -> Value {
    let mut all = serde_json::Map::new();
    for part in [audit_paths()] {
        if let Value::Object(map) = part {
            all.extend(map);
        }
    }
    Value::Object(all)
}

/// The schemas.
pub(super) fn schemas() -> Value {
    json!({
        "AuditSubjectKind": enumeration(&["ticket", "integration", "api_key", "user", "customer", "webhook"]),
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
        "AuditPage": object(&["entries", "next_cursor"], json!({
            "entries": { "type": "array", "items": reference("AuditEntry") },
            "next_cursor": { "type": "string", "nullable": true }
        }))
    })
}
