//! Every Allegro route in one router: the REST API and the OAuth endpoints.

use super::{catalog, errors, inbox, oauth};
use crate::state::SimulatorState;
use axum::Router;

/// Every Allegro route: the REST API and the OAuth endpoints.
pub fn routes() -> Router<SimulatorState> {
    let rest = Router::new()
        .merge(catalog::routes())
        .merge(inbox::routes())
        .layer(axum::middleware::from_fn(errors::in_requested_media_type));
    Router::new().merge(oauth::routes()).merge(rest)
}
