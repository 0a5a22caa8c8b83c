//! `/v1/search`: the one search box over ingested tickets (identifiers, names, e-mails, words),
//! within the caller's tenant, refusing bad queries with the field at fault.

mod common;

use common::*;
use marketdesk_core::domain::{Marketplace, Role};
use marketdesk_core::jobs::InboundEvent;
use marketdesk_core::services::ingest;
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::{json, Value};

fn event(tenant: &str, integration: &str, conversation: Value, extra: Value) -> InboundEvent {
    let mut event = json!({
        "tenant_id": tenant,
        "integration_id": integration,
        "conversation": conversation,
        "subject": "Brak paczki",
        "marketplace_status": "ONGOING",
        "open_for_replies": true,
        "buyer_login": "",
        "order_id": null,
        "messages": [{
            "external_id": format!("m-{}", conversation["external_id"].as_str().unwrap_or("")),
            "author": "buyer",
            "author_name": "Kupujący",
            "text": "Zamówienie nie dotarło, kurier zgubił przesyłkę",
            "created_at": "2026-03-02T10:00:00Z"
        }]
    });
    if let (Some(base), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    serde_json::from_value(event).expect("an inbound event decodes")
}

/// An Allegro dispute and an EmpikPlace thread of `t1`, and the dispute's twin in `t2`;
/// their ticket ids.
async fn seeded(api: &Api) -> (String, String, String) {
    let ports = &api.backend.ports;
    for (tenant, id, kind) in [
        ("t1", "allegro-1", Marketplace::Allegro),
        ("t1", "empik-1", Marketplace::Empik),
        ("t2", "allegro-2", Marketplace::Allegro),
    ] {
        seed_connected_integration(ports, tenant, id, kind).await;
    }
    let allegro_buyer = json!({
        "buyer_login": "Jan_Kowalski",
        "buyer_name": "Jan Kowalski",
        "buyer_emails": ["jan8x2+a1b2@allegromail.pl"],
        "order_id": "29b3a4c0-1111-11ef-8000-000000000001"
    });
    let dispute = json!({ "kind": "allegro_dispute", "external_id": "issue-5" });
    let allegro = ingest::run(
        ports,
        &event("t1", "allegro-1", dispute.clone(), allegro_buyer.clone()),
    )
    .await
    .expect("ingest");
    let empik = ingest::run(
        ports,
        &event(
            "t1",
            "empik-1",
            json!({ "kind": "empik_thread", "external_id": "thread-42" }),
            json!({
                "subject": "Zwrot towaru",
                "buyer_login": "2001",
                "buyer_name": "Zofia Wiśniewska",
                "order_id": "EMP123456-A"
            }),
        ),
    )
    .await
    .expect("ingest");
    let other = ingest::run(ports, &event("t2", "allegro-2", dispute, allegro_buyer))
        .await
        .expect("ingest");
    (
        allegro.ticket_id.to_string(),
        empik.ticket_id.to_string(),
        other.ticket_id.to_string(),
    )
}

/// The ids of the tickets found, in order, and what matched the first.
fn found(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|hit| hit["ticket"]["id"].as_str().expect("id").to_owned())
        .collect()
}

fn encoded(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

#[tokio::test]
async fn one_box_finds_tickets_by_identifiers_names_emails_and_words() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    let (allegro, empik, _) = seeded(&api).await;

    for (q, ticket, matched) in [
        (allegro.as_str(), &allegro, "ticket_id"),
        ("ISSUE-5", &allegro, "conversation_id"),
        ("29b3a4c0-1111-11ef-8000-000000000001", &allegro, "order_id"),
        ("EMP123456-A", &empik, "order_id"),
        ("EMP123456", &empik, "commercial_id"),
        ("jan_kowalski", &allegro, "buyer_login"),
        ("2001", &empik, "empik_customer_id"),
        ("Jan8x2+A1B2@allegromail.pl", &allegro, "email"),
        ("kowalski", &allegro, "customer_name"),
        ("wisniewska", &empik, "customer_name"),
        ("zwrot", &empik, "words"),
    ] {
        let answer = api.get(&format!("/v1/search?q={}", encoded(q)), &key).await;
        assert_eq!(found(&answer), std::slice::from_ref(ticket), "{q}");
        assert_eq!(answer.body["results"][0]["matched"][0], matched, "{q}");
    }

    // Words of the messages, through FTS5: every word, diacritics optional.
    let answer = api.get("/v1/search?q=kurier%20zgubil", &key).await;
    let mut both = found(&answer);
    both.sort();
    let mut expected = vec![allegro.clone(), empik.clone()];
    expected.sort();
    assert_eq!(both, expected);
    let answer = api.get("/v1/search?q=kurier&limit=1", &key).await;
    assert_eq!(found(&answer).len(), 1, "the limit holds");
    assert!(found(&api.get("/v1/search?q=nieznane%20slowo", &key).await).is_empty());
}

