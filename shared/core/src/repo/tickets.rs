//! Tickets and their messages in the store.

use super::{decode, encode, get_versioned, keys, RepoError, Versioned};
use crate::domain::{AutoreplyState, ConversationRef, Message, Ticket};
use crate::ids::{TenantId, TicketId};
use crate::ports::{
    Condition, Index, Item, PageCursor, Query, SortKeyCondition, Store, StoreError, WriteOp,
};
use serde_json::json;

use super::keys::sortable;

fn ticket_item(ticket: &Ticket, version: u64) -> Item {
    let item = Item {
        version,
        ..Item::new(keys::ticket(&ticket.tenant_id, &ticket.id), encode(ticket))
    }
    .with_index(
        Index::Gsi1,
        keys::ticket_activity_index(&ticket.tenant_id, &sortable(ticket.updated_at), &ticket.id),
    )
    .with_index(
        Index::Gsi3,
        keys::ticket_deadline_index(
            &ticket.tenant_id,
            ticket.workflow.respond_by.map(sortable).as_deref(),
            &ticket.id,
        ),
    );
    match &ticket.autoreply {
        // Sparse: only tickets whose autoresponse waits are in the due index.
        Some(plan) if plan.state == AutoreplyState::Pending => item.with_index(
            Index::Gsi2,
            keys::autoreply_due_index(&sortable(plan.due_at), &ticket.tenant_id, &ticket.id),
        ),
        _ => item,
    }
}

/// The ticket mirroring a marketplace conversation, if one was created.
pub async fn find_by_conversation(
    store: &dyn Store,
    tenant: &TenantId,
    conversation: &ConversationRef,
) -> Result<Option<TicketId>, RepoError> {
    let Some(guard) = store
        .get(&keys::conversation_guard(tenant, conversation))
        .await?
    else {
        return Ok(None);
    };
    let id = guard
        .data
        .get("ticket_id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| RepoError::Corrupt {
            pk: guard.key.pk.clone(),
            sk: guard.key.sk.clone(),
            reason: "guard without ticket_id".into(),
        })?;
    Ok(Some(TicketId::from(id)))
}

/// Creates a ticket together with its conversation guard, atomically. When another writer
/// created the conversation's ticket first, returns that ticket's id instead.
pub async fn create_for_conversation(
    store: &dyn Store,
    ticket: &Ticket,
) -> Result<TicketId, RepoError> {
    let guard = Item::new(
        keys::conversation_guard(&ticket.tenant_id, &ticket.conversation),
        json!({ "ticket_id": ticket.id }),
    );
    let mut ops = vec![
        WriteOp::Put {
            item: guard,
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: ticket_item(ticket, 1),
            condition: Condition::NotExists,
        },
    ];
    if let Some(customer) = &ticket.customer_id {
        ops.push(super::customers::ticket_link(
            &ticket.tenant_id,
            customer,
            &ticket.id,
        ));
    }
    ops.extend(super::views::changes(None, ticket));
    match store.transact(ops).await {
        Ok(()) => Ok(ticket.id.clone()),
        Err(StoreError::TransactionCancelled(_)) => {
            find_by_conversation(store, &ticket.tenant_id, &ticket.conversation)
                .await?
                .ok_or(RepoError::NotFound)
        }
        Err(other) => Err(other.into()),
    }
}

/// The ticket with its version, if it exists in this tenant.
pub async fn get(
    store: &dyn Store,
    tenant: &TenantId,
    id: &TicketId,
) -> Result<Option<Versioned<Ticket>>, RepoError> {
    get_versioned(store, &keys::ticket(tenant, id)).await
}

