//! `/v1/customers` (agents and admins): CRM lookups, one customer with their tickets, edits
//! and merges.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::domain::Customer;
use marketdesk_core::ids::CustomerId;
use marketdesk_core::services::crm::{self, CustomerPatch, MergeRequest};
use marketdesk_core::services::customer_views::{
    self, CustomerDetail, CustomerPage, CustomerQuery, CustomerTicketsQuery,
};

/// Adds the customer routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .get("/v1/customers", search)
        .get("/v1/customers/{id}", detail)
        .patch("/v1/customers/{id}", update)
        .post("/v1/customers/{id}/merge", merge)
}

async fn update(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<CustomerPatch>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(
        crm::update(&state.ports, &caller, &CustomerId(id), patch).await?,
    ))
}

async fn merge(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    PathId(id): PathId,
    JsonBody(request): JsonBody<MergeRequest>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(
        crm::merge(&state.ports, &caller, &CustomerId(id), request).await?,
    ))
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
