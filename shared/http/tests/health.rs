//! The router's health route and error answers.

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use marketdesk_core::ports::{
    Condition, Item, Key, Page, Ports, Query, Store, StoreError, WriteOp,
};
use marketdesk_http::{router, AppState};
use marketdesk_local::testkit::{temp_backend, TempBackend};
use std::sync::Arc;
use tower::ServiceExt;

async fn call(ports: Ports, path: &str) -> (StatusCode, serde_json::Value) {
    let request = Request::get(path).body(Body::empty()).expect("request");
    let response = router(AppState::new(ports))
        .oneshot(request)
        .await
        .expect("answer");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, serde_json::from_slice(&body).expect("JSON body"))
}

fn local() -> TempBackend {
    temp_backend()
}

#[tokio::test]
async fn health_answers_ok_with_the_version() {
    let backend = local();
    let ports = backend.ports.clone();
    let (status, body) = call(ports, "/v1/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn health_lists_request_budgets_blocked_after_a_429_without_their_ids() {
    let backend = local();
    let ports = backend.ports.clone();
    let (_, body) = call(ports.clone(), "/v1/health").await;
    assert_eq!(body["rate_limits"], serde_json::json!([]));
    let now = ports.clock.now();
    let until = now + chrono::Duration::seconds(60);
    assert!(ports
        .budget
        .block("allegro#secret-client-id", until, now)
        .await
        .expect("block"));
    let (status, body) = call(ports, "/v1/health").await;
    assert_eq!(status, StatusCode::OK, "a block is not an outage");
    assert_eq!(body["rate_limits"][0]["marketplace"], "allegro");
    assert!(body["rate_limits"][0]["until"].is_string());
    assert!(!body.to_string().contains("secret-client-id"));
}

#[tokio::test]
async fn unknown_routes_get_a_json_error() {
    let backend = local();
    let ports = backend.ports.clone();
    let (status, body) = call(ports, "/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].is_string());
}

/// A store whose backend is down.
struct DownStore;

#[async_trait]
impl Store for DownStore {
    async fn get(&self, _: &Key) -> Result<Option<Item>, StoreError> {
        Err(StoreError::Unavailable(
            "connection refused to db-internal.example:5432".into(),
        ))
    }
    async fn put(&self, _: Item, _: Condition) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn delete(&self, _: &Key, _: Condition) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn query(&self, _: &Query) -> Result<Page, StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
    async fn transact(&self, _: Vec<WriteOp>) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("down".into()))
    }
}

#[tokio::test]
async fn health_says_unavailable_without_leaking_internals_when_the_store_is_down() {
    let backend = local();
    let mut ports = backend.ports.clone();
    ports.store = Arc::new(DownStore);
    let (status, body) = call(ports, "/v1/health").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(
        !body.to_string().contains("db-internal"),
        "internal details stay in the log"
    );
}
