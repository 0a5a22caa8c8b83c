//! Authentication: every protected route needs `Authorization: Bearer <API key>` or a
//! session cookie (see `session`).
//!
//! [`require_key`] runs before the protected routes' handlers and puts the [`Caller`] into
//! the request; handlers state what they need with the [`Authenticated`] (any role) or
//! [`Admin`] extractor. The caller's tenant scopes every store access, so another tenant's
//! ids simply are not found.

use crate::{ApiError, AppState};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marketdesk_core::services::api_keys::{self, Caller};
use secrecy::SecretString;

/// The bearer token of the request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<SecretString> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
        .then(|| SecretString::from(token.to_owned()))
}

/// Middleware of the protected routes: 401 without a known key, else the caller goes into
/// the request's extensions. The key itself is never logged.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
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
        Ok(None) => ApiError::unauthorized("unknown or revoked API key").into_response(),
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
    use axum::http::HeaderValue;
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
