//! `/sale/issues` (beta): media types, scope, listing filters and paging, the issue and chat
//! views, seller replies and their rules, the attachment flow, no posting limit (Message Center only), and the
//! inbox control routes for issues.

mod common;

use common::inbox::*;
use common::{send, Reply, BETA, PUBLIC};
use reqwest::Method;
use serde_json::{json, Value};

fn dispute(s: &Seeded) -> Value {
    json!({
        "seller_id": s.seller_id,
        "buyer_id": s.buyer_id,
        "order_id": s.order_id,
        "type": "DISPUTE",
        "reason": "NO_PRODUCT_RECEIVED",
        "text": "Paczka nie dotarła",
    })
}

fn claim(s: &Seeded) -> Value {
    json!({
        "seller_id": s.seller_id,
        "buyer_id": s.buyer_id,
        "order_id": s.order_id,
        "type": "CLAIM",
        "reason": "ITEM_IS_DAMAGED",
        "text": "Kubek jest pęknięty",
    })
}

fn regular(text: &str) -> Value {
    json!({ "text": text, "type": "REGULAR" })
}

#[tokio::test]
async fn issues_need_the_beta_media_type_and_the_disputes_scope() {
    let (simulator, s) = seeded("sklep").await;
    let issue = open_issue(&simulator, &dispute(&s)).await;

    let public = get_accepting(&simulator, &s.token, "/sale/issues", PUBLIC).await;
    assert_eq!(public.status, 406, "{}", public.body);
    assert_eq!(public.error_code(), "NotAcceptableException");
    let public_one = get_accepting(
        &simulator,
        &s.token,
        &format!("/sale/issues/{issue}"),
        PUBLIC,
    )
    .await;
    assert_eq!(public_one.status, 406);

    let messaging_only = token_with(&simulator, &s.seller_id, &["allegro:api:messaging"]);
    let denied = get(&simulator, &messaging_only, "/sale/issues").await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    let denied_post = reply_to_issue(&simulator, &messaging_only, &issue, &regular("x")).await;
    assert_eq!(denied_post.status, 403);

    let anonymous = send(
        common::client()
            .get(format!("{}/sale/issues", simulator.base_url))
            .header("Accept", BETA),
    )
    .await;
    assert_eq!(anonymous.status, 401);

    let ok = get(&simulator, &s.token, "/sale/issues").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.header("content-type"), Some(BETA));
    assert!(ok.header("trace-id").is_some());
    assert_eq!(ok.body["issues"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn listing_filters_pages_and_puts_the_newest_opened_first() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let second_order = another_order(&simulator, &s);

    let mut oldest = dispute(&s);
    oldest["opened_at"] = json!("2026-10-01T10:00:00Z");
    let oldest = open_issue(&simulator, &oldest).await;
    let mut middle = claim(&s);
    middle["opened_at"] = json!("2026-10-02T10:00:00Z");
    let middle = open_issue(&simulator, &middle).await;
    let mut newest = dispute(&s);
    newest["order_id"] = json!(second_order);
    newest["opened_at"] = json!("2026-10-03T10:00:00Z");
    let newest = open_issue(&simulator, &newest).await;
    open_issue(&simulator, &dispute(&other)).await;

    let ids = |reply: &Reply| -> Vec<String> {
        reply.body["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| i["id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let all = get(&simulator, &s.token, "/sale/issues").await;
    assert_eq!(
        ids(&all),
        vec![newest.clone(), middle.clone(), oldest.clone()]
    );

    let disputes = get(&simulator, &s.token, "/sale/issues?status=DISPUTE_ONGOING").await;
    assert_eq!(ids(&disputes), vec![newest.clone(), oldest.clone()]);
    let claims = get(&simulator, &s.token, "/sale/issues?status=CLAIM_SUBMITTED").await;
    assert_eq!(ids(&claims), vec![middle.clone()]);
    let both = get(
        &simulator,
        &s.token,
        "/sale/issues?status=CLAIM_SUBMITTED&status=DISPUTE_ONGOING",
    )
    .await;
    assert_eq!(ids(&both).len(), 3);
    let closed = get(&simulator, &s.token, "/sale/issues?status=DISPUTE_CLOSED").await;
    assert!(ids(&closed).is_empty());

    let by_order = get(
        &simulator,
        &s.token,
        &format!("/sale/issues?checkoutForm.id={second_order}"),
    )
    .await;
    assert_eq!(ids(&by_order), vec![newest.clone()]);

    let page = get(&simulator, &s.token, "/sale/issues?limit=1&offset=1").await;
    assert_eq!(ids(&page), vec![middle.clone()]);
    let past_end = get(&simulator, &s.token, "/sale/issues?offset=3").await;
    assert!(ids(&past_end).is_empty());
    let hundred = get(&simulator, &s.token, "/sale/issues?limit=100").await;
    assert_eq!(hundred.status, 200);

    for bad in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "offset=-1",
        "status=OPEN",
        "checkoutForm.id=not-a-uuid",
    ] {
        let reply = get(&simulator, &s.token, &format!("/sale/issues?{bad}")).await;
        assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
        assert!(reply.body["errors"][0]["message"].is_string());
    }
}

#[tokio::test]
async fn the_default_page_has_ten_issues() {
    let (simulator, s) = seeded("sklep").await;
    for _ in 0..12 {
        open_issue(&simulator, &dispute(&s)).await;
    }
    let first = get(&simulator, &s.token, "/sale/issues").await;
    assert_eq!(first.body["issues"].as_array().map(Vec::len), Some(10));
    let rest = get(&simulator, &s.token, "/sale/issues?offset=10").await;
    assert_eq!(rest.body["issues"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_dispute_shows_every_field_of_the_spec() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    let reply = get(&simulator, &s.token, &format!("/sale/issues/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(BETA));
    let issue = &reply.body;
    assert_eq!(issue["id"], json!(id));
    assert_eq!(issue["type"], "DISPUTE");
    assert_eq!(issue["subject"], "NO_PRODUCT_RECEIVED");
    assert_eq!(issue["reason"], Value::Null);
    assert_eq!(issue["referenceNumber"], Value::Null);
    assert_eq!(issue["decisionDueDate"], Value::Null);
    assert_eq!(issue["right"], Value::Null);
    assert!(is_millis_z(&issue["openedDate"]), "{}", issue["openedDate"]);
    assert_eq!(
        issue["buyer"],
        json!({ "id": s.buyer_id, "login": s.buyer_login })
    );
    assert_eq!(issue["checkoutForm"]["id"], json!(s.order_id));
    assert!(is_millis_z(&issue["checkoutForm"]["createdAt"]));
    assert_eq!(
        issue["currentState"],
        json!({
            "status": "DISPUTE_ONGOING",
            "statusDueDate": null,
            "returnRequired": null,
            "chatActive": true,
        })
    );
    let chat = &issue["chat"];
    assert_eq!(chat["messagesCount"], 1);
    assert_eq!(chat["lastMessage"]["status"], "NEW");
    assert_eq!(chat["lastMessage"]["createdAt"], issue["openedDate"]);
    assert_eq!(chat["initialMessage"]["text"], "Paczka nie dotarła");
    assert_eq!(
        chat["initialMessage"]["author"],
        json!({ "login": s.buyer_login, "role": "BUYER" })
    );
    assert_eq!(chat["initialMessage"]["attachments"], json!([]));
    assert_eq!(issue["offer"], json!({ "id": s.offer_id, "quantity": 2 }));
    assert_eq!(issue["expectations"], json!([]));
    assert_eq!(issue["attachments"], json!([]));
    for key in ["description", "product"] {
        assert!(issue.get(key).is_some(), "{key} is present");
    }
}

#[tokio::test]
async fn a_claim_has_its_own_fields() {
    let (simulator, s) = seeded("sklep").await;
    let mut body = claim(&s);
    body["opened_at"] = json!("2026-10-30T08:00:00.250Z");
    let id = open_issue(&simulator, &body).await;
    let issue = issue_json(&simulator, &s.token, &id).await;
    assert_eq!(issue["type"], "CLAIM");
    assert_eq!(issue["subject"], Value::Null);
    assert_eq!(
        issue["reason"],
        json!({ "type": "ITEM_IS_DAMAGED", "description": null })
    );
    assert_eq!(issue["referenceNumber"], "1/2026");
    assert_eq!(issue["openedDate"], "2026-10-30T08:00:00.250Z");
    assert_eq!(issue["decisionDueDate"], "2026-11-13T08:00:00.250Z");
    assert_eq!(issue["currentState"]["status"], "CLAIM_SUBMITTED");
    assert_eq!(
        issue["currentState"]["statusDueDate"],
        "2026-11-13T08:00:00.250Z"
    );
    assert_eq!(issue["currentState"]["returnRequired"], Value::Null);
    assert_eq!(issue["right"], "COMPLAINT");
}

#[tokio::test]
async fn unknown_and_other_sellers_issues_are_not_found() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let theirs = open_issue(&simulator, &dispute(&other)).await;
    for path in [
        format!("/sale/issues/{theirs}"),
        format!("/sale/issues/{theirs}/chat"),
        "/sale/issues/6f552f2e-9626-46b3-af09-bfdbf9690d65".to_owned(),
    ] {
        let reply = get(&simulator, &s.token, &path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.body["errors"][0]["path"], json!(path));
    }
    let reply = reply_to_issue(&simulator, &s.token, &theirs, &regular("Dzień dobry")).await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn the_chat_pages_oldest_first_and_hides_staff_logins() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    for (author, text) in [
        ("SYSTEM", "Allina: czy paczka dotarła?"),
        ("SELLER", "Sprawdzam na stronie"),
        ("BUYER", "Nadal nic"),
        ("ADMIN", "Doradca Allegro tutaj"),
    ] {
        control_post(
            &simulator,
            &format!("/issues/{id}/messages"),
            &json!({ "author": author, "text": text }),
            201,
        )
        .await;
    }
    let reply = get(&simulator, &s.token, &format!("/sale/issues/{id}/chat")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let chat = reply.body["chat"].as_array().expect("the key is chat");
    let texts: Vec<&str> = chat.iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "Paczka nie dotarła",
            "Allina: czy paczka dotarła?",
            "Sprawdzam na stronie",
            "Nadal nic",
            "Doradca Allegro tutaj"
        ]
    );
    assert_eq!(chat[1]["author"], json!({ "role": "SYSTEM" }));
    assert_eq!(
        chat[2]["author"],
        json!({ "login": s.seller_login, "role": "SELLER" })
    );
    assert_eq!(
        chat[3]["author"],
        json!({ "login": s.buyer_login, "role": "BUYER" })
    );
    assert_eq!(chat[4]["author"], json!({ "role": "ADMIN" }));
    assert!(chat.iter().all(|m| is_millis_z(&m["createdAt"])));

    let page = get(
        &simulator,
        &s.token,
        &format!("/sale/issues/{id}/chat?limit=2&offset=1"),
    )
    .await;
    let texts: Vec<&str> = page.body["chat"]
        .as_array()
        .expect("chat")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["Allina: czy paczka dotarła?", "Sprawdzam na stronie"]
    );
    for bad in ["limit=0", "limit=101", "offset=-5"] {
        let reply = get(
            &simulator,
            &s.token,
            &format!("/sale/issues/{id}/chat?{bad}"),
        )
        .await;
        assert_eq!(reply.status, 422, "{bad}");
    }

    let issue = issue_json(&simulator, &s.token, &id).await;
    assert_eq!(issue["chat"]["messagesCount"], 5);
    assert_eq!(
        issue["chat"]["lastMessage"]["status"],
        "ALLEGRO_ADVISOR_REPLIED"
    );
    assert_eq!(
        issue["chat"]["lastMessage"]["createdAt"],
        chat[4]["createdAt"]
    );
    assert!(
        posted(&simulator, "").await.is_empty(),
        "a seller writing on Allegro's site is not an API post"
    );
}

async fn last_status(
    simulator: &marketdesk_simulator::RunningSimulator,
    token: &str,
    id: &str,
) -> Value {
    let issue = get(simulator, token, &format!("/sale/issues/{id}"))
        .await
        .body;
    issue["chat"]["lastMessage"]["status"].clone()
}

#[tokio::test]
async fn last_message_status_tracks_who_wrote_last() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    assert_eq!(last_status(&simulator, &s.token, &id).await, "NEW");
    let reply = reply_to_issue(&simulator, &s.token, &id, &regular("Dzień dobry")).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        last_status(&simulator, &s.token, &id).await,
        "SELLER_REPLIED"
    );
    control_post(
        &simulator,
        &format!("/issues/{id}/messages"),
        &json!({"author": "BUYER", "text": "Hej"}),
        201,
    )
    .await;
    assert_eq!(
        last_status(&simulator, &s.token, &id).await,
        "BUYER_REPLIED"
    );
}

#[tokio::test]
async fn a_seller_reply_is_created_counted_and_logged() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    let reply = reply_to_issue(
        &simulator,
        &s.token,
        &id,
        &regular("Dzień dobry, sprawdzamy przesyłkę."),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(BETA));
    let message = &reply.body;
    assert_eq!(message["text"], "Dzień dobry, sprawdzamy przesyłkę.");
    assert_eq!(
        message["author"],
        json!({ "login": s.seller_login, "role": "SELLER" })
    );
    assert_eq!(message["attachments"], json!([]));
    assert!(is_millis_z(&message["createdAt"]));
    let message_id = message["id"].as_str().expect("an id").to_owned();

    let issue = issue_json(&simulator, &s.token, &id).await;
    assert_eq!(issue["chat"]["messagesCount"], 2);
    assert_eq!(issue["chat"]["lastMessage"]["status"], "SELLER_REPLIED");
    assert_eq!(
        issue["chat"]["lastMessage"]["createdAt"],
        message["createdAt"]
    );

    let log = posted(&simulator, &format!("?seller_id={}", s.seller_id)).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["conversation"], "issue");
    assert_eq!(log[0]["conversation_id"], json!(id));
    assert_eq!(log[0]["message_id"], json!(message_id));
    assert_eq!(log[0]["text"], "Dzień dobry, sprawdzamy przesyłkę.");
    assert_eq!(log[0]["type"], "REGULAR");
    assert_eq!(log[0]["attachments"], json!([]));
    assert_eq!(log[0]["posted_at"], message["createdAt"]);
}

