//! The order pages: `/orders` (the tenant's orders, newest first, by status and buyer) and
//! `/orders/{id}` (the order with its checkout form, what was sent to Allegro, and the
//! fulfillment status an agent sets, sent through the order-update outbox). Handlers call
//! `order_desk` and `order_updates` as `/v1/orders` does.

use super::format::time;
use super::i18n::{Lang, Strings};
use super::notices::{forbidden, not_found};
use super::views::order_line;
use super::{redirect_with_flash, render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use marketdesk_core::domain::order::OrderStatus;
use marketdesk_core::domain::order_update::{FulfillmentStatus, OrderUpdateKind, OrderUpdateState};
use marketdesk_core::ids;
use marketdesk_core::services::order_desk::{self, OrderQuery};
use marketdesk_core::services::order_updates::{self, FulfillmentRequest};
use marketdesk_core::services::request::RequestError;
use serde::Deserialize;

/// The order pages' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list))
        .route("/orders/{id}", get(page).post(set_fulfillment))
}

/// The words of the order pages (Polish first).
pub(crate) struct OrderWords {
    pub orders: &'static str,
    pub status: &'static str,
    pub all: &'static str,
    pub buyer: &'static str,
    pub show: &'static str,
    pub none_found: &'static str,
    pub order: &'static str,
    pub state: &'static str,
    pub created: &'static str,
    pub next_page: &'static str,
    pub details: &'static str,
    pub delivery: &'static str,
    pub items: &'static str,
    pub fulfillment: &'static str,
    pub fulfillment_status: &'static str,
    pub send: &'static str,
    pub send_hint: &'static str,
    pub updates: &'static str,
    pub no_updates: &'static str,
    pub queued: &'static str,
    pub invoice: &'static str,
    /// NEW, PROCESSING, READY_FOR_SHIPMENT, READY_FOR_PICKUP, SENT, PICKED_UP, CANCELLED,
    /// SUSPENDED.
    pub fulfillment_statuses: [&'static str; 8],
    /// pending, sent, failed, superseded.
    pub update_states: [&'static str; 4],
}

static PL: OrderWords = OrderWords {
    orders: "Zamówienia",
    status: "Status",
    all: "Wszystkie",
    buyer: "Kupujący",
    show: "Pokaż",
    none_found: "Brak zamówień.",
    order: "Zamówienie",
    state: "Stan",
    created: "Utworzone",
    next_page: "Następna strona",
    details: "Szczegóły",
    delivery: "Dostawa",
    items: "Produkty",
    fulfillment: "Realizacja w Allegro",
    fulfillment_status: "Status realizacji",
    send: "Wyślij do Allegro",
    send_hint: "Allegro powiadomi kupującego; marketdesk nie wysyła kupującym e-maili o płatności ani wysyłce.",
    updates: "Wysłane do Allegro",
    no_updates: "Nic jeszcze nie wysłano.",
    queued: "Status realizacji czeka na wysłanie do Allegro.",
    invoice: "Faktura",
    fulfillment_statuses: [
        "Nowe",
        "W realizacji",
        "Gotowe do wysyłki",
        "Gotowe do odbioru",
        "Wysłane",
        "Odebrane",
        "Anulowane",
        "Wstrzymane",
    ],
    update_states: ["czeka", "wysłane", "nie udało się", "zastąpione"],
};

static EN: OrderWords = OrderWords {
    orders: "Orders",
    status: "Status",
    all: "All",
    buyer: "Buyer",
    show: "Show",
    none_found: "No orders.",
    order: "Order",
    state: "State",
    created: "Created",
    next_page: "Next page",
    details: "Details",
    delivery: "Delivery",
    items: "Items",
    fulfillment: "Fulfillment on Allegro",
    fulfillment_status: "Fulfillment status",
    send: "Send to Allegro",
    send_hint:
        "Allegro notifies the buyer; marketdesk never e-mails buyers about payment or shipping.",
    updates: "Sent to Allegro",
    no_updates: "Nothing sent yet.",
    queued: "The fulfillment status is waiting to be sent to Allegro.",
    invoice: "Invoice",
    fulfillment_statuses: [
        "New",
        "Processing",
        "Ready for shipment",
        "Ready for pickup",
        "Sent",
        "Picked up",
        "Cancelled",
        "Suspended",
    ],
    update_states: ["pending", "sent", "failed", "superseded"],
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static OrderWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// The flash messages of the order pages.
pub(crate) fn flash(lang: Lang, code: &str) -> Option<&'static str> {
    (code == "fulfillment_queued").then(|| words(lang).queued)
}

/// One order of the list.
struct OrderRow {
    href: String,
    form_id: String,
    buyer: String,
    line: String,
    created: (String, String),
}

/// The order list.
#[derive(Template)]
#[template(path = "orders.html")]
struct ListPage {
    l: Layout,
    t: &'static Strings,
    ow: &'static OrderWords,
    status: String,
    buyer: String,
    rows: Vec<OrderRow>,
    next_href: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let param = |name: &str| super::query_param(raw.as_deref(), name);
    let (status, buyer, cursor) = (param("status"), param("buyer"), param("cursor"));
    let query = OrderQuery {
        status: match status.as_str() {
            "new" => Some(OrderStatus::New),
            "cancelled" => Some(OrderStatus::Cancelled),
            _ => None,
        },
        buyer: Some(buyer.clone()).filter(|b| !b.is_empty()),
        cursor: Some(cursor).filter(|c| !c.is_empty()),
        ..OrderQuery::default()
    };
    let page = match order_desk::list(&state.ports, &agent.caller, &query).await {
        Ok(page) => page,
        // A cursor from elsewhere: start again.
        Err(RequestError::Invalid { .. }) => order_desk::OrderPage {
            orders: Vec::new(),
            next_cursor: None,
        },
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, ow) = (agent.lang.strings(), words(agent.lang));
    let flash = take_flash(&headers, t);
    let mut l = Layout::new(agent.lang, ow.orders, "/orders", Some(&agent));
    l.flash = flash;
    let html = ListPage {
        l,
        t,
        ow,
        next_href: page.next_cursor.map(|c| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("status", &status)
                .append_pair("buyer", &buyer)
                .append_pair("cursor", &c);
            format!("/orders?{}", s.finish())
        }),
        rows: page
            .orders
            .iter()
            .map(|order| OrderRow {
                href: format!("/orders/{}", order.id),
                form_id: order.checkout_form_id.clone(),
                buyer: order.buyer_login.clone(),
                line: order_line(t, order),
                created: time(t, order.created_at),
            })
            .collect(),
        status,
        buyer,
    }
    .render();
    render(html, StatusCode::OK, flash.is_some())
}

/// One order.
#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    l: Layout,
    t: &'static Strings,
    ow: &'static OrderWords,
    csrf: String,
    action: String,
    form_id: String,
    line: String,
    buyer: String,
    delivery: Option<String>,
    nip: Option<String>,
    lines: Vec<String>,
    /// Allegro's status name, its label, whether it is the order's current one.
    statuses: Vec<(&'static str, &'static str, bool)>,
    updates: Vec<String>,
}

