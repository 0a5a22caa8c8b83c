//! `/v1/customers`: lookups by custom field and by name, one customer with their tickets.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use serde_json::{json, Value};

fn names(answer: &Answer) -> Vec<String> {
    answer.body["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn seeded() -> (Api, String) {
    let api = Api::new();
    let key = api.key("t1", Role::Agent).await;
    store_customer(
        &api,
        "t1",
        "c-anna",
        "Anna Nowak",
        "Allegro login",
        "anna_n",
    )
    .await;
    store_customer(
        &api,
        "t1",
        "c-andrzej",
        "andrzej Zieliński",
        "Allegro login",
        "andrzej",
    )
    .await;
    store_customer(
        &api,
        "t1",
        "c-bogdan",
        "Bogdan Wiśniewski",
        "Empik ID",
        "E-1001",
    )
    .await;
    store_customer(
        &api,
        "t2",
        "c-other",
        "Anna Other",
        "Allegro login",
        "anna_n",
    )
    .await;
    (api, key)
}

#[tokio::test]
async fn customers_are_found_by_a_fields_exact_value() {
    let (api, key) = seeded().await;
    let answer = api
        .get("/v1/customers?field=Allegro%20login&value=anna_n", &key)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(names(&answer), ["Anna Nowak"]);
    assert_eq!(answer.body["next_cursor"], Value::Null);
    let answer = api
        .get("/v1/customers?field=allegro%20login&value=anna_n", &key)
        .await;
    assert_eq!(names(&answer), ["Anna Nowak"], "field names ignore case");
    let answer = api
        .get("/v1/customers?field=Empik%20ID&value=E-1001", &key)
        .await;
    assert_eq!(names(&answer), ["Bogdan Wiśniewski"]);
    for miss in [
        "field=Allegro%20login&value=anna",
        "field=Empik%20ID&value=anna_n",
    ] {
        let answer = api.get(&format!("/v1/customers?{miss}"), &key).await;
        assert_eq!(answer.body["customers"], json!([]), "{miss}");
    }
}

#[tokio::test]
async fn customers_are_listed_by_name_prefix_page_by_page() {
    let (api, key) = seeded().await;
    let answer = api.get("/v1/customers?name=an", &key).await;
    assert_eq!(names(&answer), ["andrzej Zieliński", "Anna Nowak"]);
    let answer = api.get("/v1/customers?name=ANNA", &key).await;
    assert_eq!(names(&answer), ["Anna Nowak"]);

    let first = api.get("/v1/customers?name=&limit=2", &key).await;
    assert_eq!(names(&first), ["andrzej Zieliński", "Anna Nowak"]);
    let cursor = first.body["next_cursor"].as_str().expect("more").to_owned();
    let second = api
        .get(
            &format!("/v1/customers?name=&limit=2&cursor={cursor}"),
            &key,
        )
        .await;
    assert_eq!(names(&second), ["Bogdan Wiśniewski"]);
    assert_eq!(second.body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn lookups_need_field_and_value_or_a_name() {
    let (api, key) = seeded().await;
    for (query, field) in [
        ("", "name"),
        ("field=Allegro%20login", "value"),
        ("value=anna_n", "field"),
        ("field=&value=x", "field"),
        ("field=a&value=b&name=c", "name"),
        ("name=a&limit=0", "limit"),
        ("name=a&cursor=***", "cursor"),
        ("name=a&cursor=bm9wZQ", "cursor"),
        ("email=a@b.c", "email"),
    ] {
        let answer = api.get(&format!("/v1/customers?{query}"), &key).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert_eq!(answer.field(), field, "{query}: {}", answer.body);
    }
}

#[tokio::test]
async fn one_customer_comes_with_their_tickets_only() {
    let (api, key) = seeded().await;
    for n in 0..5 {
        let mut t = ticket("t1", "int-1", &format!("A{n}"), n);
        if n != 2 {
            t.customer_id = Some("c-anna".into());
        }
        store_ticket(&api, &t).await;
    }
    let answer = api.get("/v1/customers/c-anna", &key).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["customer"]["name"], "Anna Nowak");
    let tickets: Vec<&str> = answer.body["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(tickets, ["tk-t1-A0", "tk-t1-A1", "tk-t1-A3", "tk-t1-A4"]);
    assert_eq!(answer.body["next_cursor"], Value::Null);

    let page = api.get("/v1/customers/c-anna?limit=3", &key).await;
    assert_eq!(page.body["tickets"].as_array().map(Vec::len), Some(3));
    let cursor = page.body["next_cursor"].as_str().expect("more");
    let rest = api
        .get(
            &format!("/v1/customers/c-anna?limit=3&cursor={cursor}"),
            &key,
        )
        .await;
    assert_eq!(rest.body["tickets"][0]["id"], "tk-t1-A4");

    let none = api.get("/v1/customers/c-bogdan", &key).await;
    assert_eq!(none.body["tickets"], json!([]));
    assert_eq!(api.get("/v1/customers/nope", &key).await.status, 404);
    assert_eq!(api.get("/v1/customers/c-other", &key).await.status, 404);
    let bad = api.get("/v1/customers/c-anna?limit=500", &key).await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.field(), "limit");
}