#[tokio::test]
async fn a_reply_needs_the_beta_content_type_and_valid_json() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    let path = format!("/sale/issues/{id}/message");
    for content_type in ["application/json", PUBLIC, "text/plain"] {
        let reply = send_typed(
            &simulator,
            &s.token,
            Method::POST,
            &path,
            content_type,
            regular("x").to_string(),
        )
        .await;
        assert_eq!(reply.status, 415, "{content_type}");
        assert_eq!(reply.error_code(), "UnsupportedMediaTypeException");
    }
    let public_accept = send(
        api_accepting(&simulator, &s.token, Method::POST, &path, PUBLIC)
            .header("Content-Type", BETA)
            .body(regular("x").to_string()),
    )
    .await;
    assert_eq!(public_accept.status, 406);
    let garbage = send_typed(&simulator, &s.token, Method::POST, &path, BETA, "{not json").await;
    assert_eq!(garbage.status, 400);
    let wrong_shape = post(
        &simulator,
        &s.token,
        &path,
        &json!({ "text": 5, "type": "REGULAR" }),
    )
    .await;
    assert_eq!(wrong_shape.status, 422);
    assert!(posted(&simulator, "").await.is_empty());
}

#[tokio::test]
async fn end_request_is_for_disputes_and_return_types_for_claims() {
    let (simulator, s) = seeded("sklep").await;
    let dispute_id = open_issue(&simulator, &dispute(&s)).await;
    let claim_id = open_issue(&simulator, &claim(&s)).await;
    let to = |id: &str| format!("/sale/issues/{id}/message");

    let typed = |t: &str| json!({ "text": "Proponuję zakończyć", "type": t });
    let refused = post(&simulator, &s.token, &to(&claim_id), &typed("END_REQUEST")).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["path"], "type");
    for claims_only in [
        "RETURN_REQUIRED_SELLER_LABEL",
        "RETURN_REQUIRED_CUSTOM",
        "RETURN_NOT_REQUIRED",
    ] {
        let reply = post(&simulator, &s.token, &to(&dispute_id), &typed(claims_only)).await;
        assert_eq!(reply.status, 422, "{claims_only}");
    }
    for (body, what) in [
        (json!({ "text": "bez typu" }), "missing type"),
        (typed("URGENT"), "unknown type"),
        (json!({ "type": "REGULAR" }), "no text and no attachment"),
        (json!({ "text": "   ", "type": "REGULAR" }), "blank text"),
    ] {
        let reply = post(&simulator, &s.token, &to(&dispute_id), &body).await;
        assert_eq!(reply.status, 422, "{what}: {}", reply.body);
    }

    let ended = post(
        &simulator,
        &s.token,
        &to(&dispute_id),
        &typed("END_REQUEST"),
    )
    .await;
    assert_eq!(ended.status, 201, "{}", ended.body);
    next_second(&simulator);
    let no_return = post(
        &simulator,
        &s.token,
        &to(&claim_id),
        &typed("RETURN_NOT_REQUIRED"),
    )
    .await;
    assert_eq!(no_return.status, 201, "{}", no_return.body);
    let claim_view = issue_json(&simulator, &s.token, &claim_id).await;
    assert_eq!(claim_view["currentState"]["returnRequired"], false);
    next_second(&simulator);
    let label = post(
        &simulator,
        &s.token,
        &to(&claim_id),
        &typed("RETURN_REQUIRED_SELLER_LABEL"),
    )
    .await;
    assert_eq!(label.status, 201);
    let claim_view = issue_json(&simulator, &s.token, &claim_id).await;
    assert_eq!(claim_view["currentState"]["returnRequired"], true);

    let types: Vec<Value> = posted(&simulator, "")
        .await
        .iter()
        .map(|p| p["type"].clone())
        .collect();
    assert_eq!(
        types,
        vec![
            json!("END_REQUEST"),
            json!("RETURN_NOT_REQUIRED"),
            json!("RETURN_REQUIRED_SELLER_LABEL")
        ]
    );
}

