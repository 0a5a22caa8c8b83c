//! Control routes for Message Center threads: open, write, close and reopen.

use super::{
    answer, finish, invalid, not_found, parse, parties, require_text, store_files, Empty, NewFile,
    Outcome,
};
use crate::allegro::inbox::attachments::AttachmentScope;
use crate::allegro::inbox::messaging::{
    Thread, ThreadAuthor, ThreadMessage, ThreadOrder, ThreadOrderOffer, ThreadStatus, ThreadType,
    SUB_TYPES,
};
use crate::allegro::inbox::to_millis;
use crate::state::SandboxState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

/// Body of `POST /threads`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenThread {
    seller_id: String,
    buyer_id: String,
    #[serde(rename = "type")]
    thread_type: ThreadType,
    #[serde(default)]
    sub_type: Option<String>,
    #[serde(default)]
    order_id: Option<String>,
    text: String,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    attachments: Vec<NewFile>,
}

pub(super) async fn open_thread(State(state): State<SandboxState>, body: Bytes) -> Response {
    finish(create_thread(&state, &body))
}

fn create_thread(state: &SandboxState, body: &[u8]) -> Outcome {
    let body: OpenThread = parse(body)?;
    let issue = body.thread_type == ThreadType::PostPurchaseIssue;
    if issue && body.order_id.is_none() {
        return Err(invalid("a POST_PURCHASE_ISSUE thread needs an order_id"));
    }
    match body.sub_type.as_deref() {
        Some(_) if !issue => {
            return Err(invalid("sub_type is for POST_PURCHASE_ISSUE threads only"));
        }
        Some(sub_type) if !SUB_TYPES.contains(&sub_type) => {
            return Err(invalid(&format!(
                "sub_type must be one of {}",
                SUB_TYPES.join(", ")
            )));
        }
        _ => {}
    }
    require_text(&body.text, &body.attachments)?;
    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let created = body.created_at.map_or(now, to_millis);
    let (seller_login, buyer, order) = parties(
        &world,
        &body.seller_id,
        &body.buyer_id,
        body.order_id.as_deref(),
    )?;
    let files = store_files(
        &mut world,
        AttachmentScope::Message,
        &body.seller_id,
        body.attachments,
        created,
    )?;
    let inbox = &mut world.allegro.inbox;
    let seq = inbox.next_seq();
    let thread = Thread {
        id: Thread::new_id(),
        seq,
        seller_id: body.seller_id,
        seller_login,
        buyer_id: buyer.id,
        buyer_login: buyer.login.clone(),
        thread_type: body.thread_type,
        sub_type: body.sub_type,
        order: order.map(|o| ThreadOrder {
            id: o.id,
            offers: o
                .line_items
                .into_iter()
                .map(|line| ThreadOrderOffer {
                    id: line.offer_id,
                    quantity: line.quantity,
                })
                .collect(),
        }),
        created_at: created,
        read: false,
        status: ThreadStatus::Open,
        messages: vec![ThreadMessage {
            id: uuid::Uuid::new_v4().to_string(),
            seq,
            author: ThreadAuthor::Buyer,
            login: Some(buyer.login),
            text: body.text,
            attachments: files,
            created_at: created,
        }],
    };
    let id = thread.id.clone();
    inbox.threads.insert(id.clone(), thread);
    Ok(answer(StatusCode::CREATED, json!({ "id": id })))
}

/// Body of `POST /threads/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddThreadMessage {
    author: ThreadAuthor,
    text: String,
    #[serde(default)]
    attachments: Vec<NewFile>,
}

pub(super) async fn add_thread_message(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish((|| -> Outcome {
        let body: AddThreadMessage = parse(&body)?;
        require_text(&body.text, &body.attachments)?;
        let mut world = state.lock();
        let now = to_millis(world.clock.now());
        let thread = world
            .allegro
            .inbox
            .threads
            .get(&id)
            .ok_or_else(|| not_found(&format!("unknown thread {id}")))?;
        let seller_id = thread.seller_id.clone();
        let login = match body.author {
            ThreadAuthor::Buyer => Some(thread.buyer_login.clone()),
            ThreadAuthor::Seller => Some(thread.seller_login.clone()),
            ThreadAuthor::Consultant | ThreadAuthor::Allegro => None,
        };
        let files = store_files(
            &mut world,
            AttachmentScope::Message,
            &seller_id,
            body.attachments,
            now,
        )?;
        let inbox = &mut world.allegro.inbox;
        let message = ThreadMessage {
            id: uuid::Uuid::new_v4().to_string(),
            seq: inbox.next_seq(),
            author: body.author,
            login,
            text: body.text,
            attachments: files,
            created_at: now,
        };
        let message_id = message.id.clone();
        if let Some(thread) = inbox.threads.get_mut(&id) {
            // The seller has seen what they wrote; anything else is news for them.
            thread.read = body.author == ThreadAuthor::Seller;
            thread.messages.push(message);
        }
        Ok(answer(StatusCode::CREATED, json!({ "id": message_id })))
    })())
}

/// Sets a thread's status, answering `{id, status}`.
fn set_thread_status(state: &SandboxState, id: &str, body: &[u8], status: ThreadStatus) -> Outcome {
    let _: Empty = parse(body)?;
    let mut world = state.lock();
    let thread = world
        .allegro
        .inbox
        .threads
        .get_mut(id)
        .ok_or_else(|| not_found(&format!("unknown thread {id}")))?;
    thread.status = status;
    Ok(answer(
        StatusCode::OK,
        json!({ "id": thread.id, "status": thread.status }),
    ))
}

pub(super) async fn close_thread(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(set_thread_status(&state, &id, &body, ThreadStatus::Closed))
}

pub(super) async fn reopen_thread(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(set_thread_status(&state, &id, &body, ThreadStatus::Open))
}
