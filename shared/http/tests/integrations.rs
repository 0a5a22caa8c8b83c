//! `/v1/integrations`: create, list, get, update, delete; validation naming the field;
//! credentials write-only; the credential check hook.

mod common;

use async_trait::async_trait;
use common::*;
use marketdesk_core::domain::{ConnectionState, Environment, Marketplace, Role};
use marketdesk_core::ports::{
    CredentialCheck, CredentialCheckError, CredentialVerdict, SecretName,
};
use marketdesk_core::repo::integrations;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::sync::Arc;

const KEY_TEXT: &str = "mirakl-secret-key-123";

async fn stored_api_key(api: &Api, tenant: &str, id: &str) -> Option<String> {
    let name = SecretName::new(format!("integrations/{tenant}/{id}/api-key")).expect("name");
    api.backend
        .ports
        .secrets
        .get(&name)
        .await
        .expect("secrets answer")
        .map(|s| s.expose_secret().to_owned())
}

#[tokio::test]
async fn an_empikplace_account_is_created_with_its_settings_and_a_write_only_key() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let created = api.post("/v1/integrations", &admin, empik_body()).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let body = &created.body;
    assert_eq!(body["kind"], "empikplace");
    assert_eq!(body["display_name"], "Empik shop");
    assert_eq!(body["environment"], "sandbox");
    assert_eq!(body["active"], true);
    assert_eq!(
        body["connection"],
        json!({ "state": "pending" }),
        "nothing verified the key yet"
    );
    let settings = &body["settings"];
    assert_eq!(settings["crm_field"], "Empik ID");
    assert_eq!(settings["ticket_queue"], "Empik");
    assert_eq!(settings["ticket_category"], "Marketplace");
    assert_eq!(settings["status_mapping"]["resolved"], "solved");
    assert_eq!(settings["status_mapping"]["open"], "open", "defaults stay");
    assert_eq!(settings["closure_message"], "Is everything fine now?");
    assert_eq!(settings["autoresponder"]["delay_minutes"], 5);
    assert_eq!(
        settings["autoresponder"]["notify"],
        json!(["ops@example.com"])
    );
    assert!(
        !body.to_string().contains(KEY_TEXT),
        "the key is never returned"
    );
    assert!(body.get("api_key").is_none());

    let id = body["id"].as_str().expect("id");
    assert_eq!(
        stored_api_key(&api, "shop", id).await.as_deref(),
        Some(KEY_TEXT),
        "the key is in the secrets store"
    );

    let listed = api.get("/v1/integrations", &admin).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["integrations"][0]["id"], body["id"]);
    let fetched = api.get(&format!("/v1/integrations/{id}"), &admin).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(&fetched.body, body);
    assert!(!listed.body.to_string().contains(KEY_TEXT));
}

