//! `/v1/integrations` (admin): marketplace accounts and their settings.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId};
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
#[derive(Serialize)]
struct IntegrationList {
    integrations: Vec<Integration>,
}

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

async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<IntegrationList>, ApiError> {
    let integrations = integrations::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(IntegrationList { integrations }))
}

async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<Integration>, ApiError> {
    let integration =
        integrations::get(&state.ports, &caller.tenant_id, &IntegrationId(id)).await?;
    Ok(Json(integration))
}

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
