//! `/v1/tickets/{id}/replies` (agents and admins): replies through the outbox, retries, and
//! buyers' attachments.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, PathIds};
use crate::{ApiError, AppState};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marketdesk_core::domain::Reply;
use marketdesk_core::ids::{MessageId, TicketId};
use marketdesk_core::services::attachments;
use marketdesk_core::services::replies::{self, NewReply};

/// Adds the reply and attachment routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .post("/v1/tickets/{id}/replies", submit)
        .post("/v1/tickets/{id}/replies/{rid}/retry", retry)
        .get("/v1/tickets/{id}/attachments/{aid}", attachment)
}

async fn submit(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(request): JsonBody<NewReply>,
) -> Result<(StatusCode, Json<Reply>), ApiError> {
    let reply = replies::submit(
        &state.ports,
        &caller.tenant_id,
        &TicketId(id),
        Some(&caller.actor),
        request,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(reply)))
}

async fn retry(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, rid): PathIds,
) -> Result<(StatusCode, Json<Reply>), ApiError> {
    let reply = replies::retry(
        &state.ports,
        &caller.tenant_id,
        &TicketId(id),
        Some(&caller.actor),
        &MessageId(rid),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(reply)))
}

async fn attachment(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathIds(id, aid): PathIds,
) -> Result<Response, ApiError> {
    let file = attachments::fetch(
        &state.ports,
        &state.deliveries,
        &caller.tenant_id,
        &TicketId(id),
        &aid,
    )
    .await?;
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        safe_filename(&file.filename)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        // Streamed as it arrives from the marketplace: never held whole in memory.
        Body::from_stream(file.body),
    )
        .into_response())
}

/// The file name as an ASCII header value: quotes, controls and non-ASCII become `_`.
fn safe_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
