//! The named views a ticket belongs to (assignee, queue, needs reply, ...), from the ticket as
//! it stands; `repo::views` keeps one index entry per view.

use super::author::AuthorKind;
use super::reply_state::ReplyState;
use super::ticket::Ticket;
use super::ticket_status::TicketStatus;
use crate::ids::UserId;

/// A named list of tickets an agent works from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    /// Open or pending, not snoozed, assigned to this user (`mine` for the caller).
    Assignee(UserId),
    /// Open or pending, not snoozed, nobody assigned.
    Unassigned,
    /// A person has to answer, not snoozed.
    NeedsReply,
    /// Waiting for the buyer (`pending`), not snoozed.
    Pending,
    /// The latest reply could not be sent (whatever the status).
    FailedDelivery,
    /// Only the autoresponder answered; a person still has to, not snoozed.
    Autoresponder,
    /// Snoozed.
    Snoozed,
    /// Open or pending, not snoozed, in this queue.
    Queue(String),
}

impl View {
    /// The views of one ticket as it stands.
    pub fn of(ticket: &Ticket) -> Vec<View> {
        let flow = &ticket.workflow;
        let snoozed = flow.snooze.is_some();
        let working =
            !snoozed && matches!(ticket.status, TicketStatus::Open | TicketStatus::Pending);
        let mut views = Vec::new();
        if working {
            match &flow.assignee {
                Some(user) => views.push(View::Assignee(user.clone())),
                None => views.push(View::Unassigned),
            }
            if let Some(queue) = &ticket.queue {
                views.push(View::Queue(queue.clone()));
            }
        }
        if !snoozed && ticket.needs_reply {
            views.push(View::NeedsReply);
            if ticket.last_author == Some(AuthorKind::Autoresponder) {
                views.push(View::Autoresponder);
            }
        }
        if !snoozed && ticket.status == TicketStatus::Pending {
            views.push(View::Pending);
        }
        if ticket.delivery == Some(ReplyState::Failed) {
            views.push(View::FailedDelivery);
        }
        if snoozed {
            views.push(View::Snoozed);
        }
        views
    }

    /// The view's name in the API (`assignee:<user id>`, `queue:<name>`).
    pub fn name(&self) -> String {
        match self {
            View::Assignee(user) => format!("assignee:{user}"),
            View::Unassigned => "unassigned".into(),
            View::NeedsReply => "needs_reply".into(),
            View::Pending => "pending".into(),
            View::FailedDelivery => "failed_delivery".into(),
            View::Autoresponder => "autoresponder".into(),
            View::Snoozed => "snoozed".into(),
            View::Queue(queue) => format!("queue:{queue}"),
        }
    }

    /// The views every tenant has, in the order they are shown (assignee and queue views
    /// aside).
    pub const FIXED: [View; 6] = [
        View::Unassigned,
        View::NeedsReply,
        View::Pending,
        View::FailedDelivery,
        View::Autoresponder,
        View::Snoozed,
    ];
}
