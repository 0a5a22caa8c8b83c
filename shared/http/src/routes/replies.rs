//! `/v1/tickets/{id}/replies` (agents and admins): replies through the outbox, retries, and
//! buyers' attachments.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, PathIds};
use crate::openapi::generated::{NotFound, WrongState};
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

/// Replies to the buyer.
///
/// Checked against the conversation's limits (text: Allegro issues 20000 characters, Message
/// Center 2000, EmpikPlace 3 to 50000; one file: Allegro png/gif/bmp/tiff/jpeg/pdf up to 2 MiB
/// in issues and 5 MiB in Message Center, EmpikPlace 10 MB in total per conversation) before
/// anything is stored, then stored as `sending` and delivered by the sender: it becomes `sent`
/// with the marketplace's id, or `failed` with the reason after retries. Plain text only.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/replies",
    operation_id = "replyToTicket",
    tag = "tickets",
    params(("id" = String, Path, description = "The ticket's id.")),
    request_body = NewReply,
    responses(
        (status = 202, description = "The reply, queued for delivery.", body = Reply),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
    )
)]
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

/// Sends a failed reply again.
///
/// 409 `reply_not_failed` for others, `conversation_closed` when the conversation closed
/// meanwhile.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/replies/{rid}/retry",
    operation_id = "retryReply",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket's id."),
        ("rid" = String, Path, description = "The reply's id (`delivery.reply_id` of its message)."),
    ),
    responses(
        (status = 202, description = "The reply, queued again.", body = Reply),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
    )
)]
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

/// A file of the ticket's messages, by the `id` (or the `link`) its attachment carries.
///
/// A buyer's (or the marketplace's) is fetched from the marketplace with the account's
/// credentials, a reply's served from marketdesk's store.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/attachments/{aid}",
    operation_id = "getAttachment",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket's id."),
        ("aid" = String, Path, description = "The attachment's `id` from the ticket's messages."),
    ),
    responses(
        (
            status = 200,
            description = "The file, with its media type and a `Content-Disposition: attachment` file name.",
            content_type = "application/octet-stream",
            body = [u8],
        ),
        (status = 404, response = NotFound),
        (status = 409, response = WrongState),
    )
)]
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
