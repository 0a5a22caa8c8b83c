//! Offer port: reading an Allegro account's offers and their event journal, and changing them
//! with batch commands (allegro-api.md §8; implemented by the channels crate).
//!
//! Two traits, because reading and changing are separate jobs with separate priorities in the
//! request budget: [`OfferReader`] for the periodic read and the journal, [`OfferCommands`] for
//! stock, price and publication commands.

use super::marketplace_error::MarketplaceError;
use crate::domain::offer::{OfferStatus, SellingFormat};
use crate::domain::Integration;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An offer as the marketplace shows it (what marketdesk keeps of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferData {
    /// Allegro's offer number.
    pub id: String,
    /// Title.
    pub name: String,
    /// Publication status.
    pub status: OfferStatus,
    /// Selling format.
    pub format: SellingFormat,
    /// Units available.
    pub stock: u32,
    /// Buy-now price, decimal text (`"49.99"`), if it has one.
    pub price: Option<String>,
    /// Currency of the price.
    pub currency: Option<String>,
    /// The product's EAN (GTIN parameter 225693). `/sale/offers` does not list it, so a page of
    /// offers carries `None` here and only [`OfferReader::offer`] fills it.
    pub ean: Option<String>,
    /// The primary image.
    pub image_url: Option<String>,
    /// The offer's category.
    pub category_id: Option<String>,
    /// When it last ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// One page of the account's offers (`/sale/offers`, by offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferPage {
    /// The offers of the page.
    pub offers: Vec<OfferData>,
    /// How many offers the account has in all.
    pub total: u64,
}

/// What an offer journal event says happened (the journal carries no new values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferEventKind {
    /// Activated (published or renewed).
    Activated,
    /// Its fields changed.
    Changed,
    /// Its stock changed.
    StockChanged,
    /// Its price changed.
    PriceChanged,
    /// It ended.
    Ended,
    /// Allegro archived it (60 days after ending): it is gone for good.
    Archived,
    /// Anything else (bids, translations, visibility): nothing marketdesk keeps changed.
    Other,
}

/// One event of the offer journal (`/sale/offer-events`, 24 hours kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferEvent {
    /// The event's id (the position to continue after).
    pub id: String,
    /// The offer it is about.
    pub offer_id: String,
    /// What happened.
    pub kind: OfferEventKind,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// Reads one account's offers.
#[async_trait]
pub trait OfferReader: Send + Sync {
    /// One page of the account's offers, `limit` (at most 1 000) from `offset`.
    async fn offers(
        &self,
        integration: &Integration,
        offset: u64,
        limit: u32,
    ) -> Result<OfferPage, MarketplaceError>;

    /// The newest journal event's id (where a new reader starts), `None` when there is none.
    async fn newest_event(
        &self,
        integration: &Integration,
    ) -> Result<Option<String>, MarketplaceError>;

    /// Journal events after `from` (the oldest kept without it), oldest first, one page.
    async fn events_after(
        &self,
        integration: &Integration,
        from: Option<&str>,
    ) -> Result<Vec<OfferEvent>, MarketplaceError>;

    /// One offer in full, with its EAN; `None` when the marketplace no longer has it
    /// (archived offers answer 404).
    async fn offer(
        &self,
        integration: &Integration,
        offer_id: &str,
    ) -> Result<Option<OfferData>, MarketplaceError>;
}

/// The three kinds of batch command, each with its own endpoint and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferCommandKind {
    /// `offer-quantity-change-commands`.
    Quantity,
    /// `offer-price-change-commands`.
    Price,
    /// `offer-publication-commands`.
    Publication,
}

/// What one command does to every offer it names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum OfferChange {
    /// Sets the stock (`FIXED`, more than 0).
    Quantity {
        /// The new stock.
        #[cfg_attr(feature = "openapi", schema(minimum = 1))]
        value: u32,
    },
    /// Sets the buy-now price (`FIXED_PRICE`).
    Price {
        /// Decimal text (`"49.99"`).
        amount: String,
        /// Currency (`PLN`).
        currency: String,
    },
    /// Publishes again an ended offer under the same number (renewal, `ACTIVATE`).
    Activate,
    /// Ends the offers (`END`).
    End,
}

impl OfferChange {
    /// The command endpoint this change goes to.
    pub fn kind(&self) -> OfferCommandKind {
        match self {
            OfferChange::Quantity { .. } => OfferCommandKind::Quantity,
            OfferChange::Price { .. } => OfferCommandKind::Price,
            OfferChange::Activate | OfferChange::End => OfferCommandKind::Publication,
        }
    }
}

/// How one offer of a command fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    /// Not done yet.
    Pending,
    /// Accepted by Allegro.
    Succeeded,
    /// Refused, with Allegro's message.
    Failed(String),
}

/// A command's report: its tasks, one per offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandReport {
    /// Whether every task has finished.
    pub completed: bool,
    /// Each offer's outcome, by offer id.
    pub tasks: Vec<(String, TaskOutcome)>,
}

/// Why a command was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Another command still runs on some of these offers (Allegro takes one at a time): wait
    /// for it and send again with the same id.
    #[error("another command still runs on these offers")]
    Busy,
    /// The marketplace failed or refused it.
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
}

/// Changes one account's offers with batch commands. Sending is idempotent by `command_id` (a
/// UUID the caller makes once per command and keeps), so a command whose answer was lost is
/// sent again with the same id, never as a second command.
#[async_trait]
pub trait OfferCommands: Send + Sync {
    /// Sends `change` for `offer_ids` (at most 1 000) as command `command_id`.
    async fn send(
        &self,
        integration: &Integration,
        command_id: &str,
        change: &OfferChange,
        offer_ids: &[String],
    ) -> Result<(), CommandError>;

    /// The report of command `command_id` of `kind`.
    async fn report(
        &self,
        integration: &Integration,
        kind: OfferCommandKind,
        command_id: &str,
    ) -> Result<CommandReport, MarketplaceError>;
}
