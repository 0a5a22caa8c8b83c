//! The poller: reads one channel of one integration and queues what it found.

use super::polling::{self, PollingSettings};
use super::ServiceError;
use crate::domain::Channel;
use crate::jobs::{InboundDelivery, PollJob};
use crate::ports::{MarketplaceError, Marketplaces, Ports};
use crate::repo::{cursors, integrations};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// What one poll job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The integration is inactive or disconnected: nothing was read.
    Skipped,
    /// This build has no reader for the channel yet.
    NoAdapter,
    /// The channel was read; this many conversation events were queued.
    Polled {
        /// Events queued for ingest.
        events: usize,
    },
    /// Another job for the same integration and channel is queued or running: this one was
    /// merged into it without reading anything.
    Merged,
    /// The job was for a due time its inbox had already been read at or after (two ticks
    /// asked for the same read): nothing was read, its lease was given back.
    AlreadyRead,
    /// The marketplace reports the seller account blocked: the integration is switched off
    /// (by this job or another one before it).
    Blocked,
}

/// Runs one poll job under its integration and channel's poll lease, without re-reads of an
/// active account (tests and tools; the poller itself runs [`run_with`]).
pub async fn run(
    ports: &Ports,
    marketplaces: &dyn Marketplaces,
    job: &PollJob,
) -> Result<PollOutcome, ServiceError> {
    run_with(
        ports,
        marketplaces,
        job,
        &PollingSettings::reads_once(DEFAULT_TICK),
    )
    .await
}

/// The scheduler's period when the caller names none (the one-minute rule on AWS).
const DEFAULT_TICK: Duration = Duration::from_secs(60);

/// Runs one poll job under its integration and channel's poll lease: a duplicate of a job
/// queued or running elsewhere is merged without a marketplace call. A poll that found
/// changes makes the account active for `settings.active_for`: while it is, the job hands
/// its lease to a follow-up re-read `settings.active_every` later, so a buyer's next message
/// in a live conversation is read within seconds, not at the next cadence. A read the
/// scheduler asked for while this job held the lease is queued the same way.
pub async fn run_with(
    ports: &Ports,
    marketplaces: &dyn Marketplaces,
    job: &PollJob,
    settings: &PollingSettings,
) -> Result<PollOutcome, ServiceError> {
    let Some(holder) = polling::start(ports, job).await? else {
        return Ok(PollOutcome::Merged);
    };
    let started = ports.clock.now();
    if let Some(read_at) = already_read(ports, job).await? {
        // A read recorded on the lease meanwhile and due after that read still follows.
        polling::finish_with_follow_up(
            ports,
            job,
            &holder,
            read_at,
            None,
            job.active_until,
            settings.tick,
        )
        .await?;
        return Ok(PollOutcome::AlreadyRead);
    }
    // A re-read of an active inbox (its follow-up carries `active_until`) goes ahead of the
    // scheduled polls in the request budget (`Priority::ActiveRead`).
    let active = job.active_until.is_some_and(|until| until > started);
    let reading = read(ports, marketplaces, job, started);
    let result = if active {
        super::budget::as_active_read(reading).await
    } else {
        reading.await
    };
    let outcome = match result {
        Err(ServiceError::Marketplace(MarketplaceError::AccountBlocked(reason))) => {
            let (tenant, id) = (&job.tenant_id, &job.integration_id);
            super::account_log::account_blocked(ports, tenant, id, &reason)
                .await
                .map(|_| PollOutcome::Blocked)
        }
        other => other,
    };
    let Ok(PollOutcome::Polled { events }) = &outcome else {
        // Failed (the job comes back and reads again) or nothing to read: no follow-up.
        polling::finish(ports, job, &holder).await?;
        return outcome;
    };
    let now = ports.clock.now();
    let mut active_until = job.active_until;
    // Offers are background work: a changed offer does not make the account's offers read
    // again within seconds (that is for buyers' conversations).
    let re_reads = job.channel != Channel::AllegroOffers;
    if *events > 0 && re_reads && !settings.active_for.is_zero() {
        let until = now + chrono::Duration::from_std(settings.active_for).unwrap_or_default();
        active_until = Some(active_until.map_or(until, |earlier| earlier.max(until)));
    }
    let re_read = active_until
        .filter(|until| *until > now)
        .map(|_| re_read_in(job, settings, now));
    polling::finish_with_follow_up(
        ports,
        job,
        &holder,
        started,
        re_read,
        active_until,
        settings.tick,
    )
    .await?;
    outcome
}

/// When an active account's inbox is read again: after the re-read pause, or at its next
/// regular read when that comes sooner (below a 12 s interval, or an issues read just due).
/// The queued re-read holds the inbox's lease, so the scheduler's read meanwhile is folded
/// into it: were it always the pause, an active account would be read less often than an
/// idle one whenever the cadence is shorter than the pause.
fn re_read_in(job: &PollJob, settings: &PollingSettings, now: DateTime<Utc>) -> Duration {
    let cadence = settings.wanted(job.channel).max(settings.tick);
    let key = polling::phase_key(&job.tenant_id, &job.integration_id, job.channel);
    settings
        .active_every
        .min(crate::polling::next_due_in(&key, cadence, now))
}

