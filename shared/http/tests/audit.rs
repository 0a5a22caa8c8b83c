//! `GET /v1/audit`: admins read who changed what; agents may not; filters are checked.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use serde_json::json;

#[tokio::test]
async fn admins_read_the_changes_made_through_the_api_with_their_key_as_actor() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let created = api
        .post(
            "/v1/api-keys",
            &admin,
            json!({ "role": "agent", "name": "bot" }),
        )
        .await;
    assert_eq!(created.status, 201);
    let agent = created.body["key"].as_str().expect("key").to_owned();
    let integration = api
        .post(
            "/v1/integrations",
            &admin,
            json!({ "kind": "allegro", "display_name": "Sklep" }),
        )
        .await;
    assert_eq!(integration.status, 201);
    let id = integration.body["id"].as_str().expect("id").to_owned();
    let patched = api
        .patch(
            &format!("/v1/integrations/{id}"),
            &admin,
            json!({ "display_name": "Sklep 2" }),
        )
        .await;
    assert_eq!(patched.status, 200);

    let log = api.get("/v1/audit", &admin).await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries = log.body["entries"].as_array().expect("entries");
    let actions: Vec<_> = entries
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "integration.updated",
            "integration.created",
            "api_key.created",
            "api_key.created"
        ]
    );
    assert_eq!(
        entries[3]["actor"],
        json!(null),
        "the first key came from the command line"
    );
    assert_eq!(entries[0]["actor"]["kind"], "api_key");
    assert_eq!(entries[0]["actor"]["name"], "shop Admin");
    assert_eq!(entries[0]["before"]["display_name"], "Sklep");
    assert_eq!(entries[0]["after"]["display_name"], "Sklep 2");
    assert!(!log.body.to_string().contains(&agent), "never the key");

    let one = api
        .get(
            &format!("/v1/audit?subject_type=integration&subject_id={id}&action=integration.*"),
            &admin,
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["entries"].as_array().expect("entries").len(), 2);

    assert_eq!(api.get("/v1/audit", &agent).await.status, 403);
    let other = api.key("other", Role::Admin).await;
    let theirs = api.get("/v1/audit", &other).await;
    let theirs = theirs.body["entries"].as_array().expect("entries");
    assert_eq!(theirs.len(), 1, "one tenant's log only: {theirs:?}");
    assert_eq!(theirs[0]["subject"]["kind"], "api_key");
}

#[tokio::test]
async fn bad_filters_name_the_field() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    for (path, field) in [
        ("/v1/audit?subject_id=abc", "subject_id"),
        ("/v1/audit?subject_type=planet", "subject_type"),
        ("/v1/audit?action=Bad%20Action", "action"),
        (
            "/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "from",
        ),
        ("/v1/audit?from=yesterday", "from"),
        ("/v1/audit?limit=0", "limit"),
        ("/v1/audit?cursor=nonsense", "cursor"),
    ] {
        let answer = api.get(path, &admin).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.body);
        assert_eq!(answer.field(), field, "{path}");
    }
}
