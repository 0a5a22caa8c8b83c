//! `/messaging/threads*` in the beta.v1 representation (scope `allegro:api:messaging`): list
//! and read threads, mark them read, list messages and reply. The public.v1 representation is
//! not simulated (406).

use super::attachments::{check_references, AttachmentScope};
use super::draft::Draft;
use super::messaging::{
    message_view, thread_view, Thread, ThreadAuthor, ThreadMessage, ThreadStatus, ThreadType,
    THREAD_TEXT_MAX_CHARS,
};
use super::paging::{self, Position};
use super::posted::{log_post, ConversationKind};
use super::posting_limit::posting_time;
use super::support::{
    attachment_ids, base_url, beta_body, int_param, query_pairs, query_value, validation_error,
    Answer, AttachmentRef,
};
use crate::allegro::errors::{error_entry, errors_holder, errors_response};
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::{SimulatorState, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

const SCOPE: &str = "allegro:api:messaging";

/// The thread routes (attachments live in `attachments_api`).
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/messaging/threads", get(list_threads))
        .route("/messaging/threads/{thread_id}", get(read_thread))
        .route("/messaging/threads/{thread_id}/read", put(mark_read))
        .route(
            "/messaging/threads/{thread_id}/messages",
            get(list_messages).post(post_message),
        )
}

/// 404 `THREAD_NOT_FOUND` exactly as Allegro words it (allegro-api.md §4.1).
fn thread_not_found(id: &str, path: &str) -> Response {
    errors_response(
        StatusCode::NOT_FOUND,
        vec![error_entry(
            "THREAD_NOT_FOUND",
            &format!("No thread with such Id [{id}]"),
            Some(path),
            "Wątek nie istnieje",
        )],
    )
}

/// The caller's thread with this id.
fn own_thread<'a>(
    world: &'a World,
    seller_id: &str,
    id: &str,
    path: &str,
) -> Result<&'a Thread, Response> {
    world
        .allegro
        .inbox
        .threads
        .get(id)
        .filter(|t| t.seller_id == seller_id)
        .ok_or_else(|| thread_not_found(id, path))
}

/// The `limit` and `page.id` of a beta.v1 listing.
fn paging_params(pairs: &[(String, String)]) -> Result<(usize, Option<Position>), Response> {
    let limit = int_param(pairs, "limit", 1, 20, 20)?;
    let after = match query_value(pairs, "page.id") {
        None | Some("") => None,
        Some(cursor) => Some(paging::decode(cursor).ok_or_else(|| {
            validation_error(&format!("Invalid page id '{cursor}'"), Some("page.id"))
        })?),
    };
    Ok((usize::try_from(limit).unwrap_or(20), after))
}

/// An enum-valued filter (`read`, `status`, `type`): `None` when absent, 422 when unknown.
fn enum_filter<T: serde::de::DeserializeOwned>(
    pairs: &[(String, String)],
    name: &str,
) -> Result<Option<T>, Response> {
    let Some(raw) = query_value(pairs, name) else {
        return Ok(None);
    };
    let value = match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        other => Value::String(other.to_owned()),
    };
    serde_json::from_value(value)
        .map(Some)
        .map_err(|_| validation_error(&format!("Invalid value '{raw}' of '{name}'"), Some(name)))
}

