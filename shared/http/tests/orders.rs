//! Orders (issue 17) through the API: the integration's order settings and the from-date rule,
//! the order list and detail, the paid forms waiting for an agent, and an agent creating an
//! order from one.

mod common;

use chrono::{Duration, Utc};
use common::*;
use marketdesk_core::domain::{Environment, Integration, IntegrationKind, Role};
use marketdesk_core::repo::integrations;
use serde_json::{json, Value};

/// An Allegro integration of `tenant` added `days_ago` days ago; its id.
async fn allegro_added(api: &Api, tenant: &str, id: &str, days_ago: i64) -> String {
    let integration = Integration::new(
        id.into(),
        tenant.into(),
        IntegrationKind::Allegro,
        "sklep",
        Environment::Sandbox,
        Utc::now() - Duration::days(days_ago),
    );
    integrations::create(&*api.backend.ports.store, &integration)
        .await
        .expect("stored");
    id.to_owned()
}

fn orders_patch(orders: Value) -> Value {
    json!({ "settings": { "orders": orders } })
}

#[tokio::test]
async fn order_settings_are_patched_merged_and_only_for_allegro() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let id = allegro_added(&api, "shop", "allegro-1", 0).await;
    let path = format!("/v1/integrations/{id}");

    let on = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "enabled": true, "create_automatically": true })),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.body);
    assert_eq!(on.body["settings"]["orders"]["enabled"], true);
    assert_eq!(on.body["settings"]["orders"]["create_automatically"], true);

    let manual = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "create_automatically": false })),
        )
        .await;
    assert_eq!(manual.status, 200, "{}", manual.body);
    assert_eq!(
        manual.body["settings"]["orders"]["enabled"], true,
        "absent keeps"
    );
    assert_eq!(
        manual.body["settings"]["orders"]["create_automatically"],
        false
    );
    let stored = integrations::get(
        &*api.backend.ports.store,
        &"shop".into(),
        &id.as_str().into(),
    )
    .await
    .expect("read")
    .expect("stored");
    assert!(stored.value.settings.orders.enabled);
    assert!(!stored.value.settings.orders.create_automatically);

    let unknown = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "enabled": true, "auto": 1 })),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.field(), "settings.orders.auto");

    let agent = api.key("shop", Role::Agent).await;
    let refused = api
        .patch(&path, &agent, orders_patch(json!({ "enabled": false })))
        .await;
    assert_eq!(refused.status, 403, "admins only");

    let empik = api.post("/v1/integrations", &admin, empik_body()).await;
    let empik_id = empik.body["id"].as_str().expect("id");
    let refused = api
        .patch(
            &format!("/v1/integrations/{empik_id}"),
            &admin,
            orders_patch(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.field(), "settings.orders");
    assert_eq!(refused.code(), "validation_failed");
}

#[tokio::test]
async fn a_from_date_is_accepted_only_for_new_accounts_within_the_journal() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let new = allegro_added(&api, "shop", "allegro-new", 2).await;
    let path = format!("/v1/integrations/{new}");
    let at = |days: i64| (Utc::now() - Duration::days(days)).to_rfc3339();

    for (from, code) in [
        (at(61), "orders_from_too_early"),
        (
            (Utc::now() + Duration::hours(1)).to_rfc3339(),
            "orders_from_in_future",
        ),
    ] {
        let refused = api
            .patch(&path, &admin, orders_patch(json!({ "from": from })))
            .await;
        assert_eq!(refused.status, 422, "{from}: {}", refused.body);
        assert_eq!(refused.code(), code);
        assert_eq!(refused.field(), "settings.orders.from");
        let stored = api.get(&path, &admin).await;
        assert!(
            stored.body["settings"]["orders"].get("from").is_none(),
            "nothing changed"
        );
    }

    let from = at(30);
    let accepted = api
        .patch(
            &path,
            &admin,
            orders_patch(json!({ "enabled": true, "from": from })),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let stored = integrations::get(
        &*api.backend.ports.store,
        &"shop".into(),
        &new.as_str().into(),
    )
    .await
    .expect("read")
    .expect("stored");
    assert_eq!(
        stored.value.settings.orders.from.map(|t| t.timestamp()),
        chrono::DateTime::parse_from_rfc3339(&from)
            .ok()
            .map(|t| t.timestamp())
    );
    let cleared = api
        .patch(&path, &admin, orders_patch(json!({ "from": null })))
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert!(cleared.body["settings"]["orders"].get("from").is_none());

    let old = allegro_added(&api, "shop", "allegro-old", 8).await;
    let refused = api
        .patch(
            &format!("/v1/integrations/{old}"),
            &admin,
            orders_patch(json!({ "from": at(1) })),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.code(), "orders_from_not_allowed");
    let still = api
        .patch(
            &format!("/v1/integrations/{old}"),
            &admin,
            orders_patch(json!({ "enabled": true })),
        )
        .await;
    assert_eq!(
        still.status, 200,
        "other order settings stay possible: {}",
        still.body
    );
}
