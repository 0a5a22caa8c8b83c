//! `/v1/saved-replies` (admins write, agents read) and a saved reply filled in for a ticket.

use super::Routes;
use crate::auth::{Admin, Authenticated};
use crate::extract::{JsonBody, PathId, PathIds, QueryParams};
use crate::openapi::generated::{Conflict, Forbidden, NotFound, ValidationFailed, WrongState};
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

/// The tenant's saved replies by title (at most 500).
#[utoipa::path(
    get,
    path = "/v1/saved-replies",
    operation_id = "listSavedReplies",
    tag = "saved-replies",
    params(SavedReplyQuery),
    responses(
        (status = 200, description = "The saved replies.", body = SavedReplyList),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<SavedReplyQuery>,
) -> Result<Json<SavedReplyList>, ApiError> {
    Ok(Json(
        saved_replies::list(&state.ports, &caller, &query).await?,
    ))
}

/// Creates a saved reply (admins).
///
/// 409 `too_many_saved_replies` past 500.
#[utoipa::path(
    post,
    path = "/v1/saved-replies",
    operation_id = "createSavedReply",
    tag = "saved-replies",
    request_body = NewSavedReply,
    responses(
        (status = 201, description = "The saved reply.", body = SavedReply),
        (status = 403, response = Forbidden),
        (status = 409, response = WrongState),
    )
)]
async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewSavedReply>,
) -> Result<(StatusCode, Json<SavedReply>), ApiError> {
    let created = saved_replies::create(&state.ports, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One saved reply.
#[utoipa::path(
    get,
    path = "/v1/saved-replies/{id}",
    operation_id = "getSavedReply",
    tag = "saved-replies",
    params(("id" = String, Path, description = "The saved reply's id.")),
    responses(
        (status = 200, description = "The saved reply.", body = SavedReply),
        (status = 404, response = NotFound),
    )
)]
async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
) -> Result<Json<SavedReply>, ApiError> {
    Ok(Json(
        saved_replies::get(&state.ports, &caller, &SavedReplyId(id)).await?,
    ))
}

/// Changes a saved reply (admins).
#[utoipa::path(
    patch,
    path = "/v1/saved-replies/{id}",
    operation_id = "updateSavedReply",
    tag = "saved-replies",
    params(("id" = String, Path, description = "The saved reply's id.")),
    request_body = SavedReplyPatch,
    responses(
        (status = 200, description = "The saved reply as changed.", body = SavedReply),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
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

/// Deletes a saved reply (admins).
#[utoipa::path(
    delete,
    path = "/v1/saved-replies/{id}",
    operation_id = "deleteSavedReply",
    tag = "saved-replies",
    params(("id" = String, Path, description = "The saved reply's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    saved_replies::delete(&state.ports, &caller, &SavedReplyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A saved reply filled in for this ticket and the caller.
///
/// `{buyer_login}`, `{buyer_name}` (the linked customer's name, else the login), `{order_id}`,
/// `{shop_name}` (the integration's display name), `{agent_name}` (the caller's name); unknown
/// values become `-`. Send the text (edited or not) with `POST /v1/tickets/{id}/replies`; the
/// integration's signature is added then.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/saved-replies/{sid}/preview",
    operation_id = "previewSavedReply",
    tag = "saved-replies",
    params(
        ("id" = String, Path, description = "The ticket's id."),
        ("sid" = String, Path, description = "The saved reply's id."),
    ),
    responses(
        (status = 200, description = "The filled text.", body = Preview),
        (status = 404, response = NotFound),
    )
)]
async fn preview(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, sid): PathIds,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(
        saved_replies::preview(&state.ports, &caller, &TicketId(id), &SavedReplyId(sid)).await?,
    ))
}
