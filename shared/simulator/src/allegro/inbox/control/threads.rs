//! Control routes for Message Center threads: open, write, close and reopen.

use super::conversation::{open, require_text, Conversation, Opening};
use super::files::NewFile;
use super::Empty;
use crate::allegro::inbox::attachments::AttachmentScope;
use crate::allegro::inbox::draft::Draft;
use crate::allegro::inbox::messaging::{
    Thread, ThreadAuthor, ThreadMessage, ThreadOrder, ThreadOrderOffer, ThreadStatus, ThreadType,
    SUB_TYPES,
};
use crate::allegro::inbox::Inbox;
use crate::control::support::{answer, invalid, not_found, parse_or_empty, ControlError, Outcome};
use crate::state::{SimulatorState, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
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
    /// Who writes the first message: the buyer (default), or Allegro on the buyer's behalf.
    #[serde(default)]
    first_author: ThreadOpener,
}

/// Who may write a thread's first message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ThreadOpener {
    /// The buyer.
    #[default]
    Buyer,
    /// Allegro itself (its assistant), writing for the buyer.
    Allegro,
    /// An Allegro consultant, writing for the buyer.
    Consultant,
}

impl ThreadOpener {
    /// The author of the first message.
    fn author(self) -> ThreadAuthor {
        match self {
            ThreadOpener::Buyer => ThreadAuthor::Buyer,
            ThreadOpener::Allegro => ThreadAuthor::Allegro,
            ThreadOpener::Consultant => ThreadAuthor::Consultant,
        }
    }
}

/// `POST /threads`: a buyer opens a thread (or Allegro opens it for them, with
/// `first_author`); 201 `{id}`.
pub(super) async fn open_thread(State(state): State<SimulatorState>, body: Bytes) -> Outcome {
    let body: OpenThread = parse_or_empty(&body)?;
    let issue = body.thread_type == ThreadType::PostPurchaseIssue;
    if issue && body.order_id.is_none() {
        return Err(invalid("a POST_PURCHASE_ISSUE thread needs an order_id"));
    }
    match body.sub_type.as_deref() {
        Some(_) if !issue => {
            return Err(invalid("sub_type is for POST_PURCHASE_ISSUE threads only"));
        }
        Some(sub_type) if !SUB_TYPES.contains(&sub_type) => {
            return Err(invalid(format!(
                "sub_type must be one of {}",
                SUB_TYPES.join(", ")
            )));
        }
        _ => {}
    }
    require_text(&body.text, &body.attachments)?;
    let mut world = state.lock();
    let Opening {
        created,
        seller_login,
        buyer,
        order,
        files,
    } = open(
        &mut world,
        (&body.seller_id, &body.buyer_id, body.order_id.as_deref()),
        body.created_at,
        AttachmentScope::Message,
        body.attachments,
    )?;
    let inbox = &mut world.allegro.inbox;
    let opener = body.first_author.author();
    // Allegro's authors show no login, as their messages do.
    let login = (opener == ThreadAuthor::Buyer).then(|| buyer.login.clone());
    let first = Draft::new(inbox, login, body.text, files, created);
    let thread = Thread {
        id: Thread::new_id(),
        seq: first.seq,
        seller_id: body.seller_id,
        seller_login,
        buyer_id: buyer.id,
        buyer_login: buyer.login,
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
        messages: vec![ThreadMessage::from_draft(first, opener)],
    };
    let id = thread.id.clone();
    inbox.threads.insert(id.clone(), thread);
    Ok(answer(StatusCode::CREATED, json!({ "id": id })))
}

impl Conversation for Thread {
    type Author = ThreadAuthor;
    const SCOPE: AttachmentScope = AttachmentScope::Message;

    fn author_of(
        world: &World,
        id: &str,
        author: &ThreadAuthor,
    ) -> Result<(String, Option<String>), ControlError> {
        let thread = world
            .allegro
            .inbox
            .threads
            .get(id)
            .ok_or_else(|| not_found(format!("unknown thread {id}")))?;
        let login = match author {
            ThreadAuthor::Buyer => Some(thread.buyer_login.clone()),
            ThreadAuthor::Seller => Some(thread.seller_login.clone()),
            ThreadAuthor::Consultant | ThreadAuthor::Allegro => None,
        };
        Ok((thread.seller_id.clone(), login))
    }

    fn append(inbox: &mut Inbox, id: &str, author: ThreadAuthor, draft: Draft) {
        if let Some(thread) = inbox.threads.get_mut(id) {
            // The seller has seen what they wrote; anything else is news for them.
            thread.read = author == ThreadAuthor::Seller;
            thread
                .messages
                .push(ThreadMessage::from_draft(draft, author));
        }
    }
}

/// Sets a thread's status, answering `{id, status}`.
fn set_thread_status(
    state: &SimulatorState,
    id: &str,
    body: &[u8],
    status: ThreadStatus,
) -> Outcome {
    let _: Empty = parse_or_empty(body)?;
    let mut world = state.lock();
    let thread = world
        .allegro
        .inbox
        .threads
        .get_mut(id)
        .ok_or_else(|| not_found(format!("unknown thread {id}")))?;
    thread.status = status;
    Ok(answer(
        StatusCode::OK,
        json!({ "id": thread.id, "status": thread.status }),
    ))
}

/// `POST /threads/{id}/close`: the thread refuses replies.
pub(super) async fn close_thread(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Outcome {
    set_thread_status(&state, &id, &body, ThreadStatus::Closed)
}

/// `POST /threads/{id}/reopen`: the thread takes replies again.
pub(super) async fn reopen_thread(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Outcome {
    set_thread_status(&state, &id, &body, ThreadStatus::Open)
}
