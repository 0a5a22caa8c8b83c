//! The offer command route of the OpenAPI document and its schemas (issue 18 items 4–5).

use super::{
    error, id_parameter, nullable_string, object, ok, paging_parameters, protected, reference,
    string, time,
};
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    let mut parameters = vec![id_parameter("integration")];
    parameters.extend(paging_parameters());
    json!({
        "/v1/integrations/{id}/offer-commands": {
            "get": protected(json!({
                "operationId": "listOfferCommands",
                "summary": "The account's offer commands to Allegro, newest first: stock pushed to linked offers (stock control), prices (price sync) and renewals, each with its state, attempts and every offer's outcome. Test-mode accounts have none.",
                "tags": ["integrations"],
                "parameters": parameters,
                "responses": {
                    "200": ok("One page.", "OfferCommandPage"),
                    "404": error("NotFound"),
                    "422": error("ValidationFailed")
                }
            }), true)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let count = json!({ "type": "integer", "minimum": 0 });
    json!({
        "OfferChange": object(&["change"], json!({
            "change": { "type": "string", "enum": ["quantity", "price", "activate", "end"], "description": "`quantity`: set the stock (`value`); `price`: set the buy-now price (`amount`, `currency`); `activate`: renew an ended offer under the same number; `end`: end the offers." },
            "value": { "type": "integer", "minimum": 1 },
            "amount": string(),
            "currency": string()
        })),
        "OfferOutcome": object(&["status"], json!({
            "status": { "type": "string", "enum": ["pending", "succeeded", "failed"] },
            "message": { "type": "string", "description": "Allegro's message when it failed." }
        })),
        "OfferCommand": object(&["id", "seq", "tenant_id", "integration_id", "purpose", "change", "offer_ids", "retry", "state", "steps", "attempts", "busy", "report_reads", "outcomes", "created_at"], json!({
            "id": { "type": "string", "description": "Allegro's command id (a UUID made once; a resend uses it again)." },
            "seq": { "type": "string", "description": "Its place in the account's order: a command waits for every earlier open one naming any of its offers." },
            "tenant_id": string(),
            "integration_id": string(),
            "purpose": { "type": "string", "enum": ["stock", "price_sync", "renewal"] },
            "change": reference("OfferChange"),
            "offer_ids": { "type": "array", "items": string(), "maxItems": 1000 },
            "product_sku": string(),
            "retry_of": { "type": "string", "description": "The command whose failed offers this one tries again." },
            "retry": count.clone(),
            "state": { "type": "string", "enum": ["waiting", "sending", "running", "done", "failed"], "description": "`waiting`: for an earlier command on its offers or after Allegro said another runs; `sending`; `running`: accepted, its report read until complete; `done`: every offer's outcome known; `failed`: not accepted (`last_error`)." },
            "steps": count.clone(),
            "attempts": count.clone(),
            "busy": { "type": "integer", "minimum": 0, "description": "Times Allegro refused it because another command ran on these offers." },
            "report_reads": count,
            "next_step_at": time(),
            "last_error": string(),
            "outcomes": { "type": "object", "additionalProperties": reference("OfferOutcome"), "description": "Each offer's outcome, by offer id." },
            "created_at": time(),
            "sent_at": time(),
            "finished_at": time()
        })),
        "OfferCommandPage": object(&["commands", "next_cursor"], json!({
            "commands": { "type": "array", "items": reference("OfferCommand") },
            "next_cursor": nullable_string()
        }))
    })
}