#[tokio::test]
async fn texts_may_have_20000_characters() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    let path = format!("/sale/issues/{id}/message");
    let too_long = post(&simulator, &s.token, &path, &regular(&"ż".repeat(20_001))).await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert_eq!(too_long.body["errors"][0]["path"], "text");
    let longest = post(&simulator, &s.token, &path, &regular(&"ż".repeat(20_000))).await;
    assert_eq!(longest.status, 201, "characters count, not bytes");
}

#[tokio::test]
async fn an_inactive_chat_answers_409_until_the_dispute_is_reopened() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    let path = format!("/sale/issues/{id}/message");
    let opened = issue_json(&simulator, &s.token, &id).await["openedDate"].clone();

    for status in ["DISPUTE_CLOSED", "DISPUTE_UNRESOLVED"] {
        let closed = control_post(
            &simulator,
            &format!("/issues/{id}/close"),
            &json!({ "status": status }),
            200,
        )
        .await;
        assert_eq!(closed["status"], status);
        assert_eq!(closed["chat_active"], false);
        let issue = issue_json(&simulator, &s.token, &id).await;
        assert_eq!(issue["currentState"]["status"], status);
        assert_eq!(issue["currentState"]["chatActive"], false);
        let refused = post(&simulator, &s.token, &path, &regular("Halo?")).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(refused.error_code(), "DISPUTE_ALREADY_RESOLVED");
    }
    let listed = get(
        &simulator,
        &s.token,
        "/sale/issues?status=DISPUTE_UNRESOLVED",
    )
    .await;
    assert_eq!(listed.body["issues"].as_array().map(Vec::len), Some(1));

    advance(&simulator, 3600);
    let reopened = control_post(&simulator, &format!("/issues/{id}/reopen"), &json!({}), 200).await;
    assert_eq!(reopened["status"], "DISPUTE_ONGOING");
    let issue = issue_json(&simulator, &s.token, &id).await;
    assert_eq!(issue["currentState"]["status"], "DISPUTE_ONGOING");
    assert_eq!(issue["currentState"]["chatActive"], true);
    assert!(
        issue["openedDate"].as_str() > opened.as_str(),
        "reopening moves openedDate"
    );
    let accepted = post(&simulator, &s.token, &path, &regular("Już jestem")).await;
    assert_eq!(accepted.status, 201);
}

