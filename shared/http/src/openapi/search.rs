//! The search route of the OpenAPI document and its schemas.

use super::{error, ok, protected, query, reference};
use marketdesk_core::services::search::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
use serde_json::{json, Value};

/// The paths.
pub(super) fn paths() -> Value {
    json!({
        "/v1/search": {
            "get": protected(json!({
                "operationId": "search",
                "summary": "The one search box over the tenant's tickets: a ticket id, a marketplace conversation id, an order id (Allegro checkout form, Mirakl order id or commercial id), a buyer login, an EmpikPlace customer id or an e-mail (whole, any case; from 3 characters also their start), a customer's name (words or their starts; the buyer's name as the marketplace gave it, or the CRM customer's name by its start), or words of the subjects and messages (every word, any case, Polish diacritics optional). Identifiers, names and e-mails give the same answers on both backends; words are ranked by SQLite FTS5 on the embedded backend and newest first on AWS.",
                "tags": ["tickets"],
                "parameters": [
                    {
                        "name": "q", "in": "query", "required": true,
                        "description": "What was typed: at least one letter or digit, no control characters.",
                        "schema": { "type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS, "pattern": r"^[^\x00-\x1F\x7F-\x9F]+$" }
                    },
                    query(
                        "limit",
                        &format!("Most answers, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."),
                        json!({ "type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT }),
                    )
                ],
                "responses": { "200": ok("The tickets found (one page: refine the query for others).", "SearchResults"), "422": error("ValidationFailed") }
            }), false)
        }
    })
}

/// The schemas.
pub(super) fn schemas() -> Value {
    json!({
        "SearchResults": {
            "type": "object",
            "additionalProperties": false,
            "required": ["results"],
            "properties": {
                "results": {
                    "type": "array",
                    "description": "Identifier matches first (exact before partial), then names, then words.",
                    "items": reference("SearchHit")
                }
            }
        },
        "SearchHit": {
            "type": "object",
            "additionalProperties": false,
            "required": ["ticket", "matched"],
            "properties": {
                "ticket": reference("Ticket"),
                "matched": {
                    "type": "array",
                    "minItems": 1,
                    "description": "Which of the ticket's values matched, strongest first.",
                    "items": {
                        "type": "string",
                        "enum": ["ticket_id", "conversation_id", "order_id", "commercial_id", "buyer_login", "empik_customer_id", "email", "customer_name", "words"]
                    }
                }
            }
        }
    })
}
