//! The ticket workflow, views and SLA parts of the OpenAPI document: `PATCH /v1/tickets/{id}`,
//! `POST /v1/tickets/bulk`, `GET /v1/views`, the view parameters of `GET /v1/tickets`, the
//! workflow fields of a ticket and `settings.sla` of an integration.

use super::{
    body, described, enumeration, error, id_parameter, id_schema, label, nullable, object, ok,
    protected, query, reference, strict, string, time, with_body_errors,
};
use serde_json::{json, Map, Value};

/// `H:MM` or `HH:MM`, and `24:00` for the end of a day.
const CLOCK_TIME_OR_MIDNIGHT: &str = r"^\s*(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)\s*$";
/// `H:MM` or `HH:MM`, 00:00 to 23:59.
const CLOCK_TIME: &str = r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$";

/// The view parameters of `GET /v1/tickets`.
pub(super) fn ticket_list_parameters() -> Vec<Value> {
    vec![
        query(
            "view",
            "A named view: `mine` (signed-in people), `unassigned`, `needs_reply`, `pending` (waiting for the buyer), `failed_delivery`, `autoresponder` (answered only by the autoresponder), `snoozed`, `assignee:<user id>`, `queue:<name>`. Alone, a page costs one index query and one read per ticket; with filters, the tickets are walked by activity or deadline and those in the view passing the filters kept (store pages of 100, at most 2000 read per request, short pages come with a cursor). A view lists archived tickets too unless `archived` is given.",
            json!({ "type": "string", "minLength": 1 }),
        ),
        query(
            "tag",
            "Only tickets carrying this tag (case ignored).",
            json!({ "type": "string" }),
        ),
        query(
            "assignee",
            "Only tickets assigned to this user (id); `none`: only unassigned tickets.",
            json!({ "type": "string" }),
        ),
        query(
            "sort",
            "Order of any list, with or without a view and filters: `activity` (most recent first, the default) or `respond_by` (earliest answer deadline first, tickets without one last).",
            enumeration(&["activity", "respond_by"]),
        ),
    ]
}

/// The paths.
pub(super) fn paths() -> Value {
    json!({
        "/v1/tickets/{id}": {
            "patch": protected(with_body_errors(json!({
                "operationId": "updateTicket",
                "summary": "Changes a ticket's workflow: status (holds until the buyer writes or the marketplace changes the conversation; `pending`, `solved`, `closed` mean nobody owes an answer meanwhile), assignee (an active user of the tenant), queue, category, tags, priority, snooze. Nothing is sent to the marketplace: solving never closes the conversation there. Records the caller as `updated_by`. Only the fields given change; `null` clears.",
                "tags": ["tickets"],
                "parameters": [id_parameter("ticket")],
                "requestBody": body("TicketPatch"),
                "responses": {
                    "200": ok("The ticket as changed.", "Ticket"),
                    "404": error("NotFound"),
                    "409": error("Conflict")
                }
            })), false)
        },
        "/v1/tickets/bulk": {
            "post": protected(with_body_errors(json!({
                "operationId": "updateTickets",
                "summary": "Applies the same changes to up to 100 tickets. The changes are checked once (422 changes nothing); then each ticket is changed on its own and has its result.",
                "tags": ["tickets"],
                "requestBody": body("BulkTicketPatch"),
                "responses": { "200": ok("One result per id, in the order given.", "BulkTicketAnswer") }
            })), false)
        },
        "/v1/views": {
            "get": protected(json!({
                "operationId": "listViews",
                "summary": "The caller's views with their counts: `mine` (signed-in people), `unassigned`, `needs_reply`, `pending`, `failed_delivery`, `autoresponder`, `snoozed`, then one `queue:<name>` per queue in use. Open and pending tickets that are not snoozed are in the assignee, unassigned and queue views. Counts stop at 1000 (`more: true`).",
                "tags": ["tickets"],
                "responses": { "200": ok("The views.", "ViewList") }
            }), false)
        }
    })
}

/// Merges `extra` into the `properties` of the schema `name`.
fn add_properties(schemas: &mut Map<String, Value>, name: &str, extra: Value) {
    if let (Some(schema), Value::Object(extra)) = (schemas.get_mut(name), extra) {
        if let Some(properties) = schema["properties"].as_object_mut() {
            properties.extend(extra);
        }
    }
}

/// Adds the workflow fields to `Ticket` and `settings.sla` to the integration schemas.
pub(super) fn extend(schemas: &mut Map<String, Value>) {
    add_properties(
        schemas,
        "Ticket",
        json!({
            "assignee": { "type": "string", "nullable": true, "description": "The user working on it." },
            "tags": { "type": "array", "items": string() },
            "priority": reference("Priority"),
            "snooze": { "allOf": [reference("Snooze")], "nullable": true, "description": "While snoozed: out of the working views until `until` or the buyer's next message." },
            "manual_status": { "allOf": [reference("ManualStatus")], "nullable": true, "description": "A status an agent set, while it holds (until the buyer writes or the marketplace changes the conversation)." },
            "updated_by": { "allOf": [reference("Actor")], "nullable": true, "description": "Who changed the workflow fields last." },
            "respond_by": { "type": "string", "format": "date-time", "nullable": true, "description": "When a person has to answer by (business time); null when no answer is owed." },
            "sla": { "allOf": [reference("SlaClock")], "nullable": true },
            "preview": { "allOf": [reference("MessagePreview")], "description": "The latest message the buyer can see, shortened to 140 characters (absent before the first, and on tickets not written since this field exists until `marketdesk reindex`)." },
            "shop_reply_needed_since": { "type": "string", "format": "date-time", "description": "EmpikPlace: since when Mirakl says the shop owes an answer (its own clock, shown beside `respond_by`); absent once the shop answered, and for Allegro." }
        }),
    );
    add_properties(
        schemas,
        "IntegrationSettings",
        json!({ "sla": reference("SlaSettings") }),
    );
    add_properties(
        schemas,
        "SettingsPatch",
        json!({ "sla": reference("SlaPatch") }),
    );
}

