//! `/messaging` beta.v1: media type, scope, thread and message views, cursor paging and
//! filters, the read flag, replies and their rules (2000 characters, closed threads, the
//! posting limit, Message Center only), the attachment flow and the control routes for threads.

mod common;

use common::inbox::*;
use common::{Reply, BETA, PUBLIC};
use reqwest::Method;
use serde_json::{json, Value};

fn purchase_problem(s: &Seeded) -> Value {
    json!({
        "seller_id": s.seller_id,
        "buyer_id": s.buyer_id,
        "type": "POST_PURCHASE_ISSUE",
        "sub_type": "PRODUCT_ARRIVED_DAMAGED",
        "order_id": s.order_id,
        "text": "Kubek przyszedł pęknięty",
    })
}

fn common_thread(s: &Seeded) -> Value {
    json!({
        "seller_id": s.seller_id,
        "buyer_id": s.buyer_id,
        "type": "COMMON",
        "text": "Czy jest w kolorze zielonym?",
    })
}

fn ids(reply: &Reply, key: &str) -> Vec<String> {
    reply.body[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {}", reply.body))
        .iter()
        .map(|t| t["id"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn next_page(reply: &Reply) -> Option<String> {
    reply.body["nextPage"]["id"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn messaging_needs_the_beta_media_type_and_the_messaging_scope() {
    let (simulator, s) = seeded("sklep").await;
    let thread = open_thread(&simulator, &purchase_problem(&s)).await;

    for path in [
        "/messaging/threads".to_owned(),
        format!("/messaging/threads/{thread}/messages"),
    ] {
        let public = get_accepting(&simulator, &s.token, &path, PUBLIC).await;
        assert_eq!(public.status, 406, "{path}: public.v1 is not simulated");
        let json = get_accepting(&simulator, &s.token, &path, "application/json").await;
        assert_eq!(json.status, 406, "{path}");
    }
    let disputes_only = token_with(&simulator, &s.seller_id, &["allegro:api:disputes"]);
    let denied = get(&simulator, &disputes_only, "/messaging/threads").await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    let denied_post =
        reply_to_thread(&simulator, &disputes_only, &thread, &json!({ "text": "x" })).await;
    assert_eq!(denied_post.status, 403);

    let ok = get(&simulator, &s.token, "/messaging/threads").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.header("content-type"), Some(BETA));
    assert_eq!(ids(&ok, "threads"), vec![thread]);
    assert_eq!(ok.body["nextPage"], Value::Null);
}

#[tokio::test]
async fn a_purchase_problem_thread_shows_every_field_of_the_spec() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    assert_eq!(id.len(), 43);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));

    let reply = get(&simulator, &s.token, &format!("/messaging/threads/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let thread = &reply.body;
    assert_eq!(thread["id"], json!(id));
    assert_eq!(thread["read"], false);
    assert_eq!(thread["type"], "POST_PURCHASE_ISSUE");
    assert_eq!(thread["subType"], "PRODUCT_ARRIVED_DAMAGED");
    assert_eq!(thread["status"], "OPEN");
    assert!(is_millis_z(&thread["createdAt"]));
    assert_eq!(thread["lastMessageDateTime"], thread["createdAt"]);
    assert_eq!(
        thread["participants"],
        json!([
            { "role": "BUYER", "login": s.buyer_login },
            { "role": "SELLER", "login": s.seller_login },
        ])
    );
    assert_eq!(
        thread["orders"],
        json!([{ "id": s.order_id, "offers": [{ "id": s.offer_id, "quantity": 2 }] }])
    );
}

#[tokio::test]
async fn a_common_thread_has_users_and_no_orders() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &common_thread(&s)).await;
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(thread["type"], "COMMON");
    assert_eq!(thread["subType"], Value::Null);
    assert_eq!(thread["orders"], Value::Null);
    assert_eq!(
        thread["participants"],
        json!([
            { "role": "USER", "login": s.buyer_login },
            { "role": "USER", "login": s.seller_login },
        ])
    );
    let messages = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages"),
    )
    .await
    .body;
    assert_eq!(
        messages["messages"][0]["author"],
        json!({ "role": "USER", "login": s.buyer_login })
    );
    assert_eq!(
        messages["messages"][0]["relatesTo"],
        json!({ "offer": null, "order": null })
    );
}

#[tokio::test]
async fn unknown_and_other_sellers_threads_answer_thread_not_found() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let theirs = open_thread(&simulator, &purchase_problem(&other)).await;
    let unknown = "P9XHEXmQAIiG3aCVmD124ZKm3knwcoEW06UTC3Zv9UK";
    for id in [theirs.as_str(), unknown] {
        let path = format!("/messaging/threads/{id}/messages");
        let reply = get(&simulator, &s.token, &path).await;
        assert_eq!(reply.status, 404);
        assert_eq!(
            reply.body,
            json!({ "errors": [{
                "code": "THREAD_NOT_FOUND",
                "message": format!("No thread with such Id [{id}]"),
                "details": null,
                "path": path,
                "userMessage": "Wątek nie istnieje",
                "metadata": {},
            }]})
        );
        for reply in [
            get(&simulator, &s.token, &format!("/messaging/threads/{id}")).await,
            post(&simulator, &s.token, &path, &json!({ "text": "x" })).await,
            send_json(
                &simulator,
                &s.token,
                Method::PUT,
                &format!("/messaging/threads/{id}/read"),
                &json!({ "read": true }),
            )
            .await,
        ] {
            assert_eq!(reply.status, 404);
            assert_eq!(reply.error_code(), "THREAD_NOT_FOUND");
        }
    }
    assert!(ids(
        &get(&simulator, &s.token, "/messaging/threads").await,
        "threads"
    )
    .is_empty());
}

