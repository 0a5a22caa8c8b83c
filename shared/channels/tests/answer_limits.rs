//! Marketplace answers larger than the configured cap: the call fails as an outage, the poll's
//! cursor stays where it was, and nothing is read into memory beyond the cap.

mod common;

use common::control;
use marketdesk_channels::empik::EmpikThreadsSource;
use marketdesk_core::domain::{Channel, IntegrationKind};
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::{MarketplaceError, MarketplaceRegistry};
use marketdesk_core::repo::cursors;
use marketdesk_core::services::integrations::api_key_secret_name;
use marketdesk_core::services::{poller, ServiceError};
use marketdesk_local::testkit::{seed_connected_integration, temp_backend};
use marketdesk_sandbox::RunningSandbox;
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;

const UA: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";

#[tokio::test]
async fn an_empikplace_answer_over_the_cap_is_unavailable_and_the_cursor_stays() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let http = reqwest::Client::new();
    let base = sandbox.base_url.as_str();
    let backend = temp_backend();
    let ports = backend.ports.clone();
    let shop = control(&http, base, "/mirakl/shops", json!({"name": "Sklep"})).await;
    let customer = control(
        &http,
        base,
        "/mirakl/customers",
        json!({"firstname": "Anna", "lastname": "Nowak"}),
    )
    .await;
    let integration =
        seed_connected_integration(&ports, "t1", "empik-cap", IntegrationKind::Empikplace).await;
    ports
        .secrets
        .put(
            &api_key_secret_name(&integration.tenant_id, &integration.id).expect("name"),
            &SecretString::from(shop["api_key"].as_str().expect("key").to_owned()),
        )
        .await
        .expect("store key");
    control(&http, base, "/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "topic": {"type": "FREE_TEXT", "value": "Faktura"}, "body": "Czy mogę prosić o fakturę na firmę?"})).await;

    let job = PollJob {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        channel: Channel::EmpikThreads,
    };
    let registry = |limit: u64| {
        MarketplaceRegistry::empty().with_source(
            Channel::EmpikThreads,
            Arc::new(
                EmpikThreadsSource::new(ports.clone(), base.to_owned(), UA)
                    .with_max_answer_bytes(limit),
            ),
        )
    };
    // The thread list (M11) is a few hundred bytes; a 64-byte cap refuses it.
    let error = poller::run(&ports, &registry(64), &job)
        .await
        .expect_err("answer over the cap");
    assert!(
        matches!(
            error,
            ServiceError::Marketplace(MarketplaceError::Unavailable(ref m)) if m.contains("64 bytes")
        ),
        "{error:?}"
    );
    assert!(!error.is_permanent(), "retried later, never dropped");
    let cursor = cursors::get(
        &*ports.store,
        &job.tenant_id,
        &job.integration_id,
        job.channel,
    )
    .await
    .expect("store");
    assert!(
        cursor.position.is_none() && cursor.polled_at.is_none(),
        "the cursor did not move: {cursor:?}"
    );

    // With the default cap the same poll goes through and moves the cursor.
    poller::run(
        &ports,
        &registry(marketdesk_channels::settings::DEFAULT_MAX_ANSWER_BYTES),
        &job,
    )
    .await
    .expect("poll");
    let cursor = cursors::get(
        &*ports.store,
        &job.tenant_id,
        &job.integration_id,
        job.channel,
    )
    .await
    .expect("store");
    assert!(
        cursor.position.is_some(),
        "the cursor moves after a good poll"
    );
}