#[tokio::test]
async fn an_allegro_account_gets_defaults_and_waits_for_oauth() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let created = api
        .post(
            "/v1/integrations",
            &admin,
            json!({ "kind": "allegro", "display_name": " My Allegro " }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["display_name"], "My Allegro");
    assert_eq!(created.body["environment"], "production");
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["settings"]["crm_field"], "Allegro login");
    assert_eq!(created.body["connection"]["state"], "pending");
    assert_eq!(created.body["settings"]["autoresponder"]["enabled"], false);
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let with = |pointer: &str, value: Value| {
        let mut body = empik_body();
        let (parent, key) = pointer.rsplit_once('/').expect("pointer");
        let target = if parent.is_empty() {
            &mut body
        } else {
            body.pointer_mut(parent).expect("parent exists")
        };
        target[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = empik_body();
        body.as_object_mut().expect("object").remove(key);
        body
    };
    let cases = [
        (
            with("/settings/autoresponder/delay_minutes", json!(56)),
            "settings.autoresponder.delay_minutes",
        ),
        (
            with("/settings/autoresponder/delay_minutes", json!(-1)),
            "settings.autoresponder.delay_minutes",
        ),
        (
            with("/settings/autoresponder/delay_minutes", json!("5")),
            "settings.autoresponder.delay_minutes",
        ),
        (
            with("/settings/autoresponder/text", json!("")),
            "settings.autoresponder.text",
        ),
        (
            with("/settings/autoresponder/text", json!("<b>Hi</b>")),
            "settings.autoresponder.text",
        ),
        (
            with("/settings/autoresponder/text", json!("x".repeat(2001))),
            "settings.autoresponder.text",
        ),
        (
            with("/settings/autoresponder/notify", json!(["not-an-address"])),
            "settings.autoresponder.notify[0]",
        ),
        (
            with(
                "/settings/autoresponder/notify",
                json!(["a@example.com", "b@"]),
            ),
            "settings.autoresponder.notify[1]",
        ),
        (
            with("/settings/autoresponder/colour", json!("red")),
            "settings.autoresponder.colour",
        ),
        (
            with("/settings/status_mapping/resolved", json!("happy")),
            "settings.status_mapping.resolved",
        ),
        (
            with("/settings/status_mapping/refunded", json!("solved")),
            "settings.status_mapping.refunded",
        ),
        (
            with(
                "/settings/closure_message",
                json!("<script>alert(1)</script>"),
            ),
            "settings.closure_message",
        ),
        (
            with("/settings/ticket_queue", json!("")),
            "settings.ticket_queue",
        ),
        (
            with("/settings/ticket_category", json!("a\nb")),
            "settings.ticket_category",
        ),
        (
            with("/settings/crm_field", json!("x".repeat(101))),
            "settings.crm_field",
        ),
        (
            with("/settings/alert_emails", json!(["nobody"])),
            "settings.alert_emails[0]",
        ),
        (with("/settings/extra", json!(1)), "settings.extra"),
        (with("/settings/shop_id", json!(0)), "settings.shop_id"),
        (with("/settings/shop_id", json!("2001")), "settings.shop_id"),
        (
            json!({ "kind": "allegro", "display_name": "A", "settings": { "shop_id": 5 } }),
            "settings.shop_id",
        ),
        (with("/display_name", json!("")), "display_name"),
        (
            with("/display_name", json!("x".repeat(101))),
            "display_name",
        ),
        (with("/kind", json!("ebay")), "kind"),
        (with("/environment", json!("staging")), "environment"),
        (with("/active", json!("yes")), "active"),
        (with("/api_key", json!("")), "api_key"),
        (with("/api_key", json!("has space")), "api_key"),
        (with("/api_key", json!(12)), "api_key"),
        (with("/colour", json!("red")), "colour"),
        (without("display_name"), "display_name"),
        (without("kind"), "kind"),
        (without("api_key"), "api_key"),
        (
            json!({ "kind": "allegro", "display_name": "A", "api_key": "k" }),
            "api_key",
        ),
    ];
    for (body, field) in cases {
        let answer = api.post("/v1/integrations", &admin, body.clone()).await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.body);
        assert_eq!(answer.code(), "validation_failed");
        assert_eq!(answer.field(), field, "{}", answer.body);
        assert!(answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert!(!answer.body.to_string().contains(KEY_TEXT));
    }
    assert_eq!(
        api.get("/v1/integrations", &admin).await.body["integrations"],
        json!([]),
        "nothing invalid was stored"
    );
}

