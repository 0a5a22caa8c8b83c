//! Poll cursors: how far each integration's channel has been read.

use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One marketplace inbox an integration is polled on. `allegro_orders`: the order journal,
/// polled for Allegro accounts with orders switched on; `allegro_offers`: the offers and their
/// journal, for Allegro accounts with offers switched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Allegro post-purchase issues (`/sale/issues`: disputes and claims).
    AllegroIssues,
    /// Allegro Message Center threads (`/messaging`, beta.v1).
    AllegroMessaging,
    /// EmpikPlace (Mirakl) inbox threads (M11).
    EmpikThreads,
    /// Allegro's order journal (`/order/events`), when the integration reads orders.
    AllegroOrders,
    /// Allegro's offers and their event journal (`/sale/offers`, `/sale/offer-events`), when
    /// the integration reads offers.
    AllegroOffers,
}

impl Channel {
    /// The channel's name in keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::AllegroIssues => "allegro_issues",
            Channel::AllegroMessaging => "allegro_messaging",
            Channel::EmpikThreads => "empik_threads",
            Channel::AllegroOrders => "allegro_orders",
            Channel::AllegroOffers => "allegro_offers",
        }
    }
}

/// The position an integration's channel has been read up to. It advances only after the
/// events read before it are safely queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollCursor {
    /// The tenant owning the integration.
    pub tenant_id: TenantId,
    /// The integration polled.
    pub integration_id: IntegrationId,
    /// The channel polled.
    pub channel: Channel,
    /// Channel-specific position (a timestamp watermark, a page token); `None` before the first poll.
    pub position: Option<String>,
    /// When the last completed poll of this channel began reading (Allegro and EmpikPlace
    /// conversations: every change before it has been read) or finished (orders, offers).
    pub polled_at: Option<DateTime<Utc>>,
}
