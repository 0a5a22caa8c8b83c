//! The ticket workflow: what agents change on a ticket (`PATCH /v1/tickets/{id}` and its bulk
//! form) and the rules that combine it with what buyers and the marketplace do. The rules are
//! one table in `docs/architecture.md` ("Ticket workflow"):
//!
//! - a status an agent sets holds until the next buyer or marketplace event (a buyer-side
//!   message newer than any known when it was set, a new marketplace status, the conversation
//!   closing or reopening); then the ticket-state table applies again;
//! - `pending`, `solved` and `closed` set by hand mean nobody owes an answer (`needs_reply`
//!   false) while they hold; `open` leaves `needs_reply` to the ticket-state table;
//! - a new buyer message reopens a pending, solved or snoozed ticket (it ends the manual
//!   status and the snooze);
//! - an agent's reply asking the buyer to confirm (Allegro disputes) makes an ongoing
//!   conversation `pending` once it reached the buyer, until the buyer writes;
//! - nothing here writes to the marketplace: solving or closing a ticket leaves the
//!   conversation open there, and `marketplace_status` stays beside `status`.

use super::request::RequestError;
use super::validation::MAX_LABEL_CHARS;
use super::{sla, timeline, validation, ServiceError};
use crate::domain::{
    Actor, IntegrationSettings, ManualStatus, Message, Priority, Reply, ReplyState, Snooze, Ticket,
    TicketStatus,
};
use crate::ids::{TenantId, TicketId, UserId};
use crate::ports::{Index, Ports, Query, SortKeyCondition};
use crate::repo::{decode, integrations, is_conflict, tickets, users, views, RepoError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Most tickets one bulk request changes.
pub const MAX_BULK: usize = 100;
/// Most tags on a ticket.
pub const MAX_TAGS: usize = 20;
/// Longest tag.
pub const MAX_TAG_CHARS: usize = 50;
/// Furthest a snooze may reach.
pub const MAX_SNOOZE_DAYS: i64 = 365;
/// How often a lost race on one ticket is retried before answering 409.
const ATTEMPTS: usize = 5;
/// Most snoozes woken per tick (the rest wait for the next one).
pub const WAKE_BATCH: u32 = 200;

/// The ticket summary with the workflow rules: [`timeline::summarize`] (the ticket-state
/// table), then the agent's status, snooze, the confirmation request and the SLA clock.
/// `settings` are the integration's (`None` when it was deleted: the status mapping and the
/// SLA clock then stay as they are).
pub fn summarize(
    ticket: &mut Ticket,
    entries: &[Message],
    replies: &[Reply],
    settings: Option<&IntegrationSettings>,
    now: DateTime<Utc>,
) {
    timeline::summarize(
        ticket,
        entries,
        replies,
        settings.map(|s| &s.status_mapping),
    );
    let buyer_latest = latest_buyer_message(entries);
    let flow = &mut ticket.workflow;
    if flow.manual_status.as_ref().is_some_and(|manual| {
        buyer_latest > manual.buyer_seen_at
            || manual.marketplace_status != ticket.marketplace_status
            || manual.open_for_replies != ticket.open_for_replies
    }) {
        flow.manual_status = None;
    }
    if flow
        .snooze
        .as_ref()
        .is_some_and(|snooze| buyer_latest > snooze.buyer_seen_at)
    {
        flow.snooze = None;
    }
    match &flow.manual_status {
        Some(manual) => {
            ticket.status = manual.status.clone();
            if manual.status != TicketStatus::Open {
                ticket.needs_reply = false;
            }
        }
        None => {
            let ongoing = settings.is_some_and(|s| ticket.status == s.status_mapping.open);
            if ongoing && !ticket.needs_reply && asked_to_confirm(replies, buyer_latest) {
                ticket.status = TicketStatus::Pending;
            }
        }
    }
    if let Some(settings) = settings {
        sla::update_clock(ticket, entries, &settings.sla, now);
    } else if !ticket.needs_reply {
        ticket.workflow.sla = None;
        ticket.workflow.respond_by = None;
    }
}

/// When the buyer side last wrote (the buyer, the marketplace for them, an adviser).
fn latest_buyer_message(entries: &[Message]) -> Option<DateTime<Utc>> {
    entries
        .iter()
        .filter(|m| sla::is_buyer_side(m.author))
        .map(|m| m.created_at)
        .max()
}

/// Whether the latest reply (cancelled and failed ones aside) reached the buyer asking them
/// to confirm the problem is solved, after the buyer's last message.
fn asked_to_confirm(replies: &[Reply], buyer_latest: Option<DateTime<Utc>>) -> bool {
    replies
        .iter()
        .filter(|r| !matches!(r.state, ReplyState::Cancelled | ReplyState::Failed))
        .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)))
        .is_some_and(|r| {
            r.state == ReplyState::Sent
                && r.ask_to_confirm
                && buyer_latest.is_none_or(|b| r.created_at > b)
        })
}

