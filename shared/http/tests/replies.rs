//! `/v1/tickets/{id}/replies`, `.../retry` and `.../attachments/{aid}`: what the API accepts,
//! refuses and answers. Delivery itself is the sender's (tests/outbox.rs, the channels' tests).

mod common;

use async_trait::async_trait;
use common::*;
use marketdesk_core::domain::{
    Attachment, Channel, Integration, IntegrationKind, ReplyState, Role, Ticket,
};
use marketdesk_core::ports::{
    Delivered, DeliveryRegistry, FetchedFile, MarketplaceError, OutgoingReply, ReplyChannel,
};
use marketdesk_core::repo::replies;
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::json;
use std::sync::Arc;

/// Serves every buyer file as the bytes of its URL; posts nothing.
struct Files;

#[async_trait]
impl ReplyChannel for Files {
    async fn deliver(
        &self,
        _: &Integration,
        _: &Ticket,
        _: &OutgoingReply,
    ) -> Result<Delivered, MarketplaceError> {
        Err(MarketplaceError::Unavailable("not in this test".into()))
    }

    async fn find_delivered(
        &self,
        _: &Integration,
        _: &Ticket,
        _: &str,
        _: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError> {
        Ok(None)
    }

    async fn fetch_attachment(
        &self,
        _: &Integration,
        _: &Ticket,
        attachment: &Attachment,
    ) -> Result<FetchedFile, MarketplaceError> {
        if attachment.url.contains("gone") {
            return Err(MarketplaceError::Refused("404 attachment not found".into()));
        }
        Ok(FetchedFile::from_bytes(
            attachment.filename.clone(),
            "image/png".into(),
            attachment.url.as_bytes().to_vec(),
        ))
    }
}

/// An API whose t1 has an Allegro integration `int-1` with one open dispute ticket.
async fn api_with_ticket(channel: bool) -> (Api, String, Ticket) {
    let api = Api::with_state(|state| {
        if channel {
            state.with_deliveries(
                DeliveryRegistry::empty().with_channel(Channel::AllegroIssues, Arc::new(Files)),
            )
        } else {
            state
        }
    });
    let key = api.key("t1", Role::Agent).await;
    seed_connected_integration(&api.backend.ports, "t1", "int-1", IntegrationKind::Allegro).await;
    let ticket = ticket("t1", "int-1", "d-1", 5);
    store_ticket(&api, &ticket).await;
    (api, key, ticket)
}

#[tokio::test]
async fn a_reply_is_accepted_as_sending_queued_and_shown_on_the_ticket() {
    let (api, key, ticket) = api_with_ticket(false).await;
    store_message(&api, &ticket, "x0", "buyer", "Gdzie jest paczka?").await;
    let answer = api
        .post(
            &format!("/v1/tickets/{}/replies", ticket.id),
            &key,
            json!({ "text": "Dzień dobry, wysyłamy nową sztukę." }),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    assert_eq!(answer.body["state"], "sending");
    assert_eq!(answer.body["author"], "seller_via_marketdesk");
    assert_eq!(answer.body["author_name"], "t1 Agent");
    let queued = api
        .backend
        .ports
        .queues
        .outbound
        .receive(10, std::time::Duration::from_secs(30))
        .await
        .expect("receive");
    assert_eq!(queued.len(), 1);
    assert!(queued[0]
        .body
        .contains(answer.body["id"].as_str().expect("id")));

    let detail = api.get(&format!("/v1/tickets/{}", ticket.id), &key).await;
    let messages = detail.body["messages"].as_array().expect("messages");
    let reply = messages.last().expect("the reply");
    assert_eq!(reply["delivery"]["state"], "sending");
    assert_eq!(reply["delivery"]["reply_id"], answer.body["id"]);
    assert_eq!(
        detail.body["ticket"]["needs_reply"], true,
        "not answered until sent"
    );
    assert_eq!(detail.body["ticket"]["delivery"], "sending");
}

#[tokio::test]
async fn bad_replies_are_refused_with_the_field_and_nothing_is_queued() {
    let (api, key, ticket) = api_with_ticket(false).await;
    let path = format!("/v1/tickets/{}/replies", ticket.id);
    for (body, field) in [
        (json!({ "text": "<p>Hej</p>" }), "text"),
        (json!({ "text": "" }), "text"),
        (json!({ "text": "ok", "footer": "x" }), "footer"),
        (
            json!({ "text": "ok", "attachment": { "filename": "a.exe", "content_type": "application/octet-stream", "data_base64": "AAAA" } }),
            "attachment.content_type",
        ),
        (
            json!({ "text": "ok", "attachment": { "filename": "a.png", "content_type": "image/png" } }),
            "attachment.data_base64",
        ),
    ] {
        let answer = api.post(&path, &key, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.code(), "validation_failed");
        assert_eq!(answer.field(), field, "{body}");
    }
    let queued = api
        .backend
        .ports
        .queues
        .outbound
        .receive(10, std::time::Duration::from_secs(30))
        .await
        .expect("receive");
    assert!(queued.is_empty());
}

#[tokio::test]
async fn closed_conversations_missing_keys_and_other_tenants_are_refused() {
    let (api, key, mut ticket) = api_with_ticket(false).await;
    let path = format!("/v1/tickets/{}/replies", ticket.id);
    let missing = api
        .call("POST", &path, None, Some(json!({ "text": "x" })))
        .await;
    assert_eq!(missing.status, 401);
    let other = api.key("t2", Role::Admin).await;
    assert_eq!(
        api.post(&path, &other, json!({ "text": "Hej" }))
            .await
            .status,
        404
    );

    let stored = marketdesk_core::repo::tickets::get(
        &*api.backend.ports.store,
        &ticket.tenant_id,
        &ticket.id,
    )
    .await
    .expect("get")
    .expect("ticket");
    ticket.open_for_replies = false;
    marketdesk_core::repo::tickets::update(&*api.backend.ports.store, &ticket, stored.version)
        .await
        .expect("closed");
    let answer = api.post(&path, &key, json!({ "text": "Hej" })).await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), "conversation_closed");
    let comment = api
        .post(
            &format!("/v1/tickets/{}/comments", ticket.id),
            &key,
            json!({ "text": "Klient dzwonił" }),
        )
        .await;
    assert_eq!(comment.status, 201, "closed conversations take comments");
}

