//! The account settings page's offer section (Allegro accounts, `settings.offers`): offers
//! read or not, automatic linking by EAN, stock control, raising stock, automatic renewal (at
//! the current price), price sync, the account's price list and default category; and the
//! account's newest offer commands. On a test-mode account (Allegro Sandbox) the stock,
//! renewal and price switches are shown as unavailable and never sent.

use super::format::time;
use super::i18n::{Lang, Strings};
use crate::AppState;
use marketdesk_core::domain::offer::OfferSettings;
use marketdesk_core::domain::offer_command::{CommandPurpose, CommandState, OfferCommand};
use marketdesk_core::domain::{Environment, Integration};
use marketdesk_core::ports::offers::OfferChange;
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::offer_settings::{self, OffersPatch};
use marketdesk_core::services::{catalogue, offer_commands};

/// How many of the account's newest offer commands the page lists.
const COMMANDS_SHOWN: u32 = 10;

/// The words of the section (Polish first).
pub(crate) struct OfferSettingsWords {
    pub section: &'static str,
    pub enabled: &'static str,
    pub link_automatically: &'static str,
    pub link_hint: &'static str,
    pub stock_control: &'static str,
    pub raise_stock: &'static str,
    pub renew_automatically: &'static str,
    pub renew_at_current_price: &'static str,
    pub price_sync: &'static str,
    pub unavailable: &'static str,
    pub test_mode_note: &'static str,
    pub price_list: &'static str,
    pub default_category: &'static str,
    pub category_hint: &'static str,
    pub commands: &'static str,
    pub no_commands: &'static str,
    pub commands_unreadable: &'static str,
    /// stock control, price sync, renewal.
    pub purposes: [&'static str; 3],
    /// waiting, sending, running, done, failed.
    pub states: [&'static str; 5],
    pub stock_to: &'static str,
    pub price_to: &'static str,
    pub activate: &'static str,
    pub end: &'static str,
    pub offers_count: &'static str,
    pub failed_count: &'static str,
}

static PL: OfferSettingsWords = OfferSettingsWords {
    section: "Oferty Allegro",
    enabled: "Odczytuj oferty konta",
    link_automatically: "Łącz oferty z produktami automatycznie (po EAN)",
    link_hint: "Od chwili włączenia: oferta, która pojawi się w dzienniku zdarzeń ofert, zostaje powiązana z produktem o tym samym EAN.",
    stock_control: "Sterowanie stanami: wysyłaj stan produktu do powiązanych ofert",
    raise_stock: "Zwiększaj stan ofert, gdy stan produktu wzrośnie po synchronizacji z ERP",
    renew_automatically: "Wznawiaj zakończone oferty automatycznie",
    renew_at_current_price: "Wznawiaj po aktualnej cenie produktu",
    price_sync: "Zmieniaj cenę oferty, gdy zmieni się cena produktu",
    unavailable: "niedostępne w trybie testowym",
    test_mode_note: "To konto testowe (Allegro Sandbox): marketdesk nie zmienia jego ofert, więc sterowanie stanami, wznawianie i zmiana cen są wyłączone.",
    price_list: "Cennik konta",
    default_category: "Domyślna kategoria",
    category_hint: "Numer kategorii Allegro; zapisywany i pokazywany (marketdesk nie wystawia ofert).",
    commands: "Ostatnie polecenia zmian ofert",
    no_commands: "Brak poleceń.",
    commands_unreadable: "Nie udało się odczytać poleceń.",
    purposes: ["sterowanie stanami", "zmiana ceny", "wznowienie"],
    states: ["czeka", "wysyłane", "w toku", "zakończone", "odrzucone"],
    stock_to: "stan",
    price_to: "cena",
    activate: "wznowienie",
    end: "zakończenie",
    offers_count: "ofert",
    failed_count: "nieudanych",
};

static EN: OfferSettingsWords = OfferSettingsWords {
    section: "Allegro offers",
    enabled: "Read the account's offers",
    link_automatically: "Link offers to products automatically (by EAN)",
    link_hint: "From the moment it is on: an offer that appears in the offer event journal is linked to the product with the same EAN.",
    stock_control: "Stock control: push the product's stock to linked offers",
    raise_stock: "Raise stock on offers when the product's stock rises after an ERP sync",
    renew_automatically: "Renew ended offers automatically",
    renew_at_current_price: "Renew at the product's current price",
    price_sync: "Change the offer price when the product price changes",
    unavailable: "not available in test mode",
    test_mode_note: "A test account (Allegro Sandbox): marketdesk never changes its offers, so stock control, renewal and price changes are off.",
    price_list: "The account's price list",
    default_category: "Default category",
    category_hint: "An Allegro category id; stored and shown (marketdesk does not create offers).",
    commands: "Recent offer commands",
    no_commands: "No commands.",
    commands_unreadable: "The commands could not be read.",
    purposes: ["stock control", "price sync", "renewal"],
    states: ["waiting", "sending", "running", "done", "failed"],
    stock_to: "stock",
    price_to: "price",
    activate: "renewal",
    end: "end",
    offers_count: "offers",
    failed_count: "failed",
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static OfferSettingsWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// One switch of the section.
pub(crate) struct Switch {
    pub name: &'static str,
    pub label: &'static str,
    pub checked: bool,
    /// Shown but not offered (test mode).
    pub unavailable: bool,
}

/// The section as shown.
pub(crate) struct OfferSection {
    pub switches: Vec<Switch>,
    /// Name, whether chosen.
    pub price_lists: Vec<(String, bool)>,
    pub default_category: String,
    pub test_mode: bool,
    /// The newest commands as lines with their time; `None` when they could not be read.
    pub commands: Option<Vec<((String, String), String)>>,
}

/// The switches only production accounts have.
const PRODUCTION_ONLY: [&str; 5] = [
    "offers_stock_control",
    "offers_raise_stock",
    "offers_renew",
    "offers_renew_current_price",
    "offers_price_sync",
];

/// Whether `integration` is in Allegro's test environment.
pub(crate) fn test_mode(integration: &Integration) -> bool {
    integration.environment == Environment::Sandbox
}

/// The section for `integration` showing `settings` (saved or typed).
pub(crate) async fn load(
    state: &AppState,
    caller: &Caller,
    t: &'static Strings,
    integration: &Integration,
    settings: &OfferSettings,
) -> OfferSection {
    let w = words(t.lang);
    let test_mode = test_mode(integration);
    let switches = [
        ("offers_enabled", w.enabled, settings.enabled),
        (
            "offers_link",
            w.link_automatically,
            settings.link_automatically,
        ),
        (
            "offers_stock_control",
            w.stock_control,
            settings.stock_control,
        ),
        ("offers_raise_stock", w.raise_stock, settings.raise_stock),
        (
            "offers_renew",
            w.renew_automatically,
            settings.renew_automatically,
        ),
        (
            "offers_renew_current_price",
            w.renew_at_current_price,
            settings.renew_at_current_price,
        ),
        ("offers_price_sync", w.price_sync, settings.price_sync),
    ]
    .into_iter()
    .map(|(name, label, checked)| Switch {
        name,
        label,
        checked,
        unavailable: test_mode && PRODUCTION_ONLY.contains(&name),
    })
    .collect();
    let chosen = settings
        .price_list
        .clone()
        .unwrap_or_else(|| marketdesk_core::domain::product::DEFAULT_PRICE_LIST.to_owned());
    let mut price_lists: Vec<(String, bool)> =
        match catalogue::price_lists(&state.ports, caller).await {
            Ok(lists) => lists
                .price_lists
                .into_iter()
                .map(|list| {
                    let selected = list.name == chosen;
                    (list.name, selected)
                })
                .collect(),
            Err(error) => {
                tracing::warn!(%error, "the price lists could not be read for the settings page");
                Vec::new()
            }
        };
    if !price_lists.iter().any(|(_, selected)| *selected) {
        // The chosen list is kept (and shown) even if it is not in the catalogue any more.
        price_lists.insert(0, (chosen, true));
    }
    let query = offer_commands::CommandsQuery {
        cursor: None,
        limit: Some(COMMANDS_SHOWN),
    };
    let commands = match offer_commands::list(
        &state.ports,
        &caller.tenant_id,
        &integration.id,
        &query,
    )
    .await
    {
        Ok(page) => Some(
            page.commands
                .iter()
                .map(|c| (time(t, c.created_at), command_line(w, c)))
                .collect(),
        ),
        Err(error) => {
            tracing::warn!(%error, "the offer commands could not be read for the settings page");
            None
        }
    };
    OfferSection {
        switches,
        price_lists,
        default_category: settings.default_category.clone().unwrap_or_default(),
        test_mode,
        commands,
    }
}

/// A command as a line: why, what, how many offers, where it is.
fn command_line(w: &OfferSettingsWords, command: &OfferCommand) -> String {
    let purpose = w.purposes[match command.purpose {
        CommandPurpose::Stock => 0,
        CommandPurpose::PriceSync => 1,
        CommandPurpose::Renewal => 2,
    }];
    let what = match &command.change {
        OfferChange::Quantity { value } => format!("{} {value}", w.stock_to),
        OfferChange::Price { amount, currency } => format!("{} {amount} {currency}", w.price_to),
        OfferChange::Activate => w.activate.to_owned(),
        OfferChange::End => w.end.to_owned(),
    };
    let state = w.states[match command.state {
        CommandState::Waiting => 0,
        CommandState::Sending => 1,
        CommandState::Running => 2,
        CommandState::Done => 3,
        CommandState::Failed => 4,
    }];
    let mut line = format!(
        "{purpose}: {what} · {} {} · {state}",
        command.offer_ids.len(),
        w.offers_count
    );
    let failed = command.failed_offers().len();
    if failed > 0 {
        line.push_str(&format!(" ({failed} {})", w.failed_count));
    }
    if let Some(error) = &command.last_error {
        line.push_str(&format!(": {error}"));
    }
    line
}

/// The section's form as a patch (`None` when the form has no offer section); on a test-mode
/// account the production-only switches are not sent, so they keep their stored value.
/// `ticked` says whether a box was ticked, `text` gives a typed field.
pub(crate) fn patch(
    present: bool,
    test_mode: bool,
    ticked: impl Fn(&str) -> bool,
    text: impl Fn(&str) -> String,
) -> Option<OffersPatch> {
    if !present {
        return None;
    }
    let production = |name: &str| (!test_mode).then(|| ticked(name));
    let optional = |name: &str| Some(Some(text(name).trim().to_owned()).filter(|t| !t.is_empty()));
    Some(OffersPatch {
        enabled: Some(ticked("offers_enabled")),
        link_automatically: Some(ticked("offers_link")),
        stock_control: production("offers_stock_control"),
        raise_stock: production("offers_raise_stock"),
        renew_automatically: production("offers_renew"),
        renew_at_current_price: production("offers_renew_current_price"),
        price_sync: production("offers_price_sync"),
        price_list: optional("offers_price_list"),
        default_category: optional("offers_default_category"),
    })
}

/// `settings` with `patch` applied, to show what was typed (the service validates when saved;
/// a value it would refuse is shown as typed).
pub(crate) fn typed(settings: &OfferSettings, patch: Option<&OffersPatch>) -> OfferSettings {
    let mut shown = settings.clone();
    if let Some(patch) = patch {
        if offer_settings::apply(&mut shown, patch.clone()).is_err() {
            shown.price_list = patch.price_list.clone().flatten();
            shown.default_category = patch.default_category.clone().flatten();
        }
    }
    shown
}
