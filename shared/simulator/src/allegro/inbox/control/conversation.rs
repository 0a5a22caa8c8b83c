//! What opening and writing in issues and threads through the control API share: checking the
//! parties, storing the files, and appending a message written as someone.

use super::files::{store_files, NewFile};
use crate::allegro::catalog::{Buyer, Order};
use crate::allegro::inbox::attachments::AttachmentScope;
use crate::allegro::inbox::draft::Draft;
use crate::allegro::inbox::{to_millis, Inbox};
use crate::control::support::{answer, invalid, not_found, parse_or_empty, ControlError, Outcome};
use crate::state::{SimulatorState, World};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

/// 422 when a message has neither a text nor a file.
pub(super) fn require_text(text: &str, files: &[NewFile]) -> Result<(), ControlError> {
    if text.trim().is_empty() && files.is_empty() {
        return Err(invalid("text must not be empty (or attach a file)"));
    }
    Ok(())
}

/// Who a new conversation is between, and its first message's files.
pub(super) struct Opening {
    /// When the conversation starts: the requested time, else now (whole milliseconds).
    pub created: DateTime<Utc>,
    /// The seller's login.
    pub seller_login: String,
    /// The buyer who opens it.
    pub buyer: Buyer,
    /// The order it is about, if one was named.
    pub order: Option<Order>,
    /// Ids of the first message's stored attachments.
    pub files: Vec<String>,
}

/// Checks the seller, the buyer and the order between them (404 unknown, 422 not theirs) and
/// stores the first message's files as of `at` (now when absent).
pub(super) fn open(
    world: &mut World,
    (seller_id, buyer_id, order_id): (&str, &str, Option<&str>),
    at: Option<DateTime<Utc>>,
    scope: AttachmentScope,
    files: Vec<NewFile>,
) -> Result<Opening, ControlError> {
    let now = to_millis(world.clock.now());
    let created = at.map_or(now, to_millis);
    let (seller_login, buyer, order) = parties(world, seller_id, buyer_id, order_id)?;
    let files = store_files(world, scope, seller_id, files, created)?;
    Ok(Opening {
        created,
        seller_login,
        buyer,
        order,
        files,
    })
}

/// The seller's login, the buyer and (if named) the order between them.
fn parties(
    world: &World,
    seller_id: &str,
    buyer_id: &str,
    order_id: Option<&str>,
) -> Result<(String, Buyer, Option<Order>), ControlError> {
    let seller = world
        .allegro
        .accounts
        .sellers
        .get(seller_id)
        .ok_or_else(|| not_found(format!("unknown seller {seller_id}")))?;
    let buyer = world
        .allegro
        .catalog
        .buyer(buyer_id)
        .ok_or_else(|| not_found(format!("unknown buyer {buyer_id}")))?;
    let order = match order_id {
        None => None,
        Some(id) => {
            let order = world
                .allegro
                .catalog
                .order(id)
                .ok_or_else(|| not_found(format!("unknown order {id}")))?;
            if order.seller_id != seller_id || order.buyer_id != buyer_id {
                return Err(invalid(format!(
                    "order {id} is not between seller {seller_id} and buyer {buyer_id}"
                )));
            }
            Some(order.clone())
        }
    };
    Ok((seller.login.clone(), buyer.clone(), order))
}

/// Body of `POST /issues/{id}/messages` and `POST /threads/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddMessage<A> {
    author: A,
    text: String,
    #[serde(default)]
    attachments: Vec<NewFile>,
}

/// An issue or a thread, as the control API writes in it.
pub(super) trait Conversation {
    /// Who may write in it.
    type Author: DeserializeOwned;
    /// The API its attachments belong to.
    const SCOPE: AttachmentScope;
    /// The seller of conversation `id` and the login its view shows for `author`; 404 when
    /// there is no such conversation.
    fn author_of(
        world: &World,
        id: &str,
        author: &Self::Author,
    ) -> Result<(String, Option<String>), ControlError>;
    /// Appends `draft`, written by `author`, to conversation `id`.
    fn append(inbox: &mut Inbox, id: &str, author: Self::Author, draft: Draft);
}

/// `POST /issues/{id}/messages`, `POST /threads/{id}/messages`: writes as anyone the
/// conversation knows, with files stored as its attachments; 201 `{id}` of the new message.
pub(super) async fn add_message<C: Conversation>(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Outcome {
    let body: AddMessage<C::Author> = parse_or_empty(&body)?;
    require_text(&body.text, &body.attachments)?;
    let mut world = state.lock();
    let now = to_millis(world.clock.now());
    let (seller_id, login) = C::author_of(&world, &id, &body.author)?;
    let attachments = store_files(&mut world, C::SCOPE, &seller_id, body.attachments, now)?;
    let inbox = &mut world.allegro.inbox;
    let draft = Draft::new(inbox, login, body.text, attachments, now);
    let message_id = draft.id.clone();
    C::append(inbox, &id, body.author, draft);
    Ok(answer(StatusCode::CREATED, json!({ "id": message_id })))
}
