//! `GET /order/checkout-forms/{id}` (`getOrdersDetailsUsingGET`, scope
//! `allegro:api:orders:read`, public media type): one order as a `CheckoutForm`.
//!
//! 422 for an id that is not a UUID; 404 `CheckoutFormNotFoundException` for an unknown id,
//! another seller's order, or an order bought more than 12 months ago (allegro-api.md §7.3).

use super::{stable_uuid, Catalog, Order, Price, MARKETPLACE_ID, ORDER_RETENTION};
use crate::allegro::errors::{errors_holder, errors_response};
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SandboxState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// The order routes.
pub fn routes() -> Router<SandboxState> {
    Router::new().route("/order/checkout-forms/{id}", get(checkout_form))
}

async fn checkout_form(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (world, caller) = authorized(&state, &headers, "allegro:api:orders:read", Media::Public)?;
    if uuid::Uuid::try_parse(&id).is_err() {
        return Err(errors_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            vec![json!({
                "code": "VALIDATION_ERROR",
                "message": format!("Invalid UUID string: {id}"),
                "details": null,
                "path": "id",
                "userMessage": "Checkout form id must be a UUID",
                "metadata": {},
            })],
        ));
    }
    let now = world.clock.now();
    let catalog = &world.allegro.catalog;
    match catalog.order(&id) {
        Some(order)
            if order.seller_id == caller.seller_id && now - order.bought_at <= ORDER_RETENTION =>
        {
            Ok(json_response(
                StatusCode::OK,
                Media::Public,
                &checkout_form_json(catalog, order),
            ))
        }
        _ => Err(errors_holder(
            StatusCode::NOT_FOUND,
            "CheckoutFormNotFoundException",
            &format!("Checkout form {id} not found"),
            Some(&format!("/order/checkout-forms/{id}")),
        )),
    }
}

/// Allegro's date-time format: RFC 3339, milliseconds, `Z`.
pub fn allegro_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An order as Allegro's `CheckoutForm`.
pub fn checkout_form_json(catalog: &Catalog, order: &Order) -> Value {
    let buyer = catalog.buyer(&order.buyer_id);
    let total = Price::pln_from_grosze(order.total_hundredths());
    let line_items: Vec<Value> = order
        .line_items
        .iter()
        .map(|item| {
            let offer = catalog.offer(&item.offer_id);
            json!({
                "id": item.id,
                "offer": offer_reference(&item.offer_id, offer),
                "quantity": item.quantity,
                "originalPrice": item.price,
                "price": item.price,
                "boughtAt": allegro_time(order.bought_at),
            })
        })
        .collect();
    let paid = order.status == "READY_FOR_PROCESSING";
    let revision_seed = format!("{}:{}", order.id, allegro_time(order.updated_at));
    json!({
        "id": order.id,
        "buyer": {
            "id": order.buyer_id,
            "email": buyer.map(|b| b.email.as_str()).unwrap_or(""),
            "login": buyer.map(|b| b.login.as_str()).unwrap_or(""),
            "firstName": buyer.map(|b| b.first_name.as_str()).unwrap_or(""),
            "lastName": buyer.map(|b| b.last_name.as_str()).unwrap_or(""),
            "guest": false,
            "preferences": { "language": "pl-PL" },
        },
        "payment": {
            "id": stable_uuid(&format!("payment:{}", order.id)),
            "type": "ONLINE",
            "provider": "P24",
            "finishedAt": paid.then(|| allegro_time(order.bought_at)),
            "paidAmount": paid.then(|| total.clone()),
        },
        "status": order.status,
        "fulfillment": {
            "status": "NEW",
            "shipmentSummary": { "lineItemsSent": "NONE" },
            "provider": { "id": "SELLER" },
        },
        "invoice": { "required": false },
        "lineItems": line_items,
        "surcharges": [],
        "marketplace": { "id": MARKETPLACE_ID },
        "summary": { "totalToPay": total },
        "updatedAt": allegro_time(order.updated_at),
        "revision": &stable_uuid(&revision_seed).replace('-', "")[..8],
    })
}

/// A line item's offer; `external` only when the offer has an external id (the field is not
/// nullable in Allegro's document).
fn offer_reference(offer_id: &str, offer: Option<&super::Offer>) -> Value {
    let mut reference = json!({
        "id": offer_id,
        "name": offer.map(|o| o.name.as_str()).unwrap_or(""),
    });
    if let Some(external) = offer.and_then(|o| o.external_id.as_ref()) {
        reference["external"] = json!({ "id": external });
    }
    reference
}
