//! The CRM pages: `/customers` (search by name words or an e-mail address),
//! `/customers/{id}` (the card with editable fields and the ticket history) and merging
//! another record into it with a confirmation step. Handlers call `customer_views` and `crm`
//! as `/v1/customers` does.

use super::format::{source_name, time};
use super::i18n::{Lang, Strings};
use super::notices::{forbidden, not_found};
use super::{redirect_with_flash, render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use marketdesk_core::domain::Customer;
use marketdesk_core::ids::{self, CustomerId};
use marketdesk_core::services::crm::{self, CustomerPatch, MergeRequest};
use marketdesk_core::services::customer_views::{
    self, CustomerPage, CustomerQuery, CustomerTicketsQuery,
};
use marketdesk_core::services::order_desk::{self, OrderQuery};
use marketdesk_core::services::request::RequestError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The customer pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/customers", get(search))
        .route("/customers/{id}", get(card).post(save))
        .route("/customers/{id}/merge", get(confirm_merge).post(merge))
}

/// The words of the customer pages (Polish first).
pub(crate) struct CustomerWords {
    pub customers: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub none_found: &'static str,
    pub name: &'static str,
    pub emails: &'static str,
    pub emails_hint: &'static str,
    pub phone: &'static str,
    pub fields: &'static str,
    pub fields_hint: &'static str,
    pub note: &'static str,
    pub save: &'static str,
    pub tickets: &'static str,
    pub no_tickets: &'static str,
    pub merge: &'static str,
    pub merge_hint: &'static str,
    pub merge_from: &'static str,
    pub merge_next: &'static str,
    pub merge_title: &'static str,
    pub merge_text: &'static str,
    pub merge_confirm: &'static str,
    pub cancel: &'static str,
    pub saved: &'static str,
    pub merged: &'static str,
    pub not_saved: &'static str,
    pub bad_field_line: &'static str,
    pub unknown_customer: &'static str,
    pub next_page: &'static str,
    pub orders: &'static str,
    pub no_orders: &'static str,
}

static PL: CustomerWords = CustomerWords {
    customers: "Klienci",
    search: "Szukaj klienta",
    search_hint: "słowa imienia i nazwiska albo adres e-mail",
    search_button: "Szukaj",
    none_found: "Nie znaleziono klientów.",
    name: "Imię i nazwisko",
    emails: "Adresy e-mail",
    emails_hint: "jeden w wierszu",
    phone: "Telefon",
    fields: "Pola własne",
    fields_hint: "jedno w wierszu: nazwa: wartość",
    note: "Notatka dla zespołu",
    save: "Zapisz klienta",
    tickets: "Zgłoszenia klienta",
    no_tickets: "Brak zgłoszeń.",
    merge: "Połącz z innym klientem",
    merge_hint: "Zgłoszenia i dane drugiego rekordu przejdą do tego klienta, a drugi rekord zostanie usunięty.",
    merge_from: "Identyfikator drugiego klienta",
    merge_next: "Dalej",
    merge_title: "Połączyć klientów?",
    merge_text: "Ten rekord zostanie dołączony do klienta poniżej i usunięty; jego zgłoszenia, adresy i pola przejdą do niego. Tego nie można cofnąć.",
    merge_confirm: "Połącz",
    cancel: "Anuluj",
    saved: "Zapisano klienta.",
    merged: "Połączono klientów.",
    not_saved: "Nie zapisano",
    bad_field_line: "pole własne zapisz jako „nazwa: wartość”",
    unknown_customer: "Nie ma klienta o tym identyfikatorze.",
    next_page: "Następna strona",
    orders: "Zamówienia klienta",
    no_orders: "Brak zamówień z kartą tego klienta.",
};

