//! `/v1/orders/{id}/fulfillment` and `/v1/orders/{id}/invoices`: an order's fulfillment status
//! and invoice, sent to the marketplace through the outbox (issue 17 item 4). Rules in
//! `core::services::order_updates`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId};
use crate::openapi::generated::{NotFound, Unavailable};
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

/// Sets the order's fulfillment status on Allegro (`PUT /order/checkout-forms/{id}/fulfillment` with the checkout form's revision), after which Allegro notifies the buyer; marketdesk never e-mails buyers about shipping. Queued: the answer is the update as stored (`pending`); the order's `updates` show when it was sent or why it failed. Temporary failures (429, 5xx) are retried with back-off; a newer status set meanwhile supersedes an older one not yet sent. Recorded in the audit log as `order.fulfillment_set`.
#[utoipa::path(
    put,
    path = "/v1/orders/{id}/fulfillment",
    operation_id = "setOrderFulfillment",
    tag = "orders",
    params(("id" = String, Path, description = "The order's id.")),
    request_body = FulfillmentRequest,
    responses(
        (status = 202, description = "Queued.", body = OrderUpdate),
        (status = 404, response = NotFound),
        (status = 409, description = "Not possible for this order (code `order_cancelled`: the order was cancelled on the marketplace; `invoice_exists`: an invoice was sent or is being sent; `account_deleted`; `not_supported`: not an Allegro order).", body = Error),
        (status = 503, response = Unavailable),
    )
)]
async fn set_fulfillment(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(request): JsonBody<FulfillmentRequest>,
) -> Result<(StatusCode, Json<OrderUpdate>), ApiError> {
    let update = order_updates::set_fulfillment(&state.ports, &caller, &id, request).await?;
    Ok((StatusCode::ACCEPTED, Json(update)))
}

/// Attaches an invoice (a PDF of at most 3 MB) to the order and uploads it to Allegro (`POST /order/checkout-forms/{id}/invoices`, then `PUT …/invoices/{invoiceId}/file`), which puts it in the buyer's account and notifies the buyer; marketdesk never e-mails invoices. Queued like a fulfillment status. A wrong type, an empty, too large or non-PDF file is refused (422, `field` `content_type`, `file`, `filename`, `data_base64` or `invoice_number`) and nothing is stored. Recorded in the audit log as `order.invoice_attached`.
#[utoipa::path(
    post,
    path = "/v1/orders/{id}/invoices",
    operation_id = "attachOrderInvoice",
    tag = "orders",
    params(("id" = String, Path, description = "The order's id.")),
    request_body = NewInvoice,
    responses(
        (status = 202, description = "Stored and queued.", body = OrderUpdate),
        (status = 404, response = NotFound),
        (status = 409, description = "Not possible for this order (code `order_cancelled`: the order was cancelled on the marketplace; `invoice_exists`: an invoice was sent or is being sent; `account_deleted`; `not_supported`: not an Allegro order).", body = Error),
        (status = 503, response = Unavailable),
    )
)]
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
