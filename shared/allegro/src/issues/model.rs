//! The shapes of `/sale/issues` (beta.v1): `PostPurchaseIssue`, its chat messages and the
//! message request. The spec marks no field of an issue required, so every field is optional
//! and unknown enum values are kept.

use crate::lenient::{lenient_enum, Timestamp};
use crate::models::{IdRef, Price};
use serde::{Deserialize, Serialize};

lenient_enum! {
    /// `DISPUTE` or `CLAIM` (a return may first appear as a dispute, then become a claim).
    pub enum IssueType {
        /// A dispute (discussion).
        Dispute => "DISPUTE",
        /// A claim (complaint, warranty).
        Claim => "CLAIM",
    }
}

lenient_enum! {
    /// `PostPurchaseIssueStatus`.
    pub enum IssueStatus {
        /// Dispute closed (resolved).
        DisputeClosed => "DISPUTE_CLOSED",
        /// Dispute open.
        DisputeOngoing => "DISPUTE_ONGOING",
        /// Dispute closed unresolved.
        DisputeUnresolved => "DISPUTE_UNRESOLVED",
        /// Claim waiting for the seller's decision.
        ClaimSubmitted => "CLAIM_SUBMITTED",
        /// Claim accepted (final).
        ClaimAccepted => "CLAIM_ACCEPTED",
        /// Claim rejected (final).
        ClaimRejected => "CLAIM_REJECTED",
    }
}

lenient_enum! {
    /// `chat.lastMessage.status`: who wrote last.
    pub enum LastMessageStatus {
        /// The seller never wrote.
        New => "NEW",
        /// The seller wrote last.
        SellerReplied => "SELLER_REPLIED",
        /// The buyer wrote last, after the seller had written.
        BuyerReplied => "BUYER_REPLIED",
        /// Allegro's advisor wrote last.
        AllegroAdvisorReplied => "ALLEGRO_ADVISOR_REPLIED",
    }
}

lenient_enum! {
    /// Author role of an issue chat message.
    pub enum IssueAuthorRole {
        /// The buyer.
        Buyer => "BUYER",
        /// The seller (from this client or Allegro's site).
        Seller => "SELLER",
        /// Allegro staff.
        Admin => "ADMIN",
        /// Allegro's system or chatbot.
        System => "SYSTEM",
        /// Allegro fulfilment.
        Fulfillment => "FULFILLMENT",
    }
}

lenient_enum! {
    /// `MessageRequest.type`.
    pub enum IssueMessageType {
        /// An ordinary message.
        Regular => "REGULAR",
        /// Asks the buyer to confirm the problem is solved (disputes only).
        EndRequest => "END_REQUEST",
        /// Return required, seller's label (claims only).
        ReturnRequiredSellerLabel => "RETURN_REQUIRED_SELLER_LABEL",
        /// Return required, buyer's own way (claims only).
        ReturnRequiredCustom => "RETURN_REQUIRED_CUSTOM",
        /// No return needed (claims only).
        ReturnNotRequired => "RETURN_NOT_REQUIRED",
    }
}

lenient_enum! {
    /// The legal basis of a claim.
    pub enum ClaimRight {
        /// Warranty (gwarancja).
        Warranty => "WARRANTY",
        /// Statutory complaint (rękojmia).
        Complaint => "COMPLAINT",
    }
}

lenient_enum! {
    /// What the buyer expects from a claim.
    pub enum ExpectationName {
        /// Repair.
        Repair => "REPAIR",
        /// Exchange.
        Exchange => "EXCHANGE",
        /// Refund.
        Refund => "REFUND",
        /// Partial refund.
        PartialRefund => "PARTIAL_REFUND",
    }
}

/// `PostPurchaseIssue`: a dispute or a claim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Issue {
    /// Issue id (uuid).
    pub id: String,
    /// Dispute or claim.
    #[serde(rename = "type")]
    pub issue_type: Option<IssueType>,
    /// Claim reference number, e.g. `123/2024`.
    pub reference_number: Option<String>,
    /// Claim decision deadline.
    pub decision_due_date: Option<Timestamp>,
    /// Most recent open or reopen.
    pub opened_date: Option<Timestamp>,
    /// Disputes: the reason (a code or a localised text); null for claims.
    pub subject: Option<String>,
    /// The buyer.
    pub buyer: Option<IssueBuyer>,
    /// The order.
    pub checkout_form: Option<IssueCheckoutForm>,
    /// Status and flags.
    pub current_state: Option<CurrentState>,
    /// Chat summary.
    pub chat: Option<ChatSummary>,
    /// Claims: what the buyer expects.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub expectations: Vec<Expectation>,
    /// Free description.
    pub description: Option<String>,
    /// The offer concerned.
    pub offer: Option<IssueOffer>,
    /// The product concerned.
    pub product: Option<IdRef>,
    /// Claims: the reason.
    pub reason: Option<ClaimReason>,
    /// Claims: warranty or complaint.
    pub right: Option<ClaimRight>,
    /// Files the buyer attached when opening.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub attachments: Vec<IssueAttachment>,
}

