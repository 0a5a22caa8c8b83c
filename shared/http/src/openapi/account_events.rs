//! The account event log route of the OpenAPI document and its schemas (issue 17 item 5).

use super::{
    error, id_parameter, nullable_string, object, ok, paging_parameters, protected, query,
    reference, string, time,
};
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    let mut parameters = vec![
        id_parameter("integration"),
        query(
            "all",
            "`true`: also the deactivation notices (`disconnected`, `blocked`) older than 30 days, which the default view leaves out (they are kept).",
            json!({ "type": "boolean" }),
        ),
    ];
    parameters.extend(paging_parameters());
    json!({
        "/v1/integrations/{id}/events": {
            "get": protected(json!({
                "operationId": "listIntegrationEvents",
                "summary": "The account's event log, newest first: connected, re-authenticated, disconnected (with the reason), blocked (switched off), token refresh and order journal failures (a repeated failure once an hour). Hidden entries are skipped while paging: a page may be short and still have a `next_cursor`.",
                "tags": ["integrations"],
                "parameters": parameters,
                "responses": {
                    "200": ok("One page.", "AccountEventPage"),
                    "404": error("NotFound"),
                    "422": error("ValidationFailed")
                }
            }), true)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    json!({
        "AccountEventKind": {
            "type": "string",
            "description": "`offer_renewal` and `stock_price_command` come with the catalogue; `other` is a kind written by a newer version.",
            "enum": ["connected", "reauthenticated", "disconnected", "blocked", "token_refresh_failed", "order_sync_failed", "offer_sync_failed", "offer_renewal", "stock_price_command", "other"]
        },
        "AccountEvent": object(&["id", "tenant_id", "integration_id", "at", "kind", "alerted"], json!({
            "id": string(),
            "tenant_id": string(),
            "integration_id": string(),
            "at": time(),
            "kind": reference("AccountEventKind"),
            "reason": nullable_string(),
            "alerted": { "type": "boolean", "description": "Whether a notice went to the account's alert addresses." }
        })),
        "AccountEventPage": object(&["events", "next_cursor"], json!({
            "events": { "type": "array", "items": reference("AccountEvent") },
            "next_cursor": nullable_string()
        }))
    })
}
