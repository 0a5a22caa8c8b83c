//! Control routes for buyers, offers and orders.

use super::checked_login;
use crate::allegro::catalog::{
    parse_hundredths, CompanyInvoice, Price, CHECKOUT_FORM_STATUSES, ORDER_EVENT_TYPES,
};
use crate::control::support::{
    answer, failure, invalid, not_found, ControlError, ControlJson, Outcome,
};
use crate::state::SimulatorState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

/// Buyer, offer and order control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/buyers", post(create_buyer))
        .route("/offers", post(create_offer))
        .route("/offers/{id}/stock", post(set_stock))
        .route("/offers/{id}/price", post(set_price))
        .route("/offers/{id}/end", post(end_offer))
        .route("/orders", post(create_order))
        .route("/orders/{id}/pay", post(pay_order))
        .route("/orders/{id}/cancel", post(cancel_order))
        .route("/orders/{id}/events", post(replay_event))
        .route("/orders/{id}/seller", axum::routing::get(seller_writes))
}

/// Body of `POST /buyers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBuyer {
    login: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

async fn create_buyer(
    State(state): State<SimulatorState>,
    ControlJson(new): ControlJson<NewBuyer>,
) -> Outcome {
    let login = checked_login(&new.login)?;
    let mut world = state.lock();
    let catalog = &mut world.allegro.catalog;
    if catalog.buyer_by_login(login).is_some() {
        return Err(failure(
            StatusCode::CONFLICT,
            format!("a buyer with login {login} exists"),
        ));
    }
    let buyer = catalog.add_buyer(
        login,
        new.first_name.as_deref().unwrap_or("Jan"),
        new.last_name.as_deref().unwrap_or("Kowalski"),
    );
    Ok(answer(
        StatusCode::CREATED,
        json!({
            "id": buyer.id,
            "login": buyer.login,
            "email": buyer.email,
            "plain_email": buyer.plain_email,
            "first_name": buyer.first_name,
            "last_name": buyer.last_name,
        }),
    ))
}

/// A price in a control body: `"49.99"` (PLN) or `{"amount": "49.99", "currency": "PLN"}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PriceInput {
    Amount(String),
    Full { amount: String, currency: String },
}

impl PriceInput {
    /// The validated price.
    fn price(&self) -> Result<Price, String> {
        let (amount, currency) = match self {
            PriceInput::Amount(amount) => (amount.as_str(), "PLN"),
            PriceInput::Full { amount, currency } => (amount.as_str(), currency.as_str()),
        };
        let hundredths = parse_hundredths(amount)
            .ok_or_else(|| format!("price amount {amount:?} is not a decimal like \"49.99\""))?;
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!("currency {currency:?} is not an ISO 4217 code"));
        }
        Ok(Price {
            amount: format!("{}.{:02}", hundredths / 100, hundredths % 100),
            currency: currency.into(),
        })
    }

    /// The validated price of an optional input; 422 when it is given and invalid.
    fn optional(input: Option<&Self>) -> Result<Option<Price>, ControlError> {
        input.map(Self::price).transpose().map_err(invalid)
    }
}

/// Body of `POST /offers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOffer {
    seller_id: String,
    name: String,
    ean: Option<String>,
    price: Option<PriceInput>,
    stock: Option<u32>,
    external_id: Option<String>,
    category_id: Option<String>,
    /// `BUY_NOW` (default), `AUCTION` or `ADVERTISEMENT`.
    format: Option<String>,
    /// Created as ended at this time (by the seller, `USER`).
    ended_at: Option<DateTime<Utc>>,
}

