//! The SLA clock: when a person has to answer by (`respond_by`), counted in business time on
//! the integration's calendar, and the notices sent once each when the deadline nears and
//! when it passes.
//!
//! The clock starts at the buyer's first message after a person's last answer (an agent's
//! reply that reached the buyer, or the seller writing on the marketplace's site); an
//! autoresponse does not stop it. With no person's answer before, the first-response target
//! applies, else the next-response target. It stops (cleared) whenever the ticket needs no
//! reply. Notices: the scheduler tick reads the sparse GSI1 `SLA_DUE` (`repo::views`) up to
//! now, marks the ticket first (a versioned write) and then e-mails the assignee, or the
//! integration's `alert_emails` when nobody (active) is assigned.

use super::request::RequestError;
use super::ServiceError;
use crate::domain::{
    AuthorKind, BusinessHours, Integration, Message, ReplyState, SlaClock, SlaSettings, SlaTarget,
    Ticket, Turn,
};
use crate::ids::{TenantId, TicketId};
use crate::ports::{Index, Notification, NotifyError, Ports, Query, SortKeyCondition};
use crate::repo::{decode, integrations, is_conflict, tickets, users, views, RepoError};
use crate::sla::BusinessCalendar;
use crate::status;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// Longest response target, in business hours (a month of whole days).
pub const MAX_TARGET_HOURS: u32 = 720;
/// Longest warning before a deadline, in business minutes.
pub const MAX_WARN_MINUTES: u32 = 7 * 24 * 60;
/// Most due notices handled per tick (the rest wait for the next one).
pub const BATCH: u32 = 200;
/// How often a lost race on one ticket is retried.
const ATTEMPTS: usize = 5;

/// SLA settings to change (`settings.sla` of an integration); absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPatch {
    /// Business hours for a person's first answer (1–720, default 24).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub first_response_hours: Option<u32>,
    /// Business hours for an answer after the buyer wrote again (1–720, default 24).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub next_response_hours: Option<u32>,
    /// Business minutes before the deadline for the "deadline near" notice (default 120; 0:
    /// none).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10080))]
    pub warn_before_minutes: Option<u32>,
    /// Working days and hours (Europe/Warsaw); `end` may be `24:00`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<SlaHours>))]
    pub business_hours: Option<BusinessHours>,
    /// Whether Polish public holidays are days off (default true).
    #[serde(default)]
    pub holidays_off: Option<bool>,
}

/// Business hours as `settings.sla` takes them (a [`BusinessHours`] whose `end` may be
/// `24:00`): the document's schema only.
#[cfg(feature = "openapi")]
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SlaHours {
    /// 1 = Monday … 7 = Sunday.
    #[schema(min_items = 1, minimum = 1, maximum = 7)]
    days: Vec<u16>,
    /// Europe/Warsaw.
    #[schema(pattern = r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$", example = "08:00")]
    start: String,
    /// Europe/Warsaw; after `start`; `24:00` is the end of the day.
    #[schema(
        pattern = r"^\s*(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)\s*$",
        example = "24:00"
    )]
    end: String,
}

/// Applies a patch of `settings.sla`.
pub fn apply_patch(settings: &mut SlaSettings, patch: SlaPatch) {
    if let Some(hours) = patch.first_response_hours {
        settings.first_response_hours = hours;
    }
    if let Some(hours) = patch.next_response_hours {
        settings.next_response_hours = hours;
    }
    if let Some(minutes) = patch.warn_before_minutes {
        settings.warn_before_minutes = minutes;
    }
    if let Some(hours) = patch.business_hours {
        settings.business_hours = hours;
    }
    if let Some(off) = patch.holidays_off {
        settings.holidays_off = off;
    }
}

