//! Allegro helpers for the OAuth and REST tests: seeding through the control API, the OAuth
//! code flow, and REST calls with Allegro's headers.

use super::{client, status_json, CLIENT_ID, CLIENT_SECRET, PUBLIC};
use base64::Engine;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A redirect URI the default configuration accepts.
pub const REDIRECT_URI: &str = "http://localhost:8080/allegro/callback";
/// The RFC 7636 example verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// The S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// POSTs JSON to a control path (`/__sandbox/allegro` + `path`), returning status and body.
pub async fn control(sandbox: &RunningSandbox, path: &str, body: Value) -> (u16, Value) {
    SimulatorControl::with_client(client(), &sandbox.base_url)
        .post_status(&format!("/allegro{path}"), &body)
        .await
}

/// The status of a control call (`/__sandbox/allegro` + `path`).
pub async fn control_status(sandbox: &RunningSandbox, path: &str, body: Value) -> u16 {
    control(sandbox, path, body).await.0
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
    SimulatorControl::with_client(client(), &sandbox.base_url)
        .advance_clock(seconds)
        .await;
}

/// `GET /auth/oauth/authorize` with these parameters (no redirects followed).
pub async fn authorize(sandbox: &RunningSandbox, params: &[(&str, &str)]) -> reqwest::Response {
    client()
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
    client()
        .post(format!("{}/auth/oauth/token", sandbox.base_url))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(form)
        .send()
        .await
        .expect("token")
}

/// Exchanges an authorization code at the token endpoint (with `verifier` when given).
pub async fn exchange_response(
    sandbox: &RunningSandbox,
    code: &str,
    verifier: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    token(sandbox, &form).await
}

/// Status and body of exchanging an authorization code (with `verifier` when given).
pub async fn exchange(
    sandbox: &RunningSandbox,
    code: &str,
    verifier: Option<&str>,
) -> (u16, Value) {
    status_json(exchange_response(sandbox, code, verifier).await).await
}

/// Status and body of the refresh grant with `refresh_token`.
pub async fn refresh_with(sandbox: &RunningSandbox, refresh_token: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    status_json(token(sandbox, &form).await).await
}

/// Asserts an OAuth-style failure: `status` and the `error` code.
pub fn assert_auth_error((status, body): &(u16, Value), expected: u16, error: &str) {
    assert_eq!(
        (*status, body["error"].as_str()),
        (expected, Some(error)),
        "{body}"
    );
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
    let (status, body) = exchange(sandbox, &code, Some(VERIFIER)).await;
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

/// Status and JSON body of `GET path` with a bearer token and the public media type.
pub async fn api_get_json(sandbox: &RunningSandbox, path: &str, token: &str) -> (u16, Value) {
    status_json(api_get(sandbox, path, token).await).await
}

/// The JSON body of `GET path`, asserting 200 in the public media type.
pub async fn api_get_ok(sandbox: &RunningSandbox, path: &str, token: &str) -> Value {
    let response = api_get(sandbox, path, token).await;
    assert_eq!(response.headers()["content-type"], PUBLIC);
    let (status, body) = status_json(response).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// `GET path` on the REST API with a bearer token and the public media type.
pub async fn api_get(sandbox: &RunningSandbox, path: &str, token: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", sandbox.base_url))
        .bearer_auth(token)
        .header("accept", PUBLIC)
        .send()
        .await
        .expect("api call")
}
