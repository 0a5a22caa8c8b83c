//! `/v1/customers` (agents and admins): CRM lookups and one customer with their tickets.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{PathId, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::ids::CustomerId;
use marketdesk_core::services::customer_views::{
    self, CustomerDetail, CustomerPage, CustomerQuery, CustomerTicketsQuery,
};

/// Adds the customer routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/customers", search)
        .get("/v1/customers/{id}", detail)
}

async fn search(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<CustomerQuery>,
) -> Result<Json<CustomerPage>, ApiError> {
    Ok(Json(
        customer_views::search(&state.ports, &caller.tenant_id, &query).await?,
    ))
}

async fn detail(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    QueryParams(query): QueryParams<CustomerTicketsQuery>,
) -> Result<Json<CustomerDetail>, ApiError> {
    Ok(Json(
        customer_views::detail(&state.ports, &caller.tenant_id, &CustomerId(id), &query).await?,
    ))
}
