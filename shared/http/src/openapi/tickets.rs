//! The ticket routes of the OpenAPI document: the ticket list with its filters, one ticket,
//! internal comments, and the schemas of tickets and messages. Generated from the handlers in
//! `routes/tickets.rs` and the types of `core::domain::{ticket, message}` and
//! `core::services::ticket_views`; the workflow's list parameters and ticket fields come from
//! `workflow.rs` (merged here and in `mod.rs`).

use super::generated::{describe_refs, generated};
use super::workflow;
use crate::routes::tickets;
use marketdesk_core::domain::message::{Attachment, AuthorKind, Message};
use marketdesk_core::domain::ticket::{
    AutoreplyPlan, ConversationRef, MessagePreview, PanelProduct, Ticket, TicketPanel,
};
use marketdesk_core::domain::ticket_status::TicketStatus;
use marketdesk_core::domain::Marketplace;
use marketdesk_core::services::comments::NewComment;
use marketdesk_core::services::ticket_views::{TicketDetail, TicketPage};
use serde_json::Value;

/// The ticket operations and the schemas they use.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(tickets::list, tickets::detail, tickets::comment),
    components(schemas(
        Marketplace,
        TicketStatus,
        AuthorKind,
        ConversationRef,
        PanelProduct,
        TicketPanel,
        MessagePreview,
        Ticket,
        AutoreplyPlan,
        Attachment,
        Message,
        TicketPage,
        TicketDetail,
        NewComment
    ))
)]
struct TicketsApi;

/// The document's names of the Rust types.
const RENAMES: &[(&str, &str)] = &[("Marketplace", "Source")];

/// The paths, the workflow's list parameters merged into the ticket list's.
pub(super) fn paths() -> Value {
    let mut paths = generated::<TicketsApi>(RENAMES).0;
    if let Some(parameters) = paths
        .pointer_mut("/~1v1~1tickets/get/parameters")
        .and_then(Value::as_array_mut)
    {
        merge_parameters(parameters, workflow::ticket_list_parameters());
    }
    paths
}

/// Puts `workflow`'s parameters in place of the generated ones of the same name (the view,
/// tag, assignee and sort fields of `TicketQuery`, described by the workflow module), before
/// the paging parameters.
fn merge_parameters(parameters: &mut Vec<Value>, workflow: Vec<Value>) {
    parameters.retain(|generated| {
        !workflow
            .iter()
            .any(|parameter| parameter["name"] == generated["name"])
    });
    let paging = parameters
        .iter()
        .position(|parameter| parameter["name"] == "cursor")
        .unwrap_or(parameters.len());
    parameters.splice(paging..paging, workflow);
}

/// Descriptions of fields that are a `$ref`, which utoipa 4 drops (see `describe_refs`).
const REF_DESCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "Message",
        "actor",
        "Comments and replies written in marketdesk: the user or API key (never sent to the marketplace).",
    ),
    (
        "Message",
        "delivery",
        "Replies sent from marketdesk: where the delivery stands.",
    ),
    (
        "TicketDetail",
        "order",
        "The order made of the checkout form the conversation is about (Allegro), if any.",
    ),
];

/// The schemas.
pub(super) fn schemas() -> Value {
    let mut schemas = generated::<TicketsApi>(RENAMES).1;
    // `Ticket` flattens its workflow (`TicketWorkflow`), which utoipa writes as `allOf` that
    // type and the rest; the workflow fields are added to the object by `workflow::extend`.
    if let Some(ticket) = schemas.get_mut("Ticket") {
        let object = ticket["allOf"]
            .as_array()
            .and_then(|parts| parts.last())
            .cloned();
        if let Some(object) = object {
            *ticket = object;
        }
    }
    describe_refs(&mut schemas, REF_DESCRIPTIONS);
    schemas
}
