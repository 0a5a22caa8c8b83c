//! Order journal port: reading a marketplace's order events and checkout forms (Allegro).

use super::marketplace_error::MarketplaceError;
use crate::domain::checkout_form::CheckoutFormData;
use crate::domain::Integration;
use async_trait::async_trait;

/// One journal entry: which checkout form changed, and to which revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEvent {
    /// Event id (the position to continue after).
    pub id: String,
    /// The checkout form it is about, if named.
    pub checkout_form_id: Option<String>,
    /// The form's revision the event was made at, if given.
    pub revision: Option<String>,
    /// When it happened, if given (a journal started at a date skips earlier events).
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Reads one account's order journal.
#[async_trait]
pub trait OrderJournal: Send + Sync {
    /// The newest event's id (where a new reader starts), `None` when there is none yet.
    async fn newest_event(
        &self,
        integration: &Integration,
    ) -> Result<Option<String>, MarketplaceError>;

    /// Events after `from` (the oldest retained without it), oldest first, one page.
    async fn events_after(
        &self,
        integration: &Integration,
        from: Option<&str>,
    ) -> Result<Vec<JournalEvent>, MarketplaceError>;

    /// One checkout form; `None` when the marketplace no longer shows it.
    async fn checkout_form(
        &self,
        integration: &Integration,
        id: &str,
    ) -> Result<Option<CheckoutFormData>, MarketplaceError>;
}