impl Issue {
    /// The current status, if sent.
    pub fn status(&self) -> Option<&IssueStatus> {
        self.current_state.as_ref()?.status.as_ref()
    }

    /// Whether messages can be posted (`currentState.chatActive`); `None` when not sent.
    pub fn chat_active(&self) -> Option<bool> {
        self.current_state.as_ref()?.chat_active
    }

    /// Whether this is a dispute (the only type that accepts `END_REQUEST`).
    pub fn is_dispute(&self) -> bool {
        self.issue_type == Some(IssueType::Dispute)
    }

    /// Number of chat messages, if sent.
    pub fn messages_count(&self) -> Option<u64> {
        self.chat.as_ref()?.messages_count
    }
}

/// The buyer of an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IssueBuyer {
    /// Allegro user id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Login.
    pub login: Option<String>,
}

/// The order of an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IssueCheckoutForm {
    /// Checkout form id (uuid).
    pub id: Option<String>,
    /// When the order was made.
    pub created_at: Option<Timestamp>,
}

/// `currentState`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CurrentState {
    /// Status.
    pub status: Option<IssueStatus>,
    /// Deadline of the status (claims; seen on disputes too).
    pub status_due_date: Option<Timestamp>,
    /// Claims: whether a return is required.
    pub return_required: Option<bool>,
    /// Whether messages can be posted.
    pub chat_active: Option<bool>,
}

/// `chat` of an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChatSummary {
    /// The first message.
    pub initial_message: Option<ChatMessage>,
    /// Who wrote last, and when.
    pub last_message: Option<LastMessage>,
    /// Number of messages.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub messages_count: Option<u64>,
}

/// `chat.lastMessage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LastMessage {
    /// Who wrote last.
    pub status: Option<LastMessageStatus>,
    /// When.
    pub created_at: Option<Timestamp>,
}

/// A claim expectation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Expectation {
    /// What is expected.
    pub name: Option<ExpectationName>,
    /// Refund amount, for refunds.
    pub refund: Option<Price>,
}

/// The offer of an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct IssueOffer {
    /// Offer id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Quantity concerned.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub quantity: Option<u64>,
}

/// A claim's reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ClaimReason {
    /// Reason code, e.g. `DEFECT_FOUND_DURING_USE` (kept as text: the list changes).
    #[serde(rename = "type")]
    pub reason_type: Option<String>,
    /// The buyer's words.
    pub description: Option<String>,
}

/// A file attached to an issue or an issue message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IssueAttachment {
    /// File name.
    pub file_name: Option<String>,
    /// Absolute download URL (needs the bearer token).
    pub url: Option<String>,
}

/// `PostPurchaseIssueChatMessage` / `PostPurchaseIssueMessage`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChatMessage {
    /// Message id.
    pub id: String,
    /// Text.
    pub text: Option<String>,
    /// Attached files.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub attachments: Vec<IssueAttachment>,
    /// Author.
    pub author: Option<ChatAuthor>,
    /// When it was written.
    pub created_at: Option<Timestamp>,
}

impl ChatMessage {
    /// The author's role, if sent.
    pub fn role(&self) -> Option<&IssueAuthorRole> {
        self.author.as_ref()?.role.as_ref()
    }
}

/// Author of an issue chat message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ChatAuthor {
    /// Login (absent for Allegro staff and system).
    pub login: Option<String>,
    /// Role.
    pub role: Option<IssueAuthorRole>,
}

/// A message to post in an issue's chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssueMessage {
    /// Text (at most 20000 characters).
    pub text: String,
    /// Ids of uploaded attachments (Allegro: one per message in practice).
    pub attachments: Vec<String>,
    /// `REGULAR`, or `END_REQUEST` for disputes.
    pub message_type: IssueMessageType,
}

