//! Saved replies in the store: `SAVEDREPLY#<id>` items in the tenant partition.

use super::{create_result, decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::SavedReply;
use crate::ids::{SavedReplyId, TenantId};
use crate::ports::{Condition, Item, Query, SortKeyCondition, Store};

fn item(reply: &SavedReply, version: u64) -> Item {
    Item {
        version,
        ..Item::new(
            keys::saved_reply(&reply.tenant_id, &reply.id),
            encode(reply),
        )
    }
}

/// Stores a new saved reply.
pub async fn create(store: &dyn Store, reply: &SavedReply) -> Result<(), RepoError> {
    create_result(store.put(item(reply, 1), Condition::NotExists).await)
}

/// The saved reply with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &SavedReplyId,
) -> Result<Option<Versioned<SavedReply>>, RepoError> {
    get_versioned(store, &keys::saved_reply(tenant, id)).await
}

/// Replaces the saved reply if it is still at `read_version`.
pub async fn update(
    store: &dyn Store,
    reply: &SavedReply,
    read_version: u64,
) -> Result<(), RepoError> {
    store
        .put(
            item(reply, read_version + 1),
            Condition::VersionIs(read_version),
        )
        .await?;
    Ok(())
}

/// Deletes the saved reply if it is still at `read_version`.
pub async fn delete(
    store: &dyn Store,
    tenant: &TenantId,
    id: &SavedReplyId,
    read_version: u64,
) -> Result<(), RepoError> {
    store
        .delete(
            &keys::saved_reply(tenant, id),
            Condition::VersionIs(read_version),
        )
        .await?;
    Ok(())
}

/// Every saved reply of the tenant (their number is capped when they are created).
pub async fn list(store: &dyn Store, tenant: &TenantId) -> Result<Vec<SavedReply>, RepoError> {
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(
            keys::SAVED_REPLY_PREFIX.into(),
        ))
        .limit(1000);
    let mut all = Vec::new();
    loop {
        let page = store.query(&query).await?;
        for item in &page.items {
            all.push(decode(item)?);
        }
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return Ok(all),
        }
    }
}
