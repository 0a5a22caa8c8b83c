//! Extractors whose failures answer in the API's JSON error format and name the field at fault.

use crate::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

/// A JSON request body: `Content-Type: application/json`, within the body limit, decoding
/// into `T` (whose unknown fields are refused by `deny_unknown_fields`).
#[derive(Debug, Clone)]
pub(crate) struct JsonBody<T>(pub T);

/// The query string decoded into `T`.
#[derive(Debug, Clone)]
pub(crate) struct QueryParams<T>(pub T);

/// The `{id}` segment of a route.
#[derive(Debug, Clone)]
pub(crate) struct PathId(pub String);

/// A path with two ids (`/v1/tickets/{id}/replies/{rid}`), as given.
pub(crate) struct PathIds(pub String, pub String);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// The field a serde error is about: the path where it happened, completed with the field
/// named in "missing field `x`" or "unknown field `x`" messages.
fn field_of(path: &serde_path_to_error::Path, message: &str) -> Option<String> {
    let mut field = path.to_string();
    if field == "." || field == "?" {
        field.clear();
    }
    for marker in ["missing field `", "unknown field `"] {
        if let Some(start) = message.find(marker) {
            let rest = &message[start + marker.len()..];
            if let Some(end) = rest.find('`') {
                let name = &rest[..end];
                if !field.ends_with(name) {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(name);
                }
            }
        }
    }
    (!field.is_empty()).then_some(field)
}

/// Decodes a JSON body into `T`, naming the field at fault: first the syntax (400 when the
/// body is not one JSON value), then the shape (422 naming the field).
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {error}"),
        )
    })?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let message = error.inner().to_string();
        match field_of(error.path(), &message) {
            Some(field) => ApiError::validation(field.clone(), format!("{field}: {message}")),
            None => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("body: {message}"),
            ),
        }
    })
}

/// Decodes a query string into `T`, naming the parameter at fault.
pub(crate) fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let message = error.inner().to_string();
        match field_of(error.path(), &message) {
            Some(field) => ApiError::validation(field.clone(), format!("{field}: {message}")),
            None => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                format!("query: {message}"),
            ),
        }
    })
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        format!("the body is larger than {} bytes", crate::BODY_LIMIT_BYTES),
                    )
                } else {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "invalid_body",
                        "the body could not be read",
                    )
                }
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query().unwrap_or_default()).map(QueryParams)
    }
}

impl<S> FromRequestParts<S> for PathId
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| PathId(id))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_path",
                    "the id in the path is not valid UTF-8 text",
                )
            })
    }
}

impl<S> FromRequestParts<S> for PathIds
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map(|Path((first, second))| PathIds(first, second))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_path",
                    "the ids in the path are not valid UTF-8 text",
                )
            })
    }
}
