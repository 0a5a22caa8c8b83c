//! Allegro's error bodies: `ErrorsHolder` for the REST API, `AuthError` for OAuth-style 401s.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// One entry of an `ErrorsHolder`, as Allegro's spec defines it.
pub fn error_entry(code: &str, message: &str, path: Option<&str>, user_message: &str) -> Value {
    json!({
        "code": code,
        "message": message,
        "details": null,
        "path": path,
        "userMessage": user_message,
        "metadata": {}
    })
}

/// An `ErrorsHolder` response with one error.
pub fn errors_holder(
    status: StatusCode,
    code: &str,
    message: &str,
    path: Option<&str>,
) -> Response {
    errors_response(status, vec![error_entry(code, message, path, message)])
}

/// An `ErrorsHolder` response with several errors.
pub fn errors_response(status: StatusCode, errors: Vec<Value>) -> Response {
    let mut response = (status, Json(json!({ "errors": errors }))).into_response();
    with_trace_id(&mut response);
    response
}

/// An OAuth-style `AuthError` (`{"error", "error_description"}`).
pub fn auth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    with_trace_id(&mut response);
    response
}

/// 404 as Allegro answers unknown or removed paths (e.g. `/sale/disputes` since 2026-01-07).
pub fn feature_unavailable() -> Response {
    errors_response(
        StatusCode::NOT_FOUND,
        vec![json!({
            "code": "NotFoundException",
            "message": "Not found",
            "details": null,
            "path": null,
            "userMessage": "Feature unavailable. Contact the application author."
        })],
    )
}

/// Adds the `trace-id` header Allegro puts on every answer.
pub fn with_trace_id(response: &mut Response) {
    if let Ok(value) = HeaderValue::from_str(&uuid::Uuid::new_v4().simple().to_string()) {
        response.headers_mut().insert("trace-id", value);
    }
}

/// Marks an error answer whose document declares plain `application/json` (e.g. the 400 of
/// `/sale/offer-events`), so [`in_requested_media_type`] leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub struct DocumentedAsPlainJson;

/// Allegro's REST API answers errors in the vendor media type the client asked for (its
/// documents declare error bodies as `application/vnd.allegro.public.v1+json` or beta), not
/// `application/json`; the OAuth endpoints keep `application/json`.
pub async fn in_requested_media_type(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let accept = request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut response = next.run(request).await;
    let is_json_error = response.status().as_u16() >= 400
        && response
            .extensions()
            .get::<DocumentedAsPlainJson>()
            .is_none()
        && response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
    if is_json_error {
        let media = if accept.contains(super::BETA_JSON) {
            super::BETA_JSON
        } else {
            super::PUBLIC_JSON
        };
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static(media),
        );
    }
    response
}
