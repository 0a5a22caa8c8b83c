//! Messages of a ticket and who wrote them.

pub use super::author::{AuthorKind, Turn};
use super::reply_state::ReplyState;
use super::Actor;
use crate::ids::{MessageId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A file attached to a message: a buyer's kept at the marketplace and fetched on demand, a
/// reply's kept in marketdesk's store.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The id to download it by (`<message id>-<position>`): the `aid` of
    /// `GET /v1/tickets/{id}/attachments/{aid}`, on every file of a read ticket (buyers' and
    /// replies').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub id: Option<String>,
    /// marketdesk's own download path, `/v1/tickets/{id}/attachments/{aid}` (the `url` needs
    /// the seller's marketplace credentials; use this with the API key): on every file of a
    /// read ticket, in both directions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub link: Option<String>,
    /// File name as shown.
    pub filename: String,
    /// Media type, if the marketplace tells it.
    pub content_type: Option<String>,
    /// The marketplace's address of the file: it answers only with the seller's marketplace
    /// credentials (use `link`); empty for files of replies.
    pub url: String,
}

/// One message of a ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The message's id in marketdesk.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: MessageId,
    /// The ticket it belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
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
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub delivery: Option<Delivery>,
    /// Who wrote it in marketdesk (a user or an API key): comments and replies only. Never
    /// sent to the marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub actor: Option<Actor>,
}

/// The outbox state of a reply, shown on its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The reply's id (for `POST /v1/tickets/{id}/replies/{rid}/retry`).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
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

    #[test]
    fn marketplace_messages_are_never_the_sellers_answer_and_only_an_opening_speaks_for_the_buyer()
    {
        for author in [
            AuthorKind::MarketplaceStaff,
            AuthorKind::MarketplaceSystem,
            AuthorKind::MarketplaceForBuyer,
        ] {
            assert!(!author.is_seller_answer(), "{author:?}");
        }
        assert!(AuthorKind::MarketplaceForBuyer.speaks_for_buyer());
        assert!(!AuthorKind::MarketplaceSystem.speaks_for_buyer());
        assert!(!AuthorKind::MarketplaceStaff.speaks_for_buyer());
        assert_eq!(AuthorKind::MarketplaceStaff.turn(), Turn::SellerToAnswer);
        assert_eq!(AuthorKind::MarketplaceSystem.turn(), Turn::Unchanged);
        assert_eq!(AuthorKind::SellerViaMarketplace.turn(), Turn::Answered);
    }
}
