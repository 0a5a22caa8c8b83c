//! Allegro's OAuth endpoints: `/auth/oauth/authorize`, `/auth/oauth/token`, `/auth/oauth/device`.

use crate::state::SandboxState;
use axum::Router;

/// Authorization and device codes waiting to be exchanged.
#[derive(Debug, Default)]
pub struct OAuthState {}

/// The OAuth routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
}
