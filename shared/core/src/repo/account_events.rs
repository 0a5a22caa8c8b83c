//! Account event log entries in the store: one partition per account, sorted by time.
//!
//! | item | PK / SK |
//! |---|---|
//! | entry | `TENANT#<t>#ACCTLOG#<integration>` / `<at, ms>#<entry id>` |
//!
//! Entries do not expire: deactivation notices leave the default view after 30 days but stay.

use super::keys::sortable;
use super::{create_result, decode, encode, keys, RepoError};
use crate::domain::account_event::AccountEvent;
use crate::ids::{IntegrationId, TenantId};
use crate::ports::{Condition, Item, Key, PageCursor, Query, Store};

fn key(event: &AccountEvent) -> Key {
    Key::new(
        keys::account_events_partition(&event.tenant_id, &event.integration_id),
        format!("{}#{}", sortable(event.at), event.id),
    )
}

/// Stores a new entry (a repeated id is refused).
pub async fn put(store: &dyn Store, event: &AccountEvent) -> Result<(), RepoError> {
    let item = Item::new(key(event), encode(event));
    create_result(store.put(item, Condition::NotExists).await)
}

/// Replaces an entry (e.g. to note that its notice went out).
pub async fn replace(store: &dyn Store, event: &AccountEvent) -> Result<(), RepoError> {
    let item = Item::new(key(event), encode(event));
    store.put(item, Condition::None).await?;
    Ok(())
}

/// One store page of the account's entries, newest first.
pub async fn list(
    store: &dyn Store,
    tenant: &TenantId,
    integration: &IntegrationId,
    after: Option<PageCursor>,
    limit: u32,
) -> Result<(Vec<AccountEvent>, Option<PageCursor>), RepoError> {
    let query = Query::partition(keys::account_events_partition(tenant, integration))
        .descending()
        .limit(limit)
        .after(after);
    let page = store.query(&query).await?;
    let events = page.items.iter().map(decode).collect::<Result<_, _>>()?;
    Ok((events, page.next))
}
