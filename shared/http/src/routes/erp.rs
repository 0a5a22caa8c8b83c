//! The seller's ERP (issue 17 item 3): the order feed `GET /v1/erp/orders?since=` and the
//! customers' export as CSV or XML. Rules in `core::services::{erp, customer_export}`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::QueryParams;
use crate::openapi::generated::ValidationFailed;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marketdesk_core::services::customer_export::{self, ExportQuery};
use marketdesk_core::services::erp::{self, FeedPage, FeedQuery};

/// Adds the ERP routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/erp/orders", feed)
        .get("/v1/customers/export", export)
}

/// The order feed for the seller's ERP: every order write (creation, cancellation, fulfillment status) in the order it was stored, each with its customer as the integration's `settings.erp.customers` sends it (`none`: the unspecified customer). Pass `next_since` as `since` to continue; the feed pages without gaps or repeats while orders are stored concurrently (a per-tenant sequence written in the order's own transaction). At least once: an order changed again comes again with a higher `seq`; the ERP keys on `order.id` and `customer.customer_id`, never on the masked e-mail.
#[utoipa::path(
    get,
    path = "/v1/erp/orders",
    operation_id = "erpOrderFeed",
    tag = "erp",
    params(FeedQuery),
    responses(
        (status = 200, description = "One page.", body = FeedPage),
        (status = 422, response = ValidationFailed),
    )
)]
async fn feed(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    Ok(Json(
        erp::feed(&state.ports, &caller.tenant_id, &query).await?,
    ))
}

/// CRM customers as a file for an ERP: everyone (no parameter), the customer list's filter (`field` and `value`, `email`, or `name`), or chosen `ids`. CSV: UTF-8 with a byte-order mark, `;`-separated, CRLF, cells quoted when they hold `;`, `,`, `"` or a line break (quotes doubled), and a leading `'` on cells a spreadsheet would run as a formula. XML: `<customers><customer id="…">` with the name, company, NIP, customer type, e-mails, phone, custom fields and both addresses. At most 10 000 customers (`export_too_large`).
#[utoipa::path(
    get,
    path = "/v1/customers/export",
    operation_id = "exportCustomers",
    tag = "customers",
    params(ExportQuery),
    responses(
        (
            status = 200,
            description = "The file (`text/csv` or `application/xml`, UTF-8).",
            content(("text/csv" = String), ("application/xml" = String)),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"customers.csv\"` (or `.xml`).")),
        ),
        (status = 422, response = ValidationFailed),
    )
)]
async fn export(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<ExportQuery>,
) -> Result<Response, ApiError> {
    let file = customer_export::export(&state.ports, &caller.tenant_id, &query).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name))
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        file.body,
    )
        .into_response())
}