async fn page(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    order_page(&state, &agent, &headers, &id, None).await
}

/// The order page, with a refusal to show when a form was not taken (answered 422).
async fn order_page(
    state: &AppState,
    agent: &Agent,
    headers: &HeaderMap,
    id: &str,
    error: Option<String>,
) -> Response {
    let detail = match order_desk::get(&state.ports, &agent.caller, id).await {
        Ok(detail) => detail,
        Err(RequestError::NotFound(_)) => return not_found(agent),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, ow) = (agent.lang.strings(), words(agent.lang));
    let flash = take_flash(headers, t);
    let here = format!("/orders/{id}");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let order = &detail.order;
    let mut l = Layout::new(
        agent.lang,
        format!("{} {}", ow.order, order.checkout_form_id),
        &here,
        Some(agent),
    );
    l.flash = flash;
    l.error = error;
    let form = detail.checkout_form.as_ref();
    let current = order.fulfillment_status.as_deref();
    let html = OrderPage {
        l,
        t,
        ow,
        csrf: agent.csrf.clone(),
        action: here.clone(),
        form_id: order.checkout_form_id.clone(),
        line: order_line(t, order),
        buyer: order.buyer_login.clone(),
        delivery: form.and_then(|f| f.delivery.address.as_ref()).map(|a| {
            format!(
                "{}, {}, {} {} ({})",
                a.name, a.street, a.zip_code, a.city, a.country_code
            )
        }),
        nip: form.and_then(|f| f.invoice.nip.clone()),
        lines: form
            .map(|f| {
                f.lines
                    .iter()
                    .map(|line| format!("{} × {}", line.offer_name, line.quantity))
                    .collect()
            })
            .unwrap_or_default(),
        statuses: FulfillmentStatus::ALL
            .into_iter()
            .zip(ow.fulfillment_statuses)
            .map(|(status, label)| (status.as_str(), label, Some(status.as_str()) == current))
            .collect(),
        updates: detail
            .updates
            .iter()
            .map(|update| {
                let what = match &update.kind {
                    OrderUpdateKind::Fulfillment { status } => {
                        format!("{}: {}", ow.fulfillment_status, status.as_str())
                    }
                    OrderUpdateKind::Invoice(_) => ow.invoice.to_owned(),
                };
                let state = ow.update_states[match update.state {
                    OrderUpdateState::Pending => 0,
                    OrderUpdateState::Sent => 1,
                    OrderUpdateState::Failed => 2,
                    OrderUpdateState::Superseded => 3,
                }];
                let (at, _) = time(t, update.sent_at.unwrap_or(update.requested_at));
                match &update.last_error {
                    Some(error) => format!("{what} · {state} · {at} · {error}"),
                    None => format!("{what} · {state} · {at}"),
                }
            })
            .collect(),
    }
    .render();
    render(html, status, flash.is_some())
}

/// The fulfillment form.
#[derive(Debug, Clone, Deserialize)]
struct FulfillmentForm {
    csrf: String,
    status: String,
}

async fn set_fulfillment(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<FulfillmentForm>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let request = FulfillmentRequest {
        status: form.status,
    };
    match order_updates::set_fulfillment(&state.ports, &agent.caller, &id, request).await {
        Ok(_) => redirect_with_flash(&format!("/orders/{id}"), "fulfillment_queued"),
        Err(RequestError::NotFound(_)) => not_found(&agent),
        Err(
            error @ (RequestError::Invalid { .. }
            | RequestError::Rule { .. }
            | RequestError::WrongState { .. }
            | RequestError::Conflict(_)),
        ) => {
            let message =
                super::refusals::explain(agent.lang, &error).unwrap_or_else(|| error.to_string());
            order_page(&state, &agent, &headers, &id, Some(message)).await
        }
        Err(error) => unavailable(Some(agent.lang), &error),
    }
}