impl NewIssueMessage {
    /// A regular text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            attachments: Vec::new(),
            message_type: IssueMessageType::Regular,
        }
    }
}

/// The JSON of a [`NewIssueMessage`] (`MessageRequest`).
#[derive(Debug, Serialize)]
pub(crate) struct MessageRequest<'a> {
    pub text: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<IdRef>,
    #[serde(rename = "type")]
    pub message_type: &'a IssueMessageType,
}

impl<'a> From<&'a NewIssueMessage> for MessageRequest<'a> {
    fn from(message: &'a NewIssueMessage) -> Self {
        Self {
            text: &message.text,
            attachments: message
                .attachments
                .iter()
                .map(|id| IdRef {
                    id: Some(id.clone()),
                })
                .collect(),
            message_type: &message.message_type,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_specs_example_and_oddities_decode() {
        let json = r#"{"issues":[
          {"id":"6f552f2e","type":"DISPUTE","referenceNumber":null,"decisionDueDate":null,
           "openedDate":"2025-06-10T12:12:12.019Z","subject":"nie otrzymałem towaru po wpłacie",
           "buyer":{"id":"e781964b","login":"example-user"},
           "checkoutForm":{"id":"94092826","createdAt":"2025-05-10T15:10:10.019Z"},
           "currentState":{"status":"DISPUTE_ONGOING","statusDueDate":null,"returnRequired":null,"chatActive":true},
           "chat":{"lastMessage":{"status":"BUYER_REPLIED","createdAt":"2025-06-10T14:06:11.019Z"},"messagesCount":2,
             "initialMessage":{"id":"7cf7","text":"hello","attachments":[{"fileName":"problem.jpg","url":"https://api.allegro.pl/sale/issues/attachments/eeed"}],
             "author":{"login":"example-user","role":"BUYER"},"createdAt":"2025-06-10T12:12:12.019Z"}},
           "expectations":null,"description":"Zwrot 27 zł","offer":null,"product":null,"reason":null,"right":"WARRANTY",
           "attachments":[{"fileName":"broken.png","url":"https://api.allegro.pl/sale/issues/attachments/eeed"}]},
          {"id":"73cc","type":"RETURN","currentState":{"status":"CLAIM_ON_HOLD","chatActive":false},
           "expectations":[{"name":"PARTIAL_REFUND","refund":{"amount":"50.00","currency":"PLN"}}],
           "offer":{"id":7778622952,"quantity":1},"reason":{"type":"DETECT_FOUND_DURING_USE","description":"x"},"newField":{"a":1}}
        ]}"#;
        #[derive(Deserialize)]
        struct List {
            issues: Vec<Issue>,
        }
        let list: List = serde_json::from_str(json).expect("decodes");
        let dispute = &list.issues[0];
        assert!(dispute.is_dispute());
        assert_eq!(dispute.status(), Some(&IssueStatus::DisputeOngoing));
        assert_eq!(dispute.chat_active(), Some(true));
        assert_eq!(dispute.messages_count(), Some(2));
        assert!(dispute.expectations.is_empty());
        let initial = dispute
            .chat
            .as_ref()
            .and_then(|c| c.initial_message.as_ref())
            .expect("initial message");
        assert_eq!(initial.role(), Some(&IssueAuthorRole::Buyer));
        let claim = &list.issues[1];
        assert_eq!(claim.issue_type, Some(IssueType::Unknown("RETURN".into())));
        assert_eq!(
            claim.status(),
            Some(&IssueStatus::Unknown("CLAIM_ON_HOLD".into()))
        );
        assert_eq!(
            claim.offer.as_ref().and_then(|o| o.id.as_deref()),
            Some("7778622952")
        );
        assert_eq!(
            claim.expectations[0].name,
            Some(ExpectationName::PartialRefund)
        );
    }

    #[test]
    fn message_requests_serialize_like_the_spec() {
        let mut message = NewIssueMessage::text("Dzień dobry");
        assert_eq!(
            serde_json::to_value(MessageRequest::from(&message)).expect("json"),
            serde_json::json!({"text": "Dzień dobry", "type": "REGULAR"})
        );
        message.attachments.push("att-1".into());
        message.message_type = IssueMessageType::EndRequest;
        assert_eq!(
            serde_json::to_value(MessageRequest::from(&message)).expect("json"),
            serde_json::json!({"text": "Dzień dobry", "type": "END_REQUEST", "attachments": [{"id": "att-1"}]})
        );
    }
}
