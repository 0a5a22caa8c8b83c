//! Request bodies are JSON objects with unique keys: arrays, scalars and `null` at the top
//! level, arrays where an object belongs, and repeated keys are refused and change nothing.

mod common;

use common::*;
use marketdesk_core::domain::{IntegrationKind, Role};
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::json;

/// An API whose t1 has an Allegro integration `int-1` with one open dispute ticket, and an
/// admin key.
async fn api_with_ticket() -> (Api, String, String) {
    let api = Api::new();
    let key = api.key("t1", Role::Admin).await;
    seed_connected_integration(&api.backend.ports, "t1", "int-1", IntegrationKind::Allegro).await;
    let ticket = ticket("t1", "int-1", "d-1", 5);
    store_ticket(&api, &ticket).await;
    (api, key, ticket.id.to_string())
}

async fn queued(api: &Api) -> usize {
    api.backend
        .ports
        .queues
        .outbound
        .receive(10, std::time::Duration::from_secs(30))
        .await
        .expect("receive")
        .len()
}

#[tokio::test]
async fn a_reply_sent_as_an_array_is_refused_and_nothing_is_posted() {
    let (api, key, ticket) = api_with_ticket().await;
    let path = format!("/v1/tickets/{ticket}/replies");
    for text in [
        r#"["Dzień dobry"]"#,
        r#"["Dzień dobry", null, false]"#,
        r#""Dzień dobry""#,
        "null",
        "42",
        "true",
    ] {
        let answer = api.send_text("POST", &path, &key, text).await;
        assert_eq!(answer.status, 422, "{text}: {}", answer.body);
        assert_eq!(answer.code(), "body_not_object", "{text}");
    }
    assert_eq!(
        queued(&api).await,
        0,
        "nothing was queued for the marketplace"
    );
    let detail = api.get(&format!("/v1/tickets/{ticket}"), &key).await;
    assert_eq!(detail.body["messages"], json!([]));
}

#[tokio::test]
async fn an_integration_patch_sent_as_an_array_changes_nothing() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let created = api.post("/v1/integrations", &admin, empik_body()).await;
    let path = format!(
        "/v1/integrations/{}",
        created.body["id"].as_str().expect("id")
    );
    for text in ["[null,null]", "[]", r#"["Renamed", false]"#] {
        let answer = api.send_text("PATCH", &path, &admin, text).await;
        assert_eq!(answer.status, 422, "{text}: {}", answer.body);
        assert_eq!(answer.code(), "body_not_object", "{text}");
    }
    // Where an object belongs inside a body, an array is refused too, naming the field.
    for (text, field) in [
        (r#"{"settings":[null,null]}"#, "settings"),
        (
            r#"{"settings":{"autoresponder":[true]}}"#,
            "settings.autoresponder",
        ),
        (
            r#"{"settings":{"status_mapping":["open"]}}"#,
            "settings.status_mapping",
        ),
    ] {
        let answer = api.send_text("PATCH", &path, &admin, text).await;
        assert_eq!(answer.status, 422, "{text}: {}", answer.body);
        assert_eq!(answer.code(), "validation_failed", "{text}");
        assert_eq!(answer.field(), field, "{text}");
    }
    let after = api.get(&path, &admin).await;
    assert_eq!(after.body, created.body, "the integration is unchanged");
}

#[tokio::test]
async fn duplicate_keys_are_refused_naming_the_key() {
    let (api, key, ticket) = api_with_ticket().await;
    let comments = format!("/v1/tickets/{ticket}/comments");
    let answer = api
        .send_text(
            "POST",
            &comments,
            &key,
            r#"{"text":"harmless","text":"<script>x</script>"}"#,
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.code(), "duplicate_key");
    assert_eq!(answer.field(), "text");

    let created = api.post("/v1/integrations", &key, empik_body()).await;
    let path = format!(
        "/v1/integrations/{}",
        created.body["id"].as_str().expect("id")
    );
    for (text, field) in [
        (r#"{"active":true,"active":false}"#, "active"),
        (
            r#"{"settings":{"autoresponder":{"delay_minutes":5,"delay_minutes":500}}}"#,
            "settings.autoresponder.delay_minutes",
        ),
        (
            r#"{"settings":{"alert_emails":[{"a":1,"a":2}]}}"#,
            "settings.alert_emails[0].a",
        ),
    ] {
        let answer = api.send_text("PATCH", &path, &key, text).await;
        assert_eq!(answer.status, 400, "{text}: {}", answer.body);
        assert_eq!(answer.code(), "duplicate_key", "{text}");
        assert_eq!(answer.field(), field, "{text}");
    }
    let after = api.get(&path, &key).await;
    assert_eq!(after.body, created.body, "the integration is unchanged");

    // The same keys in different objects are fine.
    let answer = api
        .send_text(
            "PATCH",
            &path,
            &key,
            r#"{"settings":{"autoresponder":{"text":"Hi"},"closure_message":"Bye"},"display_name":"Shop"}"#,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = api
        .send_text("POST", &comments, &key, r#"{"text":"a \"text\": note"}"#)
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}
