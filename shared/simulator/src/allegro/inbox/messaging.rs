//! Message Center threads and their messages: the data and the beta.v1 JSON views
//! (`ThreadVBeta1`, `MessageVBeta1` of the 2026-09 spec).
//!
//! In `COMMON` threads both people appear with role `USER` (as in the spec's example); in
//! `POST_PURCHASE_ISSUE` threads they are `BUYER` and `SELLER`.

use super::attachments::{message_attachment_view, views, Attachment};
use super::draft::Draft;
use super::timestamp;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Longest text of a message posted to a thread.
pub const THREAD_TEXT_MAX_CHARS: usize = 2_000;

/// `ThreadVBeta1.subType` values.
pub const SUB_TYPES: &[&str] = &[
    "PRODUCT_INCONSISTENT_WITH_THE_OFFER",
    "PRODUCT_ARRIVED_DAMAGED",
    "DEFECT_DETECTED_DURING_USE",
    "NO_PRODUCT_IN_THE_SHIPMENT",
    "MISSING_PRODUCT_ELEMENTS",
    "OTHER",
    "NO_REFUND",
    "SELLER_DOES_NOT_WANT_TO_ACCEPT_RETURN",
    "PROBLEM_WITH_SENDING_PRODUCT_BACK",
    "NO_DOCUMENTATIONS",
];

/// `ThreadVBeta1.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThreadType {
    /// An ordinary conversation.
    Common,
    /// A purchase problem (since 2026-10-28).
    PostPurchaseIssue,
}

/// `ThreadVBeta1.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThreadStatus {
    /// Messages may be added.
    Open,
    /// Closed.
    Closed,
}

/// Who wrote a thread message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThreadAuthor {
    /// The buyer.
    Buyer,
    /// The seller (through the API or on Allegro's site).
    Seller,
    /// An Allegro consultant.
    Consultant,
    /// Allegro itself.
    Allegro,
}

/// An offer of a thread's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadOrderOffer {
    /// Offer id.
    pub id: String,
    /// Units bought.
    pub quantity: u32,
}

/// The order a thread is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadOrder {
    /// Checkout form id.
    pub id: String,
    /// Its offers.
    pub offers: Vec<ThreadOrderOffer>,
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    /// Id (uuid).
    pub id: String,
    /// Creation counter (ties of `created_at`).
    pub seq: u64,
    /// Who wrote it.
    pub author: ThreadAuthor,
    /// Author login (none for staff).
    pub login: Option<String>,
    /// Text.
    pub text: String,
    /// Attachment ids.
    pub attachments: Vec<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl ThreadMessage {
    /// `draft` written by `author`.
    pub fn from_draft(draft: Draft, author: ThreadAuthor) -> Self {
        Self {
            id: draft.id,
            seq: draft.seq,
            author,
            login: draft.login,
            text: draft.text,
            attachments: draft.attachments,
            created_at: draft.created_at,
        }
    }
}

/// A Message Center thread between a seller and a buyer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Id: 43 base64url characters.
    pub id: String,
    /// Creation counter (ties of times).
    pub seq: u64,
    /// The seller.
    pub seller_id: String,
    /// The seller's login.
    pub seller_login: String,
    /// The buyer's user id.
    pub buyer_id: String,
    /// The buyer's login.
    pub buyer_login: String,
    /// Common or post-purchase issue.
    pub thread_type: ThreadType,
    /// Post-purchase issues: what the problem is.
    pub sub_type: Option<String>,
    /// The order, if the thread names one.
    pub order: Option<ThreadOrder>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Whether the seller has read it.
    pub read: bool,
    /// Open or closed.
    pub status: ThreadStatus,
    /// The messages, oldest first.
    pub messages: Vec<ThreadMessage>,
}

impl Thread {
    /// A fresh thread id: 32 random bytes in base64url without padding (43 characters).
    pub fn new_id() -> String {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The time of the newest message (creation time when there is none).
    pub fn last_message_at(&self) -> DateTime<Utc> {
        self.messages
            .last()
            .map_or(self.created_at, |m| m.created_at)
    }

    /// The role a person shows with in this thread.
    pub fn role_name(&self, author: ThreadAuthor) -> &'static str {
        match (self.thread_type, author) {
            (ThreadType::Common, ThreadAuthor::Buyer | ThreadAuthor::Seller) => "USER",
            (_, ThreadAuthor::Buyer) => "BUYER",
            (_, ThreadAuthor::Seller) => "SELLER",
            (_, ThreadAuthor::Consultant) => "CONSULTANT",
            (_, ThreadAuthor::Allegro) => "ALLEGRO",
        }
    }
}

/// `ThreadVBeta1`.
pub fn thread_view(thread: &Thread) -> Value {
    json!({
        "id": thread.id,
        "read": thread.read,
        "type": thread.thread_type,
        "subType": thread.sub_type,
        "createdAt": timestamp(thread.created_at),
        "lastMessageDateTime": timestamp(thread.last_message_at()),
        "participants": [
            { "role": thread.role_name(ThreadAuthor::Buyer), "login": thread.buyer_login },
            { "role": thread.role_name(ThreadAuthor::Seller), "login": thread.seller_login },
        ],
        "orders": thread.order.as_ref().map(|o| vec![json!({
            "id": o.id,
            "offers": o.offers.iter()
                .map(|offer| json!({ "id": offer.id, "quantity": offer.quantity }))
                .collect::<Vec<_>>(),
        })]),
        "status": thread.status,
    })
}

/// `MessageVBeta1`.
pub fn message_view(
    thread: &Thread,
    message: &ThreadMessage,
    attachments: &BTreeMap<String, Attachment>,
    base_url: &str,
) -> Value {
    json!({
        "id": message.id,
        "status": "DELIVERED",
        "type": "MESSAGE_CENTER",
        "createdAt": timestamp(message.created_at),
        "author": { "role": thread.role_name(message.author), "login": message.login },
        "text": message.text,
        "subject": null,
        "relatesTo": {
            "offer": null,
            "order": thread.order.as_ref().map(|o| json!({ "id": o.id })),
        },
        "hasAdditionalAttachments": false,
        "attachments": views(attachments, &message.attachments, base_url, message_attachment_view),
        "additionalInformation": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(thread_type: ThreadType) -> Thread {
        Thread {
            id: Thread::new_id(),
            seq: 1,
            seller_id: "s".into(),
            seller_login: "seller".into(),
            buyer_id: "b".into(),
            buyer_login: "buyer".into(),
            thread_type,
            sub_type: None,
            order: None,
            created_at: Utc::now(),
            read: false,
            status: ThreadStatus::Open,
            messages: vec![],
        }
    }

    #[test]
    fn ids_look_like_allegros() {
        let id = Thread::new_id();
        assert_eq!(id.len(), 43);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(id, Thread::new_id());
    }

    #[test]
    fn roles_depend_on_the_thread_type() {
        let common = thread(ThreadType::Common);
        let issue = thread(ThreadType::PostPurchaseIssue);
        assert_eq!(common.role_name(ThreadAuthor::Buyer), "USER");
        assert_eq!(issue.role_name(ThreadAuthor::Buyer), "BUYER");
        assert_eq!(issue.role_name(ThreadAuthor::Seller), "SELLER");
        assert_eq!(common.role_name(ThreadAuthor::Consultant), "CONSULTANT");
        let view = thread_view(&issue);
        assert_eq!(view["participants"][1]["role"], "SELLER");
        assert_eq!(view["orders"], Value::Null);
        assert_eq!(view["lastMessageDateTime"], view["createdAt"]);
    }
}
