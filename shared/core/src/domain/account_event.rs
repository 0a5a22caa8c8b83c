//! The account event log (issue 17 item 5): what happened to one marketplace account, for its
//! admin: connected, re-authenticated, disconnected, blocked, failures of the token refresh and
//! the order journal; later offer renewals and stock/price commands.
//!
//! Deactivation notices (the account was disconnected or blocked) stop being shown in the
//! log's default view [`DEACTIVATION_NOTICE_VISIBLE_DAYS`] after they happened: by then the
//! admin has acted or the notice is stale. They stay in the store and in the full view.

use crate::ids::{IntegrationId, TenantId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Days a deactivation notice stays in the log's default view.
pub const DEACTIVATION_NOTICE_VISIBLE_DAYS: i64 = 30;

/// What happened to the account. `offer_renewal` and `stock_price_command` come with the
/// catalogue; `other` is a kind written by a newer version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountEventKind {
    /// The account was authorized for the first time.
    Connected,
    /// The account was authorized again.
    Reauthenticated,
    /// The marketplace refused marketdesk's access (the reason says why); polling stopped.
    Disconnected,
    /// The marketplace reports the seller account blocked; the integration was switched off.
    Blocked,
    /// Refreshing the account's tokens failed for now (retried later).
    TokenRefreshFailed,
    /// Reading the order journal failed.
    OrderSyncFailed,
    /// Reading the account's offers or their journal failed.
    OfferSyncFailed,
    /// An offer was renewed (next issue).
    OfferRenewal,
    /// A stock or price command was sent or finished (next issue).
    StockPriceCommand,
    /// A kind written by a newer version, kept so the log still reads.
    #[serde(other)]
    Other,
}

impl AccountEventKind {
    /// The kind's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Reauthenticated => "reauthenticated",
            Self::Disconnected => "disconnected",
            Self::Blocked => "blocked",
            Self::TokenRefreshFailed => "token_refresh_failed",
            Self::OrderSyncFailed => "order_sync_failed",
            Self::OfferSyncFailed => "offer_sync_failed",
            Self::OfferRenewal => "offer_renewal",
            Self::StockPriceCommand => "stock_price_command",
            Self::Other => "other",
        }
    }

    /// Whether the event took the account out of service (a deactivation notice).
    pub fn deactivates(self) -> bool {
        matches!(self, Self::Disconnected | Self::Blocked)
    }
}

/// One entry of an account's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountEvent {
    /// The entry's id (time-ordered).
    pub id: String,
    /// The tenant owning the account.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The account (integration).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: AccountEventKind,
    /// Why, or what failed, in the marketplace's or marketdesk's words (never a secret).
    #[serde(default)]
    pub reason: Option<String>,
    /// Whether a notice about it went to the account's alert addresses.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub alerted: bool,
}

impl AccountEvent {
    /// When the entry leaves the default view; `None` when it never does.
    pub fn hidden_from(&self) -> Option<DateTime<Utc>> {
        self.kind
            .deactivates()
            .then(|| self.at + Duration::days(DEACTIVATION_NOTICE_VISIBLE_DAYS))
    }

    /// Whether the default view leaves the entry out at `now`.
    pub fn is_hidden(&self, now: DateTime<Utc>) -> bool {
        self.hidden_from().is_some_and(|from| now >= from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{Clock, ManualClock};

    fn event(kind: AccountEventKind, at: DateTime<Utc>) -> AccountEvent {
        AccountEvent {
            id: "e1".into(),
            tenant_id: "t1".into(),
            integration_id: "i1".into(),
            at,
            kind,
            reason: None,
            alerted: false,
        }
    }

    #[test]
    fn deactivation_notices_are_hidden_after_thirty_days_and_other_entries_never() {
        let start = "2026-03-01T10:00:00Z".parse().expect("time");
        let clock = ManualClock::new(start);
        let blocked = event(AccountEventKind::Blocked, clock.now());
        let disconnected = event(AccountEventKind::Disconnected, clock.now());
        let connected = event(AccountEventKind::Connected, clock.now());
        let failed = event(AccountEventKind::OrderSyncFailed, clock.now());

        clock.advance(Duration::days(DEACTIVATION_NOTICE_VISIBLE_DAYS) - Duration::seconds(1));
        for shown in [&blocked, &disconnected, &connected, &failed] {
            assert!(
                !shown.is_hidden(clock.now()),
                "{:?} still shown",
                shown.kind
            );
        }
        clock.advance(Duration::seconds(1));
        assert!(blocked.is_hidden(clock.now()));
        assert!(disconnected.is_hidden(clock.now()));
        clock.advance(Duration::days(365));
        assert!(!connected.is_hidden(clock.now()));
        assert!(!failed.is_hidden(clock.now()));
    }

    #[test]
    fn kinds_written_by_a_newer_version_still_read() {
        let json = r#"{"id":"e","tenant_id":"t","integration_id":"i","at":"2026-03-01T10:00:00Z","kind":"listing_expired"}"#;
        let read: AccountEvent = serde_json::from_str(json).expect("reads");
        assert_eq!(read.kind, AccountEventKind::Other);
        assert!(!read.is_hidden(read.at + Duration::days(400)));
    }
}
