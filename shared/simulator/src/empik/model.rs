//! What the simulated EmpikPlace stores: shops and their keys, customers, orders, threads,
//! messages, attachments and what the seller posted through M12.

use super::params::{millis, millis_option};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Display name of the marketplace operator in threads.
pub const OPERATOR_NAME: &str = "Empik";

/// A shop (seller account).
#[derive(Debug, Clone)]
pub struct Shop {
    /// Mirakl shop id.
    pub id: i64,
    /// Shop name as customers see it.
    pub name: String,
    /// When the shop was created.
    pub created: DateTime<Utc>,
}

/// One API key: the user behind it may act for several shops; the first is its default shop.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// Shops the key can act for, default first.
    pub shops: Vec<i64>,
}

/// A customer (buyer).
#[derive(Debug, Clone)]
pub struct Customer {
    /// Customer id as OR11 and thread participants show it.
    pub id: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
}

impl Customer {
    /// "Firstname Lastname", the participant display name.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.firstname, self.lastname)
    }
}

/// An order of one customer at one shop.
#[derive(Debug, Clone)]
pub struct Order {
    /// Mirakl order id (`<commercial id>-A`).
    pub id: String,
    /// Customer-facing order number.
    pub commercial_id: String,
    /// The shop that sold it.
    pub shop_id: i64,
    /// The buyer.
    pub customer_id: String,
    /// Mirakl order state code.
    pub state: String,
    /// Sales channel code, if any.
    pub channel_code: Option<String>,
    /// Creation time.
    pub created: DateTime<Utc>,
    /// Relay e-mail for notifications.
    pub notification_email: String,
    /// The lines.
    pub lines: Vec<OrderLine>,
    /// Creation sequence (tie-break when sorting).
    pub seq: u64,
}

/// One order line.
#[derive(Debug, Clone)]
pub struct OrderLine {
    /// Offer id.
    pub offer_id: i64,
    /// Product title.
    pub title: String,
    /// The seller's offer SKU.
    pub sku: String,
    /// Operator catalogue SKU.
    pub product_sku: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price.
    pub unit_price: f64,
}

/// Thread participant kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ParticipantType {
    /// The marketplace operator (Empik).
    Operator,
    /// The shop.
    Shop,
    /// The customer.
    Customer,
}

impl ParticipantType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "OPERATOR",
            Self::Shop => "SHOP",
            Self::Customer => "CUSTOMER",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "OPERATOR" => Some(Self::Operator),
            "SHOP" => Some(Self::Shop),
            "CUSTOMER" => Some(Self::Customer),
            _ => None,
        }
    }

    /// The sender type of a user of this kind.
    pub fn sender_type(self) -> SenderType {
        match self {
            Self::Operator => SenderType::OperatorUser,
            Self::Shop => SenderType::ShopUser,
            Self::Customer => SenderType::CustomerUser,
        }
    }
}

/// A thread participant (`{type, id?, display_name}`; operators have no id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Participant {
    /// Kind.
    #[serde(rename = "type")]
    pub kind: ParticipantType,
    /// Id (absent for the operator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    pub display_name: String,
}

/// Message author kind (`from.type`), distinct from the participant kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SenderType {
    /// A user of the operator.
    OperatorUser,
    /// A user of the shop.
    ShopUser,
    /// The customer.
    CustomerUser,
}

/// A message author (`from`, `metadata.last_sender`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sender {
    /// Kind of user.
    #[serde(rename = "type")]
    pub kind: SenderType,
    /// The user's display name.
    pub display_name: String,
    /// The organisation the user writes for (shop or operator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_details: Option<Participant>,
}

/// Thread topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// `FREE_TEXT` or `REASON_CODE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Free text or a reason code.
    pub value: String,
}

impl Topic {
    /// Why the topic is invalid, if it is.
    pub fn problem(&self) -> Option<String> {
        if self.kind != "FREE_TEXT" && self.kind != "REASON_CODE" {
            return Some(format!(
                "topic.type must be FREE_TEXT or REASON_CODE, not '{}'",
                self.kind
            ));
        }
        if self.value.trim().is_empty() {
            return Some("topic.value must not be empty".into());
        }
        None
    }
}

/// What a thread is about (`{id, label, type}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// Entity id (the order id for `MMP_ORDER`).
    pub id: String,
    /// Label (the commercial id for orders).
    pub label: String,
    /// Entity type, e.g. `MMP_ORDER`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// An attachment as a message lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// Attachment id (for M13).
    pub id: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
}

