//! Polling settings and the poll lease: at most one poll job per integration and channel is
//! queued or running at a time, on every backend and across every worker.
//!
//! Whoever queues a poll job first takes the lease for a fresh token and puts the token in
//! the job; the poller renews it under the same token when it starts, and gives it back when
//! done (or hands it to its own follow-up job, see [`PollingSettings::active_every`]). A job
//! whose token no longer holds the lease while another live holder does is a duplicate and
//! is merged: dropped without a marketplace call. The lease is a store item with an expiry
//! (a conditional write, `repo::leases::take_at`), so a lost job or a dead worker frees it.

use crate::domain::Channel;
use crate::ids::{IntegrationId, TenantId};
use crate::jobs::PollJob;
pub use crate::polling::{
    PollingSettings, DEFAULT_ACTIVE_EVERY, DEFAULT_ACTIVE_FOR, DEFAULT_ACTIVE_RESERVE,
    DEFAULT_ISSUES_EVERY, DEFAULT_MAX_EVERY, DEFAULT_OFFERS_EVERY,
};
use crate::ports::{Key, Ports};
use crate::repo::leases;
use crate::services::ServiceError;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How long a running poll holds its lease: longer than any poll may take (the serve loop
/// gives up on a job after `MARKETDESK_POLL_TIMEOUT`, at most 170 s) and than the queue's
/// visibility timeout, so a job redelivered after a crash still finds its lease.
pub const RUN_HOLD: Duration = Duration::from_secs(240);
/// The least a queued job holds its lease beyond its delay; a job stuck longer in a queue
/// loses the lease and a later tick queues another (the stuck one is then merged).
pub const QUEUED_HOLD_FLOOR: Duration = Duration::from_secs(120);

/// The name of one integration's channel that fixes its phase in the cadence
/// ([`crate::polling::phase`]): the same on every worker and tick.
pub fn phase_key(tenant: &TenantId, integration: &IntegrationId, channel: Channel) -> String {
    format!("{tenant}#{integration}#{}", channel.as_str())
}

/// What became of the scheduler's request for one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A job was queued with the delay until its due time.
    Queued,
    /// A job for the same integration and channel is queued or running: the due time was
    /// recorded on its lease and it queues the read when it finishes (unless it read after
    /// the due time anyway), so a poll that runs across a tick does not cost its account a
    /// whole cadence.
    Deferred,
    /// A job is queued or running and a read to come is already recorded: nothing to add.
    Merged,
}

/// Asks for a poll of `job`'s inbox on the scheduler's behalf: at its `due_at` when it has
/// one (the delay computed from the clock when it is queued), else `delay` from now; queued
/// when nobody holds the lease, else recorded for the holder (see [`Requested`]).
pub async fn request_poll(
    ports: &Ports,
    job: PollJob,
    delay: Duration,
    tick: Duration,
) -> Result<Requested, ServiceError> {
    let key = lease_key(&job.tenant_id, &job.integration_id, job.channel);
    // Twice at most: a holder that finished between the two steps frees the lease.
    for _ in 0..2 {
        if queue_poll(ports, job.clone(), delay, None, tick).await? {
            return Ok(Requested::Queued);
        }
        let now = ports.clock.now();
        let due = job.due_at.unwrap_or_else(|| until(now, delay));
        match leases::defer_at(&*ports.store, &key, due, now).await? {
            leases::Deferral::Recorded => return Ok(Requested::Deferred),
            leases::Deferral::Pending => return Ok(Requested::Merged),
            leases::Deferral::Free => {}
        }
    }
    Ok(Requested::Merged)
}

/// The lease item of one integration's channel (a partition of its own, so leases never
/// crowd one DynamoDB partition).
pub fn lease_key(tenant: &TenantId, integration: &IntegrationId, channel: Channel) -> Key {
    crate::repo::keys::poll_lease(tenant, integration, channel)
}

fn until(now: DateTime<Utc>, hold: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::MAX)
}

