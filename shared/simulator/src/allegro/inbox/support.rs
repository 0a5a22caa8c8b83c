//! Small HTTP helpers shared by the inbox routes: beta JSON bodies and attachment references,
//! query parsing, the server's own base URL and Allegro-shaped validation errors.

use crate::allegro::errors::errors_holder;
use crate::allegro::guard::{require_content_type, Media};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Either the answer or the error answer; handlers return `Ok(r) | Err(r)` alike (axum sends
/// either as it is).
pub type Answer = Result<Response, Response>;

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
    errors_holder(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        message,
        path,
    )
}

/// 422 `ATTACHMENT_ERROR`, the code Allegro uses for issue attachment problems, at `field`.
pub fn attachment_error(message: &str, field: &str) -> Response {
    errors_holder(
        StatusCode::UNPROCESSABLE_ENTITY,
        "ATTACHMENT_ERROR",
        message,
        Some(field),
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

/// `{"id": …}` in the `attachments` of a message the seller posts.
#[derive(Debug, Deserialize)]
pub struct AttachmentRef {
    /// The attachment's id.
    pub id: String,
}

/// The ids a message's `attachments` name (none when absent).
pub fn attachment_ids(refs: Option<Vec<AttachmentRef>>) -> Vec<String> {
    refs.unwrap_or_default().into_iter().map(|a| a.id).collect()
}

/// A beta JSON request body: 415 for another `Content-Type`, then as [`parse_json`].
pub fn beta_body<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, Response> {
    require_content_type(headers, Media::Beta)?;
    parse_json(body)
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
    use axum::http::HeaderValue;

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
