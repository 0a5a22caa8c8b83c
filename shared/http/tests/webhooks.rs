//! `/v1/webhooks`: admins manage endpoints; the secret is shown at creation and rotation
//! only; targets are checked; test pings are queued and show in the delivery log.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use serde_json::json;

#[tokio::test]
async fn admins_create_list_change_rotate_test_and_delete_endpoints() {
    let api = Api::with_state(allowing_private);
    let admin = api.key("shop", Role::Admin).await;
    let agent = api.key("shop", Role::Agent).await;
    let created = api
        .post(
            "/v1/webhooks",
            &admin,
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["ticket.created", "reply.failed"], "description": "CRM" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = created.body["id"].as_str().expect("id").to_owned();

    let listed = api.get("/v1/webhooks", &admin).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["webhooks"][0]["id"], id.as_str());
    assert!(!listed.body.to_string().contains(&secret), "never listed");
    let one = api.get(&format!("/v1/webhooks/{id}"), &admin).await;
    assert_eq!(
        one.body["events"],
        json!(["ticket.created", "reply.failed"])
    );
    assert!(one.body.get("secret").is_none());

    let patched = api
        .patch(
            &format!("/v1/webhooks/{id}"),
            &admin,
            json!({ "events": ["reply.sent"], "description": null, "active": false }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["events"], json!(["reply.sent"]));
    assert_eq!(patched.body["description"], json!(null));
    assert_eq!(patched.body["active"], false);

    let rotated = api
        .post(
            &format!("/v1/webhooks/{id}/rotate-secret"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.body["secret"].as_str().expect("secret");
    assert_ne!(new_secret, secret);
    assert!(rotated.body["previous_secret_until"].is_string());

    let tested = api
        .call(
            "POST",
            &format!("/v1/webhooks/{id}/test"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(tested.status, 202, "{}", tested.body);
    assert_eq!(tested.body["event"], "ping");
    assert_eq!(tested.body["state"], "pending");
    let deliveries = api
        .get(&format!("/v1/webhooks/{id}/deliveries?limit=10"), &admin)
        .await;
    assert_eq!(deliveries.status, 200, "{}", deliveries.body);
    assert_eq!(deliveries.body["deliveries"][0]["id"], tested.body["id"]);
    assert_eq!(deliveries.body["next_cursor"], json!(null));

    for path in [
        "/v1/webhooks".to_owned(),
        format!("/v1/webhooks/{id}"),
        format!("/v1/webhooks/{id}/deliveries"),
    ] {
        assert_eq!(api.get(&path, &agent).await.status, 403, "{path}");
    }
    let other = api.key("other", Role::Admin).await;
    assert_eq!(
        api.get(&format!("/v1/webhooks/{id}"), &other).await.status,
        404
    );

    assert_eq!(
        api.delete(&format!("/v1/webhooks/{id}"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(
        api.get(&format!("/v1/webhooks/{id}"), &admin).await.status,
        404
    );
    assert_eq!(
        api.call(
            "POST",
            &format!("/v1/webhooks/{id}/test"),
            Some(&admin),
            None
        )
        .await
        .status,
        404
    );

    let audit = api.get("/v1/audit?subject_type=webhook", &admin).await;
    let actions: Vec<_> = audit.body["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "webhook.deleted",
            "webhook.secret_rotated",
            "webhook.updated",
            "webhook.created"
        ]
    );
    assert!(!audit.body.to_string().contains("whsec_"));
}

#[tokio::test]
async fn targets_and_events_are_checked() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    for (body, field) in [
        (
            json!({ "url": "http://127.0.0.1/hook", "events": ["reply.sent"] }),
            "url",
        ),
        (
            json!({ "url": "http://[::1]:8080/", "events": ["reply.sent"] }),
            "url",
        ),
        (
            json!({ "url": "http://169.254.169.254/", "events": ["reply.sent"] }),
            "url",
        ),
        (
            json!({ "url": "file:///etc/passwd", "events": ["reply.sent"] }),
            "url",
        ),
        (
            json!({ "url": "https://a:b@example.com/", "events": ["reply.sent"] }),
            "url",
        ),
        (
            json!({ "url": "http://93.184.216.34/", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "http://93.184.216.34/", "events": ["ping"] }),
            "events",
        ),
        (
            json!({ "url": "http://93.184.216.34/", "events": ["ticket.exploded"] }),
            "events[0]",
        ),
        (
            json!({ "url": "http://93.184.216.34/", "events": ["reply.sent"], "secret": "mine" }),
            "secret",
        ),
        (
            json!({ "url": "http://93.184.216.34/", "events": ["reply.sent"], "description": " " }),
            "description",
        ),
    ] {
        let answer = api.post("/v1/webhooks", &admin, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.field(), field, "{body}");
    }
    assert_eq!(
        api.get("/v1/webhooks", &admin).await.body["webhooks"],
        json!([])
    );

    // A public address literal is accepted (no request is made when saving).
    for n in 0..10 {
        let answer = api
            .post(
                "/v1/webhooks",
                &admin,
                json!({ "url": format!("https://93.184.216.34/hook/{n}"), "events": ["reply.sent"] }),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    let eleventh = api
        .post(
            "/v1/webhooks",
            &admin,
            json!({ "url": "https://93.184.216.34/hook/x", "events": ["reply.sent"] }),
        )
        .await;
    assert_eq!(eleventh.status, 409);
    assert_eq!(eleventh.code(), "too_many_webhooks");
}
