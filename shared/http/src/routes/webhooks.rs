//! `/v1/webhooks` (admin): endpoints, their signing secrets (shown at creation and rotation
//! only), test deliveries and the delivery log.

use super::Routes;
use crate::auth::Admin;
use crate::extract::{JsonBody, PathId, QueryParams};
use crate::openapi::generated::{Conflict, Forbidden, NotFound, ValidationFailed, WrongState};
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
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Revealed {
    /// The endpoint.
    #[serde(flatten)]
    webhook: Webhook,
    /// The signing secret (`whsec_…`); shown only now.
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
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct WebhookList {
    /// Every endpoint of the tenant.
    webhooks: Vec<Webhook>,
}

/// Creates an endpoint (at most 10 per tenant, else 409 `too_many_webhooks`).
///
/// The answer holds the signing secret, shown this once. Every POST carries
/// `X-Marketdesk-Event` (the event type), `X-Marketdesk-Delivery` (the same on every attempt of
/// a delivery: deduplicate on it), `X-Marketdesk-Timestamp` (Unix seconds) and
/// `X-Marketdesk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the
/// secret>`; for 24 hours after a rotation a second, comma-separated `sha256=` value is made
/// with the previous secret. The body is `{id, type, created_at, tenant_id, data}`. A 2xx
/// answer within 10 s delivers; anything else is retried after 1, 5, 30, 120 and 480 minutes
/// (6 attempts), then the delivery fails. Targets must be http(s) and resolve to public
/// addresses (private, loopback, link-local and unique-local ones are refused unless the
/// operator allows them), checked when saved and at every attempt; redirects are not followed.
#[utoipa::path(
    post,
    path = "/v1/webhooks",
    operation_id = "createWebhook",
    tag = "webhooks",
    request_body = NewWebhook,
    responses(
        (status = 201, description = "The endpoint with its signing secret.", body = Revealed),
        (status = 403, response = Forbidden),
        (status = 409, response = WrongState),
    )
)]
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

/// The tenant's webhook endpoints (never their secrets).
#[utoipa::path(
    get,
    path = "/v1/webhooks",
    operation_id = "listWebhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The endpoints.", body = WebhookList),
        (status = 403, response = Forbidden),
    )
)]
async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<WebhookList>, ApiError> {
    let webhooks = webhooks::list(&state.ports, &caller.tenant_id).await?;
    Ok(Json(WebhookList { webhooks }))
}

/// One endpoint.
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}",
    operation_id = "getWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    responses(
        (status = 200, description = "The endpoint.", body = Webhook),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn get(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<Webhook>, ApiError> {
    Ok(Json(
        webhooks::get(&state.ports, &caller.tenant_id, &id).await?,
    ))
}

/// Changes an endpoint: only the fields given.
///
/// A new URL is checked like at creation.
#[utoipa::path(
    patch,
    path = "/v1/webhooks/{id}",
    operation_id = "updateWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    request_body = WebhookPatch,
    responses(
        (status = 200, description = "The endpoint.", body = Webhook),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
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

/// Deletes an endpoint and its secret; deliveries still queued are dropped.
#[utoipa::path(
    delete,
    path = "/v1/webhooks/{id}",
    operation_id = "deleteWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&state.ports, &caller.tenant_id, Some(&caller.actor), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the signing secret, shown this once.
///
/// For 24 hours deliveries carry signatures with both the new and the previous secret, so the
/// receiver can switch without losing events.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/rotate-secret",
    operation_id = "rotateWebhookSecret",
    tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    responses(
        (status = 200, description = "The endpoint with its new secret.", body = Revealed),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    )
)]
async fn rotate(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<Json<Revealed>, ApiError> {
    let rotated =
        webhooks::rotate_secret(&state.ports, &caller.tenant_id, Some(&caller.actor), &id).await?;
    Ok(Json(rotated.into()))
}

/// Queues a `ping` event to the endpoint (even when it is switched off).
///
/// Follow it in the delivery log.
#[utoipa::path(
    post,
    path = "/v1/webhooks/{id}/test",
    operation_id = "testWebhook",
    tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id.")),
    responses(
        (status = 202, description = "The queued delivery.", body = WebhookDelivery),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
async fn test(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<WebhookDelivery>), ApiError> {
    let delivery = webhooks::test(&state.ports, &caller.tenant_id, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// The endpoint's deliveries, newest first, each with every attempt.
///
/// Each attempt has its status, error, duration and the start of the answer. Kept 30 days.
#[utoipa::path(
    get,
    path = "/v1/webhooks/{id}/deliveries",
    operation_id = "listWebhookDeliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "The webhook's id."), DeliveryQuery),
    responses(
        (status = 200, description = "A page of deliveries.", body = DeliveryPage),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
    )
)]
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