#[tokio::test]
async fn claims_get_decided_through_the_control_api() {
    let (simulator, s) = seeded("sklep").await;
    let claim_id = open_issue(&simulator, &claim(&s)).await;
    let dispute_id = open_issue(&simulator, &dispute(&s)).await;

    let accepted = control_post(
        &simulator,
        &format!("/issues/{claim_id}/claim-status"),
        &json!({ "status": "CLAIM_ACCEPTED" }),
        200,
    )
    .await;
    assert_eq!(accepted["status"], "CLAIM_ACCEPTED");
    let issue = issue_json(&simulator, &s.token, &claim_id).await;
    assert_eq!(issue["currentState"]["status"], "CLAIM_ACCEPTED");
    assert_eq!(issue["currentState"]["statusDueDate"], Value::Null);
    assert_eq!(
        issue["currentState"]["chatActive"], true,
        "claims keep their chat"
    );
    let still_open = reply_to_issue(&simulator, &s.token, &claim_id, &regular("Dziękujemy")).await;
    assert_eq!(still_open.status, 201);

    control_post(
        &simulator,
        &format!("/issues/{claim_id}/claim-status"),
        &json!({ "status": "CLAIM_REJECTED", "chat_active": false }),
        200,
    )
    .await;
    next_second(&simulator);
    let refused = reply_to_issue(&simulator, &s.token, &claim_id, &regular("x")).await;
    assert_eq!(refused.status, 409);

    for (path, body) in [
        (
            format!("/issues/{claim_id}/claim-status"),
            json!({ "status": "DISPUTE_CLOSED" }),
        ),
        (
            format!("/issues/{dispute_id}/claim-status"),
            json!({ "status": "CLAIM_ACCEPTED" }),
        ),
        (
            format!("/issues/{claim_id}/close"),
            json!({ "status": "DISPUTE_CLOSED" }),
        ),
        (format!("/issues/{claim_id}/reopen"), json!({})),
        (
            format!("/issues/{dispute_id}/close"),
            json!({ "status": "DISPUTE_ONGOING" }),
        ),
        (
            format!("/issues/{dispute_id}/close"),
            json!({ "status": "DISPUTE_CLOSED", "why": 1 }),
        ),
    ] {
        let reply = control_reply(&simulator, &path, &body).await;
        assert_eq!(reply.status, 422, "{path} {body}: {}", reply.body);
        assert!(reply.body["error"].is_string());
    }
    let unknown = control_reply(
        &simulator,
        "/issues/nope/close",
        &json!({ "status": "DISPUTE_CLOSED" }),
    )
    .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn attachments_are_declared_uploaded_once_and_referenced() {
    let (simulator, s) = seeded("sklep").await;
    let id = open_issue(&simulator, &dispute(&s)).await;
    let png = b"\x89PNG\r\n\x1a\nfake image".to_vec();

    let declared = post(
        &simulator,
        &s.token,
        "/sale/issues/attachments",
        &json!({ "fileName": "paragon.png", "size": png.len() }),
    )
    .await;
    assert_eq!(declared.status, 201, "{}", declared.body);
    let attachment_id = declared.body["id"].as_str().expect("an id").to_owned();
    let location = declared.header("location").expect("a Location").to_owned();
    assert!(
        location.starts_with(&simulator.base_url) && location.contains(&attachment_id),
        "{location}"
    );

    let unsent = reply_to_issue(&simulator, &s.token, &id, &json!({ "text": "W załączniku", "type": "REGULAR", "attachments": [{ "id": attachment_id }] })).await;
    assert_eq!(unsent.status, 422, "not uploaded yet");
    assert_eq!(unsent.error_code(), "ATTACHMENT_ERROR");

    let uploaded = put_bytes(&simulator, &s.token, &location, "image/png", png.clone()).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert_eq!(uploaded.body, json!({ "id": attachment_id }));
    let again = put_bytes(&simulator, &s.token, &location, "image/png", png.clone()).await;
    assert_eq!(again.status, 422, "the upload URL is one-time");

    let message = reply_to_issue(&simulator, &s.token, &id, &json!({ "text": "W załączniku", "type": "REGULAR", "attachments": [{ "id": attachment_id }] })).await;
    assert_eq!(message.status, 201, "{}", message.body);
    let listed = &message.body["attachments"][0];
    assert_eq!(listed["fileName"], "paragon.png");
    let url = listed["url"].as_str().expect("a url").to_owned();
    assert_eq!(
        url,
        format!(
            "{}/sale/issues/attachments/{attachment_id}",
            simulator.base_url
        )
    );

    let download = fetch_attachment(&s.token, &url).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, png);
    assert_eq!(download.header("content-type"), Some("image/png"));

    let log = posted(&simulator, &format!("?conversation_id={id}")).await;
    assert_eq!(
        log[0]["attachments"],
        json!([{ "id": attachment_id, "file_name": "paragon.png", "content_type": "image/png", "size": png.len() }])
    );
}

