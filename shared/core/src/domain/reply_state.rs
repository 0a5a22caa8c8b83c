//! Where a reply stands on its way to the marketplace: shown on its message and its ticket
//! as well as kept with the reply, so it stands alone.

use serde::{Deserialize, Serialize};

/// Where a reply stands on its way to the marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReplyState {
    /// Stored and queued; the sender has not confirmed delivery yet.
    Sending,
    /// The marketplace has it (`external_id` set).
    Sent,
    /// Given up after retries or refused by the marketplace (`failure` says why).
    Failed,
    /// Not sent because it was no longer wanted (an autoresponse past its deadline, or the
    /// seller answered first); `failure` says why.
    Cancelled,
}

/// The delivery states a ticket's latest reply from marketdesk can be in and be listed by
/// (cancelled replies never count as the latest); `failed`: it could not be sent and the
/// ticket needs a reply.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryFilter {
    /// Still on its way.
    Sending,
    /// The marketplace has it.
    Sent,
    /// It could not be sent.
    Failed,
}

impl DeliveryFilter {
    /// The reply state this filter lists.
    pub fn state(self) -> ReplyState {
        match self {
            DeliveryFilter::Sending => ReplyState::Sending,
            DeliveryFilter::Sent => ReplyState::Sent,
            DeliveryFilter::Failed => ReplyState::Failed,
        }
    }
}
