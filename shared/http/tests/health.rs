//! The router's health route and error answers.

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use marketdesk_core::ports::{
    Condition, Item, Key, Page, Ports, Query, Store, StoreError, WriteOp,
};
use marketdesk_http::{router, AppState};
use marketdesk_testkit::backend::{temp_backend, TempBackend};
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

mod common;

use chrono::{Duration as Minutes, Utc};
use common::Api;
use marketdesk_core::domain::{Channel, ConnectionState, IntegrationKind, PollCursor, Role};
use marketdesk_core::repo::{cursors, integrations};
use marketdesk_testkit::backend::seed_connected_integration;
use std::time::Duration;

async fn polled(api: &Api, tenant: &str, integration: &str, channel: Channel, minutes_ago: i64) {
    let cursor = PollCursor {
        tenant_id: tenant.into(),
        integration_id: integration.into(),
        channel,
        position: Some("somewhere".into()),
        polled_at: Some(Utc::now() - Minutes::minutes(minutes_ago)),
    };
    cursors::save(&*api.backend.ports.store, &cursor)
        .await
        .expect("cursor");
}

#[tokio::test]
async fn health_details_show_the_callers_channels_and_nothing_of_other_tenants() {
    let api = Api::new();
    let ports = &api.backend.ports;
    seed_connected_integration(ports, "t-1", "int-1", IntegrationKind::Allegro).await;
    polled(&api, "t-1", "int-1", Channel::AllegroIssues, 1).await;
    polled(&api, "t-1", "int-1", Channel::AllegroMessaging, 10).await;
    let mut empik =
        seed_connected_integration(ports, "t-1", "int-2", IntegrationKind::Empikplace).await;
    empik.connection = ConnectionState::Disconnected {
        reason: "the key was revoked".into(),
        since: Utc::now(),
    };
    integrations::update(&*ports.store, &empik, 1)
        .await
        .expect("disconnect");
    seed_connected_integration(ports, "t-2", "int-9", IntegrationKind::Allegro).await;
    let admin = api.key("t-1", Role::Admin).await;
    let agent = api.key("t-1", Role::Agent).await;

    let answer = api.get("/v1/health/details", &admin).await;
    assert_eq!(answer.status, StatusCode::OK, "{:?}", answer.body);
    let body = &answer.body;
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["system"]["store"], "ok");
    assert_eq!(
        body["system"]["queues"].as_array().expect("queues").len(),
        4
    );
    let counts = &body["marketplaces"]["integrations"];
    assert_eq!(counts["total"], 2, "{body}");
    assert_eq!(counts["connected"], 1);
    assert_eq!(counts["disconnected"], 1);
    let channels = body["marketplaces"]["channels"]
        .as_array()
        .expect("channels");
    let state = |integration: &str, channel: &str| {
        channels
            .iter()
            .find(|c| c["integration_id"] == integration && c["channel"] == channel)
            .map(|c| c["state"].clone())
    };
    assert_eq!(
        state("int-1", "allegro_issues"),
        Some("ok".into()),
        "{body}"
    );
    assert_eq!(
        state("int-1", "allegro_messaging"),
        Some("stale".into()),
        "{body}"
    );
    assert_eq!(
        state("int-2", "empik_threads"),
        Some("disconnected".into()),
        "{body}"
    );
    assert_eq!(channels.len(), 3, "only the caller's tenant: {body}");
    let text = body.to_string();
    assert!(
        !text.contains("int-9") && !text.contains("\"t-2\""),
        "{text}"
    );

    let answer = api.get("/v1/health/details", &agent).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = api.call("GET", "/v1/health/details", None, None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // Anyone: the store and the queues answer; nothing about integrations.
    let answer = api.call("GET", "/v1/health", None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["status"], "ok", "{:?}", answer.body);
    assert_eq!(answer.body["store"], "ok");
    assert_eq!(answer.body["queues"], "ok");
    let text = answer.body.to_string();
    for private in [
        "int-1",
        "\"t-1\"",
        "channels",
        "integrations",
        "dead_letters",
    ] {
        assert!(!text.contains(private), "{text}");
    }
}

#[tokio::test]
async fn dead_letters_make_health_degraded_and_are_counted_for_admins() {
    let api = Api::new();
    let queue = &api.backend.ports.queues.inbound;
    queue.send("{}", Duration::ZERO).await.expect("send");
    // Received and never deleted, five times: the sixth receive dead-letters it.
    for _ in 0..6 {
        queue.receive(1, Duration::ZERO).await.expect("receive");
    }
    let answer = api.call("GET", "/v1/health", None, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["status"], "degraded", "{:?}", answer.body);

    let admin = api.key("t-1", Role::Admin).await;
    let answer = api.get("/v1/health/details", &admin).await;
    let inbound = answer.body["system"]["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["name"] == "inbound")
        .cloned()
        .expect("inbound");
    assert_eq!(inbound["messages"]["dead_letters"], 1, "{inbound}");
    assert_eq!(inbound["messages"]["waiting"], 0, "{inbound}");
}
