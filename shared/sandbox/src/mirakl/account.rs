//! A01 `GET /api/account`: the shop the key acts for.

use super::auth::authenticate;
use super::errors::{not_found, ApiResult};
use super::model::Shop;
use super::params::{format_seconds, Params};
use crate::state::SandboxState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

/// A01: the shop's account, with every field the spec requires.
pub async fn get_account(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let world = state.lock();
    let mirakl = &world.mirakl;
    Params::from_query(query)
        .and_then(|params| authenticate(mirakl, &headers, &params))
        .and_then(|shop_id| {
            mirakl
                .shops
                .get(&shop_id)
                .ok_or_else(|| not_found("Shop not found"))
        })
        .map(|shop| {
            let orders = mirakl
                .orders
                .iter()
                .filter(|o| o.shop_id == shop.id)
                .count();
            Json(account_json(shop, orders))
        })
}

/// The A01 body for `shop`, holding `orders_count` orders.
pub fn account_json(shop: &Shop, orders_count: usize) -> Value {
    let date = format_seconds(&shop.created);
    json!({
        "shop_id": shop.id,
        "shop_name": shop.name,
        "shop_state": "OPEN",
        "currency_iso_code": "PLN",
        "date_created": date,
        "last_updated_date": date,
        "is_professional": true,
        "premium": false,
        "model": "MARKETPLACE",
        "channels": [],
        "domains": ["PRODUCT"],
        "description": "",
        "evaluations_count": 0,
        "free_shipping": false,
        "offers_count": 0,
        "orders_count": orders_count,
        "order_messages_response_delay": 0,
        "payment_method_mandatory": false,
        "shipping_types": [],
        "shipping_zones": [],
        "shop_additional_fields": [],
        "applicable_taxes": [],
        "billing_info": {},
        "default_billing_information": {},
        "payment_details": {"paid_balance": 0.0, "payable_balance": 0.0, "pending_balance": 0.0},
        "pro_details": {},
        "shipping": {},
        "contact_informations": {
            "civility": "",
            "firstname": "Anna",
            "lastname": "Nowak",
            "email": format!("shop{}@example.com", shop.id),
            "phone": "+48221234567",
            "street1": "ul. Marszałkowska 1",
            "zip_code": "00-001",
            "city": "Warszawa",
            "country": "POL"
        }
    })
}
