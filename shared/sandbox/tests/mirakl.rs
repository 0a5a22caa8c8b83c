//! The simulated EmpikPlace (Mirakl seller API and its control API), over HTTP.

mod common;

use common::read;
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::SimulatorControl;
use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

/// A simulator with one shop, one customer, one order and a thread on it.
struct World {
    sandbox: RunningSandbox,
    http: Client,
    simulator: SimulatorControl,
    shop_id: i64,
    key: String,
    customer_id: String,
    order_id: String,
    thread_id: String,
}

impl World {
    async fn new() -> Self {
        let sandbox = common::sandbox().await;
        let http = common::client();
        let mut world = Self {
            simulator: SimulatorControl::with_client(http.clone(), &sandbox.base_url),
            sandbox,
            http,
            shop_id: 0,
            key: String::new(),
            customer_id: String::new(),
            order_id: String::new(),
            thread_id: String::new(),
        };
        let shop = world.control("/shops", json!({"name": "ACME SHOP"})).await;
        world.shop_id = shop["shop_id"].as_i64().expect("shop_id");
        world.key = shop["api_key"].as_str().expect("api_key").to_owned();
        let customer = world
            .control(
                "/customers",
                json!({"firstname": "Jan", "lastname": "Kowalski"}),
            )
            .await;
        world.customer_id = customer["customer_id"].as_str().expect("id").to_owned();
        world.order_id = world.order(world.shop_id, &world.customer_id.clone()).await;
        let thread = world
            .control(
                "/threads",
                json!({
                    "shop_id": world.shop_id,
                    "customer_id": world.customer_id,
                    "order_id": world.order_id,
                    "topic": {"type": "REASON_CODE", "value": "23"},
                    "body": "Dzień dobry, kiedy wyślecie paczkę?",
                    "date": "2024-05-02T08:36:36.479Z"
                }),
            )
            .await;
        world.thread_id = thread["thread_id"].as_str().expect("thread_id").to_owned();
        world
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// POST to the Mirakl control API, expecting 201.
    async fn control(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.control_raw(path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
        answer
    }

    async fn control_raw(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, answer) = self
            .simulator
            .post_status(&format!("/mirakl{path}"), &body)
            .await;
        (StatusCode::from_u16(status).expect("a status"), answer)
    }

    /// GET on the Mirakl control API.
    async fn control_get(&self, path: &str) -> (StatusCode, Value) {
        let (status, answer) = self.simulator.get_status(&format!("/mirakl{path}")).await;
        (StatusCode::from_u16(status).expect("a status"), answer)
    }

    async fn order(&self, shop_id: i64, customer_id: &str) -> String {
        let order = self
            .control(
                "/orders",
                json!({
                    "shop_id": shop_id,
                    "customer_id": customer_id,
                    "lines": [
                        {"title": "Przykładowy produkt", "sku": "MY-SKU-1", "quantity": 2, "price": 29.99},
                        {"title": "Drugi produkt", "sku": "MY-SKU-2", "quantity": 1, "price": 10.0}
                    ],
                    "date": "2024-05-01T10:00:00Z"
                }),
            )
            .await;
        order["order_id"].as_str().expect("order_id").to_owned()
    }

    /// A thread of the customer at the shop, started at `date`.
    async fn thread_at(&self, date: &str) -> String {
        let thread = self
            .control(
                "/threads",
                json!({
                    "shop_id": self.shop_id,
                    "customer_id": self.customer_id,
                    "topic": {"type": "FREE_TEXT", "value": "Pytanie"},
                    "body": "Pytanie o produkt",
                    "date": date
                }),
            )
            .await;
        thread["thread_id"].as_str().expect("thread_id").to_owned()
    }

    /// GET on the seller API with the shop's key.
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        self.get_with(Some(&self.key), path, query).await
    }

    async fn get_with(
        &self,
        key: Option<&str>,
        path: &str,
        query: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self.http.get(self.url(path)).query(query);
        if let Some(key) = key {
            request = request.header("Authorization", key);
        }
        read(request.send().await.expect("api call")).await
    }

    /// GET on the seller API with the shop's key, expecting a Mirakl error with `expected`.
    async fn get_error(&self, path: &str, query: &[(&str, &str)], expected: StatusCode) {
        let (status, body) = self.get(path, query).await;
        assert_mirakl_error(status, &body, expected);
    }

    /// [`World::get_error`] for each of these queries.
    async fn get_errors(&self, path: &str, queries: &[&[(&str, &str)]], expected: StatusCode) {
        for query in queries {
            self.get_error(path, query, expected).await;
        }
    }

    /// M10 of the world's thread.
    async fn thread(&self) -> Value {
        let (status, thread) = self
            .get(&format!("/api/inbox/threads/{}", self.thread_id), &[])
            .await;
        assert_eq!(status, StatusCode::OK, "{thread}");
        thread
    }

    /// M13 with the shop's key.
    async fn download(&self, attachment_id: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/api/inbox/threads/{attachment_id}/download")))
            .header("Authorization", &self.key)
            .send()
            .await
            .expect("M13")
    }

    /// M12 with the shop's key.
    async fn reply(&self, thread_id: &str, form: Form) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url(&format!("/api/inbox/threads/{thread_id}/message")))
            .header("Authorization", &self.key)
            .multipart(form)
            .send()
            .await
            .expect("M12 call");
        read(response).await
    }

    /// M12 on the world's thread with only a `message_input` part.
    async fn reply_with(&self, input: &Value) -> (StatusCode, Value) {
        self.reply(&self.thread_id, input_form(input)).await
    }

    fn to_customer(&self) -> Value {
        json!([{"type": "CUSTOMER", "id": self.customer_id}])
    }
}

fn message_input(input: &Value) -> Part {
    Part::text(input.to_string())
        .mime_str("application/json;charset=utf-8")
        .expect("mime")
}

