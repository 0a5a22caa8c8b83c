//! The ticket workflow, views and SLA parts of the OpenAPI document: `PATCH /v1/tickets/{id}`,
//! `POST /v1/tickets/bulk`, `GET /v1/views` (generated from the handlers in
//! `routes/workflow.rs` and the types of `core::services::{workflow, views, sla}` and
//! `core::domain::workflow`), the view parameters of `GET /v1/tickets`, the workflow fields of
//! a ticket and `settings.sla` of an integration (still written by hand until `mod.rs`'s
//! ticket list, `Ticket` and the integration settings are generated).

use super::generated::generated;
use super::{enumeration, query, reference, string};
use crate::routes::workflow;
use marketdesk_core::domain::{ManualStatus, Priority, SlaClock, SlaSettings, Snooze};
use marketdesk_core::services::sla::{SlaHours, SlaPatch};
use marketdesk_core::services::views::{ViewCount, ViewList};
use marketdesk_core::services::workflow::{BulkAnswer, BulkPatch, BulkResult, TicketPatch};
use serde_json::{json, Map, Value};

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

/// The workflow and view operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(workflow::update, workflow::bulk, workflow::list_views),
    components(schemas(
        Priority,
        Snooze,
        ManualStatus,
        SlaClock,
        SlaHours,
        SlaSettings,
        SlaPatch,
        TicketPatch,
        BulkPatch,
        BulkResult,
        BulkAnswer,
        ViewCount,
        ViewList
    ))
)]
struct WorkflowApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[
    ("BulkPatch", "BulkTicketPatch"),
    ("BulkResult", "BulkTicketResult"),
    ("BulkAnswer", "BulkTicketAnswer"),
];

/// The paths.
pub(super) fn paths() -> Value {
    generated::<WorkflowApi>(RENAMES).0
}

/// The schemas.
pub(super) fn schemas() -> Value {
    generated::<WorkflowApi>(RENAMES).1
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
