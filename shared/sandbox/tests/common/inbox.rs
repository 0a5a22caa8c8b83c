//! Helpers for the inbox tests (`/sale/issues`, `/messaging`): seeding sellers, buyers and
//! orders straight into the state, tokens, beta-media-type calls and the inbox control API.

use super::{client, send, Reply, BETA, CLIENT_ID};
use chrono::Duration;
use marketdesk_sandbox::allegro::accounts::ALL_SCOPES;
use marketdesk_sandbox::allegro::catalog::Price;
use marketdesk_sandbox::state::World;
use marketdesk_sandbox::RunningSandbox;
use reqwest::Method;
use serde_json::Value;

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
    let offer_id = world
        .allegro
        .catalog
        .add_offer(
            &seller_id,
            "Kubek",
            None,
            Price::pln_from_grosze(4_999),
            now,
        )
        .id
        .clone();
    let order_id = add_order(&mut world, (&seller_id, &buyer.id), (&offer_id, 2), 3);
    let token = access_token(&mut world, &seller_id, ALL_SCOPES);
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

/// A simulator with a seller `login` seeded as [`seed`] does.
pub async fn seeded(login: &str) -> (RunningSandbox, Seeded) {
    let sandbox = super::sandbox().await;
    let seeded = seed(&sandbox, login);
    (sandbox, seeded)
}

/// Another order between the seeded seller and buyer; its id.
pub fn another_order(sandbox: &RunningSandbox, seeded: &Seeded) -> String {
    let mut world = sandbox.state.lock();
    add_order(
        &mut world,
        (&seeded.seller_id, &seeded.buyer_id),
        (&seeded.offer_id, 1),
        1,
    )
}

/// A token of `seller_id` with only these scopes.
pub fn token_with(sandbox: &RunningSandbox, seller_id: &str, scopes: &[&str]) -> String {
    access_token(&mut sandbox.state.lock(), seller_id, scopes)
}

/// An order of `quantity` units of the offer at 49.99 PLN, bought `days_ago` days ago; its id.
fn add_order(
    world: &mut World,
    (seller_id, buyer_id): (&str, &str),
    (offer_id, quantity): (&str, u32),
    days_ago: i64,
) -> String {
    let now = world.clock.now();
    let line = (offer_id.to_owned(), quantity, Price::pln_from_grosze(4_999));
    world
        .allegro
        .catalog
        .add_order(
            seller_id,
            buyer_id,
            vec![line],
            now - Duration::days(days_ago),
        )
        .id
        .clone()
}

/// A fresh access token of `seller_id` with these scopes.
fn access_token(world: &mut World, seller_id: &str, scopes: &[&str]) -> String {
    let now = world.clock.now();
    let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
    world
        .allegro
        .accounts
        .issue_pair(seller_id, CLIENT_ID, scopes, now)
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
    client()
        .request(method, format!("{}{path}", sandbox.base_url))
        .bearer_auth(token)
        .header("Accept", accept)
}

/// `GET path` with the beta media type.
pub async fn get(sandbox: &RunningSandbox, token: &str, path: &str) -> Reply {
    send(api(sandbox, token, Method::GET, path)).await
}

/// `GET path` with this `Accept`.
pub async fn get_accepting(
    sandbox: &RunningSandbox,
    token: &str,
    path: &str,
    accept: &str,
) -> Reply {
    send(api_accepting(sandbox, token, Method::GET, path, accept)).await
}

/// `method path` (beta `Accept`) with this `Content-Type` and body.
pub async fn send_typed(
    sandbox: &RunningSandbox,
    token: &str,
    method: Method,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Reply {
    send(
        api(sandbox, token, method, path)
            .header("Content-Type", content_type)
            .body(body),
    )
    .await
}

/// The issue `id` as the seller's API shows it.
pub async fn issue_json(sandbox: &RunningSandbox, token: &str, id: &str) -> Value {
    get(sandbox, token, &format!("/sale/issues/{id}"))
        .await
        .body
}

/// The thread `id` as the seller's API shows it.
pub async fn thread_json(sandbox: &RunningSandbox, token: &str, id: &str) -> Value {
    get(sandbox, token, &format!("/messaging/threads/{id}"))
        .await
        .body
}

/// The seller's `POST /sale/issues/{id}/message`.
pub async fn reply_to_issue(
    sandbox: &RunningSandbox,
    token: &str,
    id: &str,
    body: &Value,
) -> Reply {
    post(sandbox, token, &format!("/sale/issues/{id}/message"), body).await
}

/// The seller's `POST /messaging/threads/{id}/messages`.
pub async fn reply_to_thread(
    sandbox: &RunningSandbox,
    token: &str,
    id: &str,
    body: &Value,
) -> Reply {
    post(
        sandbox,
        token,
        &format!("/messaging/threads/{id}/messages"),
        body,
    )
    .await
}

/// Downloads an attachment from its absolute `url`.
pub async fn fetch_attachment(token: &str, url: impl reqwest::IntoUrl) -> Reply {
    send(client().get(url).bearer_auth(token)).await
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
    let mut request = client().request(
        method,
        format!("{}/__sandbox/allegro/inbox{path}", sandbox.base_url),
    );
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

/// `POST` to the inbox control API, whatever it answers.
pub async fn control_reply(sandbox: &RunningSandbox, path: &str, body: &Value) -> Reply {
    control(sandbox, Method::POST, path, Some(body)).await
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

/// `base` with the fields of `change` set, or removed where `change` has `null`.
pub fn changed(base: &Value, change: Value) -> Value {
    let mut body = base.clone();
    if let (Some(body), Some(change)) = (body.as_object_mut(), change.as_object()) {
        for (k, v) in change {
            if v.is_null() {
                body.remove(k);
            } else {
                body.insert(k.clone(), v.clone());
            }
        }
    }
    body
}
