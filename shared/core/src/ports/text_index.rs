//! Text index port: the words of tickets' subjects and messages, searchable per tenant.
//!
//! Embedded: SQLite FTS5 (`marketdesk-local`), ranked by FTS5's own bm25. AWS: word items in
//! the table (`repo::word_index`), exact words, newest tickets first. Neither ranks by a
//! home-made scheme; see docs/architecture.md "Search" for the costs.

use crate::ids::{TenantId, TicketId};
use async_trait::async_trait;

/// Why the text index failed.
#[derive(Debug, thiserror::Error)]
pub enum TextIndexError {
    /// The backing service failed; retrying later may help.
    #[error("text index unavailable: {0}")]
    Unavailable(String),
}

/// One searchable text of a ticket: its subject or one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextDoc {
    /// Unique within the ticket (`subject`, or the message's store id): indexing the same key
    /// again replaces its text.
    pub key: String,
    /// The text.
    pub text: String,
}

/// Words of tickets, searchable within one tenant.
#[async_trait]
pub trait TextIndex: Send + Sync {
    /// Makes `docs` part of the ticket's searchable words (a doc indexed again is replaced).
    async fn index(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        docs: &[TextDoc],
    ) -> Result<(), TextIndexError>;

    /// Tickets of the tenant whose texts together hold every one of `words` (lowercase
    /// letters and digits, as `services::search::text::words` cuts them), best first, at
    /// most `limit`.
    async fn search(
        &self,
        tenant: &TenantId,
        words: &[String],
        limit: usize,
    ) -> Result<Vec<TicketId>, TextIndexError>;
}
