//! The beta.v1 shapes of the Message Center: `ThreadVBeta1`, `MessageVBeta1` and their parts.
//! Every field is lenient: Allegro's July 2026 news named author roles the spec lacks.

use crate::lenient::{lenient_enum, Timestamp};
use crate::models::IdRef;
use serde::Deserialize;

lenient_enum! {
    /// Kind of thread.
    pub enum ThreadType {
        /// An ordinary buyer question.
        Common => "COMMON",
        /// A purchase problem (replaces disputes since 2026-10-28).
        PostPurchaseIssue => "POST_PURCHASE_ISSUE",
    }
}

lenient_enum! {
    /// Whether a thread takes messages.
    pub enum ThreadStatus {
        /// Open.
        Open => "OPEN",
        /// Closed: posting answers 422 `THREAD_CLOSED` for purchase problems.
        Closed => "CLOSED",
    }
}

lenient_enum! {
    /// The kind of purchase problem.
    pub enum ThreadSubType {
        /// Product does not match the offer.
        ProductInconsistentWithTheOffer => "PRODUCT_INCONSISTENT_WITH_THE_OFFER",
        /// Product arrived damaged.
        ProductArrivedDamaged => "PRODUCT_ARRIVED_DAMAGED",
        /// Defect found during use.
        DefectDetectedDuringUse => "DEFECT_DETECTED_DURING_USE",
        /// No product in the parcel.
        NoProductInTheShipment => "NO_PRODUCT_IN_THE_SHIPMENT",
        /// Parts missing.
        MissingProductElements => "MISSING_PRODUCT_ELEMENTS",
        /// Something else.
        Other => "OTHER",
        /// No refund.
        NoRefund => "NO_REFUND",
        /// Seller refuses the return.
        SellerDoesNotWantToAcceptReturn => "SELLER_DOES_NOT_WANT_TO_ACCEPT_RETURN",
        /// Trouble sending the product back.
        ProblemWithSendingProductBack => "PROBLEM_WITH_SENDING_PRODUCT_BACK",
        /// Documents missing.
        NoDocumentations => "NO_DOCUMENTATIONS",
    }
}

lenient_enum! {
    /// Role of a thread participant.
    pub enum ParticipantRole {
        /// The buyer (purchase problems).
        Buyer => "BUYER",
        /// The seller (purchase problems).
        Seller => "SELLER",
        /// Either side of a `COMMON` thread.
        User => "USER",
    }
}

lenient_enum! {
    /// Role of a message's author.
    pub enum MessageAuthorRole {
        /// The buyer.
        Buyer => "BUYER",
        /// The seller.
        Seller => "SELLER",
        /// Either side of a `COMMON` thread.
        User => "USER",
        /// Allegro's consultant.
        Consultant => "CONSULTANT",
        /// Allegro itself.
        Allegro => "ALLEGRO",
        /// Allegro's system (announced, not in the spec).
        System => "SYSTEM",
        /// Allegro's chatbot (announced, not in the spec).
        Chatbot => "CHATBOT",
    }
}

lenient_enum! {
    /// Delivery status of a message.
    pub enum MessageStatus {
        /// Being checked.
        Verifying => "VERIFYING",
        /// Blocked by Allegro.
        Blocked => "BLOCKED",
        /// Delivered.
        Delivered => "DELIVERED",
        /// Interacting.
        Interacting => "INTERACTING",
        /// Dismissed.
        Dismissed => "DISMISSED",
    }
}

lenient_enum! {
    /// How a message was written.
    pub enum MessageKind {
        /// A question about an offer.
        AskQuestion => "ASK_QUESTION",
        /// An e-mail to the masked address.
        Mail => "MAIL",
        /// Written in the Message Center.
        MessageCenter => "MESSAGE_CENTER",
    }
}

lenient_enum! {
    /// Scan status of an attachment.
    pub enum AttachmentStatus {
        /// Not scanned yet.
        New => "NEW",
        /// Clean.
        Safe => "SAFE",
        /// Unsafe: do not download.
        Unsafe => "UNSAFE",
        /// No longer available.
        Expired => "EXPIRED",
    }
}

/// `ThreadVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Thread {
    /// Thread id.
    pub id: String,
    /// Whether the seller read it.
    pub read: Option<bool>,
    /// Common question or purchase problem.
    #[serde(rename = "type")]
    pub thread_type: Option<ThreadType>,
    /// Kind of purchase problem.
    pub sub_type: Option<ThreadSubType>,
    /// When it started.
    pub created_at: Option<Timestamp>,
    /// When the last message came.
    pub last_message_date_time: Option<Timestamp>,
    /// Buyer and seller.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub participants: Vec<Participant>,
    /// Orders concerned (purchase problems).
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub orders: Vec<ThreadOrder>,
    /// Open or closed.
    pub status: Option<ThreadStatus>,
}

impl Thread {
    /// The login of the first participant with this role.
    pub fn participant_login(&self, role: &ParticipantRole) -> Option<&str> {
        self.participants
            .iter()
            .find(|p| p.role.as_ref() == Some(role))
            .and_then(|p| p.login.as_deref())
    }

