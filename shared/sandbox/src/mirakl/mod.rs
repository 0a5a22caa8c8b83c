//! The EmpikPlace (Mirakl) side of the simulator.

pub mod control;

use crate::state::SandboxState;
use axum::Router;

/// Everything the simulated EmpikPlace knows.
#[derive(Debug, Default)]
pub struct MiraklWorld {}

/// The Mirakl seller API routes (`/api/...`).
pub fn routes() -> Router<SandboxState> {
    Router::new()
}
