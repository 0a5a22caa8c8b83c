//! OR11 `GET /api/orders`: the caller's orders with offset paging (`max` default 10, at most
//! 100; `offset` default 0), sorted by creation date then order id (`order=asc` default).
//!
//! Filters: `order_ids` (≤ 100 ids, else 400), `order_state_codes`, `channel_codes`,
//! `start_date`/`end_date` (creation) and `start_update_date`/`end_update_date`; `paginate=false`
//! returns every match. Orders waiting for acceptance show no addresses (Mirakl masks customer
//! data before acceptance; EmpikPlace sends the full address only afterwards).

use super::auth::authenticated;
use super::errors::{bad_request, ApiResult};
use super::model::{Customer, Order, SenderType};
use super::params::{format_seconds, Params};
use super::EmpikWorld;
use crate::state::SimulatorState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

/// Default page size of offset-paginated resources.
pub const DEFAULT_MAX: usize = 10;
/// Largest page size (and most ids per list parameter).
pub const MAX_MAX: usize = 100;
/// Order states of OR11.
pub const ORDER_STATES: [&str; 11] = [
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
    "SHIPPED",
    "TO_COLLECT",
    "RECEIVED",
    "CLOSED",
    "REFUSED",
    "CANCELED",
];
/// Commission the simulated operator takes, as a share of the price.
const COMMISSION_RATE: f64 = 0.1;