async fn create_offer(
    State(state): State<SimulatorState>,
    ControlJson(new): ControlJson<NewOffer>,
) -> Outcome {
    if new.name.trim().is_empty() || new.name.chars().count() > 75 {
        return Err(invalid("name must have 1 to 75 characters"));
    }
    if let Some(ean) = &new.ean {
        if !(8..=14).contains(&ean.len()) || !ean.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid("ean must be 8 to 14 digits"));
        }
    }
    if new.external_id.as_ref().is_some_and(|id| id.len() > 100) {
        return Err(invalid("external_id must have at most 100 characters"));
    }
    let format = new.format.unwrap_or_else(|| "BUY_NOW".into());
    if !["BUY_NOW", "AUCTION", "ADVERTISEMENT"].contains(&format.as_str()) {
        return Err(invalid("format must be BUY_NOW, AUCTION or ADVERTISEMENT"));
    }
    let price =
        PriceInput::optional(new.price.as_ref())?.unwrap_or_else(|| Price::pln_from_grosze(9_999));
    let mut world = state.lock();
    let now = world.clock.now();
    if !world.allegro.accounts.sellers.contains_key(&new.seller_id) {
        return Err(not_found(format!("unknown seller {}", new.seller_id)));
    }
    let id = world
        .allegro
        .catalog
        .add_offer(&new.seller_id, new.name.trim(), new.ean, price, now)
        .id
        .clone();
    let Some(offer) = world.allegro.catalog.offer_mut(&id) else {
        return Err(failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the offer vanished",
        ));
    };
    if let Some(stock) = new.stock {
        offer.stock = stock;
    }
    offer.external_id = new.external_id;
    if let Some(category_id) = new.category_id {
        offer.category_id = category_id;
    }
    offer.format = format;
    // Created without stock, or ended at a given time: listed as Allegro lists ended offers.
    match new.ended_at {
        Some(at) => {
            offer.status = "ENDED".into();
            offer.ended_at = Some(at);
            offer.ended_by = Some("USER".into());
        }
        None if offer.stock == 0 => {
            offer.status = "ENDED".into();
            offer.ended_at = Some(now);
            offer.ended_by = Some("EMPTY_STOCK".into());
        }
        None => {}
    }
    Ok(answer(
        StatusCode::CREATED,
        json!({
            "id": offer.id,
            "seller_id": offer.seller_id,
            "name": offer.name,
            "ean": offer.ean,
            "price": offer.price,
            "stock": offer.stock,
            "format": offer.format,
            "status": offer.status,
        }),
    ))
}

/// Body of `POST /offers/{id}/stock`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStock {
    stock: u32,
}

/// Sets an offer's stock as the seller would on Allegro (an event for a live offer; 0 ends it).
async fn set_stock(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<NewStock>,
) -> Outcome {
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    catalog
        .set_offer_stock(&id, body.stock, now)
        .ok_or_else(|| not_found(format!("unknown offer {id}")))?;
    offer_answer(catalog.offer(&id))
}

/// Body of `POST /offers/{id}/price`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPrice {
    price: PriceInput,
}

/// Sets an offer's buy-now price as the seller would on Allegro.
async fn set_price(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<NewPrice>,
) -> Outcome {
    let price = body.price.price().map_err(invalid)?;
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    catalog
        .set_offer_price(&id, price, now)
        .ok_or_else(|| not_found(format!("unknown offer {id}")))?;
    offer_answer(catalog.offer(&id))
}

/// Body of `POST /offers/{id}/end`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EndOffer {
    /// `USER` (default), `EXPIRATION`, `ADMIN`, …
    ended_by: Option<String>,
}

/// Ends a live offer (by the seller, or as Allegro ends one when its time is up).
async fn end_offer(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<EndOffer>,
) -> Outcome {
    let ended_by = body.ended_by.unwrap_or_else(|| "USER".into());
    let known = [
        "USER",
        "ADMIN",
        "EXPIRATION",
        "EMPTY_STOCK",
        "PRODUCT_DETACHMENT",
        "ERROR",
        "UNKNOWN",
    ];
    if !known.contains(&ended_by.as_str()) {
        return Err(invalid(format!(
            "ended_by must be one of {}",
            known.join(", ")
        )));
    }
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    catalog
        .end_offer(&id, &ended_by, now)
        .ok_or_else(|| not_found(format!("unknown offer {id}")))?;
    offer_answer(catalog.offer(&id))
}

/// The control answer about an offer.
fn offer_answer(offer: Option<&crate::allegro::catalog::Offer>) -> Outcome {
    let offer = offer.ok_or_else(|| not_found("the offer vanished".to_owned()))?;
    Ok(answer(
        StatusCode::OK,
        json!({
            "id": offer.id,
            "stock": offer.stock,
            "price": offer.price,
            "format": offer.format,
            "status": offer.status,
            "ended_by": offer.ended_by,
        }),
    ))
}

