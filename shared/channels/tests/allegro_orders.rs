//! The order journal through the scheduler and the poller on the embedded backend against the
//! simulator (issue 17): a paid order becomes one order within one poll and survives
//! redelivery; a cancellation marks it cancelled; paid forms wait when orders are not created
//! automatically; an inactive account fetches nothing; an idle account costs one call a poll.

mod common;

use common::orders::World;
use marketdesk_core::domain::erp::CustomerType;
use marketdesk_core::domain::order::OrderStatus;
use marketdesk_core::repo::{customers, erp_feed, integrations, orders};
use serde_json::json;

#[tokio::test]
async fn a_paid_order_becomes_one_order_within_one_poll_and_a_cancellation_marks_it() {
    let w = World::start("sklep_zamowienia", true).await;
    let before = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    w.poll().await; // connect: starts from the newest event
    assert_eq!(
        w.order(&before).await,
        None,
        "older orders are not imported"
    );

    let form_id = w
        .purchase(
            json!({ "invoice": { "company_name": "Firma sp. z o.o.", "nip": "5252674798",
            "street": "Prosta 1", "city": "Warszawa", "zip_code": "00-001" } }),
        )
        .await;
    w.poll().await;
    assert_eq!(w.order(&form_id).await, None, "bought, not paid: no order");
    w.act(&format!("/allegro/orders/{form_id}/pay"), json!({}))
        .await;
    w.poll().await;
    let order = w.order(&form_id).await.expect("an order within one poll");
    assert_eq!(order.status, OrderStatus::New);
    let stored = orders::get_form(
        &*w.ports.store,
        &w.integration.tenant_id,
        &w.integration.id,
        &form_id,
    )
    .await
    .expect("read")
    .expect("stored form")
    .value;
    assert_eq!(stored.form.invoice.nip.as_deref(), Some("5252674798"));
    assert_eq!(stored.form.lines[0].offer_id, w.offer_id);
    assert_eq!(stored.order_id.as_deref(), Some(order.id.as_str()));
    // The buyer's NIP customer card, on the order and in the CRM (issue 17 item 3).
    let card = order.buyer_card.clone().expect("a customer card");
    assert_eq!(card.details.nip.as_deref(), Some("5252674798"));
    assert_eq!(
        card.details.company_name.as_deref(),
        Some("Firma sp. z o.o.")
    );
    assert_eq!(card.details.customer_type, Some(CustomerType::Domestic));
    let customer = customers::get(&*w.ports.store, &w.integration.tenant_id, &card.customer_id)
        .await
        .expect("read")
        .expect("a CRM customer")
        .value;
    assert_eq!(
        customer.trade.and_then(|t| t.nip).as_deref(),
        Some("5252674798")
    );
    let feed = || erp_feed::entries_after(&*w.ports.store, &w.integration.tenant_id, 0, 100);
    assert_eq!(
        feed().await.expect("feed").len(),
        1,
        "one feed entry for the new order"
    );

    // Redelivery: the same and a late event change nothing and read nothing twice.
    w.act(
        &format!("/allegro/orders/{form_id}/events"),
        json!({ "type": "READY_FOR_PROCESSING" }),
    )
    .await;
    w.clear_calls().await;
    w.poll().await;
    assert_eq!(w.order(&form_id).await, Some(order.clone()));
    assert_eq!(
        feed().await.expect("feed").len(),
        1,
        "redelivery adds no feed entry"
    );
    let reads = w.order_calls().await;
    assert_eq!(
        reads.len(),
        1,
        "only /order/events: the revision is known: {reads:?}"
    );

    w.act(&format!("/allegro/orders/{form_id}/cancel"), json!({}))
        .await;
    w.act(
        &format!("/allegro/orders/{form_id}/events"),
        json!({ "type": "READY_FOR_PROCESSING" }),
    )
    .await;
    w.poll().await;
    assert_eq!(
        w.order(&form_id).await.expect("kept").status,
        OrderStatus::Cancelled
    );
}

#[tokio::test]
async fn without_automatic_creation_paid_forms_wait_and_inactive_accounts_fetch_nothing() {
    let w = World::start("sklep_reczny", false).await;
    w.poll().await;
    let form_id = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    w.poll().await;
    assert_eq!(w.order(&form_id).await, None);
    let stored = orders::get_form(
        &*w.ports.store,
        &w.integration.tenant_id,
        &w.integration.id,
        &form_id,
    )
    .await
    .expect("read")
    .expect("stored form")
    .value;
    assert!(stored.awaits_order(), "in the list of paid forms");

    // Idle: one call per poll interval.
    w.clear_calls().await;
    for _ in 0..5 {
        w.poll().await;
    }
    assert_eq!(w.order_calls().await.len(), 5, "one /order/events per poll");

    let ports = &w.ports;
    let stored = integrations::get(&*ports.store, &w.integration.tenant_id, &w.integration.id)
        .await
        .expect("read")
        .expect("stored");
    let mut inactive = stored.value;
    inactive.active = false;
    integrations::update(&*ports.store, &inactive, stored.version)
        .await
        .expect("off");
    w.purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    w.clear_calls().await;
    w.poll().await;
    assert!(
        w.order_calls().await.is_empty(),
        "an inactive account fetches no orders"
    );
}

#[tokio::test]
async fn a_journal_started_at_a_date_imports_the_orders_paid_since_and_not_before() {
    let w = World::start("sklep_od_daty", true).await;
    let before = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let ports = &w.ports;
    let stored = integrations::get(&*ports.store, &w.integration.tenant_id, &w.integration.id)
        .await
        .expect("read")
        .expect("stored");
    let mut dated = stored.value;
    dated.settings.orders.from = Some(chrono::Utc::now());
    integrations::update(&*ports.store, &dated, stored.version)
        .await
        .expect("from set");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;

    w.clear_calls().await;
    w.poll().await; // the first orders poll: from the oldest kept event, not event-stats
    assert_eq!(w.order(&before).await, None, "paid before the date");
    assert!(w.order(&since).await.is_some(), "paid since the date");
    let calls = w.order_calls().await;
    assert!(
        calls
            .iter()
            .all(|c| !c.to_string().contains("/order/event-stats")),
        "a dated journal does not start at the newest event: {calls:?}"
    );

    w.poll().await;
    assert_eq!(w.order(&before).await, None, "still skipped on later polls");
}
