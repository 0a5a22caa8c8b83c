//! Access tokens kept in memory, so a poll does not read (and on AWS decrypt) the stored pair.
//!
//! An entry is served only while its token has more than [`SERVE_WHILE_REMAINING`] left: the
//! hourly refresher rotates pairs with less than [`super::REFRESH_AHEAD`] left, and Allegro
//! invalidates the old access token on a rotation, so a token another worker may be rotating
//! is never served from here; in that last stretch every use reads the store as before. Every
//! read of the stored pair ([`super::load`], also the 401 path's "was it rotated?") and every
//! write refreshes the entry.
//!
//! Entries are per secrets port (one per process in production, several in tests), keyed by
//! the port's address; each keeps a `Weak` of its port, which keeps the allocation and so the
//! address from being reused by another port while the entry exists.

use super::{TokenSet, REFRESH_AHEAD};
use crate::ports::{Ports, SecretName, Secrets};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// A cached token is served while it has more than this left.
pub const SERVE_WHILE_REMAINING: Duration = Duration::minutes(3 * 60 + 10);
/// Entries of ports that no longer exist are dropped every this many insertions.
const PRUNE_EVERY: usize = 1024;

struct Entry {
    /// Pins the port's allocation (see the module doc); never upgraded.
    pin: Weak<dyn Secrets>,
    token: SecretString,
    expires_at: DateTime<Utc>,
}

#[derive(Default)]
struct Cache {
    entries: HashMap<(usize, SecretName), Entry>,
    inserts: usize,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

fn owner(ports: &Ports) -> usize {
    Arc::as_ptr(&ports.secrets).cast::<()>() as usize
}

/// The cached access token for `name`, if it may still be served at `now`.
pub(super) fn get(ports: &Ports, name: &SecretName, now: DateTime<Utc>) -> Option<SecretString> {
    let cache = CACHE.lock().ok()?;
    let entry = cache.entries.get(&(owner(ports), name.clone()))?;
    (entry.expires_at - now > SERVE_WHILE_REMAINING).then(|| entry.token.clone())
}

/// Remembers the access token of the pair just read or written (`None`: there is none).
pub(super) fn remember(ports: &Ports, name: &SecretName, tokens: Option<&TokenSet>) {
    let Ok(mut cache) = CACHE.lock() else {
        return;
    };
    let key = (owner(ports), name.clone());
    let Some(tokens) = tokens else {
        cache.entries.remove(&key);
        return;
    };
    cache.entries.insert(
        key,
        Entry {
            pin: Arc::downgrade(&ports.secrets),
            token: tokens.access_token.clone(),
            expires_at: tokens.access_expires_at,
        },
    );
    cache.inserts += 1;
    if cache.inserts % PRUNE_EVERY == 0 {
        cache
            .entries
            .retain(|_, entry| entry.pin.strong_count() > 0);
    }
}

// The refresher's window must lie inside the stretch that is never served from the cache.
const _: () = assert!(SERVE_WHILE_REMAINING.num_seconds() > REFRESH_AHEAD.num_seconds());
