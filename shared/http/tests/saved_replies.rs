//! `/v1/saved-replies` (admins write, agents read), a saved reply filled in for a ticket, and
//! the integration's signature under agents' replies.

mod common;

use common::*;
use marketdesk_core::domain::{Marketplace, Role};
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::{json, Value};

/// t1 with an admin and an agent key, an Allegro integration `int-1` ("Allegro int-1") and a
/// dispute ticket of customer "Anna Nowak".
async fn seeded() -> (Api, String, String, String) {
    let api = Api::new();
    let admin = api.key("t1", Role::Admin).await;
    let agent = api.key("t1", Role::Agent).await;
    seed_connected_integration(&api.backend.ports, "t1", "int-1", Marketplace::Allegro).await;
    store_customer(
        &api,
        "t1",
        "c-anna",
        "Anna Nowak",
        "Allegro login",
        "anna_n",
    )
    .await;
    let mut t = ticket("t1", "int-1", "d-1", 5);
    t.customer_id = Some("c-anna".into());
    t.order_id = Some("order-77".into());
    store_ticket(&api, &t).await;
    (api, admin, agent, t.id.to_string())
}

fn titles(answer: &Answer) -> Vec<String> {
    answer.body["saved_replies"]
        .as_array()
        .expect("saved replies")
        .iter()
        .map(|r| r["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn admins_keep_saved_replies_and_agents_read_them() {
    let (api, admin, agent, _) = seeded().await;
    let created = api
        .post(
            "/v1/saved-replies",
            &admin,
            json!({ "title": "Zwrot", "text": "Dzień dobry {buyer_name}, zwrot przyjęty." }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["language"], "pl", "Polish by default");
    assert_eq!(created.body["created_by"]["kind"], "api_key");
    let id = created.body["id"].as_str().expect("id").to_owned();
    let english = api
        .post(
            "/v1/saved-replies",
            &admin,
            json!({ "title": "Address", "language": "en", "text": "Hello {buyer_login}" }),
        )
        .await;
    assert_eq!(english.status, 201, "{}", english.body);

    assert_eq!(
        titles(&api.get("/v1/saved-replies", &agent).await),
        ["Address", "Zwrot"]
    );
    assert_eq!(
        titles(&api.get("/v1/saved-replies?language=pl", &agent).await),
        ["Zwrot"]
    );
    let one = api.get(&format!("/v1/saved-replies/{id}"), &agent).await;
    assert_eq!(one.body["title"], "Zwrot");

    let path = format!("/v1/saved-replies/{id}");
    for (method, body) in [
        ("POST", Some(json!({ "title": "x", "text": "y" }))),
        ("PATCH", Some(json!({ "title": "x" }))),
        ("DELETE", None),
    ] {
        let target = if method == "POST" {
            "/v1/saved-replies"
        } else {
            path.as_str()
        };
        let answer = api.call(method, target, Some(&agent), body).await;
        assert_eq!(answer.status, 403, "{method}: agents only read");
    }

    let changed = api
        .patch(
            &path,
            &admin,
            json!({ "title": "Zwrot towaru", "language": "en" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["language"], "en");
    assert_eq!(
        changed.body["text"],
        "Dzień dobry {buyer_name}, zwrot przyjęty."
    );
    assert_eq!(api.delete(&path, &admin).await.status, 204);
    assert_eq!(api.get(&path, &agent).await.status, 404);
    assert_eq!(api.delete(&path, &admin).await.status, 404);
    let other = api.key("t2", Role::Agent).await;
    assert_eq!(
        titles(&api.get("/v1/saved-replies", &other).await),
        Vec::<String>::new(),
        "other tenants see none"
    );
}

#[tokio::test]
async fn bad_saved_replies_are_refused_naming_the_field() {
    let (api, admin, _, _) = seeded().await;
    for (body, field) in [
        (json!({ "title": "x", "text": "Hi {buyer}" }), "text"),
        (json!({ "title": "x", "text": "<b>Hi</b>" }), "text"),
        (json!({ "title": " ", "text": "Hi" }), "title"),
        (
            json!({ "title": "x", "text": "Hi", "language": "de" }),
            "language",
        ),
        (json!({ "title": "x" }), "text"),
    ] {
        let answer = api.post("/v1/saved-replies", &admin, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.field(), field, "{body}");
    }
    let unknown = api
        .post(
            "/v1/saved-replies",
            &admin,
            json!({ "title": "x", "text": "Hi {buyer}" }),
        )
        .await;
    assert!(
        unknown.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("{buyer}")),
        "{}",
        unknown.body
    );
    assert_eq!(
        titles(&api.get("/v1/saved-replies", &admin).await),
        Vec::<String>::new(),
        "nothing stored"
    );
}

#[tokio::test]
async fn a_preview_fills_the_placeholders_for_the_ticket_and_the_caller() {
    let (api, admin, agent, ticket) = seeded().await;
    let created = api
        .post(
            "/v1/saved-replies",
            &admin,
            json!({
                "title": "Full",
                "text": "{buyer_name} ({buyer_login}), {order_id} @ {shop_name} — {agent_name} {x-y}"
            }),
        )
        .await;
    let sid = created.body["id"].as_str().expect("id");
    let preview = api
        .get(
            &format!("/v1/tickets/{ticket}/saved-replies/{sid}/preview"),
            &agent,
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(
        preview.body["text"],
        "Anna Nowak (buyer_d-1), order-77 @ Allegro int-1 — t1 Agent {x-y}"
    );
    assert_eq!(
        api.get(
            &format!("/v1/tickets/nope/saved-replies/{sid}/preview"),
            &agent
        )
        .await
        .status,
        404
    );
    assert_eq!(
        api.get(
            &format!("/v1/tickets/{ticket}/saved-replies/nope/preview"),
            &agent
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn the_signature_goes_under_agent_replies_and_counts_toward_the_limit() {
    let (api, admin, agent, ticket) = seeded().await;
    let refused = api
        .patch(
            "/v1/integrations/int-1",
            &admin,
            json!({ "settings": { "signature": "<b>Sklep</b>" } }),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.field(), "settings.signature");
    let set = api
        .patch(
            "/v1/integrations/int-1",
            &admin,
            json!({ "settings": { "signature": "Pozdrawiamy,\nSklep Testowy" } }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(
        set.body["settings"]["signature"],
        "Pozdrawiamy,\nSklep Testowy"
    );

    let replies = format!("/v1/tickets/{ticket}/replies");
    let reply = api
        .post(&replies, &agent, json!({ "text": "Wysyłamy jutro.  " }))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(
        reply.body["text"],
        "Wysyłamy jutro.\n\nPozdrawiamy,\nSklep Testowy"
    );
    let comment = api
        .post(
            &format!("/v1/tickets/{ticket}/comments"),
            &agent,
            json!({ "text": "Notatka" }),
        )
        .await;
    assert_eq!(comment.body["text"], "Notatka", "comments are not signed");

    // Allegro issues take 20 000 characters: the text fits alone, not with the signature.
    let long = "x".repeat(20_000 - 5);
    let too_long = api.post(&replies, &agent, json!({ "text": long })).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(too_long.field(), "text");
    assert!(too_long.body["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("signature")));

    let cleared = api
        .patch(
            "/v1/integrations/int-1",
            &admin,
            json!({ "settings": { "signature": null } }),
        )
        .await;
    assert_eq!(cleared.body["settings"]["signature"], Value::Null);
    let plain = api
        .post(&replies, &agent, json!({ "text": "Bez podpisu" }))
        .await;
    assert_eq!(plain.body["text"], "Bez podpisu");
}

/// The document's limits of the bodies are literals in their types' attributes: they must be
/// the service's.
#[test]
fn the_documented_body_limits_are_the_services() {
    use marketdesk_core::services::saved_replies::{MAX_TEXT_CHARS, MAX_TITLE_CHARS};
    let doc = marketdesk_http::openapi_document();
    for body in ["NewSavedReply", "SavedReplyPatch"] {
        let fields = &doc["components"]["schemas"][body]["properties"];
        assert_eq!(
            fields["title"]["maxLength"],
            json!(MAX_TITLE_CHARS),
            "{body}"
        );
        assert_eq!(fields["text"]["maxLength"], json!(MAX_TEXT_CHARS), "{body}");
    }
}
