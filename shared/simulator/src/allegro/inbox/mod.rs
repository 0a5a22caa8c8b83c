//! Post-purchase issues (`/sale/issues*`, beta) and Message Center threads (`/messaging/*`,
//! beta.v1): the data, the REST routes, both attachment flows, the per-seller posting limit,
//! the log of what sellers posted through the API, and the control routes through which tests
//! play buyers and marketplace staff.
//!
//! Behaviour follows `allegro-api.md` §5.3–5.4 and §6; paths, fields and enums follow the
//! 2026-07 spec (issues) and the 2026-09 spec (Message Center beta.v1).

// Handlers answer errors as ready HTTP responses, built on the cold path only, so their size
// does not matter.
#![allow(clippy::result_large_err)]

pub mod attachments;
mod attachments_api;
pub mod control;
pub mod draft;
pub mod issues;
mod issues_api;
pub mod messaging;
mod messaging_api;
mod paging;
pub mod posted;
pub mod posting_limit;
mod support;

use crate::state::SimulatorState;
use attachments::Attachment;
use axum::Router;
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use issues::Issue;
use messaging::Thread;
use posted::PostedMessage;
use posting_limit::PostingLimit;
use std::collections::BTreeMap;

/// Issues, threads, attachments and what the sellers posted.
#[derive(Debug, Default)]
pub struct Inbox {
    /// Post-purchase issues (disputes and claims) by id.
    pub issues: BTreeMap<String, Issue>,
    /// Message Center threads by id.
    pub threads: BTreeMap<String, Thread>,
    /// Attachments of both APIs by id.
    pub attachments: BTreeMap<String, Attachment>,
    /// Every message a seller posted through the API, oldest first.
    pub posted: Vec<PostedMessage>,
    /// When each seller last posted through the API.
    pub posting_limit: PostingLimit,
    next_seq: u64,
    claims_opened: u64,
}

impl Inbox {
    /// The next value of the creation counter (orders things created in the same millisecond).
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// The next claim reference number, `"<n>/<year>"`.
    pub fn next_claim_reference(&mut self, year: i32) -> String {
        self.claims_opened += 1;
        format!("{}/{year}", self.claims_opened)
    }
}

/// The REST routes: `/sale/issues*` and `/messaging/*`.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .merge(issues_api::routes())
        .merge(messaging_api::routes())
        .merge(attachments_api::routes())
}

/// The control routes, to be nested at `/__simulator/allegro/inbox`.
pub fn control_routes() -> Router<SimulatorState> {
    control::routes()
}

/// A timestamp as Allegro writes it: RFC 3339 with milliseconds and `Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A time cut to whole milliseconds, so what the API shows is exactly what is stored.
pub fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        let at = DateTime::parse_from_rfc3339("2026-10-28T12:00:00.123456Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(timestamp(at), "2026-10-28T12:00:00.123Z");
        assert_eq!(timestamp(to_millis(at)), "2026-10-28T12:00:00.123Z");
        assert_eq!(to_millis(at).timestamp_subsec_nanos(), 123_000_000);
    }

    #[test]
    fn claim_references_count_up() {
        let mut inbox = Inbox::default();
        assert_eq!(inbox.next_claim_reference(2026), "1/2026");
        assert_eq!(inbox.next_claim_reference(2026), "2/2026");
        assert!(inbox.next_seq() < inbox.next_seq());
    }
}
