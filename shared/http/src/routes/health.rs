//! `GET /v1/health` (anyone: do the store and the queues answer?) and `GET /v1/health/details`
//! (a tenant's admins: the same with queue counts, plus their integrations and the last
//! successful poll of each channel).

use super::Routes;
use crate::auth::Admin;
use crate::openapi::generated::Forbidden;
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct HealthDetails {
    /// The worse of `system` and `marketplaces`.
    #[schema(inline)]
    status: Verdict,
    /// marketdesk's version.
    version: &'static str,
    /// The store and the queues.
    system: SystemHealth,
    /// The tenant's integrations and their channels.
    marketplaces: ChannelsHealth,
}

/// Admins: how marketdesk and the tenant's marketplace channels are doing.
///
/// The store and each queue (with counts where the backend keeps them: the embedded one), the
/// tenant's integrations by state and, for each channel of each integration, the last
/// successful poll. A channel of a connected account not polled for 300 s (`STALE_AFTER_SECONDS`) beyond its
/// polling interval is `stale`. Nothing of other tenants. `marketdesk status` prints the same
/// for every tenant.
#[utoipa::path(
    get,
    path = "/v1/health/details",
    operation_id = "healthDetails",
    tag = "health",
    responses(
        (status = 200, description = "How marketdesk and the tenant's marketplace channels are doing.", body = HealthDetails),
        (status = 403, response = Forbidden),
    )
)]
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
