//! `/v1/api-keys`: created and shown once, listed without secrets, revoked; stored hashed.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use serde_json::json;

/// Every byte the backend wrote to disk (database, WAL, secrets), as text.
fn everything_on_disk(api: &Api) -> String {
    let mut all = Vec::new();
    let mut stack = vec![api.backend.dir.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                all.extend(bytes);
            }
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn an_admin_creates_lists_and_revokes_keys() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;

    let created = api
        .post(
            "/v1/api-keys",
            &admin,
            json!({ "role": "agent", "name": "  Helpdesk  " }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let key = created.body["key"]
        .as_str()
        .expect("the key is shown")
        .to_owned();
    assert!(key.starts_with("mdk_") && key.len() == 47, "{key}");
    assert_eq!(created.body["role"], "agent");
    assert_eq!(created.body["name"], "Helpdesk");
    assert_eq!(created.body["tenant_id"], "shop");
    assert!(key.starts_with(
        created.body["hint"]
            .as_str()
            .expect("hint")
            .trim_end_matches('…')
    ));

    // The new key works, as an agent.
    assert_eq!(api.get("/v1/tickets", &key).await.status, 200);
    assert_eq!(api.get("/v1/api-keys", &key).await.status, 403);

    let listed = api.get("/v1/api-keys", &admin).await;
    assert_eq!(listed.status, 200);
    let keys = listed.body["api_keys"].as_array().expect("list");
    assert_eq!(keys.len(), 2);
    let text = listed.body.to_string();
    assert!(!text.contains(&key[4..]), "no secret in the list");
    assert!(!text.contains("hash"), "no hash in the list either");
    assert!(keys.iter().all(|k| k.get("key").is_none()));

    let id = created.body["id"].as_str().expect("id");
    assert_eq!(
        api.delete(&format!("/v1/api-keys/{id}"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(api.get("/v1/tickets", &key).await.status, 401);
    let again = api.delete(&format!("/v1/api-keys/{id}"), &admin).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.code(), "not_found");
    assert_eq!(
        api.get("/v1/api-keys", &admin).await.body["api_keys"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn keys_are_never_stored_in_clear() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let created = api
        .post("/v1/api-keys", &admin, json!({ "role": "admin" }))
        .await;
    let key = created.body["key"].as_str().expect("key").to_owned();
    let disk = everything_on_disk(&api);
    assert!(!disk.is_empty());
    for secret in [&admin, &key] {
        assert!(!disk.contains(&secret[4..]), "a key is on disk in clear");
    }
    assert!(
        disk.contains(&marketdesk_core::services::api_keys::hash_key(&key)),
        "its SHA-256 is what is stored"
    );
}

#[tokio::test]
async fn key_requests_are_validated() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    for (body, field) in [
        (json!({ "role": "boss" }), "role"),
        (json!({}), "role"),
        (json!({ "role": "agent", "name": "x".repeat(101) }), "name"),
        (json!({ "role": "agent", "name": "  " }), "name"),
        (json!({ "role": "agent", "tenant": "other" }), "tenant"),
        (json!({ "role": "agent", "name": 5 }), "name"),
    ] {
        let answer = api.post("/v1/api-keys", &admin, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}");
        assert_eq!(answer.code(), "validation_failed");
        assert_eq!(answer.field(), field, "{body}: {}", answer.body);
    }
}

#[tokio::test]
async fn created_keys_belong_to_the_creators_tenant() {
    let api = Api::new();
    let a = api.key("tenant-a", Role::Admin).await;
    let created = api
        .post("/v1/api-keys", &a, json!({ "role": "admin" }))
        .await;
    let new_key = created.body["key"].as_str().expect("key").to_owned();
    api.post(
        "/v1/integrations",
        &a,
        json!({ "kind": "allegro", "display_name": "A" }),
    )
    .await;
    let seen = api.get("/v1/integrations", &new_key).await;
    assert_eq!(seen.body["integrations"].as_array().map(Vec::len), Some(1));
}

/// The ids of the tenant's admin keys, as listed.
async fn admin_key_ids(api: &Api, key: &str) -> Vec<String> {
    let listed = api.get("/v1/api-keys", key).await;
    listed.body["api_keys"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|k| k["role"] == "admin")
        .map(|k| k["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_last_admin_key_of_a_tenant_cannot_be_revoked() {
    let api = Api::new();
    let first = api.key("shop", Role::Admin).await;
    let _agent = api.key("shop", Role::Agent).await;
    let _elsewhere = api.key("other", Role::Admin).await;
    let first_id = admin_key_ids(&api, &first).await.remove(0);

    // Revoking itself would leave the tenant without an admin (agent keys and other
    // tenants' admins do not count).
    let answer = api
        .delete(&format!("/v1/api-keys/{first_id}"), &first)
        .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.code(), "last_admin_key");
    assert_eq!(
        api.get("/v1/api-keys", &first).await.status,
        200,
        "still works"
    );

    // With a second admin, either may go, but not both.
    let created = api
        .post("/v1/api-keys", &first, json!({ "role": "admin" }))
        .await;
    let second = created.body["key"].as_str().expect("key").to_owned();
    let second_id = created.body["id"].as_str().expect("id").to_owned();
    let answer = api
        .delete(&format!("/v1/api-keys/{first_id}"), &second)
        .await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    let answer = api
        .delete(&format!("/v1/api-keys/{second_id}"), &second)
        .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.code(), "last_admin_key");
    assert_eq!(admin_key_ids(&api, &second).await, vec![second_id]);
}

#[tokio::test]
async fn two_admins_revoking_each_other_at_once_leave_one() {
    for round in 0..10 {
        let api = Api::new();
        let a = api.key("shop", Role::Admin).await;
        let created = api
            .post("/v1/api-keys", &a, json!({ "role": "admin" }))
            .await;
        let b = created.body["key"].as_str().expect("key").to_owned();
        let ids = admin_key_ids(&api, &a).await;
        let (a_id, b_id) = (&ids[0], &ids[1]);
        let (path_b, path_a) = (
            format!("/v1/api-keys/{b_id}"),
            format!("/v1/api-keys/{a_id}"),
        );
        let (revoke_b, revoke_a) = tokio::join!(api.delete(&path_b, &a), api.delete(&path_a, &b));
        let statuses = [revoke_b.status.as_u16(), revoke_a.status.as_u16()];
        let left = marketdesk_core::repo::api_keys::list(&*api.backend.ports.store, &"shop".into())
            .await
            .expect("list")
            .len();
        assert!(
            statuses.contains(&204) && statuses.iter().any(|s| [409, 401].contains(s)),
            "round {round}: {statuses:?}"
        );
        assert!(left >= 1, "round {round}: an admin key remains");
    }
}