#[tokio::test]
async fn attachment_rules_limit_size_type_count_and_owner() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let id = open_issue(&simulator, &dispute(&s)).await;
    let declare = |token: String, body: Value| {
        let simulator = &simulator;
        async move { post(simulator, &token, "/sale/issues/attachments", &body).await }
    };

    for (body, what) in [
        (
            json!({ "fileName": "big.pdf", "size": 2_097_153 }),
            "over 2 MiB",
        ),
        (json!({ "fileName": "empty.pdf", "size": 0 }), "size 0"),
        (json!({ "fileName": "a.pdf" }), "no size"),
        (json!({ "size": 10 }), "no fileName"),
        (
            json!({ "filename": "a.pdf", "size": 10 }),
            "lower-case filename is Message Center's",
        ),
    ] {
        let reply = declare(s.token.clone(), body).await;
        assert_eq!(reply.status, 422, "{what}: {}", reply.body);
        assert_eq!(reply.error_code(), "ATTACHMENT_ERROR", "{what}");
    }
    let largest = declare(
        s.token.clone(),
        json!({ "fileName": "max.pdf", "size": 2_097_152 }),
    )
    .await;
    assert_eq!(largest.status, 201);
    let json_declaration = send_typed(
        &simulator,
        &s.token,
        Method::POST,
        "/sale/issues/attachments",
        "application/json",
        json!({ "fileName": "a.pdf", "size": 3 }).to_string(),
    )
    .await;
    assert_eq!(json_declaration.status, 415);

    let small = declare(s.token.clone(), json!({ "fileName": "a.pdf", "size": 3 })).await;
    let small_url = small.header("location").expect("Location").to_owned();
    let wrong_type = put_bytes(
        &simulator,
        &s.token,
        &small_url,
        "text/plain",
        b"abc".to_vec(),
    )
    .await;
    assert_eq!(wrong_type.status, 415);
    let too_many = put_bytes(
        &simulator,
        &s.token,
        &small_url,
        "application/pdf",
        b"abcd".to_vec(),
    )
    .await;
    assert_eq!(too_many.status, 413, "more bytes than declared");
    let not_theirs = put_bytes(
        &simulator,
        &other.token,
        &small_url,
        "application/pdf",
        b"abc".to_vec(),
    )
    .await;
    assert_eq!(not_theirs.status, 404);

    let max_url = largest.header("location").expect("Location").to_owned();
    let over_limit = put_bytes(
        &simulator,
        &s.token,
        &max_url,
        "application/pdf",
        vec![0; 2_097_153],
    )
    .await;
    assert_eq!(over_limit.status, 413, "over 2 MiB");
    let at_limit = put_bytes(
        &simulator,
        &s.token,
        &max_url,
        "application/pdf",
        vec![0; 2_097_152],
    )
    .await;
    assert_eq!(at_limit.status, 200);
    let ok = put_bytes(
        &simulator,
        &s.token,
        &small_url,
        "application/pdf",
        b"abc".to_vec(),
    )
    .await;
    assert_eq!(ok.status, 200);

    let ids = [
        small.body["id"].as_str().unwrap_or_default().to_owned(),
        largest.body["id"].as_str().unwrap_or_default().to_owned(),
    ];
    let path = format!("/sale/issues/{id}/message");
    let two = post(
        &simulator,
        &s.token,
        &path,
        &json!({ "text": "dwa", "type": "REGULAR", "attachments": [{ "id": ids[0] }, { "id": ids[1] }] }),
    )
    .await;
    assert_eq!(two.status, 422, "one attachment per message (our reading)");
    let unknown = post(
        &simulator,
        &s.token,
        &path,
        &json!({ "text": "x", "type": "REGULAR", "attachments": [{ "id": "6f552f2e-9626-46b3-af09-bfdbf9690d65" }] }),
    )
    .await;
    assert_eq!(unknown.status, 422);
    let theirs = declare(
        other.token.clone(),
        json!({ "fileName": "b.pdf", "size": 1 }),
    )
    .await;
    let theirs_url = theirs.header("location").expect("Location").to_owned();
    put_bytes(
        &simulator,
        &other.token,
        &theirs_url,
        "application/pdf",
        b"b".to_vec(),
    )
    .await;
    let borrowed = post(
        &simulator,
        &s.token,
        &path,
        &json!({ "text": "x", "type": "REGULAR", "attachments": [{ "id": theirs.body["id"] }] }),
    )
    .await;
    assert_eq!(borrowed.status, 422, "another seller's attachment");
    let not_found = fetch_attachment(&s.token, &theirs_url).await;
    assert_eq!(not_found.status, 404);

    let only_attachment = post(
        &simulator,
        &s.token,
        &path,
        &json!({ "type": "REGULAR", "attachments": [{ "id": ids[0] }] }),
    )
    .await;
    assert_eq!(
        only_attachment.status, 201,
        "an attachment alone is a message"
    );
}

