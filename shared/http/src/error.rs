//! The API's error answer: `{"error": {"code", "message", "field"?}}` with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marketdesk_core::services::request::RequestError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code, e.g. `not_found`.
    pub code: &'static str,
    /// Human message.
    pub message: String,
    /// The request field at fault, for validation errors.
    pub field: Option<String>,
}

/// The body of every error answer (the document's `Error`).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody<'a> {
    /// What went wrong.
    #[schema(inline)]
    error: Inner<'a>,
}

/// What went wrong.
#[derive(Serialize, utoipa::ToSchema)]
struct Inner<'a> {
    /// Machine-readable: unauthorized, forbidden, csrf_failed, invalid_credentials, too_many_attempts, not_found, conflict, validation_failed, body_not_object, invalid_json, duplicate_key, invalid_body, payload_too_large, uri_too_long, unsupported_media_type, method_not_allowed, too_many_requests, last_admin_key, internal, unavailable, or a state code (see WrongState).
    code: &'a str,
    /// What went wrong, for people.
    message: &'a str,
    /// The request field or parameter at fault (validation errors), as a dotted path.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with no field.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A 422 naming the field at fault.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                message,
            )
        }
    }

    /// A 401: no key, or a key nobody issued.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// A 403: the key's role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// A 503: a backing service failed; details go to the log, not to the client.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "a backing service is unavailable; try again shortly",
        )
    }

    /// A 500: details go to the log, not to the client.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Invalid { field, message } => {
                let message = format!("{field}: {message}");
                ApiError::validation(field, message)
            }
            RequestError::Rule {
                code,
                field,
                message,
            } => ApiError {
                field: Some(field.clone()),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code,
                    format!("{field}: {message}"),
                )
            },
            RequestError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            RequestError::Conflict(message) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", message)
            }
            RequestError::WrongState { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            RequestError::Unavailable(reason) => {
                tracing::error!(%reason, "request failed: backing service unavailable");
                ApiError::unavailable()
            }
            RequestError::Internal(reason) => {
                tracing::error!(%reason, "request failed: internal error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"marketdesk\""),
            );
        }
        response
    }
}

/// Answers routes that do not exist.
pub(crate) async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// Answers a known route called with a method it does not have.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; see /v1/openapi.json",
    )
}
