//! Counters of failed sign-ins, stored so that lockouts hold across processes (Lambda
//! instances). Each counter expires with its window.

use super::{encode, get_versioned, keys, RepoError, Versioned};
use crate::ports::{Condition, Item, Store};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a counter is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// One e-mail address (known or not: unknown addresses lock the same way).
    Email,
    /// One client address.
    Client,
}

impl Subject {
    fn as_str(self) -> &'static str {
        match self {
            Subject::Email => "EMAIL",
            Subject::Client => "CLIENT",
        }
    }
}

/// Failures within the current window, and the lockout they caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    /// Failures counted since `window_started_at`.
    pub count: u32,
    /// When the first failure of the window happened.
    pub window_started_at: DateTime<Utc>,
    /// Sign-ins are refused until then.
    pub locked_until: Option<DateTime<Utc>>,
}

/// The counter of one subject (`subject_hash`: SHA-256 of the address), with its version.
pub async fn get(
    store: &dyn Store,
    subject: Subject,
    subject_hash: &str,
) -> Result<Option<Versioned<Failures>>, RepoError> {
    get_versioned(
        store,
        &keys::sign_in_failures(subject.as_str(), subject_hash),
    )
    .await
}

/// Writes the counter over the version read (`None`: it did not exist). A lost race is
/// `Store(ConditionFailed)`; the caller re-reads.
pub async fn save(
    store: &dyn Store,
    subject: Subject,
    subject_hash: &str,
    read_version: Option<u64>,
    failures: &Failures,
    keep_until: DateTime<Utc>,
) -> Result<(), RepoError> {
    let mut item = Item::new(
        keys::sign_in_failures(subject.as_str(), subject_hash),
        encode(failures),
    )
    .with_expiry(keep_until.timestamp());
    let condition = match read_version {
        Some(version) => {
            item.version = version + 1;
            Condition::VersionIs(version)
        }
        None => Condition::NotExists,
    };
    Ok(store.put(item, condition).await?)
}

/// Forgets the counter (after a successful sign-in).
pub async fn clear(
    store: &dyn Store,
    subject: Subject,
    subject_hash: &str,
) -> Result<(), RepoError> {
    Ok(store
        .delete(
            &keys::sign_in_failures(subject.as_str(), subject_hash),
            Condition::None,
        )
        .await?)
}
