//! `/v1/tickets`: filters, cursor paging over the activity index, one ticket in full, comments.

mod common;

use common::*;
use marketdesk_core::domain::{Role, Ticket};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn ids(answer: &Answer) -> Vec<String> {
    answer.body["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

/// Every ticket id a filtered list yields, page by page.
async fn walk(api: &Api, key: &str, query: &str, limit: usize) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut path = format!("/v1/tickets?limit={limit}");
        if !query.is_empty() {
            path.push('&');
            path.push_str(query);
        }
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let answer = api.get(&path, key).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        let page = ids(&answer);
        assert!(page.len() <= limit);
        all.extend(page);
        match answer.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
    panic!("paging never ended");
}

/// Six tickets of tenant t1 (t1-1 most recent) and one of t2.
async fn seeded() -> (Api, String, Vec<Ticket>) {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    let mut all = Vec::new();
    for n in 1..=6 {
        let mut t = ticket(
            "t1",
            if n % 2 == 0 { "int-even" } else { "int-odd" },
            &format!("{n}"),
            n,
        );
        match n {
            1 => {
                t.subject = "Damaged Parcel".into();
                t.queue = Some("Returns".into());
            }
            2 => {
                t.conversation.kind = marketdesk_core::domain::ConversationKind::EmpikThread;
                t.source = marketdesk_core::domain::Marketplace::Empik;
                t.buyer_login = "Empik-Buyer-77".into();
                t.needs_reply = false;
            }
            3 => {
                t.status = marketdesk_core::domain::TicketStatus::Solved;
                t.category = Some("Claims".into());
                t.customer_id = Some("cust-1".into());
            }
            4 => t.queue = Some("Returns".into()),
            _ => {}
        }
        store_ticket(&api, &t).await;
        all.push(t);
    }
    store_ticket(&api, &ticket("t2", "int-x", "other", 0)).await;
    (api, key, all)
}

#[tokio::test]
async fn the_list_is_most_recent_first_and_pages_with_a_cursor() {
    let (api, key, all) = seeded().await;
    let first = api.get("/v1/tickets", &key).await;
    assert_eq!(first.status, 200);
    let expected: Vec<String> = all.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(
        ids(&first),
        expected,
        "most recent activity first, own tenant only"
    );
    assert_eq!(first.body["next_cursor"], Value::Null);
    assert_eq!(first.body["tickets"][0]["panel"]["products"], json!([]));

    for limit in 1..=7 {
        assert_eq!(walk(&api, &key, "", limit).await, expected, "limit {limit}");
    }
    let page = api.get("/v1/tickets?limit=4", &key).await;
    assert_eq!(ids(&page).len(), 4);
    assert!(page.body["next_cursor"].is_string());
}

#[tokio::test]
async fn every_filter_narrows_the_list() {
    let (api, key, _) = seeded().await;
    let id = |n: u32| format!("tk-t1-{n}");
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("source=empikplace", vec![id(2)]),
        ("source=allegro", vec![id(1), id(3), id(4), id(5), id(6)]),
        ("status=solved", vec![id(3)]),
        ("status=open", vec![id(1), id(2), id(4), id(5), id(6)]),
        ("queue=Returns", vec![id(1), id(4)]),
        ("category=Claims", vec![id(3)]),
        ("integration=int-even", vec![id(2), id(4), id(6)]),
        ("customer=cust-1", vec![id(3)]),
        ("needs_reply=false", vec![id(2)]),
        ("needs_reply=true", vec![id(1), id(3), id(4), id(5), id(6)]),
        ("q=parcel", vec![id(1)]),
        ("q=DAMAGED%20p", vec![id(1)]),
        ("q=empik-buyer", vec![id(2)]),
        ("q=buyer_5", vec![id(5)]),
        ("q=nothing-like-this", vec![]),
        ("queue=Returns&integration=int-odd", vec![id(1)]),
        ("archived=true", vec![]),
        ("archived=false", (1..=6).map(id).collect()),
        ("last_author=buyer", (1..=6).map(id).collect()),
        ("last_author=autoresponder", vec![]),
        ("q=", (1..=6).map(id).collect()),
    ];
    for (query, expected) in cases {
        assert_eq!(walk(&api, &key, query, 25).await, expected, "{query}");
        assert_eq!(
            walk(&api, &key, query, 1).await,
            expected,
            "{query}, one by one"
        );
    }
}

