//! Control routes of the inbox, nested at `/__sandbox/allegro/inbox`: open disputes, claims and
//! threads as a buyer, write as the buyer, marketplace staff or the seller on Allegro's own
//! site, close and reopen, decide claims, and read what sellers posted through the API.
//!
//! Bodies are JSON with unknown fields refused; bad input answers 422 and unknown ids 404, both
//! as `{"error": "…"}`. Control calls are not bound by the API's rules (closed chats, the
//! posting limit), only by the data's consistency.

mod issues;
mod threads;

use super::attachments::{allowed_content_type, Attachment, AttachmentScope};
use super::posted::posted_view;
use super::support::query_pairs;
use crate::allegro::catalog::{Buyer, Order};
use crate::state::{SandboxState, World};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// The inbox control routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/issues", post(issues::open_issue))
        .route("/issues/{id}/messages", post(issues::add_issue_message))
        .route("/issues/{id}/close", post(issues::close_issue))
        .route("/issues/{id}/reopen", post(issues::reopen_issue))
        .route("/issues/{id}/claim-status", post(issues::set_claim_status))
        .route("/threads", post(threads::open_thread))
        .route("/threads/{id}/messages", post(threads::add_thread_message))
        .route("/threads/{id}/close", post(threads::close_thread))
        .route("/threads/{id}/reopen", post(threads::reopen_thread))
        .route("/posted", get(posted))
}

type Outcome = Result<Response, Response>;

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn invalid(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn not_found(message: &str) -> Response {
    error(StatusCode::NOT_FOUND, message)
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Parses a control body; an empty body reads as `{}`.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| invalid(&format!("invalid body: {e}")))
}

/// A file a buyer or staff member attaches.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewFile {
    file_name: String,
    content_type: String,
    data_base64: String,
}

/// Decodes and stores files as uploaded attachments of `seller_id`'s conversation.
fn store_files(
    world: &mut World,
    scope: AttachmentScope,
    seller_id: &str,
    files: Vec<NewFile>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Response> {
    let mut decoded = Vec::new();
    for file in files {
        if file.file_name.trim().is_empty() {
            return Err(invalid("attachments: file_name must not be empty"));
        }
        let Some(content_type) = allowed_content_type(&file.content_type) else {
            return Err(invalid(&format!(
                "attachments: content_type '{}' is not one of image/png, image/gif, image/bmp, \
                 image/tiff, image/jpeg, application/pdf",
                file.content_type
            )));
        };
        let data = base64::engine::general_purpose::STANDARD
            .decode(file.data_base64.trim())
            .map_err(|e| invalid(&format!("attachments: data_base64 is not base64: {e}")))?;
        if data.len() as u64 > scope.max_bytes() {
            return Err(invalid(&format!(
                "attachments: {} has {} bytes, more than the {} allowed",
                file.file_name,
                data.len(),
                scope.max_bytes()
            )));
        }
        decoded.push(Attachment::uploaded(
            scope,
            seller_id,
            &file.file_name,
            &content_type,
            data,
            now,
        ));
    }
    let store = &mut world.allegro.inbox.attachments;
    Ok(decoded
        .into_iter()
        .map(|a| {
            let id = a.id.clone();
            store.insert(id.clone(), a);
            id
        })
        .collect())
}

/// The seller, the buyer and (if named) the order between them.
fn parties(
    world: &World,
    seller_id: &str,
    buyer_id: &str,
    order_id: Option<&str>,
) -> Result<(String, Buyer, Option<Order>), Response> {
    let seller = world
        .allegro
        .accounts
        .sellers
        .get(seller_id)
        .ok_or_else(|| not_found(&format!("unknown seller {seller_id}")))?;
    let buyer = world
        .allegro
        .catalog
        .buyer(buyer_id)
        .ok_or_else(|| not_found(&format!("unknown buyer {buyer_id}")))?;
    let order = match order_id {
        None => None,
        Some(id) => {
            let order = world
                .allegro
                .catalog
                .order(id)
                .ok_or_else(|| not_found(&format!("unknown order {id}")))?;
            if order.seller_id != seller_id || order.buyer_id != buyer_id {
                return Err(invalid(&format!(
                    "order {id} is not between seller {seller_id} and buyer {buyer_id}"
                )));
            }
            Some(order.clone())
        }
    };
    Ok((seller.login.clone(), buyer.clone(), order))
}

fn require_text(text: &str, files: &[NewFile]) -> Result<(), Response> {
    if text.trim().is_empty() && files.is_empty() {
        return Err(invalid("text must not be empty (or attach a file)"));
    }
    Ok(())
}

fn finish(outcome: Outcome) -> Response {
    outcome.unwrap_or_else(|e| e)
}

/// An empty body (`{}` or nothing).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Empty {}

/// `GET /posted[?seller_id=…][&conversation_id=…]`: `{"posted": […]}`, oldest first.
async fn posted(State(state): State<SandboxState>, uri: Uri) -> Response {
    let pairs = query_pairs(&uri);
    for (name, _) in &pairs {
        if name != "seller_id" && name != "conversation_id" {
            return invalid(&format!(
                "unknown parameter {name}: use seller_id and/or conversation_id"
            ));
        }
    }
    let wanted = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let (seller_id, conversation_id) = (wanted("seller_id"), wanted("conversation_id"));
    let world = state.lock();
    let posted: Vec<Value> = world
        .allegro
        .inbox
        .posted
        .iter()
        .filter(|p| seller_id.as_ref().is_none_or(|s| &p.seller_id == s))
        .filter(|p| {
            conversation_id
                .as_ref()
                .is_none_or(|c| &p.conversation_id == c)
        })
        .map(posted_view)
        .collect();
    answer(StatusCode::OK, json!({ "posted": posted }))
}
