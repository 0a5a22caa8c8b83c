//! `GET /order/checkout-forms/{id}` (`getOrdersDetailsUsingGET`, scope
//! `allegro:api:orders:read`, public media type): one order as a `CheckoutForm`.
//!
//! 422 for an id that is not a UUID; 404 `CheckoutFormNotFoundException` for an unknown id,
//! another seller's order, or an order bought more than 12 months ago (allegro-api.md §7.3).

use super::{stable_uuid, Catalog, CompanyInvoice, Order, Price, MARKETPLACE_ID, ORDER_RETENTION};
use crate::allegro::errors::{errors_holder, errors_response};
use crate::allegro::guard::{authorized, json_response, Media};
use crate::state::SimulatorState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

/// The order routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/order/checkout-forms", get(checkout_forms))
        .route("/order/checkout-forms/{id}", get(checkout_form))
}

/// Query of `GET /order/checkout-forms` (the filters the simulator implements).
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    offset: Option<String>,
    limit: Option<String>,
    status: Option<String>,
    #[serde(rename = "buyer.login")]
    buyer_login: Option<String>,
    #[serde(rename = "updatedAt.gte")]
    updated_at_gte: Option<String>,
    #[serde(rename = "updatedAt.lte")]
    updated_at_lte: Option<String>,
    sort: Option<String>,
}

fn validation_error(path: &str, message: &str) -> Response {
    errors_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![json!({
            "code": "VALIDATION_ERROR",
            "message": message,
            "details": null,
            "path": path,
            "userMessage": message,
            "metadata": {},
        })],
    )
}

/// A number in `[min, max]`, or the message of a 422.
fn bounded(
    value: Option<&str>,
    name: &str,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, String> {
    match value {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| format!("{name} must be between {min} and {max}")),
    }
}

fn time_filter(value: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, String> {
    value
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| format!("{name} must be an ISO 8601 date-time"))
        })
        .transpose()
}

/// `GET /order/checkout-forms` (`getListOfOrdersUsingGET`): the caller's orders of the last 12
/// months, filtered, sorted (default newest purchase first) and paged by offset.
async fn checkout_forms(
    State(state): State<SimulatorState>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (world, caller) = authorized(&state, &headers, "allegro:api:orders:read", Media::Public)?;
    let offset = bounded(query.offset.as_deref(), "offset", 0, 0, usize::MAX)
        .map_err(|m| validation_error("offset", &m))?;
    let limit = bounded(query.limit.as_deref(), "limit", 100, 1, 100)
        .map_err(|m| validation_error("limit", &m))?;
    if let Some(status) = &query.status {
        if !super::CHECKOUT_FORM_STATUSES.contains(&status.as_str()) {
            return Err(validation_error("status", "unknown checkout form status"));
        }
    }
    let gte = time_filter(query.updated_at_gte.as_deref(), "updatedAt.gte")
        .map_err(|m| validation_error("updatedAt.gte", &m))?;
    let lte = time_filter(query.updated_at_lte.as_deref(), "updatedAt.lte")
        .map_err(|m| validation_error("updatedAt.lte", &m))?;
    let now = world.clock.now();
    let catalog = &world.allegro.catalog;
    let mut orders: Vec<&Order> = catalog
        .orders()
        .filter(|o| o.seller_id == caller.seller_id && now - o.bought_at <= ORDER_RETENTION)
        .filter(|o| query.status.as_ref().is_none_or(|s| &o.status == s))
        .filter(|o| {
            query.buyer_login.as_ref().is_none_or(|login| {
                catalog
                    .buyer(&o.buyer_id)
                    .is_some_and(|b| &b.login == login)
            })
        })
        .filter(|o| {
            gte.is_none_or(|at| o.updated_at >= at) && lte.is_none_or(|at| o.updated_at <= at)
        })
        .collect();
    match query.sort.as_deref().unwrap_or("-lineItems.boughtAt") {
        "lineItems.boughtAt" => orders.sort_by_key(|o| o.bought_at),
        "-lineItems.boughtAt" => orders.sort_by_key(|o| std::cmp::Reverse(o.bought_at)),
        "updatedAt" => orders.sort_by_key(|o| o.updated_at),
        "-updatedAt" => orders.sort_by_key(|o| std::cmp::Reverse(o.updated_at)),
        _ => return Err(validation_error("sort", "unknown sort order")),
    }
    let total = orders.len();
    let page: Vec<Value> = orders
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|o| checkout_form_json(catalog, o))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &json!({ "checkoutForms": page, "count": page.len(), "totalCount": total }),
    ))
}

async fn checkout_form(
    State(state): State<SimulatorState>,
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
    let line_items = line_items_json(catalog, order);
    let paid = order.status == "READY_FOR_PROCESSING";
    // `finishedAt` and `paidAmount` are not nullable: an unpaid order leaves them out.
    let mut payment = json!({
        "id": stable_uuid(&format!("payment:{}", order.id)),
        "type": "ONLINE",
        "provider": "P24",
    });
    if paid {
        payment["finishedAt"] = json!(allegro_time(order.updated_at));
        payment["paidAmount"] = json!(total.clone());
    }
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
        "payment": payment,
        "status": order.status,
        "delivery": {
            "address": {
                "firstName": buyer.map(|b| b.first_name.as_str()).unwrap_or(""),
                "lastName": buyer.map(|b| b.last_name.as_str()).unwrap_or(""),
                "street": "Grunwaldzka 182",
                "city": "Poznań",
                "zipCode": "60-166",
                "countryCode": "PL",
            },
            "method": { "id": "1fa56f79-4b6a-4821-a6f2-ca9c16d5c925", "name": "Allegro Paczkomaty InPost" },
            "cost": Price::pln_from_grosze(0),
            "smart": false,
        },
        "fulfillment": {
            "status": order.fulfillment_status,
            "shipmentSummary": { "lineItemsSent": "NONE" },
            "provider": { "id": "SELLER" },
        },
        "invoice": invoice_json(order.invoice.as_ref()),
        "lineItems": line_items,
        "surcharges": [],
        "marketplace": { "id": MARKETPLACE_ID },
        "summary": { "totalToPay": total },
        "updatedAt": allegro_time(order.updated_at),
        "revision": revision(order),
    })
}

/// The order's line items as Allegro writes them (in checkout forms and in order events).
pub fn line_items_json(catalog: &Catalog, order: &Order) -> Vec<Value> {
    order
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
        .collect()
}

/// The checkout form's revision: 8 hex digits that change with every change of the order.
pub fn revision(order: &Order) -> String {
    let seed = format!("{}:{}", order.id, allegro_time(order.updated_at));
    stable_uuid(&seed).replace('-', "")[..8].to_owned()
}

/// `invoice`: not required, or the company's address with its NIP as `ids[type=PL_NIP]`
/// (never the deprecated `taxId`).
fn invoice_json(invoice: Option<&CompanyInvoice>) -> Value {
    let Some(invoice) = invoice else {
        return json!({ "required": false });
    };
    let ids: Vec<Value> = invoice
        .nip
        .iter()
        .map(|nip| json!({ "type": "PL_NIP", "value": nip }))
        .collect();
    json!({
        "required": true,
        "address": {
            "street": invoice.street,
            "city": invoice.city,
            "zipCode": invoice.zip_code,
            "countryCode": invoice.country_code,
            "company": {
                "name": invoice.company_name,
                "ids": ids,
                "vatPayerStatus": if invoice.nip.is_some() { "ACTIVE" } else { "NOT_APPLICABLE" },
            },
        },
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
