//! A scheduler tick's poll requests in chunks: the leases of a chunk are read together,
//! written together ([`Store::put_each`]: one transaction on SQLite instead of a commit per
//! account) and its jobs sent together ([`Queue::send_each`]). Each write keeps the
//! condition of the one-by-one path (`repo::leases::take_write` / `defer_write`): a lease
//! held by a live job is never overwritten, and a request whose lease changed between the
//! read and the write goes the one-by-one way ([`polling::request_poll`]).
//!
//! [`Store::put_each`]: crate::ports::Store::put_each
//! [`Queue::send_each`]: crate::ports::Queue::send_each

use super::polling::{self, Requested};
use super::ServiceError;
use crate::jobs::PollJob;
use crate::ports::{Condition, Item, Key, Ports};
use crate::repo::leases::{self, Taker};
use crate::repo::RepoError;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::time::Duration;

/// Requests per chunk: one lease transaction and one queue transaction each.
pub const CHUNK: usize = 200;

/// What a request held by someone else becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenHeld {
    /// Recorded on the holder's lease for it to queue when done (the scheduler's requests).
    Defer,
    /// Dropped: the holder reads anyway ("everything now", [`super::scheduler::fan_out`]).
    Merge,
}

/// Requests a poll for every job (at its `due_at`, or at once without one), as
/// [`polling::request_poll`] (with [`WhenHeld::Defer`]) or [`polling::queue_poll`] (with
/// [`WhenHeld::Merge`]) would one by one; answers what became of each, in order.
pub async fn request_polls(
    ports: &Ports,
    jobs: Vec<PollJob>,
    when_held: WhenHeld,
    tick: Duration,
) -> Result<Vec<Requested>, ServiceError> {
    let mut outcomes = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(CHUNK) {
        outcomes.extend(request_chunk(ports, chunk, when_held, tick).await?);
    }
    Ok(outcomes)
}

/// What one request of a chunk is to do.
enum Step {
    /// Take the free lease (the write at `write`) and queue the job after `delay`.
    Take {
        write: usize,
        holder: String,
        delay: Duration,
    },
    /// Record the read on the holder's lease (the write at `write`).
    Defer { write: usize },
    /// Nothing to write: a live holder reads anyway.
    Merged,
    /// Done one by one: its key came earlier in the chunk, or its write's condition failed.
    OneByOne,
}

async fn request_chunk(
    ports: &Ports,
    jobs: &[PollJob],
    when_held: WhenHeld,
    tick: Duration,
) -> Result<Vec<Requested>, ServiceError> {
    let keys: Vec<Key> = jobs
        .iter()
        .map(|job| polling::lease_key(&job.tenant_id, &job.integration_id, job.channel))
        .collect();
    let current = ports.store.get_each(&keys).await.map_err(RepoError::from)?;
    // The clock read after the leases, just before the writes: each job's delay runs from
    // here, not from the start of the tick.
    let now = ports.clock.now();
    let mut writes: Vec<(Item, Condition)> = Vec::new();
    let mut seen: HashSet<&Key> = HashSet::new();
    let mut steps = Vec::with_capacity(jobs.len());
    for ((job, key), item) in jobs.iter().zip(&keys).zip(&current) {
        if !seen.insert(key) {
            steps.push(Step::OneByOne);
            continue;
        }
        let holder = uuid::Uuid::new_v4().to_string();
        let delay = delay_until(job.due_at, now);
        let taker = Taker {
            holder: &holder,
            previous: None,
            until: now
                + chrono::Duration::from_std(polling::queued_hold(delay, tick))
                    .unwrap_or(chrono::Duration::MAX),
            due: job.due_at,
        };
        if let Some(write) = leases::take_write(key, item.as_ref(), &taker, now) {
            writes.push(write);
            steps.push(Step::Take {
                write: writes.len() - 1,
                holder,
                delay,
            });
            continue;
        }
        if when_held == WhenHeld::Merge {
            steps.push(Step::Merged);
            continue;
        }
        match leases::defer_write(item.as_ref(), job.due_at.unwrap_or(now), now) {
            Ok(write) => {
                writes.push(write);
                steps.push(Step::Defer {
                    write: writes.len() - 1,
                });
            }
            Err(leases::Deferral::Pending) => steps.push(Step::Merged),
            // Freed between the two looks (it expired at `now`): the one-by-one path takes it.
            Err(_) => steps.push(Step::OneByOne),
        }
    }
    let written = if writes.is_empty() {
        Vec::new()
    } else {
        ports
            .store
            .put_each(writes)
            .await
            .map_err(RepoError::from)?
    };
    let mut messages = Vec::new();
    let mut taken: Vec<(&Key, &str)> = Vec::new();
    for (job, (key, step)) in jobs.iter().zip(keys.iter().zip(&steps)) {
        if let Step::Take {
            write,
            holder,
            delay,
        } = step
        {
            if written[*write] {
                let mut job = job.clone();
                job.lease = Some(holder.clone());
                let body = serde_json::to_string(&job)
                    .map_err(|e| ServiceError::Malformed(e.to_string()))?;
                messages.push((body, *delay));
                taken.push((key, holder));
            }
        }
    }
    if !messages.is_empty() {
        if let Err(error) = ports.queues.poll_jobs.send_each(messages).await {
            // Jobs that went out find their lease free and take it again when they start.
            for (key, holder) in taken {
                leases::release_at(&*ports.store, key, holder).await?;
            }
            return Err(error.into());
        }
    }
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (job, step) in jobs.iter().zip(steps) {
        let done = match step {
            Step::Take { write, .. } if written[write] => Some(Requested::Queued),
            Step::Defer { write } if written[write] => Some(Requested::Deferred),
            Step::Merged => Some(Requested::Merged),
            _ => None,
        };
        outcomes.push(match done {
            Some(outcome) => outcome,
            None => one_by_one(ports, job, when_held, tick).await?,
        });
    }
    Ok(outcomes)
}

/// The request of `job` through the one-by-one path (a race lost in the batch, or a key
/// repeated in it).
async fn one_by_one(
    ports: &Ports,
    job: &PollJob,
    when_held: WhenHeld,
    tick: Duration,
) -> Result<Requested, ServiceError> {
    match when_held {
        WhenHeld::Defer => polling::request_poll(ports, job.clone(), Duration::ZERO, tick).await,
        WhenHeld::Merge => Ok(
            if polling::queue_poll(ports, job.clone(), Duration::ZERO, None, tick).await? {
                Requested::Queued
            } else {
                Requested::Merged
            },
        ),
    }
}

/// The delay until `due` (none without one, or when it is past: a late read still runs).
fn delay_until(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Duration {
    due.map_or(Duration::ZERO, |due| {
        (due - now).to_std().unwrap_or(Duration::ZERO)
    })
}
