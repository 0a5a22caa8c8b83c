//! Marketplace port: reading conversations from a marketplace inbox.
//!
//! Implemented per channel by the marketplace client crates (Allegro, Mirakl). Until a channel
//! has an adapter, [`Marketplaces::source`] answers `None` and the poller says so.

use crate::domain::{Channel, Integration, PollCursor};
use crate::jobs::InboundEvent;
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// What one poll of a channel read.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBatch {
    /// Conversations with new activity since the cursor.
    pub events: Vec<InboundEvent>,
    /// The cursor position to store once every event is queued.
    pub next_position: Option<String>,
}

/// Why a marketplace call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketplaceError {
    /// The marketplace asked us to slow down (HTTP 429).
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited {
        /// How long to wait before the next call.
        retry_after: Duration,
    },
    /// The account's credentials are dead (invalid_grant, revoked app, bad API key).
    #[error("credentials rejected: {0}")]
    CredentialsRejected(String),
    /// A network fault or 5xx; worth retrying.
    #[error("marketplace unavailable: {0}")]
    Unavailable(String),
    /// The marketplace refused the request as invalid; retrying will not help.
    #[error("marketplace refused the request: {0}")]
    Refused(String),
    /// The marketplace reports the seller account blocked (Allegro's sale blockade,
    /// allegro-api.md §4.3): nothing works until the seller settles it with the marketplace.
    #[error("the seller account is blocked: {0}")]
    AccountBlocked(String),
}

/// Reads one channel's conversations.
#[async_trait]
pub trait ConversationSource: Send + Sync {
    /// Conversations with activity after `cursor`, and the position to continue from.
    async fn poll(
        &self,
        integration: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError>;
}

/// The marketplace adapters available in this build.
pub trait Marketplaces: Send + Sync {
    /// The reader of `channel`, if this build has one.
    fn source(&self, channel: Channel) -> Option<Arc<dyn ConversationSource>>;

    /// The Allegro order journal reader, if this build has one.
    fn order_journal(&self) -> Option<Arc<dyn super::orders::OrderJournal>> {
        None
    }

    /// The Allegro offer reader, if this build has one.
    fn offer_reader(&self) -> Option<Arc<dyn super::offers::OfferReader>> {
        None
    }
}

/// A registry of channel readers.
#[derive(Default, Clone)]
pub struct MarketplaceRegistry {
    sources: Vec<(Channel, Arc<dyn ConversationSource>)>,
    order_journal: Option<Arc<dyn super::orders::OrderJournal>>,
    offer_reader: Option<Arc<dyn super::offers::OfferReader>>,
}

impl MarketplaceRegistry {
    /// A registry with no channels (before the marketplace clients are wired in).
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds the reader of `channel`.
    pub fn with_source(mut self, channel: Channel, source: Arc<dyn ConversationSource>) -> Self {
        self.sources.retain(|(c, _)| *c != channel);
        self.sources.push((channel, source));
        self
    }

    /// Adds the order journal reader.
    pub fn with_order_journal(mut self, journal: Arc<dyn super::orders::OrderJournal>) -> Self {
        self.order_journal = Some(journal);
        self
    }

    /// Adds the offer reader.
    pub fn with_offer_reader(mut self, reader: Arc<dyn super::offers::OfferReader>) -> Self {
        self.offer_reader = Some(reader);
        self
    }
}

impl Marketplaces for MarketplaceRegistry {
    fn source(&self, channel: Channel) -> Option<Arc<dyn ConversationSource>> {
        self.sources
            .iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, s)| Arc::clone(s))
    }

    fn order_journal(&self) -> Option<Arc<dyn super::orders::OrderJournal>> {
        self.order_journal.clone()
    }

    fn offer_reader(&self) -> Option<Arc<dyn super::offers::OfferReader>> {
        self.offer_reader.clone()
    }
}
