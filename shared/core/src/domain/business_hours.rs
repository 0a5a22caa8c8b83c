//! Opening hours: when the autoresponder answers in or out of hours and the SLA clock counts
//! business time (`IntegrationSettings::autoresponder`, `SlaSettings`).

use serde::{Deserialize, Serialize};

/// Opening hours in Europe/Warsaw local time.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// Working days, 1 = Monday … 7 = Sunday.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u32>, min_items = 1, minimum = 1, maximum = 7))]
    pub days: Vec<u8>,
    /// Opening time, `HH:MM`, Europe/Warsaw.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$", example = "08:00")
    )]
    pub start: String,
    /// Closing time, `HH:MM`, Europe/Warsaw; after `start`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9]\s*$", example = "16:00")
    )]
    pub end: String,
}