/// Replaces the ticket if it is still at `read_version`, together with its view and due
/// index items (`repo::views`) in one transaction. Reads the stored ticket first (one `get`)
/// to know which index items it has; a stored version other than `read_version` is a lost
/// race (`ConditionFailed`), as is a change between that read and the write.
pub async fn update(
    store: &dyn Store,
    ticket: &Ticket,
    read_version: u64,
) -> Result<(), RepoError> {
    let stored: Versioned<Ticket> = get(store, &ticket.tenant_id, &ticket.id)
        .await?
        .filter(|stored| stored.version == read_version)
        .ok_or(StoreError::ConditionFailed)?;
    let item = ticket_item(ticket, read_version + 1);
    let index_changes = super::views::changes(Some(&stored.value), ticket);
    if index_changes.is_empty() {
        store.put(item, Condition::VersionIs(read_version)).await?;
        return Ok(());
    }
    let mut ops = vec![WriteOp::Put {
        item,
        condition: Condition::VersionIs(read_version),
    }];
    ops.extend(index_changes);
    match store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::TransactionCancelled(_)) => Err(StoreError::ConditionFailed.into()),
        Err(other) => Err(other.into()),
    }
}

/// Moves a ticket read at `read_version` from customer `from` to `ticket.customer_id`,
/// moving its customer link in the same transaction (a merge; not buyer activity, so the
/// ticket's place in activity lists stays).
pub async fn move_to_customer(
    store: &dyn Store,
    ticket: &Ticket,
    read_version: u64,
    from: &crate::ids::CustomerId,
) -> Result<(), RepoError> {
    let mut ops = vec![
        WriteOp::Put {
            item: ticket_item(ticket, read_version + 1),
            condition: Condition::VersionIs(read_version),
        },
        WriteOp::Delete {
            key: keys::customer_ticket(&ticket.tenant_id, from, &ticket.id),
            condition: Condition::None,
        },
    ];
    if let Some(to) = &ticket.customer_id {
        ops.push(super::customers::ticket_link(
            &ticket.tenant_id,
            to,
            &ticket.id,
        ));
    }
    match store.transact(ops).await {
        Err(StoreError::TransactionCancelled(_)) => Err(StoreError::ConditionFailed.into()),
        other => Ok(other?),
    }
}

/// Stores a message once: `Ok(false)` when a message with the same time and id exists.
pub async fn add_message(
    store: &dyn Store,
    tenant: &TenantId,
    message: &Message,
    unique_id: &str,
) -> Result<bool, RepoError> {
    let key = keys::message(
        tenant,
        &message.ticket_id,
        &sortable(message.created_at),
        unique_id,
    );
    match store
        .put(Item::new(key, encode(message)), Condition::NotExists)
        .await
    {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Every message of a ticket, oldest first.
pub async fn messages(
    store: &dyn Store,
    tenant: &TenantId,
    ticket: &TicketId,
) -> Result<Vec<Message>, RepoError> {
    let mut query = Query::partition(keys::tenant_partition(tenant))
        .sort(SortKeyCondition::BeginsWith(keys::ticket_messages_prefix(
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

/// One page of the tenant's tickets, earliest answer deadline first, tickets without one last
/// (GSI3 of the ticket items; a ticket stored before that index existed is in it from its next
/// write or `services::reindex`).
pub async fn list_by_deadline(
    store: &dyn Store,
    tenant: &TenantId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<Ticket>, Option<PageCursor>), RepoError> {
    let page = store
        .query(
            &Query::index(Index::Gsi3, keys::ticket_deadline_partition(tenant))
                .limit(limit)
                .after(after),
        )
        .await?;
    let tickets = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((tickets, page.next))
}

/// One page of the tenant's tickets, most recent activity first.
pub async fn list_recent(
    store: &dyn Store,
    tenant: &TenantId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<Ticket>, Option<PageCursor>), RepoError> {
    let partition = format!("{}#TICKETS", keys::tenant_partition(tenant));
    let page = store
        .query(
            &Query::index(Index::Gsi1, partition)
                .descending()
                .limit(limit)
                .after(after),
        )
        .await?;
    let tickets = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((tickets, page.next))
}
