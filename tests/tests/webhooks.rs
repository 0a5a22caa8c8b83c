//! Webhooks: events from ingest, the sender and the token refresher reach a local receiver
//! as signed POSTs through the webhooks queue, with retries and back-off, a delivery log,
//! secret rotation, test pings, and private targets refused unless allowed.
//! Cross-crate: core's webhook service sends through the channels' HTTP transport to a real
//! axum receiver, so it lives here rather than in core's tests.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Duration;
use hmac::{KeyInit, Mac};
use marketdesk_channels::webhooks::HttpWebhookTransport;
use marketdesk_core::domain::{Actor, AuthorKind, DeliveryState, EventType, WebhookDelivery};
use marketdesk_core::ids::{ApiKeyId, TenantId};
use marketdesk_core::ports::AddressPolicy;
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::webhooks::{self, DeliveryQuery, WebhookSettings, WithSecret};
use marketdesk_core::services::{audit, ingest, tokens};
use marketdesk_testkit::fixtures::*;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

/// A local HTTP receiver answering with scripted statuses (then 200).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, format!("http://{addr}/hook"))
    }

    fn answer_with(&self, statuses: &[u16]) {
        self.answers.lock().expect("lock").extend(statuses);
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver.got.lock().expect("lock").push(Received {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let status = receiver
        .answers
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    StatusCode::from_u16(status).expect("status")
}

fn allowing_private() -> WebhookSettings {
    WebhookSettings {
        policy: AddressPolicy {
            allow_private: true,
        },
        timeout: std::time::Duration::from_secs(5),
        retry_delays: vec![
            std::time::Duration::from_secs(60),
            std::time::Duration::from_secs(300),
        ],
    }
}

fn admin() -> Actor {
    Actor::ApiKey {
        id: ApiKeyId::from("k-admin"),
        name: Some("admin".into()),
    }
}

async fn endpoint(b: &Backend, url: &str, events: &[&str]) -> WithSecret {
    webhooks::create(
        &b.ports,
        &HttpWebhookTransport::new(),
        &allowing_private(),
        &TenantId::from("t1"),
        Some(&admin()),
        serde_json::from_value(json!({ "url": url, "events": events })).expect("request"),
    )
    .await
    .expect("webhook created")
}

/// Handles every visible webhook job, as the sender's consumer does.
async fn run_queue(b: &Backend, settings: &WebhookSettings) {
    let transport = HttpWebhookTransport::new();
    loop {
        let batch = b
            .ports
            .queues
            .webhooks
            .receive(10, std::time::Duration::from_secs(60))
            .await
            .expect("receive");
        if batch.is_empty() {
            return;
        }
        for message in batch {
            webhooks::handle_body(&b.ports, &transport, settings, &message.body)
                .await
                .expect("handled");
            b.ports
                .queues
                .webhooks
                .delete(&message.receipt)
                .await
                .expect("delete");
        }
    }
}

async fn log(b: &Backend, id: &str) -> Vec<WebhookDelivery> {
    webhooks::deliveries(&b.ports, &"t1".into(), id, &DeliveryQuery::default())
        .await
        .expect("deliveries")
        .deliveries
}

/// Checks a signature header the way a receiver would, with its own HMAC.
fn verifies(secret: &str, received: &Received) -> Vec<bool> {
    let timestamp = received.headers["x-marketdesk-timestamp"]
        .to_str()
        .expect("timestamp");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{}", received.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    received.headers["x-marketdesk-signature"]
        .to_str()
        .expect("signature")
        .split(',')
        .map(|part| part == format!("sha256={expected}"))
        .collect()
}

#[tokio::test]
async fn ingested_conversations_reach_the_receiver_signed() {
    let b = backend();
    let (receiver, url) = Receiver::start().await;
    let hook = endpoint(&b, &url, &["ticket.created", "message.received"]).await;
    let secret = hook.secret.expose_secret().to_owned();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ingest::run(
        &b.ports,
        &dispute(
            &i,
            "d-1",
            "ONGOING",
            vec![message("m1", AuthorKind::Buyer, "Paczka nie doszła", 0)],
        ),
    )
    .await
    .expect("ingest")
    .ticket_id;
    run_queue(&b, &allowing_private()).await;

    let got = receiver.got();
    assert_eq!(got.len(), 2, "{got:?}");
    let events: Vec<_> = got
        .iter()
        .map(|r| r.headers["x-marketdesk-event"].to_str().expect("event"))
        .collect();
    assert_eq!(events, ["ticket.created", "message.received"]);
    for received in &got {
        assert_eq!(verifies(&secret, received), [true], "one valid signature");
        assert_eq!(verifies("whsec_wrong", received), [false]);
        let body: Value = serde_json::from_str(&received.body).expect("json");
        assert_eq!(body["tenant_id"], "t1");
        assert_eq!(
            received.headers["x-marketdesk-timestamp"],
            start().timestamp().to_string().as_str()
        );
    }
    let created: Value = serde_json::from_str(&got[0].body).expect("json");
    assert_eq!(created["type"], "ticket.created");
    assert_eq!(created["data"]["ticket"]["id"], ticket.as_str());
    let received: Value = serde_json::from_str(&got[1].body).expect("json");
    assert_eq!(received["data"]["message"]["text"], "Paczka nie doszła");

    let deliveries = log(&b, &hook.webhook.id).await;
    assert_eq!(deliveries.len(), 2);
    for delivery in &deliveries {
        assert_eq!(delivery.state, DeliveryState::Delivered);
        assert_eq!(delivery.attempts.len(), 1);
        assert_eq!(delivery.attempts[0].status, Some(200));
    }
    // The delivery id header is the log's id: the receiver's idempotency key.
    assert_eq!(
        got[1].headers["x-marketdesk-delivery"],
        deliveries[0].id.as_str(),
        "newest first"
    );

    // Ingesting the same conversation again brings nothing new: no event.
    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "d-1",
            "ONGOING",
            vec![message("m1", AuthorKind::Buyer, "Paczka nie doszła", 0)],
        ),
    )
    .await
    .expect("again");
    run_queue(&b, &allowing_private()).await;
    assert_eq!(receiver.got().len(), 2);
}

