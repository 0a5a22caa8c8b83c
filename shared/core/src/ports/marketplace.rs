//! Marketplace port: reading conversations from a marketplace inbox.
//!
//! Implemented per channel by the marketplace client crates (Allegro, Mirakl). Until a channel
//! has an adapter, [`Marketplaces::source`] answers `None` and the poller says so.

use super::marketplace_error::MarketplaceError;
use crate::domain::{Channel, Integration, PollCursor};
use crate::jobs::InboundEvent;
use async_trait::async_trait;
use std::sync::Arc;

/// What one poll of a channel read.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBatch {
    /// Conversations with new activity since the cursor.
    pub events: Vec<InboundEvent>,
    /// The cursor position to store once every event is queued.
    pub next_position: Option<String>,
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
