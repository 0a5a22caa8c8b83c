//! The AWS text index: each distinct word of a ticket's texts is an entry
//! `SEARCH#word#<folded word>#<ticket>` in the tenant's partition ([`super::search`]).
//!
//! Cost (DynamoDB on demand): indexing a text is one write per distinct word of at least two
//! letters (a 40-word message: about 30 writes of under 1 KB); a search is one query per word
//! (at most [`MAX_TICKETS_PER_WORD`] entries, about 100 bytes each: ≤ 25 read units, usually
//! 0.5) and answers exact words, intersected, newest tickets first. No ranking: DynamoDB has
//! none, and a home-made one is out of scope (the embedded backend ranks with FTS5's bm25).
//! Entries are only added, so a replaced text keeps its old words findable.

use super::search::{self, Entry, EntryKind, Match, MatchField};
use crate::ids::{TenantId, TicketId};
use crate::ports::{Store, TextDoc, TextIndex, TextIndexError};
use crate::services::search::text::{fold, words};
use async_trait::async_trait;
use std::collections::BTreeSet;
use std::ops::Deref;
use std::sync::Arc;

/// Entries read per searched word: a word in more tickets is matched among its newest ones.
pub const MAX_TICKETS_PER_WORD: u32 = 1000;

/// [`TextIndex`] on the store's items (used on AWS; runs on any store). `S` is how the
/// store is held: `Arc<dyn Store>` when wired, a borrow in tests.
pub struct StoreWordIndex<S = Arc<dyn Store>> {
    store: S,
}

impl<S> StoreWordIndex<S> {
    /// The index on `store`.
    pub fn new(store: S) -> Self {
        Self { store }
    }
}

fn unavailable(error: super::RepoError) -> TextIndexError {
    TextIndexError::Unavailable(error.to_string())
}

#[async_trait]
impl<S> TextIndex for StoreWordIndex<S>
where
    S: Deref<Target = dyn Store> + Send + Sync,
{
    async fn index(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        docs: &[TextDoc],
    ) -> Result<(), TextIndexError> {
        let distinct: BTreeSet<String> = docs
            .iter()
            .flat_map(|doc| words(&doc.text))
            .map(|word| fold(&word))
            .collect();
        let entries: Vec<Entry> = distinct
            .into_iter()
            .map(|value| Entry {
                kind: EntryKind::Word,
                value,
                field: MatchField::Words,
            })
            .collect();
        search::put(self.store.deref(), tenant, ticket, &entries)
            .await
            .map_err(unavailable)
    }

    async fn search(
        &self,
        tenant: &TenantId,
        words: &[String],
        limit: usize,
    ) -> Result<Vec<TicketId>, TextIndexError> {
        let mut common: Option<BTreeSet<TicketId>> = None;
        for word in words {
            let hits = search::find(
                self.store.deref(),
                tenant,
                EntryKind::Word,
                &fold(word),
                Match::Exact,
                true,
                MAX_TICKETS_PER_WORD,
            )
            .await
            .map_err(unavailable)?;
            let tickets: BTreeSet<TicketId> = hits.into_iter().map(|h| h.ticket).collect();
            common = Some(match common {
                None => tickets,
                Some(before) => before.intersection(&tickets).cloned().collect(),
            });
            if common.as_ref().is_some_and(BTreeSet::is_empty) {
                break;
            }
        }
        // Ticket ids are UUID v7: the greatest is the newest.
        Ok(common
            .unwrap_or_default()
            .into_iter()
            .rev()
            .take(limit)
            .collect())
    }
}