#[tokio::test]
async fn failed_attempts_are_retried_with_back_off_and_given_up_after_the_last() {
    let b = backend();
    let (receiver, url) = Receiver::start().await;
    let hook = endpoint(&b, &url, &["integration.disconnected"]).await;
    let i = connected_allegro(&b.ports, "t1").await;
    receiver.answer_with(&[500, 503]);
    tokens::disconnect(&b.ports, &i.tenant_id, &i.id, "invalid_grant")
        .await
        .expect("disconnected");
    let settings = allowing_private();
    run_queue(&b, &settings).await;
    assert_eq!(receiver.got().len(), 1);
    let pending = &log(&b, &hook.webhook.id).await[0];
    assert_eq!(pending.state, DeliveryState::Pending);
    assert_eq!(
        pending.next_attempt_at,
        Some(start() + Duration::minutes(1))
    );

    // Nothing happens before the back-off is over.
    b.clock.advance(Duration::seconds(59));
    run_queue(&b, &settings).await;
    assert_eq!(receiver.got().len(), 1);
    b.clock.advance(Duration::seconds(1));
    run_queue(&b, &settings).await;
    assert_eq!(receiver.got().len(), 2);
    b.clock.advance(Duration::minutes(5));
    run_queue(&b, &settings).await;
    let got = receiver.got();
    assert_eq!(got.len(), 3);
    let ids: Vec<_> = got
        .iter()
        .map(|r| r.headers["x-marketdesk-delivery"].clone())
        .collect();
    assert!(
        ids.iter().all(|id| id == ids[0]),
        "one delivery id on every attempt"
    );
    let delivered = &log(&b, &hook.webhook.id).await[0];
    assert_eq!(delivered.state, DeliveryState::Delivered);
    let statuses: Vec<_> = delivered.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    assert_eq!(
        delivered.attempts[0].error.as_deref(),
        Some("the receiver answered 500")
    );

    // A receiver that keeps failing gets 3 attempts (2 waits), then the delivery fails.
    receiver.answer_with(&[500, 500, 500, 500]);
    webhooks::test(&b.ports, &"t1".into(), &hook.webhook.id)
        .await
        .expect("ping");
    for minutes in [0, 1, 5, 60] {
        b.clock.advance(Duration::minutes(minutes));
        run_queue(&b, &settings).await;
    }
    assert_eq!(receiver.got().len(), 6);
    let failed = &log(&b, &hook.webhook.id).await[0];
    assert_eq!(failed.event, EventType::Ping);
    assert_eq!(failed.state, DeliveryState::Failed);
    assert_eq!(failed.attempts.len(), 3);
    assert_eq!(failed.next_attempt_at, None);
}

