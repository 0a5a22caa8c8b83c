//! `/v1/api-keys` (admin): create (the key is shown once), list (no secrets), revoke.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::ApiKey;
use marketdesk_core::ids::ApiKeyId;
use marketdesk_core::services::api_keys::{self, NewApiKey};
use secrecy::ExposeSecret;
use serde::Serialize;

/// Adds the API key routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .post("/v1/api-keys", create)
        .get("/v1/api-keys", list)
        .delete("/v1/api-keys/{id}", revoke)
}

/// A key just created, with its secret (the only time it is shown).
#[derive(Serialize)]
struct Created {
    #[serde(flatten)]
    key: ApiKey,
    /// The full key.
    #[serde(rename = "key")]
    secret: String,
}

/// The tenant's keys.
#[derive(Serialize)]
struct KeyList {
    api_keys: Vec<ApiKey>,
}

async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewApiKey>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let created = api_keys::create(
        &state.ports,
        &caller.tenant_id,
        Some(&caller.actor),
        request,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            secret: created.secret.expose_secret().to_owned(),
            key: created.key,
        }),
    ))
}

async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<KeyList>, ApiError> {
    let api_keys = api_keys::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(KeyList { api_keys }))
}

async fn revoke(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    api_keys::revoke(
        &state.ports,
        &caller.tenant_id,
        Some(&caller.actor),
        &ApiKeyId(id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
