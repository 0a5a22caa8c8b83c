//! Control API for the Allegro side (`/__sandbox/allegro/...`).

use crate::state::SandboxState;
use axum::Router;

/// The Allegro control routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
}
