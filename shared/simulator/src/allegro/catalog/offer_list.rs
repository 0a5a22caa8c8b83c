//! `GET /sale/offers` (`searchOffersUsingGET`) and `GET /sale/offer-events` (`getOfferEvents`),
//! scope `allegro:api:sale:offers:read`, public media type (allegro-api.md §8.1–8.2).
//!
//! Offers: the caller's, by id, filtered by `offer.id`, `publication.status`,
//! `sellingMode.format` and `external.id` (each repeatable); `limit` 1–1000 (default 20),
//! `offset` from 0; archived offers are absent. Events: the caller's from the last 24 hours,
//! oldest first, after `from` (an event id), filtered by `type`; `limit` 1–1000 (default 100).
//! Bad parameters answer 400 `ErrorsHolder` as the document says.

use super::orders::allegro_time;
use super::{Offer, OfferEventRecord, MARKETPLACE_ID, OFFER_EVENT_TYPES};
use crate::allegro::errors::{error_entry, errors_response, DocumentedAsPlainJson};
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SimulatorState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

/// The offer list and journal routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/sale/offers", get(offers))
        .route("/sale/offer-events", get(offer_events))
}

const SCOPE: &str = "allegro:api:sale:offers:read";
const STATUSES: &[&str] = &["INACTIVE", "ACTIVE", "ACTIVATING", "ENDED"];
const FORMATS: &[&str] = &["BUY_NOW", "ADVERTISEMENT", "AUCTION"];

fn bad_parameter(parameter: &str, message: &str) -> Response {
    errors_response(
        StatusCode::BAD_REQUEST,
        vec![error_entry(
            "VALIDATION_ERROR",
            message,
            Some(parameter),
            "Query parameters are incorrect",
        )],
    )
}

/// `value` as a number within `range`, or the message of a 400 about `parameter`.
fn number(
    value: &str,
    parameter: &str,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, String> {
    value
        .parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            format!(
                "{parameter} must be between {} and {}",
                range.start(),
                range.end()
            )
        })
}

async fn offers(
    State(state): State<SimulatorState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Public)?;
    let (mut ids, mut statuses, mut formats, mut externals) = (vec![], vec![], vec![], vec![]);
    let (mut limit, mut offset) = (20, 0);
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        let value = value.into_owned();
        match key.as_ref() {
            "offer.id" => ids.push(value),
            "publication.status" if STATUSES.contains(&value.as_str()) => statuses.push(value),
            "publication.status" => {
                return Err(bad_parameter("publication.status", "unknown status"))
            }
            "sellingMode.format" if FORMATS.contains(&value.as_str()) => formats.push(value),
            "sellingMode.format" => {
                return Err(bad_parameter("sellingMode.format", "unknown format"))
            }
            "external.id" => externals.push(value),
            "limit" => {
                limit = number(&value, "limit", 1..=1000).map_err(|m| bad_parameter("limit", &m))?
            }
            "offset" => {
                offset = number(&value, "offset", 0..=9_999_999)
                    .map_err(|m| bad_parameter("offset", &m))?
            }
            _ => {}
        }
    }
    if offset + limit > 10_000_000 {
        return Err(bad_parameter(
            "offset",
            "offset + limit must not exceed 10000000",
        ));
    }
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    // Commands whose tasks are due have run by now.
    catalog.settle_commands(now);
    catalog.sweep_archived(now);
    let matching: Vec<&Offer> = catalog
        .offers()
        .filter(|o| o.seller_id == caller.seller_id && !o.is_archived(now))
        .filter(|o| ids.is_empty() || ids.contains(&o.id))
        .filter(|o| statuses.is_empty() || statuses.contains(&o.status))
        .filter(|o| formats.is_empty() || formats.contains(&o.format))
        .filter(|o| {
            externals.is_empty()
                || o.external_id
                    .as_ref()
                    .is_some_and(|e| externals.contains(e))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| listing_json(o))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &json!({ "offers": page, "count": page.len(), "totalCount": matching.len() }),
    ))
}

/// An offer as Allegro's `OfferListingDto` (the fields a seller tool reads).
fn listing_json(offer: &Offer) -> Value {
    let mut listing = json!({
        "id": offer.id,
        "name": offer.name,
        "category": { "id": offer.category_id },
        "primaryImage": { "url": format!("https://a.allegroimg.com/original/{}.jpg", offer.id) },
        "sellingMode": { "format": offer.format, "price": offer.price },
        "stock": { "available": offer.stock, "sold": 0 },
        "stats": { "watchersCount": 0, "visitsCount": 0 },
        "publication": {
            "status": offer.status,
            "startedAt": allegro_time(offer.created_at),
            "marketplaces": { "base": { "id": MARKETPLACE_ID }, "additional": [] },
        },
        "isFulfillment": false,
    });
    if let Some(id) = &offer.external_id {
        listing["external"] = json!({ "id": id });
    }
    // Not nullable in the document: present only when the offer ended.
    if let Some(at) = offer.ended_at {
        listing["publication"]["endedAt"] = json!(allegro_time(at));
    }
    listing
}

async fn offer_events(
    State(state): State<SimulatorState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Response> {
    journal(state, raw, headers).await.map_err(|mut refused| {
        // This endpoint's document declares its 400 as plain JSON.
        if refused.status() == StatusCode::BAD_REQUEST {
            refused.extensions_mut().insert(DocumentedAsPlainJson);
        }
        refused
    })
}

async fn journal(
    state: SimulatorState,
    raw: Option<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Public)?;
    let (mut from, mut types, mut limit) = (None, vec![], 100);
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "from" => {
                from = Some(
                    OfferEventRecord::seq_of(&value)
                        .filter(|_| value.len() <= 256)
                        .ok_or_else(|| {
                            bad_parameter(
                                "from",
                                "from must be the id of an event from this journal",
                            )
                        })?,
                )
            }
            "type" if OFFER_EVENT_TYPES.contains(&value.as_ref()) => types.push(value.into_owned()),
            "type" => return Err(bad_parameter("type", "unknown event type")),
            "limit" => {
                limit = number(&value, "limit", 1..=1000).map_err(|m| bad_parameter("limit", &m))?
            }
            _ => {}
        }
    }
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    // Commands whose tasks are due have run by now.
    catalog.settle_commands(now);
    catalog.sweep_archived(now);
    let events: Vec<Value> = catalog
        .offer_events(now)
        .into_iter()
        .filter(|e| e.seller_id == caller.seller_id)
        .filter(|e| from.is_none_or(|from| e.seq > from))
        .filter(|e| types.is_empty() || types.contains(&e.event_type))
        .take(limit)
        .map(event_json)
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &json!({ "offerEvents": events }),
    ))
}

/// An event as Allegro's (`OfferActivatedEvent`, `OfferEndedEvent`, …): no new values.
fn event_json(event: &OfferEventRecord) -> Value {
    let mut offer = json!({ "id": event.offer_id });
    if let Some(id) = &event.external_id {
        offer["external"] = json!({ "id": id });
    }
    if event.event_type == "OFFER_ENDED" {
        offer["publication"] = json!({ "endedBy": event.ended_by.as_deref().unwrap_or("UNKNOWN") });
    }
    if event.event_type == "OFFER_PRICE_CHANGED" {
        offer["marketplaces"] = json!([{ "id": MARKETPLACE_ID, "changeType": "MANUAL" }]);
    }
    json!({
        "id": event.id(),
        "occurredAt": allegro_time(event.occurred_at),
        "type": event.event_type,
        "offer": offer,
    })
}
