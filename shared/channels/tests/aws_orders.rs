//! The order journal on the AWS backend (DynamoDB Local + moto) against the simulator, the
//! same world as the embedded `allegro_orders`: an order paid in the simulator becomes exactly
//! one order within one poll, survives redelivery and is listed; an inactive account fetches
//! no orders; a journal started at a date imports only what was paid since, and the from-date
//! rules refuse what they should. Skipped without the emulators (`marketdesk_testkit::aws`).

mod common;

use chrono::{Duration, Utc};
use common::orders::World;
use marketdesk_core::domain::order::OrderStatus;
use marketdesk_core::domain::{Actor, Role};
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::UncheckedCredentials;
use marketdesk_core::repo::integrations;
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::integrations::{IntegrationPatch, OrdersPatch, SettingsPatch};
use marketdesk_core::services::order_desk::{self, OrderQuery};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::{integrations as integration_service, poller};
use marketdesk_testkit::aws::{endpoints, pipeline_ports};
use serde_json::json;

async fn aws_world(login: &str, create_automatically: bool) -> Option<World> {
    let (dynamodb, moto) = endpoints()?;
    let ports = pipeline_ports(&dynamodb, &moto).await;
    Some(World::start_on(ports, None, login, create_automatically).await)
}

fn admin(world: &World) -> Caller {
    Caller {
        tenant_id: world.integration.tenant_id.clone(),
        role: Role::Admin,
        actor: Actor::ApiKey {
            id: "k1".into(),
            name: Some("test".into()),
        },
        session: None,
    }
}

#[tokio::test]
async fn on_aws_a_paid_order_becomes_one_order_with_its_nip_customer_survives_redelivery_and_is_listed(
) {
    let Some(w) = aws_world("sklep_aws_zamowienia", true).await else {
        println!("SKIPPED aws orders: emulators not configured");
        return;
    };
    w.poll().await; // connect: starts from the newest event
    let form_id = w
        .purchase(
            json!({ "invoice": { "company_name": "Firma sp. z o.o.", "nip": "5252674798",
            "street": "Prosta 1", "city": "Warszawa", "zip_code": "00-001" } }),
        )
        .await;
    w.act(&format!("/allegro/orders/{form_id}/pay"), json!({}))
        .await;
    w.poll().await;
    let order = w.order(&form_id).await.expect("an order within one poll");
    assert_eq!(order.status, OrderStatus::New);
    // Its buyer's customer card carries the NIP, on the order and in the CRM.
    let card = order.buyer_card.clone().expect("a customer card");
    assert_eq!(card.details.nip.as_deref(), Some("5252674798"));
    let customer = marketdesk_core::repo::customers::get(
        &*w.ports.store,
        &w.integration.tenant_id,
        &card.customer_id,
    )
    .await
    .expect("read")
    .expect("a CRM customer")
    .value;
    assert_eq!(
        customer.trade.and_then(|t| t.nip).as_deref(),
        Some("5252674798")
    );

    // Redelivery: a repeated event and the same poll job run twice more add nothing.
    w.act(
        &format!("/allegro/orders/{form_id}/events"),
        json!({ "type": "READY_FOR_PROCESSING" }),
    )
    .await;
    let job = PollJob::new(
        w.integration.tenant_id.clone(),
        w.integration.id.clone(),
        marketdesk_core::domain::Channel::AllegroOrders,
    );
    for _ in 0..2 {
        poller::run(&w.ports, &w.registry, &job)
            .await
            .expect("poll");
    }
    w.poll().await;
    assert_eq!(w.order(&form_id).await, Some(order.clone()));

    let page = order_desk::list(&w.ports, &admin(&w), &OrderQuery::default())
        .await
        .expect("listed");
    assert_eq!(page.orders, vec![order], "exactly one order, listed");
}

#[tokio::test]
async fn on_aws_an_inactive_account_fetches_no_orders_and_the_from_date_rules_hold() {
    let Some(w) = aws_world("sklep_aws_od_daty", true).await else {
        println!("SKIPPED aws orders: emulators not configured");
        return;
    };
    let before = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (tenant, id) = (&w.integration.tenant_id, &w.integration.id);
    let from_patch = |from| IntegrationPatch {
        settings: Some(SettingsPatch {
            orders: Some(OrdersPatch {
                from: Some(Some(from)),
                ..OrdersPatch::default()
            }),
            ..SettingsPatch::default()
        }),
        ..IntegrationPatch::default()
    };
    let too_early = integration_service::update(
        &w.ports,
        &UncheckedCredentials,
        tenant,
        None,
        id,
        from_patch(Utc::now() - Duration::days(61)),
    )
    .await;
    assert!(
        matches!(
            too_early,
            Err(RequestError::Rule {
                code: "orders_from_too_early",
                ..
            })
        ),
        "{too_early:?}"
    );
    integration_service::update(
        &w.ports,
        &UncheckedCredentials,
        tenant,
        None,
        id,
        from_patch(Utc::now()),
    )
    .await
    .expect("a start date on a new account");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    w.clear_calls().await;
    w.poll().await; // the first orders poll reads from the oldest kept event
    assert_eq!(w.order(&before).await, None, "paid before the date");
    assert!(w.order(&since).await.is_some(), "paid since the date");
    assert!(
        w.order_calls()
            .await
            .iter()
            .all(|c| !c.to_string().contains("/order/event-stats")),
        "a dated journal does not start at the newest event"
    );

    // An account added more than 7 days ago cannot set a start date.
    let stored = integrations::get(&*w.ports.store, tenant, id)
        .await
        .expect("read")
        .expect("stored");
    let mut old = stored.value;
    old.created_at = Utc::now() - Duration::days(8);
    integrations::update(&*w.ports.store, &old, stored.version)
        .await
        .expect("aged");
    let refused = integration_service::update(
        &w.ports,
        &UncheckedCredentials,
        tenant,
        None,
        id,
        from_patch(Utc::now() - Duration::days(1)),
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(RequestError::Rule {
                code: "orders_from_not_allowed",
                ..
            })
        ),
        "{refused:?}"
    );

    // Switched off: no order call reaches the simulator.
    let stored = integrations::get(&*w.ports.store, tenant, id)
        .await
        .expect("read")
        .expect("stored");
    let mut inactive = stored.value;
    inactive.active = false;
    integrations::update(&*w.ports.store, &inactive, stored.version)
        .await
        .expect("off");
    let unseen = w
        .purchase(json!({ "status": "READY_FOR_PROCESSING" }))
        .await;
    w.clear_calls().await;
    w.poll().await;
    assert!(
        w.order_calls().await.is_empty(),
        "an inactive account fetches no orders"
    );
    assert_eq!(w.order(&unseen).await, None);
}
