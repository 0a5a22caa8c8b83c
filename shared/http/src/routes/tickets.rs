//! `/v1/tickets` (agents and admins): the ticket list (or a view's page), one ticket,
//! internal comments.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, QueryParams};
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

async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<TicketQuery>,
) -> Result<Json<TicketPage>, ApiError> {
    Ok(Json(
        views::list_tickets(&state.ports, &caller, &query).await?,
    ))
}

async fn detail(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
) -> Result<Json<TicketDetail>, ApiError> {
    Ok(Json(
        ticket_views::detail(&state.ports, &caller.tenant_id, &TicketId(id)).await?,
    ))
}

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
