//! Post-purchase issues (disputes and claims) and their chat: the data and the JSON views
//! (`PostPurchaseIssue`, `PostPurchaseIssueChatMessage` of the 2026-07 spec).

use super::attachments::{issue_attachment_view, views, Attachment};
use super::draft::Draft;
use super::timestamp;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// How long a seller has to decide on a claim (statutory 14 days).
pub const CLAIM_DECISION_PERIOD: Duration = Duration::days(14);
/// Longest text of a message posted to an issue.
pub const ISSUE_TEXT_MAX_CHARS: usize = 20_000;

/// Reason codes: a dispute's `subject`, a claim's `reason.type`.
pub const REASON_CODES: &[&str] = &[
    "NO_PRODUCT_RECEIVED",
    "NO_PRODUCT_IN_PARCEL",
    "NO_PROOF_OF_PURCHASE_MANUAL_OR_WARRANTY",
    "MISSING_PRODUCT_ELEMENT",
    "PRODUCT_AND_PARCEL_DAMAGED_IN_TRANSIT",
    "PRODUCT_DAMAGED_PARCEL_INTACT",
    "DEFECT_FOUND_DURING_USE",
    "NOT_AS_DESCRIBED",
    "SELLER_DOES_NOT_WANT_TO_ACCEPT_RETURN",
    "PROBLEM_WITH_SENDING_PRODUCT_BACK",
    "NO_REFUND_AFTER_RETURNING_PRODUCT",
    "NO_REFUND_AFTER_CANCELING_ORDER",
    "DID_NOT_RECEIVE_GOODS_AFTER_PAYMENT",
    "RECEIVED_ITEMS_NOT_MATCHING_DESCRIPTION",
    "RECEIVED_INCOMPLETE_ORDER",
    "ITEM_IS_DAMAGED",
    "PROBLEM_WITH_WITHDRAWAL_CANCELLATION_OF_PURCHASE",
    "PROBLEM_WITH_GOODS_RETURN_CANCELLATION_OF_PURCHASE",
    "OTHER",
];

/// Dispute or claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueType {
    /// A dispute (dyskusja).
    Dispute,
    /// A claim (reklamacja).
    Claim,
}

/// `PostPurchaseIssueStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueStatus {
    /// Dispute closed.
    DisputeClosed,
    /// Dispute going on.
    DisputeOngoing,
    /// Dispute closed without a solution.
    DisputeUnresolved,
    /// Claim waiting for the seller's decision.
    ClaimSubmitted,
    /// Claim accepted (final).
    ClaimAccepted,
    /// Claim rejected (final).
    ClaimRejected,
}

impl IssueStatus {
    /// Parses the spec's name.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(Value::String(name.to_owned())).ok()
    }
}

/// Who wrote an issue message (`MessageAuthorRole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueRole {
    /// The buyer.
    Buyer,
    /// The seller (through the API or on Allegro's site).
    Seller,
    /// An Allegro advisor.
    Admin,
    /// Allegro's system or chatbot.
    System,
}

/// `MessageRequest.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueMessageType {
    /// An ordinary message.
    Regular,
    /// The seller asks to end the dispute (disputes only).
    EndRequest,
    /// Return required, the seller provides the label (claims only).
    ReturnRequiredSellerLabel,
    /// Return required, the buyer ships it their way (claims only).
    ReturnRequiredCustom,
    /// No return needed (claims only).
    ReturnNotRequired,
}

impl IssueMessageType {
    /// Whether the type may be posted to an issue of `issue_type`.
    pub fn allowed_for(self, issue_type: IssueType) -> bool {
        match self {
            IssueMessageType::Regular => true,
            IssueMessageType::EndRequest => issue_type == IssueType::Dispute,
            _ => issue_type == IssueType::Claim,
        }
    }

    /// The return decision a claim message carries, if any.
    pub fn return_decision(self) -> Option<bool> {
        match self {
            IssueMessageType::ReturnRequiredSellerLabel
            | IssueMessageType::ReturnRequiredCustom => Some(true),
            IssueMessageType::ReturnNotRequired => Some(false),
            _ => None,
        }
    }

    /// The spec's name.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// The buyer of an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueBuyer {
    /// Allegro user id.
    pub id: String,
    /// Login.
    pub login: String,
}

/// The order an issue is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueCheckoutForm {
    /// Checkout form id.
    pub id: String,
    /// When it was bought.
    pub created_at: DateTime<Utc>,
}

/// The offer an issue is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueOffer {
    /// Offer id.
    pub id: String,
    /// Units concerned.
    pub quantity: u32,
}

