//! The outermost layer of the router: refuses over-long request targets before routing, and
//! gives every answer its security headers.
//!
//! - `X-Content-Type-Options: nosniff`: browsers take the declared media type (no JSON or
//!   attachment sniffed into HTML).
//! - `Cache-Control: no-store`: answers carry secrets (a new API key) or tenant data behind a
//!   key; nothing the API serves is meant for a cache. The one exception: the workspace's
//!   content-hashed assets, which set `public, max-age=31536000, immutable` themselves.
//! - `X-Frame-Options: DENY` and `Content-Security-Policy: default-src 'none';
//!   frame-ancestors 'none'` (a page may set a policy of its own that still refuses framing,
//!   as the OAuth callback page does for its inline style).
//! - `Referrer-Policy: no-referrer`: the OAuth callback's URL carries the code and state.

use crate::ApiError;
use axum::extract::Request;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Longest request target (path and query string) served, in bytes; longer ones answer 414.
pub const URI_LIMIT_BYTES: usize = 8 * 1024;

/// The policy of answers that set none: load nothing, be framed by nobody.
const DEFAULT_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The 413 answer: the body is over [`crate::BODY_LIMIT_BYTES`].
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the body is larger than {} bytes", crate::BODY_LIMIT_BYTES),
    )
}

/// The middleware: 414 for over-long targets, then the handler, then the headers.
pub(crate) async fn guard(request: Request, next: Next) -> Response {
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    let mut response = if target_len > URI_LIMIT_BYTES {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!(
                "the path and query are {target_len} bytes long; at most {URI_LIMIT_BYTES} are served"
            ),
        )
        .into_response()
    } else {
        let response = next.run(request).await;
        if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json(&response) {
            // A body limit met outside `JsonBody` (which answers in JSON itself).
            too_large().into_response()
        } else {
            response
        }
    };
    let headers = response.headers_mut();
    // The workspace's content-hashed assets say `immutable` themselves; everything else
    // is `no-store`.
    let cacheable = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("immutable"));
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let always: [(HeaderName, &str); 3] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in always {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_POLICY),
        );
    }
    response
}
