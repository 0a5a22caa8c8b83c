//! `/v1/integrations` (admin): marketplace accounts and their settings.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId};
use crate::openapi::generated::{Conflict, Forbidden, NotFound};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::Integration;
use marketdesk_core::ids::IntegrationId;
use marketdesk_core::services::integrations::{self, IntegrationPatch, NewIntegration};
use serde::Serialize;

/// Adds the integration routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .post("/v1/integrations", create)
        .get("/v1/integrations", list)
        .get("/v1/integrations/{id}", get)
        .patch("/v1/integrations/{id}", update)
        .delete("/v1/integrations/{id}", delete)
}

/// The tenant's integrations.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct IntegrationList {
    /// The marketplace accounts.
    integrations: Vec<Integration>,
}

/// Connects a marketplace account.
///
/// EmpikPlace needs `api_key` (stored as a secret, never returned); Allegro accounts stay
/// pending until authorised with OAuth.
#[utoipa::path(
    post,
    path = "/v1/integrations",
    operation_id = "createIntegration",
    tag = "integrations",
    request_body = NewIntegration,
    responses(
        (status = 201, description = "The integration.", body = Integration),
        (status = 403, response = Forbidden),
    )
)]
async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewIntegration>,
) -> Result<(StatusCode, Json<Integration>), ApiError> {
    let integration = integrations::create(
        &state.ports,
        &*state.credential_check,
        &caller.tenant_id,
        Some(&caller.actor),
        request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(integration)))
}

/// The tenant's marketplace accounts with their connection state.
#[utoipa::path(
    get,
    path = "/v1/integrations",
    operation_id = "listIntegrations",
    tag = "integrations",
    responses(
        (status = 200, description = "The integrations.", body = IntegrationList),
        (status = 403, response = Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<IntegrationList>, ApiError> {
    let integrations = integrations::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(IntegrationList { integrations }))
}

/// One integration.
#[utoipa::path(
    get,
    path = "/v1/integrations/{id}",
    operation_id = "getIntegration",
    tag = "integrations",
    params(("id" = String, Path, description = "The integration's id.")),
    responses(
        (status = 200, description = "The integration.", body = Integration),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<Integration>, ApiError> {
    let integration =
        integrations::get(&state.ports, &caller.tenant_id, &IntegrationId(id)).await?;
    Ok(Json(integration))
}

/// Renames, switches on or off (switching on restarts the import window), changes settings or replaces the EmpikPlace API key.
///
/// Only the fields given change.
#[utoipa::path(
    patch,
    path = "/v1/integrations/{id}",
    operation_id = "updateIntegration",
    tag = "integrations",
    params(("id" = String, Path, description = "The integration's id.")),
    request_body = IntegrationPatch,
    responses(
        (status = 200, description = "The integration as changed.", body = Integration),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<IntegrationPatch>,
) -> Result<Json<Integration>, ApiError> {
    let integration = integrations::update(
        &state.ports,
        &*state.credential_check,
        &caller.tenant_id,
        Some(&caller.actor),
        &IntegrationId(id),
        patch,
    )
    .await?;
    Ok(Json(integration))
}

/// Deletes the integration and its credentials.
///
/// Its tickets stay. Refused while any of its offers is linked to a catalogue product.
#[utoipa::path(
    delete,
    path = "/v1/integrations/{id}",
    operation_id = "deleteIntegration",
    tag = "integrations",
    params(("id" = String, Path, description = "The integration's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (
            status = 409,
            description = "Offers of the account are linked to catalogue products (code `integration_has_linked_offers`), or it kept changing (code `conflict`).",
            body = ErrorBody
        ),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    integrations::delete(
        &state.ports,
        &caller.tenant_id,
        Some(&caller.actor),
        &IntegrationId(id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