#[tokio::test]
async fn a_tenant_finds_only_its_own_tickets() {
    let api = Api::new();
    let (allegro, _, other) = seeded(&api).await;
    let theirs = api.key("t2", Role::Agent).await;
    assert_eq!(
        found(&api.get("/v1/search?q=jan_kowalski", &theirs).await),
        std::slice::from_ref(&other)
    );
    assert!(found(&api.get(&format!("/v1/search?q={allegro}"), &theirs).await).is_empty());
    assert!(found(&api.get("/v1/search?q=EMP123456", &theirs).await).is_empty());
    assert_eq!(
        found(&api.get("/v1/search?q=zgubil", &theirs).await),
        [other]
    );
    let nobody = api.key("t3", Role::Admin).await;
    assert!(found(&api.get("/v1/search?q=kowalski", &nobody).await).is_empty());
}

#[tokio::test]
async fn bad_queries_are_refused_with_the_field_at_fault() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    for (path, field) in [
        ("/v1/search", "q"),
        ("/v1/search?q=", "q"),
        ("/v1/search?q=%20%20", "q"),
        ("/v1/search?q=%22*%23%21", "q"),
        ("/v1/search?q=a%07b", "q"),
        ("/v1/search?q=ok&limit=0", "limit"),
        ("/v1/search?q=ok&limit=51", "limit"),
        ("/v1/search?q=ok&limit=many", "limit"),
        ("/v1/search?q=ok&sort=best", "sort"),
    ] {
        let answer = api.get(path, &key).await;
        assert_eq!(answer.status, 422, "{path}: {:?}", answer.body);
        assert_eq!(answer.code(), "validation_failed", "{path}");
        assert_eq!(answer.field(), field, "{path}");
    }
    let long = "x".repeat(201);
    let answer = api.get(&format!("/v1/search?q={long}"), &key).await;
    assert_eq!((answer.status.as_u16(), answer.field()), (422, "q"));
    assert_eq!(
        api.call("GET", "/v1/search?q=jan", None, None).await.status,
        401
    );
}

#[tokio::test]
async fn words_of_later_messages_are_found_once() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    let (allegro, _, _) = seeded(&api).await;
    assert!(found(&api.get("/v1/search?q=faktura", &key).await).is_empty());

    let later = event(
        "t1",
        "allegro-1",
        json!({ "kind": "allegro_dispute", "external_id": "issue-5" }),
        json!({
            "buyer_login": "Jan_Kowalski",
            "messages": [{
                "external_id": "m-later",
                "author": "buyer",
                "author_name": null,
                "text": "Proszę jeszcze o fakturę VAT",
                "created_at": "2026-03-03T09:00:00Z"
            }]
        }),
    );
    let ports = &api.backend.ports;
    ingest::run(ports, &later).await.expect("ingest");
    ingest::run(ports, &later).await.expect("redelivered");
    let answer = api.get("/v1/search?q=Fakture%20vat", &key).await;
    assert_eq!(found(&answer), std::slice::from_ref(&allegro));
    assert_eq!(answer.body["results"][0]["matched"], json!(["words"]));
}

/// The document's limits are written as literals in the query type's attributes: they must
/// be the service's.
#[test]
fn the_documented_query_limits_are_the_services() {
    use marketdesk_core::services::search::{DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
    let doc = marketdesk_http::openapi_document();
    let parameters = doc["paths"]["/v1/search"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let schema = |name: &str| {
        parameters
            .iter()
            .find(|parameter| parameter["name"] == name)
            .map(|parameter| parameter["schema"].clone())
            .unwrap_or_default()
    };
    assert_eq!(schema("q")["maxLength"], json!(MAX_QUERY_CHARS));
    assert_eq!(schema("limit")["maximum"], json!(MAX_LIMIT));
    assert_eq!(schema("limit")["default"], json!(DEFAULT_LIMIT));
}
