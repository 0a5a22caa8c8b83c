//! Random bodies and query strings never cause a 5xx: a small generator on a fixed-seed PRNG
//! (reproducible failures) feeding every POST and PATCH route, and the list routes' queries.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_http::route_table;
use serde_json::{json, Map, Value};

/// xorshift64*: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Field names of every request body, plus strangers, so random objects reach deep code.
const KEYS: &[&str] = &[
    "kind",
    "display_name",
    "environment",
    "active",
    "settings",
    "api_key",
    "crm_field",
    "ticket_queue",
    "ticket_category",
    "status_mapping",
    "open",
    "resolved",
    "unresolved",
    "claim_accepted",
    "claim_rejected",
    "closure_message",
    "autoresponder",
    "enabled",
    "text",
    "delay_minutes",
    "notify",
    "alert_emails",
    "role",
    "name",
    "x",
    "",
    "__proto__",
    "ąę",
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "allegro",
    "empikplace",
    "sandbox",
    "production",
    "open",
    "pending",
    "solved",
    "closed",
    "agent",
    "admin",
    "<b>x</b>",
    "<script",
    "</p>",
    "a@b.co",
    "not-an-email",
    "\u{0}",
    "ż",
    "line\nbreak",
    "null",
    "true",
    "9999999999999999999999",
    "../..",
    "%00",
    "{\"kind\":1}",
    "mdk_",
    "🙂",
];

fn random_string(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => rng.pick(STRINGS).to_string(),
        1 => "x".repeat(*rng.pick(&[0, 1, 99, 100, 101, 2000, 2001, 20000, 20001])),
        2 => (0..rng.below(12))
            .map(|_| char::from_u32(rng.below(0x3000) as u32).unwrap_or('?'))
            .collect(),
        _ => rng.pick(KEYS).to_string(),
    }
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let kinds = if depth >= 4 { 5 } else { 8 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!(*rng.pick(&[0i64, 1, -1, 2, 55, 56, 100, 101, i64::MAX, i64::MIN])),
        3 => json!(*rng.pick(&[0.5f64, -0.0, 1e300, 55.0])),
        4 => Value::String(random_string(rng)),
        5 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut object = Map::new();
            for _ in 0..rng.below(6) {
                object.insert(rng.pick(KEYS).to_string(), random_value(rng, depth + 1));
            }
            Value::Object(object)
        }
    }
}

/// Replaces, removes or adds one node somewhere inside `value`.
fn mutate(rng: &mut Rng, value: &mut Value) {
    match value {
        Value::Object(map) if !map.is_empty() && rng.below(3) != 0 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = rng.pick(&keys).clone();
            match rng.below(4) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(rng.pick(KEYS).to_string(), random_value(rng, 2));
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate(rng, child);
                    }
                }
            }
        }
        Value::Array(list) if !list.is_empty() && rng.below(2) == 0 => {
            let i = rng.below(list.len());
            mutate(rng, &mut list[i]);
        }
        other => *other = random_value(rng, 2),
    }
}

fn valid_body(method: &str, path: &str) -> Value {
    match (method, path) {
        ("POST", "/v1/integrations") => empik_body(),
        ("PATCH", "/v1/integrations/{id}") => {
            let mut body = empik_body();
            if let Some(object) = body.as_object_mut() {
                object.remove("kind");
                object.remove("environment");
            }
            body
        }
        ("POST", "/v1/api-keys") => json!({ "role": "agent", "name": "fuzz" }),
        ("POST", "/v1/tickets/{id}/comments") => json!({ "text": "a note" }),
        _ => json!({}),
    }
}