#[tokio::test]
async fn private_targets_are_refused_unless_the_operator_allows_them() {
    let b = backend();
    let strict = WebhookSettings::default();
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.7/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:192.168.0.1]/hook",
        "ftp://example.com/hook",
        "http://user:pass@example.com/hook",
        "not a url",
    ] {
        let refused = webhooks::create(
            &b.ports,
            &HttpWebhookTransport::new(),
            &strict,
            &"t1".into(),
            None,
            serde_json::from_value(json!({ "url": url, "events": ["reply.sent"] })).expect("r"),
        )
        .await
        .map(|_| ())
        .expect_err(url);
        assert!(
            matches!(refused, RequestError::Invalid { ref field, .. } if field == "url"),
            "{url}: {refused:?}"
        );
    }
    assert!(webhooks::list(&b.ports, &"t1".into())
        .await
        .expect("list")
        .is_empty());

    // Saved while allowed, then sent under a policy that refuses it: never posted.
    let (receiver, url) = Receiver::start().await;
    let hook = endpoint(&b, &url, &["reply.sent"]).await;
    webhooks::test(&b.ports, &"t1".into(), &hook.webhook.id)
        .await
        .expect("ping");
    run_queue(&b, &strict).await;
    assert!(receiver.got().is_empty());
    let refused = &log(&b, &hook.webhook.id).await[0];
    assert_eq!(refused.state, DeliveryState::Failed);
    assert!(refused.attempts[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("127.0.0.1") && e.contains("non-public")));
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_for_a_day() {
    let b = backend();
    let (receiver, url) = Receiver::start().await;
    let hook = endpoint(&b, &url, &["reply.failed"]).await;
    let old = hook.secret.expose_secret().to_owned();
    let rotated = webhooks::rotate_secret(&b.ports, &"t1".into(), Some(&admin()), &hook.webhook.id)
        .await
        .expect("rotated");
    let new = rotated.secret.expose_secret().to_owned();
    assert_ne!(old, new);
    assert!(new.starts_with("whsec_"));
    assert_eq!(
        rotated.webhook.previous_secret_until,
        Some(start() + Duration::hours(24))
    );
    webhooks::test(&b.ports, &"t1".into(), &hook.webhook.id)
        .await
        .expect("ping");
    run_queue(&b, &allowing_private()).await;
    let during = &receiver.got()[0];
    assert_eq!(verifies(&new, during), [true, false]);
    assert_eq!(verifies(&old, during), [false, true]);

    b.clock.advance(Duration::hours(24));
    webhooks::test(&b.ports, &"t1".into(), &hook.webhook.id)
        .await
        .expect("ping");
    run_queue(&b, &allowing_private()).await;
    let after = &receiver.got()[1];
    assert_eq!(
        verifies(&new, after),
        [true],
        "the old secret no longer signs"
    );

    // The audit log has the creation and the rotation, and no secret.
    let entries = audit::list(
        &b.ports,
        &"t1".into(),
        &serde_json::from_value(json!({ "subject_type": "webhook" })).expect("q"),
    )
    .await
    .expect("audit")
    .entries;
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["webhook.secret_rotated", "webhook.created"]);
    let text = serde_json::to_string(&entries).expect("json");
    assert!(!text.contains(&old) && !text.contains(&new));
}

#[tokio::test]
async fn only_active_subscribed_endpoints_get_an_event() {
    let b = backend();
    let (receiver, url) = Receiver::start().await;
    let replies_only = endpoint(&b, &url, &["reply.sent"]).await;
    let off = endpoint(&b, &url, &["ticket.created"]).await;
    webhooks::update(
        &b.ports,
        &HttpWebhookTransport::new(),
        &allowing_private(),
        &"t1".into(),
        Some(&admin()),
        &off.webhook.id,
        serde_json::from_value(json!({ "active": false })).expect("patch"),
    )
    .await
    .expect("switched off");
    let i = connected_allegro(&b.ports, "t1").await;
    ingest::run(
        &b.ports,
        &dispute(
            &i,
            "d-1",
            "ONGOING",
            vec![message("m1", AuthorKind::Buyer, "Hej", 0)],
        ),
    )
    .await
    .expect("ingest");
    run_queue(&b, &allowing_private()).await;
    assert!(receiver.got().is_empty());
    assert!(log(&b, &replies_only.webhook.id).await.is_empty());
    assert!(log(&b, &off.webhook.id).await.is_empty());
}
