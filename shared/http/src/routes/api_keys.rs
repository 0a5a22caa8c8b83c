//! `/v1/api-keys` (admin): create (the key is shown once), list (no secrets), revoke.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId};
use crate::openapi::generated::{Forbidden, LastAdminKey, NotFound};
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
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Created {
    #[serde(flatten)]
    key: ApiKey,
    /// The key: send it as `Authorization: Bearer <key>`. Shown only in this answer.
    #[serde(rename = "key")]
    secret: String,
}

/// The tenant's keys.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct KeyList {
    /// The keys, never their secrets.
    api_keys: Vec<ApiKey>,
}

/// Creates an API key of the caller's tenant.
///
/// The key is in the answer, and only there.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    operation_id = "createApiKey",
    tag = "api-keys",
    request_body = NewApiKey,
    responses(
        (status = 201, description = "The key, with its secret shown once.", body = Created),
        (status = 403, response = Forbidden),
    )
)]
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

/// The tenant's API keys (never their secrets).
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    operation_id = "listApiKeys",
    tag = "api-keys",
    responses(
        (status = 200, description = "The keys.", body = KeyList),
        (status = 403, response = Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<KeyList>, ApiError> {
    let api_keys = api_keys::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(KeyList { api_keys }))
}

/// Revokes an API key: it stops working at once.
///
/// The tenant's last admin key cannot be revoked (create another admin key first).
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    operation_id = "revokeApiKey",
    tag = "api-keys",
    params(("id" = String, Path, description = "The API key's id.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = LastAdminKey),
    )
)]
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