/// Checks `settings.sla`, naming the field at fault.
pub fn validate(settings: &SlaSettings) -> Result<(), RequestError> {
    for (field, hours) in [
        (
            "settings.sla.first_response_hours",
            settings.first_response_hours,
        ),
        (
            "settings.sla.next_response_hours",
            settings.next_response_hours,
        ),
    ] {
        if !(1..=MAX_TARGET_HOURS).contains(&hours) {
            return Err(RequestError::invalid(
                field,
                format!("must be 1 to {MAX_TARGET_HOURS} business hours"),
            ));
        }
    }
    if settings.warn_before_minutes > MAX_WARN_MINUTES {
        return Err(RequestError::invalid(
            "settings.sla.warn_before_minutes",
            format!("must be 0 to {MAX_WARN_MINUTES} minutes"),
        ));
    }
    check_hours(&settings.business_hours)?;
    BusinessCalendar::new(&settings.business_hours, settings.holidays_off)
        .map_err(|e| RequestError::invalid("settings.sla.business_hours", e.to_string()))?;
    Ok(())
}

/// Working days and hours: known days, `H:MM`/`HH:MM` times (the end may be `24:00`),
/// opening before closing.
fn check_hours(hours: &BusinessHours) -> Result<(), RequestError> {
    let field = "settings.sla.business_hours";
    if hours.days.is_empty() || hours.days.iter().any(|d| !(1..=7).contains(d)) {
        return Err(RequestError::invalid(
            format!("{field}.days"),
            "must list working days as numbers 1 (Monday) to 7 (Sunday)",
        ));
    }
    let start = super::validation::clock_time(&hours.start).ok_or_else(|| {
        RequestError::invalid(format!("{field}.start"), "must be a time such as 08:00")
    })?;
    if hours.end.trim() == "24:00" {
        return Ok(());
    }
    let end = super::validation::clock_time(&hours.end).ok_or_else(|| {
        RequestError::invalid(
            format!("{field}.end"),
            "must be a time such as 16:00, or 24:00 for the end of the day",
        )
    })?;
    if end <= start {
        return Err(RequestError::invalid(
            format!("{field}.end"),
            "must be after the start (Europe/Warsaw time)",
        ));
    }
    Ok(())
}

/// The calendar of the settings, or the default one if they are broken (they are checked
/// when saved, so only a hand-edited store gets there).
fn calendar(settings: &SlaSettings) -> Option<BusinessCalendar> {
    BusinessCalendar::new(&settings.business_hours, settings.holidays_off)
        .or_else(|_| {
            let fallback = SlaSettings::default();
            BusinessCalendar::new(&fallback.business_hours, fallback.holidays_off)
        })
        .ok()
}

/// Whether an entry of the timeline reached the buyer (marketplace messages, sent replies).
fn reached_the_buyer(message: &Message) -> bool {
    message.author.is_public()
        && message
            .delivery
            .as_ref()
            .is_none_or(|d| d.state == ReplyState::Sent)
}

/// Whether a message asks the seller for an answer on the buyer's side (the buyer, the
/// marketplace for them, an adviser): the autoresponder's does not.
pub fn is_buyer_side(author: AuthorKind) -> bool {
    author.turn() == Turn::SellerToAnswer && author != AuthorKind::Autoresponder
}

