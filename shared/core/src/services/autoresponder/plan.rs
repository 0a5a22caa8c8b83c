//! Planning at ingest: which opening a conversation is in, and the autoresponse owed to the
//! buyer's first message of that opening. Pure functions over the ticket and its timeline.

use crate::domain::{
    AutoreplyPlan, AutoreplyState, AutoresponderSettings, Message, ReplyState, Ticket,
};
use crate::ids::{MessageId, TicketId};
use chrono::{DateTime, Duration, Utc};

/// Latest an autoresponse may go out after the buyer's message.
pub const DEADLINE: Duration = Duration::minutes(60);

/// The autoresponse reply id of one opening of a ticket.
pub fn reply_id(ticket: &TicketId, opening: u32) -> MessageId {
    MessageId(format!("auto-{ticket}-{opening}"))
}

/// Notes closings and reopenings: a conversation seen closed and then open again starts a
/// new opening, whose messages are those written after the closing was seen.
pub fn track_opening(ticket: &mut Ticket, was_open: bool, now: DateTime<Utc>) {
    match (was_open, ticket.open_for_replies) {
        (true, false) => ticket.closed_at = Some(now),
        (false, true) => {
            if let Some(closed) = ticket.closed_at.take() {
                ticket.opening += 1;
                ticket.opening_after = Some(closed);
            }
        }
        _ => {}
    }
}

/// Whether `message` is a seller's answer (sent, or on its way) — one written on the
/// marketplace's site counts too.
pub fn is_seller_answer(message: &Message) -> bool {
    message.author.is_seller_answer()
        && message
            .delivery
            .as_ref()
            .is_none_or(|d| matches!(d.state, ReplyState::Sending | ReplyState::Sent))
}

/// Why the plan cannot be answered any more, if it cannot.
pub fn reason_to_skip(
    plan: &AutoreplyPlan,
    ticket: &Ticket,
    timeline: &[Message],
    now: DateTime<Utc>,
) -> Option<String> {
    if timeline
        .iter()
        .any(|m| is_seller_answer(m) && m.created_at >= plan.buyer_message_at)
    {
        return Some("the seller answered the buyer first".into());
    }
    if !ticket.open_for_replies {
        return Some("the conversation is closed".into());
    }
    if now > plan.deadline {
        return Some(format!(
            "more than {} minutes passed since the buyer's message",
            DEADLINE.num_minutes()
        ));
    }
    None
}

/// Plans the autoresponse for the current opening, once: when the autoresponder answers this
/// kind of conversation and the opening has a buyer message (or the buyer's opening written by
/// the marketplace for them). A plan that cannot be answered
/// any more (the seller answered, too late) is recorded as skipped at once.
pub fn plan(
    ticket: &mut Ticket,
    timeline: &[Message],
    settings: &AutoresponderSettings,
    now: DateTime<Utc>,
) {
    let current = ticket.opening;
    if let Some(pending) = ticket
        .autoreply
        .as_mut()
        .filter(|p| p.opening == current && p.state == AutoreplyState::Pending)
    {
        // Newly read messages may settle it before its time (the seller answered meanwhile).
        let snapshot = pending.clone();
        let probe = Ticket {
            autoreply: None,
            ..ticket.clone()
        };
        if let Some(reason) = reason_to_skip(&snapshot, &probe, timeline, now) {
            if let Some(plan) = ticket.autoreply.as_mut() {
                plan.state = AutoreplyState::Skipped;
                plan.skip_reason = Some(reason);
            }
        }
        return;
    }
    let planned = ticket
        .autoreply
        .as_ref()
        .is_some_and(|p| p.opening == ticket.opening);
    if planned
        || !settings.enabled
        || !settings.kinds.contains(&ticket.conversation.kind)
        || !ticket.open_for_replies
    {
        return;
    }
    let first = timeline
        .iter()
        // The buyer's opening may be written by the marketplace for them (Allegro's
        // assistant); marketplace notices and staff messages are nobody's first message.
        .filter(|m| m.author.speaks_for_buyer())
        .filter(|m| {
            ticket
                .opening_after
                .is_none_or(|after| m.created_at > after)
        })
        .min_by_key(|m| m.created_at);
    let Some(first) = first else {
        return;
    };
    let delay = Duration::minutes(i64::from(settings.delay_minutes));
    let mut plan = AutoreplyPlan {
        opening: ticket.opening,
        buyer_message_id: first
            .external_id
            .clone()
            .unwrap_or_else(|| first.id.to_string()),
        buyer_message_at: first.created_at,
        due_at: first.created_at + delay,
        deadline: first.created_at + DEADLINE,
        state: AutoreplyState::Pending,
        skip_reason: None,
    };
    if let Some(reason) = reason_to_skip(&plan, ticket, timeline, now) {
        plan.state = AutoreplyState::Skipped;
        plan.skip_reason = Some(reason);
    }
    ticket.autoreply = Some(plan);
}
