//! Session cookies: reading `md_session`, authenticating it, the CSRF check of
//! cookie-authenticated writes, and the `Set-Cookie` answers.
//!
//! A request without `Authorization: Bearer` but with the cookie is authenticated here (see
//! the hook in `auth::require_key`). Writes (any method but GET, HEAD, OPTIONS) must carry
//! the session's CSRF token in `X-CSRF-Token`: a page of another site can make the browser
//! send the cookie, but cannot read the token. API keys need no CSRF token: browsers never
//! attach them on their own.

use crate::{ApiError, AppState};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marketdesk_core::services::people::sessions;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "md_session";
/// Header carrying the CSRF token of cookie-authenticated writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session token of a cookie-authenticated request (for `GET /v1/me`'s CSRF token).
#[derive(Clone)]
pub(crate) struct SessionToken(pub SecretString);

/// The session cookie's value, if the request has one.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<SecretString> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty())
        .map(|(_, value)| SecretString::from(value.trim().to_owned()))
}

/// Authenticates the session cookie and checks the CSRF token of writes; then runs the
/// route with the caller in the request.
pub(crate) async fn require_session(
    state: &AppState,
    token: SecretString,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match sessions::authenticate(&state.ports, &state.people, &token).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            let mut response = ApiError::unauthorized(
                "the session has ended (expired, signed out or the account is deactivated); sign in again",
            )
            .into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                clearing_cookie(is_https(state, request.headers())),
            );
            return response;
        }
        Err(error) => return ApiError::from(error).into_response(),
    };
    if !is_safe(request.method()) {
        let presented = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !sessions::csrf_matches(&token, presented) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "writes with a session cookie need the session's CSRF token in X-CSRF-Token (from sign-in or GET /v1/me)",
            )
            .into_response();
        }
    }
    request.extensions_mut().insert(caller);
    request.extensions_mut().insert(SessionToken(token));
    next.run(request).await
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request came over HTTPS: a proxy's `X-Forwarded-Proto: https` (API Gateway
/// sets it), or the deployment says so (`MARKETDESK_SECURE_COOKIES`).
pub(crate) fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.people.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| {
                proto
                    .split(',')
                    .next()
                    .is_some_and(|first| first.trim().eq_ignore_ascii_case("https"))
            })
}

fn cookie(value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{COOKIE_NAME}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}"
    );
    // Tokens are base64url and the rest is fixed text, so the value is always a valid header.
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("md_session=; Max-Age=0"))
}

/// The `Set-Cookie` value opening a session.
pub(crate) fn session_cookie(
    token: &SecretString,
    max_age_seconds: i64,
    secure: bool,
) -> HeaderValue {
    cookie(token.expose_secret(), max_age_seconds, secure)
}

/// The `Set-Cookie` value removing the session cookie.
pub(crate) fn clearing_cookie(secure: bool) -> HeaderValue {
    cookie("", 0, secure)
}

/// The client's network address, for per-address sign-in throttling: the connection's peer
/// when the server records it, else the last `X-Forwarded-For` entry (the one the nearest
/// proxy, e.g. API Gateway, added; earlier entries come from the client and prove nothing).
pub(crate) fn client_address(
    request_headers: &HeaderMap,
    peer: Option<&ConnectInfo<SocketAddr>>,
) -> Option<String> {
    if let Some(ConnectInfo(addr)) = peer {
        return Some(addr.ip().to_string());
    }
    request_headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|entry| !entry.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        assert!(cookie_token(&headers).is_none());
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; md_session=mds_abc ; other=1"),
        );
        assert_eq!(
            cookie_token(&headers).map(|t| t.expose_secret().to_owned()),
            Some("mds_abc".to_owned())
        );
        headers.insert(header::COOKIE, HeaderValue::from_static("md_session="));
        assert!(cookie_token(&headers).is_none());
    }

    #[test]
    fn the_client_is_the_peer_or_the_last_forwarded_entry() {
        let mut headers = HeaderMap::new();
        assert_eq!(client_address(&headers, None), None);
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.0.0.1"),
        );
        assert_eq!(client_address(&headers, None).as_deref(), Some("10.0.0.1"));
        let peer = ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 4000)));
        assert_eq!(
            client_address(&headers, Some(&peer)).as_deref(),
            Some("127.0.0.1")
        );
    }
}
