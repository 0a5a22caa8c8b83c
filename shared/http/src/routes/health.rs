//! `GET /v1/health` (anyone: do the store and the queues answer?) and `GET /v1/health/details`
//! (a tenant's admins: the same with queue counts, plus their integrations and the last
//! successful poll of each channel).

use super::Routes;
use crate::auth::Admin;
use crate::openapi::generated::{Forbidden, Unavailable};
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    #[schema(inline)]
    status: Working,
    version: &'static str,
    #[schema(inline)]
    store: Answering,
    #[schema(inline)]
    queues: Answering,
    /// Marketplace request budgets blocked after a 429 (an Allegro client id, an EmpikPlace
    /// shop): no call is made until `until`; the work waits in its queues.
    #[schema(inline)]
    rate_limits: Vec<RateLimitBlock>,
}

/// The public verdict: only a working API answers (503 otherwise). `degraded`: works, but a
/// dead-letter queue holds failed work (details: `/v1/health/details`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Working {
    /// Everything checked works.
    Ok,
    /// It works, but something needs attention.
    Degraded,
}

/// A part that answered (a part that does not makes the answer a 503).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Answering {
    /// It answered.
    Ok,
}

/// One blocked budget, without its key's identifiers (the answer is public).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RateLimitBlock {
    marketplace: String,
    since: chrono::DateTime<chrono::Utc>,
    until: chrono::DateTime<chrono::Utc>,
}

/// Is the API up, and do its store and queues answer? Needs no key and tells nothing of any tenant; 503 when the store or a queue fails. Admins get more from `/v1/health/details`.
///
/// 200 while the store and every queue answer (`status` `ok`, or `degraded` with dead
/// letters); 503 otherwise.
#[utoipa::path(
    get,
    path = "/v1/health",
    operation_id = "health",
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The API works.", body = Health),
        (status = 503, response = Unavailable),
    )
)]
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let system = health::system(&state.ports).await;
    let status = match (system.status, system.store) {
        (Verdict::Unavailable, _) | (_, Check::Unavailable) => return Err(ApiError::unavailable()),
        (Verdict::Ok, Check::Ok) => Working::Ok,
        (Verdict::Degraded, Check::Ok) => Working::Degraded,
    };
    Ok(Json(Health {
        status,
        version: env!("CARGO_PKG_VERSION"),
        store: Answering::Ok,
        queues: Answering::Ok,
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
