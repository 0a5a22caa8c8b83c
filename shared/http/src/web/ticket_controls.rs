//! The ticket page's workflow controls (status, assignee, queue, category, tags, priority,
//! snooze) and the panel's SLA deadline and assignee. One form posts to
//! `POST /tickets/{id}/workflow`, which calls `services::workflow::patch` as
//! `PATCH /v1/tickets/{id}` does, sending only the fields that differ from the ticket (so
//! saving the form unchanged sets no manual status).

use super::format::time;
use super::i18n::Lang;
use super::Agent;
use crate::AppState;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Warsaw;
use marketdesk_core::domain::{Priority, Ticket, TicketStatus, User};
use marketdesk_core::services::people::users;
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::workflow::TicketPatch;
use serde::Deserialize;

/// The format of `<input type="datetime-local">` (minutes), in Europe/Warsaw.
const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// The words of the controls and the SLA line (Polish first).
pub(crate) struct ControlWords {
    pub heading: &'static str,
    pub status: &'static str,
    pub assignee: &'static str,
    pub nobody: &'static str,
    pub queue: &'static str,
    pub category: &'static str,
    pub tags: &'static str,
    pub tags_hint: &'static str,
    pub priority: &'static str,
    pub snooze_until: &'static str,
    pub snooze_hint: &'static str,
    pub save: &'static str,
    pub respond_by: &'static str,
    pub no_deadline: &'static str,
    pub shop_reply_needed: &'static str,
    pub ago: &'static str,
    pub left: &'static str,
    pub overdue: &'static str,
    pub snoozed_until: &'static str,
    pub saved: &'static str,
    pub unchanged: &'static str,
    pub bad_snooze: &'static str,
    pub not_saved: &'static str,
    pub low: &'static str,
    pub normal: &'static str,
    pub high: &'static str,
    pub urgent: &'static str,
}

static PL: ControlWords = ControlWords {
    heading: "Praca nad zgłoszeniem",
    status: "Status w marketdesk",
    assignee: "Przypisane do",
    nobody: "Nikt",
    queue: "Kolejka",
    category: "Kategoria",
    tags: "Tagi",
    tags_hint: "oddzielone przecinkami",
    priority: "Priorytet",
    snooze_until: "Uśpij do",
    snooze_hint: "czas polski; puste = nie usypiaj",
    save: "Zapisz zmiany",
    respond_by: "Termin odpowiedzi (SLA)",
    no_deadline: "Brak terminu — nikt nie czeka na odpowiedź",
    shop_reply_needed: "EmpikPlace czeka na odpowiedź sklepu od",
    ago: "temu",
    left: "zostało",
    overdue: "po terminie o",
    snoozed_until: "Uśpione do",
    saved: "Zapisano zmiany zgłoszenia.",
    unchanged: "Nic się nie zmieniło.",
    bad_snooze: "Uśpij do: podaj datę i godzinę (RRRR-MM-DDTGG:MM).",
    not_saved: "Nie zapisano",
    low: "Niski",
    normal: "Normalny",
    high: "Wysoki",
    urgent: "Pilny",
};

static EN: ControlWords = ControlWords {
    heading: "Working on it",
    status: "marketdesk status",
    assignee: "Assignee",
    nobody: "Nobody",
    queue: "Queue",
    category: "Category",
    tags: "Tags",
    tags_hint: "separated by commas",
    priority: "Priority",
    snooze_until: "Snooze until",
    snooze_hint: "Polish time; empty = not snoozed",
    save: "Save changes",
    respond_by: "Answer by (SLA)",
    no_deadline: "No deadline — nobody waits for an answer",
    shop_reply_needed: "EmpikPlace awaits the shop's answer since",
    ago: "ago",
    left: "left",
    overdue: "overdue by",
    snoozed_until: "Snoozed until",
    saved: "The ticket's changes were saved.",
    unchanged: "Nothing changed.",
    bad_snooze: "Snooze until: give a date and time (YYYY-MM-DDTHH:MM).",
    not_saved: "Not saved",
    low: "Low",
    normal: "Normal",
    high: "High",
    urgent: "Urgent",
};

/// The controls' words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static ControlWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// The flash messages of the controls, by code.
pub(crate) fn flash(lang: Lang, code: &str) -> Option<&'static str> {
    let w = words(lang);
    match code {
        "ticket_saved" => Some(w.saved),
        "ticket_unchanged" => Some(w.unchanged),
        _ => None,
    }
}

/// The priorities in the order the select shows them.
const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];

