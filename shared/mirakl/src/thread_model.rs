//! Inbox thread types as M10/M11 return them, decoded leniently (open enums, optional fields).

use crate::lenient::{self, lenient_enum};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

lenient_enum! {
    /// Kind of thread participant or message recipient.
    ParticipantType {
        /// The buyer.
        Customer = "CUSTOMER",
        /// The seller's shop.
        Shop = "SHOP",
        /// The marketplace operator (Empik); it has no id.
        Operator = "OPERATOR",
    }
}

lenient_enum! {
    /// Who wrote a message (`from.type`): user kinds, not participant kinds.
    SenderType {
        /// The buyer.
        CustomerUser = "CUSTOMER_USER",
        /// Someone of the shop (through the API or the Mirakl back office).
        ShopUser = "SHOP_USER",
        /// Marketplace staff.
        OperatorUser = "OPERATOR_USER",
    }
}

lenient_enum! {
    /// Kind of thread topic.
    TopicType {
        /// Free text chosen by the writer.
        FreeText = "FREE_TEXT",
        /// A messaging reason code (labels from RE02 `ORDER_MESSAGING`).
        ReasonCode = "REASON_CODE",
    }
}

/// Entity type of an order thread.
pub const ENTITY_ORDER: &str = "MMP_ORDER";

/// A participant or recipient: `{type, id?, display_name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Kind of participant.
    #[serde(rename = "type", default)]
    pub kind: ParticipantType,
    /// Participant id (the customer id for CUSTOMER, the shop id for SHOP; none for OPERATOR).
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub display_name: String,
}

/// A message author (`from`, `metadata.last_sender`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sender {
    /// Kind of user who wrote.
    #[serde(rename = "type", default)]
    pub kind: SenderType,
    /// The user's display name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub display_name: String,
    /// The organisation the user writes for (the shop or the operator), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_details: Option<Participant>,
}

/// What the thread is about: `{type, value}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    /// FREE_TEXT or REASON_CODE.
    #[serde(rename = "type", default)]
    pub kind: TopicType,
    /// The text or the reason code.
    #[serde(default, deserialize_with = "lenient::string")]
    pub value: String,
}

/// A thing the thread is about: `{id, label, type}` (an order for `MMP_ORDER`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    /// Entity id: the Mirakl `order_id` (e.g. `Order_00010-A`) for orders.
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    /// Label (for orders: probably the commercial id; unconfirmed).
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
    /// Entity type, e.g. [`ENTITY_ORDER`].
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub kind: String,
}

/// The B2B customer organisation of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerOrganization {
    /// Organisation id.
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    /// Organisation name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub display_name: String,
}

/// An attachment as a message lists it (download it with M13 by `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// Attachment id.
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    /// File name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub name: String,
    /// Size (presumably bytes).
    #[serde(
        default,
        deserialize_with = "lenient::opt_i64",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<i64>,
}

/// One message of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Message id.
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    /// Text; may contain HTML such as `<br />`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub body: String,
    /// When it was written.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub date_created: Option<DateTime<Utc>>,
    /// Author.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub from: Sender,
    /// Recipients.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub to: Vec<Participant>,
    /// Files.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub attachments: Vec<AttachmentRef>,
}

impl Message {
    /// Whether the shop wrote it (through the API or the back office).
    pub fn is_from_shop(&self) -> bool {
        self.from.kind == SenderType::ShopUser
    }
}

/// Thread summary: last message, reply flag, message count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMetadata {
    /// Date of the last message.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub last_message_date: Option<DateTime<Utc>>,
    /// Author of the last message.
    #[serde(default)]
    pub last_sender: Option<Sender>,
    /// Since when a shop answer is awaited; `None` once the shop has replied.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub shop_reply_needed_since: Option<DateTime<Utc>>,
    /// Number of messages in the thread.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub total_count: Option<i64>,
}

/// A "no store reply needed" action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoStoreReplyNeeded {
    /// When it was done.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub date: Option<DateTime<Utc>>,
    /// Who did it (OPERATOR or SHOP).
    #[serde(default)]
    pub user_type: ParticipantType,
}

/// An inbox thread (M10, or M11 with or without messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Thread id (UUID).
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    /// Topic.
    #[serde(default)]
    pub topic: Option<Topic>,
    /// What the thread is about (the order, for order threads).
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub entities: Vec<Entity>,
    /// Participants allowed to write in it.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub authorized_participants: Vec<Participant>,
    /// Participants who sent or received at least one message.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub current_participants: Vec<Participant>,
    /// B2B customer organisation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_organization: Option<CustomerOrganization>,
    /// Creation date.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub date_created: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub date_updated: Option<DateTime<Utc>>,
    /// Summary and reply flag.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub metadata: ThreadMetadata,
    /// "No store reply needed" actions (only with messages).
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub no_store_reply_needed: Vec<NoStoreReplyNeeded>,
    /// Messages, oldest first (sorted by the client). M10: all; M11: the last 100, and only
    /// with `with_messages`.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub messages: Vec<Message>,
}

