//! Small HTTP helpers shared by the inbox routes: beta JSON answers, body and query parsing,
//! the server's own base URL and Allegro-shaped validation errors.

use crate::allegro::errors::{error_entry, errors_holder, errors_response, with_trace_id};
use crate::allegro::BETA_JSON;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Either the answer or the error answer; handlers return `Ok(r) | Err(r)` alike.
pub type Answer = Result<Response, Response>;

/// Flattens an [`Answer`].
pub fn finish(answer: Answer) -> Response {
    answer.unwrap_or_else(|error| error)
}

/// A JSON answer in the beta media type with a `trace-id`.
pub fn beta_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(BETA_JSON))],
        body.to_string(),
    )
        .into_response();
    with_trace_id(&mut response);
    response
}

/// `http://<Host>`: the address the caller used to reach this server.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '\\']))
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// 422 `VALIDATION_ERROR` with the offending field in `path`.
pub fn validation_error(message: &str, path: Option<&str>) -> Response {
    errors_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        vec![error_entry("VALIDATION_ERROR", message, path, message)],
    )
}

/// Parses a JSON request body: 400 when it is not JSON, 422 when it does not fit the schema.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|error| {
        if error.is_data() {
            validation_error(&format!("Invalid request body: {error}"), None)
        } else {
            errors_holder(
                StatusCode::BAD_REQUEST,
                "BadRequestException",
                &format!("Syntactically incorrect request: {error}"),
                None,
            )
        }
    })
}

/// Every `name=value` pair of the query string, decoded, in order (names may repeat).
pub fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The last value of a query parameter.
pub fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An integer query parameter within `min..=max`, `default` when absent; 422 otherwise.
pub fn int_param(
    pairs: &[(String, String)],
    name: &str,
    min: i64,
    max: i64,
    default: i64,
) -> Result<i64, Response> {
    let Some(raw) = query_value(pairs, name) else {
        return Ok(default);
    };
    match raw.trim().parse::<i64>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(validation_error(
            &format!("Parameter '{name}' must be an integer between {min} and {max}"),
            Some(name),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_keep_repeats_and_decode() {
        let uri: Uri = "/x?status=A&status=B%2CC&checkoutForm.id=a+b&limit=5"
            .parse()
            .expect("uri");
        let pairs = query_pairs(&uri);
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[1], ("status".into(), "B,C".into()));
        assert_eq!(query_value(&pairs, "checkoutForm.id"), Some("a b"));
        assert_eq!(int_param(&pairs, "limit", 1, 100, 10).ok(), Some(5));
        assert_eq!(int_param(&pairs, "offset", 0, 100, 0).ok(), Some(0));
        assert!(int_param(&pairs, "limit", 6, 100, 10).is_err());
    }

    #[test]
    fn base_url_comes_from_the_host_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(base_url(&headers), "http://localhost");
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:4000"));
        assert_eq!(base_url(&headers), "http://127.0.0.1:4000");
    }
}