/// OR11: the caller's orders, filtered and offset-paginated, with `total_count`.
pub async fn list_orders(
    State(state): State<SimulatorState>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Json<Value>> {
    let (world, shop_id) = authenticated(&state, &headers, &params)?;
    list(&world.empik, shop_id, &params).map(Json)
}

fn limited_list(params: &Params, name: &str) -> ApiResult<Vec<String>> {
    let values = params.list(name);
    if values.len() > MAX_MAX {
        return Err(bad_request(format!(
            "The limit of {MAX_MAX} is exceeded for the parameter : {name}"
        )));
    }
    Ok(values)
}

fn list(world: &EmpikWorld, shop_id: i64, params: &Params) -> ApiResult<Value> {
    let ids = limited_list(params, "order_ids")?;
    let states = params.list("order_state_codes");
    if let Some(bad) = states.iter().find(|s| !ORDER_STATES.contains(&s.as_str())) {
        return Err(bad_request(format!(
            "Invalid value '{bad}' for parameter : order_state_codes"
        )));
    }
    let channels = limited_list(params, "channel_codes")?;
    let only_null_channel = params.boolean("only_null_channel")?.unwrap_or(false);
    let start = params.date("start_date")?;
    let end = params.date("end_date")?;
    let start_update = params.date("start_update_date")?;
    let end_update = params.date("end_update_date")?;
    let max = match params.integer("max")? {
        None => DEFAULT_MAX,
        Some(max) if (1..=MAX_MAX as i64).contains(&max) => max as usize,
        Some(max) => {
            return Err(bad_request(format!(
                "Invalid value '{max}' for parameter : max (must be between 1 and {MAX_MAX})"
            )))
        }
    };
    let offset = usize::try_from(params.integer("offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let paginate = params.boolean("paginate")?.unwrap_or(true);
    match params.get("sort") {
        None | Some("dateCreated") => {}
        Some(other) => {
            return Err(bad_request(format!(
                "Invalid value '{other}' for parameter : sort (supported: dateCreated)"
            )))
        }
    }
    let descending = match params.get("order") {
        None => false,
        Some(order) if order.eq_ignore_ascii_case("asc") => false,
        Some(order) if order.eq_ignore_ascii_case("desc") => true,
        Some(other) => {
            return Err(bad_request(format!(
                "Invalid value '{other}' for parameter : order (asc or desc)"
            )))
        }
    };

    let mut matching: Vec<&Order> = world
        .orders
        .iter()
        .filter(|o| o.shop_id == shop_id)
        .filter(|o| ids.is_empty() || ids.contains(&o.id))
        .filter(|o| states.is_empty() || states.contains(&o.state))
        .filter(|o| {
            if only_null_channel {
                o.channel_code.is_none()
            } else {
                channels.is_empty()
                    || o.channel_code
                        .as_ref()
                        .is_some_and(|c| channels.contains(c))
            }
        })
        .filter(|o| start.is_none_or(|d| o.created >= d) && end.is_none_or(|d| o.created <= d))
        .filter(|o| {
            start_update.is_none_or(|d| o.created >= d) && end_update.is_none_or(|d| o.created <= d)
        })
        .collect();
    matching.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    if descending {
        matching.reverse();
    }
    let total = matching.len();
    let shown: Vec<Value> = if paginate {
        matching
            .into_iter()
            .skip(offset)
            .take(max)
            .collect::<Vec<_>>()
    } else {
        matching
    }
    .into_iter()
    .map(|order| order_json(world, order))
    .collect();
    Ok(json!({ "orders": shown, "total_count": total }))
}

fn money(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn address(customer: &Customer, shipping: bool) -> Value {
    let mut address = json!({
        "civility": "",
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "street_1": "ul. Prosta 1",
        "zip_code": "00-001",
        "city": "Warszawa",
        "country": "Polska",
        "country_iso_code": "POL",
        "phone": "+48600100200"
    });
    if shipping {
        address["additional_info"] = json!("");
    }
    address
}

/// The OR11 representation of `order`.
pub fn order_json(world: &EmpikWorld, order: &Order) -> Value {
    let created = format_seconds(&order.created);
    let masked = matches!(order.state.as_str(), "STAGING" | "WAITING_ACCEPTANCE");
    let customer = world.customers.get(&order.customer_id);
    let (firstname, lastname) = customer
        .map(|c| (c.firstname.clone(), c.lastname.clone()))
        .unwrap_or_default();
    let (billing, shipping) = match customer {
        Some(customer) if !masked => (address(customer, false), address(customer, true)),
        _ => (Value::Null, Value::Null),
    };
    let has_customer_message = world.threads.iter().any(|thread| {
        thread.shop_id == order.shop_id
            && thread
                .entities
                .iter()
                .any(|e| e.kind == "MMP_ORDER" && e.id == order.id)
            && thread
                .messages
                .iter()
                .any(|m| m.from.kind == SenderType::CustomerUser)
    });
    let lines: Vec<Value> = order
        .lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let price = money(line.unit_price * f64::from(line.quantity));
            let commission = money(price * COMMISSION_RATE);
            json!({
                "order_line_id": format!("{}-{}", order.id, index + 1),
                "order_line_index": index + 1,
                "order_line_state": order.state,
                "offer_id": line.offer_id,
                "offer_sku": line.sku,
                "offer_state_code": "11",
                "product_sku": line.product_sku,
                "product_shop_sku": line.sku,
                "product_title": line.title,
                "category_code": "simulator",
                "category_label": "Simulator",
                "description": "",
                "quantity": line.quantity,
                "price_unit": money(line.unit_price),
                "price": price,
                "shipping_price": 0.0,
                "total_price": price,
                "commission_fee": commission,
                "total_commission": commission,
                "commission_rate_vat": 0.0,
                "commission_vat": 0.0,
                "can_refund": false,
                "created_date": created,
                "last_updated_date": created,
                "product_medias": [],
                "order_line_additional_fields": [],
                "taxes": [],
                "shipping_taxes": [],
                "cancelations": [],
                "refunds": [],
                "promotions": []
            })
        })
        .collect();
    let price = money(
        order
            .lines
            .iter()
            .map(|l| l.unit_price * f64::from(l.quantity))
            .sum(),
    );
    let mut answer = json!({
        "order_id": order.id,
        "commercial_id": order.commercial_id,
        "order_state": order.state,
        "created_date": created,
        "last_updated_date": created,
        "leadtime_to_ship": 2,
        "currency_iso_code": "PLN",
        "price": price,
        "shipping_price": 0.0,
        "total_price": price,
        "total_commission": money(price * COMMISSION_RATE),
        "order_tax_mode": "TAX_INCLUDED",
        "has_customer_message": has_customer_message,
        "has_incident": false,
        "has_invoice": false,
        "can_cancel": false,
        "can_shop_ship": order.state == "SHIPPING",
        "fully_refunded": false,
        "paymentType": "",
        "payment_type": "",
        "payment_workflow": "PAY_ON_ACCEPTANCE",
        "references": {},
        "shipping_type_code": "INPOST",
        "shipping_type_label": "Paczkomat InPost",
        "shipping_zone_code": "PL",
        "shipping_zone_label": "Polska",
        "fulfillment": {"center": {"code": "DEFAULT"}},
        "customer_notification_email": order.notification_email,
        "customer": {
            "customer_id": order.customer_id,
            "firstname": firstname,
            "lastname": lastname,
            "civility": "",
            "locale": "pl_PL",
            "billing_address": billing,
            "shipping_address": shipping
        },
        "order_additional_fields": [],
        "order_lines": lines
    });
    // `channel` is an object in the document, not nullable: absent when the order has none.
    if let Some(code) = &order.channel_code {
        answer["channel"] = json!({"code": code, "label": code});
    }
    answer
}
