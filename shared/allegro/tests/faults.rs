//! Injected faults: 5xx retried with backoff, POSTs not repeated, malformed JSON, 429 without
//! sleeping, timeouts.

mod common;

use common::{fast_retry, Sim};
use marketdesk_allegro::issues::NewIssueMessage;
use marketdesk_allegro::{AllegroError, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn server_errors_are_retried_until_the_attempts_run_out() {
    let sim = Sim::start().await;
    let (_, token) = sim.seller_token("sklep_500").await;
    sim.fault(
        json!({ "path_prefix": "/me", "method": "GET", "remaining": 2, "kind": "server_error" }),
    )
    .await;
    sim.client
        .me(&token)
        .await
        .expect("two 500s, then success on the third attempt");

    sim.fault(json!({ "path_prefix": "/me", "remaining": 3, "kind": "server_error" }))
        .await;
    let error = sim.client.me(&token).await.expect_err("three 500s");
    assert!(
        matches!(&error, AllegroError::Server { status: 500, .. })
            && error.has_code("INTERNAL_SERVER_ERROR"),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert!(error.trace_id().is_some());
    sim.client.me(&token).await.expect("healthy again");
}

#[tokio::test]
async fn posting_a_message_is_not_repeated_after_a_server_error() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_post").await;
    let (buyer_id, _) = sim.buyer("kupujacy_post").await;
    let issue = sim
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": seller_id, "buyer_id": buyer_id, "type": "DISPUTE",
                    "reason": "OTHER", "text": "?" }),
            "id",
        )
        .await;
    sim.fault(
        json!({ "path_prefix": format!("/sale/issues/{issue}/message"), "method": "POST",
                      "remaining": 1, "kind": "server_error" }),
    )
    .await;
    let error = sim
        .client
        .post_issue_message(&token, &issue, &NewIssueMessage::text("Odpowiedź"))
        .await
        .expect_err("500 is reported, not retried");
    assert!(matches!(error, AllegroError::Server { .. }), "{error:?}");
    sim.client
        .post_issue_message(&token, &issue, &NewIssueMessage::text("Odpowiedź"))
        .await
        .expect("the caller's retry posts once");
    assert_eq!(sim.posted(&issue).await.len(), 1);
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let sim = Sim::start().await;
    let (_, token) = sim.seller_token("sklep_json").await;
    sim.fault(json!({ "path_prefix": "/me", "remaining": 1, "kind": "malformed_json" }))
        .await;
    let error = sim.client.me(&token).await.expect_err("truncated body");
    assert!(matches!(error, AllegroError::Decode { .. }), "{error:?}");
    assert!(!error.is_transient());
}

#[tokio::test]
async fn rate_limits_come_back_at_once_with_at_least_a_minute() {
    let sim = Sim::start().await;
    let (_, token) = sim.seller_token("sklep_429").await;
    sim.fault(
        json!({ "path_prefix": "/messaging", "remaining": 1, "kind": "too_many_requests",
                      "retry_after_seconds": 5 }),
    )
    .await;
    let started = Instant::now();
    let error = sim
        .client
        .list_threads(&token, &Default::default(), 20, None)
        .await
        .expect_err("429");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no sleeping inline"
    );
    match error {
        AllegroError::RateLimited {
            retry_after,
            retry_after_header,
            ..
        } => {
            assert_eq!(retry_after, Duration::from_secs(60));
            assert_eq!(retry_after_header, Some(Duration::from_secs(5)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }

    sim.fault(
        json!({ "path_prefix": "/me", "remaining": 1, "kind": "too_many_requests",
                      "retry_after_seconds": 120 }),
    )
    .await;
    let error = sim.client.me(&token).await.expect_err("429");
    assert!(
        matches!(error, AllegroError::RateLimited { retry_after, .. } if retry_after == Duration::from_secs(120)),
        "{error:?}"
    );
}

#[tokio::test]
async fn timeouts_are_network_errors_and_are_retried() {
    let sim = Sim::start().await;
    let (_, token) = sim.seller_token("sklep_timeout").await;
    let impatient = sim.client_with(|config| {
        config
            .with_timeout(Duration::from_millis(300))
            .with_retry(RetryPolicy::none())
    });
    sim.fault(json!({ "path_prefix": "/me", "remaining": 1, "kind": "timeout", "hang_ms": 2000 }))
        .await;
    let started = Instant::now();
    let error = impatient.me(&token).await.expect_err("timed out");
    assert!(
        matches!(error, AllegroError::Network { timeout: true, .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));
    impatient.me(&token).await.expect("answers again");

    let patient = sim.client_with(|config| {
        config
            .with_timeout(Duration::from_millis(300))
            .with_retry(fast_retry())
    });
    sim.fault(json!({ "path_prefix": "/me", "remaining": 1, "kind": "timeout", "hang_ms": 2000 }))
        .await;
    patient
        .me(&token)
        .await
        .expect("the retry after the timeout succeeds");
}

#[tokio::test]
async fn token_refresh_is_retried_on_server_errors() {
    let sim = Sim::start().await;
    let (_, tokens) = sim.seller_with_tokens("sklep_refresh_500", &[]).await;
    sim.fault(
        json!({ "path_prefix": "/auth/oauth/token", "remaining": 2, "kind": "server_error" }),
    )
    .await;
    let fresh = sim
        .client
        .refresh(tokens.refresh_token.as_ref().expect("refresh token"))
        .await
        .expect("refreshed after two 500s");
    sim.client.me(&fresh.access_token).await.expect("works");
}

#[tokio::test]
async fn connection_failures_are_network_errors() {
    let sim = Sim::start().await;
    let (_, token) = sim.seller_token("sklep_siec").await;
    // A port nothing listens on: bind, learn the port, close.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let dead = sim.client_with(|mut config| {
        config.api_url = url::Url::parse(&format!("http://127.0.0.1:{port}")).expect("url");
        config
    });
    let error = dead.me(&token).await.expect_err("refused");
    assert!(
        matches!(error, AllegroError::Network { timeout: false, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains(token.expose()));
}