impl Thread {
    /// The buyer: the CUSTOMER participant with an id (authorized first, then current).
    pub fn customer(&self) -> Option<&Participant> {
        self.authorized_participants
            .iter()
            .chain(self.current_participants.iter())
            .find(|p| p.kind == ParticipantType::Customer && p.id.is_some())
    }

    /// The Mirakl order id of an order thread (`MMP_ORDER` entity).
    pub fn order_id(&self) -> Option<&str> {
        self.entities
            .iter()
            .find(|e| e.kind == ENTITY_ORDER && !e.id.is_empty())
            .map(|e| e.id.as_str())
    }

    /// Whether the shop still owes an answer (`metadata.shop_reply_needed_since` is set).
    pub fn needs_shop_reply(&self) -> bool {
        self.metadata.shop_reply_needed_since.is_some()
    }

    /// Puts messages oldest first (stable for equal or missing dates; missing dates first).
    pub(crate) fn sort_messages(&mut self) {
        self.messages.sort_by_key(|m| m.date_created);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_example_thread_decodes() {
        let json = r#"{
          "id": "702c3e56-dcca-41e2-b6bd-72ba3fa809be",
          "topic": {"type": "REASON_CODE", "value": "23"},
          "entities": [{"id": "EMP123456-A", "label": "EMP123456", "type": "MMP_ORDER"}],
          "authorized_participants": [
            {"type": "CUSTOMER", "id": "c-98765", "display_name": "Jan Kowalski"},
            {"type": "SHOP", "id": 2000, "display_name": "ACME SHOP"},
            {"type": "OPERATOR", "display_name": "Empik"}],
          "current_participants": [],
          "date_created": "2024-05-02T08:36:36.479Z",
          "date_updated": "2024-05-02T08:36:36Z",
          "metadata": {"last_message_date": "2024-05-02T08:36:36.479Z",
            "last_sender": {"type": "CUSTOMER_USER", "display_name": "Jan Kowalski"},
            "shop_reply_needed_since": "2024-05-02T08:36:36.479Z", "total_count": 2},
          "no_store_reply_needed": [],
          "messages": [
            {"id": "m2", "date_created": "2024-05-02T09:00:00Z",
             "from": {"type": "SUPPORT_BOT", "display_name": "Bot"}, "to": null, "body": "b"},
            {"id": "m1", "date_created": "2024-05-02T08:36:36.479Z",
             "from": {"type": "CUSTOMER_USER", "display_name": "Jan Kowalski"},
             "to": [{"type": "SHOP", "id": "2000", "display_name": "ACME SHOP"}],
             "body": "Dzień dobry", "attachments": [{"id": "a1", "name": "x.jpg", "size": 204800}]}],
          "brand_new_field": {"x": 1}
        }"#;
        let mut thread: Thread = serde_json::from_str(json).expect("thread");
        thread.sort_messages();
        assert_eq!(thread.order_id(), Some("EMP123456-A"));
        assert_eq!(
            thread.customer().and_then(|c| c.id.as_deref()),
            Some("c-98765")
        );
        assert_eq!(
            thread.authorized_participants[1].id.as_deref(),
            Some("2000")
        );
        assert_eq!(thread.authorized_participants[2].id, None);
        assert!(thread.needs_shop_reply());
        assert_eq!(thread.metadata.total_count, Some(2));
        assert_eq!(
            thread.topic.as_ref().map(|t| &t.kind),
            Some(&TopicType::ReasonCode)
        );
        assert_eq!(thread.messages[0].id, "m1");
        assert_eq!(thread.messages[0].from.kind, SenderType::CustomerUser);
        assert_eq!(thread.messages[0].attachments[0].size, Some(204_800));
        assert_eq!(
            thread.messages[1].from.kind,
            SenderType::Other("SUPPORT_BOT".into())
        );
        assert!(thread.messages[1].to.is_empty());
        let again: Thread =
            serde_json::from_str(&serde_json::to_string(&thread).expect("json")).expect("back");
        assert_eq!(again, thread, "serialises back to what it reads");
    }

    #[test]
    fn a_bare_thread_decodes() {
        let thread: Thread = serde_json::from_str(r#"{"id":"t"}"#).expect("thread");
        assert_eq!(thread.customer(), None);
        assert_eq!(thread.order_id(), None);
        assert!(!thread.needs_shop_reply());
    }
}