#[tokio::test]
async fn threads_page_by_cursor_newest_message_first() {
    let (simulator, s) = seeded("sklep").await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(open_thread(&simulator, &common_thread(&s)).await);
        advance(&simulator, 1);
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();

    let first = get(&simulator, &s.token, "/messaging/threads?limit=2").await;
    assert_eq!(ids(&first, "threads"), newest_first[..2].to_vec());
    let cursor = next_page(&first).expect("a next page");
    let second = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads?limit=2&page.id={cursor}"),
    )
    .await;
    assert_eq!(ids(&second, "threads"), newest_first[2..4].to_vec());
    let cursor = next_page(&second).expect("a next page");
    let third = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads?limit=2&page.id={cursor}"),
    )
    .await;
    assert_eq!(ids(&third, "threads"), newest_first[4..].to_vec());
    assert_eq!(third.body["nextPage"], Value::Null);

    let all = get(&simulator, &s.token, "/messaging/threads").await;
    assert_eq!(ids(&all, "threads"), newest_first, "default limit 20");
    assert_eq!(all.body["nextPage"], Value::Null);

    control_post(
        &simulator,
        &format!("/threads/{}/messages", created[0]),
        &json!({ "author": "BUYER", "text": "Halo?" }),
        201,
    )
    .await;
    let resorted = get(&simulator, &s.token, "/messaging/threads?limit=1").await;
    assert_eq!(
        ids(&resorted, "threads"),
        vec![created[0].clone()],
        "sorted by last message"
    );
    let thread = &resorted.body["threads"][0];
    assert!(thread["lastMessageDateTime"].as_str() > thread["createdAt"].as_str());

    for bad in [
        "limit=0",
        "limit=21",
        "limit=x",
        "page.id=%%%",
        "page.id=bm90LWEtY3Vyc29y",
    ] {
        let reply = get(&simulator, &s.token, &format!("/messaging/threads?{bad}")).await;
        assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
    }
}

