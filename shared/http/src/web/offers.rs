//! The offer pages: `/offers` (an Allegro account's offers as last read, by status, linked or
//! not, searched by name, number or EAN; the account chosen when there are several) and
//! `/offers/{account}/{offer}` (one offer: link it to a product by SKU, unlink it, its own
//! switches "do not renew automatically" and "price sync"). Handlers call `offer_desk` as
//! `/v1/integrations/{id}/offers` does; offers are read from Allegro by the offer sync, not
//! here.

use super::format::time;
use super::i18n::{Lang, Strings};
use super::notices::{forbidden, not_found};
use super::{redirect_with_flash, render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use marketdesk_core::domain::offer::{MarketOffer, OfferStatus, SellingFormat};
use marketdesk_core::domain::{Environment, Integration, Marketplace};
use marketdesk_core::ids::{self, IntegrationId};
use marketdesk_core::services::integrations;
use marketdesk_core::services::offer_desk::{self, LinkRequest, OfferPatch, OfferQuery};
use marketdesk_core::services::request::RequestError;
use serde::Deserialize;

/// The offer pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/offers", get(list))
        .route("/offers/{account}/{offer}", get(page))
        .route("/offers/{account}/{offer}/link", post(link))
        .route("/offers/{account}/{offer}/unlink", post(unlink))
        .route("/offers/{account}/{offer}/switches", post(switches))
}

