//! Post-purchase issues and Message Center threads.

use crate::state::SandboxState;
use axum::Router;

/// Issues, threads, attachments and what the seller posted.
#[derive(Debug, Default)]
pub struct Inbox {}

/// The inbox routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
}