/// When the inbox of a job with a due time was last read, if that was at or after the due
/// time (the job is then not needed); `None` for a job without one ("poll now").
async fn already_read(ports: &Ports, job: &PollJob) -> Result<Option<DateTime<Utc>>, ServiceError> {
    let Some(due_at) = job.due_at else {
        return Ok(None);
    };
    let cursor = cursors::get(
        &*ports.store,
        &job.tenant_id,
        &job.integration_id,
        job.channel,
    )
    .await?;
    Ok(cursor.polled_at.filter(|read_at| *read_at >= due_at))
}

/// Reads the channel once, the read starting at `started`. The cursor advances only after
/// every event is queued, so a crash in between re-reads (ingest is idempotent) instead of
/// losing events.
async fn read(
    ports: &Ports,
    marketplaces: &dyn Marketplaces,
    job: &PollJob,
    started: DateTime<Utc>,
) -> Result<PollOutcome, ServiceError> {
    let integration = integrations::get(&*ports.store, &job.tenant_id, &job.integration_id)
        .await?
        .ok_or_else(|| {
            ServiceError::Gone(format!(
                "integration {} no longer exists",
                job.integration_id
            ))
        })?
        .value;
    if !integration.should_poll() {
        return Ok(PollOutcome::Skipped);
    }
    if job.channel == Channel::AllegroOrders {
        // Orders are stored here, not queued for ingest: a form is not a conversation.
        let Some(journal) = marketplaces.order_journal() else {
            return Ok(PollOutcome::NoAdapter);
        };
        if !integration.settings.orders.enabled {
            return Ok(PollOutcome::Skipped);
        }
        let cursor = cursors::get(
            &*ports.store,
            &job.tenant_id,
            &job.integration_id,
            job.channel,
        )
        .await?;
        let outcome = super::orders::poll(ports, &*journal, &integration, cursor).await;
        if let Err(ServiceError::Marketplace(error)) = &outcome {
            crate::metrics::marketplace_error(job.channel, error);
            super::account_log::order_sync_failed(ports, &integration, error).await;
        }
        let outcome = outcome?;
        return Ok(PollOutcome::Polled {
            events: outcome.events,
        });
    }
    if job.channel == Channel::AllegroOffers {
        // Offers are stored here, not queued for ingest.
        let Some(reader) = marketplaces.offer_reader() else {
            return Ok(PollOutcome::NoAdapter);
        };
        if !integration.settings.offers.enabled {
            return Ok(PollOutcome::Skipped);
        }
        let cursor = cursors::get(
            &*ports.store,
            &job.tenant_id,
            &job.integration_id,
            job.channel,
        )
        .await?;
        let outcome = super::offer_sync::poll(ports, &*reader, &integration, cursor).await;
        if let Err(ServiceError::Marketplace(error)) = &outcome {
            crate::metrics::marketplace_error(job.channel, error);
            super::account_log::offer_sync_failed(ports, &integration, error).await;
        }
        return Ok(PollOutcome::Polled {
            events: outcome?.events,
        });
    }
    let Some(source) = marketplaces.source(job.channel) else {
        return Ok(PollOutcome::NoAdapter);
    };
    let mut cursor = cursors::get(
        &*ports.store,
        &job.tenant_id,
        &job.integration_id,
        job.channel,
    )
    .await?;
    let batch = source
        .poll(&integration, &cursor)
        .await
        .inspect_err(|error| crate::metrics::marketplace_error(job.channel, error))?;
    let observed_at = ports.clock.now();
    for event in &batch.events {
        let delivery = InboundDelivery {
            event: event.clone(),
            observed_at: Some(observed_at),
        };
        let body =
            serde_json::to_string(&delivery).map_err(|e| ServiceError::Malformed(e.to_string()))?;
        ports.queues.inbound.send(&body, Duration::ZERO).await?;
    }
    cursor.position = batch.next_position;
    // When the read began: every change before it has been read (what a job's due time is
    // compared with, see `already_read`).
    cursor.polled_at = Some(started);
    cursors::save(&*ports.store, &cursor).await?;
    Ok(PollOutcome::Polled {
        events: batch.events.len(),
    })
}

/// Decodes a queue message body and runs it once, without re-reads (tests and tools).
pub async fn handle_body(
    ports: &Ports,
    marketplaces: &dyn Marketplaces,
    body: &str,
) -> Result<PollOutcome, ServiceError> {
    handle_body_with(
        ports,
        marketplaces,
        body,
        &PollingSettings::reads_once(DEFAULT_TICK),
    )
    .await
}

/// Decodes a queue message body and runs it with `settings` (the poller Lambda and serve).
pub async fn handle_body_with(
    ports: &Ports,
    marketplaces: &dyn Marketplaces,
    body: &str,
    settings: &PollingSettings,
) -> Result<PollOutcome, ServiceError> {
    let job: PollJob = super::decode_job(body)?;
    let outcome = run_with(ports, marketplaces, &job, settings).await?;
    tracing::info!(integration = %job.integration_id, channel = job.channel.as_str(), ?outcome, "poll job done");
    Ok(outcome)
}