/// One line of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLine {
    offer_id: String,
    #[serde(default = "one")]
    quantity: u32,
    /// Unit price; the offer's price when absent.
    price: Option<PriceInput>,
}

fn one() -> u32 {
    1
}

/// Body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
    seller_id: String,
    buyer_id: String,
    /// One unit of each, at the offer's price.
    offer_ids: Option<Vec<String>>,
    line_items: Option<Vec<NewLine>>,
    /// RFC 3339; now when absent.
    bought_at: Option<String>,
    /// Checkout form status; `READY_FOR_PROCESSING` when absent.
    status: Option<String>,
    /// Company invoice data (with a NIP or not); none: no invoice wanted.
    invoice: Option<CompanyInvoice>,
}

async fn create_order(
    State(state): State<SimulatorState>,
    ControlJson(new): ControlJson<NewOrder>,
) -> Outcome {
    let lines: Vec<NewLine> = match (new.offer_ids, new.line_items) {
        (Some(ids), None) => ids
            .into_iter()
            .map(|offer_id| NewLine {
                offer_id,
                quantity: 1,
                price: None,
            })
            .collect(),
        (None, Some(lines)) => lines,
        _ => return Err(invalid("give exactly one of offer_ids and line_items")),
    };
    if lines.is_empty() {
        return Err(invalid("an order needs at least one line"));
    }
    if lines.iter().any(|l| l.quantity == 0) {
        return Err(invalid("quantity must be at least 1"));
    }
    let status = new.status.unwrap_or_else(|| "READY_FOR_PROCESSING".into());
    if !CHECKOUT_FORM_STATUSES.contains(&status.as_str()) {
        return Err(invalid(format!(
            "status must be one of {}",
            CHECKOUT_FORM_STATUSES.join(", ")
        )));
    }
    let bought_at = match new.bought_at.as_deref().map(DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(at)) => Some(at.with_timezone(&Utc)),
        Some(Err(error)) => return Err(invalid(format!("bought_at is not RFC 3339: {error}"))),
    };

    let mut world = state.lock();
    let bought_at = bought_at.unwrap_or_else(|| world.clock.now());
    if !world.allegro.accounts.sellers.contains_key(&new.seller_id) {
        return Err(not_found(format!("unknown seller {}", new.seller_id)));
    }
    let catalog = &mut world.allegro.catalog;
    if catalog.buyer(&new.buyer_id).is_none() {
        return Err(not_found(format!("unknown buyer {}", new.buyer_id)));
    }
    let mut priced = Vec::with_capacity(lines.len());
    for line in lines {
        let Some(offer) = catalog.offer(&line.offer_id) else {
            return Err(not_found(format!("unknown offer {}", line.offer_id)));
        };
        if offer.seller_id != new.seller_id {
            return Err(invalid(format!(
                "offer {} belongs to another seller",
                line.offer_id
            )));
        }
        let price =
            PriceInput::optional(line.price.as_ref())?.unwrap_or_else(|| offer.price.clone());
        priced.push((line.offer_id, line.quantity, price));
    }
    let order = catalog.add_order(&new.seller_id, &new.buyer_id, priced, bought_at);
    let id = order.id.clone();
    if let Some(order) = catalog.order_mut(&id) {
        order.status = status.clone();
        order.invoice = new.invoice;
    }
    // The journal tells the story up to the status given, as Allegro would have.
    let story: &[&str] = match status.as_str() {
        "BOUGHT" => &["BOUGHT"],
        "FILLED_IN" => &["BOUGHT", "FILLED_IN"],
        "READY_FOR_PROCESSING" => &["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"],
        _ => &["BOUGHT", "BUYER_CANCELLED"],
    };
    for event_type in story {
        catalog.record_order_event(&id, event_type, bought_at);
    }
    let Some(order) = catalog.order(&id) else {
        return Err(failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the order vanished",
        ));
    };
    let line_items: Vec<_> = order
        .line_items
        .iter()
        .map(|l| {
            json!({
                "id": l.id,
                "offer_id": l.offer_id,
                "quantity": l.quantity,
                "price": l.price,
            })
        })
        .collect();
    Ok(answer(
        StatusCode::CREATED,
        json!({
            "id": order.id,
            "seller_id": order.seller_id,
            "buyer_id": order.buyer_id,
            "bought_at": order.bought_at,
            "status": order.status,
            "line_items": line_items,
        }),
    ))
}

