//! The backfill: writes the items later features read for a tenant's tickets and customers
//! stored before those features existed (`marketdesk reindex`). Every write is an idempotent
//! put (or a versioned ticket write retried on a race), so running it twice, or while the
//! workers run, changes nothing more.
//!
//! Per ticket: the kept last-message preview and the deadline index (the ticket re-written),
//! every view and due entry, the search entries (identifiers, the CRM customer's name and
//! e-mails), the text index (subject and marketplace messages) and the customer's ticket
//! link. Per customer: the name-word and e-mail lookup items.

use super::{preview, search, timeline, ServiceError};
use crate::domain::{AuthorKind, Ticket};
use crate::ids::TenantId;
use crate::ports::{Condition, Ports, TextDoc, TextIndexError};
use crate::repo::{customers, is_conflict, search as entries, tickets, views};

/// Tickets or customers read per store page.
const PAGE: u32 = 100;
/// Tries of a ticket write that keeps losing races with the workers.
const ATTEMPTS: usize = 5;

/// What a run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReindexReport {
    /// Tickets whose items were written.
    pub tickets: usize,
    /// Customers whose lookup items were written.
    pub customers: usize,
}

/// Writes the items of every ticket and customer of `tenant`.
pub async fn tenant(ports: &Ports, tenant: &TenantId) -> Result<ReindexReport, ServiceError> {
    let store = &*ports.store;
    let mut report = ReindexReport::default();
    let mut cursor = None;
    loop {
        let (page, next) = tickets::list_recent(store, tenant, cursor, PAGE).await?;
        for found in page {
            ticket(ports, &found).await?;
            report.tickets += 1;
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut cursor = None;
    loop {
        let (page, next) = customers::list_by_name(store, tenant, "", cursor, PAGE).await?;
        for customer in page {
            customers::restore_lookups(store, &customer).await?;
            report.customers += 1;
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    tracing::info!(tenant = %tenant, tickets = report.tickets, customers = report.customers, "reindexed");
    Ok(report)
}

/// Writes one ticket's items.
async fn ticket(ports: &Ports, listed: &Ticket) -> Result<(), ServiceError> {
    let store = &*ports.store;
    let tenant = &listed.tenant_id;
    let id = &listed.id;
    let mut current = None;
    for _ in 0..ATTEMPTS {
        let Some(stored) = tickets::get(store, tenant, id).await? else {
            return Ok(());
        };
        let timeline = timeline::load(store, tenant, id).await?;
        let mut next = stored.value.clone();
        next.preview = preview::preview_of(&timeline);
        // Re-written even when unchanged: the item gets the indexes it lacked.
        match tickets::update(store, &next, stored.version).await {
            Ok(()) => {
                current = Some((next, timeline));
                break;
            }
            Err(error) if is_conflict(&error) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    let Some((ticket, timeline)) = current else {
        return Err(ServiceError::Unavailable(format!(
            "ticket {id} kept changing; run the reindex again"
        )));
    };
    for (_, item) in views::entries(&ticket) {
        store
            .put(item, Condition::None)
            .await
            .map_err(crate::repo::RepoError::from)?;
    }
    let customer = match &ticket.customer_id {
        Some(customer) => customers::get(store, tenant, customer)
            .await?
            .map(|c| c.value),
        None => None,
    };
    entries::put(
        store,
        tenant,
        id,
        &search::stored_entries(&ticket, customer.as_ref()),
    )
    .await?;
    if let Some(customer) = &customer {
        store
            .transact(vec![customers::ticket_link(tenant, &customer.id, id)])
            .await
            .map_err(crate::repo::RepoError::from)?;
    }
    // The same document keys as ingest (`subject`, `X<marketplace id>`): indexing again adds
    // nothing new.
    let mut docs = vec![TextDoc {
        key: "subject".into(),
        text: ticket.subject.clone(),
    }];
    docs.extend(
        timeline
            .iter()
            .filter(|m| m.author != AuthorKind::InternalComment && m.delivery.is_none())
            .filter(|m| !m.text.trim().is_empty())
            .filter_map(|m| {
                m.external_id.as_ref().map(|external| TextDoc {
                    key: format!("X{external}"),
                    text: m.text.clone(),
                })
            }),
    );
    ports
        .text_index
        .index(tenant, id, &docs)
        .await
        .map_err(|TextIndexError::Unavailable(reason)| ServiceError::Unavailable(reason))
}
