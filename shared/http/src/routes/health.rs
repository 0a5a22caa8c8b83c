//! `GET /v1/health` (anyone: do the store and the queues answer?) and `GET /v1/health/details`
//! (a tenant's admins: the same with queue counts, plus their integrations and the last
//! successful poll of each channel).

use super::Routes;
use crate::auth::Admin;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::services::health::{self, ChannelsHealth, Check, SystemHealth, Verdict};
use marketdesk_core::services::request::RequestError;
use serde::Serialize;

/// Adds the public health route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/health", health)
}

/// Adds the admins' health details.
pub(crate) fn protected(routes: Routes) -> Routes {
    routes.get("/v1/health/details", details)
}

/// The public health answer: nothing of any tenant, no counts.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: Verdict,
    version: &'static str,
    store: Check,
    queues: Check,
    /// Marketplace request budgets blocked after a 429 (calls wait in their queues).
    rate_limits: Vec<RateLimitBlock>,
}

/// One blocked budget, without its key's identifiers (the answer is public).
#[derive(Debug, Serialize)]
pub(crate) struct RateLimitBlock {
    marketplace: String,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
}

/// 200 while the store and every queue answer (`status` `ok`, or `degraded` with dead
/// letters); 503 otherwise.
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let system = health::system(&state.ports).await;
    if system.status == Verdict::Unavailable {
        return Err(ApiError::unavailable());
    }
    Ok(Json(Health {
        status: system.status,
        version: env!("CARGO_PKG_VERSION"),
        store: system.store,
        queues: Check::Ok,
        rate_limits: rate_limits(&state).await,
    }))
}

/// The budgets blocked now, named by marketplace only; an unreadable budget is logged and
/// shown as none (the health of the store and queues decides the status).
async fn rate_limits(state: &AppState) -> Vec<RateLimitBlock> {
    let now = state.ports.clock.now();
    match state.ports.budget.blocks(now).await {
        Ok(blocks) => blocks
            .into_iter()
            .map(|block| RateLimitBlock {
                marketplace: block
                    .key
                    .split_once('#')
                    .map_or("unknown", |(marketplace, _)| marketplace)
                    .to_owned(),
                since: block.since,
                until: block.until,
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "health check: request budget unreadable");
            Vec::new()
        }
    }
}

/// The admins' answer.
#[derive(Debug, Serialize)]
pub(crate) struct HealthDetails {
    status: Verdict,
    version: &'static str,
    system: SystemHealth,
    marketplaces: ChannelsHealth,
}

/// The caller's tenant's integrations and channels beside the shared parts; `status` is the
/// worse of the two.
async fn details(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Json<HealthDetails>, ApiError> {
    let system = health::system(&state.ports).await;
    let marketplaces = health::tenant(&state.ports, &caller.tenant_id)
        .await
        .map_err(RequestError::from)?;
    Ok(Json(HealthDetails {
        status: health::worse(system.status, marketplaces.status),
        version: env!("CARGO_PKG_VERSION"),
        system,
        marketplaces,
    }))
}