#[tokio::test]
async fn buyer_attachments_show_on_the_issue_and_download() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let pdf = b"%PDF-1.4 zdjecie".to_vec();
    let mut body = dispute(&s);
    body["attachments"] = json!([{ "file_name": "zdjęcie.pdf", "content_type": "application/pdf", "data_base64": b64(&pdf) }]);
    let id = open_issue(&simulator, &body).await;
    let issue = issue_json(&simulator, &s.token, &id).await;
    assert_eq!(issue["attachments"][0]["fileName"], "zdjęcie.pdf");
    assert_eq!(
        issue["chat"]["initialMessage"]["attachments"],
        issue["attachments"]
    );
    let url = issue["attachments"][0]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let download = fetch_attachment(&s.token, &url).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, pdf);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    let foreign = fetch_attachment(&other.token, &url).await;
    assert_eq!(foreign.status, 404);

    let jpeg = b"\xff\xd8\xff jpeg".to_vec();
    control_post(
        &simulator,
        &format!("/issues/{id}/messages"),
        &json!({ "author": "BUYER", "text": "Jeszcze jedno", "attachments": [{ "file_name": "b.jpg", "content_type": "image/jpeg", "data_base64": b64(&jpeg) }] }),
        201,
    )
    .await;
    let chat = get(&simulator, &s.token, &format!("/sale/issues/{id}/chat"))
        .await
        .body;
    let url = chat["chat"][1]["attachments"][0]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let download = fetch_attachment(&s.token, &url).await;
    assert_eq!(download.bytes, jpeg);

    for attachment in [
        json!({ "file_name": "a.txt", "content_type": "text/plain", "data_base64": b64(b"x") }),
        json!({ "file_name": "a.png", "content_type": "image/png", "data_base64": "***" }),
        json!({ "file_name": "a.png", "content_type": "image/png", "data_base64": b64(&vec![0; 2_097_153]) }),
        json!({ "file_name": "a.png", "content_type": "image/png" }),
    ] {
        let reply = control_reply(
            &simulator,
            &format!("/issues/{id}/messages"),
            &json!({ "author": "BUYER", "text": "x", "attachments": [attachment] }),
        )
        .await;
        assert_eq!(reply.status, 422, "{}", reply.body);
    }
}