/// The statuses an agent can choose.
const STATUSES: [TicketStatus; 4] = [
    TicketStatus::Open,
    TicketStatus::Pending,
    TicketStatus::Solved,
    TicketStatus::Closed,
];

/// A priority's name in forms.
fn priority_code(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Urgent => "urgent",
    }
}

/// One option of a select.
pub(crate) struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What the controls and the panel's workflow lines show.
pub(crate) struct Controls {
    pub w: &'static ControlWords,
    pub action: String,
    pub statuses: Vec<Opt>,
    pub assignees: Vec<Opt>,
    pub priorities: Vec<Opt>,
    pub queue: String,
    pub category: String,
    pub tags: String,
    pub snooze: String,
    /// Why the last change was refused.
    pub error: Option<String>,
    /// The assignee's name (the panel line).
    pub assignee_name: Option<String>,
    /// The deadline in Warsaw time and how far it is, when one runs.
    pub respond_by: Option<Deadline>,
    /// Until when the ticket sleeps (Warsaw time).
    pub snoozed_until: Option<String>,
    /// EmpikPlace: since when Mirakl says the shop owes an answer (its own clock, shown
    /// beside the SLA deadline).
    pub shop_reply_needed: Option<Deadline>,
}

/// An SLA deadline as the panel shows it.
pub(crate) struct Deadline {
    pub at: String,
    pub at_iso: String,
    /// `12 h 5 min left` or `overdue by 3 h`.
    pub distance: String,
    pub overdue: bool,
}

/// The values the form holds (the ticket's, or what was typed before a refusal).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct ControlsForm {
    /// The session's CSRF token (checked by `workflow_form::update`).
    #[serde(default)]
    pub(crate) csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    snooze_until: String,
}

impl ControlsForm {
    /// The form as the ticket stands.
    fn of(ticket: &Ticket) -> Self {
        let flow = &ticket.workflow;
        Self {
            csrf: String::new(),
            status: ticket.status.as_str().to_owned(),
            assignee: flow
                .assignee
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            queue: ticket.queue.clone().unwrap_or_default(),
            category: ticket.category.clone().unwrap_or_default(),
            tags: flow.tags.join(", "),
            priority: priority_code(flow.priority).to_owned(),
            snooze_until: flow
                .snooze
                .as_ref()
                .map(|s| local(s.until))
                .unwrap_or_default(),
        }
    }
}

/// A time as `datetime-local` shows it, in Warsaw.
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Warsaw).format(LOCAL_FORMAT).to_string()
}

/// A `datetime-local` value read as Warsaw time (the earlier instant when clocks go back).
fn parse_local(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), LOCAL_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Warsaw
        .from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
}

/// `3 h 5 min`, `2 d 4 h` or `12 min`.
fn span(minutes: i64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h"),
    }
}

