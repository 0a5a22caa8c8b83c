//! What Allegro checks on every REST call: User-Agent, bearer token, the client id's rate
//! window, the Accept media type, the token's scope and the seller's sale blockade — in that
//! order, with Allegro's bodies.

use super::errors::{auth_error, errors_holder};
use super::{BETA_JSON, PUBLIC_JSON};
use crate::state::{SimulatorState, World};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::MutexGuard;

/// Which media type an operation speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/vnd.allegro.public.v1+json`.
    Public,
    /// `application/vnd.allegro.beta.v1+json`.
    Beta,
    /// Binary downloads (`*/*`).
    Any,
}

impl Media {
    /// The media type's name.
    pub fn name(self) -> &'static str {
        match self {
            Media::Public => PUBLIC_JSON,
            Media::Beta => BETA_JSON,
            Media::Any => "*/*",
        }
    }
}

/// The caller, once every check passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The seller the token acts for.
    pub seller_id: String,
    /// The application's client id.
    pub client_id: String,
}

/// Whether a User-Agent has Allegro's required shape `<App>/<version> (+<https URL>)`.
pub fn user_agent_is_valid(value: &str) -> bool {
    let Some((product, rest)) = value.split_once(' ') else {
        return false;
    };
    let Some((name, version)) = product.split_once('/') else {
        return false;
    };
    let url = rest.trim();
    !name.is_empty()
        && !version.is_empty()
        && url.starts_with("(+http")
        && url.ends_with(')')
        && url.len() > "(+http)".len()
}

/// Runs every check for an operation needing `scope` and speaking `media`.
// A ready-to-send answer is the natural error of a check; it is built once per request.
#[allow(clippy::result_large_err)]
pub fn authorize(
    world: &mut World,
    headers: &HeaderMap,
    scope: &str,
    media: Media,
) -> Result<Caller, Response> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !user_agent_is_valid(user_agent) {
        return Err(errors_holder(
            StatusCode::FORBIDDEN,
            "InvalidUserAgentException",
            "Requests must send a User-Agent of the form <AppName>/<version> (+<https URL describing the app>)",
            None,
        ));
    }

    let now = world.clock.now();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(token)
        })
        .map(str::trim);
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(auth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Full authentication is required to access this resource",
        ));
    };
    let Some(access) = world.allegro.accounts.access_tokens.get(token).cloned() else {
        return Err(auth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Cannot convert access token to JSON",
        ));
    };
    if now >= access.expires_at {
        return Err(auth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Access token expired",
        ));
    }

    if let Err(seconds) = world.allegro.accounts.count_request(&access.client_id, now) {
        let mut response = errors_holder(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Too many requests: the client id exceeded 9000 requests per minute and is blocked for a minute",
            None,
        );
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Err(response);
    }

    if media != Media::Any {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !accept
            .split(',')
            .any(|part| part.trim().starts_with(media.name()))
        {
            return Err(errors_holder(
                StatusCode::NOT_ACCEPTABLE,
                "NotAcceptableException",
                "Not acceptable representation requested. Please check 'Accept' request header",
                None,
            ));
        }
    }

    if !access.scopes.iter().any(|s| s == scope) {
        return Err(errors_holder(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            &format!("Access is denied: the token lacks the scope {scope}"),
            None,
        ));
    }
    if world
        .allegro
        .accounts
        .blocked_sellers
        .contains(&access.seller_id)
    {
        return Err(account_blocked(media));
    }
    Ok(Caller {
        seller_id: access.seller_id,
        client_id: access.client_id,
    })
}

/// Allegro's answer for a seller under a sale blockade (allegro-api.md §4.3: 403
/// `SellerAccountWithSellBlockadeException`). Which calls Allegro refuses then is not
/// published; the simulator refuses every REST call of the seller, the strictest reading.
fn account_blocked(media: Media) -> Response {
    let media = if media == Media::Any {
        Media::Public
    } else {
        media
    };
    let body = serde_json::json!({ "errors": [super::errors::error_entry(
        "SellerAccountWithSellBlockadeException",
        "Request unauthorized according to blockade on user's account.",
        None,
        "The user with a blockade on account cannot perform this operation.",
    )] });
    json_response(StatusCode::FORBIDDEN, media, &body)
}

/// Locks the state and runs every check of [`authorize`]: the locked world and the caller.
// A ready-to-send answer is the natural error of a check; it is built once per request.
#[allow(clippy::result_large_err)]
pub fn authorized<'a>(
    state: &'a SimulatorState,
    headers: &HeaderMap,
    scope: &str,
    media: Media,
) -> Result<(MutexGuard<'a, World>, Caller), Response> {
    let mut world = state.lock();
    let caller = authorize(&mut world, headers, scope, media)?;
    Ok((world, caller))
}

/// A JSON answer with `media` as its content type and Allegro's `trace-id` header.
pub fn json_response(status: StatusCode, media: Media, body: &serde_json::Value) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, media.name())],
        body.to_string(),
    )
        .into_response();
    super::errors::with_trace_id(&mut response);
    response
}

/// Checks a JSON request body's `Content-Type` (415 otherwise).
// A ready-to-send answer is the natural error of a check; it is built once per request.
#[allow(clippy::result_large_err)]
pub fn require_content_type(headers: &HeaderMap, media: Media) -> Result<(), Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with(media.name()) {
        Ok(())
    } else {
        Err(errors_holder(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaTypeException",
            &format!(
                "Content type '{content_type}' not supported; use {}",
                media.name()
            ),
            None,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_shape_follows_allegro() {
        assert!(user_agent_is_valid(
            "marketdesk/0.1.0 (+https://github.com/marketdesk/marketdesk)"
        ));
        assert!(user_agent_is_valid(
            "MyApplication/1.1.0 (+https://firma.com/MyApplication-info)"
        ));
        for bad in [
            "",
            "curl/8.5.0",
            "marketdesk/0.1.0",
            "marketdesk (+https://x)",
            "/1 (+https://x)",
        ] {
            assert!(!user_agent_is_valid(bad), "{bad:?}");
        }
    }
}
