//! Extractors whose failures answer in the API's JSON error format and name the field at fault.

use crate::{json, ApiError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use marketdesk_core::ids;
use serde::de::DeserializeOwned;

/// A JSON request body: `Content-Type: application/json`, within the body limit, decoding
/// into `T` (whose unknown fields are refused by `deny_unknown_fields`).
#[derive(Debug, Clone)]
pub(crate) struct JsonBody<T>(pub T);

/// The query string decoded into `T`.
#[derive(Debug, Clone)]
pub(crate) struct QueryParams<T>(pub T);

/// The `{sku}` segment of a route (percent-decoded), an acceptable SKU; else 404.
#[derive(Debug, Clone)]
pub(crate) struct PathSku(pub String);

/// A CSV request body: `Content-Type: text/csv`, UTF-8, within the body limit.
#[derive(Debug, Clone)]
pub(crate) struct CsvBody(pub String);

/// The `{id}` segment of a route, well-formed (see [`ids::is_well_formed`]); else 404.
#[derive(Debug, Clone)]
pub(crate) struct PathId(pub String);

/// A path with two ids (`/v1/tickets/{id}/replies/{rid}`), both well-formed; else 404.
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

/// Decodes a JSON body into `T`, naming the field at fault: first the syntax (400
/// `invalid_json` when the body is not one JSON value, 400 `duplicate_key` when an object
/// repeats a key), then the shape (422 `body_not_object` when it is not an object, else 422
/// `validation_failed` naming the field; structs decode from objects only, see [`json::Strict`]).
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = json::parse_unique_keys(bytes).map_err(|error| match error {
        json::ParseError::Syntax(error) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {error}"),
        ),
        json::ParseError::DuplicateKey(field) => ApiError {
            field: Some(field.clone()),
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "duplicate_key",
                format!("{field}: appears twice in its object; give every key once"),
            )
        },
    })?;
    if !value.is_object() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body_not_object",
            "the body must be a JSON object such as {\"text\": \"...\"}",
        ));
    }
    serde_path_to_error::deserialize(json::Strict(value)).map_err(|error| {
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

impl<S> FromRequestParts<S> for PathSku
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such product: a SKU is 1 to 64 characters without '#' (percent-encode it in the path)",
            )
        };
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(sku)) => marketdesk_core::domain::product::sku(&sku)
                .map(PathSku)
                .map_err(|_| not_found()),
            Err(_) => Err(not_found()),
        }
    }
}

/// Reads the body of a request within the body limit.
async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                crate::edge::too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "the body could not be read",
                )
            }
        })
}

impl<S> FromRequest<S> for CsvBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_csv = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/csv"));
        if !is_csv {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the file with Content-Type: text/csv",
            ));
        }
        let bytes = body_bytes(request, state).await?;
        String::from_utf8(bytes.to_vec()).map(CsvBody).map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "file: not UTF-8 text; save the CSV as UTF-8",
            )
        })
    }
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
        let bytes = body_bytes(request, state).await?;
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

/// The answer to a path whose id is not one: ids are checked before they reach a store key,
/// and a malformed one names nothing that exists.
fn malformed_id() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!(
            "no such item: ids are 1 to {} ASCII letters, digits, '-' or '_'",
            ids::MAX_ID_LEN
        ),
    )
}

/// The path's parameters as `T` (one id or a tuple of ids), each checked with
/// [`ids::is_well_formed`]: the one place where ids from outside are validated.
async fn well_formed<T, S>(
    parts: &mut Parts,
    state: &S,
    all: impl Fn(&T) -> bool,
) -> Result<T, ApiError>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    match Path::<T>::from_request_parts(parts, state).await {
        Ok(Path(value)) if all(&value) => Ok(value),
        // Not UTF-8 after percent-decoding, or not an id.
        _ => Err(malformed_id()),
    }
}

impl<S> FromRequestParts<S> for PathId
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        well_formed(parts, state, |id: &String| ids::is_well_formed(id))
            .await
            .map(PathId)
    }
}

impl<S> FromRequestParts<S> for PathIds
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        well_formed(parts, state, |(first, second): &(String, String)| {
            ids::is_well_formed(first) && ids::is_well_formed(second)
        })
        .await
        .map(|(first, second)| PathIds(first, second))
    }
}
