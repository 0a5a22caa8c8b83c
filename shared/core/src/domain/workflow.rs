//! What agents decide about a ticket (assignee, queue, tags, priority, snooze, a status they
//! set by hand) and the SLA clock; the named views a ticket belongs to are `domain::view`.
//!
//! The rules that combine an agent's status with the marketplace's are one table in
//! `docs/architecture.md` ("Ticket workflow"); `services::workflow` applies them.

use super::business_hours::BusinessHours;
use super::ticket_status::TicketStatus;
use super::Actor;
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How urgent a ticket is (agents set it; nothing else changes it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Before the others.
    High,
    /// At once.
    Urgent,
}

/// A status an agent set by hand. It holds until the next buyer or marketplace event: a
/// buyer-side message newer than any known when it was set, or a change of the marketplace's
/// status or of whether the conversation takes messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualStatus {
    /// The status chosen.
    pub status: TicketStatus,
    /// When it was set.
    pub set_at: DateTime<Utc>,
    /// The latest buyer-side message known then (`null`: none yet); a later one ends it.
    pub buyer_seen_at: Option<DateTime<Utc>>,
    /// The marketplace status then; a different one ends it.
    pub marketplace_status: String,
    /// Whether the conversation took messages then; a change ends it.
    pub open_for_replies: bool,
}

/// A snooze: the ticket leaves the working views until `until` or the buyer's next message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Snooze {
    /// When it comes back.
    pub until: DateTime<Utc>,
    /// The latest buyer-side message known when it was snoozed; a later one wakes it.
    pub buyer_seen_at: Option<DateTime<Utc>>,
}

/// Which response target a deadline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// No person has answered the buyer yet.
    FirstResponse,
    /// A person answered before; the buyer wrote again.
    NextResponse,
}

/// The running SLA clock of a ticket that waits for a person's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaClock {
    /// Which target applies.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub target: SlaTarget,
    /// The buyer's message that started the wait (or the failed reply's writing time).
    pub started_at: DateTime<Utc>,
    /// The deadline: the target in business time after `started_at`.
    pub respond_by: DateTime<Utc>,
    /// When the deadline counts as near (the warning's business time before it).
    pub warn_at: DateTime<Utc>,
    /// Whether the "deadline near" notice was sent (or is no longer worth sending).
    #[serde(default)]
    pub nearing_notified: bool,
    /// Whether the "deadline passed" notice was sent.
    #[serde(default)]
    pub breach_notified: bool,
}

impl SlaClock {
    /// When the next notice is due, `None` when both went out.
    pub fn next_alert_at(&self) -> Option<DateTime<Utc>> {
        if !self.nearing_notified {
            Some(self.warn_at)
        } else if !self.breach_notified {
            Some(self.respond_by)
        } else {
            None
        }
    }
}

/// A ticket's workflow fields, shown at the top level of the ticket beside the marketplace's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketWorkflow {
    /// The user working on it (a user of the tenant).
    #[serde(default)]
    pub assignee: Option<UserId>,
    /// Free labels, trimmed, without duplicates.
    #[serde(default)]
    pub tags: Vec<String>,
    /// How urgent it is.
    #[serde(default)]
    pub priority: Priority,
    /// The snooze, while it lasts.
    #[serde(default)]
    pub snooze: Option<Snooze>,
    /// A status an agent set, while it holds.
    #[serde(default)]
    pub manual_status: Option<ManualStatus>,
    /// Who changed the workflow fields last (a user or an API key).
    #[serde(default)]
    pub updated_by: Option<Actor>,
    /// When a person has to answer by (business time), while one has to.
    #[serde(default)]
    pub respond_by: Option<DateTime<Utc>>,
    /// The SLA clock behind `respond_by`.
    #[serde(default)]
    pub sla: Option<SlaClock>,
}

/// Response targets of one integration, counted in business time on its calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlaSettings {
    /// Business hours for a person's first answer to a conversation.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub first_response_hours: u32,
    /// Business hours for a person's answer when the buyer writes again after one.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub next_response_hours: u32,
    /// Business minutes before the deadline at which the "deadline near" notice goes out.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10080))]
    pub warn_before_minutes: u32,
    /// Working days and hours (Europe/Warsaw); `end` may be `24:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = SlaHours))]
    pub business_hours: BusinessHours,
    /// Whether Polish public holidays are days off.
    pub holidays_off: bool,
}

impl Default for SlaSettings {
    fn default() -> Self {
        Self {
            first_response_hours: 24,
            next_response_hours: 24,
            warn_before_minutes: 120,
            business_hours: BusinessHours {
                days: vec![1, 2, 3, 4, 5],
                start: "00:00".into(),
                end: "24:00".into(),
            },
            holidays_off: true,
        }
    }
}
