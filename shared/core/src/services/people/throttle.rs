//! Failed sign-ins: an e-mail address is locked for 15 minutes after 5 failures within 15
//! minutes, and a client address after 30 (many accounts tried from one place). Unknown
//! addresses are counted and locked exactly like known ones, so the answers never tell
//! whether an account exists. Counters live in the store, so every process sees them.

use super::secrets::sha256_hex;
use crate::ports::Ports;
use crate::repo::sign_in_failures::{self, Failures, Subject};
use crate::repo::{is_conflict, RepoError};
use chrono::{DateTime, Duration, Utc};

/// Limits on failed sign-ins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures of one e-mail address that lock it.
    pub email_failures: u32,
    /// Failures from one client address that lock it.
    pub client_failures: u32,
    /// Failures count within this window from the first one.
    pub window: Duration,
    /// How long a lock holds.
    pub lockout: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            email_failures: 5,
            client_failures: 30,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

/// The subjects of one sign-in attempt, hashed for their store keys.
pub(crate) struct Attempt {
    email_hash: String,
    client_hash: Option<String>,
}

impl Attempt {
    /// The attempt for a normalized e-mail address from a client address (if known).
    pub(crate) fn new(normalized_email: &str, client: Option<&str>) -> Self {
        Self {
            email_hash: sha256_hex(normalized_email),
            client_hash: client.map(sha256_hex),
        }
    }

    fn subjects(&self) -> impl Iterator<Item = (Subject, &str)> {
        std::iter::once((Subject::Email, self.email_hash.as_str())).chain(
            self.client_hash
                .as_deref()
                .map(|hash| (Subject::Client, hash)),
        )
    }
}

/// How long the attempt must wait, when one of its subjects is locked.
pub(crate) async fn locked_for(
    ports: &Ports,
    attempt: &Attempt,
) -> Result<Option<Duration>, RepoError> {
    let now = ports.clock.now();
    let mut wait: Option<Duration> = None;
    for (subject, hash) in attempt.subjects() {
        if let Some(read) = sign_in_failures::get(&*ports.store, subject, hash).await? {
            if let Some(until) = read.value.locked_until.filter(|until| *until > now) {
                let left = until - now;
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
    }
    Ok(wait)
}

/// Counts a failure against every subject of the attempt.
pub(crate) async fn record_failure(
    ports: &Ports,
    policy: &LockoutPolicy,
    attempt: &Attempt,
) -> Result<(), RepoError> {
    for (subject, hash) in attempt.subjects() {
        let limit = match subject {
            Subject::Email => policy.email_failures,
            Subject::Client => policy.client_failures,
        };
        count(ports, policy, subject, hash, limit).await?;
    }
    Ok(())
}

async fn count(
    ports: &Ports,
    policy: &LockoutPolicy,
    subject: Subject,
    hash: &str,
    limit: u32,
) -> Result<(), RepoError> {
    // A few tries: concurrent failures of the same subject race on the counter.
    for _ in 0..5 {
        let now = ports.clock.now();
        let read = sign_in_failures::get(&*ports.store, subject, hash).await?;
        let next = next_count(read.as_ref().map(|r| &r.value), now, policy, limit);
        let keep_until = next
            .locked_until
            .unwrap_or(now)
            .max(next.window_started_at + policy.window);
        match sign_in_failures::save(
            &*ports.store,
            subject,
            hash,
            read.map(|r| r.version),
            &next,
            keep_until,
        )
        .await
        {
            Ok(()) => return Ok(()),
            Err(error) if is_conflict(&error) => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

fn next_count(
    previous: Option<&Failures>,
    now: DateTime<Utc>,
    policy: &LockoutPolicy,
    limit: u32,
) -> Failures {
    let fresh = Failures {
        count: 1,
        window_started_at: now,
        locked_until: None,
    };
    let mut next = match previous {
        Some(previous)
            if previous.window_started_at + policy.window > now
                && previous.locked_until.is_none_or(|until| until > now) =>
        {
            Failures {
                count: previous.count + 1,
                ..previous.clone()
            }
        }
        _ => fresh,
    };
    if next.count >= limit && next.locked_until.is_none() {
        next.locked_until = Some(now + policy.lockout);
    }
    next
}

/// Forgets the e-mail address's failures after a successful sign-in (the client's stay:
/// one right guess must not hide many wrong ones).
pub(crate) async fn clear(ports: &Ports, attempt: &Attempt) -> Result<(), RepoError> {
    sign_in_failures::clear(&*ports.store, Subject::Email, &attempt.email_hash).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_in_the_window_locks_and_a_new_window_starts_after() {
        let policy = LockoutPolicy::default();
        let t0 = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let mut state: Option<Failures> = None;
        for i in 0..4 {
            state = Some(next_count(
                state.as_ref(),
                t0 + Duration::minutes(i),
                &policy,
                5,
            ));
            assert_eq!(state.as_ref().map(|s| s.locked_until), Some(None));
        }
        let locked = next_count(state.as_ref(), t0 + Duration::minutes(4), &policy, 5);
        assert_eq!(locked.locked_until, Some(t0 + Duration::minutes(19)));
        // Outside the window the count starts again.
        let later = next_count(state.as_ref(), t0 + Duration::minutes(16), &policy, 5);
        assert_eq!((later.count, later.locked_until), (1, None));
        // After a lock ends the count starts again.
        let after_lock = next_count(Some(&locked), t0 + Duration::minutes(20), &policy, 5);
        assert_eq!((after_lock.count, after_lock.locked_until), (1, None));
    }
}
