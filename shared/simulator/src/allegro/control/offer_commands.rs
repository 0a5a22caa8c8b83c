//! Control routes for the batch offer commands: what arrived (per kind, with each command's
//! tasks), the task delay, and running every waiting task now.

use crate::allegro::catalog::offer_commands::{CommandKind, OfferCommand};
use crate::control::support::{answer, invalid, ControlJson, Outcome};
use crate::state::SimulatorState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::Router;
use chrono::Duration;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most the task delay may be (a test fixture, not a queue).
const MAX_TASK_DELAY_MS: i64 = 600_000;

/// Offer command control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/offer-commands", get(list))
        .route("/offer-commands/settings", put(settings).post(settings))
        .route("/offer-commands/finish", post(finish))
}

fn describe(command: &OfferCommand) -> Value {
    let (success, failed) = command.counts();
    json!({
        "id": command.id,
        "kind": command.kind.name(),
        "seller_id": command.seller_id,
        "offers": command.tasks.len(),
        "created_at": command.created_at,
        "completed_at": command.completed_at,
        "success": success,
        "failed": failed,
        "tasks": command.tasks.iter().map(|t| json!({
            "offer_id": t.offer_id,
            "status": t.status.name(),
            "message": t.failure.as_ref().map(|(_, message)| message),
        })).collect::<Vec<_>>(),
    })
}

/// The task delay, the number of commands per kind and every command, oldest first.
async fn list(State(state): State<SimulatorState>) -> Outcome {
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    catalog.settle_commands(now);
    let book = catalog.commands();
    let counts: serde_json::Map<String, Value> = CommandKind::ALL
        .iter()
        .map(|kind| (kind.name().to_owned(), json!(book.count(*kind))))
        .collect();
    Ok(answer(
        StatusCode::OK,
        json!({
            "task_delay_ms": book.task_delay.num_milliseconds(),
            "counts": counts,
            "commands": book.all().map(describe).collect::<Vec<_>>(),
        }),
    ))
}

/// Body of `PUT /offer-commands/settings`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// How long new commands' tasks stay `NEW`, in milliseconds (0–600 000).
    task_delay_ms: i64,
}

/// Sets the task delay of commands that arrive from now on.
async fn settings(
    State(state): State<SimulatorState>,
    ControlJson(body): ControlJson<Settings>,
) -> Outcome {
    if !(0..=MAX_TASK_DELAY_MS).contains(&body.task_delay_ms) {
        return Err(invalid(format!(
            "task_delay_ms must be between 0 and {MAX_TASK_DELAY_MS}"
        )));
    }
    state.lock().allegro.catalog.commands_mut().task_delay =
        Duration::milliseconds(body.task_delay_ms);
    Ok(answer(
        StatusCode::OK,
        json!({ "task_delay_ms": body.task_delay_ms }),
    ))
}

/// Runs every waiting task now, whatever its delay.
async fn finish(State(state): State<SimulatorState>) -> Outcome {
    let mut world = state.lock();
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    let waiting = catalog.commands().all().filter(|c| c.running()).count();
    catalog.settle_commands_at(now, true);
    Ok(answer(StatusCode::OK, json!({ "finished": waiting })))
}
