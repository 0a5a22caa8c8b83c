//! `/v1/saved-replies` (admins write, agents read) and a saved reply filled in for a ticket.

use super::Routes;
use crate::auth::{Admin, Authenticated};
use crate::extract::{JsonBody, PathId, PathIds, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::SavedReply;
use marketdesk_core::ids::{SavedReplyId, TicketId};
use marketdesk_core::services::saved_replies::{
    self, NewSavedReply, Preview, SavedReplyList, SavedReplyPatch, SavedReplyQuery,
};

/// Adds the saved-reply routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/saved-replies", list)
        .post("/v1/saved-replies", create)
        .get("/v1/saved-replies/{id}", get)
        .patch("/v1/saved-replies/{id}", update)
        .delete("/v1/saved-replies/{id}", delete)
        .get("/v1/tickets/{id}/saved-replies/{sid}/preview", preview)
}

async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<SavedReplyQuery>,
) -> Result<Json<SavedReplyList>, ApiError> {
    Ok(Json(
        saved_replies::list(&state.ports, &caller, &query).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewSavedReply>,
) -> Result<(StatusCode, Json<SavedReply>), ApiError> {
    let created = saved_replies::create(&state.ports, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
) -> Result<Json<SavedReply>, ApiError> {
    Ok(Json(
        saved_replies::get(&state.ports, &caller, &SavedReplyId(id)).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<SavedReplyPatch>,
) -> Result<Json<SavedReply>, ApiError> {
    Ok(Json(
        saved_replies::update(&state.ports, &caller, &SavedReplyId(id), patch).await?,
    ))
}

async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    saved_replies::delete(&state.ports, &caller, &SavedReplyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn preview(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, sid): PathIds,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(
        saved_replies::preview(&state.ports, &caller, &TicketId(id), &SavedReplyId(sid)).await?,
    ))
}
