//! What marketdesk counts, through the `metrics` facade. The services call the functions
//! below; the binary installs the recorder: Prometheus text on `marketdesk serve`
//! (`/metrics` on its own address), CloudWatch Embedded Metric Format lines on Lambda. Without
//! a recorder (tests, tools) every call is a no-op.
//!
//! Labels carry no tenant data (no tenant, integration or ticket ids): only the channel, the
//! marketplace, the kind of error and the queue, so the number of series stays small.

use crate::domain::Channel;
use crate::ports::MarketplaceError;
use metrics::Unit;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use std::time::Duration;

/// Metric names, with the unit each is recorded in.
pub mod names {
    /// Conversation events ingested (counter; label `channel`).
    pub const CONVERSATIONS_INGESTED: &str = "marketdesk_conversations_ingested_total";
    /// Marketplace messages stored for the first time (counter; label `channel`).
    pub const MESSAGES_INGESTED: &str = "marketdesk_messages_ingested_total";
    /// Tickets created from new conversations (counter; label `channel`).
    pub const TICKETS_CREATED: &str = "marketdesk_tickets_created_total";
    /// Replies the marketplace accepted, autoresponses included (counter).
    pub const REPLIES_SENT: &str = "marketdesk_replies_sent_total";
    /// Replies that failed for good (counter): the agent was alerted.
    pub const REPLIES_FAILED: &str = "marketdesk_replies_failed_total";
    /// Autoresponses delivered (counter).
    pub const AUTORESPONSES_SENT: &str = "marketdesk_autoresponses_sent_total";
    /// Autoresponses not sent: too late, answered meanwhile, closed (counter).
    pub const AUTORESPONSES_SKIPPED: &str = "marketdesk_autoresponses_skipped_total";
    /// Seconds since a channel was last read successfully, the largest over its integrations
    /// (gauge; label `channel`): up to this age, marketplace changes have been seen.
    pub const POLL_LAG: &str = "marketdesk_poll_lag_seconds";
    /// The longest a change in a channel can wait before it is read, the largest over its
    /// integrations (gauge; label `channel`): from an account's last successful read to its
    /// next planned one, so one cadence when on schedule, more when it falls behind.
    pub const POLL_STALENESS_WORST: &str = "marketdesk_poll_staleness_worst_seconds";
    /// Failed marketplace calls (counter; labels `marketplace`, `kind`).
    pub const MARKETPLACE_ERRORS: &str = "marketdesk_marketplace_errors_total";
    /// HTTP 429 answers (counter; label `marketplace`).
    pub const RATE_LIMITED: &str = "marketdesk_marketplace_rate_limited_total";
    /// Seconds the marketplaces told us to wait after a 429 (counter; label `marketplace`).
    pub const BLOCKED_SECONDS: &str = "marketdesk_marketplace_blocked_seconds_total";
    /// Allegro token refreshes that failed (counter; label `reason`: `rejected`, `unavailable`).
    pub const TOKEN_REFRESH_FAILURES: &str = "marketdesk_token_refresh_failures_total";
    /// Integrations disconnected, waiting for the seller to connect again (gauge).
    pub const INTEGRATIONS_DISCONNECTED: &str = "marketdesk_integrations_disconnected";
    /// How long a queue message waited before a worker received it (histogram; label `queue`).
    pub const QUEUE_AGE: &str = "marketdesk_queue_age_seconds";
}

/// Every metric with its unit and meaning, for the recorders and the docs.
pub const ALL: [(&str, Unit, &str); 15] = [
    (
        names::CONVERSATIONS_INGESTED,
        Unit::Count,
        "conversation events ingested",
    ),
    (
        names::MESSAGES_INGESTED,
        Unit::Count,
        "marketplace messages stored for the first time",
    ),
    (
        names::TICKETS_CREATED,
        Unit::Count,
        "tickets created from new conversations",
    ),
    (
        names::REPLIES_SENT,
        Unit::Count,
        "replies delivered (autoresponses included)",
    ),
    (
        names::REPLIES_FAILED,
        Unit::Count,
        "replies that failed for good",
    ),
    (
        names::AUTORESPONSES_SENT,
        Unit::Count,
        "autoresponses delivered",
    ),
    (
        names::AUTORESPONSES_SKIPPED,
        Unit::Count,
        "autoresponses not sent (late, answered, closed)",
    ),
    (
        names::POLL_LAG,
        Unit::Seconds,
        "seconds since the channel was last read successfully",
    ),
    (
        names::POLL_STALENESS_WORST,
        Unit::Seconds,
        "longest a change can wait from an account's last read to its next planned one",
    ),
    (
        names::MARKETPLACE_ERRORS,
        Unit::Count,
        "failed marketplace calls by kind",
    ),
    (
        names::RATE_LIMITED,
        Unit::Count,
        "HTTP 429 answers from the marketplace",
    ),
    (
        names::BLOCKED_SECONDS,
        Unit::Seconds,
        "seconds the marketplace asked us to wait after 429s",
    ),
    (
        names::TOKEN_REFRESH_FAILURES,
        Unit::Count,
        "Allegro token refreshes that failed",
    ),
    (
        names::INTEGRATIONS_DISCONNECTED,
        Unit::Count,
        "integrations waiting to be connected again",
    ),
    (
        names::QUEUE_AGE,
        Unit::Seconds,
        "time a queue message waited before it was received",
    ),
];

