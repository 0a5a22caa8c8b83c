//! Security headers: `nosniff` on every answer, `no-store` on every answer (secrets such as a
//! new API key, and everything behind a key), and pages that refuse to be framed.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use serde_json::json;

fn header<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn assert_hardened(answer: &Answer, what: &str) {
    assert_eq!(
        header(answer, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(answer, "cache-control"), "no-store", "{what}");
    assert_eq!(header(answer, "x-frame-options"), "DENY", "{what}");
    assert!(
        header(answer, "content-security-policy").contains("frame-ancestors 'none'"),
        "{what}: {:?}",
        answer.headers
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;

    let created = api
        .post("/v1/api-keys", &admin, json!({ "role": "agent" }))
        .await;
    assert_eq!(created.status, 201);
    assert!(
        created.body["key"].is_string(),
        "the answer carries a secret"
    );
    assert_hardened(&created, "POST /v1/api-keys");

    for (answer, what) in [
        (
            api.get("/v1/tickets", &admin).await,
            "an authenticated list",
        ),
        (api.get("/v1/api-keys", &admin).await, "the key list"),
        (api.get("/v1/openapi.json", &admin).await, "the document"),
        (
            api.get("/v1/tickets/nope", &admin).await,
            "a 404 behind a key",
        ),
        (api.call("GET", "/v1/tickets", None, None).await, "a 401"),
        (api.call("GET", "/v1/health", None, None).await, "health"),
        (
            api.call("GET", "/nowhere", None, None).await,
            "an unknown route",
        ),
        (
            api.call("PUT", "/v1/health", None, None).await,
            "a wrong method",
        ),
        (
            api.post("/v1/api-keys", &admin, json!({ "role": 1 })).await,
            "a 422",
        ),
    ] {
        assert_hardened(&answer, what);
    }
}

#[tokio::test]
async fn the_oauth_callback_page_refuses_framing_and_leaks_no_referrer() {
    let api = Api::new();
    let answer = api
        .call(
            "GET",
            "/oauth/allegro/callback?error=access_denied",
            None,
            None,
        )
        .await;
    assert_eq!(answer.status, 400);
    assert!(header(&answer, "content-type").starts_with("text/html"));
    assert_hardened(&answer, "the callback page");
    let policy = header(&answer, "content-security-policy");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert_eq!(header(&answer, "referrer-policy"), "no-referrer");
}