#[tokio::test]
async fn threads_filter_by_read_status_order_and_type() {
    let (simulator, s) = seeded("sklep").await;
    let second_order = another_order(&simulator, &s);
    let problem = open_thread(&simulator, &purchase_problem(&s)).await;
    let mut other_problem = purchase_problem(&s);
    other_problem["order_id"] = json!(second_order);
    other_problem["sub_type"] = Value::Null;
    let other_problem = open_thread(&simulator, &other_problem).await;
    let question = open_thread(&simulator, &common_thread(&s)).await;

    send_json(
        &simulator,
        &s.token,
        Method::PUT,
        &format!("/messaging/threads/{question}/read"),
        &json!({ "read": true }),
    )
    .await;
    control_post(
        &simulator,
        &format!("/threads/{problem}/close"),
        &json!({}),
        200,
    )
    .await;

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let filtered = |query: &str| {
        let query = query.to_owned();
        let simulator = &simulator;
        let token = s.token.clone();
        async move {
            let reply = get(simulator, &token, &format!("/messaging/threads?{query}")).await;
            assert_eq!(reply.status, 200, "{query}: {}", reply.body);
            let mut found = ids(&reply, "threads");
            found.sort();
            found
        }
    };
    assert_eq!(filtered("read=true").await, vec![question.clone()]);
    assert_eq!(
        filtered("read=false").await,
        sorted(vec![problem.clone(), other_problem.clone()])
    );
    assert_eq!(filtered("status=CLOSED").await, vec![problem.clone()]);
    assert_eq!(
        filtered("status=OPEN").await,
        sorted(vec![other_problem.clone(), question.clone()])
    );
    assert_eq!(
        filtered(&format!("orderId={second_order}")).await,
        vec![other_problem.clone()]
    );
    assert_eq!(filtered("type=COMMON").await, vec![question.clone()]);
    assert_eq!(
        filtered("type=POST_PURCHASE_ISSUE&status=OPEN").await,
        vec![other_problem.clone()]
    );
    for bad in ["read=yes", "status=ARCHIVED", "type=MAIL"] {
        let reply = get(&simulator, &s.token, &format!("/messaging/threads?{bad}")).await;
        assert_eq!(reply.status, 422, "{bad}");
    }
}

#[tokio::test]
async fn the_read_flag_is_set_by_the_seller_and_cleared_by_news() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    let path = format!("/messaging/threads/{id}/read");
    let reply = send_json(
        &simulator,
        &s.token,
        Method::PUT,
        &path,
        &json!({ "read": true }),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, json!({ "read": true }));
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(thread["read"], true);

    let missing = send_json(&simulator, &s.token, Method::PUT, &path, &json!({})).await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.body["errors"][0]["path"], "read");
    let wrong_type = send_typed(
        &simulator,
        &s.token,
        Method::PUT,
        &path,
        "application/json",
        json!({ "read": true }).to_string(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);

    for author in ["BUYER", "CONSULTANT", "ALLEGRO"] {
        send_json(
            &simulator,
            &s.token,
            Method::PUT,
            &path,
            &json!({ "read": true }),
        )
        .await;
        control_post(
            &simulator,
            &format!("/threads/{id}/messages"),
            &json!({ "author": author, "text": "Nowość" }),
            201,
        )
        .await;
        let thread = thread_json(&simulator, &s.token, &id).await;
        assert_eq!(thread["read"], false, "a message from {author} is news");
    }
    let unread = send_json(
        &simulator,
        &s.token,
        Method::PUT,
        &path,
        &json!({ "read": false }),
    )
    .await;
    assert_eq!(unread.body, json!({ "read": false }));
}