/// The words of the offer pages (Polish first).
pub(crate) struct OfferWords {
    pub offers: &'static str,
    pub account: &'static str,
    pub status: &'static str,
    pub all: &'static str,
    pub archived: &'static str,
    pub linked: &'static str,
    pub linked_yes: &'static str,
    pub linked_no: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub show: &'static str,
    pub no_accounts: &'static str,
    pub none_found: &'static str,
    pub offer: &'static str,
    pub name: &'static str,
    pub format: &'static str,
    pub stock: &'static str,
    pub price: &'static str,
    pub ean: &'static str,
    pub image: &'static str,
    pub image_link: &'static str,
    pub product: &'static str,
    pub not_linked: &'static str,
    pub on_allegro: &'static str,
    pub next_page: &'static str,
    pub sync_hint: &'static str,
    pub test_mode: &'static str,
    pub link_section: &'static str,
    pub link_sku: &'static str,
    pub link_button: &'static str,
    pub unlink_button: &'static str,
    pub switches: &'static str,
    pub no_auto_renew: &'static str,
    pub price_sync: &'static str,
    pub save: &'static str,
    pub ended_at: &'static str,
    pub read_at: &'static str,
    pub sku_required: &'static str,
    pub no_product: &'static str,
    pub linked_flash: &'static str,
    pub unlinked_flash: &'static str,
    pub saved_flash: &'static str,
    pub product_offers: &'static str,
    pub product_no_offers: &'static str,
    /// INACTIVE, ACTIVATING, ACTIVE, ENDED.
    pub statuses: [&'static str; 4],
    /// BUY_NOW, AUCTION, ADVERTISEMENT.
    pub formats: [&'static str; 3],
}

static PL: OfferWords = OfferWords {
    offers: "Oferty",
    account: "Konto Allegro",
    status: "Status",
    all: "Wszystkie",
    archived: "Zarchiwizowane",
    linked: "Powiązanie z produktem",
    linked_yes: "Powiązane",
    linked_no: "Niepowiązane",
    search: "Szukaj oferty",
    search_hint: "Słowa tytułu, numer oferty albo EAN",
    show: "Pokaż",
    no_accounts: "Brak kont Allegro. Połącz konto w ustawieniach integracji.",
    none_found: "Brak ofert.",
    offer: "Oferta",
    name: "Tytuł",
    format: "Format",
    stock: "Stan",
    price: "Cena",
    ean: "EAN",
    image: "Zdjęcie",
    image_link: "zdjęcie",
    product: "Produkt",
    not_linked: "niepowiązana",
    on_allegro: "Zobacz w Allegro",
    next_page: "Następna strona",
    sync_hint: "Oferty są odczytywane z Allegro okresowo i na bieżąco z dziennika zdarzeń ofert; marketdesk nie wystawia nowych ofert.",
    test_mode: "Konto testowe (Allegro Sandbox): sterowanie stanami, wznawianie i zmiana cen są niedostępne w trybie testowym.",
    link_section: "Powiązanie z produktem",
    link_sku: "SKU produktu",
    link_button: "Powiąż",
    unlink_button: "Odłącz od produktu",
    switches: "Ustawienia oferty",
    no_auto_renew: "Nie wznawiaj automatycznie",
    price_sync: "Synchronizuj cenę",
    save: "Zapisz",
    ended_at: "Zakończona",
    read_at: "Odczytana z Allegro",
    sku_required: "Podaj SKU produktu.",
    no_product: "Nie ma w katalogu produktu o SKU",
    linked_flash: "Oferta została powiązana z produktem.",
    unlinked_flash: "Oferta została odłączona od produktu.",
    saved_flash: "Ustawienia oferty zostały zapisane.",
    product_offers: "Oferty produktu",
    product_no_offers: "Żadna oferta nie jest powiązana z tym produktem.",
    statuses: ["Szkic", "Aktywowana", "Aktywna", "Zakończona"],
    formats: ["Kup teraz", "Licytacja", "Ogłoszenie"],
};

static EN: OfferWords = OfferWords {
    offers: "Offers",
    account: "Allegro account",
    status: "Status",
    all: "All",
    archived: "Archived",
    linked: "Link to a product",
    linked_yes: "Linked",
    linked_no: "Not linked",
    search: "Find an offer",
    search_hint: "Words of the title, the offer number or an EAN",
    show: "Show",
    no_accounts: "No Allegro accounts. Connect one in the integration settings.",
    none_found: "No offers.",
    offer: "Offer",
    name: "Title",
    format: "Format",
    stock: "Stock",
    price: "Price",
    ean: "EAN",
    image: "Image",
    image_link: "image",
    product: "Product",
    not_linked: "not linked",
    on_allegro: "See on Allegro",
    next_page: "Next page",
    sync_hint: "Offers are read from Allegro periodically and kept current from the offer event journal; marketdesk does not create offers.",
    test_mode: "Test account (Allegro Sandbox): stock control, renewal and price changes are not available in test mode.",
    link_section: "Link to a product",
    link_sku: "Product SKU",
    link_button: "Link",
    unlink_button: "Unlink from the product",
    switches: "Offer settings",
    no_auto_renew: "Do not renew automatically",
    price_sync: "Sync the price",
    save: "Save",
    ended_at: "Ended",
    read_at: "Read from Allegro",
    sku_required: "Enter the product's SKU.",
    no_product: "The catalogue has no product with SKU",
    linked_flash: "The offer is linked to the product.",
    unlinked_flash: "The offer is unlinked from its product.",
    saved_flash: "The offer's settings are saved.",
    product_offers: "The product's offers",
    product_no_offers: "No offer is linked to this product.",
    statuses: ["Draft", "Activating", "Active", "Ended"],
    formats: ["Buy now", "Auction", "Advertisement"],
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static OfferWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// The flash messages of the offer pages.
pub(crate) fn flash(lang: Lang, code: &str) -> Option<&'static str> {
    let w = words(lang);
    match code {
        "offer_linked" => Some(w.linked_flash),
        "offer_unlinked" => Some(w.unlinked_flash),
        "offer_saved" => Some(w.saved_flash),
        _ => None,
    }
}

/// `text` as one path segment (everything but unreserved characters percent-encoded), so a
/// SKU or offer number with `/`, `?` or spaces stays one segment.
pub(crate) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The offer's page on Allegro (the sandbox site for a test-mode account).
fn allegro_href(environment: Environment, offer_id: &str) -> String {
    let host = match environment {
        Environment::Sandbox => "allegro.pl.allegrosandbox.pl",
        Environment::Production => "allegro.pl",
    };
    format!("https://{host}/oferta/{}", segment(offer_id))
}

/// One offer as the list and the product page show it.
pub(crate) struct OfferRow {
    pub href: String,
    pub allegro_href: String,
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub format: &'static str,
    pub stock: u32,
    pub price: String,
    pub ean: String,
    pub image_url: Option<String>,
    pub product: Option<(String, String)>,
    /// Ended or archived: shown greyed.
    pub ended: bool,
}

/// The words of `offer`'s status (archived offers say so).
fn status_label(w: &OfferWords, offer: &MarketOffer) -> &'static str {
    if offer.archived {
        return w.archived;
    }
    w.statuses[match offer.status {
        OfferStatus::Inactive => 0,
        OfferStatus::Activating => 1,
        OfferStatus::Active => 2,
        OfferStatus::Ended => 3,
    }]
}

/// `offer` of an account in `environment` as a row.
pub(crate) fn row(w: &OfferWords, environment: Environment, offer: &MarketOffer) -> OfferRow {
    OfferRow {
        href: format!(
            "/offers/{}/{}",
            segment(&offer.integration_id),
            segment(&offer.id)
        ),
        allegro_href: allegro_href(environment, &offer.id),
        id: offer.id.clone(),
        name: offer.name.clone(),
        status: status_label(w, offer),
        format: w.formats[match offer.format {
            SellingFormat::BuyNow => 0,
            SellingFormat::Auction => 1,
            SellingFormat::Advertisement => 2,
        }],
        stock: offer.stock,
        price: match (&offer.price, &offer.currency) {
            (Some(price), Some(currency)) => format!("{price} {currency}"),
            (Some(price), None) => price.clone(),
            _ => String::new(),
        },
        ean: offer.ean.clone().unwrap_or_default(),
        // Only a web address becomes a link (never `javascript:` from outside data).
        image_url: offer
            .image_url
            .clone()
            .filter(|url| url.starts_with("https://")),
        product: offer
            .product_sku
            .as_ref()
            .map(|sku| (sku.clone(), format!("/products/{}", segment(sku)))),
        ended: offer.archived || offer.status == OfferStatus::Ended,
    }
}

/// The tenant's Allegro accounts, by name.
pub(crate) async fn allegro_accounts(
    state: &AppState,
    agent: &Agent,
) -> Result<Vec<Integration>, RequestError> {
    let mut accounts: Vec<Integration> = integrations::list(&state.ports, &agent.caller.tenant_id)
        .await?
        .into_iter()
        .filter(|i| i.kind == Marketplace::Allegro)
        .collect();
    accounts.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(accounts)
}

/// The offer list.
#[derive(Template)]
#[template(path = "offers.html")]
struct ListPage {
    l: Layout,
    t: &'static Strings,
    w: &'static OfferWords,
    /// Id, name, whether chosen.
    accounts: Vec<(String, String, bool)>,
    account: String,
    test_mode: bool,
    status: String,
    /// Value and label of each status choice.
    statuses: Vec<(&'static str, &'static str)>,
    linked: String,
    q: String,
    rows: Vec<OfferRow>,
    next_href: Option<String>,
}

/// The status filter values of the list, as `offer_desk` takes them.
const STATUS_VALUES: [&str; 5] = ["ACTIVE", "ACTIVATING", "INACTIVE", "ENDED", "ARCHIVED"];

async fn list(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let param = |name: &str| super::query_param(raw.as_deref(), name);
    let (status, linked, q, cursor) = (
        param("status"),
        param("linked"),
        param("q"),
        param("cursor"),
    );
    let accounts = match allegro_accounts(&state, &agent).await {
        Ok(accounts) => accounts,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let wanted = param("account");
    let chosen = accounts
        .iter()
        .find(|a| a.id.as_str() == wanted)
        .or(accounts.first());
    let (t, w) = (agent.lang.strings(), words(agent.lang));
    let status = Some(status)
        .filter(|s| STATUS_VALUES.contains(&s.as_str()))
        .unwrap_or_default();
    let linked = Some(linked)
        .filter(|l| l == "yes" || l == "no")
        .unwrap_or_default();
    let mut rows = Vec::new();
    let mut next_href = None;
    if let Some(account) = chosen {
        let query = OfferQuery {
            status: Some(status.clone()).filter(|s| !s.is_empty()),
            linked: match linked.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            q: Some(q.clone()).filter(|q| !q.is_empty()),
            cursor: Some(cursor).filter(|c| !c.is_empty()),
            limit: None,
        };
        let page = match offer_desk::list(&state.ports, &agent.caller, &account.id, &query).await {
            Ok(page) => page,
            // A cursor from elsewhere: nothing found.
            Err(RequestError::Invalid { .. }) => offer_desk::OfferPage {
                offers: Vec::new(),
                next_cursor: None,
            },
            Err(error) => return unavailable(Some(agent.lang), &error),
        };
        rows = page
            .offers
            .iter()
            .map(|offer| row(w, account.environment, offer))
            .collect();
        next_href = page.next_cursor.map(|c| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("account", account.id.as_str())
                .append_pair("status", &status)
                .append_pair("linked", &linked)
                .append_pair("q", &q)
                .append_pair("cursor", &c);
            format!("/offers?{}", s.finish())
        });
    }
    let flash = take_flash(&headers, t);
    let mut l = Layout::new(agent.lang, w.offers, "/offers", Some(&agent));
    l.flash = flash;
    let statuses = STATUS_VALUES
        .into_iter()
        .zip([
            w.statuses[2],
            w.statuses[1],
            w.statuses[0],
            w.statuses[3],
            w.archived,
        ])
        .collect();
    let html = ListPage {
        l,
        t,
        w,
        account: chosen.map(|a| a.id.to_string()).unwrap_or_default(),
        test_mode: chosen.is_some_and(|a| a.environment == Environment::Sandbox),
        accounts: accounts
            .iter()
            .map(|a| {
                let selected = chosen.is_some_and(|c| c.id == a.id);
                (a.id.to_string(), a.display_name.clone(), selected)
            })
            .collect(),
        status,
        statuses,
        linked,
        q,
        rows,
        next_href,
    }
    .render();
    render(html, StatusCode::OK, flash.is_some())
}

/// One offer.
#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    l: Layout,
    t: &'static Strings,
    w: &'static OfferWords,
    csrf: String,
    base: String,
    back: String,
    account_name: String,
    test_mode: bool,
    o: OfferRow,
    sku: String,
    no_auto_renew: bool,
    price_sync: bool,
    ended_at: Option<(String, String)>,
    read_at: (String, String),
}

