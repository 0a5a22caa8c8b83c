//! Who wrote a message, and what that means for whose turn it is: shared by messages and
//! replies (so neither module needs the other for it).

use serde::{Deserialize, Serialize};

/// Who wrote a message. The distinction matters: the autoresponder answers buyers only,
/// a seller message written on the marketplace's own site counts as an answer too, and the
/// marketplace's own messages never count as the buyer's or the seller's (except an opening
/// the marketplace wrote for the buyer).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    /// The buyer.
    Buyer,
    /// The seller, replying from marketdesk.
    SellerViaMarketdesk,
    /// The seller, writing on the marketplace's own site.
    SellerViaMarketplace,
    /// Marketplace people: Allegro's advisers and consultants (ADMIN, CONSULTANT, FULFILLMENT),
    /// Mirakl operators, and any author role marketdesk does not know.
    MarketplaceStaff,
    /// The marketplace's automatic messages: Allegro's assistant Allina and notices (SYSTEM,
    /// CHATBOT, ALLEGRO).
    MarketplaceSystem,
    /// A conversation's opening written by the marketplace on the buyer's behalf (since late
    /// 2025 Allegro's assistant often writes an issue's first message, role SYSTEM): it is
    /// the buyer's opening.
    MarketplaceForBuyer,
    /// marketdesk's autoresponder.
    Autoresponder,
    /// An agent's internal comment, never sent.
    InternalComment,
}

/// What a message means for whose turn it is to write (the rows of the ticket-state table
/// in `docs/architecture.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The seller is expected to answer: the buyer wrote (or the marketplace for them), an
    /// adviser wrote, or only the autoresponder answered.
    SellerToAnswer,
    /// The seller answered.
    Answered,
    /// Changes nothing: automatic marketplace notices and internal comments.
    Unchanged,
}

impl AuthorKind {
    /// Whether the message counts as the seller's answer to the buyer.
    pub fn is_seller_answer(self) -> bool {
        matches!(
            self,
            AuthorKind::SellerViaMarketdesk | AuthorKind::SellerViaMarketplace
        )
    }

    /// Whether the message is the buyer's own words (written by them, or by the marketplace
    /// for them): what the autoresponder answers.
    pub fn speaks_for_buyer(self) -> bool {
        matches!(self, AuthorKind::Buyer | AuthorKind::MarketplaceForBuyer)
    }

    /// Whose turn it is after a message by this author.
    pub fn turn(self) -> Turn {
        match self {
            AuthorKind::Buyer
            | AuthorKind::MarketplaceForBuyer
            | AuthorKind::MarketplaceStaff
            | AuthorKind::Autoresponder => Turn::SellerToAnswer,
            AuthorKind::SellerViaMarketdesk | AuthorKind::SellerViaMarketplace => Turn::Answered,
            AuthorKind::MarketplaceSystem | AuthorKind::InternalComment => Turn::Unchanged,
        }
    }

    /// Whether the message is visible to the buyer on the marketplace.
    pub fn is_public(self) -> bool {
        self != AuthorKind::InternalComment
    }
}
