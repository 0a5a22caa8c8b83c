//! Index items that make views and the scheduler's time-driven work cheap to read.
//!
//! Every ticket write (in `repo::tickets`) puts and deletes these in the same transaction as
//! the ticket, so they never disagree with it:
//!
//! - one *view entry* per view the ticket is in: `VIEW#<view>#<ticket>` in the tenant
//!   partition (counted with one query of that prefix), in GSI2 under
//!   `TENANT#<t>#VIEW#<view>` sorted by `respond_by` (none last) and in GSI3 under the same
//!   partition sorted by last activity: a view page is one index query plus one `get` per
//!   ticket;
//! - `DUE#SLA#<ticket>` while an SLA notice is still to be sent: GSI1 `SLA_DUE` /
//!   `<next notice time>#<tenant>#<ticket>`;
//! - `DUE#SNOOZE#<ticket>` while it is snoozed: GSI1 `SNOOZE_DUE` / `<until>#<tenant>#<ticket>`.
//!
//! Only entries whose keys or bodies change are written.

use super::keys;
use super::keys::sortable;
use crate::domain::{Ticket, View};
use crate::ids::TenantId;
use crate::ports::{Condition, Index, IndexKey, Item, Key, WriteOp};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;
use std::collections::BTreeMap;

/// GSI1 partition of tickets with an SLA notice to send, by when it is due.
pub const SLA_DUE: &str = "SLA_DUE";
/// GSI1 partition of snoozed tickets, by when they wake.
pub const SNOOZE_DUE: &str = "SNOOZE_DUE";
/// Sort-key prefix of every view entry in a tenant partition.
pub const VIEW_PREFIX: &str = "VIEW#";
/// Sorts after every timestamp: tickets without a deadline come last by `respond_by`.
const NO_DEADLINE: &str = "~";

/// A view's part of keys: fixed names as they are, a user id as it is (ids hold no `#`),
/// a queue name in base64url so any label fits between separators.
pub fn view_key(view: &View) -> String {
    match view {
        View::Queue(name) => format!("queue:{}", URL_SAFE_NO_PAD.encode(name.as_bytes())),
        other => other.name(),
    }
}

/// Sort-key prefix of the entries of one view (count them with a `BeginsWith` query).
pub fn entries_prefix(view_key: &str) -> String {
    format!("{VIEW_PREFIX}{view_key}#")
}

/// Sort-key prefix of the entries of every queue view.
pub fn queue_entries_prefix() -> String {
    format!("{VIEW_PREFIX}queue:")
}

/// The index partition (GSI2 by deadline, GSI3 by activity) of one view.
pub fn view_partition(tenant: &TenantId, view_key: &str) -> String {
    format!("{}#VIEW#{view_key}", keys::tenant_partition(tenant))
}

/// The upper bound of GSI1 `SLA_DUE` / `SNOOZE_DUE` sort keys due at or before `now`.
pub fn due_until(now: chrono::DateTime<chrono::Utc>) -> String {
    // `~` sorts after every character of a tenant or ticket id.
    format!("{}~", sortable(now))
}

/// Every index item the ticket should have, by key.
pub fn entries(ticket: &Ticket) -> BTreeMap<Key, Item> {
    let tenant = &ticket.tenant_id;
    let partition = keys::tenant_partition(tenant);
    let mut all = BTreeMap::new();
    let deadline = ticket
        .workflow
        .respond_by
        .map(sortable)
        .unwrap_or_else(|| NO_DEADLINE.to_owned());
    let activity = sortable(ticket.updated_at);
    for view in View::of(ticket) {
        let view_key = view_key(&view);
        let key = Key::new(
            partition.clone(),
            format!("{}{}", entries_prefix(&view_key), ticket.id),
        );
        let mut data = json!({ "ticket_id": ticket.id, "view": view.name() });
        if let View::Queue(name) = &view {
            data["queue"] = json!(name);
        }
        let index_partition = view_partition(tenant, &view_key);
        let item = Item::new(key.clone(), data)
            .with_index(
                Index::Gsi2,
                IndexKey::new(index_partition.clone(), format!("{deadline}#{}", ticket.id)),
            )
            .with_index(
                Index::Gsi3,
                IndexKey::new(index_partition, format!("{activity}#{}", ticket.id)),
            );
        all.insert(key, item);
    }
    let due = |kind: &str, partition_name: &str, at: String| {
        let key = Key::new(partition.clone(), format!("DUE#{kind}#{}", ticket.id));
        let item = Item::new(
            key.clone(),
            json!({ "tenant_id": tenant, "ticket_id": ticket.id }),
        )
        .with_index(
            Index::Gsi1,
            IndexKey::new(partition_name, format!("{at}#{tenant}#{}", ticket.id)),
        );
        (key, item)
    };
    if let Some(at) = ticket.workflow.sla.as_ref().and_then(|c| c.next_alert_at()) {
        let (key, item) = due("SLA", SLA_DUE, sortable(at));
        all.insert(key, item);
    }
    if let Some(snooze) = &ticket.workflow.snooze {
        let (key, item) = due("SNOOZE", SNOOZE_DUE, sortable(snooze.until));
        all.insert(key, item);
    }
    all
}

/// The writes that bring the index items of `before` (absent: a new ticket) to those of
/// `after`: puts of new or changed items, deletes of the ones no longer wanted.
pub fn changes(before: Option<&Ticket>, after: &Ticket) -> Vec<WriteOp> {
    let old = before.map(entries).unwrap_or_default();
    let new = entries(after);
    let mut ops = Vec::new();
    for (key, item) in &new {
        if old.get(key) != Some(item) {
            ops.push(WriteOp::Put {
                item: item.clone(),
                condition: Condition::None,
            });
        }
    }
    for key in old.keys() {
        if !new.contains_key(key) {
            ops.push(WriteOp::Delete {
                key: key.clone(),
                condition: Condition::None,
            });
        }
    }
    ops
}
