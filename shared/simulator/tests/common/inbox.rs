//! Helpers for the inbox tests (`/sale/issues`, `/messaging`): seeding sellers, buyers and
//! orders straight into the state, tokens, beta-media-type calls and the inbox control API.

use super::{client, send, Reply, BETA, CLIENT_ID};
use chrono::Duration;
use marketdesk_simulator::allegro::accounts::ALL_SCOPES;
use marketdesk_simulator::allegro::catalog::Price;
use marketdesk_simulator::state::World;
use marketdesk_simulator::RunningSimulator;
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
pub fn seed(simulator: &RunningSimulator, login: &str) -> Seeded {
    let mut world = simulator.state.lock();
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
pub async fn seeded(login: &str) -> (RunningSimulator, Seeded) {
    let simulator = super::simulator().await;
    let seeded = seed(&simulator, login);
    (simulator, seeded)
}

/// Another order between the seeded seller and buyer; its id.
pub fn another_order(simulator: &RunningSimulator, seeded: &Seeded) -> String {
    let mut world = simulator.state.lock();
    add_order(
        &mut world,
        (&seeded.seller_id, &seeded.buyer_id),
        (&seeded.offer_id, 1),
        1,
    )
}

/// A token of `seller_id` with only these scopes.
pub fn token_with(simulator: &RunningSimulator, seller_id: &str, scopes: &[&str]) -> String {
    access_token(&mut simulator.state.lock(), seller_id, scopes)
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
pub fn advance(simulator: &RunningSimulator, seconds: i64) {
    simulator
        .state
        .lock()
        .clock
        .advance(Duration::seconds(seconds));
}

/// Moves the simulator's clock past the posting limit.
pub fn next_second(simulator: &RunningSimulator) {
    advance(simulator, 1);
}

/// A REST request with the bearer token and `Accept: <beta>`.
pub fn api(
    simulator: &RunningSimulator,
    token: &str,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    api_accepting(simulator, token, method, path, BETA)
}

/// A REST request with the bearer token and this `Accept`.
pub fn api_accepting(
    simulator: &RunningSimulator,
    token: &str,
    method: Method,
    path: &str,
    accept: &str,
) -> reqwest::RequestBuilder {
    client()
        .request(method, format!("{}{path}", simulator.base_url))
        .bearer_auth(token)
        .header("Accept", accept)
}

/// `GET path` with the beta media type.
pub async fn get(simulator: &RunningSimulator, token: &str, path: &str) -> Reply {
    send(api(simulator, token, Method::GET, path)).await
}

/// `GET path` with this `Accept`.
pub async fn get_accepting(
    simulator: &RunningSimulator,
    token: &str,
    path: &str,
    accept: &str,
) -> Reply {
    send(api_accepting(simulator, token, Method::GET, path, accept)).await
}

/// `method path` (beta `Accept`) with this `Content-Type` and body.
pub async fn send_typed(
    simulator: &RunningSimulator,
    token: &str,
    method: Method,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Reply {
    send(
        api(simulator, token, method, path)
            .header("Content-Type", content_type)
            .body(body),
    )
    .await
}

/// The issue `id` as the seller's API shows it.
pub async fn issue_json(simulator: &RunningSimulator, token: &str, id: &str) -> Value {
    get(simulator, token, &format!("/sale/issues/{id}"))
        .await
        .body
}

/// The thread `id` as the seller's API shows it.
pub async fn thread_json(simulator: &RunningSimulator, token: &str, id: &str) -> Value {
    get(simulator, token, &format!("/messaging/threads/{id}"))
        .await
        .body
}

/// The seller's `POST /sale/issues/{id}/message`.
pub async fn reply_to_issue(
    simulator: &RunningSimulator,
    token: &str,
    id: &str,
    body: &Value,
) -> Reply {
    post(
        simulator,
        token,
        &format!("/sale/issues/{id}/message"),
        body,
    )
    .await
}

/// The seller's `POST /messaging/threads/{id}/messages`.
pub async fn reply_to_thread(
    simulator: &RunningSimulator,
    token: &str,
    id: &str,
    body: &Value,
) -> Reply {
    post(
        simulator,
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
    simulator: &RunningSimulator,
    token: &str,
    method: Method,
    path: &str,
    body: &Value,
) -> Reply {
    send(
        api(simulator, token, method, path)
            .header("Content-Type", BETA)
            .body(body.to_string()),
    )
    .await
}

/// `POST path` with a beta JSON body.
pub async fn post(simulator: &RunningSimulator, token: &str, path: &str, body: &Value) -> Reply {
    send_json(simulator, token, Method::POST, path, body).await
}

/// `PUT url` (absolute) with raw bytes of `content_type`.
pub async fn put_bytes(
    simulator: &RunningSimulator,
    token: &str,
    url: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> Reply {
    let url = url.strip_prefix(&simulator.base_url).unwrap_or(url);
    send(
        api(simulator, token, Method::PUT, url)
            .header("Content-Type", content_type)
            .body(bytes),
    )
    .await
}

/// A call to the inbox control API (`/__simulator/allegro/inbox` + `path`).
pub async fn control(
    simulator: &RunningSimulator,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let mut request = client().request(
        method,
        format!("{}/__simulator/allegro/inbox{path}", simulator.base_url),
    );
    if let Some(body) = body {
        request = request.json(body);
    }
    send(request).await
}

/// `POST` to the inbox control API, whatever it answers.
pub async fn control_reply(simulator: &RunningSimulator, path: &str, body: &Value) -> Reply {
    control(simulator, Method::POST, path, Some(body)).await
}

/// `POST` to the inbox control API, expecting `expected`.
pub async fn control_post(
    simulator: &RunningSimulator,
    path: &str,
    body: &Value,
    expected: u16,
) -> Value {
    let reply = control(simulator, Method::POST, path, Some(body)).await;
    assert_eq!(reply.status, expected, "{path}: {}", reply.body);
    reply.body
}

/// Opens an issue through the control API; its id.
pub async fn open_issue(simulator: &RunningSimulator, body: &Value) -> String {
    let created = control_post(simulator, "/issues", body, 201).await;
    created["id"].as_str().expect("an issue id").to_owned()
}

/// Opens a thread through the control API; its id.
pub async fn open_thread(simulator: &RunningSimulator, body: &Value) -> String {
    let created = control_post(simulator, "/threads", body, 201).await;
    created["id"].as_str().expect("a thread id").to_owned()
}

/// What sellers posted through the API, per the control API (`query` like `?seller_id=1`).
pub async fn posted(simulator: &RunningSimulator, query: &str) -> Vec<Value> {
    let reply = control(simulator, Method::GET, &format!("/posted{query}"), None).await;
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