static EN: CustomerWords = CustomerWords {
    customers: "Customers",
    search: "Find a customer",
    search_hint: "words of the name or an e-mail address",
    search_button: "Search",
    none_found: "No customers found.",
    name: "Name",
    emails: "E-mail addresses",
    emails_hint: "one per line",
    phone: "Phone",
    fields: "Custom fields",
    fields_hint: "one per line: name: value",
    note: "Note for the team",
    save: "Save the customer",
    tickets: "The customer's tickets",
    no_tickets: "No tickets.",
    merge: "Merge with another customer",
    merge_hint: "The other record's tickets and details move to this customer, and the other record is removed.",
    merge_from: "The other customer's id",
    merge_next: "Next",
    merge_title: "Merge the customers?",
    merge_text: "This record will be merged into the customer below and removed; its tickets, addresses and fields move there. This cannot be undone.",
    merge_confirm: "Merge",
    cancel: "Cancel",
    saved: "The customer was saved.",
    merged: "The customers were merged.",
    not_saved: "Not saved",
    bad_field_line: "write a custom field as \"name: value\"",
    unknown_customer: "There is no customer with this id.",
    next_page: "Next page",
    orders: "The customer's orders",
    no_orders: "No orders with this customer's card.",
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static CustomerWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// The flash messages of the customer pages.
pub(crate) fn flash(lang: Lang, code: &str) -> Option<&'static str> {
    let w = words(lang);
    match code {
        "customer_saved" => Some(w.saved),
        "customers_merged" => Some(w.merged),
        _ => None,
    }
}

/// One customer of a list.
struct CustomerRow {
    href: String,
    name: String,
    emails: String,
    phone: String,
    fields: String,
}

/// The search page.
#[derive(Template)]
#[template(path = "customers.html")]
struct SearchPage {
    l: Layout,
    t: &'static Strings,
    cw: &'static CustomerWords,
    q: String,
    rows: Vec<CustomerRow>,
    next_href: Option<String>,
}

/// One ticket of the history.
struct HistoryRow {
    href: String,
    subject: String,
    source: &'static str,
    status: &'static str,
    status_code: &'static str,
    activity: String,
    activity_iso: String,
}

/// What the card's form holds (the customer's values, or what was typed).
#[derive(Deserialize, Default, Clone)]
struct CardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    emails: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    fields: String,
    #[serde(default)]
    note: String,
}

impl CardForm {
    fn of(c: &Customer) -> Self {
        Self {
            csrf: String::new(),
            name: c.name.clone(),
            emails: c.emails.join("\n"),
            phone: c.phone.clone().unwrap_or_default(),
            fields: c
                .custom_fields
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
            note: c.note.clone().unwrap_or_default(),
        }
    }
}

/// The card.
#[derive(Template)]
#[template(path = "customer.html")]
struct CardPage {
    l: Layout,
    t: &'static Strings,
    cw: &'static CustomerWords,
    csrf: String,
    id: String,
    action: String,
    merge_action: String,
    form: CardForm,
    history: Vec<HistoryRow>,
    /// The customer's newest orders: checkout form id, the order in a line, created (shown, ISO).
    orders: Vec<(String, String, String, String)>,
    /// The merge confirmation: the other record (name, id) when one was named.
    merging: Option<(String, String)>,
}

/// `GET /customers?q=`: by e-mail when `q` holds an `@`, else by name words.
async fn search(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let param = |name: &str| super::query_param(raw.as_deref(), name);
    let (q, cursor) = (param("q"), param("cursor"));
    let mut query = CustomerQuery {
        cursor: Some(cursor.clone()).filter(|c| !c.is_empty()),
        ..CustomerQuery::default()
    };
    if q.contains('@') {
        query.email = Some(q.clone());
        query.cursor = None;
    } else {
        query.name = Some(q.clone());
    }
    let page = match customer_views::search(&state.ports, &agent.caller.tenant_id, &query).await {
        Ok(page) => page,
        // A malformed address or a cursor from elsewhere: nothing found.
        Err(RequestError::Invalid { .. }) => CustomerPage {
            customers: Vec::new(),
            next_cursor: None,
        },
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, cw) = (agent.lang.strings(), words(agent.lang));
    let flash = take_flash(&headers, t);
    let mut l = Layout::new(agent.lang, cw.customers, "/customers", Some(&agent));
    l.flash = flash;
    let html = SearchPage {
        l,
        t,
        cw,
        next_href: page.next_cursor.map(|c| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("q", &q).append_pair("cursor", &c);
            format!("/customers?{}", s.finish())
        }),
        q,
        rows: page
            .customers
            .into_iter()
            .map(|c| CustomerRow {
                href: format!("/customers/{}", c.id),
                emails: c.emails.join(", "),
                phone: c.phone.unwrap_or_default(),
                fields: c
                    .custom_fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                name: c.name,
            })
            .collect(),
    }
    .render();
    render(html, StatusCode::OK, flash.is_some())
}

