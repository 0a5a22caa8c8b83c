//! Error answers: Mirakl's `{"status", "message"}` body for the seller API and
//! `{"error"}` for the control API.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A seller-API failure, answered as Mirakl does: `application/json`, `{"status", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable reason.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "status": self.status.as_u16(), "message": self.message })),
        )
            .into_response()
    }
}

/// Result of a seller-API step.
pub type ApiResult<T> = Result<T, ApiError>;

/// A Mirakl error with any status.
pub fn api_error(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        message: message.into(),
    }
}

/// 400: a parameter is wrong or missing.
pub fn bad_request(message: impl Into<String>) -> ApiError {
    api_error(StatusCode::BAD_REQUEST, message)
}

/// 404: the resource does not exist for the current user.
pub fn not_found(message: impl Into<String>) -> ApiError {
    api_error(StatusCode::NOT_FOUND, message)
}

/// A control-API failure, answered as `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    /// HTTP status.
    pub status: StatusCode,
    /// What is wrong with the request.
    pub message: String,
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message }))).into_response()
    }
}

/// 422 from the control API: the body does not describe a valid request.
pub fn unprocessable(message: impl Into<String>) -> ControlError {
    ControlError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: message.into(),
    }
}

/// 404 from the control API: an id in the request names nothing.
pub fn control_not_found(message: impl Into<String>) -> ControlError {
    ControlError {
        status: StatusCode::NOT_FOUND,
        message: message.into(),
    }
}