    /// The buyer's login: the `BUYER` participant, or in a `COMMON` thread the `USER` that is
    /// not `seller_login`.
    pub fn buyer_login(&self, seller_login: &str) -> Option<&str> {
        self.participant_login(&ParticipantRole::Buyer).or_else(|| {
            self.participants
                .iter()
                .filter(|p| p.role.as_ref() == Some(&ParticipantRole::User))
                .filter_map(|p| p.login.as_deref())
                .find(|login| !login.eq_ignore_ascii_case(seller_login))
        })
    }

    /// Whether the thread is closed.
    pub fn is_closed(&self) -> bool {
        self.status == Some(ThreadStatus::Closed)
    }
}

/// `ThreadParticipantVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Participant {
    /// Role.
    pub role: Option<ParticipantRole>,
    /// Login.
    pub login: Option<String>,
}

/// `ThreadOrderVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ThreadOrder {
    /// Checkout form id.
    pub id: Option<String>,
    /// Offers of the order concerned.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub offers: Vec<ThreadOrderOffer>,
}

/// `ThreadOrderOfferVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ThreadOrderOffer {
    /// Offer id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Quantity.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub quantity: Option<u64>,
}

/// `MessageVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Message {
    /// Message id.
    pub id: String,
    /// Delivery status.
    pub status: Option<MessageStatus>,
    /// How it was written.
    #[serde(rename = "type")]
    pub message_type: Option<MessageKind>,
    /// When.
    pub created_at: Option<Timestamp>,
    /// Author.
    pub author: Option<MessageAuthor>,
    /// Text.
    pub text: Option<String>,
    /// Subject (e-mails).
    pub subject: Option<String>,
    /// Offer and order it is about.
    pub relates_to: Option<RelatesTo>,
    /// Whether more attachments exist than listed.
    pub has_additional_attachments: Option<bool>,
    /// Attachments.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub attachments: Vec<MessageAttachment>,
    /// Extra data (vehicle VIN).
    pub additional_information: Option<AdditionalInformation>,
}

impl Message {
    /// The author's role, if sent.
    pub fn role(&self) -> Option<&MessageAuthorRole> {
        self.author.as_ref()?.role.as_ref()
    }
}

/// `MessageAuthorVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct MessageAuthor {
    /// Role.
    pub role: Option<MessageAuthorRole>,
    /// Login (null for Allegro's staff).
    pub login: Option<String>,
}

/// `MessageRelatedObjectVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RelatesTo {
    /// The offer.
    pub offer: Option<IdRef>,
    /// The order.
    pub order: Option<IdRef>,
}

/// `MessageAttachmentInfoVBeta1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MessageAttachment {
    /// Attachment id.
    pub id: Option<String>,
    /// File name.
    pub file_name: Option<String>,
    /// MIME type.
    pub mime_type: Option<String>,
    /// Absolute download URL (needs the bearer token).
    pub url: Option<String>,
    /// Scan status.
    pub status: Option<AttachmentStatus>,
}

/// `MessageAdditionalInformation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AdditionalInformation {
    /// Vehicle identification number.
    pub vin: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_and_messages_decode_leniently() {
        let thread: Thread = serde_json::from_str(
            r#"{"id":"Z9q","type":"POST_PURCHASE_ISSUE","read":false,"createdAt":"2026-06-02T09:00:00.000Z",
                "lastMessageDateTime":"2026-06-02T10:00:00.000Z",
                "participants":[{"role":"BUYER","login":"kupujacy"},{"role":"SELLER","login":"sklep"}],
                "orders":[{"id":"29738e61","offers":[{"id":"123","quantity":1}]}],
                "subType":"PRODUCT_ARRIVED_DAMAGED","status":"OPEN"}"#,
        )
        .expect("decodes");
        assert_eq!(thread.buyer_login("sklep"), Some("kupujacy"));
        assert_eq!(thread.sub_type, Some(ThreadSubType::ProductArrivedDamaged));
        assert!(!thread.is_closed());
        let common: Thread = serde_json::from_str(
            r#"{"id":"c","type":"COMMON","participants":[{"role":"USER","login":"sklep"},{"role":"USER","login":"ktos"}],"orders":null,"subType":null,"status":"ARCHIVED"}"#,
        )
        .expect("decodes");
        assert_eq!(common.buyer_login("SKLEP"), Some("ktos"));
        assert_eq!(
            common.status,
            Some(ThreadStatus::Unknown("ARCHIVED".into()))
        );
        let message: Message = serde_json::from_str(
            r#"{"id":"m","status":"DELIVERED","type":"MESSAGE_CENTER","createdAt":"2026-06-02T10:00:00.000Z",
                "author":{"role":"CHATBOT","login":null},"text":"t","subject":null,
                "relatesTo":{"offer":null,"order":null},"hasAdditionalAttachments":false,
                "attachments":[{"id":"a","fileName":"f.png","mimeType":"image/png","url":"https://upload.allegro.pl/x","status":"QUARANTINE"}],
                "additionalInformation":null}"#,
        )
        .expect("decodes");
        assert_eq!(message.role(), Some(&MessageAuthorRole::Chatbot));
        assert_eq!(
            message.attachments[0].status,
            Some(AttachmentStatus::Unknown("QUARANTINE".into()))
        );
    }
}