#[tokio::test]
async fn messages_list_newest_first_with_every_author_kind() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    for (author, text) in [
        ("CONSULTANT", "Konsultant Allegro"),
        ("ALLEGRO", "Wiadomość systemowa"),
        ("SELLER", "Sprzedawca na stronie"),
        ("BUYER", "Kupujący znowu"),
    ] {
        advance(&simulator, 1);
        control_post(
            &simulator,
            &format!("/threads/{id}/messages"),
            &json!({ "author": author, "text": text }),
            201,
        )
        .await;
    }
    let reply = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["nextPage"], Value::Null);
    let messages = reply.body["messages"].as_array().expect("messages");
    let authors: Vec<Value> = messages.iter().map(|m| m["author"].clone()).collect();
    assert_eq!(
        authors,
        vec![
            json!({ "role": "BUYER", "login": s.buyer_login }),
            json!({ "role": "SELLER", "login": s.seller_login }),
            json!({ "role": "ALLEGRO", "login": null }),
            json!({ "role": "CONSULTANT", "login": null }),
            json!({ "role": "BUYER", "login": s.buyer_login }),
        ]
    );
    let newest = &messages[0];
    assert_eq!(newest["text"], "Kupujący znowu");
    assert_eq!(newest["status"], "DELIVERED");
    assert_eq!(newest["type"], "MESSAGE_CENTER");
    assert_eq!(newest["subject"], Value::Null);
    assert_eq!(newest["hasAdditionalAttachments"], false);
    assert_eq!(newest["attachments"], json!([]));
    assert_eq!(newest["additionalInformation"], Value::Null);
    assert_eq!(
        newest["relatesTo"],
        json!({ "offer": null, "order": { "id": s.order_id } })
    );
    assert!(is_millis_z(&newest["createdAt"]));
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(thread["lastMessageDateTime"], newest["createdAt"]);

    let first = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages?limit=2"),
    )
    .await;
    let cursor = next_page(&first).expect("more pages");
    let second = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages?limit=2&page.id={cursor}"),
    )
    .await;
    let third = get(
        &simulator,
        &s.token,
        &format!(
            "/messaging/threads/{id}/messages?limit=2&page.id={}",
            next_page(&second).expect("more pages")
        ),
    )
    .await;
    let walked: Vec<String> = [first, second, third]
        .iter()
        .flat_map(|r| ids(r, "messages"))
        .collect();
    let all: Vec<String> = messages
        .iter()
        .map(|m| m["id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(walked, all);
    for bad in ["limit=0", "limit=21", "page.id=garbage"] {
        let reply = get(
            &simulator,
            &s.token,
            &format!("/messaging/threads/{id}/messages?{bad}"),
        )
        .await;
        assert_eq!(reply.status, 422, "{bad}");
    }
    assert!(
        posted(&simulator, "").await.is_empty(),
        "web messages are not API posts"
    );
}

#[tokio::test]
async fn a_seller_reply_is_created_and_logged() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    advance(&simulator, 5);
    let reply = reply_to_thread(
        &simulator,
        &s.token,
        &id,
        &json!({ "text": "Przepraszamy, wyślemy nowy.", "attachments": null }),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(BETA));
    let message = &reply.body;
    assert_eq!(
        message["author"],
        json!({ "role": "SELLER", "login": s.seller_login })
    );
    assert_eq!(message["text"], "Przepraszamy, wyślemy nowy.");
    assert_eq!(message["status"], "DELIVERED");
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(thread["lastMessageDateTime"], message["createdAt"]);
    assert_eq!(thread["read"], true, "answering marks the thread read");
    let newest = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages?limit=1"),
    )
    .await;
    assert_eq!(
        ids(&newest, "messages"),
        vec![message["id"].as_str().unwrap_or("").to_owned()]
    );

    let log = posted(&simulator, &format!("?conversation_id={id}")).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["conversation"], "thread");
    assert_eq!(log[0]["seller_id"], json!(s.seller_id));
    assert_eq!(log[0]["message_id"], message["id"]);
    assert_eq!(log[0]["type"], Value::Null);
    assert_eq!(log[0]["posted_at"], message["createdAt"]);
}

#[tokio::test]
async fn replies_have_at_most_2000_characters_and_need_a_text() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &common_thread(&s)).await;
    let path = format!("/messaging/threads/{id}/messages");
    for (body, what) in [
        (json!({ "text": "ą".repeat(2_001) }), "2001 characters"),
        (json!({}), "no text"),
        (json!({ "text": "" }), "empty text"),
        (json!({ "text": 12 }), "not a string"),
    ] {
        let reply = post(&simulator, &s.token, &path, &body).await;
        assert_eq!(reply.status, 422, "{what}: {}", reply.body);
    }
    let json_body = send_typed(
        &simulator,
        &s.token,
        Method::POST,
        &path,
        "application/json",
        json!({ "text": "x" }).to_string(),
    )
    .await;
    assert_eq!(json_body.status, 415);
    let longest = post(
        &simulator,
        &s.token,
        &path,
        &json!({ "text": "ą".repeat(2_000) }),
    )
    .await;
    assert_eq!(longest.status, 201, "{}", longest.body);
}