fn random_body(rng: &mut Rng, method: &str, path: &str) -> Vec<u8> {
    match rng.below(10) {
        0 => {
            let mut bytes = valid_body(method, path).to_string().into_bytes();
            let cut = rng.below(bytes.len() + 1);
            bytes.truncate(cut);
            bytes
        }
        1 => (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        2 | 3 => random_value(rng, 0).to_string().into_bytes(),
        _ => {
            let mut body = valid_body(method, path);
            for _ in 0..=rng.below(3) {
                mutate(rng, &mut body);
            }
            body.to_string().into_bytes()
        }
    }
}

fn assert_not_5xx(answer: &Answer, what: &str) {
    assert!(
        answer.status.as_u16() < 500,
        "{what} answered {}: {}",
        answer.status,
        answer.body
    );
    if answer.status.as_u16() >= 400 {
        assert!(
            answer.body["error"]["code"].is_string() && answer.body["error"]["message"].is_string(),
            "{what}: error answers use the error format: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn random_bodies_never_cause_a_server_error() {
    let api = Api::new();
    let admin = api.key("fuzz", Role::Admin).await;
    let integration = api.post("/v1/integrations", &admin, empik_body()).await;
    let integration_id = integration.body["id"].as_str().expect("id").to_owned();
    let t = ticket("fuzz", &integration_id, "F-1", 1);
    store_ticket(&api, &t).await;

    let routes: Vec<_> = route_table()
        .into_iter()
        .filter(|r| matches!(r.method, "POST" | "PATCH"))
        .collect();
    assert!(routes.len() >= 4, "{routes:?}");
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut statuses = std::collections::BTreeMap::new();
    for route in &routes {
        for round in 0..300 {
            let id = if rng.below(5) == 0 {
                "missing".to_owned()
            } else if route.path.starts_with("/v1/integrations") {
                integration_id.clone()
            } else {
                t.id.to_string()
            };
            let path = route.path.replace("{id}", &id);
            let body = random_body(&mut rng, route.method, route.path);
            let request = axum::http::Request::builder()
                .method(route.method)
                .uri(&path)
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.clone()))
                .expect("request");
            let answer = api.send(request).await;
            let what = format!(
                "{} {path} (round {round}) with {}",
                route.method,
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
            assert_not_5xx(&answer, &what);
            *statuses.entry(answer.status.as_u16()).or_insert(0) += 1;
        }
    }
    eprintln!("answers by status: {statuses:?}");
    // The generator reaches past the decoder: some bodies are accepted, most refused.
    assert!(statuses.keys().any(|s| *s < 300), "{statuses:?}");
    assert!(
        statuses.contains_key(&422) && statuses.contains_key(&400),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn random_query_strings_never_cause_a_server_error() {
    let api = Api::new();
    let key = api.key("fuzz", Role::Agent).await;
    store_ticket(&api, &ticket("fuzz", "int", "Q-1", 1)).await;
    store_customer(&api, "fuzz", "c-1", "Celina", "Allegro login", "celina").await;
    let names = [
        "source",
        "status",
        "queue",
        "category",
        "integration",
        "customer",
        "needs_reply",
        "q",
        "archived",
        "cursor",
        "limit",
        "field",
        "value",
        "name",
        "zzz",
    ];
    let values = [
        "",
        "allegro",
        "empikplace",
        "open",
        "true",
        "false",
        "0",
        "1",
        "100",
        "101",
        "-1",
        "18446744073709551616",
        "e30",
        "eyJjIjpudWxsLCJzIjo5OTk5OTk5OTk5fQ",
        "%FF",
        "%00",
        "a+b",
        "Allegro%20login",
        "celina",
        "%E2%9C%93",
        "[]",
        "=",
        "&&",
    ];
    let paths = [
        "/v1/tickets",
        "/v1/customers",
        "/v1/customers/c-1",
        "/v1/tickets/tk-fuzz-Q-1",
    ];
    let mut rng = Rng(0xC0FF_EE00_0000_0002);
    for round in 0..600 {
        let path = rng.pick(&paths);
        let query: Vec<String> = (0..rng.below(5))
            .map(|_| format!("{}={}", rng.pick(&names), rng.pick(&values)))
            .collect();
        let uri = format!("{path}?{}", query.join("&"));
        let answer = api.get(&uri, &key).await;
        assert_not_5xx(&answer, &format!("GET {uri} (round {round})"));
    }
}