/// Tells "absent" (`None`) from "null" (`Some(None)`).
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The body of `PATCH /v1/tickets/{id}` (and `changes` of the bulk form): only what is given
/// changes; `null` clears the assignee, queue, category or snooze.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    /// `open`, `pending` (waiting for the buyer), `solved` or `closed`: holds until the next
    /// buyer or marketplace event.
    #[serde(default)]
    pub status: Option<TicketStatus>,
    /// An active user of the tenant (its id); `null` unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = Option<String>,
            min_length = 1,
            max_length = 128,
            pattern = "^[A-Za-z0-9_-]+$"
        )
    )]
    pub assignee: Option<Option<String>>,
    /// Queue name, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = Option<String>,
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub queue: Option<Option<String>>,
    /// Category, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = Option<String>,
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub category: Option<Option<String>>,
    /// Replaces the tags; duplicates (ignoring case) are dropped.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_items = 20,
            min_length = 1,
            max_length = 50,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub tags: Option<Vec<String>>,
    /// `low`, `normal`, `high` or `urgent`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Snooze until this time (in the future, within 365 days), or `null` to wake it now.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    pub snooze_until: Option<Option<DateTime<Utc>>>,
}

/// A patch checked against the tenant (the assignee exists and is active) and the clock.
#[derive(Debug, Clone)]
pub struct CheckedPatch {
    status: Option<TicketStatus>,
    assignee: Option<Option<UserId>>,
    queue: Option<Option<String>>,
    category: Option<Option<String>>,
    tags: Option<Vec<String>>,
    priority: Option<Priority>,
    snooze_until: Option<Option<DateTime<Utc>>>,
}

fn label(field: &str, text: Option<String>, max: usize) -> Result<Option<String>, RequestError> {
    text.map(|t| {
        validation::label(field, &t, max)?;
        Ok(t.trim().to_owned())
    })
    .transpose()
}

/// Checks a patch; `prefix` is put before field names (`changes.` in the bulk form).
pub async fn check(
    ports: &Ports,
    tenant: &TenantId,
    patch: TicketPatch,
    prefix: &str,
) -> Result<CheckedPatch, RequestError> {
    let field = |name: &str| format!("{prefix}{name}");
    let nothing = patch.status.is_none()
        && patch.assignee.is_none()
        && patch.queue.is_none()
        && patch.category.is_none()
        && patch.tags.is_none()
        && patch.priority.is_none()
        && patch.snooze_until.is_none();
    if nothing {
        return Err(RequestError::invalid(
            prefix.trim_end_matches('.').to_owned(),
            "name at least one of status, assignee, queue, category, tags, priority, snooze_until",
        ));
    }
    let assignee = match patch.assignee {
        Some(Some(id)) => Some(Some(
            check_assignee(ports, tenant, &id, &field("assignee")).await?,
        )),
        Some(None) => Some(None),
        None => None,
    };
    let queue = patch
        .queue
        .map(|q| label(&field("queue"), q, MAX_LABEL_CHARS))
        .transpose()?;
    let category = patch
        .category
        .map(|c| label(&field("category"), c, MAX_LABEL_CHARS))
        .transpose()?;
    let tags = patch
        .tags
        .map(|tags| check_tags(&field("tags"), tags))
        .transpose()?;
    let now = ports.clock.now();
    if let Some(Some(until)) = patch.snooze_until {
        if until <= now {
            return Err(RequestError::invalid(
                field("snooze_until"),
                "must be in the future",
            ));
        }
        if until > now + Duration::days(MAX_SNOOZE_DAYS) {
            return Err(RequestError::invalid(
                field("snooze_until"),
                format!("must be within {MAX_SNOOZE_DAYS} days"),
            ));
        }
    }
    Ok(CheckedPatch {
        status: patch.status,
        assignee,
        queue,
        category,
        tags,
        priority: patch.priority,
        snooze_until: patch.snooze_until,
    })
}

