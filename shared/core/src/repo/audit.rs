//! Audit entries in the store: one partition per tenant, newest last by sort key, with two
//! sparse index entries so one subject's or one actor's history is read without scanning.
//!
//! | item | PK / SK | indexes |
//! |---|---|---|
//! | entry | `TENANT#<t>#AUDIT` / `<at>#<id>` | GSI1 `TENANT#<t>#AUDIT#SUBJECT#<kind>#<id>` / `<at>#<id>`; GSI2 `TENANT#<t>#AUDIT#ACTOR#<actor id>` / `<at>#<id>` |
//!
//! Every entry expires a year after it was written (`ttl`).

use super::keys::sortable;
use super::{decode, encode, keys, RepoError};
use crate::domain::{Actor, AuditEntry, Subject};
use crate::ids::TenantId;
use crate::ports::{
    Condition, Index, IndexKey, Item, Key, PageCursor, Query, SortKeyCondition, Store,
};
use chrono::{DateTime, Utc};

/// How long entries are kept, in days.
pub const RETENTION_DAYS: i64 = 365;

/// The partition of a tenant's audit log.
fn partition(tenant: &TenantId) -> String {
    format!("{}#AUDIT", keys::tenant_partition(tenant))
}

/// The index partition of one subject's history.
fn subject_partition(tenant: &TenantId, subject: &Subject) -> String {
    format!(
        "{}#AUDIT#SUBJECT#{}#{}",
        keys::tenant_partition(tenant),
        subject.kind.as_str(),
        subject.id
    )
}

/// The index partition of one actor's changes.
fn actor_partition(tenant: &TenantId, actor_id: &str) -> String {
    format!("{}#AUDIT#ACTOR#{actor_id}", keys::tenant_partition(tenant))
}

/// The id an actor is filtered by (the user's or the key's id).
pub fn actor_id(actor: &Actor) -> &str {
    match actor {
        Actor::User { id, .. } => id.as_str(),
        Actor::ApiKey { id, .. } => id.as_str(),
    }
}

fn sort_key(entry: &AuditEntry) -> String {
    format!("{}#{}", sortable(entry.at), entry.id)
}

/// Stores an entry (ids are unique: a repeated id is refused).
pub async fn put(store: &dyn Store, entry: &AuditEntry) -> Result<(), RepoError> {
    let sk = sort_key(entry);
    let mut item = Item::new(
        Key::new(partition(&entry.tenant_id), sk.clone()),
        encode(entry),
    )
    .with_index(
        Index::Gsi1,
        IndexKey::new(
            subject_partition(&entry.tenant_id, &entry.subject),
            sk.clone(),
        ),
    )
    .with_expiry((entry.at + chrono::Duration::days(RETENTION_DAYS)).timestamp());
    if let Some(actor) = &entry.actor {
        item = item.with_index(
            Index::Gsi2,
            IndexKey::new(actor_partition(&entry.tenant_id, actor_id(actor)), sk),
        );
    }
    super::create_result(store.put(item, Condition::NotExists).await)
}

/// Which entries a listing reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every entry of the tenant.
    All,
    /// One subject's entries.
    Subject(Subject),
    /// One actor's entries (by the user's or key's id).
    Actor(String),
}

/// One page of entries, newest first, written between `from` and `to` (both included).
pub async fn list(
    store: &dyn Store,
    tenant: &TenantId,
    scope: &Scope,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<AuditEntry>, Option<PageCursor>), RepoError> {
    let query = match scope {
        Scope::All => Query::partition(partition(tenant)),
        Scope::Subject(subject) => Query::index(Index::Gsi1, subject_partition(tenant, subject)),
        Scope::Actor(actor) => Query::index(Index::Gsi2, actor_partition(tenant, actor)),
    };
    // `~` sorts after the `#<id>` that follows the time in every sort key.
    let low = from.map(sortable);
    let high = to.map(|to| format!("{}~", sortable(to)));
    let sort = match (low, high) {
        (Some(low), Some(high)) => SortKeyCondition::Between(low, high),
        (Some(low), None) => SortKeyCondition::AtLeast(low),
        (None, Some(high)) => SortKeyCondition::AtMost(high),
        (None, None) => SortKeyCondition::All,
    };
    let page = store
        .query(&query.sort(sort).descending().limit(limit).after(after))
        .await?;
    let entries = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((entries, page.next))
}
