//! The seller's ERP (issue 17 item 3): the order feed `GET /v1/erp/orders?since=` and the
//! customers' export as CSV or XML. Rules in `core::services::{erp, customer_export}`.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::QueryParams;
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

async fn feed(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<FeedQuery>,
) -> Result<Json<FeedPage>, ApiError> {
    Ok(Json(
        erp::feed(&state.ports, &caller.tenant_id, &query).await?,
    ))
}

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