/// One message of a thread.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Message id.
    pub id: String,
    /// Text.
    pub body: String,
    /// When it was written.
    #[serde(with = "millis")]
    pub date_created: DateTime<Utc>,
    /// Author.
    pub from: Sender,
    /// Recipients.
    pub to: Vec<Participant>,
    /// Files (omitted when there are none, as in Mirakl's examples).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentInfo>,
}

/// A conversation of a shop with a customer and/or the operator.
#[derive(Debug, Clone)]
pub struct Thread {
    /// Thread id (UUID).
    pub id: String,
    /// Owning shop.
    pub shop_id: i64,
    /// The customer in the thread.
    pub customer_id: String,
    /// Sales channel of the order, for the `channel_codes` filter.
    pub channel_code: Option<String>,
    /// Topic.
    pub topic: Topic,
    /// What it is about (the order, if any).
    pub entities: Vec<Entity>,
    /// Who may take part.
    pub authorized_participants: Vec<Participant>,
    /// Who sent or received at least one message.
    pub current_participants: Vec<Participant>,
    /// Creation time.
    pub date_created: DateTime<Utc>,
    /// Last change.
    pub date_updated: DateTime<Utc>,
    /// Since when a shop answer is awaited (`None` once the shop replied).
    pub shop_reply_needed_since: Option<DateTime<Utc>>,
    /// Messages, oldest first.
    pub messages: Vec<Message>,
    /// Creation sequence (tie-break when sorting).
    pub seq: u64,
}

impl Thread {
    /// The authorized participant of `kind`, if any.
    pub fn participant(&self, kind: ParticipantType) -> Option<&Participant> {
        self.authorized_participants.iter().find(|p| p.kind == kind)
    }

    /// Appends a message and keeps the participants, dates and reply flag current.
    pub fn push_message(&mut self, message: Message) {
        for participant in message
            .from
            .organization_details
            .iter()
            .chain(message.to.iter())
        {
            if !self.current_participants.contains(participant) {
                self.current_participants.push(participant.clone());
            }
        }
        if message.from.kind == SenderType::CustomerUser
            && !self
                .current_participants
                .iter()
                .any(|p| p.kind == ParticipantType::Customer)
        {
            if let Some(customer) = self.participant(ParticipantType::Customer).cloned() {
                self.current_participants.push(customer);
            }
        }
        if message.from.kind == SenderType::ShopUser {
            self.shop_reply_needed_since = None;
        } else if message.to.iter().any(|p| p.kind == ParticipantType::Shop)
            && self.shop_reply_needed_since.is_none()
        {
            self.shop_reply_needed_since = Some(message.date_created);
        }
        if message.date_created > self.date_updated {
            self.date_updated = message.date_created;
        }
        self.messages.push(message);
    }

    /// The entity key counting attachments (`type:id` of the first entity, or the thread).
    pub fn attachment_scope(&self) -> String {
        match self.entities.first() {
            Some(entity) => format!("{}:{}", entity.kind, entity.id),
            None => format!("THREAD:{}", self.id),
        }
    }
}

/// A stored file (customer, operator or seller attachment).
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    /// Attachment id.
    pub id: String,
    /// Shop whose thread holds it.
    pub shop_id: i64,
    /// Thread holding it.
    pub thread_id: String,
    /// File name.
    pub name: String,
    /// MIME type to answer M13 with.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// A recipient as the seller gave it in M12.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedRecipient {
    /// Participant type.
    #[serde(rename = "type")]
    pub kind: ParticipantType,
    /// Participant id, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A file the seller sent through M12.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedFile {
    /// Attachment id given to it.
    pub attachment_id: String,
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Content type of the part.
    pub content_type: String,
}

/// One M12 call that succeeded, as the control API reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Posted {
    /// The thread answered.
    pub thread_id: String,
    /// The message created.
    pub message_id: String,
    /// The shop that answered.
    pub shop_id: i64,
    /// When.
    #[serde(with = "millis")]
    pub date: DateTime<Utc>,
    /// Text.
    pub body: String,
    /// Recipients as given.
    pub to: Vec<PostedRecipient>,
    /// New topic, if the call set one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<Topic>,
    /// Files.
    pub files: Vec<PostedFile>,
}

/// Serialises an optional date for `metadata.shop_reply_needed_since`.
#[derive(Debug, Serialize)]
pub struct OptionalMillis(#[serde(with = "millis_option")] pub Option<DateTime<Utc>>);
