//! `/v1/orders/{id}/fulfillment` and `/v1/orders/{id}/invoices`: an order's fulfillment status
//! and invoice, sent to the marketplace through the outbox (issue 17 item 4). Rules in
//! `core::services::order_updates`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::order_update::OrderUpdate;
use marketdesk_core::services::order_updates::{self, FulfillmentRequest, NewInvoice};

/// Adds the order update routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .put("/v1/orders/{id}/fulfillment", set_fulfillment)
        .post("/v1/orders/{id}/invoices", attach_invoice)
}

async fn set_fulfillment(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(request): JsonBody<FulfillmentRequest>,
) -> Result<(StatusCode, Json<OrderUpdate>), ApiError> {
    let update = order_updates::set_fulfillment(&state.ports, &caller, &id, request).await?;
    Ok((StatusCode::ACCEPTED, Json(update)))
}

async fn attach_invoice(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(request): JsonBody<NewInvoice>,
) -> Result<(StatusCode, Json<OrderUpdate>), ApiError> {
    let file = request.decode()?;
    let update = order_updates::attach_invoice(&state.ports, &caller, &id, file).await?;
    Ok((StatusCode::ACCEPTED, Json(update)))
}