#[tokio::test]
async fn filtering_while_paging_crosses_store_pages_without_loss_or_repeats() {
    let api = Api::new();
    let key = api.key("big", Role::Agent).await;
    let mut expected = Vec::new();
    for n in 0..260 {
        let mut t = ticket("big", "int", &format!("{n:03}"), n);
        if n % 37 == 0 || n == 99 || n == 100 || n == 199 {
            t.queue = Some("rare".into());
            expected.push(t.id.to_string());
        }
        store_ticket(&api, &t).await;
    }
    for limit in [1, 2, 3, 100] {
        let found = walk(&api, &key, "queue=rare", limit).await;
        assert_eq!(found, expected, "limit {limit}");
    }
    let all = walk(&api, &key, "", 100).await;
    assert_eq!(all.len(), 260);
    assert_eq!(all.iter().collect::<BTreeSet<_>>().len(), 260);
}

#[tokio::test]
async fn bad_list_parameters_name_the_parameter() {
    let (api, key, _) = seeded().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=garbage", "cursor"),
        ("cursor=eyJjIjoieCIsInMiOjB9", "cursor"),
        ("status=lost", "status"),
        ("source=ebay", "source"),
        ("needs_reply=maybe", "needs_reply"),
        ("sort=asc", "sort"),
    ] {
        let answer = api.get(&format!("/v1/tickets?{query}"), &key).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert_eq!(answer.code(), "validation_failed");
        assert_eq!(answer.field(), field, "{query}: {}", answer.body);
    }
}

#[tokio::test]
async fn one_ticket_comes_with_messages_panel_and_customer() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    let customer = store_customer(
        &api,
        "t1",
        "cust-9",
        "Jan Kowalski",
        "Allegro login",
        "jan_k",
    )
    .await;
    let mut t = ticket("t1", "int-1", "D-1", 5);
    t.customer_id = Some(customer.id.clone());
    t.order_id = Some("order-1".into());
    t.panel.reason_code = Some("NOT_RECEIVED".into());
    t.panel.order_url = Some("https://allegro.example/order-1".into());
    store_ticket(&api, &t).await;
    store_message(&api, &t, "x1", "buyer", "Where is my parcel?").await;
    store_message(&api, &t, "x2", "seller_via_marketplace", "On its way").await;

    let answer = api.get(&format!("/v1/tickets/{}", t.id), &key).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["ticket"]["id"], json!(t.id));
    assert_eq!(
        answer.body["ticket"]["panel"]["reason_code"],
        "NOT_RECEIVED"
    );
    assert_eq!(answer.body["ticket"]["order_id"], "order-1");
    let authors: Vec<&str> = answer.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["author"].as_str().expect("author"))
        .collect();
    assert_eq!(authors, ["buyer", "seller_via_marketplace"]);
    assert_eq!(answer.body["customer"]["name"], "Jan Kowalski");
    assert_eq!(
        answer.body["customer"]["custom_fields"]["Allegro login"],
        "jan_k"
    );

    let lonely = ticket("t1", "int-1", "D-2", 6);
    store_ticket(&api, &lonely).await;
    let answer = api.get(&format!("/v1/tickets/{}", lonely.id), &key).await;
    assert_eq!(answer.body["customer"], Value::Null);
    assert_eq!(answer.body["messages"], json!([]));

    let missing = api.get("/v1/tickets/does-not-exist", &key).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "not_found");
}