/// allegro-api.md §4.2 states the 1 post/s per user for the /messaging posts only: issue
/// messages in quick succession are all taken.
#[tokio::test]
async fn issue_messages_are_not_held_to_the_posting_limit() {
    let (simulator, s) = seeded("sklep").await;
    let first = open_issue(&simulator, &dispute(&s)).await;
    let second = open_issue(&simulator, &claim(&s)).await;

    let ok = reply_to_issue(&simulator, &s.token, &first, &regular("1")).await;
    assert_eq!(ok.status, 201);
    let at_once = reply_to_issue(&simulator, &s.token, &second, &regular("2")).await;
    assert_eq!(at_once.status, 201, "{}", at_once.body);
    let again = reply_to_issue(&simulator, &s.token, &first, &regular("3")).await;
    assert_eq!(again.status, 201, "{}", again.body);
    let texts: Vec<Value> = posted(&simulator, &format!("?seller_id={}", s.seller_id))
        .await
        .iter()
        .map(|p| p["text"].clone())
        .collect();
    assert_eq!(texts, vec![json!("1"), json!("2"), json!("3")]);
}

#[tokio::test]
async fn the_control_api_checks_what_it_is_given() {
    let (simulator, s) = seeded("sklep").await;
    let other = seed(&simulator, "inny");
    let with = |change: Value| changed(&dispute(&s), change);
    for (body, status, what) in [
        (with(json!({ "seller_id": "1" })), 404, "unknown seller"),
        (with(json!({ "buyer_id": "1" })), 404, "unknown buyer"),
        (
            with(json!({ "order_id": "6f552f2e-9626-46b3-af09-bfdbf9690d65" })),
            404,
            "unknown order",
        ),
        (
            with(json!({ "order_id": other.order_id })),
            422,
            "someone else's order",
        ),
        (with(json!({ "reason": "BORED" })), 422, "unknown reason"),
        (with(json!({ "type": "COMPLAINT" })), 422, "unknown type"),
        (with(json!({ "text": " " })), 422, "blank text"),
        (with(json!({ "text": null })), 422, "no text"),
        (with(json!({ "colour": "red" })), 422, "unknown field"),
        (with(json!({ "opened_at": "yesterday" })), 422, "bad time"),
    ] {
        let reply = control_reply(&simulator, "/issues", &body).await;
        assert_eq!(reply.status, status, "{what}: {}", reply.body);
        assert!(reply.body["error"].is_string(), "{what}");
    }
    let without_order = open_issue(&simulator, &with(json!({ "order_id": null }))).await;
    let issue = issue_json(&simulator, &s.token, &without_order).await;
    assert_eq!(issue["checkoutForm"], Value::Null);
    assert_eq!(issue["offer"], Value::Null);

    let id = open_issue(&simulator, &dispute(&s)).await;
    for (body, status) in [
        (json!({ "author": "CONSULTANT", "text": "x" }), 422),
        (json!({ "author": "BUYER" }), 422),
        (json!({ "author": "BUYER", "text": "x", "extra": 1 }), 422),
    ] {
        let reply = control_reply(&simulator, &format!("/issues/{id}/messages"), &body).await;
        assert_eq!(reply.status, status, "{body}");
    }
    let unknown = control_reply(
        &simulator,
        "/issues/nope/messages",
        &json!({ "author": "BUYER", "text": "x" }),
    )
    .await;
    assert_eq!(unknown.status, 404);
    let bad_query = control(&simulator, Method::GET, "/posted?seller=1", None).await;
    assert_eq!(bad_query.status, 422);
}

