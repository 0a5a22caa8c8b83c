//! Allegro's OAuth endpoints (allegro-api.md §2): `GET /auth/oauth/authorize` (authorization
//! code flow with optional PKCE S256), `POST /auth/oauth/token` (authorization code, refresh
//! and device-code grants) and `POST /auth/oauth/device` (device flow), plus the device
//! verification page `/skojarz-aplikacje`.
//!
//! Simplifications, deliberate:
//! * Tokens are opaque random strings (`access-…`, `refresh-…`), not RS256 JWTs; clients must
//!   not decode them (use `GET /me` for the user id).
//! * Authorization codes stay valid for [`AUTH_CODE_LIFETIME`] (10 minutes on the simulator's
//!   clock) rather than Allegro's ~10 seconds, so a slow test or a human in the demo can finish.
//! * `client_credentials`, `slow_down` and `access_denied` are not modelled.

mod authorize;
mod device;
mod token;

use crate::allegro::accounts::{App, TokenPair, ACCESS_TOKEN_LIFETIME, ALL_SCOPES, KNOWN_SCOPES};
use crate::allegro::errors::auth_error;
use crate::state::SimulatorState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use chrono::Duration;
use serde_json::json;
use std::collections::HashMap;

pub use device::{approve_device, DeviceApprovalError};

/// How long an authorization code can be exchanged (simulator choice, see the module docs).
pub const AUTH_CODE_LIFETIME: Duration = Duration::minutes(10);
/// How long a device code can be polled (`expires_in` of the device endpoint).
pub const DEVICE_CODE_LIFETIME: Duration = Duration::seconds(3600);
/// The polling interval the device endpoint announces, in seconds.
pub const DEVICE_POLL_INTERVAL: u64 = 5;
/// Path of the device verification page (Allegro: `https://allegro.pl/skojarz-aplikacje`).
pub const VERIFICATION_PATH: &str = "/skojarz-aplikacje";

/// The OAuth routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .merge(authorize::routes())
        .merge(token::routes())
        .merge(device::routes())
}

/// The scopes a request gets: every app scope when `requested` is absent or blank, else the
/// requested ones the app has (space-separated). `Err(scope)` names the first scope Allegro
/// does not know at all.
pub fn grant_scopes(requested: Option<&str>) -> Result<Vec<String>, String> {
    let requested: Vec<&str> = requested.unwrap_or("").split_whitespace().collect();
    if let Some(unknown) = requested.iter().find(|s| !KNOWN_SCOPES.contains(s)) {
        return Err((*unknown).to_owned());
    }
    Ok(ALL_SCOPES
        .iter()
        .filter(|s| requested.is_empty() || requested.contains(s))
        .map(|s| (*s).to_owned())
        .collect())
}

/// The client id of a valid `Authorization: Basic` header for the registered app.
pub fn basic_client(headers: &HeaderMap, app: &App) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (client_id, secret) = decoded.split_once(':')?;
    (client_id == app.client_id && secret == app.client_secret).then(|| client_id.to_owned())
}

/// Allegro's 401 for missing or wrong client credentials.
pub fn unauthorized_client() -> Response {
    auth_error(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized")
}

/// A 400 OAuth error (`{"error", "error_description"}`).
pub fn oauth_error(error: &str, description: &str) -> Response {
    no_store(auth_error(StatusCode::BAD_REQUEST, error, description))
}

/// Parses `application/x-www-form-urlencoded` text into a map (the first value of a repeated
/// name wins).
pub fn parse_form(text: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (name, value) in form_urlencoded::parse(text) {
        map.entry(name.into_owned()).or_insert(value.into_owned());
    }
    map
}

/// The token endpoint's success body for a pair.
pub fn token_response(pair: &TokenPair) -> Response {
    let body = json!({
        "access_token": pair.access_token,
        "token_type": "bearer",
        "refresh_token": pair.refresh_token,
        "expires_in": ACCESS_TOKEN_LIFETIME.num_seconds(),
        "scope": pair.scopes.join(" "),
        "allegro_api": true,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    no_store((StatusCode::OK, axum::Json(body)).into_response())
}

/// Marks an answer as not cacheable (`Cache-Control: no-store`), as token answers are.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A random code of `len` ASCII letters and digits.
fn random_code(len: usize) -> String {
    let mut code = String::new();
    while code.len() < len {
        code.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    // Mix case like Allegro's codes, deterministically from the random hex.
    code.chars()
        .take(len)
        .enumerate()
        .map(|(i, c)| {
            if i % 3 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// A small HTML page (Allegro shows HTML error pages on the authorization host).
fn html_page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>",
        title = escape_html(title),
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response()
}

/// Escapes text for HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_everything_and_unknown_ones_are_named() {
        assert_eq!(grant_scopes(None).expect("ok").len(), ALL_SCOPES.len());
        assert_eq!(
            grant_scopes(Some("  ")).expect("ok").len(),
            ALL_SCOPES.len()
        );
        assert_eq!(
            grant_scopes(Some("allegro:api:orders:read allegro:api:ratings")),
            Ok(vec!["allegro:api:orders:read".to_owned()]),
            "a known scope the app lacks is dropped"
        );
        assert_eq!(
            grant_scopes(Some("allegro:api:profile:read allegro:api:nope")),
            Err("allegro:api:nope".to_owned())
        );
    }

    #[test]
    fn basic_credentials_must_match_the_app() {
        let app = App {
            client_id: "id".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![],
        };
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(value).expect("header"),
            );
            basic_client(&headers, &app)
        };
        let good = base64::engine::general_purpose::STANDARD.encode("id:secret");
        let bad = base64::engine::general_purpose::STANDARD.encode("id:wrong");
        assert_eq!(with(&format!("Basic {good}")), Some("id".into()));
        assert_eq!(with(&format!("Basic {bad}")), None);
        assert_eq!(with("Basic !!!"), None);
        assert_eq!(with(&format!("Bearer {good}")), None);
        assert_eq!(basic_client(&HeaderMap::new(), &app), None);
    }

    #[test]
    fn random_codes_have_the_asked_length() {
        let code = random_code(40);
        assert_eq!(code.len(), 40);
        assert!(code.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(random_code(32), random_code(32));
    }
}
