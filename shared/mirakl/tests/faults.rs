//! Retries and failures, with faults injected into the simulator.

mod common;

use common::{World, API_KEY};
use marketdesk_mirakl::{MiraklClient, MiraklError, ThreadQuery};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_short_retry_after_is_waited_out_inline() {
    let world = World::new().await;
    world.thread_id("Pytanie", json!({})).await;
    world
        .fault(json!({ "path_prefix": "/api/inbox", "remaining": 1,
                       "kind": "too_many_requests", "retry_after_seconds": 1 }))
        .await;
    let started = Instant::now();
    let page = world
        .client()
        .list_threads(&ThreadQuery::new())
        .await
        .expect("retried after 1 s");
    assert_eq!(page.threads.len(), 1);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_long_retry_after_is_returned_at_once() {
    let world = World::new().await;
    world
        .fault(json!({ "path_prefix": "/api/inbox", "remaining": 1,
                       "kind": "too_many_requests", "retry_after_seconds": 120 }))
        .await;
    let client = world.client();
    let started = Instant::now();
    let error = client
        .list_threads(&ThreadQuery::new())
        .await
        .expect_err("rate limited");
    assert!(started.elapsed() < Duration::from_secs(1));
    match error {
        MiraklError::RateLimited { retry_after } => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    client
        .list_threads(&ThreadQuery::new())
        .await
        .expect("only one call was refused");
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let world = World::new().await;
    world
        .fault(json!({ "path_prefix": "/api/account", "remaining": 2, "kind": "server_error" }))
        .await;
    let account = world.client().account().await.expect("third attempt");
    assert_eq!(account.shop_id, world.shop_id);
}

#[tokio::test]
async fn server_errors_outlasting_the_attempts_are_returned() {
    let world = World::new().await;
    world
        .fault(json!({ "path_prefix": "/api/account", "remaining": 3, "kind": "server_error" }))
        .await;
    let error = world.client().account().await.expect_err("500 three times");
    assert!(
        matches!(&error, MiraklError::Server { status: 500, message } if message == "Internal server error."),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let world = World::new().await;
    world
        .fault(json!({ "path_prefix": "/api/inbox", "remaining": 1, "kind": "malformed_json" }))
        .await;
    let error = world
        .client()
        .list_threads(&ThreadQuery::new())
        .await
        .expect_err("truncated body");
    assert!(
        matches!(&error, MiraklError::Decode { context, .. } if context.contains("M11")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_hanging_call_times_out_and_is_retried() {
    let world = World::new().await;
    world
        .fault(json!({ "path_prefix": "/api/inbox", "remaining": 1,
                       "kind": "timeout", "hang_ms": 5000 }))
        .await;
    let client = MiraklClient::new(
        world
            .config(API_KEY)
            .with_timeout(Duration::from_millis(400)),
    )
    .expect("client");
    let started = Instant::now();
    client
        .list_threads(&ThreadQuery::new())
        .await
        .expect("second attempt answers");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_reply_is_not_repeated_after_a_server_error() {
    let world = World::new().await;
    let thread_id = world.thread_id("Pytanie o zwrot", json!({})).await;
    let client = world.client();
    let thread = client.thread(&thread_id).await.expect("M10");
    world
        .fault(
            json!({ "path_prefix": "/api/inbox/threads", "method": "POST",
                       "remaining": 1, "kind": "server_error" }),
        )
        .await;
    let error = client
        .reply_to_customer(&thread, "Odpowiedź sklepu", &[])
        .await
        .expect_err("500 is not retried for a POST");
    assert!(
        matches!(error, MiraklError::Server { status: 500, .. }),
        "{error:?}"
    );
    assert!(world.posted(&thread_id).await.is_empty());
}

#[tokio::test]
async fn a_reply_is_repeated_after_a_short_429() {
    let world = World::new().await;
    let thread_id = world.thread_id("Pytanie o zwrot", json!({})).await;
    let client = world.client();
    let thread = client.thread(&thread_id).await.expect("M10");
    world
        .fault(
            json!({ "path_prefix": "/api/inbox/threads", "method": "POST",
                       "remaining": 1, "kind": "too_many_requests", "retry_after_seconds": 0 }),
        )
        .await;
    client
        .reply_to_customer(&thread, "Odpowiedź sklepu", &[])
        .await
        .expect("429 means nothing was done: sent again");
    assert_eq!(world.posted(&thread_id).await.len(), 1);
}
