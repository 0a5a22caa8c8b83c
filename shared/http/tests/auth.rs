//! API keys at the door: missing, wrong, revoked and other tenants' keys; agent versus admin.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_http::route_table;
use serde_json::json;

fn concrete(path: &str) -> String {
    path.replace("{id}", "nope").replace("{token}", "nope")
}

fn is_admin_route(method: &str, path: &str) -> bool {
    path.starts_with("/v1/api-keys")
        // An account's offers are agents' work (linking); the rest of an account is admins'.
        || (path.starts_with("/v1/integrations") && !path.contains("/offers"))
        || path.starts_with("/v1/users")
        // Saved replies: agents read them, admins write them.
        || (path.starts_with("/v1/saved-replies") && method != "GET")
        // The catalogue: agents read it, admins (and the ERP's admin key) write it.
        || ((path.starts_with("/v1/products") || path.starts_with("/v1/price-lists"))
            && method != "GET")
        || path.starts_with("/v1/audit")
        || path.starts_with("/v1/webhooks")
        || path == "/v1/health/details"
}

/// Routes a person calls without credentials: signing in, accepting an invitation,
/// resetting a password.
fn is_people_public_route(path: &str) -> bool {
    path == "/v1/sessions"
        || path.starts_with("/v1/invitations/")
        || path.starts_with("/v1/password-resets")
}

fn body_for(method: &str) -> Option<serde_json::Value> {
    matches!(method, "POST" | "PATCH").then(|| json!({}))
}

#[tokio::test]
async fn every_protected_route_refuses_a_request_without_a_key() {
    let api = Api::new();
    for route in route_table() {
        let answer = api
            .call(
                route.method,
                &concrete(route.path),
                None,
                body_for(route.method),
            )
            .await;
        if route.needs_key {
            assert_eq!(answer.status, 401, "{} {}", route.method, route.path);
            assert_eq!(answer.code(), "unauthorized");
            assert!(answer.headers.contains_key("www-authenticate"));
        } else if route.path == "/oauth/allegro/callback" {
            // The browser's return from Allegro carries no key; without a state it is refused.
            assert_eq!(answer.status, 400, "{} {}", route.method, route.path);
        } else if is_people_public_route(route.path) {
            // Reached without a key; the empty body is refused on its own merits.
            assert_eq!(answer.status, 422, "{} {}", route.method, route.path);
        } else {
            assert_eq!(answer.status, 200, "{} {}", route.method, route.path);
        }
    }
    assert!(
        route_table()
            .iter()
            .filter(|r| !r.needs_key)
            .all(|r| r.path == "/v1/health"
                || r.path == "/oauth/allegro/callback"
                || (r.method == "POST" && is_people_public_route(r.path))),
        "only health, the OAuth callback, sign-in, invitations and resets are public"
    );
}

