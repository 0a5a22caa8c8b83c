//! Helpers for the inbox tests (`/sale/issues`, `/messaging`): seeding sellers, buyers and
//! orders straight into the state, tokens, beta-media-type calls and the inbox control API.

#![allow(dead_code)]

use chrono::Duration;
use marketdesk_sandbox::allegro::accounts::ALL_SCOPES;
use marketdesk_sandbox::allegro::catalog::Price;
use marketdesk_sandbox::RunningSandbox;
use reqwest::Method;
use serde_json::Value;

/// Allegro's beta media type.
pub const BETA: &str = "application/vnd.allegro.beta.v1+json";
/// Allegro's stable media type.
pub const PUBLIC: &str = "application/vnd.allegro.public.v1+json";
/// The default configuration's client id.
pub const CLIENT_ID: &str = "sandbox-client-id";

/// A seller with a buyer, an offer and an order between them, and an all-scopes token.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Seller id.
    pub seller_id: String,
    /// Seller login.
    pub seller_login: String,
    /// Buyer id.
    pub buyer_id: String,
    /// Buyer login.
    pub buyer_login: String,
    /// Offer id.
    pub offer_id: String,
    /// Order (checkout form) id; 2 units of the offer.
    pub order_id: String,
    /// Access token with every scope.
    pub token: String,
}

/// Creates a seller `login` with buyer `<login>-buyer`, an offer and an order of 2 units.
pub fn seed(sandbox: &RunningSandbox, login: &str) -> Seeded {
    let mut world = sandbox.state.lock();
    let now = world.clock.now();
    let seller_id = world
        .allegro
        .accounts
        .add_seller(login, &format!("{login}@example.com"), None)
        .id
        .clone();
    let buyer = world
        .allegro
        .catalog
        .add_buyer(&format!("{login}-buyer"), "Jan", "Kowalski")
        .clone();
    let price = Price::pln_from_grosze(4_999);
    let offer_id = world
        .allegro
        .catalog
        .add_offer(&seller_id, "Kubek", None, price.clone(), now)
        .id
        .clone();
    let order_id = world
        .allegro
        .catalog
        .add_order(
            &seller_id,
            &buyer.id,
            vec![(offer_id.clone(), 2, price)],
            now - Duration::days(3),
        )
        .id
        .clone();
    let scopes = ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect();
    let token = world
        .allegro
        .accounts
        .issue_pair(&seller_id, CLIENT_ID, scopes, now)
        .access_token;
    Seeded {
        seller_id,
        seller_login: login.to_owned(),
        buyer_id: buyer.id,
        buyer_login: buyer.login,
        offer_id,
        order_id,
        token,
    }
}

/// Another order between the seeded seller and buyer; its id.
pub fn another_order(sandbox: &RunningSandbox, seeded: &Seeded) -> String {
    let mut world = sandbox.state.lock();
    let now = world.clock.now();
    world
        .allegro
        .catalog
        .add_order(
            &seeded.seller_id,
            &seeded.buyer_id,
            vec![(seeded.offer_id.clone(), 1, Price::pln_from_grosze(4_999))],
            now - Duration::days(1),
        )
        .id
        .clone()
}

/// A token of `seller_id` with only these scopes.
pub fn token_with(sandbox: &RunningSandbox, seller_id: &str, scopes: &[&str]) -> String {
    let mut world = sandbox.state.lock();
    let now = world.clock.now();
    world
        .allegro
        .accounts
        .issue_pair(
            seller_id,
            CLIENT_ID,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
            now,
        )
        .access_token
}

/// Moves the simulator's clock forward.
pub fn advance(sandbox: &RunningSandbox, seconds: i64) {
    sandbox
        .state
        .lock()
        .clock
        .advance(Duration::seconds(seconds));
}

/// Moves the simulator's clock past the posting limit.
pub fn next_second(sandbox: &RunningSandbox) {
    advance(sandbox, 1);
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The raw body.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first error's `code`.
    pub fn error_code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
}

/// Sends a request and reads the answer.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the request is answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        bytes,
    }
}

/// A REST request with the bearer token and `Accept: <beta>`.
pub fn api(
    sandbox: &RunningSandbox,
    token: &str,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    api_accepting(sandbox, token, method, path, BETA)
}

/// A REST request with the bearer token and this `Accept`.
pub fn api_accepting(
    sandbox: &RunningSandbox,
    token: &str,
    method: Method,
    path: &str,
    accept: &str,
) -> reqwest::RequestBuilder {
    super::common::client()
        .request(method, format!("{}{path}", sandbox.base_url))
        .bearer_auth(token)
        .header("Accept", accept)
}

/// `GET path` with the beta media type.
pub async fn get(sandbox: &RunningSandbox, token: &str, path: &str) -> Reply {
    send(api(sandbox, token, Method::GET, path)).await
}

/// `method path` with a beta JSON body.
pub async fn send_json(
    sandbox: &RunningSandbox,
    token: &str,
    method: Method,
    path: &str,
    body: &Value,
) -> Reply {
    send(
        api(sandbox, token, method, path)
            .header("Content-Type", BETA)
            .body(body.to_string()),
    )
    .await
}

/// `POST path` with a beta JSON body.
pub async fn post(sandbox: &RunningSandbox, token: &str, path: &str, body: &Value) -> Reply {
    send_json(sandbox, token, Method::POST, path, body).await
}

/// `PUT url` (absolute) with raw bytes of `content_type`.
pub async fn put_bytes(
    sandbox: &RunningSandbox,
    token: &str,
    url: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Reply {
    let url = url.strip_prefix(&sandbox.base_url).unwrap_or(url);
    send(
        api(sandbox, token, Method::PUT, url)
            .header("Content-Type", content_type)
            .body(bytes),
    )
    .await
}

/// A call to the inbox control API (`/__sandbox/allegro/inbox` + `path`).
pub async fn control(
    sandbox: &RunningSandbox,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let mut request = super::common::client().request(
        method,
        format!("{}/__sandbox/allegro/inbox{path}", sandbox.base_url),
    );
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

/// `POST` to the inbox control API, expecting `expected`.
pub async fn control_post(
    sandbox: &RunningSandbox,
    path: &str,
    body: &Value,
    expected: u16,
) -> Value {
    let reply = control(sandbox, Method::POST, path, Some(body)).await;
    assert_eq!(reply.status, expected, "{path}: {}", reply.body);
    reply.body
}

/// Opens an issue through the control API; its id.
pub async fn open_issue(sandbox: &RunningSandbox, body: &Value) -> String {
    let created = control_post(sandbox, "/issues", body, 201).await;
    created["id"].as_str().expect("an issue id").to_owned()
}

/// Opens a thread through the control API; its id.
pub async fn open_thread(sandbox: &RunningSandbox, body: &Value) -> String {
    let created = control_post(sandbox, "/threads", body, 201).await;
    created["id"].as_str().expect("a thread id").to_owned()
}

/// What sellers posted through the API, per the control API (`query` like `?seller_id=1`).
pub async fn posted(sandbox: &RunningSandbox, query: &str) -> Vec<Value> {
    let reply = control(sandbox, Method::GET, &format!("/posted{query}"), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["posted"].as_array().cloned().unwrap_or_default()
}

/// Whether a timestamp is RFC 3339 with milliseconds and `Z` (`2026-10-28T12:00:00.000Z`).
pub fn is_millis_z(value: &Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    text.len() == 24
        && text.ends_with('Z')
        && text.as_bytes()[19] == b'.'
        && chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

/// Base64 of bytes (control bodies carry attachments so).
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
