//! The agent API: one axum router, served by `lambda_http` on AWS and by `marketdesk serve`
//! locally. Handlers decode the request, call `marketdesk-core`, and encode the answer.

mod error;
mod health;

pub use error::ApiError;

use axum::routing::get;
use axum::Router;
use marketdesk_core::ports::Ports;

/// Largest request body accepted, in bytes (replies carry base64 attachments up to 10 MB).
pub const BODY_LIMIT_BYTES: usize = 16 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The ports, wired once at start-up.
    pub ports: Ports,
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/health", get(health::health))
        .fallback(error::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}
