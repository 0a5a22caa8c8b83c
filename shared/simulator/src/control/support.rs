//! What every control route (`/__simulator/...`) shares: JSON answers, `{"error": "…"}` failures
//! (422 for a body that does not describe a valid request, 404 for an id naming nothing) and
//! body parsing. Bodies are structs with `#[serde(deny_unknown_fields)]`, so an unknown field
//! is a 422 like any other bad value.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// A control call's failure, answered as `{"error": message}` with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    /// HTTP status.
    pub status: StatusCode,
    /// What is wrong with the request.
    pub message: String,
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        answer(self.status, json!({ "error": self.message }))
    }
}

/// A control handler's result: the answer or the failure (axum sends either).
pub type Outcome = Result<Response, ControlError>;

/// `body` as JSON with `status`.
pub fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// A failure with `status`.
pub fn failure(status: StatusCode, message: impl Into<String>) -> ControlError {
    ControlError {
        status,
        message: message.into(),
    }
}

/// 422: the request does not describe a valid call.
pub fn invalid(message: impl Into<String>) -> ControlError {
    failure(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// 404: an id in the request names nothing.
pub fn not_found(message: impl Into<String>) -> ControlError {
    failure(StatusCode::NOT_FOUND, message)
}

/// Parses a JSON body; 422 `invalid body: …` when it does not fit.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body).map_err(|e| invalid(format!("invalid body: {e}")))
}

/// Like [`parse`], but an empty (or all-blank) body reads as `{}`.
pub fn parse_or_empty<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        parse(b"{}")
    } else {
        parse(body)
    }
}

/// A JSON body as axum's `Json` extractor reads it; one it refuses answers 422 naming why.
#[derive(Debug)]
pub struct ControlJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ControlJson<T> {
    type Rejection = ControlError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ControlError> {
        Json::from_request(request, state)
            .await
            .map(|Json(value)| Self(value))
            .map_err(|rejection| invalid(rejection.body_text()))
    }
}
