//! Authentication: every protected route needs `Authorization: Bearer <API key>` or a
//! session cookie (see `session`).
//!
//! [`require_key`] runs before the protected routes' handlers and puts the [`Caller`] into
//! the request; handlers state what they need with the [`Authenticated`] (any role) or
//! [`Admin`] extractor. The caller's tenant scopes every store access, so another tenant's
//! ids simply are not found.

use crate::{ApiError, AppState, ClientAddr};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marketdesk_core::services::api_keys::{self, Caller};
use secrecy::SecretString;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

/// The bearer token of the request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<SecretString> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
        .then(|| SecretString::from(token.to_owned()))
}

/// The address failed authentications count against: [`ClientAddr`] when the server put one
/// in, else the socket peer; requests with neither share one unspecified address.
fn client_addr(request: &Request) -> IpAddr {
    if let Some(ClientAddr(addr)) = request.extensions().get::<ClientAddr>() {
        return *addr;
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// The 429 answer to an address with too many failed authentications.
fn throttled(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        format!("too many failed authentications from this address; try again in {seconds} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// Middleware of the protected routes: 429 for an address with too many failed
/// authentications (see [`crate::throttle`]), 401 without a known key (a wrong key counts as a
/// failure), else the caller goes into the request's extensions. The key is never logged.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = client_addr(&request);
    if let Err(wait) = state.auth_throttle.check(client, Instant::now()) {
        return throttled(wait);
    }
    let Some(key) = bearer(request.headers()) else {
        // People in a browser: the session cookie (and the CSRF token for writes).
        if let Some(token) = crate::session::cookie_token(request.headers()) {
            return crate::session::require_session(&state, token, request, next).await;
        }
        return ApiError::unauthorized(
            "this route needs an API key: send Authorization: Bearer <key>",
        )
        .into_response();
    };
    match api_keys::authenticate(&state.ports, &key).await {
        Ok(Some(caller)) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Ok(None) => {
            state.auth_throttle.record_failure(client, Instant::now());
            tracing::info!(client = %client, "request with an unknown API key refused");
            ApiError::unauthorized("unknown or revoked API key").into_response()
        }
        Err(error) => ApiError::from(error).into_response(),
    }
}

/// Any authenticated caller (agent or admin).
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub Caller);

/// An authenticated caller with the admin role; agents get 403.
#[derive(Debug, Clone)]
pub(crate) struct Admin(pub Caller);

fn caller(parts: &Parts) -> Result<Caller, ApiError> {
    parts
        .extensions
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| ApiError::unauthorized("this route needs an API key"))
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        caller(parts).map(Authenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let caller = caller(parts)?;
        if !caller.role.is_admin() {
            return Err(ApiError::forbidden(
                "this route needs an admin key; this key has the agent role",
            ));
        }
        Ok(Admin(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        assert!(bearer(&headers).is_none());
        for (value, expected) in [
            ("Bearer mdk_abc", Some("mdk_abc")),
            ("bearer   mdk_abc ", Some("mdk_abc")),
            ("Basic dXNlcjpwYXNz", None),
            ("Bearer", None),
            ("Bearer ", None),
            ("mdk_abc", None),
        ] {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(
                bearer(&headers)
                    .map(|k| k.expose_secret().to_owned())
                    .as_deref(),
                expected,
                "{value:?}"
            );
        }
    }
}
