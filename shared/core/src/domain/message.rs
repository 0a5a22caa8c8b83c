//! Messages of a ticket and who wrote them.

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
