//! The ticket's state from the marketplace's: its status by the integration's mapping, when
//! the marketplace decided the case, and whether a person has to answer. The rules are one
//! table in `docs/architecture.md` ("Ticket state"); [`crate::services::timeline::summarize`]
//! applies them to a ticket's timeline.

use crate::domain::message::Turn;
use crate::domain::{StatusMapping, Ticket, TicketStatus};
use chrono::{DateTime, Utc};

/// What the marketplace says about the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Ongoing (also every status marketdesk does not know).
    Ongoing,
    /// Resolved: a dispute or a thread closed.
    Resolved,
    /// Closed without agreement.
    Unresolved,
    /// A claim accepted.
    ClaimAccepted,
    /// A claim rejected.
    ClaimRejected,
}

fn stage(marketplace_status: &str) -> Stage {
    match marketplace_status {
        "DISPUTE_CLOSED" | "CLOSED" => Stage::Resolved,
        "DISPUTE_UNRESOLVED" | "UNRESOLVED" => Stage::Unresolved,
        "CLAIM_ACCEPTED" => Stage::ClaimAccepted,
        "CLAIM_REJECTED" => Stage::ClaimRejected,
        _ => Stage::Ongoing,
    }
}

/// The ticket status for a marketplace status. Unknown values count as ongoing, so a new
/// marketplace state never hides a conversation from agents.
pub fn ticket_status(marketplace_status: &str, mapping: &StatusMapping) -> TicketStatus {
    match stage(marketplace_status) {
        Stage::Resolved => mapping.resolved.clone(),
        Stage::Unresolved => mapping.unresolved.clone(),
        Stage::ClaimAccepted => mapping.claim_accepted.clone(),
        Stage::ClaimRejected => mapping.claim_rejected.clone(),
        Stage::Ongoing => mapping.open.clone(),
    }
}

/// Whether the marketplace has decided the case (anything but ongoing). Claims take messages
/// after their decision, so a decided conversation may still be open for replies.
pub fn is_decided(marketplace_status: &str) -> bool {
    stage(marketplace_status) != Stage::Ongoing
}

/// Notes when the ticket's current marketplace status was first seen decided (`now`), and
/// forgets it when the case is ongoing again (a reopened dispute).
pub fn track_decision(ticket: &mut Ticket, now: DateTime<Utc>) {
    if is_decided(&ticket.marketplace_status) {
        ticket.decided_at.get_or_insert(now);
    } else {
        ticket.decided_at = None;
    }
}

/// Whether a person has to answer: never in a conversation closed for replies (nobody can);
/// otherwise when the latest message that counts leaves the turn to the seller, or the
/// latest reply failed and no seller answer reached the buyer since.
pub fn needs_reply(open_for_replies: bool, latest_turn: Option<Turn>, reply_failed: bool) -> bool {
    open_for_replies && (latest_turn == Some(Turn::SellerToAnswer) || reply_failed)
}

/// The status shown: the marketplace's by the mapping, except that a ticket waiting for a
/// person's answer is never solved or closed (it shows the mapping's `open`), e.g. a buyer
/// writing after their claim was accepted.
pub fn shown_status(
    marketplace_status: &str,
    needs_reply: bool,
    mapping: &StatusMapping,
) -> TicketStatus {
    if needs_reply {
        mapping.open.clone()
    } else {
        ticket_status(marketplace_status, mapping)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_integration_mapping() {
        let mapping = StatusMapping {
            resolved: TicketStatus::Closed,
            unresolved: TicketStatus::Pending,
            ..StatusMapping::default()
        };
        assert_eq!(
            ticket_status("DISPUTE_CLOSED", &mapping),
            TicketStatus::Closed
        );
        assert_eq!(
            ticket_status("DISPUTE_UNRESOLVED", &mapping),
            TicketStatus::Pending
        );
        assert_eq!(
            ticket_status("CLAIM_ACCEPTED", &mapping),
            TicketStatus::Solved
        );
        assert_eq!(
            ticket_status("CLAIM_REJECTED", &mapping),
            TicketStatus::Closed
        );
        assert_eq!(
            ticket_status("DISPUTE_ONGOING", &mapping),
            TicketStatus::Open
        );
        assert_eq!(
            ticket_status("SOMETHING_NEW_2027", &mapping),
            TicketStatus::Open
        );
    }

    #[test]
    fn decided_cases_are_the_ones_not_mapped_to_open() {
        for decided in [
            "DISPUTE_CLOSED",
            "DISPUTE_UNRESOLVED",
            "CLAIM_ACCEPTED",
            "CLAIM_REJECTED",
            "CLOSED",
        ] {
            assert!(is_decided(decided), "{decided}");
        }
        for ongoing in ["DISPUTE_ONGOING", "CLAIM_SUBMITTED", "OPEN", "", "NEW_2027"] {
            assert!(!is_decided(ongoing), "{ongoing}");
        }
    }

    #[test]
    fn a_ticket_waiting_for_a_person_is_never_shown_solved() {
        let mapping = StatusMapping {
            open: TicketStatus::Pending,
            ..StatusMapping::default()
        };
        assert_eq!(
            shown_status("CLAIM_ACCEPTED", true, &mapping),
            TicketStatus::Pending
        );
        assert_eq!(
            shown_status("CLAIM_ACCEPTED", false, &mapping),
            TicketStatus::Solved
        );
        assert!(!needs_reply(false, Some(Turn::SellerToAnswer), true));
        assert!(needs_reply(true, Some(Turn::Answered), true));
        assert!(!needs_reply(true, None, false));
    }
}
