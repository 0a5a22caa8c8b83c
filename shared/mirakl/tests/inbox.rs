//! A01 and the inbox (M10–M13) against the simulator.

mod common;

use base64::Engine;
use common::{World, API_KEY};
use marketdesk_mirakl::{
    MiraklClient, MiraklError, ParticipantType, ReplyFile, SenderType, ShopState, ThreadQuery,
    TopicType,
};
use serde_json::json;

fn date(raw: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(raw).expect("test date")
}

#[tokio::test]
async fn a_bad_key_is_unauthorized_and_never_shown() {
    let world = World::new().await;
    let secret = "wrong-key-5d1f0b7e";
    let client = MiraklClient::new(world.config(secret)).expect("client");
    assert!(!format!("{client:?}").contains(secret));
    let error = client.account().await.expect_err("401");
    assert!(
        matches!(error, MiraklError::Unauthorized { .. }),
        "{error:?}"
    );
    assert!(error.is_auth());
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn a_shop_the_key_cannot_use_is_forbidden() {
    let world = World::new().await;
    let other = world
        .create_shop("Inny Sklep", Some("other-key-77aa"))
        .await;
    let client =
        MiraklClient::new(world.config(API_KEY).with_shop_id(Some(other))).expect("client");
    let error = client.account().await.expect_err("403");
    assert!(matches!(error, MiraklError::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn account_reads_the_shop_and_shop_id_picks_one_of_several() {
    let world = World::new().await;
    let account = world.client().account().await.expect("A01");
    assert_eq!(account.shop_id, world.shop_id);
    assert_eq!(account.shop_name, "Sklep Testowy");
    assert_eq!(account.shop_state, ShopState::Open);
    assert_eq!(account.currency.as_deref(), Some("PLN"));

    let second = world.create_shop("Drugi Sklep", Some(API_KEY)).await;
    let client =
        MiraklClient::new(world.config(API_KEY).with_shop_id(Some(second))).expect("client");
    let account = client.account().await.expect("A01 second shop");
    assert_eq!(
        (account.shop_id, account.shop_name.as_str()),
        (second, "Drugi Sklep")
    );
}

#[tokio::test]
async fn updated_since_is_inclusive_and_sent_with_its_offset() {
    let world = World::new().await;
    for (i, at) in [
        "2024-05-02T08:00:00.000Z",
        "2024-05-02T09:00:00.000Z",
        "2024-05-02T10:00:00.000Z",
    ]
    .into_iter()
    .enumerate()
    {
        world
            .create_thread(&format!("Wiadomość {i}"), json!({ "date": at }))
            .await;
    }
    let client = world.client();
    // 09:00Z written as 11:00+02:00: the '+' must reach the server encoded.
    let exact = ThreadQuery::new().updated_since(date("2024-05-02T11:00:00+02:00"));
    let threads = client.all_threads(&exact).await.expect("M11");
    assert_eq!(threads.len(), 2, "at or after 09:00Z");
    let later = ThreadQuery::new().updated_since(date("2024-05-02T11:00:00.001+02:00"));
    assert_eq!(client.all_threads(&later).await.expect("M11").len(), 1);
    let newest_first: Vec<_> = threads.iter().map(|t| t.date_updated).collect();
    assert!(newest_first[0] > newest_first[1]);
}

#[tokio::test]
async fn page_tokens_walk_every_page() {
    let world = World::new().await;
    for i in 0..7 {
        world
            .create_thread(&format!("Pytanie numer {i}"), json!({}))
            .await;
    }
    let client = world.client();
    let query = ThreadQuery::new().limit(3).with_messages(true);

    let first = client.list_threads(&query).await.expect("first page");
    assert_eq!(first.threads.len(), 3);
    assert!(first.previous_page_token.is_none());
    let token = first.next_page_token.expect("more pages");
    let second = client.next_threads(&token).await.expect("second page");
    assert_eq!(second.threads.len(), 3, "the token keeps the limit");
    assert!(second.previous_page_token.is_some());

    let mut pages = client.thread_pages(query.clone());
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await.expect("page") {
        sizes.push(page.len());
    }
    assert_eq!(sizes, vec![3, 3, 1]);

    let all = client.all_threads(&query).await.expect("all pages");
    let mut ids: Vec<_> = all.iter().map(|t| t.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 7);
    assert!(all.iter().all(|t| t.messages.len() == 1), "with messages");
    let bare = client
        .all_threads(&ThreadQuery::new().limit(100))
        .await
        .expect("without messages");
    assert!(bare.iter().all(|t| t.messages.is_empty()));
}

#[tokio::test]
async fn order_filter_returns_only_that_orders_threads() {
    let world = World::new().await;
    let order_id = world
        .create_order(
            json!([{ "title": "Książka", "sku": "BOOK-1", "quantity": 1, "price": 39.9 }]),
        )
        .await;
    let about_order = world
        .thread_id("Gdzie jest paczka?", json!({ "order_id": order_id }))
        .await;
    world.thread_id("Pytanie ogólne", json!({})).await;
    let threads = world
        .client()
        .all_threads(&ThreadQuery::new().orders([order_id.clone()]))
        .await
        .expect("M11");
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].id, about_order);
    assert_eq!(threads[0].order_id(), Some(order_id.as_str()));
}

#[tokio::test]
async fn a_thread_keeps_customer_shop_and_operator_authors() {
    let world = World::new().await;
    let order_id = world
        .create_order(json!([{ "title": "Gra", "sku": "GAME-1", "quantity": 1, "price": 99.0 }]))
        .await;
    let thread_id = world
        .thread_id(
            "Dzień dobry, kiedy wysyłka?",
            json!({ "order_id": order_id, "topic": { "type": "REASON_CODE", "value": "23" } }),
        )
        .await;
    world
        .add_message(&thread_id, "OPERATOR", "Prosimy sklep o odpowiedź.")
        .await;
    world
        .add_message(&thread_id, "SHOP", "Wysyłka jutro, pozdrawiamy.")
        .await;

    let thread = world.client().thread(&thread_id).await.expect("M10");
    let authors: Vec<_> = thread
        .messages
        .iter()
        .map(|m| m.from.kind.clone())
        .collect();
    assert_eq!(
        authors,
        vec![
            SenderType::CustomerUser,
            SenderType::OperatorUser,
            SenderType::ShopUser
        ]
    );
    assert!(thread.messages[2].is_from_shop());
    assert_eq!(thread.messages[0].body, "Dzień dobry, kiedy wysyłka?");
    let topic = thread.topic.as_ref().expect("topic");
    assert_eq!(
        (&topic.kind, topic.value.as_str()),
        (&TopicType::ReasonCode, "23")
    );
    assert_eq!(thread.order_id(), Some(order_id.as_str()));
    let customer = thread.customer().expect("customer participant");
    assert_eq!(customer.id.as_deref(), Some(world.customer_id.as_str()));
    assert_eq!(customer.display_name, "Jan Kowalski");
    let kinds: Vec<_> = thread
        .authorized_participants
        .iter()
        .map(|p| p.kind.clone())
        .collect();
    assert!(kinds.contains(&ParticipantType::Operator) && kinds.contains(&ParticipantType::Shop));
    assert!(!thread.needs_shop_reply(), "the shop answered last");
    assert_eq!(thread.metadata.total_count, Some(3));
}

#[tokio::test]
async fn an_unknown_thread_or_attachment_is_not_found() {
    let world = World::new().await;
    let client = world.client();
    let error = client.thread("no-such-thread").await.expect_err("404");
    assert!(matches!(error, MiraklError::NotFound { .. }), "{error:?}");
    let error = client
        .download_attachment("no-such-file")
        .await
        .expect_err("404");
    assert!(matches!(error, MiraklError::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn reply_to_customer_addresses_the_customer_participant() {
    let world = World::new().await;
    let thread_id = world.thread_id("Czy mogę zwrócić?", json!({})).await;
    let client = world.client();
    let thread = client.thread(&thread_id).await.expect("M10");
    assert!(thread.needs_shop_reply());

    let created = client
        .reply_to_customer(&thread, "Tak, w ciągu 14 dni.", &[])
        .await
        .expect("M12");
    assert_eq!(created.thread_id, thread_id);

    let posted = world.posted(&thread_id).await;
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["body"], "Tak, w ciągu 14 dni.");
    assert_eq!(
        posted[0]["to"],
        json!([{ "type": "CUSTOMER", "id": world.customer_id }])
    );
    assert_eq!(posted[0]["files"], json!([]));
    assert_eq!(posted[0]["message_id"], json!(created.message_id));

    let after = client.thread(&thread_id).await.expect("M10");
    let last = after.messages.last().expect("reply");
    assert_eq!(last.from.kind, SenderType::ShopUser);
    assert!(!after.needs_shop_reply());
}

#[tokio::test]
async fn a_reply_with_a_file_can_be_downloaded_back() {
    let world = World::new().await;
    let thread_id = world.thread_id("Proszę o fakturę.", json!({})).await;
    let client = world.client();
    let thread = client.thread(&thread_id).await.expect("M10");
    let pdf = b"%PDF-1.4 faktura".to_vec();
    let file = ReplyFile::new("faktura ż.pdf", "application/pdf", pdf.clone());
    client
        .reply_to_customer(&thread, "Faktura w załączniku.", &[file])
        .await
        .expect("M12 with a file");

    let posted = world.posted(&thread_id).await;
    let files = posted[0]["files"].as_array().expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["name"], "faktura ż.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["size"], json!(pdf.len()));

    let after = client.thread(&thread_id).await.expect("M10");
    let listed = &after.messages.last().expect("reply").attachments[0];
    assert_eq!(listed.name, "faktura ż.pdf");
    let download = client.download_attachment(&listed.id).await.expect("M13");
    assert_eq!(download.data, pdf);
    assert_eq!(download.content_type, "application/pdf");
    assert_eq!(download.file_name.as_deref(), Some("faktura ż.pdf"));
}

#[tokio::test]
async fn a_customers_attachment_downloads_with_type_and_name() {
    let world = World::new().await;
    let photo = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3];
    let created = world
        .create_thread(
            "Paczka uszkodzona, zdjęcie w załączniku.",
            json!({ "attachment": {
                "name": "zdjęcie.png",
                "content_type": "image/png",
                "data_base64": base64::engine::general_purpose::STANDARD.encode(&photo)
            }}),
        )
        .await;
    let attachment_id = created["attachment_id"].as_str().expect("attachment_id");
    let download = world
        .client()
        .download_attachment(attachment_id)
        .await
        .expect("M13");
    assert_eq!(download.data, photo);
    assert_eq!(download.content_type, "image/png");
    assert_eq!(download.file_name.as_deref(), Some("zdjęcie.png"));
}

#[tokio::test]
async fn a_too_short_body_is_refused_before_sending() {
    let world = World::new().await;
    let thread_id = world.thread_id("Halo?", json!({})).await;
    let client = world.client();
    let thread = client.thread(&thread_id).await.expect("M10");
    let error = client
        .reply_to_customer(&thread, "ok", &[])
        .await
        .expect_err("too short");
    assert!(
        matches!(&error, MiraklError::InvalidInput { message } if message.contains("too short")),
        "{error:?}"
    );
    assert!(world.posted(&thread_id).await.is_empty(), "nothing sent");
}

#[tokio::test]
async fn reason_labels_come_from_re02_in_the_asked_locale() {
    let world = World::new().await;
    let client = world.client();
    let polish = client
        .reasons(marketdesk_mirakl::REASONS_ORDER_MESSAGING, Some("pl_PL"))
        .await
        .expect("RE02");
    let label = |reasons: &[marketdesk_mirakl::Reason], code: &str| {
        reasons
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.label.clone())
    };
    assert_eq!(
        label(&polish, "23").as_deref(),
        Some("Nie otrzymałem produktu")
    );
    let default = client
        .reasons(marketdesk_mirakl::REASONS_ORDER_MESSAGING, None)
        .await
        .expect("RE02");
    assert_eq!(label(&default, "23").as_deref(), Some("Item not received"));
    let err = client
        .reasons("NOT_A_TYPE", None)
        .await
        .expect_err("unknown type");
    assert!(matches!(err, MiraklError::BadRequest { .. }), "{err:?}");
    let sent = world
        .control
        .get("/requests?path_prefix=/api/reasons")
        .await;
    let queries: Vec<&str> = sent["requests"]
        .as_array()
        .expect("log")
        .iter()
        .map(|r| r["query"].as_str().expect("query"))
        .collect();
    assert_eq!(queries[0], "locale=pl_PL");
}

#[tokio::test]
async fn m10_reads_every_message_of_a_thread_longer_than_m11_carries() {
    let world = World::new().await;
    let thread_id = world.thread_id("Wiadomość 1", json!({})).await;
    for n in 2..=130 {
        world
            .add_message(&thread_id, "CUSTOMER", &format!("Wiadomość {n}"))
            .await;
    }
    let client = world.client();
    let listed = client
        .all_threads(&ThreadQuery::new().with_messages(true))
        .await
        .expect("M11");
    assert_eq!(
        listed[0].messages.len(),
        marketdesk_mirakl::LISTED_MESSAGES_MAX
    );
    assert_eq!(listed[0].metadata.total_count, Some(130));
    let full = client.thread(&thread_id).await.expect("M10");
    let bodies: Vec<String> = full.messages.iter().map(|m| m.body.clone()).collect();
    let expected: Vec<String> = (1..=130).map(|n| format!("Wiadomość {n}")).collect();
    assert_eq!(bodies, expected, "all of them, oldest first");
}
