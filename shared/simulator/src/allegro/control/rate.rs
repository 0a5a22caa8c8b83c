//! Control routes for the per-client-id rate limit: read the counts, set the limit, reset.

use crate::allegro::accounts::{RateWindow, CLIENT_BLOCK};
use crate::control::support::{answer, invalid, ControlJson, Outcome};
use crate::state::SimulatorState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

/// Rate-limit control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/rate-limit", get(read).put(set))
        .route("/rate-limit/counts", delete(reset))
}

/// Body of `PUT /rate-limit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLimit {
    per_minute: u32,
}

/// The limit and, per client id, its counts and block.
async fn read(State(state): State<SimulatorState>) -> Outcome {
    let world = state.lock();
    let now = world.clock.now();
    let accounts = &world.allegro.accounts;
    let mut clients: Vec<Value> = accounts
        .rate
        .iter()
        .map(|(client_id, window)| describe(client_id, window, now))
        .collect();
    clients.sort_by(|a, b| a["client_id"].as_str().cmp(&b["client_id"].as_str()));
    Ok(answer(
        StatusCode::OK,
        json!({
            "per_minute": accounts.rate_limit_per_minute,
            "block_seconds": CLIENT_BLOCK.num_seconds(),
            "clients": clients,
        }),
    ))
}

fn describe(client_id: &str, window: &RateWindow, now: chrono::DateTime<chrono::Utc>) -> Value {
    let blocked_until = window.blocked_until.filter(|until| *until > now);
    json!({
        "client_id": client_id,
        "window_start": window.window_start,
        "in_window": window.count,
        "total": window.total,
        "rejected": window.rejected,
        "blocks": window.blocks,
        "blocked_until": blocked_until,
    })
}

/// Sets the per-minute limit (at least 1); counts and blocks stay.
async fn set(
    State(state): State<SimulatorState>,
    ControlJson(body): ControlJson<NewLimit>,
) -> Outcome {
    if body.per_minute == 0 {
        return Err(invalid("per_minute must be at least 1"));
    }
    state.lock().allegro.accounts.rate_limit_per_minute = body.per_minute;
    Ok(answer(
        StatusCode::OK,
        json!({ "per_minute": body.per_minute }),
    ))
}

/// Forgets every count and lifts every block.
async fn reset(State(state): State<SimulatorState>) -> Outcome {
    state.lock().allegro.accounts.rate.clear();
    Ok(answer(StatusCode::OK, json!({ "cleared": true })))
}
