//! `GET /me` (`meGET`, scope `allegro:api:profile:read`, public media type): the seller the
//! token acts for, as a `MeResponse`.

use super::MARKETPLACE_ID;
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SimulatorState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

/// The `/me` route.
pub fn routes() -> Router<SimulatorState> {
    Router::new().route("/me", get(me))
}

async fn me(State(state): State<SimulatorState>, headers: HeaderMap) -> Result<Response, Response> {
    let (world, caller) = authorized(&state, &headers, "allegro:api:profile:read", Media::Public)?;
    let Some(seller) = world.allegro.accounts.sellers.get(&caller.seller_id) else {
        // Tokens die with their seller, so this only happens if a test removed the seller.
        return Err(crate::allegro::errors::errors_holder(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "The token has no user context",
            None,
        ));
    };
    let mut body = json!({
        "id": seller.id,
        "login": seller.login,
        "email": seller.email,
        "baseMarketplace": { "id": MARKETPLACE_ID },
        "company": { "name": seller.company_name, "taxId": seller.tax_id },
        "features": [],
    });
    // Both are plain strings in the spec: left out rather than null when unknown.
    for (key, value) in [
        ("firstName", &seller.first_name),
        ("lastName", &seller.last_name),
    ] {
        if let (Some(value), Some(object)) = (value, body.as_object_mut()) {
            object.insert(key.into(), json!(value));
        }
    }
    Ok(json_response(StatusCode::OK, Media::Public, &body))
}
