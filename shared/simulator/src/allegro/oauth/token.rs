//! `POST /auth/oauth/token`: POST only, parameters in an `application/x-www-form-urlencoded`
//! body only (since 2025-09-23), client authentication with HTTP Basic. Grants:
//! `authorization_code` (with PKCE when the authorization asked for it), `refresh_token`
//! (rotation, see `accounts`), and `urn:ietf:params:oauth:grant-type:device_code`.

use super::{basic_client, oauth_error, parse_form, token_response, unauthorized_client};
use crate::allegro::accounts::RefreshRefusal;
use crate::state::{SimulatorState, World};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The device-code grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The token route.
pub fn routes() -> Router<SimulatorState> {
    Router::new().route("/auth/oauth/token", post(token))
}

async fn token(
    State(state): State<SimulatorState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if query.is_some_and(|q| !q.is_empty()) {
        return oauth_error(
            "invalid_request",
            "Parameters must be sent in the request body (application/x-www-form-urlencoded), \
             not in the query string",
        );
    }
    let mut world = state.lock();
    let Some(client_id) = basic_client(&headers, &world.allegro.accounts.app) else {
        return unauthorized_client();
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let params = if is_form {
        parse_form(&body)
    } else {
        HashMap::new()
    };
    if params.get("client_id").is_some_and(|id| *id != client_id) {
        return unauthorized_client();
    }
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    match param("grant_type") {
        None => oauth_error("invalid_request", "OAuth 2.0 Parameter: grant_type"),
        Some("authorization_code") => authorization_code(
            &mut world,
            &client_id,
            param("code"),
            param("redirect_uri"),
            param("code_verifier"),
        ),
        Some("refresh_token") => refresh(&mut world, &client_id, param("refresh_token")),
        Some(DEVICE_CODE_GRANT) => device_code(&mut world, &client_id, param("device_code")),
        Some(other) => oauth_error(
            "unsupported_grant_type",
            &format!("Unsupported grant type: {other}"),
        ),
    }
}

fn authorization_code(
    world: &mut World,
    client_id: &str,
    code: Option<&str>,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Response {
    let Some(code) = code else {
        return oauth_error("invalid_request", "An authorization code must be supplied.");
    };
    let now = world.clock.now();
    let accounts = &mut world.allegro.accounts;
    let invalid = || {
        oauth_error(
            "invalid_grant",
            &format!("Invalid authorization code: {code}"),
        )
    };
    let Some(grant) = accounts.oauth.codes.get(code).cloned() else {
        return invalid();
    };
    if now >= grant.expires_at {
        accounts.oauth.codes.remove(code);
        return invalid();
    }
    if grant.client_id != client_id || !accounts.sellers.contains_key(&grant.seller_id) {
        return invalid();
    }
    if redirect_uri != Some(grant.redirect_uri.as_str()) {
        return oauth_error("invalid_grant", "Redirect URI mismatch.");
    }
    if let Some(challenge) = &grant.code_challenge {
        if !code_verifier.is_some_and(|v| verifier_matches(v, challenge)) {
            return oauth_error("invalid_grant", "Invalid PKCE code verifier.");
        }
    }
    accounts.oauth.codes.remove(code);
    let pair = accounts.issue_pair(&grant.seller_id, client_id, grant.scopes, now);
    token_response(&pair)
}

/// Whether `verifier` is a valid RFC 7636 verifier whose S256 transform is `challenge`.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed
        && base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()))
            == challenge
}

fn refresh(world: &mut World, client_id: &str, refresh_token: Option<&str>) -> Response {
    let Some(refresh_token) = refresh_token else {
        return oauth_error("invalid_request", "OAuth 2.0 Parameter: refresh_token");
    };
    let now = world.clock.now();
    match world
        .allegro
        .accounts
        .refresh(refresh_token, client_id, now)
    {
        Ok(pair) => token_response(&pair),
        Err(
            RefreshRefusal::Unknown
            | RefreshRefusal::OtherClient
            | RefreshRefusal::Expired
            | RefreshRefusal::AlreadyUsed,
        ) => oauth_error(
            "invalid_grant",
            &format!("Invalid refresh token: {refresh_token}"),
        ),
    }
}

fn device_code(world: &mut World, client_id: &str, device_code: Option<&str>) -> Response {
    let invalid = || oauth_error("invalid_request", "Invalid device code");
    let Some(device_code) = device_code else {
        return invalid();
    };
    let now = world.clock.now();
    let accounts = &mut world.allegro.accounts;
    let Some(device) = accounts.oauth.devices.get_mut(device_code) else {
        return invalid();
    };
    if device.client_id != client_id {
        return invalid();
    }
    if now >= device.expires_at {
        accounts.oauth.devices.remove(device_code);
        return invalid();
    }
    let approved_by = device.approved_by.clone();
    let Some(seller_id) = approved_by.filter(|id| accounts.sellers.contains_key(id)) else {
        if accounts.oauth.auto_approve_device {
            let signed_in = accounts
                .signed_in_seller
                .clone()
                .filter(|id| accounts.sellers.contains_key(id));
            if let Some(device) = accounts.oauth.devices.get_mut(device_code) {
                device.approved_by = signed_in;
            }
        }
        return oauth_error(
            "authorization_pending",
            "User has not authorized the device code yet.",
        );
    };
    let scopes = accounts
        .oauth
        .devices
        .remove(device_code)
        .map(|d| d.scopes)
        .unwrap_or_default();
    let pair = accounts.issue_pair(&seller_id, client_id, scopes, now);
    token_response(&pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            challenge
        ));
        assert!(!verifier_matches("short", challenge));
    }
}
