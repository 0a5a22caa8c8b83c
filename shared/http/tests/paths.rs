//! Ids in paths: every `{id}`, `{rid}` and `{aid}` is checked against the id format before
//! it reaches a store key, so hostile values answer 404 `not_found`, never 500.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use marketdesk_core::domain::Role;
use marketdesk_http::route_table;
use serde_json::json;

/// Path segments (already percent-encoded) that are not ids.
fn hostile_segments() -> Vec<String> {
    vec![
        "%23".to_owned(),
        "a%23REPLY%23b".to_owned(),
        "a%2Fb".to_owned(),
        "a%00b".to_owned(),
        "a%0Ab".to_owned(),
        "%7F".to_owned(),
        "a%20b".to_owned(),
        "%C5%BC".to_owned(),
        "..".to_owned(),
        "a.b".to_owned(),
        "x".repeat(129),
        "x".repeat(2000),
        "%FF".to_owned(),
    ]
}

#[tokio::test]
async fn a_ticket_id_with_a_hash_never_reaches_another_item() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let integration = api.post("/v1/integrations", &admin, empik_body()).await;
    let integration_id = integration.body["id"].as_str().expect("id").to_owned();
    let t = ticket("t1", &integration_id, "H-1", 1);
    store_ticket(&api, &t).await;
    let reply = api
        .post(
            &format!("/v1/tickets/{}/replies", t.id),
            &admin,
            json!({ "text": "We are on it." }),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    let rid = reply.body["id"].as_str().expect("reply id").to_owned();

    // The store key of the reply is `TICKET#<id>#REPLY#<rid>`: an id carrying `#REPLY#<rid>`
    // would read the reply as if it were a ticket.
    let answer = api
        .get(&format!("/v1/tickets/{}%23REPLY%23{rid}", t.id), &admin)
        .await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(answer.code(), "not_found");
}

#[tokio::test]
async fn every_route_with_an_id_refuses_malformed_ids_with_404() {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let routes: Vec<_> = route_table()
        .into_iter()
        .filter(|r| r.path.contains('{'))
        .collect();
    assert!(routes.len() >= 10, "{routes:?}");
    for route in &routes {
        let params: Vec<&str> = route
            .path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .collect();
        for hostile in hostile_segments() {
            // Each parameter in turn is hostile while the others are well-formed.
            for target in &params {
                let path = route
                    .path
                    .split('/')
                    .map(|segment| {
                        if segment == *target {
                            hostile.clone()
                        } else if segment.starts_with('{') {
                            "well-formed_id-1".to_owned()
                        } else {
                            segment.to_owned()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                let mut request = Request::builder()
                    .method(route.method)
                    .uri(&path)
                    .header("authorization", format!("Bearer {admin}"));
                let body = if matches!(route.method, "POST" | "PATCH") {
                    request = request.header("content-type", "application/json");
                    Body::from(valid_body_for(route.path).to_string())
                } else {
                    Body::empty()
                };
                let answer = api.send(request.body(body).expect("request")).await;
                let shown: String = path.chars().take(120).collect();
                assert_eq!(
                    answer.status, 404,
                    "{} {shown} (param {target}): {}",
                    route.method, answer.body
                );
                assert_eq!(answer.code(), "not_found", "{} {shown}", route.method);
            }
        }
    }
}

/// A body the route would accept, so only the id can be at fault.
fn valid_body_for(path: &str) -> serde_json::Value {
    match path {
        "/v1/integrations/{id}" => json!({ "display_name": "Renamed" }),
        "/v1/tickets/{id}/comments" | "/v1/tickets/{id}/replies" => json!({ "text": "Hello" }),
        _ => json!({}),
    }
}
