//! Error answers of the seller API: Mirakl's `{"status", "message"}` body. (The control API
//! answers `{"error"}` through `crate::control::support`.)

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