/// A multipart body with `input` as its `message_input` part.
fn input_form(input: &Value) -> Form {
    Form::new().part("message_input", message_input(input))
}

fn file(name: &str, data: &[u8]) -> Part {
    Part::bytes(data.to_vec())
        .file_name(name.to_owned())
        .mime_str("application/octet-stream")
        .expect("mime")
}

fn assert_mirakl_error(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["status"], json!(expected.as_u16()), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

fn thread_ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn missing_unknown_or_bearer_key_is_401_with_mirakl_body() {
    let world = World::new().await;
    let bearer = format!("Bearer {}", world.key);
    for key in [None, Some("no-such-key"), Some(bearer.as_str()), Some("")] {
        for path in ["/api/account", "/api/inbox/threads", "/api/orders"] {
            let (status, body) = world.get_with(key, path, &[]).await;
            assert_mirakl_error(status, &body, StatusCode::UNAUTHORIZED);
        }
    }
    let response = world
        .http
        .post(world.url(&format!("/api/inbox/threads/{}/message", world.thread_id)))
        .header("Authorization", "wrong")
        .multipart(Form::new().part("message_input", message_input(&json!({}))))
        .send()
        .await
        .expect("M12");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn key_without_access_to_the_shop_is_403_and_a_multi_shop_key_switches() {
    let world = World::new().await;
    let other = world.control("/shops", json!({"name": "OTHER"})).await;
    let other_id = other["shop_id"].as_i64().expect("id").to_string();
    world
        .get_error(
            "/api/account",
            &[("shop_id", other_id.as_str())],
            StatusCode::FORBIDDEN,
        )
        .await;
    world
        .get_error(
            "/api/inbox/threads",
            &[("shop_id", "999999")],
            StatusCode::FORBIDDEN,
        )
        .await;
    world
        .get_error(
            "/api/orders",
            &[("shop_id", "abc")],
            StatusCode::BAD_REQUEST,
        )
        .await;

    // One key, two shops: the first is the default, shop_id picks the other.
    let second = world
        .control("/shops", json!({"name": "SECOND", "api_key": world.key}))
        .await;
    assert_eq!(second["api_key"], json!(world.key));
    let second_id = second["shop_id"].as_i64().expect("id");
    let (status, body) = world.get("/api/account", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["shop_id"], json!(world.shop_id));
    let second_param = second_id.to_string();
    let (status, body) = world
        .get("/api/account", &[("shop_id", second_param.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["shop_name"], json!("SECOND"));
    let (_, page) = world
        .get("/api/inbox/threads", &[("shop_id", second_param.as_str())])
        .await;
    assert!(thread_ids(&page).is_empty(), "threads are per shop");
}

#[tokio::test]
async fn a01_returns_the_shop_with_the_required_fields() {
    let world = World::new().await;
    let (status, body) = world.get("/api/account", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["shop_id"], json!(world.shop_id));
    assert_eq!(body["shop_name"], json!("ACME SHOP"));
    assert_eq!(body["shop_state"], json!("OPEN"));
    assert_eq!(body["currency_iso_code"], json!("PLN"));
    assert_eq!(body["orders_count"], json!(1));
    for field in [
        "billing_info",
        "channels",
        "contact_informations",
        "date_created",
        "default_billing_information",
        "domains",
        "evaluations_count",
        "free_shipping",
        "is_professional",
        "last_updated_date",
        "offers_count",
        "payment_details",
        "payment_method_mandatory",
        "premium",
        "pro_details",
        "shipping",
        "shipping_types",
        "shipping_zones",
        "shop_additional_fields",
    ] {
        assert!(!body[field].is_null(), "{field} missing: {body}");
    }
    let created = body["date_created"].as_str().expect("date");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );
    for field in ["email", "lastname", "street1", "city", "country"] {
        assert!(body["contact_informations"][field].is_string(), "{field}");
    }
}

#[tokio::test]
async fn m11_updated_since_is_inclusive_and_accepts_offsets_and_millis() {
    let world = World::new().await;
    // The fixture thread is at 2024-05-02T08:36:36.479Z; add one later.
    let later = world.thread_at("2024-05-03T12:00:00Z").await;
    let cases = [
        (
            "2024-05-02T08:36:36.479Z",
            vec![later.clone(), world.thread_id.clone()],
        ),
        (
            "2024-05-02T10:36:36.479+02:00",
            vec![later.clone(), world.thread_id.clone()],
        ),
        ("2024-05-02T08:36:36.480Z", vec![later.clone()]),
        ("2024-05-03T12:00:00Z", vec![later.clone()]),
        ("2024-05-03T14:00:00+02:00", vec![later.clone()]),
        ("2024-05-03T12:00:00.001Z", vec![]),
        (
            "2024-01-01T00:00:00-05:00",
            vec![later.clone(), world.thread_id.clone()],
        ),
    ];
    for (since, expected) in cases {
        let (status, page) = world
            .get("/api/inbox/threads", &[("updated_since", since)])
            .await;
        assert_eq!(status, StatusCode::OK, "{since}: {page}");
        assert_eq!(thread_ids(&page), expected, "updated_since={since}");
    }
    for bad in ["2024-05-02", "yesterday", "2024-05-02T08:36:36 02:00"] {
        world
            .get_error(
                "/api/inbox/threads",
                &[("updated_since", bad)],
                StatusCode::BAD_REQUEST,
            )
            .await;
    }
    // A new message moves the thread's date_updated, so it shows up again.
    world
        .control(
            &format!("/threads/{}/messages", world.thread_id),
            json!({"from": "CUSTOMER", "body": "Halo?", "date": "2024-05-04T09:00:00Z"}),
        )
        .await;
    let (_, page) = world
        .get(
            "/api/inbox/threads",
            &[("updated_since", "2024-05-04T09:00:00Z")],
        )
        .await;
    assert_eq!(thread_ids(&page), vec![world.thread_id.clone()]);
    assert_eq!(
        page["data"][0]["date_updated"],
        json!("2024-05-04T09:00:00.000Z")
    );
}

#[tokio::test]
async fn m11_pages_newest_first_with_next_and_previous_tokens() {
    let world = World::new().await;
    let mut expected = Vec::new();
    for day in 10..15 {
        expected.push(world.thread_at(&format!("2024-06-{day}T10:00:00Z")).await);
    }
    expected.push(world.thread_id.clone()); // 2024-05-02, the oldest
    expected.reverse();
    expected.rotate_left(1); // newest first: 14, 13, 12, 11, 10, then the fixture
    let mut seen = Vec::new();
    let (status, mut page) = world.get("/api/inbox/threads", &[("limit", "2")]).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.get("previous_page_token").is_none(), "first page");
    let mut tokens = Vec::new();
    loop {
        let ids = thread_ids(&page);
        assert!(ids.len() <= 2);
        seen.extend(ids);
        let Some(token) = page["next_page_token"].as_str().map(str::to_owned) else {
            break;
        };
        tokens.push(token.clone());
        // Only page_token counts: other parameters are ignored, even invalid ones.
        let (status, next) = world
            .get(
                "/api/inbox/threads",
                &[("page_token", token.as_str()), ("limit", "1000")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{next}");
        page = next;
    }
    assert_eq!(seen, expected);
    assert_eq!(tokens.len(), 2, "three pages of 2, 2 and 2");

    // Back from the last page.
    let previous = page["previous_page_token"]
        .as_str()
        .expect("previous token");
    let (_, back) = world
        .get("/api/inbox/threads", &[("page_token", previous)])
        .await;
    assert_eq!(thread_ids(&back), expected[2..4].to_vec());
    assert!(back["next_page_token"].is_string());
    assert!(back["previous_page_token"].is_string());

    let (_, all) = world.get("/api/inbox/threads", &[]).await;
    assert_eq!(thread_ids(&all), expected, "default limit 50 holds all");
    assert!(all.get("next_page_token").is_none());
    let (_, ascending) = world
        .get("/api/inbox/threads", &[("sort", "date,ASC")])
        .await;
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(thread_ids(&ascending), reversed);
}

#[tokio::test]
async fn m11_rejects_bad_parameters_with_400() {
    let world = World::new().await;
    let (status, _) = world.get("/api/inbox/threads", &[("limit", "100")]).await;
    assert_eq!(status, StatusCode::OK);
    world
        .get_errors(
            "/api/inbox/threads",
            &[
                &[("limit", "101")],
                &[("limit", "0")],
                &[("limit", "ten")],
                &[("entity_id", "1-A")],
                &[("entity_type", "ORDER")],
                &[("page_token", "not-a-token")],
                &[("with_messages", "maybe")],
                &[("sort", "name,ASC")],
            ],
            StatusCode::BAD_REQUEST,
        )
        .await;
    // A token is bound to its shop.
    let second = world
        .control("/shops", json!({"name": "SECOND", "api_key": world.key}))
        .await;
    world.thread_at("2024-06-01T10:00:00Z").await;
    let (_, page) = world.get("/api/inbox/threads", &[("limit", "1")]).await;
    let token = page["next_page_token"].as_str().expect("token");
    let second_id = second["shop_id"].as_i64().expect("id").to_string();
    world
        .get_error(
            "/api/inbox/threads",
            &[("page_token", token), ("shop_id", second_id.as_str())],
            StatusCode::BAD_REQUEST,
        )
        .await;
}

#[tokio::test]
async fn m11_filters_by_entity_and_includes_messages_only_on_request() {
    let world = World::new().await;
    let free = world.thread_at("2024-06-01T10:00:00Z").await;
    let (_, page) = world
        .get(
            "/api/inbox/threads",
            &[
                ("entity_type", "MMP_ORDER"),
                ("entity_id", world.order_id.as_str()),
            ],
        )
        .await;
    assert_eq!(thread_ids(&page), vec![world.thread_id.clone()]);
    let thread = &page["data"][0];
    assert_eq!(
        thread["entities"],
        json!([{"id": world.order_id, "label": world.order_id.trim_end_matches("-A"), "type": "MMP_ORDER"}])
    );
    assert!(
        thread.get("messages").is_none(),
        "with_messages defaults to false"
    );
    assert!(thread.get("no_store_reply_needed").is_none());
    assert_eq!(thread["metadata"]["total_count"], json!(1));
    assert_eq!(
        thread["topic"],
        json!({"type": "REASON_CODE", "value": "23"})
    );

    let (_, page) = world
        .get(
            "/api/inbox/threads",
            &[("entity_type", "MMP_ORDER"), ("entity_id", "x-A,y-A")],
        )
        .await;
    assert!(thread_ids(&page).is_empty());
    let (_, page) = world
        .get("/api/inbox/threads", &[("entity_type", "MMP_OFFER")])
        .await;
    assert!(thread_ids(&page).is_empty());

    let (_, page) = world
        .get("/api/inbox/threads", &[("with_messages", "true")])
        .await;
    assert_eq!(thread_ids(&page), vec![free, world.thread_id.clone()]);
    for thread in page["data"].as_array().expect("data") {
        assert_eq!(thread["messages"].as_array().expect("messages").len(), 1);
        assert_eq!(thread["no_store_reply_needed"], json!([]));
    }
}

#[tokio::test]
async fn m10_shows_customer_shop_and_operator_authors() {
    let world = World::new().await;
    let path = format!("/api/inbox/threads/{}", world.thread_id);
    let (_, thread) = world.get(&path, &[]).await;
    assert_eq!(
        thread["metadata"]["shop_reply_needed_since"],
        json!("2024-05-02T08:36:36.479Z")
    );
    let messages = format!("/threads/{}/messages", world.thread_id);
    world
        .control(
            &messages,
            json!({"from": "SHOP", "body": "Wysłaliśmy wczoraj.", "date": "2024-05-02T09:00:00Z"}),
        )
        .await;
    let (_, thread) = world.get(&path, &[]).await;
    assert_eq!(thread["metadata"]["shop_reply_needed_since"], Value::Null);
    world
        .control(
            &messages,
            json!({"from": "OPERATOR", "body": "Prosimy o kontakt z klientem.", "to": ["SHOP", "CUSTOMER"], "date": "2024-05-02T10:00:00Z"}),
        )
        .await;

    let (status, thread) = world.get(&path, &[]).await;
    assert_eq!(status, StatusCode::OK, "{thread}");
    assert_eq!(thread["id"], json!(world.thread_id));
    let messages = thread["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 3);
    let shop_id = world.shop_id.to_string();

    let customer = &messages[0];
    assert_eq!(
        customer["from"],
        json!({"type": "CUSTOMER_USER", "display_name": "Jan Kowalski"})
    );
    assert_eq!(
        customer["to"],
        json!([{"type": "SHOP", "id": shop_id, "display_name": "ACME SHOP"}])
    );
    assert_eq!(
        customer["body"],
        json!("Dzień dobry, kiedy wyślecie paczkę?")
    );
    assert_eq!(customer["date_created"], json!("2024-05-02T08:36:36.479Z"));

    let shop = &messages[1];
    assert_eq!(shop["from"]["type"], json!("SHOP_USER"));
    assert_eq!(
        shop["from"]["organization_details"],
        json!({"type": "SHOP", "id": shop_id, "display_name": "ACME SHOP"})
    );
    assert_eq!(
        shop["to"],
        json!([{"type": "CUSTOMER", "id": world.customer_id, "display_name": "Jan Kowalski"}])
    );

    let operator = &messages[2];
    assert_eq!(operator["from"]["type"], json!("OPERATOR_USER"));
    assert_eq!(
        operator["from"]["organization_details"],
        json!({"type": "OPERATOR", "display_name": "Empik"})
    );
    assert_eq!(operator["to"].as_array().expect("to").len(), 2);

    let metadata = &thread["metadata"];
    assert_eq!(metadata["total_count"], json!(3));
    assert_eq!(
        metadata["last_message_date"],
        json!("2024-05-02T10:00:00.000Z")
    );
    assert_eq!(metadata["last_sender"]["type"], json!("OPERATOR_USER"));
    assert_eq!(
        metadata["shop_reply_needed_since"],
        json!("2024-05-02T10:00:00.000Z"),
        "the operator wrote to the shop"
    );
    assert_eq!(thread["date_created"], json!("2024-05-02T08:36:36.479Z"));
    assert_eq!(thread["date_updated"], json!("2024-05-02T10:00:00.000Z"));
    let authorized: Vec<&str> = thread["authorized_participants"]
        .as_array()
        .expect("authorized")
        .iter()
        .map(|p| p["type"].as_str().expect("type"))
        .collect();
    assert_eq!(authorized, vec!["CUSTOMER", "SHOP", "OPERATOR"]);
    assert!(
        thread["authorized_participants"][2].get("id").is_none(),
        "operators have no id"
    );
    assert_eq!(
        thread["current_participants"]
            .as_array()
            .expect("current")
            .len(),
        3
    );
}

#[tokio::test]
async fn m10_unknown_or_foreign_thread_is_404() {
    let world = World::new().await;
    world
        .get_error(
            "/api/inbox/threads/no-such-thread",
            &[],
            StatusCode::NOT_FOUND,
        )
        .await;
    let other = world.control("/shops", json!({"name": "OTHER"})).await;
    let other_key = other["api_key"].as_str().expect("key");
    let (status, body) = world
        .get_with(
            Some(other_key),
            &format!("/api/inbox/threads/{}", world.thread_id),
            &[],
        )
        .await;
    assert_mirakl_error(status, &body, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn m12_text_reply_is_stored_as_shop_message_and_logged() {
    let world = World::new().await;
    let input = json!({"body": "Paczka wyszła dziś.", "to": world.to_customer()});
    let (status, body) = world.reply_with(&input).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["thread_id"], json!(world.thread_id));
    let message_id = body["message_id"].as_str().expect("message_id").to_owned();

    let thread = world.thread().await;
    let last = thread["messages"]
        .as_array()
        .expect("messages")
        .last()
        .cloned()
        .expect("last");
    assert_eq!(last["id"], json!(message_id));
    assert_eq!(last["body"], json!("Paczka wyszła dziś."));
    assert_eq!(last["from"]["type"], json!("SHOP_USER"));
    assert_eq!(
        last["to"],
        json!([{"type": "CUSTOMER", "id": world.customer_id, "display_name": "Jan Kowalski"}])
    );
    assert!(last.get("attachments").is_none());
    assert_eq!(thread["metadata"]["shop_reply_needed_since"], Value::Null);
    assert_eq!(thread["metadata"]["total_count"], json!(2));

    let (_, posted) = world
        .control_get(&format!("/threads/{}/posted", world.thread_id))
        .await;
    let entry = &posted["posted"][0];
    assert_eq!(entry["message_id"], json!(message_id));
    assert_eq!(entry["body"], json!("Paczka wyszła dziś."));
    assert_eq!(
        entry["to"],
        json!([{"type": "CUSTOMER", "id": world.customer_id}])
    );
    assert_eq!(entry["files"], json!([]));
    assert_eq!(posted["attachments_total_bytes"], json!(0));

    // Topic change, operator in copy, shop_id given explicitly.
    let input = json!({
        "body": "Do wiadomości operatora.",
        "to": [{"type": "CUSTOMER", "id": world.customer_id}, {"type": "OPERATOR"}],
        "topic": {"type": "FREE_TEXT", "value": "Dostawa"}
    });
    let shop_id = world.shop_id.to_string();
    let response = world
        .http
        .post(world.url(&format!("/api/inbox/threads/{}/message", world.thread_id)))
        .query(&[("shop_id", shop_id.as_str())])
        .header("Authorization", &world.key)
        .multipart(input_form(&input))
        .send()
        .await
        .expect("M12");
    assert_eq!(response.status(), StatusCode::CREATED);
    let thread = world.thread().await;
    assert_eq!(
        thread["topic"],
        json!({"type": "FREE_TEXT", "value": "Dostawa"})
    );
    let (_, all) = world.control_get("/posted").await;
    assert_eq!(all["posted"].as_array().expect("posted").len(), 2);
}

#[tokio::test]
async fn m12_reply_with_files_stores_attachments_that_m13_downloads() {
    let world = World::new().await;
    let input = json!({"body": "W załączniku faktura.", "to": world.to_customer()});
    let pdf = b"%PDF-1.4 faktura".to_vec();
    let form = input_form(&input)
        .part("files", file("faktura 1.pdf", &pdf))
        .part("files", file("zdjęcie.jpg", &[0xFF, 0xD8, 0xFF, 0x00]));
    let (status, body) = world.reply(&world.thread_id, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let thread = world.thread().await;
    let last = thread["messages"]
        .as_array()
        .expect("messages")
        .last()
        .cloned()
        .expect("last");
    let attachments = last["attachments"].as_array().expect("attachments").clone();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["name"], json!("faktura 1.pdf"));
    assert_eq!(attachments[0]["size"], json!(pdf.len()));
    assert_eq!(attachments[1]["name"], json!("zdjęcie.jpg"));
    assert_eq!(attachments[1]["size"], json!(4));

    let id = attachments[0]["id"].as_str().expect("id");
    let response = world.download(id).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"faktura 1.pdf\"; filename*=UTF-8''faktura%201.pdf"
    );
    assert_eq!(response.bytes().await.expect("bytes").to_vec(), pdf);

    let id = attachments[1]["id"].as_str().expect("id");
    let response = world.download(id).await;
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''zdj%C4%99cie.jpg"),
        "{disposition}"
    );

    let (_, posted) = world
        .control_get(&format!("/threads/{}/posted", world.thread_id))
        .await;
    let files = posted["posted"][0]["files"].as_array().expect("files");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], json!("faktura 1.pdf"));
    assert_eq!(files[0]["size"], json!(pdf.len()));
    assert_eq!(posted["attachments_total_bytes"], json!(pdf.len() + 4));
}

#[tokio::test]
async fn m12_recipients_must_be_participants_of_the_thread() {
    let world = World::new().await;
    let other = world
        .control(
            "/customers",
            json!({"firstname": "Ewa", "lastname": "Nowak"}),
        )
        .await;
    let other_customer = other["customer_id"].as_str().expect("id");
    for to in [
        json!([{"type": "CUSTOMER", "id": other_customer}]),
        json!([{"type": "CUSTOMER"}]),
        json!([{"type": "SHOP", "id": world.shop_id.to_string()}]),
        json!([{"type": "SUPPORT"}]),
        json!(["CUSTOMER"]),
        json!([]),
    ] {
        let input = json!({"body": "Odpowiedź", "to": to});
        let (status, body) = world.reply_with(&input).await;
        assert_mirakl_error(status, &body, StatusCode::BAD_REQUEST);
    }
    let input = json!({"body": "Tylko do operatora", "to": [{"type": "OPERATOR"}]});
    let (status, _) = world.reply_with(&input).await;
    assert_eq!(status, StatusCode::CREATED);
    let thread = world.thread().await;
    assert_eq!(
        thread["metadata"]["shop_reply_needed_since"],
        Value::Null,
        "any shop reply clears it"
    );
}

#[tokio::test]
async fn m12_body_must_have_3_to_50000_characters() {
    let world = World::new().await;
    for (body, expected) in [
        ("ab".to_owned(), StatusCode::BAD_REQUEST),
        (String::new(), StatusCode::BAD_REQUEST),
        ("x".repeat(50_001), StatusCode::BAD_REQUEST),
        ("abc".to_owned(), StatusCode::CREATED),
        ("ż".repeat(50_000), StatusCode::CREATED),
    ] {
        let input = json!({"body": body, "to": world.to_customer()});
        let (status, answer) = world.reply_with(&input).await;
        assert_eq!(
            status,
            expected,
            "length {}: {answer}",
            body.chars().count()
        );
        if expected == StatusCode::BAD_REQUEST {
            assert_mirakl_error(status, &answer, StatusCode::BAD_REQUEST);
        }
    }
}

#[tokio::test]
async fn m12_requires_multipart_with_a_message_input_on_a_known_thread() {
    let world = World::new().await;
    let url = world.url(&format!("/api/inbox/threads/{}/message", world.thread_id));
    let response = world
        .http
        .post(&url)
        .header("Authorization", &world.key)
        .json(&json!({"body": "abc", "to": world.to_customer()}))
        .send()
        .await
        .expect("M12");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let form = Form::new().part("files", file("a.txt", b"abc"));
    let (status, body) = world.reply(&world.thread_id, form).await;
    assert_mirakl_error(status, &body, StatusCode::BAD_REQUEST);

    let form = Form::new().part("message_input", Part::text("{not json"));
    let (status, body) = world.reply(&world.thread_id, form).await;
    assert_mirakl_error(status, &body, StatusCode::BAD_REQUEST);

    let input = json!({"body": "abc", "to": world.to_customer()});
    let form = input_form(&input);
    let (status, body) = world.reply("no-such-thread", form).await;
    assert_mirakl_error(status, &body, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn m12_allows_at_most_50_attachments_per_order() {
    let world = World::new().await;
    let input = json!({"body": "Zdjęcia", "to": world.to_customer()});
    let mut form = input_form(&input);
    for n in 0..51 {
        form = form.part("files", file(&format!("{n}.txt"), b"x"));
    }
    let (status, body) = world.reply(&world.thread_id, form).await;
    assert_mirakl_error(status, &body, StatusCode::BAD_REQUEST);

    let mut form = input_form(&input);
    for n in 0..50 {
        form = form.part("files", file(&format!("{n}.txt"), b"x"));
    }
    let (status, body) = world.reply(&world.thread_id, form).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The limit is per order, across its threads.
    let second = world
        .control(
            "/threads",
            json!({
                "shop_id": world.shop_id, "customer_id": world.customer_id,
                "order_id": world.order_id, "topic": {"type": "FREE_TEXT", "value": "Inne"},
                "body": "Drugi wątek"
            }),
        )
        .await;
    let second = second["thread_id"].as_str().expect("id");
    let form = input_form(&input).part("files", file("one-more.txt", b"x"));
    let (status, body) = world.reply(second, form).await;
    assert_mirakl_error(status, &body, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn m13_downloads_customer_files_and_404s_unknown_ones() {
    let world = World::new().await;
    let added = world
        .control(
            &format!("/threads/{}/messages", world.thread_id),
            json!({
                "from": "CUSTOMER", "body": "Zdjęcie uszkodzenia",
                "attachment": {"name": "szkoda.png", "data_base64": "iVBORw0KGgo=", "content_type": "image/png"}
            }),
        )
        .await;
    let id = added["attachment_id"].as_str().expect("attachment_id");
    let response = world.download(id).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.bytes().await.expect("bytes").to_vec(),
        vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]
    );
    let thread = world.thread().await;
    assert_eq!(
        thread["messages"][1]["attachments"],
        json!([{"id": id, "name": "szkoda.png", "size": 8}])
    );

    world
        .get_error(
            "/api/inbox/threads/no-such-file/download",
            &[],
            StatusCode::NOT_FOUND,
        )
        .await;
    let other = world.control("/shops", json!({"name": "OTHER"})).await;
    let (status, body) = world
        .get_with(
            other["api_key"].as_str(),
            &format!("/api/inbox/threads/{id}/download"),
            &[],
        )
        .await;
    assert_mirakl_error(status, &body, StatusCode::NOT_FOUND);
    let (status, body) = world
        .get_with(None, &format!("/api/inbox/threads/{id}/download"), &[])
        .await;
    assert_mirakl_error(status, &body, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn or11_returns_orders_by_id_with_offset_paging() {
    let world = World::new().await;
    let (status, body) = world
        .get("/api/orders", &[("order_ids", world.order_id.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total_count"], json!(1));
    let order = &body["orders"][0];
    assert_eq!(order["order_id"], json!(world.order_id));
    assert_eq!(order["order_state"], json!("SHIPPING"));
    assert_eq!(order["created_date"], json!("2024-05-01T10:00:00Z"));
    assert_eq!(order["currency_iso_code"], json!("PLN"));
    assert_eq!(order["price"], json!(69.98));
    assert_eq!(order["has_customer_message"], json!(true));
    let customer = &order["customer"];
    assert_eq!(customer["customer_id"], json!(world.customer_id));
    assert_eq!(customer["firstname"], json!("Jan"));
    assert_eq!(customer["lastname"], json!("Kowalski"));
    assert_eq!(customer["shipping_address"]["city"], json!("Warszawa"));
    let lines = order["order_lines"].as_array().expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0]["order_line_id"],
        json!(format!("{}-1", world.order_id))
    );
    assert_eq!(lines[0]["offer_sku"], json!("MY-SKU-1"));
    assert_eq!(lines[0]["product_title"], json!("Przykładowy produkt"));
    assert_eq!(lines[0]["quantity"], json!(2));
    assert_eq!(lines[0]["price_unit"], json!(29.99));
    assert_eq!(lines[0]["price"], json!(59.98));
    assert!(lines[0]["product_sku"].is_string());
    for field in [
        "commercial_id",
        "last_updated_date",
        "shipping_price",
        "total_price",
        "total_commission",
        "can_cancel",
        "can_shop_ship",
        "has_incident",
        "has_invoice",
        "fully_refunded",
        "leadtime_to_ship",
        "shipping_type_code",
        "shipping_zone_code",
        "fulfillment",
    ] {
        assert!(!order[field].is_null(), "{field}: {order}");
    }

    // Paging: three more orders, created later.
    let mut ids = vec![world.order_id.clone()];
    for _ in 0..3 {
        let created = world
            .control(
                "/orders",
                json!({"shop_id": world.shop_id, "customer_id": world.customer_id,
                       "lines": [{"title": "T", "sku": "S", "quantity": 1, "price": 1.5}],
                       "state": "WAITING_ACCEPTANCE"}),
            )
            .await;
        ids.push(created["order_id"].as_str().expect("id").to_owned());
    }
    let (_, page) = world
        .get("/api/orders", &[("max", "2"), ("offset", "1")])
        .await;
    assert_eq!(page["total_count"], json!(4));
    let got: Vec<&str> = page["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["order_id"].as_str().expect("id"))
        .collect();
    assert_eq!(got, vec![ids[1].as_str(), ids[2].as_str()]);
    let joined = format!("{},{}", ids[3], ids[0]);
    let (_, page) = world
        .get("/api/orders", &[("order_ids", joined.as_str())])
        .await;
    assert_eq!(page["total_count"], json!(2));
    let waiting = &page["orders"][1];
    assert_eq!(waiting["order_state"], json!("WAITING_ACCEPTANCE"));
    assert_eq!(
        waiting["customer"]["shipping_address"],
        Value::Null,
        "masked before acceptance"
    );
    let (_, page) = world
        .get(
            "/api/orders",
            &[("order_state_codes", "WAITING_ACCEPTANCE")],
        )
        .await;
    assert_eq!(page["total_count"], json!(3));
    let (_, page) = world.get("/api/orders", &[]).await;
    assert_eq!(page["orders"].as_array().expect("orders").len(), 4);

    let other = world.control("/shops", json!({"name": "OTHER"})).await;
    let (_, page) = world
        .get_with(
            other["api_key"].as_str(),
            "/api/orders",
            &[("order_ids", world.order_id.as_str())],
        )
        .await;
    assert_eq!(page["total_count"], json!(0), "orders are per shop");
}

#[tokio::test]
async fn or11_rejects_too_many_ids_and_pages_over_100() {
    let world = World::new().await;
    let ids: Vec<String> = (0..101).map(|n| format!("{n}-A")).collect();
    let joined = ids.join(",");
    let (status, body) = world
        .get("/api/orders", &[("order_ids", joined.as_str())])
        .await;
    assert_mirakl_error(status, &body, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["message"],
        json!("The limit of 100 is exceeded for the parameter : order_ids")
    );
    world
        .get_errors(
            "/api/orders",
            &[
                &[("max", "101")],
                &[("max", "0")],
                &[("offset", "-1")],
                &[("order_state_codes", "LOST")],
                &[("order", "sideways")],
            ],
            StatusCode::BAD_REQUEST,
        )
        .await;
    let (status, _) = world.get("/api/orders", &[("max", "100")]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn injected_429_has_retry_after_and_a_mirakl_body() {
    let world = World::new().await;
    let armed = world
        .http
        .post(world.url("/__sandbox/faults"))
        .json(&json!({"path_prefix": "/api/inbox", "remaining": 1, "kind": "too_many_requests", "retry_after_seconds": 7}))
        .send()
        .await
        .expect("arm");
    assert_eq!(armed.status(), StatusCode::CREATED);
    let response = world
        .http
        .get(world.url("/api/inbox/threads"))
        .header("Authorization", &world.key)
        .send()
        .await
        .expect("M11");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.expect("json");
    assert_mirakl_error(
        StatusCode::TOO_MANY_REQUESTS,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
    );
    let (status, _) = world.get("/api/inbox/threads", &[]).await;
    assert_eq!(status, StatusCode::OK, "used up after one call");
}

#[tokio::test]
async fn an_answer_lost_after_processing_still_posts_once() {
    let world = World::new().await;
    let armed = world
        .http
        .post(world.url("/__sandbox/faults"))
        .json(
            &json!({"path_prefix": format!("/api/inbox/threads/{}/message", world.thread_id),
                      "method": "POST", "remaining": 1, "kind": "server_error_after_processing"}),
        )
        .send()
        .await
        .expect("arm");
    assert_eq!(armed.status(), StatusCode::CREATED);
    let input = json!({"body": "Wysłane mimo błędu", "to": world.to_customer()});
    let (status, body) = world.reply_with(&input).await;
    assert_mirakl_error(status, &body, StatusCode::INTERNAL_SERVER_ERROR);
    let (_, posted) = world
        .control_get(&format!("/threads/{}/posted", world.thread_id))
        .await;
    let posted = posted["posted"].as_array().expect("posted").clone();
    assert_eq!(posted.len(), 1, "the message was posted: {posted:?}");
    assert_eq!(posted[0]["body"], json!("Wysłane mimo błędu"));
    let (status, _) = world.reply_with(&input).await;
    assert_eq!(status, StatusCode::CREATED, "used up after one call");
}

#[tokio::test]
async fn control_api_validates_bodies_and_ids() {
    let world = World::new().await;
    let cases = [
        (
            "/shops",
            json!({"name": "X", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/shops",
            json!({"name": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/customers",
            json!({"firstname": "A"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/orders",
            json!({"shop_id": 1, "customer_id": world.customer_id, "lines": [{"title": "T", "sku": "S", "quantity": 1, "price": 1.0}]}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/orders",
            json!({"shop_id": world.shop_id, "customer_id": world.customer_id, "lines": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/orders",
            json!({"shop_id": world.shop_id, "customer_id": world.customer_id, "state": "LOST",
                   "lines": [{"title": "T", "sku": "S", "quantity": 1, "price": 1.0}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/threads",
            json!({"shop_id": world.shop_id, "customer_id": "nobody", "topic": {"type": "FREE_TEXT", "value": "x"}, "body": "b"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/threads",
            json!({"shop_id": world.shop_id, "customer_id": world.customer_id, "topic": {"type": "OTHER", "value": "x"}, "body": "b"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/threads",
            json!({"shop_id": world.shop_id, "customer_id": world.customer_id, "order_id": "nope-A", "topic": {"type": "FREE_TEXT", "value": "x"}, "body": "b"}),
            StatusCode::NOT_FOUND,
        ),
        (
            "/threads",
            json!({"shop_id": world.shop_id, "customer_id": world.customer_id, "topic": {"type": "FREE_TEXT", "value": "x"}, "body": "b", "date": "soon"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/threads/nope/messages",
            json!({"from": "CUSTOMER", "body": "b"}),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (path, body, expected) in cases {
        let (status, answer) = world.control_raw(path, body.clone()).await;
        assert_eq!(status, expected, "{path} {body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let messages = format!("/threads/{}/messages", world.thread_id);
    for body in [
        json!({"from": "ROBOT", "body": "b"}),
        json!({"from": "CUSTOMER", "body": ""}),
        json!({"from": "CUSTOMER", "body": "b", "to": ["CUSTOMER"]}),
        json!({"from": "CUSTOMER", "body": "b", "date": "2020-01-01T00:00:00Z"}),
        json!({"from": "CUSTOMER", "body": "b", "attachment": {"name": "a", "data_base64": "!!"}}),
    ] {
        let (status, answer) = world.control_raw(&messages, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
    }
    // An order of another customer cannot carry this customer's thread.
    let other = world
        .control(
            "/customers",
            json!({"firstname": "Ewa", "lastname": "Nowak"}),
        )
        .await;
    let (status, _) = world
        .control_raw(
            "/threads",
            json!({"shop_id": world.shop_id, "customer_id": other["customer_id"], "order_id": world.order_id,
                   "topic": {"type": "FREE_TEXT", "value": "x"}, "body": "b"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = world.control_get("/threads/nope/posted").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn re02_labels_order_messaging_reasons_in_the_asked_language() {
    let world = World::new().await;
    let path = "/api/reasons/ORDER_MESSAGING";
    let (status, body) = world.get(path, &[("locale", "pl_PL")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reasons = body["reasons"].as_array().expect("reasons");
    assert_eq!(body["total_count"], json!(reasons.len()));
    assert!(
        reasons.contains(&json!({"code": "23", "label": "Nie otrzymałem produktu"})),
        "{body}"
    );
    let (_, english) = world.get(path, &[]).await;
    assert!(english["reasons"]
        .as_array()
        .expect("reasons")
        .contains(&json!({"code": "23", "label": "Item not received"})));

    let (status, answer) = world
        .control_raw(
            "/reasons",
            json!({"code": "27", "labels": {"pl": "Zwrot towaru", "en": "Return"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    world
        .control(
            "/reasons",
            json!({"code": "23", "labels": {"pl": "Paczka nie dotarła"}}),
        )
        .await;
    let (_, relabelled) = world.get(path, &[("locale", "pl_PL")]).await;
    let reasons = relabelled["reasons"].as_array().expect("reasons");
    assert!(reasons.contains(&json!({"code": "23", "label": "Paczka nie dotarła"})));
    assert_eq!(
        reasons.last(),
        Some(&json!({"code": "27", "label": "Zwrot towaru"})),
        "new reasons come last"
    );
    let (_, other_type) = world.get("/api/reasons/REFUND", &[]).await;
    assert_eq!(other_type, json!({"reasons": [], "total_count": 0}));

    world
        .get_error("/api/reasons/NO_SUCH_TYPE", &[], StatusCode::BAD_REQUEST)
        .await;
    let (status, body) = world.get_with(None, path, &[]).await;
    assert_mirakl_error(status, &body, StatusCode::UNAUTHORIZED);
    for bad in [
        json!({"code": "", "labels": {"pl": "x"}}),
        json!({"code": "28", "labels": {}}),
        json!({"code": "28", "labels": {"pl": " "}}),
        json!({"code": "28", "labels": {"pl": "x"}, "reason_type": "NOPE"}),
    ] {
        let (status, _) = world.control_raw("/reasons", bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[tokio::test]
async fn m11_carries_the_last_100_messages_and_m10_the_whole_thread() {
    let world = World::new().await;
    let messages = format!("/threads/{}/messages", world.thread_id);
    for n in 2..=150 {
        world
            .control(
                &messages,
                json!({"from": "CUSTOMER", "body": format!("Wiadomość {n}")}),
            )
            .await;
    }
    let (_, page) = world
        .get("/api/inbox/threads", &[("with_messages", "true")])
        .await;
    let listed = &page["data"][0];
    assert_eq!(listed["metadata"]["total_count"], json!(150));
    let bodies: Vec<&str> = listed["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().expect("body"))
        .collect();
    assert_eq!(bodies.len(), 100, "M11 carries only the newest 100");
    assert_eq!(bodies.first(), Some(&"Wiadomość 51"));
    assert_eq!(bodies.last(), Some(&"Wiadomość 150"));

    let thread = world.thread().await;
    assert_eq!(thread["metadata"]["total_count"], json!(150));
    let all = thread["messages"].as_array().expect("messages");
    assert_eq!(all.len(), 150, "M10 carries every message");
    assert_eq!(all[0]["body"], json!("Dzień dobry, kiedy wyślecie paczkę?"));
}

#[tokio::test]
async fn the_request_log_counts_marketplace_calls_and_leaves_control_calls_out() {
    let world = World::new().await;
    let log = |query: &'static str| {
        let url = world.url(&format!("/__sandbox/requests{query}"));
        let http = world.http.clone();
        async move { read(http.get(url).send().await.expect("log")).await }
    };
    world.get("/api/account", &[]).await;
    world
        .get("/api/inbox/threads", &[("with_messages", "true")])
        .await;
    world.get_with(None, "/api/orders", &[]).await;
    let (status, body) = log("?path_prefix=/api/").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entries = body["requests"].as_array().expect("requests");
    let seen: Vec<(&str, &str, &str, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().expect("method"),
                e["path"].as_str().expect("path"),
                e["query"].as_str().expect("query"),
                e["status"].as_u64().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("GET", "/api/account", "", 200),
            ("GET", "/api/inbox/threads", "with_messages=true", 200),
            ("GET", "/api/orders", "", 401),
        ],
        "control calls (the world's set-up) are not logged"
    );
    assert!(entries
        .iter()
        .all(|e| e["at"].is_string() && e["seq"].is_u64()));
    let (_, only_orders) = log("?path_prefix=/api/orders").await;
    assert_eq!(only_orders["requests"].as_array().map(Vec::len), Some(1));
    let (status, _) = log("?unknown=1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let cleared = world
        .http
        .delete(world.url("/__sandbox/requests"))
        .send()
        .await
        .expect("clear");
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    let (_, empty) = log("").await;
    assert_eq!(empty["requests"], json!([]));
}
