//! The control API (`/__simulator/...`): the simulator's clock, faults and request log here; the Allegro and
//! EmpikPlace control routes nest under `/__simulator/allegro` and `/__simulator/empik`; what
//! they all share is in [`support`].

pub mod support;

use crate::faults::FaultRule;
use crate::state::SimulatorState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use support::{answer, invalid, ControlError, Outcome};

/// Every control route.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route(
            "/faults",
            post(arm_fault).get(list_faults).delete(clear_faults),
        )
        .route("/requests", get(list_requests).delete(clear_requests))
        .nest("/allegro", crate::allegro::control::routes())
        .nest("/allegro/inbox", crate::allegro::inbox::control_routes())
        .nest("/empik", crate::empik::control::routes())
}

async fn clock(State(state): State<SimulatorState>) -> Json<Value> {
    Json(json!({ "now": state.lock().clock.now() }))
}

/// Body of `POST /__simulator/clock/advance`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(
    State(state): State<SimulatorState>,
    Json(body): Json<Advance>,
) -> Result<Json<Value>, ControlError> {
    if body.seconds < 0 {
        return Err(invalid("the clock only moves forward"));
    }
    let mut world = state.lock();
    world.clock.advance(chrono::Duration::seconds(body.seconds));
    Ok(Json(json!({ "now": world.clock.now() })))
}

async fn arm_fault(State(state): State<SimulatorState>, Json(rule): Json<FaultRule>) -> Outcome {
    if rule.remaining == 0 || !rule.path_prefix.starts_with('/') {
        return Err(invalid(
            "path_prefix must start with / and remaining must be at least 1",
        ));
    }
    state.lock().faults.rules.push(rule);
    Ok(answer(StatusCode::CREATED, json!({"armed": true})))
}

async fn list_faults(State(state): State<SimulatorState>) -> Json<Value> {
    Json(json!({ "faults": state.lock().faults.rules }))
}

async fn clear_faults(State(state): State<SimulatorState>) -> StatusCode {
    state.lock().faults.rules.clear();
    StatusCode::NO_CONTENT
}

/// Query of `GET /__simulator/requests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFilter {
    /// Only calls whose path starts with this (all when absent).
    #[serde(default)]
    path_prefix: Option<String>,
}

async fn list_requests(
    State(state): State<SimulatorState>,
    filter: Result<Query<RequestFilter>, axum::extract::rejection::QueryRejection>,
) -> Outcome {
    let prefix = match filter {
        Ok(Query(filter)) => filter.path_prefix.unwrap_or_default(),
        Err(rejection) => return Err(invalid(rejection.body_text())),
    };
    Ok(answer(
        StatusCode::OK,
        json!({ "requests": state.lock().requests.matching(&prefix) }),
    ))
}

async fn clear_requests(State(state): State<SimulatorState>) -> StatusCode {
    state.lock().requests.clear();
    StatusCode::NO_CONTENT
}
