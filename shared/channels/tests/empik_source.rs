//! The EmpikPlace channel against the simulator: threads become inbound events.

use chrono::{Duration, Utc};
use marketdesk_channels::empik::EmpikThreadsSource;
use marketdesk_core::domain::{AuthorKind, Channel, ConversationKind, IntegrationKind, PollCursor};
use marketdesk_core::ports::{ConversationSource, MarketplaceError};
use marketdesk_core::services::integrations::api_key_secret_name;
use marketdesk_local::testkit::{seed_connected_integration, temp_backend};
use marketdesk_sandbox::RunningSandbox;
use secrecy::SecretString;
use serde_json::{json, Value};

const UA: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";

async fn control(sandbox: &RunningSandbox, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/__sandbox{path}", sandbox.base_url))
        .json(&body)
        .send()
        .await
        .expect("control");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

fn cursor(i: &marketdesk_core::domain::Integration, position: Option<String>) -> PollCursor {
    PollCursor {
        tenant_id: i.tenant_id.clone(),
        integration_id: i.id.clone(),
        channel: Channel::EmpikThreads,
        position,
        polled_at: None,
    }
}

#[tokio::test]
async fn threads_after_enabling_become_events_with_authors_customer_and_order() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let backend = temp_backend();
    let ports = backend.ports.clone();
    let shop = control(&sandbox, "/mirakl/shops", json!({"name": "Sklep Empik"})).await;
    let customer = control(
        &sandbox,
        "/mirakl/customers",
        json!({"firstname": "Anna", "lastname": "Nowak"}),
    )
    .await;
    let order = control(&sandbox, "/mirakl/orders", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "lines": [{"title": "Kubek ceramiczny", "sku": "KUB-1", "quantity": 2, "price": 24.99}]})).await;
    // A conversation from before the integration was enabled is not imported.
    let old_date = (Utc::now() - Duration::days(3)).to_rfc3339();
    control(&sandbox, "/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "topic": {"type": "FREE_TEXT", "value": "Stare pytanie"}, "body": "Czy jest faktura?", "date": old_date})).await;

    let mut integration =
        seed_connected_integration(&ports, "t1", "empik-1", IntegrationKind::Empikplace).await;
    integration.enabled_at = Utc::now() - Duration::hours(1);
    ports
        .secrets
        .put(
            &api_key_secret_name(&integration.tenant_id, &integration.id).expect("name"),
            &SecretString::from(shop["api_key"].as_str().expect("key").to_owned()),
        )
        .await
        .expect("store key");
    let thread = control(&sandbox, "/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "order_id": order["order_id"], "topic": {"type": "FREE_TEXT", "value": "Uszkodzony kubek"}, "body": "Kubek dotarł pęknięty."})).await;
    let thread_id = thread["thread_id"].as_str().expect("id").to_owned();
    control(
        &sandbox,
        &format!("/mirakl/threads/{thread_id}/messages"),
        json!({"from": "OPERATOR", "body": "Dzień dobry, tu Empik."}),
    )
    .await;
    control(
        &sandbox,
        &format!("/mirakl/threads/{thread_id}/messages"),
        json!({"from": "SHOP", "body": "Wysyłamy nowy kubek."}),
    )
    .await;

    let source = EmpikThreadsSource::new(ports.clone(), sandbox.base_url.clone(), UA);
    let batch = source
        .poll(&integration, &cursor(&integration, None))
        .await
        .expect("poll");
    assert_eq!(batch.events.len(), 1, "only the thread after enabling");
    let event = &batch.events[0];
    assert_eq!(event.conversation.kind, ConversationKind::EmpikThread);
    assert_eq!(event.conversation.external_id, thread_id);
    assert_eq!(event.subject, "Uszkodzony kubek");
    assert_eq!(
        event.buyer_login,
        customer["customer_id"].as_str().expect("id")
    );
    assert_eq!(event.buyer_name.as_deref(), Some("Anna Nowak"));
    assert_eq!(event.order_id.as_deref(), order["order_id"].as_str());
    assert!(event
        .panel
        .order_url
        .as_deref()
        .is_some_and(|u| u.contains("/mmp/shop/order/")));
    assert_eq!(event.panel.products.len(), 1);
    assert_eq!(event.panel.products[0].name, "Kubek ceramiczny");
    assert_eq!(event.panel.products[0].quantity, 2);
    let authors: Vec<AuthorKind> = event.messages.iter().map(|m| m.author).collect();
    assert_eq!(
        authors,
        vec![
            AuthorKind::Buyer,
            AuthorKind::MarketplaceStaff,
            AuthorKind::SellerViaMarketplace
        ]
    );

    // The next poll starts at the watermark; the deliberate overlap re-reads, ingest de-duplicates.
    let again = source
        .poll(
            &integration,
            &cursor(&integration, batch.next_position.clone()),
        )
        .await
        .expect("poll");
    assert!(again.events.len() <= 1);
    assert!(again.next_position >= batch.next_position);
}

#[tokio::test]
async fn a_bad_key_and_rate_limits_map_to_the_domain_errors() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let backend = temp_backend();
    let ports = backend.ports.clone();
    let integration =
        seed_connected_integration(&ports, "t1", "empik-2", IntegrationKind::Empikplace).await;
    let source = EmpikThreadsSource::new(ports.clone(), sandbox.base_url.clone(), UA);
    let err = source
        .poll(&integration, &cursor(&integration, None))
        .await
        .expect_err("no key");
    assert!(
        matches!(err, MarketplaceError::CredentialsRejected(_)),
        "{err:?}"
    );
    ports
        .secrets
        .put(
            &api_key_secret_name(&integration.tenant_id, &integration.id).expect("name"),
            &SecretString::from("wrong-key"),
        )
        .await
        .expect("store key");
    let err = source
        .poll(&integration, &cursor(&integration, None))
        .await
        .expect_err("bad key");
    assert!(
        matches!(err, MarketplaceError::CredentialsRejected(_)),
        "{err:?}"
    );

    let shop = control(&sandbox, "/mirakl/shops", json!({"name": "Sklep"})).await;
    ports
        .secrets
        .put(
            &api_key_secret_name(&integration.tenant_id, &integration.id).expect("name"),
            &SecretString::from(shop["api_key"].as_str().expect("key").to_owned()),
        )
        .await
        .expect("store key");
    control(&sandbox, "/faults", json!({"path_prefix": "/api/inbox", "remaining": 3, "kind": "too_many_requests", "retry_after_seconds": 90})).await;
    let err = source
        .poll(&integration, &cursor(&integration, None))
        .await
        .expect_err("429");
    assert_eq!(
        err,
        MarketplaceError::RateLimited {
            retry_after: std::time::Duration::from_secs(90)
        }
    );
}

