//! A01 `GET /api/account`: the shop the key acts for.

use super::auth::authenticated;
use super::errors::{not_found, ApiResult};
use super::model::Shop;
use super::params::{format_seconds, Params};
use crate::state::SimulatorState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

/// A01: the shop's account, with every field the spec requires.
pub async fn get_account(
    State(state): State<SimulatorState>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (world, shop_id) = authenticated(&state, &headers, &params)?;
    let empik = &world.empik;
    let shop = empik
        .shops
        .get(&shop_id)
        .ok_or_else(|| not_found("Shop not found"))?;
    let orders = empik.orders.iter().filter(|o| o.shop_id == shop.id).count();
    Ok(Json(account_json(shop, orders)))
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
        "default_billing_information": {
            "id": format!("billing-{}", shop.id),
            "default_language": "pl",
            "registration_address": {
                "street_1": "ul. Marszałkowska 1",
                "city": "Warszawa",
                "zip_code": "00-001",
                "country_iso_code": "POL",
            },
        },
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
