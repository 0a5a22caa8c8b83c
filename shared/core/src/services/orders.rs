//! The order journal (issue 17): one poll of an Allegro account's `/order/events` from the
//! stored cursor, each changed checkout form read once per change and stored, paid forms made
//! orders (automatically or by an agent later), cancellations marking the order cancelled.
//!
//! Idempotent: the form is read as it is now (not rebuilt from event types), an event whose
//! revision is already stored reads nothing, and an order's id derives from its form, so a
//! repeated, late or reordered event never makes a second order or undoes a cancellation.

use super::request::RequestError;
use super::ServiceError;
use crate::domain::checkout_form::{FormStatus, StoredCheckoutForm};
use crate::domain::order::{Order, OrderStatus};
use crate::domain::{Integration, PollCursor};
use crate::ports::orders::{JournalEvent, OrderJournal};
use crate::ports::{Ports, StoreError};
use crate::repo::{cursors, orders, RepoError};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How long after an account was added its journal's start may still be set.
pub const FROM_DATE_WINDOW_DAYS: i64 = 7;
/// How far back Allegro keeps the order journal (allegro-api.md §7.1).
pub const JOURNAL_RETENTION_DAYS: i64 = 60;

/// Whether a journal start (`settings.orders.from`) may be set now on an account added at
/// `added`: only within [`FROM_DATE_WINDOW_DAYS`] of adding it, not in the future, and not
/// before what Allegro still keeps ([`JOURNAL_RETENTION_DAYS`]).
pub fn check_from(
    from: DateTime<Utc>,
    added: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RequestError> {
    let field = "settings.orders.from";
    let refuse = |code, message: String| {
        Err(RequestError::Rule {
            code,
            field: field.into(),
            message,
        })
    };
    if added < now - Duration::days(FROM_DATE_WINDOW_DAYS) {
        return refuse(
            "orders_from_not_allowed",
            format!("a start date can be set only within {FROM_DATE_WINDOW_DAYS} days of adding the account; its journal starts at the newest order event"),
        );
    }
    if from > now {
        return refuse("orders_from_in_future", "must not be in the future".into());
    }
    if from < now - Duration::days(JOURNAL_RETENTION_DAYS) {
        return refuse(
            "orders_from_too_early",
            format!("must be within the last {JOURNAL_RETENTION_DAYS} days: Allegro keeps the order journal for {JOURNAL_RETENTION_DAYS} days"),
        );
    }
    Ok(())
}

/// What one poll of the journal did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalOutcome {
    /// Events read.
    pub events: usize,
    /// Checkout forms read and stored.
    pub forms_read: usize,
    /// Orders created.
    pub orders_created: usize,
    /// Orders marked cancelled.
    pub orders_cancelled: usize,
}

/// Reads the journal after the cursor and applies it. A first poll (no position) only stores
/// the newest event's id: the journal starts "now", older orders are not imported; unless
/// `settings.orders.from` is set: then it reads from the oldest kept event, skipping those
/// that occurred before that time (over as many polls as the pages need). The cursor
/// moves only after every form of the page is stored, so a failure re-reads the page.
pub async fn poll(
    ports: &Ports,
    journal: &dyn OrderJournal,
    integration: &Integration,
    mut cursor: PollCursor,
) -> Result<JournalOutcome, ServiceError> {
    let mut outcome = JournalOutcome::default();
    let start = integration.settings.orders.from;
    // A journal started at a date reads from the oldest event Allegro keeps (no `from`) and
    // skips those before the date: event ids are opaque positions, only `occurredAt` is a time.
    let position = cursor
        .position
        .clone()
        .or_else(|| start.map(|_| String::new()));
    let Some(position) = position else {
        // Empty text: the account had no event yet, so everything in the journal is new.
        cursor.position = Some(journal.newest_event(integration).await?.unwrap_or_default());
        cursor.polled_at = Some(ports.clock.now());
        cursors::save(&*ports.store, &cursor).await?;
        return Ok(outcome);
    };
    let from = (!position.is_empty()).then_some(position.as_str());
    let events = journal.events_after(integration, from).await?;
    outcome.events = events.len();
    // The newest revision named per form: a form changed several times in the page is read once.
    let mut changed: Vec<String> = Vec::new();
    let mut revisions: HashMap<String, Option<String>> = HashMap::new();
    let before_start = |event: &JournalEvent| matches!((start, event.occurred_at), (Some(start), Some(at)) if at < start);
    for event in events.iter().filter(|e| !before_start(e)) {
        let Some(form_id) = event.checkout_form_id.clone() else {
            continue;
        };
        if !revisions.contains_key(&form_id) {
            changed.push(form_id.clone());
        }
        revisions.insert(form_id, event.revision.clone());
    }
    for form_id in changed {
        let stored = orders::get_form(
            &*ports.store,
            &integration.tenant_id,
            &integration.id,
            &form_id,
        )
        .await?;
        let known = stored.as_ref().and_then(|s| s.value.form.revision.clone());
        if known.is_some() && revisions.get(&form_id).cloned().flatten() == known {
            continue; // a repeated event about a change already read
        }
        let Some(form) = journal.checkout_form(integration, &form_id).await? else {
            continue; // Allegro no longer shows it (older than 12 months)
        };
        outcome.forms_read += 1;
        let (created, cancelled) = apply(ports, integration, form, stored).await?;
        outcome.orders_created += usize::from(created);
        outcome.orders_cancelled += usize::from(cancelled);
    }
    if let Some(last) = events.last() {
        cursor.position = Some(last.id.clone());
    }
    cursor.polled_at = Some(ports.clock.now());
    cursors::save(&*ports.store, &cursor).await?;
    Ok(outcome)
}

