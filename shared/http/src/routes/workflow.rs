//! Ticket workflow and views: `PATCH /v1/tickets/{id}`, `POST /v1/tickets/bulk`,
//! `GET /v1/views` (agents and admins).

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId};
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

async fn bulk(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonBody(request): JsonBody<BulkPatch>,
) -> Result<Json<BulkAnswer>, ApiError> {
    Ok(Json(
        workflow::bulk(&state.ports, &caller.tenant_id, &caller.actor, request).await?,
    ))
}

async fn list_views(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Json<ViewList>, ApiError> {
    Ok(Json(views::list(&state.ports, &caller).await?))
}
