//! Behaviour of the embedded adapters beyond the core conformance suite.

mod backend;
mod backup;
mod notifier;
mod queue;
mod secrets;
mod store;
mod versions;

use chrono::{DateTime, Utc};
use marketdesk_core::ports::ManualClock;
use std::sync::Arc;

/// A manual clock at a fixed, readable instant.
fn manual_clock() -> Arc<ManualClock> {
    let start = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
        .expect("valid timestamp")
        .with_timezone(&Utc);
    Arc::new(ManualClock::new(start))
}