/// The deadline line at `now`.
pub(crate) fn deadline(
    w: &ControlWords,
    t: &super::i18n::Strings,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Deadline {
    let (shown, iso) = time(t, at);
    let minutes = (at - now).num_minutes();
    let overdue = minutes < 0;
    Deadline {
        at: shown,
        at_iso: iso,
        distance: if overdue {
            format!("{} {}", w.overdue, span(-minutes))
        } else {
            format!("{} {}", span(minutes), w.left)
        },
        overdue,
    }
}

/// The controls of `ticket` for `lang`: `typed` are the values of a refused form.
pub(crate) fn controls(
    lang: Lang,
    ticket: &Ticket,
    people: &[User],
    now: DateTime<Utc>,
    typed: Option<(ControlsForm, String)>,
) -> Controls {
    let w = words(lang);
    let t = lang.strings();
    let (form, error) = match typed {
        Some((form, error)) => (form, Some(error)),
        None => (ControlsForm::of(ticket), None),
    };
    let statuses = STATUSES
        .iter()
        .map(|s| Opt {
            value: s.as_str().to_owned(),
            label: t.status(s).to_owned(),
            selected: form.status == s.as_str(),
        })
        .collect();
    let mut assignees = vec![Opt {
        value: String::new(),
        label: w.nobody.to_owned(),
        selected: form.assignee.is_empty(),
    }];
    // Active people can be chosen; a deactivated assignee stays shown as they are.
    for user in people {
        let id = user.id.to_string();
        if user.active || id == form.assignee {
            assignees.push(Opt {
                selected: id == form.assignee,
                value: id,
                label: user.name.clone(),
            });
        }
    }
    let priorities = PRIORITIES
        .iter()
        .map(|p| Opt {
            value: priority_code(*p).to_owned(),
            label: match p {
                Priority::Low => w.low,
                Priority::Normal => w.normal,
                Priority::High => w.high,
                Priority::Urgent => w.urgent,
            }
            .to_owned(),
            selected: form.priority == priority_code(*p),
        })
        .collect();
    let flow = &ticket.workflow;
    Controls {
        w,
        action: format!("/tickets/{}/workflow", ticket.id),
        statuses,
        assignees,
        priorities,
        queue: form.queue,
        category: form.category,
        tags: form.tags,
        snooze: form.snooze_until,
        error,
        assignee_name: flow.assignee.as_ref().map(|id| {
            people
                .iter()
                .find(|u| &u.id == id)
                .map_or_else(|| id.to_string(), |u| u.name.clone())
        }),
        respond_by: flow.respond_by.map(|at| deadline(w, t, at, now)),
        snoozed_until: flow.snooze.as_ref().map(|s| time(t, s.until).0),
        shop_reply_needed: ticket.shop_reply_needed_since.map(|since| {
            let (at, at_iso) = time(t, since);
            Deadline {
                at,
                at_iso,
                distance: format!("{} {}", span((now - since).num_minutes().max(0)), w.ago),
                overdue: false,
            }
        }),
    }
}

/// A text field: `None` when it says what the ticket has, else the new value (`None` inside
/// when emptied).
fn changed_label(typed: &str, current: Option<&String>) -> Option<Option<String>> {
    let typed = typed.trim();
    let now = current.map(|c| c.as_str()).unwrap_or_default();
    (typed != now).then(|| Some(typed.to_owned()).filter(|t| !t.is_empty()))
}

/// The patch of what the form changes on `ticket` (`Err` with the refusal when the snooze
/// time cannot be read).
pub(crate) fn patch_of(
    w: &ControlWords,
    form: &ControlsForm,
    ticket: &Ticket,
) -> Result<TicketPatch, String> {
    let current = ControlsForm::of(ticket);
    let status = STATUSES
        .iter()
        .find(|s| s.as_str() == form.status && form.status != current.status)
        .cloned();
    let assignee = (form.assignee != current.assignee)
        .then(|| Some(form.assignee.clone()).filter(|a| !a.is_empty()));
    let tags: Vec<String> = form
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let tags = (tags != ticket.workflow.tags).then_some(tags);
    let priority = PRIORITIES
        .iter()
        .find(|p| priority_code(**p) == form.priority && form.priority != current.priority)
        .copied();
    let snooze_until = if form.snooze_until.trim() == current.snooze_until {
        None
    } else if form.snooze_until.trim().is_empty() {
        Some(None)
    } else {
        Some(Some(
            parse_local(&form.snooze_until).ok_or_else(|| w.bad_snooze.to_owned())?,
        ))
    };
    Ok(TicketPatch {
        status,
        assignee,
        queue: changed_label(&form.queue, ticket.queue.as_ref()),
        category: changed_label(&form.category, ticket.category.as_ref()),
        tags,
        priority,
        snooze_until,
    })
}

/// Whether a patch changes nothing.
pub(crate) fn is_empty(patch: &TicketPatch) -> bool {
    patch.status.is_none()
        && patch.assignee.is_none()
        && patch.queue.is_none()
        && patch.category.is_none()
        && patch.tags.is_none()
        && patch.priority.is_none()
        && patch.snooze_until.is_none()
}

/// The tenant's people for the assignee select.
pub(crate) async fn people(state: &AppState, agent: &Agent) -> Result<Vec<User>, RequestError> {
    users::list(&state.ports, &agent.caller.tenant_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snooze_times_are_read_in_warsaw_time() {
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(
            parse_local("2027-01-15T09:30").map(|t| t.to_rfc3339()),
            Some("2027-01-15T08:30:00+00:00".to_owned())
        );
        assert_eq!(
            parse_local("2027-07-15T09:30").map(|t| t.to_rfc3339()),
            Some("2027-07-15T07:30:00+00:00".to_owned())
        );
        assert_eq!(parse_local("jutro"), None);
        let at = parse_local("2027-07-15T09:30").unwrap();
        assert_eq!(local(at), "2027-07-15T09:30");
    }

    #[test]
    fn spans_read_in_days_hours_and_minutes() {
        assert_eq!(span(12), "12 min");
        assert_eq!(span(185), "3 h 5 min");
        assert_eq!(span(2 * 1440 + 240), "2 d 4 h");
    }
}
