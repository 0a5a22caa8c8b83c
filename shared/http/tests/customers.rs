//! `/v1/customers`: lookups by custom field, e-mail and name words, one customer with their
//! tickets, edits and merges.

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
        ("email=a@b.c&name=x", "email"),
        ("email=%20", "email"),
        ("name=--", "name"),
        ("tag=x", "tag"),
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

#[tokio::test]
async fn customers_are_found_by_any_word_of_the_name_and_by_email() {
    let (api, key) = seeded().await;
    let answer = api.get("/v1/customers?name=nowak", &key).await;
    assert_eq!(names(&answer), ["Anna Nowak"]);
    let answer = api.get("/v1/customers?name=wisniew", &key).await;
    assert_eq!(names(&answer), ["Bogdan Wiśniewski"], "diacritics folded");
    let answer = api.get("/v1/customers?name=ZIEL%20andrz", &key).await;
    assert_eq!(
        names(&answer),
        ["andrzej Zieliński"],
        "every word must match"
    );
    let answer = api.get("/v1/customers?name=anna%20zielinski", &key).await;
    assert_eq!(names(&answer), Vec::<String>::new());
    let answer = api
        .get("/v1/customers?email=C-ANNA@example.com", &key)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(names(&answer), ["Anna Nowak"]);
    let answer = api
        .get("/v1/customers?email=c-other@example.com", &key)
        .await;
    assert_eq!(
        names(&answer),
        Vec::<String>::new(),
        "other tenants' customers"
    );
}

#[tokio::test]
async fn customers_are_edited_with_checks_naming_the_field() {
    let (api, key) = seeded().await;
    let answer = api
        .patch(
            "/v1/customers/c-anna",
            &key,
            json!({
                "name": "Anna Kowalska",
                "emails": ["anna@shop.example", "ANNA@shop.example"],
                "phone": "+48 600 100 200",
                "custom_fields": { "VIP": "tak", "allegro LOGIN": "anna_k" },
                "note": "Prefers e-mail."
            }),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["emails"], json!(["anna@shop.example"]));
    assert_eq!(
        answer.body["custom_fields"],
        json!({ "VIP": "tak", "allegro LOGIN": "anna_k" })
    );
    assert_eq!(answer.body["updated_by"]["kind"], "api_key");
    let found = api
        .get("/v1/customers?field=Allegro%20login&value=anna_k", &key)
        .await;
    assert_eq!(names(&found), ["Anna Kowalska"]);
    let gone = api
        .get("/v1/customers?field=Allegro%20login&value=anna_n", &key)
        .await;
    assert_eq!(names(&gone), Vec::<String>::new());

    for (body, field) in [
        (json!({ "name": " " }), "name"),
        (json!({ "emails": ["not-an-address"] }), "emails[0]"),
        (json!({ "phone": "call me" }), "phone"),
        (json!({ "note": "<b>hi</b>" }), "note"),
        (
            json!({ "custom_fields": { "Allegro login": "andrzej" } }),
            "custom_fields.Allegro login",
        ),
        (json!({ "custom_fields": { "x": "" } }), "custom_fields.x"),
        (
            json!({ "custom_fields": { "a": "1", "A": "2" } }),
            "custom_fields.a",
        ),
        (json!({ "nickname": "x" }), "nickname"),
    ] {
        let answer = api.patch("/v1/customers/c-anna", &key, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.field(), field, "{body}: {}", answer.body);
    }
    let taken = api
        .patch(
            "/v1/customers/c-anna",
            &key,
            json!({ "custom_fields": { "Allegro login": "andrzej" } }),
        )
        .await;
    assert!(
        taken.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("c-andrzej")),
        "names the holder: {}",
        taken.body
    );
    let cleared = api
        .patch(
            "/v1/customers/c-anna",
            &key,
            json!({ "phone": null, "custom_fields": { "VIP": null } }),
        )
        .await;
    assert_eq!(cleared.body["phone"], Value::Null);
    assert_eq!(
        cleared.body["custom_fields"],
        json!({ "allegro LOGIN": "anna_k" })
    );
    assert_eq!(
        api.patch("/v1/customers/c-other", &key, json!({ "name": "X" }))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn merging_moves_tickets_and_is_safe_to_repeat() {
    let (api, key) = seeded().await;
    for n in 0..3 {
        let mut t = ticket("t1", "int-1", &format!("M{n}"), n);
        t.customer_id = Some("c-andrzej".into());
        store_ticket(&api, &t).await;
    }
    let merged = api
        .post(
            "/v1/customers/c-anna/merge",
            &key,
            json!({ "from": "c-andrzej" }),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.body["name"], "Anna Nowak");
    assert_eq!(
        merged.body["other_field_values"],
        json!([{ "field": "Allegro login", "value": "andrzej" }])
    );
    let detail = api.get("/v1/customers/c-anna", &key).await;
    assert_eq!(detail.body["tickets"].as_array().map(Vec::len), Some(3));
    assert_eq!(api.get("/v1/customers/c-andrzej", &key).await.status, 404);
    let by_login = api
        .get("/v1/customers?field=Allegro%20login&value=andrzej", &key)
        .await;
    assert_eq!(names(&by_login), ["Anna Nowak"]);
    let again = api
        .post(
            "/v1/customers/c-anna/merge",
            &key,
            json!({ "from": "c-andrzej" }),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, merged.body);

    for (path, body, status, field) in [
        (
            "/v1/customers/c-anna/merge",
            json!({ "from": "c-anna" }),
            422,
            "from",
        ),
        (
            "/v1/customers/c-anna/merge",
            json!({ "from": "nobody" }),
            422,
            "from",
        ),
        (
            "/v1/customers/c-anna/merge",
            json!({ "from": "c-other" }),
            422,
            "from",
        ),
        (
            "/v1/customers/c-bogdan/merge",
            json!({ "from": "c-andrzej" }),
            422,
            "from",
        ),
        (
            "/v1/customers/nobody/merge",
            json!({ "from": "c-bogdan" }),
            404,
            "",
        ),
    ] {
        let answer = api.post(path, &key, body.clone()).await;
        assert_eq!(answer.status, status, "{path} {body}: {}", answer.body);
        assert_eq!(answer.field(), field, "{path} {body}");
    }
}

/// The document's limits of the patch are literals in the body type's attributes: they must
/// be the service's.
#[test]
fn the_documented_patch_limits_are_the_services() {
    use marketdesk_core::services::crm::{
        MAX_CUSTOM_FIELDS, MAX_EMAILS, MAX_FIELD_VALUE_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS,
        MAX_PHONE_CHARS,
    };
    let doc = marketdesk_http::openapi_document();
    let patch = &doc["components"]["schemas"]["CustomerPatch"]["properties"];
    assert_eq!(patch["name"]["maxLength"], json!(MAX_NAME_CHARS));
    assert_eq!(patch["emails"]["maxItems"], json!(MAX_EMAILS));
    assert_eq!(patch["phone"]["maxLength"], json!(MAX_PHONE_CHARS));
    assert_eq!(patch["note"]["maxLength"], json!(MAX_NOTE_CHARS));
    assert_eq!(
        patch["custom_fields"]["maxProperties"],
        json!(MAX_CUSTOM_FIELDS)
    );
    assert_eq!(
        patch["custom_fields"]["additionalProperties"]["maxLength"],
        json!(MAX_FIELD_VALUE_CHARS)
    );
}