#[tokio::test]
async fn bodies_must_be_json_within_the_limit() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let send = |content_type: Option<&'static str>, body: Vec<u8>| {
        let mut request = axum::http::Request::post("/v1/integrations")
            .header("authorization", format!("Bearer {admin}"));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.body(axum::body::Body::from(body)).expect("request")
    };
    let valid = empik_body().to_string().into_bytes();
    let answer = api.send(send(None, valid.clone())).await;
    assert_eq!(answer.status, 415);
    assert_eq!(answer.code(), "unsupported_media_type");
    let answer = api.send(send(Some("text/plain"), valid.clone())).await;
    assert_eq!(answer.status, 415);
    for broken in [&b"{"[..], b"", b"{\"kind\": }", b"{} {}", b"[1,2"] {
        let answer = api
            .send(send(Some("application/json"), broken.to_vec()))
            .await;
        assert_eq!(answer.status, 400, "{:?}", String::from_utf8_lossy(broken));
        assert_eq!(answer.code(), "invalid_json");
    }
    let answer = api
        .send(send(Some("application/json"), b"[]".to_vec()))
        .await;
    assert_eq!(answer.status, 422, "valid JSON of the wrong shape");
    assert_eq!(answer.code(), "body_not_object");
    let huge = vec![b' '; marketdesk_http::BODY_LIMIT_BYTES + 1];
    let answer = api.send(send(Some("application/json"), huge)).await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.code(), "payload_too_large");
    let answer = api
        .send(send(Some("application/json; charset=utf-8"), valid))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn patch_renames_switches_and_merges_settings() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let created = api.post("/v1/integrations", &admin, empik_body()).await;
    let id = created.body["id"].as_str().expect("id").to_owned();
    let path = format!("/v1/integrations/{id}");
    let enabled_at = created.body["enabled_at"].clone();

    let renamed = api
        .patch(&path, &admin, json!({ "display_name": "Empik PL" }))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.body["display_name"], "Empik PL");
    assert_eq!(renamed.body["settings"], created.body["settings"]);

    let off = api.patch(&path, &admin, json!({ "active": false })).await;
    assert_eq!(off.body["active"], false);
    assert_eq!(
        off.body["enabled_at"], enabled_at,
        "switching off keeps the window"
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let on = api.patch(&path, &admin, json!({ "active": true })).await;
    assert_eq!(on.body["active"], true);
    assert_ne!(
        on.body["enabled_at"], enabled_at,
        "switching on restarts the window"
    );
    let again = api.patch(&path, &admin, json!({ "active": true })).await;
    assert_eq!(
        again.body["enabled_at"], on.body["enabled_at"],
        "already on: unchanged"
    );

    let patched = api
        .patch(
            &path,
            &admin,
            json!({ "settings": {
                "ticket_queue": null,
                "shop_id": 2001,
                "status_mapping": { "claim_rejected": "pending" },
                "autoresponder": { "delay_minutes": 55 }
            } }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let settings = &patched.body["settings"];
    assert_eq!(settings["ticket_queue"], Value::Null, "null clears");
    assert_eq!(settings["ticket_category"], "Marketplace", "absent keeps");
    assert_eq!(settings["status_mapping"]["claim_rejected"], "pending");
    assert_eq!(settings["status_mapping"]["resolved"], "solved");
    assert_eq!(settings["autoresponder"]["delay_minutes"], 55);
    assert_eq!(settings["shop_id"], 2001);
    assert_eq!(
        settings["autoresponder"]["text"],
        "Thanks, we answer within a day."
    );

    let persisted = api.get(&path, &admin).await;
    assert_eq!(persisted.body, patched.body);

    let unchanged = api.patch(&path, &admin, json!({})).await;
    assert_eq!(unchanged.status, 200);
    assert_eq!(unchanged.body, patched.body);

    for (body, field) in [
        (json!({ "environment": "production" }), "environment"),
        (json!({ "kind": "allegro" }), "kind"),
        (
            json!({ "settings": { "autoresponder": { "delay_minutes": 60 } } }),
            "settings.autoresponder.delay_minutes",
        ),
        (
            json!({ "settings": { "autoresponder": { "enabled": true, "text": " " } } }),
            "settings.autoresponder.text",
        ),
        (json!({ "display_name": "" }), "display_name"),
        (json!({ "active": null, "bogus": 1 }), "bogus"),
    ] {
        let answer = api.patch(&path, &admin, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}");
        assert_eq!(answer.field(), field, "{}", answer.body);
    }
    assert_eq!(
        api.get(&path, &admin).await.body,
        patched.body,
        "refused patches change nothing"
    );
    let missing = api
        .patch("/v1/integrations/nope", &admin, json!({ "active": false }))
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn a_new_api_key_replaces_the_stored_one_and_allegro_takes_none() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let empik = api.post("/v1/integrations", &admin, empik_body()).await;
    let empik_id = empik.body["id"].as_str().expect("id").to_owned();
    let answer = api
        .patch(
            &format!("/v1/integrations/{empik_id}"),
            &admin,
            json!({ "api_key": "rotated-key-456" }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(!answer.body.to_string().contains("rotated-key-456"));
    assert_eq!(
        stored_api_key(&api, "shop", &empik_id).await.as_deref(),
        Some("rotated-key-456")
    );

    let allegro = api
        .post(
            "/v1/integrations",
            &admin,
            json!({ "kind": "allegro", "display_name": "A" }),
        )
        .await;
    let allegro_id = allegro.body["id"].as_str().expect("id");
    let answer = api
        .patch(
            &format!("/v1/integrations/{allegro_id}"),
            &admin,
            json!({ "api_key": "whatever" }),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.field(), "api_key");
}

#[tokio::test]
async fn delete_removes_the_integration_and_its_secret_but_keeps_tickets() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let created = api.post("/v1/integrations", &admin, empik_body()).await;
    let id = created.body["id"].as_str().expect("id").to_owned();
    let kept = ticket("shop", &id, "E-1", 3);
    store_ticket(&api, &kept).await;

    let path = format!("/v1/integrations/{id}");
    let answer = api.delete(&path, &admin).await;
    assert_eq!(answer.status, 204);
    assert_eq!(answer.body, Value::Null);
    assert_eq!(api.get(&path, &admin).await.status, 404);
    assert_eq!(stored_api_key(&api, "shop", &id).await, None);
    assert_eq!(api.delete(&path, &admin).await.status, 404);
    let tickets = api.get("/v1/tickets", &admin).await;
    assert_eq!(tickets.body["tickets"][0]["id"], json!(kept.id));
}

#[tokio::test]
async fn connection_state_shows_why_an_account_is_disconnected() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let mut integration = marketdesk_core::domain::Integration::new(
        "int-1".into(),
        "shop".into(),
        Marketplace::Allegro,
        "Old account",
        Environment::Production,
        chrono::Utc::now(),
    );
    integration.connection = ConnectionState::Disconnected {
        reason: "invalid_grant: the seller revoked access".into(),
        since: chrono::Utc::now(),
    };
    integrations::create(&*api.backend.ports.store, &integration)
        .await
        .expect("stored");
    let answer = api.get("/v1/integrations/int-1", &admin).await;
    assert_eq!(answer.body["connection"]["state"], "disconnected");
    assert_eq!(
        answer.body["connection"]["reason"],
        "invalid_grant: the seller revoked access"
    );
    assert!(answer.body["connection"]["since"].is_string());
}

/// A check that answers what it was built with and records the keys it saw.
struct FixedCheck(Result<CredentialVerdict, CredentialCheckError>);

#[async_trait]
impl CredentialCheck for FixedCheck {
    async fn check_api_key(
        &self,
        kind: Marketplace,
        environment: Environment,
        api_key: &SecretString,
    ) -> Result<CredentialVerdict, CredentialCheckError> {
        assert_eq!(kind, Marketplace::Empik);
        assert_eq!(environment, Environment::Sandbox);
        assert_eq!(api_key.expose_secret(), KEY_TEXT);
        self.0.clone()
    }
}

fn api_with_check(result: Result<CredentialVerdict, CredentialCheckError>) -> Api {
    Api::with_state(|state| state.with_credential_check(Arc::new(FixedCheck(result))))
}

#[tokio::test]
async fn a_key_the_marketplace_accepts_connects_the_account() {
    let api = api_with_check(Ok(CredentialVerdict::Valid {
        account_name: Some("Księgarnia Pod Lipą".into()),
    }));
    let admin = api.key("shop", Role::Admin).await;
    let created = api.post("/v1/integrations", &admin, empik_body()).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["connection"]["state"], "connected");
    assert_eq!(
        created.body["display_name"], "Księgarnia Pod Lipą",
        "the shop's name names the account"
    );
    let id = created.body["id"].as_str().expect("id");
    let renamed = api
        .patch(
            &format!("/v1/integrations/{id}"),
            &admin,
            serde_json::json!({ "display_name": "Empik — książki" }),
        )
        .await;
    assert_eq!(
        renamed.body["display_name"], "Empik — książki",
        "admins may rename it"
    );
}

#[tokio::test]
async fn a_key_the_marketplace_refuses_is_not_stored() {
    let api = api_with_check(Ok(CredentialVerdict::Invalid {
        reason: "401 Unauthorized from A01".into(),
    }));
    let admin = api.key("shop", Role::Admin).await;
    let answer = api.post("/v1/integrations", &admin, empik_body()).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.field(), "api_key");
    assert!(answer.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("401 Unauthorized from A01")));
    assert_eq!(
        api.get("/v1/integrations", &admin).await.body["integrations"],
        json!([])
    );
}

#[tokio::test]
async fn an_unreachable_marketplace_stores_nothing_and_says_try_again() {
    let api = api_with_check(Err(CredentialCheckError::Unavailable(
        "connection reset by mirakl-internal.example".into(),
    )));
    let admin = api.key("shop", Role::Admin).await;
    let answer = api.post("/v1/integrations", &admin, empik_body()).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.code(), "unavailable");
    assert!(!answer.body.to_string().contains("mirakl-internal"));
    assert_eq!(
        api.get("/v1/integrations", &admin).await.body["integrations"],
        json!([])
    );
}
