//! The order journal: `GET /order/events` (`getOrderEventsUsingGET`) and `GET /order/event-stats`
//! (`getOrderEventsStatisticsUsingGET`), scope `allegro:api:orders:read`, public media type.
//!
//! Events are the caller's, oldest first, kept 60 days (allegro-api.md §7.1); `from` is the id of
//! the last event seen (events after it are answered); `type` filters (repeatable); `limit`
//! 1–1000 (default 100), else 422.

use super::orders::{allegro_time, line_items_json};
use super::{Catalog, OrderEventRecord, MARKETPLACE_ID, ORDER_EVENT_RETENTION, ORDER_EVENT_TYPES};
use crate::allegro::errors::errors_response;
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SimulatorState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

/// The journal routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/order/events", get(order_events))
        .route("/order/event-stats", get(event_stats))
}

fn incorrect_query(message: &str) -> Response {
    errors_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![json!({
            "code": "VALIDATION_ERROR",
            "message": message,
            "details": null,
            "path": null,
            "userMessage": "Query parameters are incorrect",
            "metadata": {},
        })],
    )
}

/// The parsed query: `from`, `type` (repeatable), `limit`.
struct EventsQuery {
    from: Option<u64>,
    types: Vec<String>,
    limit: usize,
}

/// The query, or the message of a 422.
fn parse_query(raw: Option<&str>) -> Result<EventsQuery, String> {
    let mut query = EventsQuery {
        from: None,
        types: Vec::new(),
        limit: 100,
    };
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "from" => {
                query.from = Some(
                    value
                        .parse()
                        .map_err(|_| "from must be an event id".to_owned())?,
                )
            }
            "type" => {
                if !ORDER_EVENT_TYPES.contains(&value.as_ref()) {
                    return Err("unknown event type".into());
                }
                query.types.push(value.into_owned());
            }
            "limit" => {
                query.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| "limit must be between 1 and 1000".to_owned())?
            }
            _ => {}
        }
    }
    Ok(query)
}

async fn order_events(
    State(state): State<SimulatorState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (world, caller) = authorized(&state, &headers, "allegro:api:orders:read", Media::Public)?;
    let query = parse_query(raw.as_deref()).map_err(|m| incorrect_query(&m))?;
    let oldest = world.clock.now() - ORDER_EVENT_RETENTION;
    let catalog = &world.allegro.catalog;
    let events: Vec<Value> = catalog
        .order_events()
        .iter()
        .filter(|e| e.seller_id == caller.seller_id && e.occurred_at >= oldest)
        .filter(|e| query.from.is_none_or(|from| e.id > from))
        .filter(|e| query.types.is_empty() || query.types.contains(&e.event_type))
        .take(query.limit)
        .filter_map(|e| event_json(catalog, e))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &json!({ "events": events }),
    ))
}

async fn event_stats(
    State(state): State<SimulatorState>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (world, caller) = authorized(&state, &headers, "allegro:api:orders:read", Media::Public)?;
    let latest = world
        .allegro
        .catalog
        .order_events()
        .iter()
        .rev()
        .find(|e| e.seller_id == caller.seller_id);
    let body = match latest {
        Some(event) => json!({
            "latestEvent": { "id": event.id.to_string(), "occurredAt": allegro_time(event.occurred_at) }
        }),
        None => json!({}),
    };
    Ok(json_response(StatusCode::OK, Media::Public, &body))
}

/// An event as Allegro's `OrderEvent` (the order as it is now, like Allegro's journal).
fn event_json(catalog: &Catalog, event: &OrderEventRecord) -> Option<Value> {
    let order = catalog.order(&event.order_id)?;
    let buyer = catalog.buyer(&order.buyer_id);
    Some(json!({
        "id": event.id.to_string(),
        "occurredAt": allegro_time(event.occurred_at),
        "type": event.event_type,
        "order": {
            "seller": { "id": order.seller_id },
            "buyer": {
                "id": order.buyer_id,
                "email": buyer.map(|b| b.email.as_str()).unwrap_or(""),
                "login": buyer.map(|b| b.login.as_str()).unwrap_or(""),
                "guest": false,
                "preferences": { "language": "pl-PL" },
            },
            "lineItems": line_items_json(catalog, order),
            "checkoutForm": { "id": order.id, "revision": super::orders::revision(order) },
            "marketplace": { "id": MARKETPLACE_ID },
        },
    }))
}