#[tokio::test]
async fn a_closed_thread_refuses_replies_until_reopened() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    let path = format!("/messaging/threads/{id}/messages");
    let closed = control_post(&simulator, &format!("/threads/{id}/close"), &json!({}), 200).await;
    assert_eq!(closed, json!({ "id": id, "status": "CLOSED" }));
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(thread["status"], "CLOSED");

    let refused = post(&simulator, &s.token, &path, &json!({ "text": "Halo" })).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.error_code(), "THREAD_CLOSED");
    assert_eq!(
        refused.body["errors"][0]["message"],
        "Cannot add a message to a closed POST_PURCHASE_ISSUE thread."
    );

    let reopened = control(
        &simulator,
        Method::POST,
        &format!("/threads/{id}/reopen"),
        None,
    )
    .await;
    assert_eq!(reopened.status, 200, "an empty body reads as {{}}");
    let accepted = post(&simulator, &s.token, &path, &json!({ "text": "Halo" })).await;
    assert_eq!(accepted.status, 201);
    assert!(posted(&simulator, "").await.len() == 1);
}

#[tokio::test]
async fn message_attachments_are_declared_uploaded_and_referenced() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    let gif = b"GIF89a fake".to_vec();
    let declared = post(
        &simulator,
        &s.token,
        "/messaging/message-attachments",
        &json!({ "filename": "etykieta.gif", "size": gif.len() }),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.body);
    let attachment_id = declared.body["id"].as_str().expect("an id").to_owned();
    let upload_path = format!("/messaging/message-attachments/{attachment_id}");

    let early = reply_to_thread(
        &simulator,
        &s.token,
        &id,
        &json!({ "text": "Etykieta", "attachments": [{ "id": attachment_id }] }),
    )
    .await;
    assert_eq!(early.status, 422, "declared but not uploaded");

    let wrong_type = put_bytes(
        &simulator,
        &s.token,
        &upload_path,
        "application/zip",
        gif.clone(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    let too_big = put_bytes(
        &simulator,
        &s.token,
        &upload_path,
        "image/gif",
        [gif.clone(), vec![0]].concat(),
    )
    .await;
    assert_eq!(too_big.status, 413);
    let uploaded = put_bytes(&simulator, &s.token, &upload_path, "image/gif", gif.clone()).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert_eq!(uploaded.body, json!({ "id": attachment_id }));

    let reply = reply_to_thread(
        &simulator,
        &s.token,
        &id,
        &json!({ "text": "Etykieta", "attachments": [{ "id": attachment_id }] }),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let attachment = &reply.body["attachments"][0];
    assert_eq!(attachment["id"], json!(attachment_id));
    assert_eq!(attachment["fileName"], "etykieta.gif");
    assert_eq!(attachment["mimeType"], "image/gif");
    assert_eq!(attachment["status"], "SAFE");
    let url = attachment["url"].as_str().expect("url");
    assert_eq!(url, format!("{}{upload_path}", simulator.base_url));

    let download = fetch_attachment(&s.token, url).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, gif);
    assert_eq!(download.header("content-type"), Some("image/gif"));
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"etykieta.gif\"")
    );
    let log = posted(&simulator, "").await;
    assert_eq!(log[0]["attachments"][0]["size"], gif.len());
}

