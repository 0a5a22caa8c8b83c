//! The account event log through the API (issue 17 item 5): newest first with a cursor,
//! admins only, deactivation notices older than 30 days left out unless `all=true`; and
//! deleting an account refused while any of its offers is linked to a catalogue product.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use marketdesk_core::domain::account_event::{AccountEvent, AccountEventKind};
use marketdesk_core::domain::{IntegrationKind, Role};
use marketdesk_core::ports::{Condition, Item};
use marketdesk_core::repo::{account_events, integrations, keys};
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::{json, Value};

async fn store_event(
    api: &Api,
    integration: &str,
    id: &str,
    kind: AccountEventKind,
    at: DateTime<Utc>,
) {
    let event = AccountEvent {
        id: id.into(),
        tenant_id: "shop".into(),
        integration_id: integration.into(),
        at,
        kind,
        reason: Some(format!("reason of {id}")),
        alerted: false,
    };
    account_events::put(&*api.backend.ports.store, &event)
        .await
        .expect("stored");
}

fn ids(answer: &Answer) -> Vec<String> {
    answer.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_event_log_pages_newest_first_and_hides_old_deactivation_notices_by_default() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let agent = api.key("shop", Role::Agent).await;
    let integration = seed_connected_integration(
        &api.backend.ports,
        "shop",
        "acct-1",
        IntegrationKind::Allegro,
    )
    .await;
    let now = Utc::now();
    for (id, kind, at) in [
        ("e1", AccountEventKind::Connected, now - Duration::days(90)),
        ("e2", AccountEventKind::Blocked, now - Duration::days(31)),
        (
            "e3",
            AccountEventKind::Reauthenticated,
            now - Duration::days(29),
        ),
        (
            "e4",
            AccountEventKind::Disconnected,
            now - Duration::days(29),
        ),
        (
            "e5",
            AccountEventKind::OrderSyncFailed,
            now - Duration::hours(1),
        ),
    ] {
        store_event(&api, "acct-1", id, kind, at).await;
    }
    // Another account's entry is not in this log.
    seed_connected_integration(
        &api.backend.ports,
        "shop",
        "acct-2",
        IntegrationKind::Allegro,
    )
    .await;
    store_event(&api, "acct-2", "x1", AccountEventKind::Connected, now).await;

    let path = format!("/v1/integrations/{}/events", integration.id);
    let first = api.get(&format!("{path}?limit=2"), &admin).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(ids(&first), ["e5", "e4"]);
    assert_eq!(first.body["events"][0]["kind"], "order_sync_failed");
    assert_eq!(first.body["events"][1]["reason"], "reason of e4");
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    let second = api
        .get(&format!("{path}?limit=2&cursor={cursor}"), &admin)
        .await;
    assert_eq!(
        ids(&second),
        ["e3", "e1"],
        "the blocked notice of 31 days ago is hidden"
    );
    let rest = second.body["next_cursor"].as_str().map(str::to_owned);
    if let Some(cursor) = rest {
        let third = api
            .get(&format!("{path}?limit=2&cursor={cursor}"), &admin)
            .await;
        assert!(ids(&third).is_empty());
        assert_eq!(third.body["next_cursor"], Value::Null);
    }

    let all = api.get(&format!("{path}?all=true"), &admin).await;
    assert_eq!(
        ids(&all),
        ["e5", "e4", "e3", "e2", "e1"],
        "kept in the store"
    );

    assert_eq!(api.get(&path, &agent).await.status, 403, "admins only");
    let other_tenant = api.key("other", Role::Admin).await;
    assert_eq!(api.get(&path, &other_tenant).await.status, 404);
    assert_eq!(
        api.get("/v1/integrations/nope/events", &admin).await.status,
        404
    );
    let bad = api.get(&format!("{path}?limit=0"), &admin).await;
    assert_eq!((bad.status.as_u16(), bad.field()), (422, "limit"));
    let bad = api.get(&format!("{path}?all=maybe"), &admin).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn an_account_with_offers_linked_to_the_catalogue_cannot_be_deleted() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let integration = seed_connected_integration(
        &api.backend.ports,
        "shop",
        "acct-1",
        IntegrationKind::Allegro,
    )
    .await;
    let store = &*api.backend.ports.store;
    let link = keys::offer_link(&"shop".into(), &integration.id, "7788990011");
    store
        .put(
            Item::new(
                link.clone(),
                json!({ "offer_id": "7788990011", "product_id": "p-1" }),
            ),
            Condition::NotExists,
        )
        .await
        .expect("a link stored");
    // The link holds back its own account only (`acct-10` starts with `acct-1`).
    seed_connected_integration(
        &api.backend.ports,
        "shop",
        "acct-10",
        IntegrationKind::Allegro,
    )
    .await;

    let path = format!("/v1/integrations/{}", integration.id);
    let refused = api.delete(&path, &admin).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.code(), "integration_has_linked_offers");
    assert!(
        integrations::get(store, &"shop".into(), &integration.id)
            .await
            .expect("read")
            .is_some(),
        "nothing deleted"
    );
    assert_eq!(
        api.delete("/v1/integrations/acct-10", &admin).await.status,
        204
    );

    store
        .delete(&link, Condition::Exists)
        .await
        .expect("link removed");
    assert_eq!(api.delete(&path, &admin).await.status, 204);
}
