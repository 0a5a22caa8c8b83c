//! Where a ticket stands in the seller's workflow: the status the marketplace's state maps to
//! (`IntegrationSettings::status_mapping`) and the one an agent sets by hand
//! (`workflow::ManualStatus`).

use serde::{Deserialize, Serialize};

/// Where a ticket stands in the seller's workflow.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Needs attention.
    Open,
    /// Waiting for the buyer.
    Pending,
    /// The problem is solved.
    Solved,
    /// Closed without further work.
    Closed,
}

impl TicketStatus {
    /// The status's name in keys and filters.
    pub fn as_str(&self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::Solved => "solved",
            TicketStatus::Closed => "closed",
        }
    }
}