/// The schemas.
pub(super) fn schemas() -> Value {
    let status = reference("TicketStatus");
    json!({
        "Priority": enumeration(&["low", "normal", "high", "urgent"]),
        "Snooze": object(&["until"], json!({
            "until": time(),
            "buyer_seen_at": { "type": "string", "format": "date-time", "nullable": true }
        })),
        "ManualStatus": object(&["status", "set_at", "marketplace_status", "open_for_replies"], json!({
            "status": status,
            "set_at": time(),
            "buyer_seen_at": { "type": "string", "format": "date-time", "nullable": true, "description": "The buyer's latest message known then; a later one ends it." },
            "marketplace_status": { "type": "string", "description": "The marketplace status then; another one ends it." },
            "open_for_replies": { "type": "boolean" }
        })),
        "SlaClock": object(&["target", "started_at", "respond_by", "warn_at"], json!({
            "target": enumeration(&["first_response", "next_response"]),
            "started_at": described(time(), "The buyer's message the clock runs from."),
            "respond_by": time(),
            "warn_at": described(time(), "When the deadline counts as near."),
            "nearing_notified": { "type": "boolean" },
            "breach_notified": { "type": "boolean" }
        })),
        "SlaHours": strict(&["days", "start", "end"], json!({
            "days": { "type": "array", "minItems": 1, "items": { "type": "integer", "minimum": 1, "maximum": 7 }, "description": "1 = Monday … 7 = Sunday." },
            "start": { "type": "string", "pattern": CLOCK_TIME, "example": "08:00", "description": "Europe/Warsaw." },
            "end": { "type": "string", "pattern": CLOCK_TIME_OR_MIDNIGHT, "example": "24:00", "description": "Europe/Warsaw; after `start`; `24:00` is the end of the day." }
        })),
        "SlaSettings": object(&["first_response_hours", "next_response_hours", "warn_before_minutes", "business_hours", "holidays_off"], json!({
            "first_response_hours": { "type": "integer", "minimum": 1, "maximum": 720 },
            "next_response_hours": { "type": "integer", "minimum": 1, "maximum": 720 },
            "warn_before_minutes": { "type": "integer", "minimum": 0, "maximum": 10080 },
            "business_hours": reference("SlaHours"),
            "holidays_off": { "type": "boolean" }
        })),
        "SlaPatch": strict(&[], json!({
            "first_response_hours": { "type": "integer", "minimum": 1, "maximum": 720, "description": "Business hours for a person's first answer (default 24)." },
            "next_response_hours": { "type": "integer", "minimum": 1, "maximum": 720, "description": "Business hours for an answer after the buyer wrote again (default 24)." },
            "warn_before_minutes": { "type": "integer", "minimum": 0, "maximum": 10080, "description": "Business minutes before the deadline for the \"deadline near\" notice (default 120; 0: none)." },
            "business_hours": reference("SlaHours"),
            "holidays_off": { "type": "boolean", "description": "Polish public holidays are days off (default true)." }
        })),
        "TicketPatch": strict(&[], json!({
            "status": status,
            "assignee": described(nullable(id_schema()), "An active user of the tenant; null unassigns."),
            "queue": nullable(label(100)),
            "category": nullable(label(100)),
            "tags": { "type": "array", "maxItems": 20, "items": label(50), "description": "Replaces the tags; duplicates (ignoring case) are dropped." },
            "priority": reference("Priority"),
            "snooze_until": { "type": "string", "format": "date-time", "nullable": true, "description": "In the future, within 365 days; null wakes the ticket." }
        })),
        "BulkTicketPatch": strict(&["ids", "changes"], json!({
            "ids": { "type": "array", "minItems": 1, "maxItems": 100, "uniqueItems": true, "items": string() },
            "changes": reference("TicketPatch")
        })),
        "BulkTicketResult": object(&["id", "outcome"], json!({
            "id": string(),
            "outcome": enumeration(&["updated", "failed"]),
            "ticket": reference("Ticket"),
            "error": object(&["code", "message"], json!({
                "code": enumeration(&["not_found", "conflict", "unavailable", "internal"]),
                "message": string()
            }))
        })),
        "BulkTicketAnswer": object(&["results"], json!({
            "results": { "type": "array", "items": reference("BulkTicketResult") }
        })),
        "ViewCount": object(&["name", "count", "more"], json!({
            "name": described(string(), "Pass as `GET /v1/tickets?view=<name>`."),
            "count": { "type": "integer", "minimum": 0, "maximum": 1000 },
            "more": { "type": "boolean", "description": "More tickets than `count` (counts stop at 1000)." }
        })),
        "ViewList": object(&["views"], json!({
            "views": { "type": "array", "items": reference("ViewCount") }
        }))
    })
}
