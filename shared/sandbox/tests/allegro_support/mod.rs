//! Helpers for the Allegro tests: seeding through the control API, the OAuth code flow, and
//! REST calls with Allegro's headers.

#![allow(dead_code)]

use base64::Engine;
use marketdesk_sandbox::{RunningSandbox, SandboxConfig};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The default configuration's client id.
pub const CLIENT_ID: &str = "sandbox-client-id";
/// The default configuration's client secret.
pub const CLIENT_SECRET: &str = "sandbox-client-secret";
/// A redirect URI the default configuration accepts.
pub const REDIRECT_URI: &str = "http://localhost:8080/allegro/callback";
/// Allegro's stable media type.
pub const PUBLIC: &str = "application/vnd.allegro.public.v1+json";
/// The RFC 7636 example verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// The S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// POSTs JSON to a control path (`/__sandbox/allegro` + `path`), returning status and body.
pub async fn control(sandbox: &RunningSandbox, path: &str, body: Value) -> (u16, Value) {
    let response = super::common::client()
        .post(format!("{}/__sandbox/allegro{path}", sandbox.base_url))
        .json(&body)
        .send()
        .await
        .expect("control call");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Creates a seller and returns its id.
pub async fn seller(sandbox: &RunningSandbox, login: &str) -> String {
    let (status, body) = control(sandbox, "/sellers", json!({ "login": login })).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("seller id").to_owned()
}

/// Makes a seller the signed-in one.
pub async fn sign_in(sandbox: &RunningSandbox, seller_id: &str) {
    let (status, body) =
        control(sandbox, &format!("/sellers/{seller_id}/sign-in"), json!({})).await;
    assert_eq!(status, 200, "{body}");
}

/// Moves the simulator's clock forward.
pub async fn advance(sandbox: &RunningSandbox, seconds: i64) {
    let response = super::common::client()
        .post(format!("{}/__sandbox/clock/advance", sandbox.base_url))
        .json(&json!({ "seconds": seconds }))
        .send()
        .await
        .expect("advance");
    assert_eq!(response.status(), 200);
}

/// `GET /auth/oauth/authorize` with these parameters (no redirects followed).
pub async fn authorize(sandbox: &RunningSandbox, params: &[(&str, &str)]) -> reqwest::Response {
    super::common::client()
        .get(format!("{}/auth/oauth/authorize", sandbox.base_url))
        .query(params)
        .send()
        .await
        .expect("authorize")
}

/// The query parameters of a redirect's `Location`.
pub fn location_params(response: &reqwest::Response) -> Vec<(String, String)> {
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header");
    let url = reqwest::Url::parse(location).expect("an absolute Location");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// One parameter of a redirect's `Location`.
pub fn location_param(response: &reqwest::Response, name: &str) -> Option<String> {
    location_params(response)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// An authorization code for the signed-in seller (with PKCE on [`VERIFIER`]).
pub async fn code(sandbox: &RunningSandbox, scope: Option<&str>) -> String {
    let challenge = challenge(VERIFIER);
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("code_challenge_method", "S256"),
        ("code_challenge", challenge.as_str()),
    ];
    if let Some(scope) = scope {
        params.push(("scope", scope));
    }
    let response = authorize(sandbox, &params).await;
    assert_eq!(response.status(), 302);
    location_param(&response, "code").expect("a code")
}

/// `POST /auth/oauth/token` with Basic client auth and a form body.
pub async fn token(sandbox: &RunningSandbox, form: &[(&str, &str)]) -> reqwest::Response {
    super::common::client()
        .post(format!("{}/auth/oauth/token", sandbox.base_url))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .expect("token")
}

/// Status and JSON body of a response.
pub async fn status_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A seller (signed in) with a token pair from the full code flow; returns
/// `(seller id, token JSON)`.
pub async fn seller_with_tokens(
    sandbox: &RunningSandbox,
    login: &str,
    scope: Option<&str>,
) -> (String, Value) {
    let id = seller(sandbox, login).await;
    sign_in(sandbox, &id).await;
    let code = code(sandbox, scope).await;
    let (status, body) = status_json(
        token(
            sandbox,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (id, body)
}

/// The access token of a token JSON.
pub fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// The refresh token of a token JSON.
pub fn refresh(tokens: &Value) -> String {
    tokens["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_owned()
}

/// `GET path` on the REST API with a bearer token and the public media type.
pub async fn api_get(sandbox: &RunningSandbox, path: &str, token: &str) -> reqwest::Response {
    super::common::client()
        .get(format!("{}{path}", sandbox.base_url))
        .bearer_auth(token)
        .header("accept", PUBLIC)
        .send()
        .await
        .expect("api call")
}

/// A simulator with a custom configuration.
pub async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    RunningSandbox::start(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .expect("the sandbox starts")
}
