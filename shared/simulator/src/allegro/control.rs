//! Control API for the Allegro side (`/__simulator/allegro/...`): create sellers, buyers, offers
//! and orders, sign a seller in (who then approves authorization requests), approve device
//! codes, revoke and inspect tokens, set the per-client-id rate limit and read its counts. JSON in and out; unknown fields and bad values → 422
//! `{"error": "..."}`, unknown ids → 404, duplicates → 409.

mod accounts;
mod catalog;
mod offer_commands;
mod rate;

use crate::control::support::{invalid, ControlError};
use crate::state::SimulatorState;
use axum::Router;

/// The Allegro control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .merge(accounts::routes())
        .merge(catalog::routes())
        .merge(offer_commands::routes())
        .merge(rate::routes())
}

/// A seller's or buyer's login, trimmed: 422 unless it is one word.
fn checked_login(login: &str) -> Result<&str, ControlError> {
    let login = login.trim();
    if login.is_empty() || login.contains(char::is_whitespace) {
        return Err(invalid("login must be a non-empty word without spaces"));
    }
    Ok(login)
}