/// The Allegro account `account` of the agent's tenant, or the answer saying there is none.
async fn account_of(
    state: &AppState,
    agent: &Agent,
    account: &str,
) -> Result<Integration, Response> {
    if !ids::is_well_formed(account) {
        return Err(not_found(agent));
    }
    match integrations::get(
        &state.ports,
        &agent.caller.tenant_id,
        &IntegrationId(account.into()),
    )
    .await
    {
        Ok(integration) if integration.kind == Marketplace::Allegro => Ok(integration),
        Ok(_) | Err(RequestError::NotFound(_)) => Err(not_found(agent)),
        Err(error) => Err(unavailable(Some(agent.lang), &error)),
    }
}

async fn page(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path((account, offer)): Path<(String, String)>,
) -> Response {
    offer_page(&state, &agent, &headers, &account, &offer, None, None).await
}

/// The offer page; with a refusal (answered 422) and what was typed in the SKU field.
async fn offer_page(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    account: &str,
    offer_id: &str,
    error: Option<String>,
    typed_sku: Option<String>,
) -> Response {
    let integration = match account_of(state, agent, account).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    let offer = match offer_desk::get(&state.ports, &agent.caller, &integration.id, offer_id).await
    {
        Ok(offer) => offer,
        Err(RequestError::NotFound(_)) => return not_found(agent),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, w) = (agent.lang.strings(), words(agent.lang));
    let o = row(w, integration.environment, &offer);
    let flash = take_flash(headers, t);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut l = Layout::new(
        agent.lang,
        format!("{} {}", w.offer, offer.id),
        &o.href,
        Some(agent),
    );
    l.flash = flash;
    l.error = error;
    let html = OfferPage {
        l,
        t,
        w,
        csrf: agent.csrf.clone(),
        back: format!("/offers?account={}", segment(integration.id.as_str())),
        account_name: integration.display_name.clone(),
        test_mode: integration.environment == Environment::Sandbox,
        sku: typed_sku
            .or_else(|| offer.product_sku.clone())
            .unwrap_or_default(),
        no_auto_renew: offer.no_auto_renew,
        price_sync: offer.price_sync,
        ended_at: offer.ended_at.map(|at| time(t, at)),
        read_at: time(t, offer.read_at),
        base: o.href.clone(),
        o,
    }
    .render();
    render(html, status, flash.is_some())
}

