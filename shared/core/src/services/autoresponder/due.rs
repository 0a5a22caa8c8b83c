//! Answers plans whose time has come, exactly once: at ingest (a zero delay, through
//! `wake::answer_now_or_wake`), on their wake-up (`wake`, a delay) and on every scheduler tick
//! (the fallback for both).
//!
//! The reply's id is derived from the ticket and the opening, and created only if absent, so
//! two schedulers, a redelivered tick or a crash after queueing never make a second reply;
//! the sender delivers each reply once (see `services::sender`).

use super::plan::{reason_to_skip, reply_id};
use super::text::{self, Values};
use crate::domain::{
    AuthorKind, AutoreplyState, Integration, Reply, ReplyLimits, ReplyState, Ticket,
};
use crate::ids::{TenantId, TicketId};
use crate::ports::{Index, Ports, Query, SortKeyCondition};
use crate::repo::{decode, integrations, is_conflict, keys, replies, tickets, RepoError};
use crate::services::{replies as reply_service, timeline, ServiceError};
use chrono::{DateTime, Utc};

/// Due plans read per store page; a tick reads pages until none is left (no per-tick cap).
pub const BATCH: u32 = 200;
/// How often a lost race on one ticket is retried within a tick.
const ATTEMPTS: usize = 5;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueReport {
    /// Autoresponses handed to the outbox.
    pub queued: usize,
    /// Plans skipped (with the reason recorded on the ticket).
    pub skipped: usize,
    /// Plans that failed this tick (they are tried again on the next).
    pub failed: usize,
}

/// Handles every plan due at `now`, page after page: a burst is not held back to a later tick.
pub async fn run_due(ports: &Ports, now: DateTime<Utc>) -> Result<DueReport, ServiceError> {
    let mut report = DueReport::default();
    let mut cursor = None;
    loop {
        let page = ports
            .store
            .query(
                &Query::index(Index::Gsi2, keys::AUTOREPLY_DUE.to_owned())
                    .sort(SortKeyCondition::AtMost(keys::autoreply_due_until(now)))
                    .limit(BATCH)
                    .after(cursor),
            )
            .await
            .map_err(RepoError::from)?;
        for item in &page.items {
            let ticket: Ticket = decode(item)?;
            match answer(ports, &ticket.tenant_id, &ticket.id, now).await {
                Ok(Some(AutoreplyState::Queued)) => report.queued += 1,
                Ok(Some(AutoreplyState::Skipped)) => report.skipped += 1,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(ticket = %ticket.id, %error, "autoresponse not handled; next tick tries again");
                    report.failed += 1;
                }
            }
        }
        // Answered plans leave the sparse index; the cursor only skips the ones that stay.
        match page.next {
            Some(next) => cursor = Some(next),
            None => {
                crate::metrics::autoresponses_skipped(report.skipped);
                return Ok(report);
            }
        }
    }
}

/// Answers or skips the ticket's due plan; the plan's new state, `None` when nothing was due.
pub async fn answer(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    now: DateTime<Utc>,
) -> Result<Option<AutoreplyState>, ServiceError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = tickets::get(store, tenant, ticket_id).await? else {
            return Ok(None);
        };
        let mut ticket = stored.value.clone();
        let Some(plan) = ticket.autoreply.clone() else {
            return Ok(None);
        };
        if plan.state != AutoreplyState::Pending || plan.due_at > now {
            return Ok(None);
        }
        let integration = integrations::get(store, tenant, &ticket.integration_id)
            .await?
            .map(|v| v.value);
        let entries = timeline::load(store, tenant, ticket_id).await?;
        let skip = match &integration {
            None => Some("the marketplace account was deleted".to_owned()),
            Some(i) if !i.settings.autoresponder.enabled => {
                Some("the autoresponder was switched off".to_owned())
            }
            Some(_) => reason_to_skip(&plan, &ticket, &entries, now),
        };
        let next = match (skip, &integration) {
            (Some(reason), _) => {
                let plan = ticket.autoreply.as_mut().expect("checked above");
                plan.state = AutoreplyState::Skipped;
                plan.skip_reason = Some(reason);
                AutoreplyState::Skipped
            }
            (None, Some(integration)) => {
                match queue_reply(ports, &ticket, integration, now).await? {
                    Ok(()) => {
                        let plan = ticket.autoreply.as_mut().expect("checked above");
                        plan.state = AutoreplyState::Queued;
                        AutoreplyState::Queued
                    }
                    Err(reason) => {
                        let plan = ticket.autoreply.as_mut().expect("checked above");
                        plan.state = AutoreplyState::Skipped;
                        plan.skip_reason = Some(reason);
                        AutoreplyState::Skipped
                    }
                }
            }
            (None, None) => return Ok(None),
        };
        match tickets::update(store, &ticket, stored.version).await {
            Ok(()) => {
                if next == AutoreplyState::Skipped {
                    tracing::info!(ticket = %ticket.id, reason = ticket.autoreply.as_ref().and_then(|p| p.skip_reason.as_deref()).unwrap_or(""), "autoresponse skipped");
                }
                return Ok(Some(next));
            }
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "ticket {ticket_id} kept changing; the autoresponse waits for the next tick"
    )))
}

/// Stores the autoresponse (once per opening) and queues it. `Ok(Err(reason))` when the
/// text cannot be sent into this conversation.
async fn queue_reply(
    ports: &Ports,
    ticket: &Ticket,
    integration: &Integration,
    now: DateTime<Utc>,
) -> Result<Result<(), String>, ServiceError> {
    let plan = ticket
        .autoreply
        .as_ref()
        .ok_or_else(|| ServiceError::Unavailable("no plan".into()))?;
    let settings = &integration.settings.autoresponder;
    let template = text::choose(settings, plan.buyer_message_at);
    let rendered = text::render(
        template,
        &Values {
            buyer_login: &ticket.buyer_login,
            order_id: ticket.order_id.as_deref(),
            shop_name: &integration.display_name,
        },
    );
    let limits = ReplyLimits::of(ticket.conversation.kind);
    let chars = rendered.trim().chars().count();
    if chars < limits.min_chars || chars > limits.max_chars {
        return Ok(Err(format!(
            "the autoresponse text has {chars} characters; this conversation takes {} to {}",
            limits.min_chars, limits.max_chars
        )));
    }
    let reply = Reply {
        actor: None,
        id: reply_id(&ticket.id, plan.opening),
        ticket_id: ticket.id.clone(),
        author: AuthorKind::Autoresponder,
        author_name: Some("autoresponder".into()),
        text: rendered,
        attachment: None,
        ask_to_confirm: false,
        state: ReplyState::Sending,
        external_id: None,
        failure: None,
        attempts: 0,
        first_attempt_at: None,
        attempt_started_at: None,
        attempt_job: None,
        not_after: Some(plan.deadline),
        created_at: now,
        sent_at: None,
        failure_reported: false,
    };
    let store = &*ports.store;
    let reply = match replies::create(store, &ticket.tenant_id, &reply).await {
        Ok(()) => reply,
        // Created before (another scheduler, or a crash before the plan was updated): queue
        // it again if it is still waiting; the sender delivers a reply once however often
        // it is queued.
        Err(RepoError::AlreadyExists) => {
            match replies::get(store, &ticket.tenant_id, &ticket.id, &reply.id).await? {
                Some(existing) if existing.value.state == ReplyState::Sending => existing.value,
                _ => return Ok(Ok(())),
            }
        }
        Err(other) => return Err(other.into()),
    };
    reply_service::enqueue(ports, &ticket.tenant_id, reply)
        .await
        .map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    Ok(Ok(()))
}
