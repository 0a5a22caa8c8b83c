//! Wake-ups of delayed autoresponses: ingest queues one delayed message per plan, due when the
//! plan is, so a delayed autoresponse leaves the moment it is due instead of on the next
//! scheduler tick, whatever the poll interval.
//!
//! The message is only a wake-up: when it arrives, the rules are checked on the stored ticket
//! then (`due::answer`: the seller answered meanwhile, closed, past the deadline, switched
//! off), and the reply is created only if absent, so a redelivered or duplicated wake-up never
//! makes a second autoresponse. Wake-ups travel on the inbound queue (ingest handles them; it
//! already may send there and to the outbox). A queue delay is at most 15 minutes (SQS
//! `DelaySeconds` ≤ 900 s, the port's `MAX_SEND_DELAY`) and a delay may be up to 55: a wake-up
//! that arrives before its plan is due is queued again for the time left (at most 4 hops). A
//! wake-up lost on the way (the queue refused it) is covered by the scheduler tick, which still
//! answers every overdue plan.

use super::due;
use crate::domain::{AutoreplyState, Ticket};
use crate::ids::{TenantId, TicketId};
use crate::ports::queue::MAX_SEND_DELAY;
use crate::ports::Ports;
use crate::repo::tickets;
use crate::services::ServiceError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The `kind` of a wake-up on the inbound queue (tells it from a conversation event).
pub const JOB_KIND: &str = "autoresponse_due";

/// Ingest → ingest, delayed: look at the ticket's autoresponse plan of this opening again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeJob {
    /// Always [`JOB_KIND`].
    pub kind: String,
    /// The tenant owning the ticket.
    pub tenant_id: TenantId,
    /// The ticket whose plan is due.
    pub ticket_id: TicketId,
    /// The opening the plan belongs to: a wake-up for an older opening does nothing.
    pub opening: u32,
}

/// Whether a queue message body is a wake-up (not a conversation event).
pub fn is_job(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .is_ok_and(|value| value.get("kind").and_then(|k| k.as_str()) == Some(JOB_KIND))
}

/// The queue delay until `due_at`: whole seconds rounded up (SQS counts whole seconds; never
/// early by a fraction), at most the queue's limit.
pub fn delay_until(due_at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    let millis = (due_at - now).num_milliseconds().max(0);
    let seconds = u64::try_from(millis).unwrap_or(0).div_ceil(1000);
    Duration::from_secs(seconds).min(MAX_SEND_DELAY)
}

/// At ingest, for a plan just made: answered now when already due (a zero delay), else a
/// wake-up is queued for its due time (`wake`), so it leaves then, not on a scheduler tick.
/// A failure is logged; the due index, read by every scheduler tick, stays the fallback.
pub async fn answer_now_or_wake(ports: &Ports, before: &Ticket, after: &Ticket) {
    let Some(plan) = after.autoreply.as_ref() else {
        return;
    };
    let newly_pending = plan.state == AutoreplyState::Pending
        && before
            .autoreply
            .as_ref()
            .is_none_or(|old| old.opening != plan.opening || old.state != AutoreplyState::Pending);
    if !newly_pending {
        return;
    }
    let now = ports.clock.now();
    if plan.due_at > now {
        if let Err(error) = schedule(ports, after).await {
            tracing::warn!(ticket = %after.id, %error, "autoresponse wake-up not queued; the scheduler tick answers it when due");
        }
        return;
    }
    if let Err(error) = due::answer(ports, &after.tenant_id, &after.id, now).await {
        tracing::warn!(ticket = %after.id, %error, "autoresponse not queued at ingest; the scheduler tick tries again");
    }
}

/// Queues the wake-up of `ticket`'s pending plan for its due time (or the queue's longest
/// delay, after which it is queued again).
pub async fn schedule(ports: &Ports, ticket: &Ticket) -> Result<(), ServiceError> {
    let Some(plan) = ticket.autoreply.as_ref() else {
        return Ok(());
    };
    let job = WakeJob {
        kind: JOB_KIND.into(),
        tenant_id: ticket.tenant_id.clone(),
        ticket_id: ticket.id.clone(),
        opening: plan.opening,
    };
    let body = serde_json::to_string(&job).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    let delay = delay_until(plan.due_at, ports.clock.now());
    ports.queues.inbound.send(&body, delay).await?;
    Ok(())
}

/// What a wake-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeOutcome {
    /// The plan was answered (queued) or skipped now.
    Handled(AutoreplyState),
    /// Not due yet: queued again for the time left.
    Requeued,
    /// Nothing to do: no such ticket, another opening, or the plan was settled before.
    Nothing,
}

/// Handles one wake-up: answers or skips the plan when it is due, queues the wake-up again
/// when it came early, does nothing when the plan was settled meanwhile.
pub async fn handle(ports: &Ports, job: &WakeJob) -> Result<WakeOutcome, ServiceError> {
    let Some(stored) = tickets::get(&*ports.store, &job.tenant_id, &job.ticket_id).await? else {
        return Ok(WakeOutcome::Nothing);
    };
    let ticket = stored.value;
    let Some(plan) = ticket
        .autoreply
        .as_ref()
        .filter(|p| p.opening == job.opening && p.state == AutoreplyState::Pending)
    else {
        return Ok(WakeOutcome::Nothing);
    };
    let now = ports.clock.now();
    if plan.due_at > now {
        schedule(ports, &ticket).await?;
        return Ok(WakeOutcome::Requeued);
    }
    Ok(
        match due::answer(ports, &job.tenant_id, &job.ticket_id, now).await? {
            Some(state) => {
                if state == AutoreplyState::Skipped {
                    crate::metrics::autoresponses_skipped(1);
                }
                WakeOutcome::Handled(state)
            }
            None => WakeOutcome::Nothing,
        },
    )
}

/// Decodes a wake-up from the inbound queue and handles it.
pub async fn handle_body(ports: &Ports, body: &str) -> Result<WakeOutcome, ServiceError> {
    let job: WakeJob = crate::services::decode_job(body)?;
    if job.kind != JOB_KIND {
        return Err(ServiceError::Malformed(format!(
            "not an autoresponse wake-up: kind {}",
            job.kind
        )));
    }
    let outcome = handle(ports, &job).await?;
    tracing::info!(ticket = %job.ticket_id, ?outcome, "autoresponse wake-up");
    Ok(outcome)
}