#[tokio::test]
async fn keys_are_checked_with_a01_before_they_are_stored() {
    use marketdesk_channels::empik::EmpikKeyCheck;
    use marketdesk_core::domain::Environment;
    use marketdesk_core::ports::{CredentialCheck, CredentialVerdict};
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let shop = control(&sandbox, "/mirakl/shops", json!({"name": "Sklep A01"})).await;
    let check = EmpikKeyCheck::new(sandbox.base_url.clone(), UA);
    let good = SecretString::from(shop["api_key"].as_str().expect("key").to_owned());
    let verdict = check
        .check_api_key(IntegrationKind::Empikplace, Environment::Production, &good)
        .await
        .expect("check");
    assert_eq!(
        verdict,
        CredentialVerdict::Valid {
            account_name: Some("Sklep A01".into())
        },
        "the shop's name comes back to name the account"
    );
    let verdict = check
        .check_api_key(
            IntegrationKind::Empikplace,
            Environment::Production,
            &SecretString::from("nope"),
        )
        .await
        .expect("check");
    assert!(matches!(verdict, CredentialVerdict::Invalid { ref reason } if reason.contains("401")));
    let unreachable = EmpikKeyCheck::new("http://127.0.0.1:9", UA);
    assert!(unreachable
        .check_api_key(IntegrationKind::Empikplace, Environment::Production, &good)
        .await
        .is_err());
}