#[tokio::test]
async fn comments_are_internal_messages_and_closed_conversations_take_them() {
    let api = Api::new();
    let agent = api.key("t1", Role::Agent).await;
    let mut closed = ticket("t1", "int-1", "C-1", 5);
    closed.open_for_replies = false;
    store_ticket(&api, &closed).await;
    let path = format!("/v1/tickets/{}/comments", closed.id);

    let answer = api
        .post(
            &path,
            &agent,
            json!({ "text": "Called the buyer.\nRefund agreed: <100 zł." }),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["author"], "internal_comment");
    assert_eq!(answer.body["author_name"], "t1 Agent");
    assert_eq!(answer.body["external_id"], Value::Null);
    assert_eq!(answer.body["ticket_id"], json!(closed.id));

    let detail = api.get(&format!("/v1/tickets/{}", closed.id), &agent).await;
    assert_eq!(detail.body["messages"][0]["author"], "internal_comment");
    assert_eq!(
        detail.body["ticket"]["needs_reply"], true,
        "a comment answers nobody"
    );

    for (body, field) in [
        (json!({ "text": "<b>bold</b>" }), "text"),
        (json!({ "text": "see </div>" }), "text"),
        (json!({ "text": "<script" }), "text"),
        (json!({ "text": "" }), "text"),
        (json!({ "text": "   \n " }), "text"),
        (json!({ "text": "x".repeat(20001) }), "text"),
        (json!({ "text": 5 }), "text"),
        (json!({}), "text"),
        (json!({ "text": "ok", "internal": false }), "internal"),
    ] {
        let answer = api.post(&path, &agent, body.clone()).await;
        assert_eq!(answer.status, 422, "{body:.80}");
        assert_eq!(answer.field(), field, "{}", answer.body);
    }
    let long = api
        .post(&path, &agent, json!({ "text": "ż".repeat(20000) }))
        .await;
    assert_eq!(long.status, 201, "20 000 characters, not bytes");

    let missing = api
        .post("/v1/tickets/nope/comments", &agent, json!({ "text": "hi" }))
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn lists_hide_closed_and_idle_allegro_discussions_unless_archived_is_asked_for() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    let now = chrono::Utc::now();
    let mut closed_long_ago = ticket("t1", "int-1", "closed-15d", 60 * 24 * 15);
    closed_long_ago.open_for_replies = false;
    closed_long_ago.closed_at = Some(now - chrono::Duration::days(15));
    let mut closed_recently = ticket("t1", "int-1", "closed-13d", 60 * 24 * 13);
    closed_recently.open_for_replies = false;
    closed_recently.closed_at = Some(now - chrono::Duration::days(13));
    let idle = ticket("t1", "int-1", "idle-31d", 60 * 24 * 31);
    let active = ticket("t1", "int-1", "idle-29d", 60 * 24 * 29);
    let mut empik_idle = ticket("t1", "int-2", "empik-40d", 60 * 24 * 40);
    empik_idle.source = marketdesk_core::domain::Marketplace::Empik;
    empik_idle.conversation.kind = marketdesk_core::domain::ConversationKind::EmpikThread;
    for t in [
        &closed_long_ago,
        &closed_recently,
        &idle,
        &active,
        &empik_idle,
    ] {
        store_ticket(&api, t).await;
    }
    let visible = walk(&api, &key, "", 25).await;
    assert_eq!(
        visible,
        vec![
            "tk-t1-closed-13d".to_owned(),
            "tk-t1-idle-29d".to_owned(),
            "tk-t1-empik-40d".to_owned()
        ]
    );
    let archived = walk(&api, &key, "archived=true", 25).await;
    assert_eq!(
        archived,
        vec!["tk-t1-closed-15d".to_owned(), "tk-t1-idle-31d".to_owned()]
    );
    let detail = api.get("/v1/tickets/tk-t1-idle-31d", &key).await;
    assert_eq!(detail.status, 200, "archived tickets stay readable");
}

#[tokio::test]
async fn tickets_whose_latest_reply_failed_are_listed_with_delivery_failed() {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    for (external, delivery) in [("f-1", "failed"), ("s-1", "sent"), ("n-1", "none")] {
        let mut value = serde_json::to_value(ticket("t1", "int-1", external, 1)).expect("json");
        if delivery != "none" {
            value["delivery"] = json!(delivery);
        }
        let t: Ticket = serde_json::from_value(value).expect("ticket");
        store_ticket(&api, &t).await;
    }
    assert_eq!(
        walk(&api, &key, "delivery=failed", 25).await,
        vec!["tk-t1-f-1".to_owned()]
    );
    assert_eq!(
        walk(&api, &key, "delivery=sent", 25).await,
        vec!["tk-t1-s-1".to_owned()]
    );
    let listed = api.get("/v1/tickets?delivery=failed", &key).await;
    assert_eq!(listed.body["tickets"][0]["delivery"], "failed");
    for bad in ["delivery=lost", "delivery=cancelled"] {
        let answer = api.get(&format!("/v1/tickets?{bad}"), &key).await;
        assert_eq!(answer.status, 422, "{bad}: {}", answer.body);
        assert_eq!(answer.field(), "delivery", "{bad}");
    }
}
