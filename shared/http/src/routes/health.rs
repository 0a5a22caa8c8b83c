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
}

/// Reads one (absent) item to prove the store answers; 503 when it does not.
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let probe = Key::new("HEALTH", "PROBE");
    if let Err(error) = state.ports.store.get(&probe).await {
        tracing::error!(%error, "health check: store unavailable");
        return Err(ApiError::unavailable());
    }
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    }))
}