/// What a card shows besides the stored customer.
#[derive(Default)]
struct Shown {
    /// What was typed in the card before a refusal.
    typed: Option<CardForm>,
    /// Why something was refused.
    error: Option<String>,
    /// The other record of a merge to confirm.
    merging: Option<Customer>,
}

/// The card of `id` with `shown`.
async fn card_page(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    id: &CustomerId,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let detail = match customer_views::detail(
        &state.ports,
        &agent.caller.tenant_id,
        id,
        &CustomerTicketsQuery::default(),
    )
    .await
    {
        Ok(detail) => detail,
        Err(RequestError::NotFound(_)) => return not_found(agent),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, cw) = (agent.lang.strings(), words(agent.lang));
    let flash = take_flash(headers, t);
    let here = format!("/customers/{id}");
    let mut l = Layout::new(agent.lang, detail.customer.name.clone(), &here, Some(agent));
    l.flash = flash;
    l.error = shown.error;
    let form = shown
        .typed
        .unwrap_or_else(|| CardForm::of(&detail.customer));
    let history = detail
        .tickets
        .into_iter()
        .map(|ticket| {
            let (activity, activity_iso) = time(t, ticket.updated_at);
            HistoryRow {
                href: format!("/tickets/{}", ticket.id),
                source: source_name(ticket.source),
                status: t.status(&ticket.status),
                status_code: ticket.status.as_str(),
                subject: ticket.subject,
                activity,
                activity_iso,
            }
        })
        .collect();
    let query = OrderQuery {
        customer: Some(id.to_string()),
        limit: Some(10),
        ..OrderQuery::default()
    };
    let orders = match order_desk::list(&state.ports, &agent.caller, &query).await {
        Ok(page) => page
            .orders
            .iter()
            .map(|order| {
                let (created, created_iso) = time(t, order.created_at);
                (
                    order.checkout_form_id.clone(),
                    super::views::order_line(t, order),
                    created,
                    created_iso,
                )
            })
            .collect(),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let html = CardPage {
        l,
        t,
        cw,
        orders,
        csrf: agent.csrf.clone(),
        id: id.to_string(),
        merge_action: format!("{here}/merge"),
        action: here,
        form,
        history,
        merging: shown.merging.map(|c| (c.name, c.id.to_string())),
    }
    .render();
    render(html, status, flash.is_some())
}

/// `GET /customers/{id}`.
async fn card(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    let id = CustomerId(id);
    card_page(
        &state,
        &agent,
        &headers,
        &id,
        Shown::default(),
        StatusCode::OK,
    )
    .await
}

/// The custom fields typed one per line as `name: value`; `Err` with the line that is not.
fn typed_fields(text: &str) -> Result<BTreeMap<String, String>, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once(':')
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| line.to_owned())
        })
        .collect()
}