/// A fresh lease token.
fn token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Queues `job` unless a job for its integration and channel is already queued or running
/// (then it is merged: nothing is queued): a job with a `due_at` for that time (the delay
/// taken from the clock now, zero when it is past: a late read still runs), another one
/// after `delay`. `previous` hands the lease over from the job now running (its follow-up).
/// Returns whether a job was queued.
pub async fn queue_poll(
    ports: &Ports,
    mut job: PollJob,
    delay: Duration,
    previous: Option<&str>,
    tick: Duration,
) -> Result<bool, ServiceError> {
    let now = ports.clock.now();
    let key = lease_key(&job.tenant_id, &job.integration_id, job.channel);
    let holder = token();
    let delay = delay_of(&job, delay, now);
    if !leases::take_for(
        &*ports.store,
        &key,
        &holder,
        previous,
        until(now, queued_hold(delay, tick)),
        job.due_at,
        now,
    )
    .await?
    {
        return Ok(false);
    }
    job.lease = Some(holder.clone());
    let body = serde_json::to_string(&job).map_err(|e| ServiceError::Malformed(e.to_string()))?;
    if let Err(error) = ports.queues.poll_jobs.send(&body, delay).await {
        leases::release_at(&*ports.store, &key, &holder).await?;
        return Err(error.into());
    }
    Ok(true)
}

/// How long after `now` `job` should run: until its due time when it has one, else `delay`.
fn delay_of(job: &PollJob, delay: Duration, now: DateTime<Utc>) -> Duration {
    job.due_at
        .map_or(delay, |due| (due - now).to_std().unwrap_or(Duration::ZERO))
}

/// How long a job queued with `delay` holds its lease.
pub(crate) fn queued_hold(delay: Duration, tick: Duration) -> Duration {
    delay + (tick * 2).max(QUEUED_HOLD_FLOOR)
}

/// Takes (or renews) the lease for running `job`; `None` when another job holds it: this
/// one is a duplicate. Answers the token to give back with [`finish`].
pub async fn start(ports: &Ports, job: &PollJob) -> Result<Option<String>, ServiceError> {
    let now = ports.clock.now();
    let key = lease_key(&job.tenant_id, &job.integration_id, job.channel);
    // Jobs queued by older versions carry no token: they take the lease like a new holder.
    let holder = job.lease.clone().unwrap_or_else(token);
    let taken = leases::take_at(
        &*ports.store,
        &key,
        &holder,
        None,
        until(now, RUN_HOLD),
        now,
    )
    .await?;
    Ok(taken.then_some(holder))
}

/// Gives the lease of a finished job back.
pub async fn finish(ports: &Ports, job: &PollJob, holder: &str) -> Result<(), ServiceError> {
    let key = lease_key(&job.tenant_id, &job.integration_id, job.channel);
    leases::release_at(&*ports.store, &key, holder).await?;
    Ok(())
}

