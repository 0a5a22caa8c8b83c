//! `GET /auth/oauth/authorize`: the browser step of the authorization code flow. The signed-in
//! seller (`accounts.signed_in_seller`) approves at once; the browser is sent back to
//! `redirect_uri?code=…&state=…`.
//!
//! As in RFC 6749 §4.1.2.1, a bad `client_id` or `redirect_uri` (and a missing signed-in
//! seller) gives a 400 HTML page; every other problem is reported to the redirect URI as
//! `?error=…&error_description=…&state=…`.

use super::{grant_scopes, html_page, parse_form, random_code, AUTH_CODE_LIFETIME};
use crate::allegro::grants::AuthCode;
use crate::state::SimulatorState;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;

/// The authorization route.
pub fn routes() -> Router<SimulatorState> {
    Router::new().route("/auth/oauth/authorize", get(authorize))
}

async fn authorize(State(state): State<SimulatorState>, RawQuery(query): RawQuery) -> Response {
    let params = parse_form(query.unwrap_or_default().as_bytes());
    let mut world = state.lock();
    let now = world.clock.now();
    let accounts = &mut world.allegro.accounts;

    let client_id = params.get("client_id").map(String::as_str).unwrap_or("");
    if client_id.is_empty() || client_id != accounts.app.client_id {
        return html_page(
            StatusCode::BAD_REQUEST,
            "Nie możemy wyświetlić strony",
            "<p>Unknown or missing <code>client_id</code>.</p>",
        );
    }
    let Some(redirect_uri) = params
        .get("redirect_uri")
        .filter(|uri| redirect_uri_allowed(uri, &accounts.app.redirect_uris))
        .cloned()
    else {
        return html_page(
            StatusCode::BAD_REQUEST,
            "Nie możemy wyświetlić strony",
            "<p>Redirect URI mismatch: <code>redirect_uri</code> is missing or not registered \
             for this application.</p>",
        );
    };
    let state_param = params.get("state").map(String::as_str);
    let fail = |error: &str, description: &str| {
        redirect(
            &redirect_uri,
            &[("error", error), ("error_description", description)],
            state_param,
        )
    };

    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        None | Some("") => {
            return fail("invalid_request", "OAuth 2.0 Parameter: response_type");
        }
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "OAuth 2.0 Parameter: response_type",
            )
        }
    }
    let scopes = match grant_scopes(params.get("scope").map(String::as_str)) {
        Ok(scopes) => scopes,
        Err(unknown) => return fail("invalid_scope", &format!("Invalid scope: {unknown}")),
    };
    let code_challenge = match pkce_challenge(&params) {
        Ok(challenge) => challenge,
        Err(description) => return fail("invalid_request", description),
    };
    let Some(seller_id) = accounts
        .signed_in_seller
        .clone()
        .filter(|id| accounts.sellers.contains_key(id))
    else {
        return html_page(
            StatusCode::BAD_REQUEST,
            "No seller is signed in",
            "<p>No seller is signed in to the simulated Allegro, so nobody can approve this \
             application. Sign one in with <code>POST /__simulator/allegro/sellers/{id}/sign-in</code> \
             and try again.</p>",
        );
    };

    let code = random_code(32);
    accounts.oauth.codes.insert(
        code.clone(),
        AuthCode {
            seller_id,
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.clone(),
            scopes,
            code_challenge,
            expires_at: now + AUTH_CODE_LIFETIME,
        },
    );
    redirect(&redirect_uri, &[("code", &code)], state_param)
}

/// Whether `uri` may receive the browser: one of the registered URIs exactly, or (nothing
/// registered) any absolute http(s) URI without a fragment.
pub fn redirect_uri_allowed(uri: &str, registered: &[String]) -> bool {
    if !registered.is_empty() {
        return registered.iter().any(|r| r == uri);
    }
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            !host.is_empty() && !uri.contains('#') && !uri.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The PKCE challenge of an authorization request: `Ok(None)` without PKCE, `Err` for a
/// method other than S256 or a challenge that is not 43 base64url characters.
fn pkce_challenge(params: &HashMap<String, String>) -> Result<Option<String>, &'static str> {
    let challenge = params.get("code_challenge").filter(|c| !c.is_empty());
    let method = params
        .get("code_challenge_method")
        .filter(|m| !m.is_empty());
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("OAuth 2.0 Parameter: code_challenge"),
        (Some(_), None) => Err("OAuth 2.0 Parameter: code_challenge_method"),
        (Some(_), Some(method)) if method != "S256" => {
            Err("OAuth 2.0 Parameter: code_challenge_method (only S256 is supported)")
        }
        (Some(challenge), Some(_)) => {
            let well_formed = challenge.len() == 43
                && challenge
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if well_formed {
                Ok(Some(challenge.clone()))
            } else {
                Err("OAuth 2.0 Parameter: code_challenge")
            }
        }
    }
}

/// A 302 to `uri` with `params` (and `state`, unchanged, when given) appended to its query.
fn redirect(uri: &str, params: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    let separator = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{separator}{}", query.finish());
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_follow_the_registration() {
        let none: Vec<String> = vec![];
        assert!(redirect_uri_allowed("http://127.0.0.1:3000/cb", &none));
        assert!(redirect_uri_allowed("https://desk.example/cb?x=1", &none));
        for bad in ["", "ftp://x/cb", "/cb", "https:///cb", "https://x/cb#frag"] {
            assert!(!redirect_uri_allowed(bad, &none), "{bad:?}");
        }
        let registered = vec!["https://desk.example/cb".to_owned()];
        assert!(redirect_uri_allowed("https://desk.example/cb", &registered));
        assert!(!redirect_uri_allowed(
            "https://desk.example/cb/",
            &registered
        ));
        assert!(!redirect_uri_allowed(
            "https://other.example/cb",
            &registered
        ));
    }

    #[test]
    fn pkce_needs_s256_and_a_well_formed_challenge() {
        let params = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert_eq!(pkce_challenge(&params(&[])), Ok(None));
        assert_eq!(
            pkce_challenge(&params(&[
                ("code_challenge", challenge),
                ("code_challenge_method", "S256")
            ])),
            Ok(Some(challenge.to_owned()))
        );
        assert!(pkce_challenge(&params(&[
            ("code_challenge", challenge),
            ("code_challenge_method", "plain")
        ]))
        .is_err());
        assert!(pkce_challenge(&params(&[("code_challenge", challenge)])).is_err());
        assert!(pkce_challenge(&params(&[("code_challenge_method", "S256")])).is_err());
        assert!(pkce_challenge(&params(&[
            ("code_challenge", "short"),
            ("code_challenge_method", "S256")
        ]))
        .is_err());
    }
}