#[tokio::test]
async fn an_issue_can_be_opened_by_allegros_assistant_on_the_buyers_behalf() {
    let (simulator, s) = seeded("sklep").await;
    let mut body = dispute(&s);
    body["first_author"] = json!("SYSTEM");
    body["text"] = json!("Allina: kupujący zgłasza, że paczka nie dotarła.");
    let id = open_issue(&simulator, &body).await;

    let chat = get(&simulator, &s.token, &format!("/sale/issues/{id}/chat")).await;
    assert_eq!(chat.status, 200, "{}", chat.body);
    assert_eq!(chat.body["chat"][0]["author"], json!({ "role": "SYSTEM" }));
    let issue = issue_json(&simulator, &s.token, &id).await;
    assert_eq!(
        issue["chat"]["initialMessage"]["author"],
        json!({ "role": "ADMIN" }),
        "an opening's documented roles are BUYER and ADMIN: Allegro wrote it"
    );
    assert_eq!(
        issue["chat"]["initialMessage"]["id"],
        chat.body["chat"][0]["id"]
    );
    assert_eq!(issue["buyer"]["login"], json!(s.buyer_login));
    assert_eq!(issue["chat"]["lastMessage"]["status"], "NEW");

    let by_adviser = open_issue(&simulator, &{
        let mut b = dispute(&s);
        b["first_author"] = json!("ADMIN");
        b
    })
    .await;
    let issue = issue_json(&simulator, &s.token, &by_adviser).await;
    assert_eq!(
        issue["chat"]["initialMessage"]["author"],
        json!({ "role": "ADMIN" })
    );
    let by_buyer = open_issue(&simulator, &{
        let mut b = dispute(&s);
        b["first_author"] = json!("BUYER");
        b
    })
    .await;
    let issue = issue_json(&simulator, &s.token, &by_buyer).await;
    assert_eq!(
        issue["chat"]["initialMessage"]["author"],
        json!({ "role": "BUYER", "login": s.buyer_login })
    );
    for author in ["SELLER", "FULFILLMENT", "CONSULTANT"] {
        let mut b = dispute(&s);
        b["first_author"] = json!(author);
        let reply = control_reply(&simulator, "/issues", &b).await;
        assert_eq!(reply.status, 422, "{author}: {}", reply.body);
    }
}