/// The link form.
#[derive(Debug, Clone, Default, Deserialize)]
struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku: String,
}

/// The unlink form.
#[derive(Debug, Clone, Default, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The switches form (an unticked box is absent).
#[derive(Debug, Clone, Default, Deserialize)]
struct SwitchesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    no_auto_renew: Option<String>,
    #[serde(default)]
    price_sync: Option<String>,
}

/// What a change to the offer came to: back to its page with `flash`, or the page with the
/// refusal in the agent's words.
async fn answer(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    (account, offer_id): (&str, &str),
    outcome: Result<MarketOffer, RequestError>,
    flash: &'static str,
    typed_sku: Option<String>,
) -> Response {
    let w = words(agent.lang);
    let message = match outcome {
        Ok(_) => {
            let to = format!("/offers/{}/{}", segment(account), segment(offer_id));
            return redirect_with_flash(&to, flash);
        }
        Err(RequestError::NotFound("product")) => format!(
            "{} „{}”.",
            w.no_product,
            typed_sku.as_deref().unwrap_or_default().trim()
        ),
        Err(RequestError::NotFound(_)) => return not_found(agent),
        Err(RequestError::Invalid { ref field, .. }) if field == "sku" => w.sku_required.to_owned(),
        Err(
            error @ (RequestError::Invalid { .. }
            | RequestError::Rule { .. }
            | RequestError::WrongState { .. }
            | RequestError::Conflict(_)),
        ) => super::refusals::explain(agent.lang, &error).unwrap_or_else(|| error.to_string()),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    offer_page(
        state,
        agent,
        headers,
        account,
        offer_id,
        Some(message),
        typed_sku,
    )
    .await
}

async fn link(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path((account, offer)): Path<(String, String)>,
    Form(form): Form<LinkForm>,
) -> Response {
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let integration = match account_of(&state, &agent, &account).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    let request = LinkRequest {
        sku: form.sku.clone(),
    };
    let outcome = offer_desk::link(
        &state.ports,
        &agent.caller,
        &integration.id,
        &offer,
        request,
    )
    .await;
    answer(
        &state,
        &agent,
        &headers,
        (&account, &offer),
        outcome,
        "offer_linked",
        Some(form.sku),
    )
    .await
}

async fn unlink(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path((account, offer)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let integration = match account_of(&state, &agent, &account).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    let outcome = offer_desk::unlink(&state.ports, &agent.caller, &integration.id, &offer).await;
    answer(
        &state,
        &agent,
        &headers,
        (&account, &offer),
        outcome,
        "offer_unlinked",
        None,
    )
    .await
}

async fn switches(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path((account, offer)): Path<(String, String)>,
    Form(form): Form<SwitchesForm>,
) -> Response {
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let integration = match account_of(&state, &agent, &account).await {
        Ok(integration) => integration,
        Err(answer) => return answer,
    };
    let patch = OfferPatch {
        no_auto_renew: Some(form.no_auto_renew.is_some()),
        price_sync: Some(form.price_sync.is_some()),
    };
    let outcome =
        offer_desk::update(&state.ports, &agent.caller, &integration.id, &offer, patch).await;
    answer(
        &state,
        &agent,
        &headers,
        (&account, &offer),
        outcome,
        "offer_saved",
        None,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_a_sku_with_slashes_and_spaces_in_one_piece() {
        assert_eq!(segment("KUB-1_a.b~"), "KUB-1_a.b~");
        assert_eq!(segment("A/B 1?x"), "A%2FB%201%3Fx");
        assert_eq!(segment("ż"), "%C5%BC");
    }

    #[test]
    fn test_mode_offers_link_to_the_sandbox_site() {
        assert_eq!(
            allegro_href(Environment::Production, "7001"),
            "https://allegro.pl/oferta/7001"
        );
        assert_eq!(
            allegro_href(Environment::Sandbox, "7001"),
            "https://allegro.pl.allegrosandbox.pl/oferta/7001"
        );
    }
}
