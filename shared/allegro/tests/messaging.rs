//! Message Center beta.v1 against the simulator: thread paging with `page.id` and filters,
//! messages, replying, `THREAD_CLOSED`, marking read, attachments.

mod common;

use common::Sim;
use marketdesk_allegro::messaging::{
    MessageAuthorRole, ParticipantRole, ThreadFilter, ThreadStatus, ThreadType,
};
use marketdesk_allegro::AllegroError;
use serde_json::json;

/// Opens a thread as the buyer; its id.
async fn open_thread(
    sim: &Sim,
    seller_id: &str,
    buyer_id: &str,
    body: serde_json::Value,
) -> String {
    let mut request = json!({ "seller_id": seller_id, "buyer_id": buyer_id });
    if let (Some(target), Some(extra)) = (request.as_object_mut(), body.as_object()) {
        target.extend(extra.clone());
    }
    sim.create("/allegro/inbox/threads", request, "id").await
}

#[tokio::test]
async fn threads_page_with_cursors_and_filter() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_watki").await;
    let (buyer_id, _) = sim.buyer("kupujacy_watki").await;
    let offer_id = sim.offer(&seller_id, "Lampka nocna LED", None).await;
    let order_id = sim.order(&seller_id, &buyer_id, &offer_id).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            open_thread(
                &sim,
                &seller_id,
                &buyer_id,
                json!({ "type": "COMMON", "text": format!("Pytanie {i}") }),
            )
            .await,
        );
        sim.advance(1).await;
    }
    let problem = open_thread(
        &sim,
        &seller_id,
        &buyer_id,
        json!({ "type": "POST_PURCHASE_ISSUE", "sub_type": "PRODUCT_ARRIVED_DAMAGED",
                "order_id": order_id, "text": "Lampka przyszła zbita" }),
    )
    .await;

    let first = sim
        .client
        .list_threads(&token, &ThreadFilter::default(), 2, None)
        .await
        .expect("page 1");
    assert_eq!(first.threads.len(), 2);
    assert_eq!(first.threads[0].id, problem, "newest last message first");
    let cursor = first.next_page.clone().expect("a next page");
    let second = sim
        .client
        .list_threads(&token, &ThreadFilter::default(), 2, Some(&cursor))
        .await
        .expect("page 2");
    assert_eq!(second.threads.len(), 2);
    assert!(second.next_page.is_none(), "last page");
    let mut seen: Vec<String> = first
        .threads
        .iter()
        .chain(&second.threads)
        .map(|t| t.id.clone())
        .collect();
    seen.sort();
    let mut expected = ids.clone();
    expected.push(problem.clone());
    expected.sort();
    assert_eq!(seen, expected, "every thread once");

    let problems = ThreadFilter {
        thread_type: Some(ThreadType::PostPurchaseIssue),
        ..ThreadFilter::default()
    };
    let page = sim
        .client
        .list_threads(&token, &problems, 20, None)
        .await
        .expect("type filter");
    assert_eq!(page.threads.len(), 1);
    let thread = &page.threads[0];
    assert_eq!(thread.orders[0].id.as_deref(), Some(order_id.as_str()));
    assert_eq!(
        thread.participant_login(&ParticipantRole::Buyer),
        Some("kupujacy_watki")
    );
    let by_order = ThreadFilter {
        order_id: Some(order_id.clone()),
        ..ThreadFilter::default()
    };
    assert_eq!(
        sim.client
            .list_threads(&token, &by_order, 20, None)
            .await
            .expect("order filter")
            .threads
            .len(),
        1
    );
    let unread = ThreadFilter {
        read: Some(false),
        status: Some(ThreadStatus::Open),
        ..ThreadFilter::default()
    };
    assert_eq!(
        sim.client
            .list_threads(&token, &unread, 20, None)
            .await
            .expect("read filter")
            .threads
            .len(),
        4
    );

    let all = sim
        .client
        .threads_changed_since(&token, &ThreadFilter::default(), None)
        .await
        .expect("all threads");
    assert_eq!(all.len(), 4);
    let since = sim
        .client
        .thread(&token, &ids[2])
        .await
        .expect("thread")
        .last_message_date_time
        .and_then(|t| t.as_datetime());
    let recent = sim
        .client
        .threads_changed_since(&token, &ThreadFilter::default(), since)
        .await
        .expect("recent threads");
    let recent_ids: Vec<&str> = recent.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(recent_ids, [problem.as_str(), ids[2].as_str()]);

    let missing = sim
        .client
        .thread(&token, "no-such-thread")
        .await
        .expect_err("unknown");
    assert!(
        matches!(&missing, AllegroError::NotFound { .. }) && missing.has_code("THREAD_NOT_FOUND"),
        "{missing:?}"
    );
}

