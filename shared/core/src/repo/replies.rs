//! The outbox: replies of a ticket with their delivery state.

use super::{create_result, decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::Reply;
use crate::ids::{MessageId, TenantId, TicketId};
use crate::ports::{Condition, Item, Query, SortKeyCondition, Store};

fn item(tenant: &TenantId, reply: &Reply, version: u64) -> Item {
    Item {
        version,
        ..Item::new(
            keys::reply(tenant, &reply.ticket_id, &reply.id),
            encode(reply),
        )
    }
}

/// Stores a new reply; [`RepoError::AlreadyExists`] when one with its id exists (the
/// autoresponder's ids are derived from the opening they answer, so it never sends twice).
pub async fn create(store: &dyn Store, tenant: &TenantId, reply: &Reply) -> Result<(), RepoError> {
    create_result(
        store
            .put(item(tenant, reply, 1), Condition::NotExists)
            .await,
    )
}

/// The reply with its version.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
    id: &MessageId,
) -> Result<Option<Versioned<Reply>>, RepoError> {
    get_versioned(store, &keys::reply(tenant, ticket, id)).await
}

/// Replaces the reply if it is still at `read_version`.
pub async fn update(
    store: &dyn Store,
    tenant: &TenantId,
    reply: &Reply,
    read_version: u64,
) -> Result<(), RepoError> {
    store
        .put(
            item(tenant, reply, read_version + 1),
            Condition::VersionIs(read_version),
        )
        .await?;
    Ok(())
}

/// Every reply of a ticket (in id order, which is creation order for generated ids).
pub async fn of_ticket(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
) -> Result<Vec<Reply>, RepoError> {
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::ticket_replies_prefix(
            ticket,
        )))
        .limit(500);
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