/// `POST /orders/{id}/pay`: the buyer fills in the checkout form and pays
/// (`READY_FOR_PROCESSING`, events `FILLED_IN` if it was not yet, then `READY_FOR_PROCESSING`).
async fn pay_order(State(state): State<SimulatorState>, Path(id): Path<String>) -> Outcome {
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    let Some(order) = catalog.order_mut(&id) else {
        return Err(not_found(format!("unknown order {id}")));
    };
    let was = order.status.clone();
    if was == "READY_FOR_PROCESSING" || was == "CANCELLED" {
        return Err(failure(
            StatusCode::CONFLICT,
            format!("order {id} is {was}: it cannot be paid"),
        ));
    }
    order.status = "READY_FOR_PROCESSING".into();
    order.updated_at = now;
    if was == "BOUGHT" {
        catalog.record_order_event(&id, "FILLED_IN", now);
    }
    let event = catalog.record_order_event(&id, "READY_FOR_PROCESSING", now);
    Ok(answer(
        StatusCode::OK,
        json!({ "id": id, "status": "READY_FOR_PROCESSING", "event_id": event.map(|e| e.to_string()) }),
    ))
}

/// Body of `POST /orders/{id}/cancel`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cancellation {
    /// `BUYER` (default: event `BUYER_CANCELLED`) or `AUTO` (Allegro: `AUTO_CANCELLED`).
    by: Option<String>,
}

/// `POST /orders/{id}/cancel`: the buyer (or Allegro) cancels, before or after payment.
async fn cancel_order(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Outcome {
    let cancellation: Cancellation = crate::control::support::parse_or_empty(&body)?;
    let event_type = match cancellation.by.as_deref().unwrap_or("BUYER") {
        "BUYER" => "BUYER_CANCELLED",
        "AUTO" => "AUTO_CANCELLED",
        _ => return Err(invalid("by must be BUYER or AUTO")),
    };
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    let Some(order) = catalog.order_mut(&id) else {
        return Err(not_found(format!("unknown order {id}")));
    };
    if order.status == "CANCELLED" {
        return Err(failure(
            StatusCode::CONFLICT,
            format!("order {id} is already cancelled"),
        ));
    }
    order.status = "CANCELLED".into();
    order.updated_at = now;
    let event = catalog.record_order_event(&id, event_type, now);
    Ok(answer(
        StatusCode::OK,
        json!({ "id": id, "status": "CANCELLED", "event_id": event.map(|e| e.to_string()) }),
    ))
}

/// Body of `POST /orders/{id}/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayedEvent {
    #[serde(rename = "type")]
    event_type: String,
}

/// `POST /orders/{id}/events`: appends an event without changing the order, as Allegro's
/// duplicate and late events do (allegro-api.md §7.1).
async fn replay_event(
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    ControlJson(body): ControlJson<ReplayedEvent>,
) -> Outcome {
    if !ORDER_EVENT_TYPES.contains(&body.event_type.as_str()) {
        return Err(invalid(format!(
            "type must be one of {}",
            ORDER_EVENT_TYPES.join(", ")
        )));
    }
    let mut world = state.lock();
    let now = world.clock.now();
    let Some(event) = world
        .allegro
        .catalog
        .record_order_event(&id, &body.event_type, now)
    else {
        return Err(not_found(format!("unknown order {id}")));
    };
    Ok(answer(
        StatusCode::CREATED,
        json!({ "event_id": event.to_string() }),
    ))
}

/// `GET /orders/{id}/seller`: what the seller sent about the order through the API
/// (fulfillment changes, invoices with their files), for tests to read what arrived.
async fn seller_writes(State(state): State<SimulatorState>, Path(id): Path<String>) -> Outcome {
    let world = state.lock();
    let catalog = &world.allegro.catalog;
    if catalog.order(&id).is_none() {
        return Err(not_found(format!("unknown order {id}")));
    }
    Ok(answer(
        StatusCode::OK,
        crate::allegro::catalog::seller_writes_json(catalog, &id),
    ))
}