#[tokio::test]
async fn only_failed_replies_can_be_retried() {
    let (api, key, ticket) = api_with_ticket(false).await;
    let sent = api
        .post(
            &format!("/v1/tickets/{}/replies", ticket.id),
            &key,
            json!({ "text": "Hej" }),
        )
        .await;
    let id = sent.body["id"].as_str().expect("id").to_owned();
    let retry = format!("/v1/tickets/{}/replies/{id}/retry", ticket.id);
    let answer = api.call("POST", &retry, Some(&key), None).await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.code(), "reply_not_failed");

    let store = &*api.backend.ports.store;
    let stored = replies::get(store, &ticket.tenant_id, &ticket.id, &id.as_str().into())
        .await
        .expect("get")
        .expect("reply");
    let mut failed = stored.value;
    failed.state = ReplyState::Failed;
    failed.failure = Some("HTTP 503".into());
    replies::update(store, &ticket.tenant_id, &failed, stored.version)
        .await
        .expect("failed");
    let answer = api.call("POST", &retry, Some(&key), None).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    assert_eq!(answer.body["state"], "sending");
    assert!(answer.body["failure"].is_null());
    let unknown = api
        .call(
            "POST",
            &format!("/v1/tickets/{}/replies/nope/retry", ticket.id),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn buyer_attachments_are_fetched_from_the_marketplace_by_their_id() {
    let (api, key, ticket) = api_with_ticket(true).await;
    let message: marketdesk_core::domain::Message = serde_json::from_value(json!({
        "id": "m-1", "ticket_id": ticket.id, "external_id": "x1", "author": "buyer",
        "author_name": null, "text": "Zdjęcia", "created_at": ticket.updated_at,
        "attachments": [
            { "filename": "paczka.png", "content_type": "image/png", "url": "https://api.allegro.pl.allegrosandbox.pl/a/1" },
            { "filename": "stara.png", "content_type": "image/png", "url": "https://api.allegro.pl.allegrosandbox.pl/gone" }
        ]
    }))
    .expect("message");
    marketdesk_core::repo::tickets::add_message(
        &*api.backend.ports.store,
        &ticket.tenant_id,
        &message,
        "Xx1",
    )
    .await
    .expect("stored");
    let detail = api.get(&format!("/v1/tickets/{}", ticket.id), &key).await;
    let files = &detail.body["messages"][0]["attachments"];
    assert_eq!(files[0]["id"], "m-1-0");
    assert_eq!(files[1]["id"], "m-1-1");

    let answer = api
        .get(
            &format!("/v1/tickets/{}/attachments/m-1-0", ticket.id),
            &key,
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["content-type"], "image/png");
    assert_eq!(
        answer.headers["content-disposition"],
        "attachment; filename=\"paczka.png\""
    );
    assert_eq!(answer.body, "https://api.allegro.pl.allegrosandbox.pl/a/1");

    let gone = api
        .get(
            &format!("/v1/tickets/{}/attachments/m-1-1", ticket.id),
            &key,
        )
        .await;
    assert_eq!(gone.status, 409);
    assert_eq!(gone.code(), "attachment_unavailable");
    for aid in ["m-1-7", "nope", "m-1-x"] {
        let answer = api
            .get(
                &format!("/v1/tickets/{}/attachments/{aid}", ticket.id),
                &key,
            )
            .await;
        assert_eq!(answer.status, 404, "{aid}");
    }
    let other = api.key("t2", Role::Agent).await;
    let answer = api
        .get(
            &format!("/v1/tickets/{}/attachments/m-1-0", ticket.id),
            &other,
        )
        .await;
    assert_eq!(answer.status, 404, "other tenants see nothing");
}

#[tokio::test]
async fn every_file_carries_a_marketdesk_link_in_both_directions() {
    let (api, key, ticket) = api_with_ticket(true).await;
    let message: marketdesk_core::domain::Message = serde_json::from_value(json!({
        "id": "m-1", "ticket_id": ticket.id, "external_id": "x1", "author": "buyer",
        "author_name": null, "text": "Zdjęcie", "created_at": ticket.updated_at,
        "attachments": [
            { "filename": "paczka.png", "content_type": "image/png", "url": "https://api.allegro.pl.allegrosandbox.pl/a/1" }
        ]
    }))
    .expect("message");
    marketdesk_core::repo::tickets::add_message(
        &*api.backend.ports.store,
        &ticket.tenant_id,
        &message,
        "Xx1",
    )
    .await
    .expect("stored");
    // base64 of this text:
    let pdf = "%PDF-1.4 etykieta zwrotna";
    let sent = api
        .post(
            &format!("/v1/tickets/{}/replies", ticket.id),
            &key,
            json!({ "text": "Etykieta w załączniku.",
                    "attachment": { "filename": "etykieta.pdf", "content_type": "application/pdf",
                                    "data_base64": "JVBERi0xLjQgZXR5a2lldGEgendyb3RuYQ==" } }),
        )
        .await;
    assert_eq!(sent.status, 202, "{}", sent.body);
    let reply_id = sent.body["id"].as_str().expect("id");

    let detail = api.get(&format!("/v1/tickets/{}", ticket.id), &key).await;
    let messages = detail.body["messages"].as_array().expect("messages");
    let buyer_file = &messages[0]["attachments"][0];
    assert_eq!(
        buyer_file["link"],
        format!("/v1/tickets/{}/attachments/m-1-0", ticket.id)
    );
    let seller_file = &messages[1]["attachments"][0];
    assert_eq!(seller_file["filename"], "etykieta.pdf");
    let link = seller_file["link"]
        .as_str()
        .expect("the seller's file has a link");
    assert_eq!(
        link,
        format!("/v1/tickets/{}/attachments/{reply_id}-0", ticket.id)
    );
    assert_eq!(seller_file["id"], format!("{reply_id}-0"));

    let file = api.get(link, &key).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.headers["content-type"], "application/pdf");
    assert_eq!(
        file.headers["content-disposition"],
        "attachment; filename=\"etykieta.pdf\""
    );
    assert_eq!(
        file.body, pdf,
        "the bytes the agent sent, from marketdesk's store"
    );
    let buyer = api
        .get(buyer_file["link"].as_str().expect("link"), &key)
        .await;
    assert_eq!(buyer.status, 200);
}