/// One message of an issue's chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueMessage {
    /// Id (uuid).
    pub id: String,
    /// Creation counter (ties of `created_at`).
    pub seq: u64,
    /// Who wrote it.
    pub role: IssueRole,
    /// Author login (none for ADMIN and SYSTEM).
    pub login: Option<String>,
    /// Text.
    pub text: String,
    /// Attachment ids.
    pub attachments: Vec<String>,
    /// Seller messages: the type they were posted with.
    pub message_type: Option<IssueMessageType>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl IssueMessage {
    /// `draft` written by `role`, posted with `message_type` (seller API posts only).
    pub fn from_draft(
        draft: Draft,
        role: IssueRole,
        message_type: Option<IssueMessageType>,
    ) -> Self {
        Self {
            id: draft.id,
            seq: draft.seq,
            role,
            login: draft.login,
            text: draft.text,
            attachments: draft.attachments,
            message_type,
            created_at: draft.created_at,
        }
    }
}

/// A dispute or a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Id (uuid).
    pub id: String,
    /// Creation counter (ties of `opened_date`).
    pub seq: u64,
    /// The seller it was opened against.
    pub seller_id: String,
    /// Dispute or claim.
    pub issue_type: IssueType,
    /// The reason code (dispute `subject`, claim `reason.type`).
    pub reason: String,
    /// The buyer.
    pub buyer: IssueBuyer,
    /// The order, if the issue names one.
    pub checkout_form: Option<IssueCheckoutForm>,
    /// The offer, if the issue names one.
    pub offer: Option<IssueOffer>,
    /// The most recent open or reopen.
    pub opened_date: DateTime<Utc>,
    /// Current status.
    pub status: IssueStatus,
    /// Claims: the deadline of the current status.
    pub status_due_date: Option<DateTime<Utc>>,
    /// Claims: deadline of the decision.
    pub decision_due_date: Option<DateTime<Utc>>,
    /// Claims: `"<n>/<year>"`.
    pub reference_number: Option<String>,
    /// Claims: the seller's return decision (none until made).
    pub return_required: Option<bool>,
    /// Claims: `WARRANTY` or `COMPLAINT`.
    pub right: Option<String>,
    /// Whether messages may be added.
    pub chat_active: bool,
    /// The chat, oldest first.
    pub messages: Vec<IssueMessage>,
}

impl Issue {
    /// The chat's summary status (`chat.lastMessage.status`).
    pub fn last_message_status(&self) -> &'static str {
        let seller_wrote = self.messages.iter().any(|m| m.role == IssueRole::Seller);
        match self.messages.last().map(|m| m.role) {
            Some(IssueRole::Seller) => "SELLER_REPLIED",
            _ if !seller_wrote => "NEW",
            Some(IssueRole::Buyer) => "BUYER_REPLIED",
            _ => "ALLEGRO_ADVISOR_REPLIED",
        }
    }
}

fn author_view(message: &IssueMessage) -> Value {
    match (&message.login, message.role) {
        (Some(login), IssueRole::Buyer | IssueRole::Seller) => {
            json!({ "login": login, "role": message.role })
        }
        _ => json!({ "role": message.role }),
    }
}

/// The summary's `chat.initialMessage` (`PostPurchaseIssueFirstMessage`): its author role is
/// documented as BUYER or ADMIN only, so an opening Allegro wrote for the buyer (SYSTEM in the
/// chat: the assistant Allina) shows as ADMIN, without a login.
fn initial_message_view(
    message: &IssueMessage,
    attachments: &BTreeMap<String, Attachment>,
    base_url: &str,
) -> Value {
    let mut view = message_view(message, attachments, base_url);
    if message.role != IssueRole::Buyer {
        view["author"] = json!({ "role": IssueRole::Admin });
    }
    view
}

/// `PostPurchaseIssueChatMessage` / `PostPurchaseIssueMessage`.
pub fn message_view(
    message: &IssueMessage,
    attachments: &BTreeMap<String, Attachment>,
    base_url: &str,
) -> Value {
    json!({
        "id": message.id,
        "text": message.text,
        "attachments": views(attachments, &message.attachments, base_url, issue_attachment_view),
        "author": author_view(message),
        "createdAt": timestamp(message.created_at),
    })
}

