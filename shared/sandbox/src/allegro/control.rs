//! Control API for the Allegro side (`/__sandbox/allegro/...`): create sellers, buyers, offers
//! and orders, sign a seller in (who then approves authorization requests), approve device
//! codes, revoke and inspect tokens. JSON in and out; unknown fields and bad values → 422
//! `{"error": "..."}`, unknown ids → 404, duplicates → 409.

mod accounts;
mod catalog;

use crate::state::SandboxState;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::json;

/// The Allegro control routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
        .merge(accounts::routes())
        .merge(catalog::routes())
}

/// The body of a control request, or a 422 naming what is wrong with it.
#[allow(clippy::result_large_err)] // the error is the finished answer
fn body<T>(payload: Result<Json<T>, JsonRejection>) -> Result<T, Response> {
    payload
        .map(|Json(value)| value)
        .map_err(|rejection| invalid(&rejection.body_text()))
}

/// 422 `{"error": message}`.
fn invalid(message: &str) -> Response {
    failure(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// 404 `{"error": message}`.
fn not_found(message: &str) -> Response {
    failure(StatusCode::NOT_FOUND, message)
}

/// `{"error": message}` with `status`.
fn failure(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}
