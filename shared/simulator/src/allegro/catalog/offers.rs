//! `GET /sale/product-offers/{offerId}` (`getProductOffer`, scope
//! `allegro:api:sale:offers:read`, public media type): one of the caller's offers, with the EAN
//! as product parameter `225693` "EAN (GTIN)".
//!
//! 400 for an id that is not all digits; 404 `OfferNotFoundException` for an unknown id,
//! another seller's offer or an archived one.

use super::orders::allegro_time;
use super::{stable_uuid, Offer, EAN_PARAMETER_ID, EAN_PARAMETER_NAME, MARKETPLACE_ID};
use crate::allegro::errors::{error_entry, errors_response};
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SimulatorState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

/// The offer routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new().route("/sale/product-offers/{offerId}", get(product_offer))
}

async fn product_offer(
    State(state): State<SimulatorState>,
    Path(offer_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(
        &state,
        &headers,
        "allegro:api:sale:offers:read",
        Media::Public,
    )?;
    if offer_id.is_empty() || !offer_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(errors_response(
            StatusCode::BAD_REQUEST,
            vec![error_entry(
                "VALIDATION_ERROR",
                "Invalid offer ID format",
                Some("offerId"),
                &format!("Offer id {offer_id} is not valid."),
            )],
        ));
    }
    let now = world.clock.now();
    // Commands whose tasks are due have run by now.
    world.allegro.catalog.settle_commands(now);
    match world.allegro.catalog.offer(&offer_id) {
        // Archived offers (60 days after ending) answer 404 like unknown ones.
        Some(offer) if offer.seller_id == caller.seller_id && !offer.is_archived(now) => Ok(
            json_response(StatusCode::OK, Media::Public, &product_offer_json(offer)),
        ),
        _ => Err(errors_response(
            StatusCode::NOT_FOUND,
            vec![error_entry(
                "OfferNotFoundException",
                "Not Found",
                Some(""),
                &format!("Offer {offer_id} does not exist."),
            )],
        )),
    }
}

/// An offer as Allegro's `SaleProductOfferResponseV1` (the fields a seller tool reads).
pub fn product_offer_json(offer: &Offer) -> Value {
    let product_set: Vec<Value> = offer
        .ean
        .iter()
        .map(|ean| {
            json!({
                "quantity": { "value": 1 },
                "product": {
                    "id": stable_uuid(&format!("product:{ean}")),
                    "publication": { "status": "LISTED" },
                    "parameters": [{
                        "id": EAN_PARAMETER_ID,
                        "name": EAN_PARAMETER_NAME,
                        "values": [ean],
                        "valuesIds": null,
                    }],
                    "isAiCoCreated": false,
                },
                "responsiblePerson": null,
                "responsibleProducer": null,
            })
        })
        .collect();
    let mut answer = json!({
        "id": offer.id,
        "name": offer.name,
        "category": { "id": offer.category_id },
        "productSet": product_set,
        "parameters": [{
            "id": "11323",
            "name": "Stan",
            "values": ["Nowy"],
            "valuesIds": ["11323_1"],
        }],
        "sellingMode": {
            "format": offer.format,
            "price": offer.price,
        },
        "stock": { "available": offer.stock, "unit": "UNIT" },
        "publication": {
            "status": offer.status,
            "endedBy": offer.ended_by,
            "republish": false,
            "marketplaces": { "base": { "id": MARKETPLACE_ID }, "additional": [] },
        },
        "images": [],
        "language": "pl-PL",
        "createdAt": allegro_time(offer.created_at),
        "updatedAt": allegro_time(offer.updated_at),
        "validation": { "errors": [], "warnings": [], "validatedAt": allegro_time(offer.updated_at) },
    });
    // `external` is an object in Allegro's document, not nullable: present only when set.
    if let Some(id) = &offer.external_id {
        answer["external"] = json!({ "id": id });
    }
    answer
}
