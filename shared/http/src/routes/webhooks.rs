//! `/v1/webhooks` (admin): endpoints, their signing secrets (shown at creation and rotation
//! only), test deliveries and the delivery log.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use marketdesk_core::domain::{Webhook, WebhookDelivery};
use marketdesk_core::services::webhooks::{
    self, DeliveryPage, DeliveryQuery, NewWebhook, WebhookPatch, WithSecret,
};
use secrecy::ExposeSecret;
use serde::Serialize;

/// Adds the webhook routes.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes
        .post("/v1/webhooks", create)
        .get("/v1/webhooks", list)
        .get("/v1/webhooks/{id}", get)
        .patch("/v1/webhooks/{id}", update)
        .delete("/v1/webhooks/{id}", delete)
        .post("/v1/webhooks/{id}/rotate-secret", rotate)
        .post("/v1/webhooks/{id}/test", test)
        .get("/v1/webhooks/{id}/deliveries", deliveries)
}

/// An endpoint with its signing secret (the only times it is shown).
#[derive(Serialize)]
struct Revealed {
    #[serde(flatten)]
    webhook: Webhook,
    secret: String,
}

impl From<WithSecret> for Revealed {
    fn from(with: WithSecret) -> Self {
        Self {
            secret: with.secret.expose_secret().to_owned(),
            webhook: with.webhook,
        }
    }
}

/// The tenant's endpoints.
#[derive(Serialize)]
struct WebhookList {
    webhooks: Vec<Webhook>,
}

async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    JsonBody(request): JsonBody<NewWebhook>,
) -> Result<(StatusCode, Json<Revealed>), ApiError> {
    let created = webhooks::create(
        &state.ports,
        &*state.webhook_resolver,
        &state.webhook_settings,
        &caller.tenant_id,
        Some(&caller.actor),
        request,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<WebhookList>, ApiError> {
    let webhooks = webhooks::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(WebhookList { webhooks }))
}

async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(
        webhooks::get(&state.ports, &caller.tenant_id, &id).await?,
    ))
}

async fn update(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    JsonBody(patch): JsonBody<WebhookPatch>,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(
        webhooks::update(
            &state.ports,
            &*state.webhook_resolver,
            &state.webhook_settings,
            &caller.tenant_id,
            Some(&caller.actor),
            &id,
            patch,
        )
        .await?,
    ))
}

async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&state.ports, &caller.tenant_id, Some(&caller.actor), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn rotate(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<Revealed>, ApiError> {
    let rotated =
        webhooks::rotate_secret(&state.ports, &caller.tenant_id, Some(&caller.actor), &id).await?;
    Ok(Json(rotated.into()))
}

async fn test(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    let delivery = webhooks::test(&state.ports, &caller.tenant_id, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

async fn deliveries(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
    QueryParams(query): QueryParams<DeliveryQuery>,
) -> Result<Json<DeliveryPage>, ApiError> {
    Ok(Json(
        webhooks::deliveries(&state.ports, &caller.tenant_id, &id, &query).await?,
    ))
}