/// Registers the units and descriptions with the installed recorder (call once at start).
pub fn describe() {
    for (name, unit, help) in ALL {
        if name == names::POLL_LAG
            || name == names::POLL_STALENESS_WORST
            || name == names::INTEGRATIONS_DISCONNECTED
        {
            describe_gauge!(name, unit, help);
        } else if name == names::QUEUE_AGE {
            describe_histogram!(name, unit, help);
        } else {
            describe_counter!(name, unit, help);
        }
    }
}

/// The marketplace a channel belongs to, as a label value.
pub fn marketplace_of(channel: Channel) -> &'static str {
    match channel {
        Channel::AllegroIssues
        | Channel::AllegroMessaging
        | Channel::AllegroOrders
        | Channel::AllegroOffers => "allegro",
        Channel::EmpikThreads => "empik",
    }
}

/// One conversation event ingested: whether it created the ticket and how many messages were new.
pub fn ingested(channel: Channel, created: bool, new_messages: usize) {
    let channel = channel.as_str();
    counter!(names::CONVERSATIONS_INGESTED, "channel" => channel).increment(1);
    counter!(names::MESSAGES_INGESTED, "channel" => channel)
        .increment(u64::try_from(new_messages).unwrap_or(u64::MAX));
    if created {
        counter!(names::TICKETS_CREATED, "channel" => channel).increment(1);
    }
}

/// A reply the marketplace accepted; `autoresponse` when the autoresponder wrote it.
pub fn reply_sent(autoresponse: bool) {
    counter!(names::REPLIES_SENT).increment(1);
    if autoresponse {
        counter!(names::AUTORESPONSES_SENT).increment(1);
    }
}

/// A reply that failed for good.
pub fn reply_failed() {
    counter!(names::REPLIES_FAILED).increment(1);
}

/// Autoresponses not sent (planned too late, answered or closed meanwhile).
pub fn autoresponses_skipped(count: usize) {
    if count > 0 {
        counter!(names::AUTORESPONSES_SKIPPED).increment(u64::try_from(count).unwrap_or(u64::MAX));
    }
}

/// A failed marketplace call: counted by kind; a 429 also counts the wait it asked for.
pub fn marketplace_error(channel: Channel, error: &MarketplaceError) {
    let marketplace = marketplace_of(channel);
    let kind = match error {
        MarketplaceError::RateLimited { .. } => "rate_limited",
        MarketplaceError::CredentialsRejected(_) => "credentials_rejected",
        MarketplaceError::Unavailable(_) => "unavailable",
        MarketplaceError::Refused(_) => "refused",
        MarketplaceError::AccountBlocked(_) => "account_blocked",
    };
    counter!(names::MARKETPLACE_ERRORS, "marketplace" => marketplace, "kind" => kind).increment(1);
    if let MarketplaceError::RateLimited { retry_after } = error {
        counter!(names::RATE_LIMITED, "marketplace" => marketplace).increment(1);
        counter!(names::BLOCKED_SECONDS, "marketplace" => marketplace)
            .increment(retry_after.as_secs());
    }
}

/// A token refresh that failed: `rejected` (the account was disconnected) or `unavailable`.
pub fn token_refresh_failed(rejected: bool) {
    let reason = if rejected { "rejected" } else { "unavailable" };
    counter!(names::TOKEN_REFRESH_FAILURES, "reason" => reason).increment(1);
}

/// The current number of disconnected integrations.
pub fn integrations_disconnected(count: usize) {
    gauge!(names::INTEGRATIONS_DISCONNECTED).set(count as f64);
}

/// The current poll lag of a channel (the largest over its integrations).
pub fn poll_lag(channel: Channel, lag: Duration) {
    gauge!(names::POLL_LAG, "channel" => channel.as_str()).set(lag.as_secs_f64());
}

/// The worst-case staleness of a channel (the largest over its integrations).
pub fn poll_staleness_worst(channel: Channel, staleness: Duration) {
    gauge!(names::POLL_STALENESS_WORST, "channel" => channel.as_str()).set(staleness.as_secs_f64());
}

/// How long a message waited on `queue` (`poll_jobs`, `inbound`, `outbound`, `webhooks`).
pub fn queue_age(queue: &'static str, age: Duration) {
    histogram!(names::QUEUE_AGE, "queue" => queue).record(age.as_secs_f64());
}
