//! The legacy disputes API, removed by Allegro on 2026-01-07: every method on `/sale/disputes*`
//! and `/sale/dispute-attachments*` answers 404 `NotFoundException` "Feature unavailable".

use crate::allegro::errors::feature_unavailable;
use crate::state::SimulatorState;
use axum::response::Response;
use axum::routing::any;
use axum::Router;

/// Every removed disputes path, any method.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/sale/disputes", any(removed))
        .route("/sale/disputes/{*rest}", any(removed))
        .route("/sale/dispute-attachments", any(removed))
        .route("/sale/dispute-attachments/{*rest}", any(removed))
}

async fn removed() -> Response {
    feature_unavailable()
}
