//! The EmpikPlace channel against the simulator: threads become inbound events.

mod common;

use chrono::{Duration, Utc};
use common::empik::{store_api_key, EmpikShop, UA};
use marketdesk_channels::empik::EmpikThreadsSource;
use marketdesk_core::domain::{AuthorKind, Channel, ConversationKind, IntegrationKind, PollCursor};
use marketdesk_core::ports::{ConversationSource, MarketplaceError};
use marketdesk_core::services::integrations::api_key_secret_name;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::backend::{seed_connected_integration, temp_backend};
use marketdesk_testkit::SimulatorControl;
use secrecy::SecretString;
use serde_json::{json, Value};

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
    let control = SimulatorControl::new(&sandbox.base_url);
    let backend = temp_backend();
    let ports = backend.ports.clone();
    let shop = control.mirakl_shop(json!({"name": "Sklep Empik"})).await;
    let customer = control.mirakl_customer("Anna", "Nowak").await;
    let order = control.post("/mirakl/orders", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "lines": [{"title": "Kubek ceramiczny", "sku": "KUB-1", "quantity": 2, "price": 24.99}]})).await;
    // A conversation from before the integration was enabled is not imported.
    let old_date = (Utc::now() - Duration::days(3)).to_rfc3339();
    control.post("/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "topic": {"type": "FREE_TEXT", "value": "Stare pytanie"}, "body": "Czy jest faktura?", "date": old_date})).await;

    let mut integration =
        seed_connected_integration(&ports, "t1", "empik-1", IntegrationKind::Empikplace).await;
    integration.enabled_at = Utc::now() - Duration::hours(1);
    store_api_key(&ports, &integration, &shop).await;
    let thread = control.post("/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer["customer_id"], "order_id": order["order_id"], "topic": {"type": "FREE_TEXT", "value": "Uszkodzony kubek"}, "body": "Kubek dotarł pęknięty."})).await;
    let thread_id = thread["thread_id"].as_str().expect("id").to_owned();
    control
        .post(
            &format!("/mirakl/threads/{thread_id}/messages"),
            json!({"from": "OPERATOR", "body": "Dzień dobry, tu Empik."}),
        )
        .await;
    control
        .post(
            &format!("/mirakl/threads/{thread_id}/messages"),
            json!({"from": "SHOP", "body": "Wysyłamy nowy kubek."}),
        )
        .await;

    let source =
        EmpikThreadsSource::new(common::empik_access(&ports), sandbox.base_url.clone(), UA);
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

    // The next poll re-reads the overlap before the watermark, but the unchanged thread is
    // not emitted again.
    let again = source
        .poll(
            &integration,
            &cursor(&integration, batch.next_position.clone()),
        )
        .await
        .expect("poll");
    assert!(again.events.is_empty(), "{:?}", again.events);
    assert_eq!(again.next_position, batch.next_position);
}

#[tokio::test]
async fn a_bad_key_and_rate_limits_map_to_the_domain_errors() {
    let sandbox = RunningSandbox::start_local().await.expect("sandbox");
    let control = SimulatorControl::new(&sandbox.base_url);
    let backend = temp_backend();
    let ports = backend.ports.clone();
    let integration =
        seed_connected_integration(&ports, "t1", "empik-2", IntegrationKind::Empikplace).await;
    let source =
        EmpikThreadsSource::new(common::empik_access(&ports), sandbox.base_url.clone(), UA);
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

    let shop = control.mirakl_shop(json!({"name": "Sklep"})).await;
    store_api_key(&ports, &integration, &shop).await;
    control.post("/faults", json!({"path_prefix": "/api/inbox", "remaining": 3, "kind": "too_many_requests", "retry_after_seconds": 90})).await;
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
    let control = SimulatorControl::new(&sandbox.base_url);
    let shop = control.mirakl_shop(json!({"name": "Sklep A01"})).await;
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

fn reason(code: &str) -> Value {
    json!({"type": "REASON_CODE", "value": code})
}

fn free_text(text: &str) -> Value {
    json!({"type": "FREE_TEXT", "value": text})
}

#[tokio::test]
async fn a_reason_code_thread_is_titled_with_its_re02_label_cached_for_a_day() {
    let shop = EmpikShop::start().await;
    let order = shop.order("Lampka nocna").await;
    let first = shop
        .thread(Some(&order), reason("23"), "Paczka nie dotarła.")
        .await;
    assert_eq!(shop.cycle().await, 1);
    let ticket = shop.ticket(&first).await;
    assert_eq!(ticket.subject, "Nie otrzymałem produktu");
    assert_eq!(
        ticket.panel.reason_code.as_deref(),
        Some("23"),
        "the code stays visible in the panel"
    );

    // Minutes later the labels come from the cache, even one the shop's operator renamed.
    shop.control
        .post(
            "/mirakl/reasons",
            json!({"code": "24", "labels": {"pl": "Faktura VAT"}}),
        )
        .await;
    shop.clock.advance(Duration::minutes(5));
    let second = shop.thread(None, reason("24"), "Proszę o fakturę.").await;
    shop.cycle().await;
    assert_eq!(shop.ticket(&second).await.subject, "Prośba o fakturę");
    assert_eq!(shop.count_calls("GET /api/reasons/").await, 1);

    // A code the cache does not know is looked up again, at most every 10 minutes.
    shop.control
        .post(
            "/mirakl/reasons",
            json!({"code": "27", "labels": {"pl": "Zwrot towaru"}}),
        )
        .await;
    shop.clock.advance(Duration::minutes(6));
    let third = shop
        .thread(None, reason("27"), "Chcę zwrócić lampkę.")
        .await;
    shop.cycle().await;
    assert_eq!(shop.ticket(&third).await.subject, "Zwrot towaru");
    assert_eq!(shop.count_calls("GET /api/reasons/").await, 2);

    // After a day the labels are read again.
    shop.clock.advance(Duration::hours(25));
    let fourth = shop.thread(None, reason("24"), "Faktura na firmę.").await;
    shop.cycle().await;
    assert_eq!(shop.ticket(&fourth).await.subject, "Faktura VAT");
    assert_eq!(shop.count_calls("GET /api/reasons/").await, 3);
    // Idle polls never read them.
    shop.clock.advance(Duration::hours(25));
    shop.cycle().await;
    assert_eq!(shop.count_calls("GET /api/reasons/").await, 3);
    let free = shop
        .thread(None, free_text("Kiedy wysyłka?"), "Kiedy wyślecie?")
        .await;
    shop.cycle().await;
    let ticket = shop.ticket(&free).await;
    assert_eq!(ticket.subject, "Kiedy wysyłka?");
    assert_eq!(
        ticket.panel.reason_code, None,
        "free text is no reason code"
    );
    assert_eq!(shop.count_calls("GET /api/reasons/").await, 3);
}

#[tokio::test]
async fn threads_longer_than_m11_carries_lose_no_message() {
    let shop = EmpikShop::start().await;
    let known = shop
        .thread(None, free_text("Reklamacja"), "Wiadomość 1")
        .await;
    assert_eq!(shop.cycle().await, 1);
    // Between two polls (downtime, a long back-off) the known thread reaches Mirakl's cap of
    // 1000 messages and a new thread arrives with 250.
    for n in 2..=1000 {
        let from = if n % 3 == 0 { "SHOP" } else { "CUSTOMER" };
        shop.message(&known, from, &format!("Wiadomość {n}")).await;
    }
    let fresh = shop.thread(None, free_text("Pytanie"), "Nowa 1").await;
    for n in 2..=250 {
        shop.message(&fresh, "CUSTOMER", &format!("Nowa {n}")).await;
    }
    shop.forget_calls().await;
    shop.cycle().await;
    for (thread, prefix, count) in [(&known, "Wiadomość", 1000), (&fresh, "Nowa", 250)] {
        let ticket = shop.ticket(thread).await;
        let stored: std::collections::BTreeSet<String> = shop
            .messages(&ticket)
            .await
            .into_iter()
            .map(|m| m.text)
            .collect();
        let expected: std::collections::BTreeSet<String> =
            (1..=count).map(|n| format!("{prefix} {n}")).collect();
        assert_eq!(stored.len(), count, "{prefix}: every message is stored");
        assert_eq!(stored, expected);
    }
    assert_eq!(
        shop.count_calls("GET /api/inbox/threads/").await,
        2,
        "M10 once for each thread M11 could not carry whole"
    );
    // A short change afterwards needs no M10.
    shop.message(&known, "SHOP", "Odpowiedź").await;
    shop.forget_calls().await;
    shop.cycle().await;
    assert_eq!(shop.count_calls("GET /api/inbox/threads/").await, 0);
    let ticket = shop.ticket(&known).await;
    assert_eq!(shop.messages(&ticket).await.len(), 1001);
}

#[tokio::test]
async fn an_idle_shop_costs_one_m11_per_poll_interval() {
    const INTERVALS: usize = 10;
    let shop = EmpikShop::start().await;
    let order = shop.order("Kubek ceramiczny").await;
    let thread = shop
        .thread(Some(&order), reason("23"), "Gdzie jest paczka?")
        .await;
    shop.message(&thread, "SHOP", "Wysłaliśmy ją wczoraj.")
        .await;
    assert_eq!(shop.cycle().await, 1);
    shop.forget_calls().await;
    let mut ingested = 0;
    for _ in 0..INTERVALS {
        shop.clock.advance(Duration::seconds(60));
        ingested += shop.cycle().await;
    }
    let calls = shop.calls().await;
    println!(
        "MEASURED idle EmpikPlace shop: {} seller-API calls in {INTERVALS} poll intervals = {:.2} per interval: {calls:?}",
        calls.len(),
        calls.len() as f64 / INTERVALS as f64
    );
    assert_eq!(ingested, 0, "an unchanged thread is not re-ingested");
    assert_eq!(
        calls,
        vec!["GET /api/inbox/threads".to_owned(); INTERVALS],
        "exactly one M11 per interval, nothing else"
    );
    // The thread still counts: a new message is picked up by the next poll.
    shop.message(&thread, "CUSTOMER", "Nadal nic.").await;
    assert_eq!(shop.cycle().await, 1);
}

#[tokio::test]
async fn orders_are_read_for_new_threads_at_most_once_a_minute() {
    let shop = EmpikShop::start().await;
    let lamp = shop.order("Lampka nocna").await;
    let mug = shop.order("Kubek").await;
    let first = shop
        .thread(Some(&lamp), free_text("Kiedy wysyłka?"), "Kiedy wyślecie?")
        .await;
    shop.cycle().await;
    assert_eq!(shop.count_calls("GET /api/orders").await, 1);
    let products = |t: &marketdesk_core::domain::Ticket| -> Vec<String> {
        t.panel.products.iter().map(|p| p.name.clone()).collect()
    };
    assert_eq!(products(&shop.ticket(&first).await), ["Lampka nocna"]);

    // 20 s later: a new thread, and news in the known one. The minute is not over, so the new
    // thread's order waits; the known thread needs no order at all.
    shop.clock.advance(Duration::seconds(20));
    let second = shop
        .thread(Some(&mug), free_text("Pęknięty kubek"), "Kubek pękł.")
        .await;
    shop.message(&first, "CUSTOMER", "Halo?").await;
    assert_eq!(shop.cycle().await, 2);
    assert_eq!(
        shop.count_calls("GET /api/orders").await,
        1,
        "no second OR11 within the minute"
    );
    let waiting = shop.ticket(&second).await;
    assert_eq!(
        waiting.subject, "Pęknięty kubek",
        "the ticket does not wait"
    );
    assert!(products(&waiting).is_empty());
    let known = shop.ticket(&first).await;
    assert_eq!(products(&known), ["Lampka nocna"], "the known panel stays");
    assert_eq!(shop.messages(&known).await.len(), 2);

    // Five minutes pass on EmpikPlace and the known thread moves on: the watermark passes the
    // waiting thread by more than the overlap, and the minute is still not over.
    shop.control
        .post("/clock/advance", json!({"seconds": 300}))
        .await;
    shop.message(&first, "SHOP", "Wysyłamy dziś.").await;
    shop.clock.advance(Duration::seconds(20));
    assert_eq!(shop.cycle().await, 1);
    assert_eq!(shop.count_calls("GET /api/orders").await, 1);

    // A minute after the first OR11 the listing still reaches back to the waiting thread and
    // its order is read, once.
    shop.clock.advance(Duration::seconds(21));
    shop.cycle().await;
    assert_eq!(shop.count_calls("GET /api/orders").await, 2);
    assert_eq!(products(&shop.ticket(&second).await), ["Kubek"]);
    shop.clock.advance(Duration::seconds(60));
    assert_eq!(shop.cycle().await, 0);
    assert_eq!(shop.count_calls("GET /api/orders").await, 2);
}

#[tokio::test]
async fn unreadable_reason_labels_never_stall_the_shop() {
    let shop = EmpikShop::start().await;
    let first = shop.thread(None, reason("23"), "Paczka nie dotarła.").await;
    // A passing failure with no label to fall back on: the poll fails, nothing is lost.
    shop.control.post(
        "/faults",
        json!({"path_prefix": "/api/reasons", "remaining": 1, "kind": "too_many_requests", "retry_after_seconds": 120}),
    )
    .await;
    let source = EmpikThreadsSource::new(
        common::empik_access(&shop.backend.ports),
        shop.sandbox.base_url.clone(),
        UA,
    );
    let err = source
        .poll(&shop.integration, &cursor(&shop.integration, None))
        .await
        .expect_err("429 on RE02");
    assert_eq!(
        err,
        MarketplaceError::RateLimited {
            retry_after: std::time::Duration::from_secs(120)
        }
    );
    // The 429 blocked the shop for every worker (at least a minute, here the 120 s asked).
    shop.clock.advance(Duration::seconds(121));
    assert_eq!(shop.cycle().await, 1, "the next poll reads the labels");
    assert_eq!(shop.ticket(&first).await.subject, "Nie otrzymałem produktu");

    // An answer that cannot be read at all: the old labels serve, a code they lack is named
    // as a code, and the labels are tried again ten minutes later.
    shop.control
        .post(
            "/mirakl/reasons",
            json!({"code": "28", "labels": {"pl": "Reklamacja"}}),
        )
        .await;
    shop.clock.advance(Duration::hours(25));
    shop.control
        .post(
            "/faults",
            json!({"path_prefix": "/api/reasons", "remaining": 1, "kind": "malformed_json"}),
        )
        .await;
    let second = shop.thread(None, reason("28"), "Reklamuję lampkę.").await;
    let third = shop.thread(None, reason("23"), "Dalej brak paczki.").await;
    assert_eq!(shop.cycle().await, 2);
    let ticket = shop.ticket(&second).await;
    assert_eq!(ticket.subject, "Wiadomość od klienta EmpikPlace (powód 28)");
    assert_eq!(ticket.panel.reason_code.as_deref(), Some("28"));
    assert_eq!(
        shop.ticket(&third).await.subject,
        "Nie otrzymałem produktu",
        "the old labels still serve"
    );
    shop.clock.advance(Duration::minutes(10));
    let fourth = shop.thread(None, reason("28"), "Jeszcze raz.").await;
    shop.cycle().await;
    assert_eq!(shop.ticket(&fourth).await.subject, "Reklamacja");
}

#[tokio::test]
async fn the_ticket_carries_mirakls_shop_reply_needed_since_until_the_shop_answers() {
    let shop = EmpikShop::start().await;
    let thread = shop.thread(None, reason("23"), "Gdzie jest paczka?").await;
    assert_eq!(shop.cycle().await, 1);
    let waiting = shop.ticket(&thread).await;
    let since = waiting
        .shop_reply_needed_since
        .expect("Mirakl says the shop owes an answer");
    let buyer_wrote = shop.messages(&waiting).await[0].created_at;
    assert!(
        (since - buyer_wrote).num_seconds().abs() <= 1,
        "{since} vs the buyer's message at {buyer_wrote}"
    );

    shop.clock.advance(Duration::seconds(60));
    shop.message(&thread, "SHOP", "Wysłaliśmy ją wczoraj.")
        .await;
    assert_eq!(shop.cycle().await, 1);
    assert_eq!(shop.ticket(&thread).await.shop_reply_needed_since, None);
}
