//! What sellers posted through the API (not messages written on Allegro's own site), so tests
//! can assert that replies arrived.

use super::attachments::Attachment;
use super::draft::Draft;
use super::{timestamp, Inbox};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Which kind of conversation a message went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationKind {
    /// A post-purchase issue (`/sale/issues`).
    Issue,
    /// A Message Center thread (`/messaging`).
    Thread,
}

impl ConversationKind {
    /// `"issue"` or `"thread"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Issue => "issue",
            ConversationKind::Thread => "thread",
        }
    }
}

/// An attachment of a posted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedAttachment {
    /// Attachment id.
    pub id: String,
    /// File name.
    pub file_name: String,
    /// Content type of the upload.
    pub content_type: Option<String>,
    /// Bytes uploaded.
    pub size: u64,
}

/// One message a seller posted through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedMessage {
    /// The seller.
    pub seller_id: String,
    /// Issue or thread.
    pub conversation: ConversationKind,
    /// Issue or thread id.
    pub conversation_id: String,
    /// The new message's id.
    pub message_id: String,
    /// Its text.
    pub text: String,
    /// Issue messages: `REGULAR`, `END_REQUEST`, …; threads: none.
    pub message_type: Option<String>,
    /// Its attachments.
    pub attachments: Vec<PostedAttachment>,
    /// When it was posted (simulator clock).
    pub posted_at: DateTime<Utc>,
}

/// The control API's view of a posted message.
pub fn posted_view(posted: &PostedMessage) -> Value {
    json!({
        "seller_id": posted.seller_id,
        "conversation": posted.conversation.as_str(),
        "conversation_id": posted.conversation_id,
        "message_id": posted.message_id,
        "text": posted.text,
        "type": posted.message_type,
        "attachments": posted.attachments.iter().map(|a| json!({
            "id": a.id,
            "file_name": a.file_name,
            "content_type": a.content_type,
            "size": a.size,
        })).collect::<Vec<_>>(),
        "posted_at": timestamp(posted.posted_at),
    })
}

/// Logs `message`, which `seller_id` just posted through the API to `conversation` (kind and
/// id) with `message_type`, and starts the seller's posting interval.
pub fn log_post(
    inbox: &mut Inbox,
    seller_id: &str,
    conversation: (ConversationKind, &str),
    message_type: Option<String>,
    message: &Draft,
) {
    let attachments = posted_attachments(&inbox.attachments, &message.attachments);
    inbox.posted.push(PostedMessage {
        seller_id: seller_id.to_owned(),
        conversation: conversation.0,
        conversation_id: conversation.1.to_owned(),
        message_id: message.id.clone(),
        text: message.text.clone(),
        message_type,
        attachments,
        posted_at: message.created_at,
    });
    // The 1 post/s per user covers Message Center posts only (allegro-api.md §4.2).
    if conversation.0 == ConversationKind::Thread {
        inbox.posting_limit.record(seller_id, message.created_at);
    }
}

/// What the log keeps of the attachments with these ids.
pub fn posted_attachments(
    store: &BTreeMap<String, Attachment>,
    ids: &[String],
) -> Vec<PostedAttachment> {
    ids.iter()
        .filter_map(|id| store.get(id))
        .map(|a| PostedAttachment {
            id: a.id.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.data.as_ref().map_or(0, |d| d.len() as u64),
        })
        .collect()
}
