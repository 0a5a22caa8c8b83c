//! The account settings page's event log section: the newest entries of the account's event
//! log (`services::account_log`, the default view: old deactivation notices left out) as a
//! list, each with its time (Warsaw), what happened and why, in the page's language.

use super::i18n::Lang;
use crate::AppState;
use chrono_tz::Europe::Warsaw;
use marketdesk_core::domain::account_event::{AccountEvent, AccountEventKind};
use marketdesk_core::domain::Integration;
use marketdesk_core::services::account_log::{self, EventsQuery};

/// Entries shown on the page (the API pages through the rest).
const SHOWN: u32 = 20;

/// The words of the section.
pub(crate) struct AccountLogWords {
    pub heading: &'static str,
    pub empty: &'static str,
    pub unreadable: &'static str,
    pub alerted: &'static str,
    kinds: [&'static str; 10],
}

static PL: AccountLogWords = AccountLogWords {
    heading: "Dziennik zdarzeń konta",
    empty: "Brak zdarzeń.",
    unreadable: "Dziennika nie udało się teraz odczytać.",
    alerted: "powiadomiono adresy alertów",
    kinds: [
        "Połączono konto",
        "Ponownie uwierzytelniono",
        "Rozłączono",
        "Konto zablokowane — wyłączono integrację",
        "Nie udało się odświeżyć tokenów",
        "Błąd pobierania zamówień",
        "Błąd pobierania ofert",
        "Wznowienie oferty",
        "Polecenie zmiany stanów lub cen",
        "Inne zdarzenie",
    ],
};

static EN: AccountLogWords = AccountLogWords {
    heading: "Account event log",
    empty: "No events.",
    unreadable: "The log could not be read just now.",
    alerted: "alert addresses notified",
    kinds: [
        "Account connected",
        "Authorized again",
        "Disconnected",
        "Account blocked — integration switched off",
        "Token refresh failed",
        "Order sync failed",
        "Offer sync failed",
        "Offer renewed",
        "Stock or price command",
        "Other event",
    ],
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static AccountLogWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

impl AccountLogWords {
    /// What an entry of `kind` says.
    fn kind(&self, kind: AccountEventKind) -> &'static str {
        let at = match kind {
            AccountEventKind::Connected => 0,
            AccountEventKind::Reauthenticated => 1,
            AccountEventKind::Disconnected => 2,
            AccountEventKind::Blocked => 3,
            AccountEventKind::TokenRefreshFailed => 4,
            AccountEventKind::OrderSyncFailed => 5,
            AccountEventKind::OfferSyncFailed => 6,
            AccountEventKind::OfferRenewal => 7,
            AccountEventKind::StockPriceCommand => 8,
            AccountEventKind::Other => 9,
        };
        self.kinds[at]
    }
}

/// One entry as the page lists it.
pub(crate) struct ShownEvent {
    /// `YYYY-MM-DD HH:MM`, Warsaw time.
    pub when: String,
    /// The machine time, for `<time datetime>`.
    pub at: String,
    /// What happened, in the page's language.
    pub what: &'static str,
    /// Why (the marketplace's or marketdesk's words), empty when none.
    pub reason: String,
    /// Whether the alert addresses were told.
    pub alerted: bool,
    /// The kind's API name (a CSS hook).
    pub kind: &'static str,
}

/// The section: the entries, or `None` when the log could not be read.
pub(crate) struct AccountLogSection {
    pub events: Option<Vec<ShownEvent>>,
}

fn shown(event: &AccountEvent, w: &AccountLogWords) -> ShownEvent {
    ShownEvent {
        when: event
            .at
            .with_timezone(&Warsaw)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        at: event.at.to_rfc3339(),
        what: w.kind(event.kind),
        reason: event.reason.clone().unwrap_or_default(),
        alerted: event.alerted,
        kind: event.kind.as_str(),
    }
}

/// The newest entries of `integration`'s log (a store failure shows a notice, not an error
/// page: the settings stay usable).
pub(crate) async fn load(
    state: &AppState,
    lang: Lang,
    integration: &Integration,
) -> AccountLogSection {
    let query = EventsQuery {
        limit: Some(SHOWN),
        ..EventsQuery::default()
    };
    let w = words(lang);
    match account_log::list(
        &state.ports,
        &integration.tenant_id,
        &integration.id,
        &query,
    )
    .await
    {
        Ok(page) => AccountLogSection {
            events: Some(page.events.iter().map(|e| shown(e, w)).collect()),
        },
        Err(error) => {
            tracing::warn!(integration = %integration.id, %error, "account log not read for the settings page");
            AccountLogSection { events: None }
        }
    }
}