/// An assignee must be a user of the tenant who is active.
async fn check_assignee(
    ports: &Ports,
    tenant: &TenantId,
    id: &str,
    field: &str,
) -> Result<UserId, RequestError> {
    let unknown = || RequestError::invalid(field, "no user of this tenant has this id");
    let id = UserId::parse(id).map_err(|_| unknown())?;
    let user = users::get(&*ports.store, tenant, &id)
        .await?
        .ok_or_else(unknown)?
        .value
        .user;
    if !user.active {
        return Err(RequestError::invalid(
            field,
            format!(
                "{} is deactivated and cannot be assigned tickets",
                user.name
            ),
        ));
    }
    Ok(id)
}

/// Tags: trimmed labels, at most [`MAX_TAGS`], duplicates (ignoring case) dropped.
fn check_tags(field: &str, tags: Vec<String>) -> Result<Vec<String>, RequestError> {
    if tags.len() > MAX_TAGS {
        return Err(RequestError::invalid(
            field,
            format!("at most {MAX_TAGS} tags"),
        ));
    }
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    for (i, tag) in tags.into_iter().enumerate() {
        validation::label(&format!("{field}[{i}]"), &tag, MAX_TAG_CHARS)?;
        let tag = tag.trim().to_owned();
        if seen.insert(tag.to_lowercase()) {
            kept.push(tag);
        }
    }
    Ok(kept)
}

/// Applies a checked patch to a ticket read with its timeline: the changes, who made them,
/// then the summary again (so the rules above hold at once).
fn apply(
    ticket: &mut Ticket,
    patch: &CheckedPatch,
    actor: &Actor,
    entries: &[Message],
    now: DateTime<Utc>,
) {
    let buyer_seen_at = latest_buyer_message(entries);
    let flow = &mut ticket.workflow;
    if let Some(status) = &patch.status {
        flow.manual_status = Some(ManualStatus {
            status: status.clone(),
            set_at: now,
            buyer_seen_at,
            marketplace_status: ticket.marketplace_status.clone(),
            open_for_replies: ticket.open_for_replies,
        });
    }
    if let Some(assignee) = &patch.assignee {
        flow.assignee = assignee.clone();
    }
    if let Some(tags) = &patch.tags {
        flow.tags = tags.clone();
    }
    if let Some(priority) = patch.priority {
        flow.priority = priority;
    }
    if let Some(snooze) = &patch.snooze_until {
        flow.snooze = snooze.map(|until| Snooze {
            until,
            buyer_seen_at,
        });
    }
    flow.updated_by = Some(actor.clone());
    if let Some(queue) = &patch.queue {
        ticket.queue = queue.clone();
    }
    if let Some(category) = &patch.category {
        ticket.category = category.clone();
    }
}