async fn list_threads(State(state): State<SimulatorState>, headers: HeaderMap, uri: Uri) -> Answer {
    let (world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let pairs = query_pairs(&uri);
    let (limit, after) = paging_params(&pairs)?;
    let read: Option<bool> = enum_filter(&pairs, "read")?;
    let status: Option<ThreadStatus> = enum_filter(&pairs, "status")?;
    let thread_type: Option<ThreadType> = enum_filter(&pairs, "type")?;
    let order_id = query_value(&pairs, "orderId");
    let found: Vec<(Position, Value)> = world
        .allegro
        .inbox
        .threads
        .values()
        .filter(|t| t.seller_id == caller.seller_id)
        .filter(|t| read.is_none_or(|r| t.read == r))
        .filter(|t| status.is_none_or(|s| t.status == s))
        .filter(|t| thread_type.is_none_or(|k| t.thread_type == k))
        .filter(|t| order_id.is_none_or(|id| t.order.as_ref().is_some_and(|o| o.id == id)))
        .map(|t| ((t.last_message_at(), t.seq), thread_view(t)))
        .collect();
    let (threads, next) = paging::page(found, after, limit);
    Ok(page_response("threads", threads, next))
}

/// 200 with one page of a beta.v1 listing under `key`, and its `nextPage`.
fn page_response(key: &str, items: Vec<Value>, next: Option<String>) -> Response {
    json_response(
        StatusCode::OK,
        Media::Beta,
        &json!({ key: items, "nextPage": next.map(|id| json!({ "id": id })) }),
    )
}

async fn read_thread(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let (world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let thread = own_thread(&world, &caller.seller_id, &thread_id, uri.path())?;
    Ok(json_response(
        StatusCode::OK,
        Media::Beta,
        &thread_view(thread),
    ))
}

/// `ThreadReadFlagVBeta1`.
#[derive(Debug, Deserialize)]
struct ReadFlag {
    #[serde(default)]
    read: Option<bool>,
}

async fn mark_read(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Answer {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let flag: ReadFlag = beta_body(&headers, &body)?;
    own_thread(&world, &caller.seller_id, &thread_id, uri.path())?;
    let Some(read) = flag.read else {
        return Err(validation_error("The read flag is missing", Some("read")));
    };
    if let Some(thread) = world.allegro.inbox.threads.get_mut(&thread_id) {
        thread.read = read;
    }
    Ok(json_response(
        StatusCode::OK,
        Media::Beta,
        &json!({ "read": read }),
    ))
}

async fn list_messages(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let (world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let (limit, after) = paging_params(&query_pairs(&uri))?;
    let thread = own_thread(&world, &caller.seller_id, &thread_id, uri.path())?;
    let base = base_url(&headers);
    let attachments = &world.allegro.inbox.attachments;
    let found: Vec<(Position, Value)> = thread
        .messages
        .iter()
        .map(|m| {
            (
                (m.created_at, m.seq),
                message_view(thread, m, attachments, &base),
            )
        })
        .collect();
    let (messages, next) = paging::page(found, after, limit);
    Ok(page_response("messages", messages, next))
}

/// `NewMessageInThread`.
#[derive(Debug, Deserialize)]
struct NewMessageInThread {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    attachments: Option<Vec<AttachmentRef>>,
}

async fn post_message(
    State(state): State<SimulatorState>,
    Path(thread_id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Answer {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Beta)?;
    let request: NewMessageInThread = beta_body(&headers, &body)?;
    let thread = own_thread(&world, &caller.seller_id, &thread_id, uri.path())?;
    if thread.status == ThreadStatus::Closed {
        let message = match thread.thread_type {
            ThreadType::PostPurchaseIssue => {
                "Cannot add a message to a closed POST_PURCHASE_ISSUE thread."
            }
            ThreadType::Common => "Cannot add a message to a closed thread.",
        };
        return Err(errors_holder(
            StatusCode::UNPROCESSABLE_ENTITY,
            "THREAD_CLOSED",
            message,
            None,
        ));
    }
    let login = thread.seller_login.clone();
    let Some(text) = request.text else {
        return Err(validation_error("The text is required", Some("text")));
    };
    let attachments = attachment_ids(request.attachments);
    if text.trim().is_empty() && attachments.is_empty() {
        return Err(validation_error("The text must not be blank", Some("text")));
    }
    if text.chars().count() > THREAD_TEXT_MAX_CHARS {
        return Err(validation_error(
            &format!("The text may have at most {THREAD_TEXT_MAX_CHARS} characters"),
            Some("text"),
        ));
    }
    check_references(
        &world.allegro.inbox.attachments,
        &caller.seller_id,
        AttachmentScope::Message,
        &attachments,
    )
    .map_err(|reason| validation_error(&reason, Some("attachments")))?;

    let now = posting_time(&world, &caller.seller_id)?;
    let inbox = &mut world.allegro.inbox;
    let draft = Draft::new(inbox, Some(login), text, attachments, now);
    let Some(thread) = inbox.threads.get_mut(&thread_id) else {
        return Err(thread_not_found(&thread_id, uri.path()));
    };
    let message = ThreadMessage::from_draft(draft.clone(), ThreadAuthor::Seller);
    thread.messages.push(message.clone());
    // Answering means the seller saw the thread.
    thread.read = true;
    let view = message_view(thread, &message, &inbox.attachments, &base_url(&headers));
    log_post(
        inbox,
        &caller.seller_id,
        (ConversationKind::Thread, &thread_id),
        None,
        &draft,
    );
    Ok(json_response(StatusCode::CREATED, Media::Beta, &view))
}
