//! Opening hours: when the autoresponder answers in or out of hours and the SLA clock counts
//! business time (`IntegrationSettings::autoresponder`, `SlaSettings`).

use serde::{Deserialize, Serialize};

/// Opening hours in Europe/Warsaw local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// Working days, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// Opening time, `HH:MM`.
    pub start: String,
    /// Closing time, `HH:MM` (after `start`).
    pub end: String,
}
