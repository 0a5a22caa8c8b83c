//! Control API for the EmpikPlace side (`/__sandbox/mirakl/...`).

use crate::state::SandboxState;
use axum::Router;

/// The Mirakl control routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
}