#[tokio::test]
async fn message_attachment_declarations_follow_the_spec() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let id = open_thread(&simulator, &purchase_problem(&s)).await;
    for (body, what) in [
        (
            json!({ "filename": "big.pdf", "size": 5_242_881 }),
            "over 5 MiB",
        ),
        (json!({ "filename": "a.pdf", "size": -1 }), "negative"),
        (
            json!({ "fileName": "a.pdf", "size": 3 }),
            "fileName is the issues' spelling",
        ),
        (json!({ "filename": "a.pdf" }), "no size"),
    ] {
        let reply = post(
            &simulator,
            &s.token,
            "/messaging/message-attachments",
            &body,
        )
        .await;
        assert_eq!(reply.status, 422, "{what}: {}", reply.body);
    }
    for size in [0, 5_242_880] {
        let reply = post(
            &simulator,
            &s.token,
            "/messaging/message-attachments",
            &json!({ "filename": "a.pdf", "size": size }),
        )
        .await;
        assert_eq!(reply.status, 201, "size {size}");
    }
    let big = post(
        &simulator,
        &s.token,
        "/messaging/message-attachments",
        &json!({ "filename": "big.pdf", "size": 5_242_880 }),
    )
    .await;
    let big_path = format!(
        "/messaging/message-attachments/{}",
        big.body["id"].as_str().unwrap_or("")
    );
    let not_theirs = put_bytes(
        &simulator,
        &other.token,
        &big_path,
        "application/pdf",
        vec![1],
    )
    .await;
    assert_eq!(not_theirs.status, 404);
    let fits = put_bytes(
        &simulator,
        &s.token,
        &big_path,
        "application/pdf",
        vec![0; 5_242_880],
    )
    .await;
    assert_eq!(fits.status, 200);
    let missing = put_bytes(
        &simulator,
        &s.token,
        "/messaging/message-attachments/nope",
        "application/pdf",
        vec![1],
    )
    .await;
    assert_eq!(missing.status, 404);

    let issue_attachment = post(
        &simulator,
        &s.token,
        "/sale/issues/attachments",
        &json!({ "fileName": "a.pdf", "size": 1 }),
    )
    .await;
    let location = issue_attachment
        .header("location")
        .expect("Location")
        .to_owned();
    put_bytes(&simulator, &s.token, &location, "application/pdf", vec![1]).await;
    let wrong_api = reply_to_thread(
        &simulator,
        &s.token,
        &id,
        &json!({ "text": "x", "attachments": [{ "id": issue_attachment.body["id"] }] }),
    )
    .await;
    assert_eq!(
        wrong_api.status, 422,
        "issue attachments do not go to threads"
    );
    let wrong_download = fetch_attachment(
        &s.token,
        format!(
            "{}/messaging/message-attachments/{}",
            simulator.base_url,
            issue_attachment.body["id"].as_str().unwrap_or("")
        ),
    )
    .await;
    assert_eq!(wrong_download.status, 404);
}

#[tokio::test]
async fn buyer_attachments_in_threads_download() {
    let (simulator, s) = seeded("sklep").await;
    let bmp = b"BM fake bitmap".to_vec();
    let mut body = purchase_problem(&s);
    body["attachments"] = json!([{ "file_name": "pęknięcie.bmp", "content_type": "image/bmp", "data_base64": b64(&bmp) }]);
    let id = open_thread(&simulator, &body).await;
    let messages = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages"),
    )
    .await
    .body;
    let attachment = &messages["messages"][0]["attachments"][0];
    assert_eq!(attachment["fileName"], "pęknięcie.bmp");
    assert_eq!(attachment["mimeType"], "image/bmp");
    let download = fetch_attachment(&s.token, attachment["url"].as_str().expect("url")).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, bmp);
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"p_kni_cie.bmp\"; filename*=UTF-8''p%C4%99kni%C4%99cie.bmp")
    );
}

#[tokio::test]
async fn the_posting_limit_covers_message_center_posts_only() {
    let (simulator, s) = seeded("sklep").await;
    let thread = open_thread(&simulator, &purchase_problem(&s)).await;
    let issue = open_issue(
        &simulator,
        &json!({
            "seller_id": s.seller_id,
            "buyer_id": s.buyer_id,
            "type": "DISPUTE",
            "reason": "OTHER",
            "text": "Stary spór",
        }),
    )
    .await;
    let to_thread = format!("/messaging/threads/{thread}/messages");
    let first = post(&simulator, &s.token, &to_thread, &json!({ "text": "1" })).await;
    assert_eq!(first.status, 201);
    let again = post(&simulator, &s.token, &to_thread, &json!({ "text": "2" })).await;
    assert_eq!(again.status, 429, "{}", again.body);
    assert!(again.header("retry-after").is_some());
    let to_issue = reply_to_issue(
        &simulator,
        &s.token,
        &issue,
        &json!({ "text": "3", "type": "REGULAR" }),
    )
    .await;
    assert_eq!(
        to_issue.status, 201,
        "issue messages are not limited (allegro-api.md §4.2): {}",
        to_issue.body
    );
    let thread_blocked = post(&simulator, &s.token, &to_thread, &json!({ "text": "4" })).await;
    assert_eq!(
        thread_blocked.status, 429,
        "still within the thread post's second"
    );
    next_second(&simulator);
    let thread_ok = post(&simulator, &s.token, &to_thread, &json!({ "text": "4" })).await;
    assert_eq!(thread_ok.status, 201);

    let log: Vec<(Value, Value)> = posted(&simulator, "")
        .await
        .iter()
        .map(|p| (p["conversation"].clone(), p["text"].clone()))
        .collect();
    assert_eq!(
        log,
        vec![
            (json!("thread"), json!("1")),
            (json!("issue"), json!("3")),
            (json!("thread"), json!("4")),
        ]
    );
}