/// Sets or clears the ticket's SLA clock and `respond_by` from its timeline (after the
/// summary decided `needs_reply`). A clock that is the same as before keeps its notice
/// marks; a new one whose times already passed when it starts (an imported old conversation)
/// starts with those notices marked, so connecting an account sends no flood of e-mails.
pub fn update_clock(
    ticket: &mut Ticket,
    timeline: &[Message],
    settings: &SlaSettings,
    now: DateTime<Utc>,
) {
    if !ticket.needs_reply {
        ticket.workflow.sla = None;
        ticket.workflow.respond_by = None;
        return;
    }
    let visible: Vec<&Message> = timeline.iter().filter(|m| reached_the_buyer(m)).collect();
    let decided_at = ticket
        .decided_at
        .filter(|_| status::is_decided(&ticket.marketplace_status));
    let last_person = visible
        .iter()
        .filter(|m| m.author.is_seller_answer())
        .map(|m| m.created_at)
        .max();
    let waiting_since = visible
        .iter()
        .filter(|m| is_buyer_side(m.author))
        .filter(|m| last_person.is_none_or(|p| m.created_at > p))
        .filter(|m| decided_at.is_none_or(|d| m.created_at > d))
        .map(|m| m.created_at)
        .min();
    let failed_reply = timeline
        .iter()
        .filter(|m| {
            m.delivery
                .as_ref()
                .is_some_and(|d| d.state == ReplyState::Failed)
        })
        .map(|m| m.created_at)
        .max();
    let started_at = waiting_since.or(failed_reply).unwrap_or(ticket.updated_at);
    let target = if last_person.is_some_and(|p| p < started_at) {
        SlaTarget::NextResponse
    } else {
        SlaTarget::FirstResponse
    };
    let hours = match target {
        SlaTarget::FirstResponse => settings.first_response_hours,
        SlaTarget::NextResponse => settings.next_response_hours,
    };
    let Some(calendar) = calendar(settings) else {
        return;
    };
    let span = Duration::hours(i64::from(hours));
    let warn = Duration::minutes(i64::from(settings.warn_before_minutes)).min(span);
    let respond_by = calendar.add(started_at, span);
    let warn_at = calendar.add(started_at, span - warn);
    let same = ticket.workflow.sla.as_ref().filter(|clock| {
        clock.started_at == started_at && clock.target == target && clock.respond_by == respond_by
    });
    let clock = match same {
        Some(clock) => SlaClock {
            warn_at,
            ..clock.clone()
        },
        None => SlaClock {
            target,
            started_at,
            respond_by,
            warn_at,
            nearing_notified: now >= warn_at || warn.is_zero(),
            breach_notified: now >= respond_by,
        },
    };
    ticket.workflow.respond_by = Some(clock.respond_by);
    ticket.workflow.sla = Some(clock);
}

/// Which notice is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The deadline is near.
    Nearing,
    /// The deadline passed.
    Breached,
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaReport {
    /// "Deadline near" notices sent.
    pub nearing: usize,
    /// "Deadline passed" notices sent.
    pub breached: usize,
    /// Tickets that failed this tick (tried again on the next).
    pub failed: usize,
}