#[tokio::test]
async fn messages_replies_read_flags_and_closed_threads() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_wiadomosci").await;
    let (buyer_id, _) = sim.buyer("kupujacy_wiadomosci").await;
    let offer_id = sim.offer(&seller_id, "Kabel USB-C 2m", None).await;
    let order_id = sim.order(&seller_id, &buyer_id, &offer_id).await;
    let thread_id = open_thread(
        &sim,
        &seller_id,
        &buyer_id,
        json!({ "type": "POST_PURCHASE_ISSUE", "order_id": order_id, "text": "Kabel nie działa" }),
    )
    .await;
    for text in ["Czy mogę go odesłać?", "Halo?"] {
        sim.advance(1).await;
        let (status, body) = sim
            .control
            .post_status(
                &format!("/allegro/inbox/threads/{thread_id}/messages"),
                &json!({ "author": "BUYER", "text": text }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    sim.advance(2).await;

    let reply = sim
        .client
        .post_thread_message(
            &token,
            &thread_id,
            "Proszę odesłać, zwrócimy pieniądze.",
            &[],
        )
        .await
        .expect("reply");
    assert_eq!(reply.role(), Some(&MessageAuthorRole::Seller));

    let page = sim
        .client
        .list_thread_messages(&token, &thread_id, 2, None)
        .await
        .expect("page 1");
    assert_eq!(page.messages.len(), 2);
    assert_eq!(page.messages[0].id, reply.id, "newest first as sent");
    let next = page.next_page.expect("more pages");
    let older = sim
        .client
        .list_thread_messages(&token, &thread_id, 2, Some(&next))
        .await
        .expect("page 2");
    assert_eq!(older.messages.len(), 2);
    assert!(older.next_page.is_none());

    let all = sim
        .client
        .thread_messages_since(&token, &thread_id, None)
        .await
        .expect("all messages");
    let texts: Vec<&str> = all.iter().filter_map(|m| m.text.as_deref()).collect();
    assert_eq!(
        texts,
        [
            "Kabel nie działa",
            "Czy mogę go odesłać?",
            "Halo?",
            "Proszę odesłać, zwrócimy pieniądze."
        ],
        "oldest first"
    );
    let since = all[2].created_at.as_ref().and_then(|t| t.as_datetime());
    let recent = sim
        .client
        .thread_messages_since(&token, &thread_id, since)
        .await
        .expect("recent messages");
    assert_eq!(recent.len(), 2);

    let read = sim
        .client
        .mark_thread_read(&token, &thread_id, false)
        .await
        .expect("unread");
    assert!(!read);
    let thread = sim.client.thread(&token, &thread_id).await.expect("thread");
    assert_eq!(thread.read, Some(false));
    assert!(sim
        .client
        .mark_thread_read(&token, &thread_id, true)
        .await
        .expect("read"));

    let (status, body) = sim
        .control
        .post_status(
            &format!("/allegro/inbox/threads/{thread_id}/close"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(sim
        .client
        .thread(&token, &thread_id)
        .await
        .expect("thread")
        .is_closed());
    sim.advance(2).await;
    let closed = sim
        .client
        .post_thread_message(&token, &thread_id, "Jeszcze jedno", &[])
        .await
        .expect_err("closed");
    assert!(
        matches!(&closed, AllegroError::Validation { status: 422, .. })
            && closed.has_code("THREAD_CLOSED"),
        "{closed:?}"
    );
    assert_eq!(sim.posted(&thread_id).await.len(), 1);

    let missing = sim
        .client
        .post_thread_message(&token, "no-such-thread", "x", &[])
        .await
        .expect_err("unknown");
    assert!(
        matches!(missing, AllegroError::NotFound { .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn message_attachments_go_up_and_come_down() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_pliki").await;
    let (buyer_id, _) = sim.buyer("kupujacy_pliki").await;
    let thread_id = open_thread(
        &sim,
        &seller_id,
        &buyer_id,
        json!({ "type": "COMMON", "text": "Proszę o instrukcję" }),
    )
    .await;
    let pdf = b"%PDF-1.4\ninstrukcja\n".to_vec();
    let id = sim
        .client
        .upload_message_attachment(&token, "instrukcja.pdf", "application/pdf", pdf.clone())
        .await
        .expect("upload");
    let message = sim
        .client
        .post_thread_message(
            &token,
            &thread_id,
            "W załączniku.",
            std::slice::from_ref(&id),
        )
        .await
        .expect("reply with attachment");
    let attachment = &message.attachments[0];
    assert_eq!(attachment.id.as_deref(), Some(id.as_str()));
    assert_eq!(attachment.file_name.as_deref(), Some("instrukcja.pdf"));
    let download = sim
        .client
        .download_attachment(&token, attachment.url.as_deref().expect("URL"))
        .await
        .expect("download");
    assert_eq!(download.bytes, pdf);
    assert_eq!(download.content_type.as_deref(), Some("application/pdf"));

    let too_big = sim
        .client
        .declare_message_attachment(&token, "film.png", 5 * 1024 * 1024 + 1)
        .await
        .expect_err("over 5 MiB");
    assert!(
        matches!(too_big, AllegroError::Validation { .. }),
        "{too_big:?}"
    );
}
