//! `/v1/orders`: the order list and one order, the paid checkout forms waiting for an agent,
//! and an agent making an order of one (issue 17). Rules in `core::services::order_desk`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, QueryParams};
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

async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<OrderQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    Ok(Json(order_desk::list(&state.ports, &caller, &query).await?))
}

async fn get(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
) -> Result<Json<OrderDetail>, ApiError> {
    Ok(Json(order_desk::get(&state.ports, &caller, &id).await?))
}

async fn paid_forms(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<PaidFormQuery>,
) -> Result<Json<PaidFormPage>, ApiError> {
    Ok(Json(
        order_desk::paid_forms(&state.ports, &caller, &query).await?,
    ))
}

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
