//! Size limits answer in the API's JSON error format: 413 for bodies over the limit, 414 for
//! request targets (path and query) over the limit.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use marketdesk_core::domain::Role;
use marketdesk_http::{BODY_LIMIT_BYTES, URI_LIMIT_BYTES};

fn assert_json_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.code(), code);
    assert!(answer.body["error"]["message"].is_string());
    assert!(answer
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json")));
}

#[tokio::test]
async fn too_long_request_targets_answer_414_in_json() {
    let api = Api::new();
    let key = api.key("t1", Role::Admin).await;
    let long = "x".repeat(URI_LIMIT_BYTES);
    for target in [
        format!("/v1/tickets?q={long}"),
        format!("/v1/tickets/{long}"),
        format!("/v1/health?{long}"),
        format!("/nowhere/{long}"),
    ] {
        let answer = api.get(&target, &key).await;
        assert_json_error(&answer, 414, "uri_too_long");
        let answer = api.call("GET", &target, None, None).await;
        assert_json_error(&answer, 414, "uri_too_long");
    }
    // Just within the limit is served.
    let query = format!("/v1/tickets?q={}", "x".repeat(URI_LIMIT_BYTES - 14));
    assert_eq!(query.len(), URI_LIMIT_BYTES);
    assert_eq!(api.get(&query, &key).await.status, 200);
}

#[tokio::test]
async fn too_large_bodies_answer_413_in_json() {
    let api = Api::new();
    let key = api.key("t1", Role::Admin).await;
    for path in [
        "/v1/api-keys",
        "/v1/integrations",
        "/v1/tickets/t-1/comments",
    ] {
        let request = Request::post(path)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(Body::from(vec![b' '; BODY_LIMIT_BYTES + 1]))
            .expect("request");
        let answer = api.send(request).await;
        assert_json_error(&answer, 413, "payload_too_large");
    }
}
