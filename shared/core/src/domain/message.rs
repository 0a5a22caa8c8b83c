//! Messages of a ticket and who wrote them.

use super::reply::ReplyState;
use crate::ids::{MessageId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who wrote a message. The distinction matters: the autoresponder answers buyers only,
/// and a seller message written on the marketplace's own site counts as an answer too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// The buyer.
    Buyer,
    /// The seller, replying from marketdesk.
    SellerViaMarketdesk,
    /// The seller, writing on the marketplace's own site.
    SellerViaMarketplace,
    /// Marketplace staff or system (Allegro ADMIN/SYSTEM, Mirakl OPERATOR).
    MarketplaceStaff,
    /// marketdesk's autoresponder.
    Autoresponder,
    /// An agent's internal comment, never sent.
    InternalComment,
}

impl AuthorKind {
    /// Whether the message counts as the seller's answer to the buyer.
    pub fn is_seller_answer(self) -> bool {
        matches!(
            self,
            AuthorKind::SellerViaMarketdesk | AuthorKind::SellerViaMarketplace
        )
    }

    /// Whether the message is visible to the buyer on the marketplace.
    pub fn is_public(self) -> bool {
        self != AuthorKind::InternalComment
    }
}

/// A file attached to a message, kept at the marketplace and fetched on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The id to download it by (`GET /v1/tickets/{id}/attachments/{aid}`); set when a
    /// ticket is read, absent for files of replies (they are the seller's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// File name as shown.
    pub filename: String,
    /// Media type, if the marketplace tells it.
    pub content_type: Option<String>,
    /// Where the marketplace serves it (fetched with the account's credentials).
    pub url: String,
}

/// One message of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The message's id in marketdesk.
    pub id: MessageId,
    /// The ticket it belongs to.
    pub ticket_id: TicketId,
    /// The marketplace's id; `None` for internal comments and replies not yet sent.
    pub external_id: Option<String>,
    /// Who wrote it.
    pub author: AuthorKind,
    /// Author's display name, when the marketplace gives one.
    pub author_name: Option<String>,
    /// Plain text.
    pub text: String,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// When it was written (the marketplace's timestamp for marketplace messages).
    pub created_at: DateTime<Utc>,
    /// For replies sent from marketdesk: where the delivery stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Who wrote it in marketdesk (a user or an API key): comments and replies only. Never
    /// sent to the marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<super::Actor>,
}

/// The outbox state of a reply, shown on its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The reply's id (for `POST /v1/tickets/{id}/replies/{rid}/retry`).
    pub reply_id: MessageId,
    /// Sending, sent or failed.
    pub state: ReplyState,
    /// Why it failed, or the last error while still retrying.
    pub failure: Option<String>,
    /// Whether it asked the buyer to confirm the problem is solved.
    pub ask_to_confirm: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seller_answers_include_the_marketplace_site() {
        assert!(AuthorKind::SellerViaMarketplace.is_seller_answer());
        assert!(AuthorKind::SellerViaMarketdesk.is_seller_answer());
        assert!(!AuthorKind::Autoresponder.is_seller_answer());
        assert!(!AuthorKind::InternalComment.is_public());
        assert!(AuthorKind::MarketplaceStaff.is_public());
    }
}