/// Changes one ticket of the tenant; the ticket as it is now.
pub async fn update(
    ports: &Ports,
    tenant: &TenantId,
    id: &TicketId,
    actor: &Actor,
    patch: &CheckedPatch,
) -> Result<Ticket, RequestError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let stored = tickets::get(store, tenant, id)
            .await?
            .ok_or(RequestError::NotFound("ticket"))?;
        let settings = integrations::get(store, tenant, &stored.value.integration_id)
            .await?
            .map(|i| i.value.settings);
        let (entries, replies) = timeline::load_with_replies(store, tenant, id).await?;
        let now = ports.clock.now();
        let mut ticket = stored.value.clone();
        apply(&mut ticket, patch, actor, &entries, now);
        summarize(&mut ticket, &entries, &replies, settings.as_ref(), now);
        if ticket == stored.value {
            return Ok(ticket);
        }
        ticket.updated_at = ticket.updated_at.max(now);
        match tickets::update(store, &ticket, stored.version).await {
            Ok(()) => {
                changed(ports, &stored.value, &ticket, actor).await;
                return Ok(ticket);
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(format!(
        "ticket {id} kept changing; try again"
    )))
}

/// The one place a ticket change by a person or key is complete: recorded in the audit log
/// (the workflow fields before and after) and sent as a `ticket.updated` webhook naming the
/// fields that changed. Neither can fail the change itself.
async fn changed(ports: &Ports, before: &Ticket, after: &Ticket, actor: &Actor) {
    let fields: Vec<&str> = [
        ("status", before.status != after.status),
        ("workflow", before.workflow != after.workflow),
        ("queue", before.queue != after.queue),
        ("category", before.category != after.category),
        ("needs_reply", before.needs_reply != after.needs_reply),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    let view = |t: &Ticket| {
        serde_json::json!({
            "status": t.status,
            "queue": t.queue,
            "category": t.category,
            "workflow": t.workflow,
        })
    };
    super::audit::record(
        ports,
        &after.tenant_id,
        Some(actor),
        super::audit::actions::TICKET_UPDATED,
        crate::domain::Subject::new(crate::domain::SubjectKind::Ticket, &after.id),
        Some(view(before)),
        Some(view(after)),
    )
    .await;
    super::events::emit(
        ports,
        &after.tenant_id,
        super::events::Event::ticket_updated(after, &fields),
    )
    .await;
}

/// Checks and applies `PATCH /v1/tickets/{id}`.
pub async fn patch(
    ports: &Ports,
    tenant: &TenantId,
    id: &TicketId,
    actor: &Actor,
    patch: TicketPatch,
) -> Result<Ticket, RequestError> {
    // Unknown ticket first: a 404 says more than a validation error about a missing ticket.
    if tickets::get(&*ports.store, tenant, id).await?.is_none() {
        return Err(RequestError::NotFound("ticket"));
    }
    let checked = check(ports, tenant, patch, "").await?;
    update(ports, tenant, id, actor, &checked).await
}

/// The body of `POST /v1/tickets/bulk`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkPatch {
    /// The tickets to change (1 to 100, each once).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub ids: Vec<String>,
    /// The changes, as for one ticket.
    pub changes: TicketPatch,
}

/// The outcome for one ticket of a bulk change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkResult {
    /// The ticket's id as given.
    pub id: String,
    /// `updated` or `failed`.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub outcome: BulkOutcome,
    /// The ticket as changed (`updated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub ticket: Option<Ticket>,
    /// Why it failed (`failed`): `not_found`, `conflict` or `unavailable`, and words.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = BulkError, inline, required = false)
    )]
    pub error: Option<BulkError>,
}

/// Whether one ticket of a bulk change was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkOutcome {
    /// Changed (or already as asked).
    Updated,
    /// Not changed; `error` says why.
    Failed,
}

/// Why one ticket of a bulk change failed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkError {
    /// Machine-readable: `not_found`, `conflict`, `unavailable`, `internal`.
    #[cfg_attr(feature = "openapi", schema(schema_with = bulk_error_code_schema))]
    pub code: &'static str,
    /// For people.
    pub message: String,
}