/// Stores the form as read and acts on it: `(order created, order cancelled)`.
async fn apply(
    ports: &Ports,
    integration: &Integration,
    form: crate::domain::checkout_form::CheckoutFormData,
    stored: Option<crate::repo::Versioned<StoredCheckoutForm>>,
) -> Result<(bool, bool), ServiceError> {
    let now = ports.clock.now();
    let order_id = Order::id_for(&integration.id, &form.id);
    let existing = orders::get_order(&*ports.store, &integration.tenant_id, &order_id).await?;
    let mut created = false;
    let make_order = existing.is_none()
        && form.status == FormStatus::ReadyForProcessing
        && integration.settings.orders.create_automatically;
    if make_order {
        let card = super::erp::card_for(ports, integration, &form).await?;
        let order = order_of(integration, &form, None, card, now);
        created = orders::create_order(&*ports.store, &order).await?;
        if created {
            super::erp::announce_created(ports, integration, &order).await;
        }
    }
    let mut cancelled = false;
    if let Some(existing) = existing {
        let mut order = existing.value.clone();
        if form.status == FormStatus::Cancelled {
            order.status = OrderStatus::Cancelled;
        }
        order.fulfillment_status = form.fulfillment_status.clone();
        if order != existing.value {
            cancelled = order.status == OrderStatus::Cancelled
                && existing.value.status != OrderStatus::Cancelled;
            order.updated_at = now;
            orders::update_order(&*ports.store, &order, existing.version).await?;
        }
    }
    let has_order = created
        || stored.as_ref().is_some_and(|s| s.value.order_id.is_some())
        || orders::get_order(&*ports.store, &integration.tenant_id, &order_id)
            .await?
            .is_some();
    let record = StoredCheckoutForm {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        form,
        order_id: has_order.then_some(order_id),
        read_at: now,
    };
    match orders::put_form(&*ports.store, &record, stored.map(|s| s.version)).await {
        // Another worker stored it meanwhile: the next change's event reads it again.
        Err(RepoError::Store(StoreError::ConditionFailed)) => {
            tracing::info!(form = %record.form.id, "checkout form stored by another worker");
        }
        other => other?,
    }
    Ok((created, cancelled))
}

/// A new order of a paid form, with its buyer's card (`services::erp::card_for`).
pub(crate) fn order_of(
    integration: &Integration,
    form: &crate::domain::checkout_form::CheckoutFormData,
    created_by: Option<crate::domain::Actor>,
    buyer_card: Option<crate::domain::erp::BuyerCard>,
    now: chrono::DateTime<chrono::Utc>,
) -> Order {
    Order {
        id: Order::id_for(&integration.id, &form.id),
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        checkout_form_id: form.id.clone(),
        status: OrderStatus::New,
        fulfillment_status: form.fulfillment_status.clone(),
        buyer_login: form.buyer.login.clone(),
        total: form.total.clone(),
        created_by,
        created_at: now,
        updated_at: now,
        buyer_card,
    }
}