/// Sends every SLA notice due at `now`, once each.
pub async fn notify_due(ports: &Ports, now: DateTime<Utc>) -> Result<SlaReport, ServiceError> {
    let page = ports
        .store
        .query(
            &Query::index(Index::Gsi1, views::SLA_DUE.to_owned())
                .sort(SortKeyCondition::AtMost(views::due_until(now)))
                .limit(BATCH),
        )
        .await
        .map_err(RepoError::from)?;
    let mut report = SlaReport::default();
    for item in &page.items {
        let due: DueEntry = decode(item)?;
        match notify_one(ports, &due.tenant_id, &due.ticket_id, now).await {
            Ok(Some(Notice::Nearing)) => report.nearing += 1,
            Ok(Some(Notice::Breached)) => report.breached += 1,
            Ok(None) => {}
            Err(error) => {
                tracing::warn!(ticket = %due.ticket_id, %error, "SLA notice not sent; next tick tries again");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

#[derive(Deserialize)]
struct DueEntry {
    tenant_id: TenantId,
    ticket_id: TicketId,
}

/// The notice due for a clock at `now`, if any: only the breach when both are due.
pub fn notice_due(clock: &SlaClock, now: DateTime<Utc>) -> Option<Notice> {
    if !clock.breach_notified && now >= clock.respond_by {
        Some(Notice::Breached)
    } else if !clock.nearing_notified && now >= clock.warn_at {
        Some(Notice::Nearing)
    } else {
        None
    }
}

/// Marks and sends the notice due on one ticket. The mark is written before the e-mail goes
/// out, so repeated ticks and concurrent schedulers send it once; when the notifier is
/// unavailable the mark is taken back and the next tick tries again.
pub async fn notify_one(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    now: DateTime<Utc>,
) -> Result<Option<Notice>, ServiceError> {
    let Some((ticket, notice)) = mark(ports, tenant, ticket_id, now, None).await? else {
        return Ok(None);
    };
    let store = &*ports.store;
    let Some(integration) = integrations::get(store, tenant, &ticket.integration_id)
        .await?
        .map(|i| i.value)
    else {
        return Ok(Some(notice));
    };
    let to = recipients(ports, &ticket, &integration).await?;
    if to.is_empty() {
        tracing::info!(ticket = %ticket.id, "SLA notice due but nobody to tell (no assignee, no alert_emails)");
        return Ok(Some(notice));
    }
    let notification = notification(&ticket, &integration, notice, to);
    match ports.notifier.notify(&notification).await {
        Ok(()) => Ok(Some(notice)),
        Err(NotifyError::Invalid(problem)) => {
            tracing::warn!(ticket = %ticket.id, %problem, "the SLA notice cannot be sent");
            Ok(Some(notice))
        }
        Err(NotifyError::Unavailable(problem)) => {
            mark(ports, tenant, ticket_id, now, Some(notice)).await?;
            Err(ServiceError::Unavailable(format!(
                "the SLA notice for ticket {ticket_id} could not be sent: {problem}"
            )))
        }
    }
}

/// Sets the mark of the notice due at `now`, or takes back the mark of `revert`; the ticket
/// as written and the notice.
async fn mark(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    now: DateTime<Utc>,
    revert: Option<Notice>,
) -> Result<Option<(Ticket, Notice)>, ServiceError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = tickets::get(store, tenant, ticket_id).await? else {
            return Ok(None);
        };
        let mut ticket = stored.value.clone();
        let Some(clock) = ticket.workflow.sla.as_mut() else {
            return Ok(None);
        };
        let notice = match (revert, notice_due(clock, now)) {
            (None, Some(Notice::Breached)) => {
                clock.breach_notified = true;
                clock.nearing_notified = true;
                Notice::Breached
            }
            (None, Some(Notice::Nearing)) => {
                clock.nearing_notified = true;
                Notice::Nearing
            }
            (None, None) => return Ok(None),
            (Some(Notice::Breached), _) if clock.breach_notified => {
                clock.breach_notified = false;
                Notice::Breached
            }
            (Some(Notice::Nearing), _) if clock.nearing_notified => {
                clock.nearing_notified = false;
                Notice::Nearing
            }
            (Some(_), _) => return Ok(None),
        };
        match tickets::update(store, &ticket, stored.version).await {
            Ok(()) => return Ok(Some((ticket, notice))),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::Unavailable(format!(
        "ticket {ticket_id} kept changing; its SLA notice waits for the next tick"
    )))
}

/// The assignee's address when an active user is assigned, else the integration's alert
/// addresses.
async fn recipients(
    ports: &Ports,
    ticket: &Ticket,
    integration: &Integration,
) -> Result<Vec<String>, ServiceError> {
    if let Some(user) = &ticket.workflow.assignee {
        if let Some(stored) = users::get(&*ports.store, &ticket.tenant_id, user).await? {
            if stored.value.user.active {
                return Ok(vec![stored.value.user.email]);
            }
        }
    }
    Ok(integration.settings.alert_emails.clone())
}

fn notification(
    ticket: &Ticket,
    integration: &Integration,
    notice: Notice,
    to: Vec<String>,
) -> Notification {
    let respond_by = ticket
        .workflow
        .respond_by
        .map(|t| {
            t.with_timezone(&chrono_tz::Europe::Warsaw)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let (subject, opening) = match notice {
        Notice::Nearing => (
            format!(
                "marketdesk: answer {} soon ({})",
                ticket.buyer_login, integration.display_name
            ),
            format!("The answer to ticket {} is due by {respond_by} (Warsaw time).", ticket.id),
        ),
        Notice::Breached => (
            format!(
                "marketdesk: the answer to {} is overdue ({})",
                ticket.buyer_login, integration.display_name
            ),
            format!(
                "The answer to ticket {} was due by {respond_by} (Warsaw time) and nobody has answered yet.",
                ticket.id
            ),
        ),
    };
    Notification {
        to,
        subject,
        body: format!(
            "{opening}\nSubject: \"{subject}\"\nBuyer: {buyer}\nShop: {shop}\n",
            subject = ticket.subject,
            buyer = ticket.buyer_login,
            shop = integration.display_name,
        ),
    }
}