/// Gives the lease of a finished job back, or hands it over to the job's follow-up: a
/// re-read `re_read` from now while its account is active, or the read the scheduler
/// recorded meanwhile ([`Requested::Deferred`]) when that is due after `started` (a read that
/// started later already covers it), whichever comes first. The follow-up carries
/// `active_until`. Answers the follow-up's delay when one was queued.
pub async fn finish_with_follow_up(
    ports: &Ports,
    job: &PollJob,
    holder: &str,
    started: DateTime<Utc>,
    re_read: Option<Duration>,
    active_until: Option<DateTime<Utc>>,
    tick: Duration,
) -> Result<Option<Duration>, ServiceError> {
    let key = lease_key(&job.tenant_id, &job.integration_id, job.channel);
    // A read the scheduler records between our look and the release makes the release fail
    // on the lease's version: look again, so it is neither lost nor left waiting for the
    // lease to expire.
    let mut attempts = 0;
    let (now, pending, pending_in, delay) = loop {
        let Some((version, pending)) = leases::held_by(&*ports.store, &key, holder).await? else {
            // Our lease ran out and another job took it: that one reads.
            return Ok(None);
        };
        let now = ports.clock.now();
        // A read due before this one started, or at or before the due time this job read
        // for, is covered by it.
        let pending =
            pending.filter(|due| *due > started && job.due_at.is_none_or(|own| *due > own));
        let pending_in = pending.map(|due| (due - now).to_std().unwrap_or(Duration::ZERO));
        let delay = match (re_read, pending_in) {
            (Some(re_read), Some(pending_in)) => Some(re_read.min(pending_in)),
            (re_read, pending_in) => re_read.or(pending_in),
        };
        if let Some(delay) = delay {
            break (now, pending, pending_in, delay);
        }
        attempts += 1;
        if leases::release_version(&*ports.store, &key, version).await? || attempts >= 5 {
            return Ok(None);
        }
    };
    let mut next = PollJob::new(
        job.tenant_id.clone(),
        job.integration_id.clone(),
        job.channel,
    );
    next.active_until = active_until;
    // The scheduled read keeps its due time (so a read meanwhile makes it skip); a re-read
    // of an active account is a "poll now".
    if pending_in.is_some_and(|pending_in| pending_in <= delay) {
        next.due_at = pending;
    }
    if !queue_poll(ports, next, delay, Some(holder), tick).await? {
        // Our lease ran out and another job took it: that one reads.
        return Ok(None);
    }
    // A scheduled read after the re-read stays recorded, now for the follow-up.
    if let Some(due) = pending.filter(|_| pending_in > Some(delay)) {
        leases::defer_at(&*ports.store, &key, due, now).await?;
    }
    Ok(Some(delay))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;
    use crate::domain::budget::BudgetPolicy;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn defaults_read_message_center_every_tick_and_issues_every_five_minutes() {
        let settings = PollingSettings::from_env(&Env::default(), MINUTE, BudgetPolicy::allegro())
            .expect("defaults");
        assert_eq!(settings.wanted(Channel::AllegroMessaging), MINUTE);
        assert_eq!(
            settings.wanted(Channel::AllegroIssues),
            DEFAULT_ISSUES_EVERY
        );
        assert_eq!(settings.wanted(Channel::EmpikThreads), MINUTE);
        // 80 % of 9000 for every poll, of which 5 % is kept for re-reads of active accounts
        // once the cadences stretch.
        let calls = settings.allegro_poll_calls_per_minute().expect("a ceiling");
        assert!((calls - 7200.0).abs() < 1e-6, "{calls}");
        assert!((settings.allegro_reserve_per_minute() - 360.0).abs() < 1e-6);
        // A stretched inbox is still read at least every 5 minutes while that fits.
        assert_eq!(settings.max_every, DEFAULT_MAX_EVERY);
    }

    #[test]
    fn variables_override_and_bad_values_name_the_variable() {
        let env = Env::from_pairs([
            ("MARKETDESK_POLL_ISSUES_EVERY", "10m"),
            ("MARKETDESK_POLL_ACTIVE_FOR", "0"),
            ("MARKETDESK_POLL_ACTIVE_RESERVE", "0"),
            ("MARKETDESK_POLL_MAX_EVERY", "10m"),
        ]);
        let settings =
            PollingSettings::from_env(&env, MINUTE, BudgetPolicy::allegro()).expect("valid");
        assert_eq!(settings.issues_every, Duration::from_secs(600));
        assert_eq!(settings.active_for, Duration::ZERO);
        assert_eq!(settings.allegro_poll_calls_per_minute(), Some(7200.0));
        assert_eq!(settings.allegro_reserve_per_minute(), 0.0);
        assert_eq!(settings.max_every, Duration::from_secs(600));
        for (var, value) in [
            ("MARKETDESK_POLL_MAX_EVERY", "30s"),
            ("MARKETDESK_POLL_MAX_EVERY", "soon"),
            ("MARKETDESK_POLL_MESSAGING_EVERY", "10s"),
            ("MARKETDESK_POLL_ISSUES_EVERY", "often"),
            ("MARKETDESK_POLL_ACTIVE_RESERVE", "0.95"),
        ] {
            let error = PollingSettings::from_env(
                &Env::from_pairs([(var, value)]),
                MINUTE,
                BudgetPolicy::allegro(),
            )
            .expect_err("invalid");
            assert!(error.to_string().starts_with(var), "{var}: {error}");
        }
    }
}
