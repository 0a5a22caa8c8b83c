//! Ticket workflow and views: `PATCH /v1/tickets/{id}`, `POST /v1/tickets/bulk`,
//! `GET /v1/views` (agents and admins).

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId};
use crate::openapi::generated::{Conflict, NotFound};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::domain::Ticket;
use marketdesk_core::ids::TicketId;
use marketdesk_core::services::views::{self, ViewList};
use marketdesk_core::services::workflow::{self, BulkAnswer, BulkPatch, TicketPatch};

/// Adds the workflow and view routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .patch("/v1/tickets/{id}", update)
        .post("/v1/tickets/bulk", bulk)
        .get("/v1/views", list_views)
}

/// Changes a ticket's workflow.
///
/// Status (holds until the buyer writes or the marketplace changes the conversation;
/// `pending`, `solved`, `closed` mean nobody owes an answer meanwhile), assignee (an active
/// user of the tenant), queue, category, tags, priority, snooze. Nothing is sent to the
/// marketplace: solving never closes the conversation there. Records the caller as
/// `updated_by`. Only the fields given change; `null` clears.
#[utoipa::path(
    patch,
    path = "/v1/tickets/{id}",
    operation_id = "updateTicket",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id.")),
    request_body = TicketPatch,
    responses(
        (status = 200, description = "The ticket as changed.", body = Ticket),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<TicketPatch>,
) -> Result<Json<Ticket>, ApiError> {
    Ok(Json(
        workflow::patch(
            &state.ports,
            &caller.tenant_id,
            &TicketId(id),
            &caller.actor,
            patch,
        )
        .await?,
    ))
}

/// Applies the same changes to up to 100 tickets.
///
/// The changes are checked once (422 changes nothing); then each ticket is changed on its own
/// and has its result.
#[utoipa::path(
    post,
    path = "/v1/tickets/bulk",
    operation_id = "updateTickets",
    tag = "tickets",
    request_body = BulkPatch,
    responses(
        (status = 200, description = "One result per id, in the order given.", body = BulkAnswer),
    )
)]
async fn bulk(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonBody(request): JsonBody<BulkPatch>,
) -> Result<Json<BulkAnswer>, ApiError> {
    Ok(Json(
        workflow::bulk(&state.ports, &caller.tenant_id, &caller.actor, request).await?,
    ))
}

/// The caller's views with their counts.
///
/// `mine` (signed-in people), `unassigned`, `needs_reply`, `pending`, `failed_delivery`,
/// `autoresponder`, `snoozed`, then one `queue:<name>` per queue in use. Open and pending
/// tickets that are not snoozed are in the assignee, unassigned and queue views. Counts stop at
/// 1000 (`more: true`).
#[utoipa::path(
    get,
    path = "/v1/views",
    operation_id = "listViews",
    tag = "tickets",
    responses(
        (status = 200, description = "The views.", body = ViewList),
    )
)]
async fn list_views(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<ViewList>, ApiError> {
    Ok(Json(views::list(&state.ports, &caller).await?))
}
