//! `/v1/customers` (agents and admins): CRM lookups, one customer with their tickets, edits
//! and merges.

use super::Routes;
use crate::auth::Authenticated;
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::openapi::generated::{Conflict, NotFound, ValidationFailed};
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

/// Changes a customer's name, e-mail addresses, phone, custom fields or note.
///
/// The caller is recorded as `updated_by`. A custom field value another customer holds is
/// refused (422 naming the field and that customer: merge them instead).
#[utoipa::path(
    patch,
    path = "/v1/customers/{id}",
    operation_id = "updateCustomer",
    tag = "customers",
    params(("id" = String, Path, description = "The customer's id.")),
    request_body = CustomerPatch,
    responses(
        (status = 200, description = "The customer as changed.", body = Customer),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
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

/// Merges the customer `from` (another record of the same person) into this one.
///
/// Its tickets move here, its details merge in (this customer's values win; e-mail addresses
/// and field values are unioned, a field both hold keeps the other value in
/// `other_field_values`, so both marketplace logins keep finding the person), and it is
/// removed. Safe to repeat: once merged, the same request answers the customer again (moving
/// any ticket that reached the removed record meanwhile).
#[utoipa::path(
    post,
    path = "/v1/customers/{id}/merge",
    operation_id = "mergeCustomers",
    tag = "customers",
    params(("id" = String, Path, description = "The customer's id.")),
    request_body = MergeRequest,
    responses(
        (status = 200, description = "The merged customer.", body = Customer),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
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

/// Finds CRM customers: by a custom field's exact value (`field` and `value`), by e-mail address (`email`, paged) or by words of the name (`name`, paged).
#[utoipa::path(
    get,
    path = "/v1/customers",
    operation_id = "searchCustomers",
    tag = "customers",
    params(CustomerQuery),
    responses(
        (status = 200, description = "The customers found.", body = CustomerPage),
        (status = 422, response = ValidationFailed),
    )
)]
async fn search(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    QueryParams(query): QueryParams<CustomerQuery>,
) -> Result<Json<CustomerPage>, ApiError> {
    Ok(Json(
        customer_views::search(&state.ports, &caller.tenant_id, &query).await?,
    ))
}

/// One customer with a page of their tickets.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}",
    operation_id = "getCustomer",
    tag = "customers",
    params(("id" = String, Path, description = "The customer's id."), CustomerTicketsQuery),
    responses(
        (status = 200, description = "The customer and their tickets.", body = CustomerDetail),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
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