/// `PostPurchaseIssue`.
pub fn issue_view(
    issue: &Issue,
    attachments: &BTreeMap<String, Attachment>,
    base_url: &str,
) -> Value {
    let claim = issue.issue_type == IssueType::Claim;
    let first = issue.messages.first();
    let last = issue.messages.last();
    json!({
        "id": issue.id,
        "type": issue.issue_type,
        "referenceNumber": issue.reference_number,
        "decisionDueDate": issue.decision_due_date.map(timestamp),
        "openedDate": timestamp(issue.opened_date),
        "subject": (!claim).then_some(&issue.reason),
        "buyer": { "id": issue.buyer.id, "login": issue.buyer.login },
        "checkoutForm": issue.checkout_form.as_ref().map(|f| json!({
            "id": f.id,
            "createdAt": timestamp(f.created_at),
        })),
        "currentState": {
            "status": issue.status,
            "statusDueDate": issue.status_due_date.map(timestamp),
            "returnRequired": issue.return_required,
            "chatActive": issue.chat_active,
        },
        "chat": {
            "initialMessage": first.map(|m| initial_message_view(m, attachments, base_url)),
            "lastMessage": last.map(|m| json!({
                "status": issue.last_message_status(),
                "createdAt": timestamp(m.created_at),
            })),
            "messagesCount": issue.messages.len(),
        },
        "expectations": [],
        "description": null,
        "offer": issue.offer.as_ref().map(|o| json!({ "id": o.id, "quantity": o.quantity })),
        "product": null,
        "reason": claim.then(|| json!({ "type": issue.reason, "description": null })),
        "right": issue.right,
        "attachments": first.map_or_else(Vec::new, |m| {
            views(attachments, &m.attachments, base_url, issue_attachment_view)
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(role: IssueRole) -> IssueMessage {
        IssueMessage {
            id: uuid::Uuid::new_v4().to_string(),
            seq: 0,
            role,
            login: None,
            text: "t".into(),
            attachments: vec![],
            message_type: None,
            created_at: Utc::now(),
        }
    }

    fn issue(roles: &[IssueRole]) -> Issue {
        Issue {
            id: "i".into(),
            seq: 1,
            seller_id: "s".into(),
            issue_type: IssueType::Dispute,
            reason: "OTHER".into(),
            buyer: IssueBuyer {
                id: "b".into(),
                login: "buyer".into(),
            },
            checkout_form: None,
            offer: None,
            opened_date: Utc::now(),
            status: IssueStatus::DisputeOngoing,
            status_due_date: None,
            decision_due_date: None,
            reference_number: None,
            return_required: None,
            right: None,
            chat_active: true,
            messages: roles.iter().map(|r| message(*r)).collect(),
        }
    }

    #[test]
    fn last_message_status_follows_the_spec() {
        use IssueRole::*;
        assert_eq!(issue(&[Buyer]).last_message_status(), "NEW");
        assert_eq!(issue(&[Buyer, Admin]).last_message_status(), "NEW");
        assert_eq!(
            issue(&[Buyer, Seller]).last_message_status(),
            "SELLER_REPLIED"
        );
        assert_eq!(
            issue(&[Buyer, Seller, Buyer]).last_message_status(),
            "BUYER_REPLIED"
        );
        assert_eq!(
            issue(&[Buyer, Seller, Admin]).last_message_status(),
            "ALLEGRO_ADVISOR_REPLIED"
        );
    }

    #[test]
    fn message_types_fit_their_issue_type() {
        use IssueMessageType::*;
        assert!(Regular.allowed_for(IssueType::Dispute) && Regular.allowed_for(IssueType::Claim));
        assert!(EndRequest.allowed_for(IssueType::Dispute));
        assert!(!EndRequest.allowed_for(IssueType::Claim));
        assert!(!ReturnNotRequired.allowed_for(IssueType::Dispute));
        assert!(ReturnRequiredCustom.allowed_for(IssueType::Claim));
        assert_eq!(EndRequest.name(), "END_REQUEST");
        assert_eq!(
            IssueStatus::parse("CLAIM_ACCEPTED"),
            Some(IssueStatus::ClaimAccepted)
        );
        assert_eq!(IssueStatus::parse("nope"), None);
    }

    #[test]
    fn views_follow_the_spec_shapes() {
        let mut dispute = issue(&[IssueRole::Buyer, IssueRole::Admin]);
        dispute.messages[0].login = Some("buyer".into());
        let view = issue_view(&dispute, &BTreeMap::new(), "http://h");
        assert_eq!(view["type"], "DISPUTE");
        assert_eq!(view["subject"], "OTHER");
        assert_eq!(view["reason"], Value::Null);
        assert_eq!(view["chat"]["messagesCount"], 2);
        assert_eq!(view["chat"]["initialMessage"]["author"]["login"], "buyer");
        let admin = message_view(&dispute.messages[1], &BTreeMap::new(), "http://h");
        assert_eq!(admin["author"], json!({ "role": "ADMIN" }));
    }
}
