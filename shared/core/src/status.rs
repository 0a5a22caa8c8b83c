//! Marketplace conversation states → ticket statuses, by the integration's mapping.

use crate::domain::{StatusMapping, TicketStatus};

/// The ticket status for a marketplace status. Unknown values count as ongoing, so a new
/// marketplace state never hides a conversation from agents.
pub fn ticket_status(marketplace_status: &str, mapping: &StatusMapping) -> TicketStatus {
    match marketplace_status {
        "DISPUTE_CLOSED" | "CLOSED" => mapping.resolved.clone(),
        "DISPUTE_UNRESOLVED" | "UNRESOLVED" => mapping.unresolved.clone(),
        "CLAIM_ACCEPTED" => mapping.claim_accepted.clone(),
        "CLAIM_REJECTED" => mapping.claim_rejected.clone(),
        _ => mapping.open.clone(),
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
}
