//! `GET /v1/health`: is the process up and can it reach its store? (No key needed.)

use super::Routes;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use marketdesk_core::ports::Key;
use serde::Serialize;

/// Adds the health route.
pub(crate) fn routes(routes: Routes) -> Routes {
    routes.get("/v1/health", health)
}

/// The health answer.
#[derive(Debug, Serialize)]
pub(crate) struct Health {
    status: &'static str,
    version: &'static str,
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

/// Reads one (absent) item to prove the store answers; 503 when it does not.
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let probe = Key::new("HEALTH", "PROBE");
    if let Err(error) = state.ports.store.get(&probe).await {
        tracing::error!(%error, "health check: store unavailable");
        return Err(ApiError::unavailable());
    }
    let now = state.ports.clock.now();
    let rate_limits = match state.ports.budget.blocks(now).await {
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
    };
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        rate_limits,
    }))
}