#[tokio::test]
async fn the_thread_control_api_checks_what_it_is_given() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let problem = purchase_problem(&s);
    let question = common_thread(&s);
    for (body, status, what) in [
        (
            changed(&problem, json!({ "order_id": null })),
            422,
            "a purchase problem needs an order",
        ),
        (
            changed(&problem, json!({ "sub_type": "BROKEN" })),
            422,
            "unknown sub type",
        ),
        (
            changed(&question, json!({ "sub_type": "OTHER" })),
            422,
            "sub type on a common thread",
        ),
        (
            changed(&problem, json!({ "order_id": other.order_id })),
            422,
            "someone else's order",
        ),
        (
            changed(&problem, json!({ "seller_id": "7" })),
            404,
            "unknown seller",
        ),
        (
            changed(&question, json!({ "buyer_id": "7" })),
            404,
            "unknown buyer",
        ),
        (
            changed(&question, json!({ "type": "MAIL" })),
            422,
            "unknown type",
        ),
        (changed(&question, json!({ "text": "" })), 422, "empty text"),
        (
            changed(&question, json!({ "subject": "x" })),
            422,
            "unknown field",
        ),
    ] {
        let reply = control_reply(&simulator, "/threads", &body).await;
        assert_eq!(reply.status, status, "{what}: {}", reply.body);
        assert!(reply.body["error"].is_string(), "{what}");
    }
    let mut dated = question.clone();
    dated["created_at"] = json!("2026-09-01T12:00:00Z");
    let id = open_thread(&simulator, &dated).await;
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(thread["createdAt"], "2026-09-01T12:00:00.000Z");

    for (body, status) in [
        (json!({ "author": "ADMIN", "text": "x" }), 422),
        (json!({ "author": "BUYER", "text": "" }), 422),
        (json!({ "author": "BUYER", "text": "x", "login": "y" }), 422),
    ] {
        let reply = control_reply(&simulator, &format!("/threads/{id}/messages"), &body).await;
        assert_eq!(reply.status, status, "{body}");
    }
    for path in [
        "/threads/nope/messages",
        "/threads/nope/close",
        "/threads/nope/reopen",
    ] {
        let reply =
            control_reply(&simulator, path, &json!({ "author": "BUYER", "text": "x" })).await;
        assert!(
            reply.status == 404 || reply.status == 422,
            "{path}: {}",
            reply.status
        );
    }
    let unknown = control(&simulator, Method::POST, "/threads/nope/close", None).await;
    assert_eq!(unknown.status, 404);
    let bad_body = control_reply(
        &simulator,
        &format!("/threads/{id}/close"),
        &json!({ "now": true }),
    )
    .await;
    assert_eq!(bad_body.status, 422);
}

#[tokio::test]
async fn a_thread_can_be_opened_by_allegro_on_the_buyers_behalf() {
    let (simulator, s) = seeded("sklep").await;
    let mut body = purchase_problem(&s);
    body["first_author"] = json!("ALLEGRO");
    let id = open_thread(&simulator, &body).await;
    let reply = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["messages"][0]["author"],
        json!({ "role": "ALLEGRO", "login": null })
    );
    let thread = thread_json(&simulator, &s.token, &id).await;
    assert_eq!(
        thread["participants"][0],
        json!({ "role": "BUYER", "login": s.buyer_login }),
        "the buyer still takes part"
    );
    assert_eq!(thread["read"], false);

    let mut consultant = purchase_problem(&s);
    consultant["first_author"] = json!("CONSULTANT");
    let id = open_thread(&simulator, &consultant).await;
    let reply = get(
        &simulator,
        &s.token,
        &format!("/messaging/threads/{id}/messages"),
    )
    .await;
    assert_eq!(reply.body["messages"][0]["author"]["role"], "CONSULTANT");
    for author in ["SELLER", "SYSTEM", "USER"] {
        let mut b = purchase_problem(&s);
        b["first_author"] = json!(author);
        let reply = control_reply(&simulator, "/threads", &b).await;
        assert_eq!(reply.status, 422, "{author}: {}", reply.body);
    }
}