/// The patch of the whole card over `stored`: fields no longer typed are removed.
fn patch_of(form: &CardForm, stored: &Customer, fields: BTreeMap<String, String>) -> CustomerPatch {
    let mut custom: BTreeMap<String, Option<String>> = stored
        .custom_fields
        .keys()
        .filter(|k| !fields.contains_key(*k))
        .map(|k| (k.clone(), None))
        .collect();
    custom.extend(fields.into_iter().map(|(k, v)| (k, Some(v))));
    let optional = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    CustomerPatch {
        name: Some(form.name.trim().to_owned()),
        emails: Some(
            form.emails
                .split(['\n', ','])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        phone: Some(optional(&form.phone)),
        custom_fields: Some(custom),
        note: Some(optional(&form.note)),
    }
}

/// `POST /customers/{id}`: saves the card through `crm::update`.
async fn save(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CardForm>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let id = CustomerId(id);
    let cw = words(agent.lang);
    let refused = |message: String| Shown {
        typed: Some(form.clone()),
        error: Some(format!("{}: {message}", cw.not_saved)),
        merging: None,
    };
    let stored = match customer_views::detail(
        &state.ports,
        &agent.caller.tenant_id,
        &id,
        &CustomerTicketsQuery {
            limit: Some(1),
            ..CustomerTicketsQuery::default()
        },
    )
    .await
    {
        Ok(detail) => detail.customer,
        Err(RequestError::NotFound(_)) => return not_found(&agent),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let fields = match typed_fields(&form.fields) {
        Ok(fields) => fields,
        Err(line) => {
            let message = format!("{}: „{line}”", cw.bad_field_line);
            return card_page(&state, &agent, &headers, &id, refused(message), status).await;
        }
    };
    let patch = patch_of(&form, &stored, fields);
    match crm::update(&state.ports, &agent.caller, &id, patch).await {
        Ok(_) => redirect_with_flash(&format!("/customers/{id}"), "customer_saved"),
        Err(RequestError::NotFound(_)) => not_found(&agent),
        Err(error @ RequestError::Invalid { .. }) => {
            let message = super::refusals::explain(agent.lang, &error).unwrap_or_default();
            card_page(&state, &agent, &headers, &id, refused(message), status).await
        }
        Err(error @ RequestError::Conflict(_)) => {
            let message = super::refusals::explain(agent.lang, &error).unwrap_or_default();
            card_page(
                &state,
                &agent,
                &headers,
                &id,
                refused(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => unavailable(Some(agent.lang), &error),
    }
}

/// `GET /customers/{id}/merge?from=`: the card with the other record named, to confirm.
async fn confirm_merge(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    let id = CustomerId(id);
    let from = super::query_param(raw.as_deref(), "from");
    let other = if ids::is_well_formed(&from) && from != id.as_str() {
        customer_views::detail(
            &state.ports,
            &agent.caller.tenant_id,
            &CustomerId(from),
            &CustomerTicketsQuery {
                limit: Some(1),
                ..CustomerTicketsQuery::default()
            },
        )
        .await
    } else {
        Err(RequestError::NotFound("customer"))
    };
    let (shown, status) = match other {
        Ok(other) => (
            Shown {
                merging: Some(other.customer),
                ..Shown::default()
            },
            StatusCode::OK,
        ),
        Err(RequestError::NotFound(_)) => (
            Shown {
                error: Some(words(agent.lang).unknown_customer.to_owned()),
                ..Shown::default()
            },
            StatusCode::NOT_FOUND,
        ),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    card_page(&state, &agent, &headers, &id, shown, status).await
}

/// The merge form: the other record's id.
#[derive(Deserialize)]
struct MergeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
}

/// `POST /customers/{id}/merge`: merges `from` into this customer through `crm::merge`.
async fn merge(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let id = CustomerId(id);
    let request = MergeRequest {
        from: form.from.clone(),
    };
    let refused = |message: String| Shown {
        error: Some(format!("{}: {message}", words(agent.lang).not_saved)),
        ..Shown::default()
    };
    match crm::merge(&state.ports, &agent.caller, &id, request).await {
        Ok(_) => redirect_with_flash(&format!("/customers/{id}"), "customers_merged"),
        Err(error @ RequestError::Invalid { .. }) => {
            let shown = refused(super::refusals::explain(agent.lang, &error).unwrap_or_default());
            card_page(
                &state,
                &agent,
                &headers,
                &id,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error @ (RequestError::Conflict(_) | RequestError::WrongState { .. })) => {
            let message = super::refusals::explain(agent.lang, &error).unwrap_or_default();
            card_page(
                &state,
                &agent,
                &headers,
                &id,
                refused(message),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(RequestError::NotFound(_)) => {
            let shown = refused(words(agent.lang).unknown_customer.to_owned());
            card_page(&state, &agent, &headers, &id, shown, StatusCode::NOT_FOUND).await
        }
        Err(error) => unavailable(Some(agent.lang), &error),
    }
}
