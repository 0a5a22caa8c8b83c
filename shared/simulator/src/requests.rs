//! The request log: every marketplace call the simulator answered (control calls are left out),
//! so tests and the demo can count what a client costs, e.g. the calls an idle shop makes per
//! poll interval. Read it with `GET /__simulator/requests`, empty it with
//! `DELETE /__simulator/requests`.

pub mod logging;

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::VecDeque;

/// Most entries kept; the oldest are dropped first (a long demo must not grow without bound).
pub const MAX_LOGGED: usize = 10_000;

/// One answered marketplace call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// Position in the log since the simulator started (never reused, survives clearing).
    pub seq: u64,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Query string as sent (empty when none); headers, and so keys and tokens, are not kept.
    pub query: String,
    /// Status answered (including injected faults).
    pub status: u16,
    /// When, on the simulator's clock.
    pub at: DateTime<Utc>,
}

/// The log, oldest first.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    next_seq: u64,
}

impl RequestLog {
    /// Appends an entry, dropping the oldest beyond [`MAX_LOGGED`].
    pub fn push(&mut self, mut entry: LoggedRequest) {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        if self.entries.len() == MAX_LOGGED {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The entries whose path starts with `prefix`, oldest first.
    pub fn matching(&self, prefix: &str) -> Vec<LoggedRequest> {
        self.entries
            .iter()
            .filter(|entry| entry.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> LoggedRequest {
        LoggedRequest {
            seq: 0,
            method: "GET".into(),
            path: path.into(),
            query: String::new(),
            status: 200,
            at: Utc::now(),
        }
    }

    #[test]
    fn the_log_is_bounded_numbered_and_filtered_by_prefix() {
        let mut log = RequestLog::default();
        for n in 0..(MAX_LOGGED + 3) {
            log.push(entry(if n % 2 == 0 { "/api/orders" } else { "/me" }));
        }
        assert_eq!(log.entries.len(), MAX_LOGGED);
        assert_eq!(log.entries.front().map(|e| e.seq), Some(4));
        let orders = log.matching("/api/");
        assert!(orders.iter().all(|e| e.path == "/api/orders"));
        assert_eq!(orders.len(), MAX_LOGGED / 2);
        log.clear();
        log.push(entry("/api/account"));
        assert_eq!(log.matching("").len(), 1);
        assert_eq!(log.matching("")[0].seq, MAX_LOGGED as u64 + 4);
    }
}
