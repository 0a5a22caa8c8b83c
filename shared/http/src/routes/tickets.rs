//! `/v1/tickets` (agents and admins): the ticket list (or a view's page), one ticket,
//! internal comments.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::openapi::generated::{NotFound, ValidationFailed};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::Message;
use marketdesk_core::ids::TicketId;
use marketdesk_core::services::comments::{self, NewComment};
use marketdesk_core::services::ticket_views::{self, TicketDetail, TicketPage, TicketQuery};
use marketdesk_core::services::views;

/// Adds the ticket routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/tickets", list)
        .get("/v1/tickets/{id}", detail)
        .post("/v1/tickets/{id}/comments", comment)
}

/// The tenant's tickets, most recent activity first, filtered while paging.
///
/// A page may hold fewer than `limit` tickets (even none) and still have a `next_cursor`.
#[utoipa::path(
    get,
    path = "/v1/tickets",
    operation_id = "listTickets",
    tag = "tickets",
    params(TicketQuery),
    responses(
        (status = 200, description = "A page of tickets.", body = TicketPage),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<TicketQuery>,
) -> Result<Json<TicketPage>, ApiError> {
    Ok(Json(
        views::list_tickets(&state.ports, &caller, &query).await?,
    ))
}

/// One ticket with its messages (authors included), panel and customer.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}",
    operation_id = "getTicket",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id.")),
    responses(
        (status = 200, description = "The ticket.", body = TicketDetail),
        (status = 404, response = NotFound),
    )
)]
async fn detail(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
) -> Result<Json<TicketDetail>, ApiError> {
    Ok(Json(
        ticket_views::detail(&state.ports, &caller.tenant_id, &TicketId(id)).await?,
    ))
}

/// Adds an internal comment (plain text, never sent to the buyer; closed conversations take comments too).
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/comments",
    operation_id = "addComment",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id.")),
    request_body = NewComment,
    responses(
        (status = 201, description = "The comment, stored as a message.", body = Message),
        (status = 404, response = NotFound),
    )
)]
async fn comment(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(request): JsonBody<NewComment>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let message = comments::add(
        &state.ports,
        &caller.tenant_id,
        &TicketId(id),
        Some(&caller.actor),
        request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(message)))
}
