//! `/v1/orders`: the order list and one order, the paid checkout forms waiting for an agent,
//! and an agent making an order of one (issue 17). Rules in `core::services::order_desk`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::openapi::generated::{NotFound, ValidationFailed};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::order::Order;
use marketdesk_core::services::order_desk::{
    self, NewOrder, OrderDetail, OrderPage, OrderQuery, PaidFormPage, PaidFormQuery,
};

/// Adds the order routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/orders", list)
        .post("/v1/orders", create)
        .get("/v1/orders/paid-forms", paid_forms)
        .get("/v1/orders/{id}", get)
}

/// The tenant's orders (made of paid Allegro checkout forms), newest first. Filters other than the creation range are applied while paging: a page may be short and still have a `next_cursor`.
#[utoipa::path(
    get,
    path = "/v1/orders",
    operation_id = "listOrders",
    tag = "orders",
    params(OrderQuery),
    responses(
        (status = 200, description = "One page.", body = OrderPage),
        (status = 422, response = ValidationFailed),
    )
)]
async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<OrderQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    Ok(Json(order_desk::list(&state.ports, &caller, &query).await?))
}

/// One order with the checkout form it was made of, as last read from the marketplace.
#[utoipa::path(
    get,
    path = "/v1/orders/{id}",
    operation_id = "getOrder",
    tag = "orders",
    params(("id" = String, Path, description = "The order's id.")),
    responses(
        (status = 200, description = "The order.", body = OrderDetail),
        (status = 404, response = NotFound),
    )
)]
async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
) -> Result<Json<OrderDetail>, ApiError> {
    Ok(Json(order_desk::get(&state.ports, &caller, &id).await?))
}

/// Paid checkout forms (READY_FOR_PROCESSING) of accounts that do not create orders automatically, waiting for an agent, oldest first.
#[utoipa::path(
    get,
    path = "/v1/orders/paid-forms",
    operation_id = "listPaidForms",
    tag = "orders",
    params(PaidFormQuery),
    responses(
        (status = 200, description = "One page.", body = PaidFormPage),
        (status = 422, response = ValidationFailed),
    )
)]
async fn paid_forms(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<PaidFormQuery>,
) -> Result<Json<PaidFormPage>, ApiError> {
    Ok(Json(
        order_desk::paid_forms(&state.ports, &caller, &query).await?,
    ))
}

/// Makes an order of a paid checkout form waiting in `/v1/orders/paid-forms`, created by the caller (recorded in the audit log as `order.created`). Idempotent: a form already made an order answers that order with 200.
#[utoipa::path(
    post,
    path = "/v1/orders",
    operation_id = "createOrder",
    tag = "orders",
    request_body = NewOrder,
    responses(
        (status = 201, description = "The order was created.", body = Order),
        (status = 200, description = "The form was already an order: that order.", body = Order),
        (status = 404, response = NotFound),
        (status = 409, description = "The form is not paid (code `checkout_form_not_paid`), or it kept changing (code `conflict`).", body = Error),
    )
)]
async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    JsonBody(request): JsonBody<NewOrder>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    let (order, created) = order_desk::create(&state.ports, &caller, request).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(order)))
}