/// The codes of a bulk change's failed ticket in the document.
#[cfg(feature = "openapi")]
fn bulk_error_code_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::SchemaType::String)
        .enum_values(Some(["not_found", "conflict", "unavailable", "internal"]))
        .build()
}

/// The answer of `POST /v1/tickets/bulk`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkAnswer {
    /// One result per id, in the order given.
    pub results: Vec<BulkResult>,
}

/// Checks the changes once (a bad change refuses the whole request and changes nothing), then
/// applies them ticket by ticket; each ticket's outcome is reported.
pub async fn bulk(
    ports: &Ports,
    tenant: &TenantId,
    actor: &Actor,
    request: BulkPatch,
) -> Result<BulkAnswer, RequestError> {
    if request.ids.is_empty() || request.ids.len() > MAX_BULK {
        return Err(RequestError::invalid(
            "ids",
            format!("name 1 to {MAX_BULK} tickets"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, id) in request.ids.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            return Err(RequestError::invalid(
                format!("ids[{i}]"),
                "names a ticket already in the list",
            ));
        }
    }
    let checked = check(ports, tenant, request.changes, "changes.").await?;
    let mut results = Vec::with_capacity(request.ids.len());
    for id in request.ids {
        let outcome = match TicketId::parse(&id) {
            Ok(ticket_id) => update(ports, tenant, &ticket_id, actor, &checked).await,
            Err(_) => Err(RequestError::NotFound("ticket")),
        };
        results.push(match outcome {
            Ok(ticket) => BulkResult {
                id,
                outcome: BulkOutcome::Updated,
                ticket: Some(ticket),
                error: None,
            },
            Err(error) => {
                let (code, message) = match &error {
                    RequestError::NotFound(_) => ("not_found", "no such ticket".to_owned()),
                    RequestError::Conflict(m) => ("conflict", m.clone()),
                    RequestError::Unavailable(_) => (
                        "unavailable",
                        "the store is unavailable; try again".to_owned(),
                    ),
                    _ => ("internal", "the ticket could not be changed".to_owned()),
                };
                if code == "internal" || code == "unavailable" {
                    tracing::warn!(ticket = %id, %error, "bulk change failed for one ticket");
                }
                BulkResult {
                    id,
                    outcome: BulkOutcome::Failed,
                    ticket: None,
                    error: Some(BulkError { code, message }),
                }
            }
        });
    }
    Ok(BulkAnswer { results })
}

/// Wakes every snooze that ended by `now` (the scheduler tick): the ticket comes back to the
/// working views. Returns how many woke.
pub async fn wake_snoozed(ports: &Ports, now: DateTime<Utc>) -> Result<usize, ServiceError> {
    let page = ports
        .store
        .query(
            &Query::index(Index::Gsi1, views::SNOOZE_DUE.to_owned())
                .sort(SortKeyCondition::AtMost(views::due_until(now)))
                .limit(WAKE_BATCH),
        )
        .await
        .map_err(RepoError::from)?;
    let mut woken = 0;
    for item in &page.items {
        let due: DueEntry = decode(item)?;
        match wake(ports, &due.tenant_id, &due.ticket_id, now).await {
            Ok(true) => woken += 1,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(ticket = %due.ticket_id, %error, "snooze not woken; next tick tries again");
            }
        }
    }
    Ok(woken)
}

#[derive(Deserialize)]
struct DueEntry {
    tenant_id: TenantId,
    ticket_id: TicketId,
}

async fn wake(
    ports: &Ports,
    tenant: &TenantId,
    id: &TicketId,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = tickets::get(store, tenant, id).await? else {
            return Ok(false);
        };
        if stored
            .value
            .workflow
            .snooze
            .as_ref()
            .is_none_or(|s| s.until > now)
        {
            return Ok(false);
        }
        let mut ticket = stored.value.clone();
        ticket.workflow.snooze = None;
        match tickets::update(store, &ticket, stored.version).await {
            Ok(()) => return Ok(true),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "ticket {id} kept changing; it wakes on the next tick"
    )))
}