#[tokio::test]
async fn wrong_and_malformed_keys_are_unauthorized() {
    let api = Api::new();
    let real = api.key("t1", Role::Admin).await;
    let mut forged = real.clone();
    forged.pop();
    forged.push(if real.ends_with('A') { 'B' } else { 'A' });
    for header in [
        format!("Bearer {forged}"),
        "Bearer mdk_".to_owned(),
        "Bearer not-a-key".to_owned(),
        format!("Basic {real}"),
        real.clone(),
        "Bearer".to_owned(),
        format!("Bearer {}", "x".repeat(5000)),
    ] {
        let request = axum::http::Request::get("/v1/tickets")
            .header("authorization", header.as_str())
            .body(axum::body::Body::empty())
            .expect("request");
        let answer = api.send(request).await;
        assert_eq!(answer.status, 401, "{header:.40}");
        assert_eq!(answer.code(), "unauthorized");
        assert!(
            !answer.body.to_string().contains(&real[4..]),
            "the key is never echoed"
        );
    }
    assert_eq!(api.get("/v1/tickets", &real).await.status, 200);
    let lower = api
        .send(
            axum::http::Request::get("/v1/tickets")
                .header("authorization", format!("bearer {real}"))
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(lower.status, 200, "the scheme is case-insensitive");
}

#[tokio::test]
async fn agents_are_forbidden_admin_routes_but_reach_their_own() {
    let api = Api::new();
    let agent = api.key("t1", Role::Agent).await;
    let admin = api.key("t1", Role::Admin).await;
    for route in route_table().into_iter().filter(|r| r.needs_key) {
        let path = concrete(route.path);
        let answer = api
            .call(route.method, &path, Some(&agent), body_for(route.method))
            .await;
        if is_admin_route(route.method, route.path) {
            assert_eq!(answer.status, 403, "{} {}", route.method, route.path);
            assert_eq!(answer.code(), "forbidden");
        } else {
            assert!(
                answer.status != 401 && answer.status != 403,
                "agent on {} {}: {}",
                route.method,
                route.path,
                answer.status
            );
        }
        let answer = api
            .call(route.method, &path, Some(&admin), body_for(route.method))
            .await;
        assert!(
            answer.status != 401 && answer.status != 403,
            "admin on {} {}: {}",
            route.method,
            route.path,
            answer.status
        );
    }
}

#[tokio::test]
async fn the_document_marks_admin_routes_and_writes_with_403() {
    let api = Api::new();
    for route in route_table().into_iter().filter(|r| r.needs_key) {
        let responses = &api.doc["paths"][route.path][route.method.to_lowercase()]["responses"];
        // Writes answer 403 `csrf_failed` to a session cookie without the CSRF token.
        assert_eq!(
            responses.get("403").is_some(),
            is_admin_route(route.method, route.path) || route.method != "GET",
            "{} {}",
            route.method,
            route.path
        );
    }
}

#[tokio::test]
async fn revoked_keys_stop_working_at_once() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let created = api
        .post(
            "/v1/api-keys",
            &admin,
            json!({ "role": "agent", "name": "temp" }),
        )
        .await;
    let key = created.body["key"].as_str().expect("key").to_owned();
    let id = created.body["id"].as_str().expect("id").to_owned();
    assert_eq!(api.get("/v1/tickets", &key).await.status, 200);
    assert_eq!(
        api.delete(&format!("/v1/api-keys/{id}"), &admin)
            .await
            .status,
        204
    );
    assert_eq!(api.get("/v1/tickets", &key).await.status, 401);
}

#[tokio::test]
async fn a_key_never_reaches_another_tenants_data() {
    let api = Api::new();
    let a = api.key("tenant-a", Role::Admin).await;
    let b = api.key("tenant-b", Role::Admin).await;

    let integration = api.post("/v1/integrations", &a, empik_body()).await;
    assert_eq!(integration.status, 201);
    let integration_id = integration.body["id"].as_str().expect("id").to_owned();
    let ticket = ticket("tenant-a", &integration_id, "A-1", 1);
    store_ticket(&api, &ticket).await;
    store_customer(&api, "tenant-a", "cust-a", "Anna", "Allegro login", "anna").await;
    let a_keys = api.get("/v1/api-keys", &a).await;
    let a_key_id = a_keys.body["api_keys"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let path = format!("/v1/integrations/{integration_id}");
    assert_eq!(api.get(&path, &b).await.status, 404);
    assert_eq!(
        api.patch(&path, &b, json!({ "display_name": "stolen" }))
            .await
            .status,
        404
    );
    assert_eq!(api.delete(&path, &b).await.status, 404);
    assert_eq!(
        api.get("/v1/integrations", &b).await.body["integrations"],
        json!([])
    );

    let ticket_path = format!("/v1/tickets/{}", ticket.id);
    assert_eq!(api.get(&ticket_path, &b).await.status, 404);
    assert_eq!(
        api.post(
            &format!("{ticket_path}/comments"),
            &b,
            json!({ "text": "hi" })
        )
        .await
        .status,
        404
    );
    assert_eq!(api.get("/v1/tickets", &b).await.body["tickets"], json!([]));
    assert_eq!(
        api.get(&format!("/v1/tickets?integration={integration_id}"), &b)
            .await
            .body["tickets"],
        json!([])
    );

    assert_eq!(api.get("/v1/customers/cust-a", &b).await.status, 404);
    assert_eq!(
        api.get("/v1/customers?field=Allegro%20login&value=anna", &b)
            .await
            .body["customers"],
        json!([])
    );
    assert_eq!(
        api.get("/v1/customers?name=", &b).await.body["customers"],
        json!([])
    );

    assert_eq!(
        api.delete(&format!("/v1/api-keys/{a_key_id}"), &b)
            .await
            .status,
        404
    );
    let b_keys = api.get("/v1/api-keys", &b).await;
    assert_eq!(b_keys.body["api_keys"].as_array().map(Vec::len), Some(1));

    // Tenant A still sees everything of its own.
    assert_eq!(api.get(&path, &a).await.status, 200);
    assert_eq!(api.get(&ticket_path, &a).await.status, 200);
    assert_eq!(api.get("/v1/customers/cust-a", &a).await.status, 200);
    assert_eq!(api.get("/v1/tickets", &a).await.status, 200);
}
