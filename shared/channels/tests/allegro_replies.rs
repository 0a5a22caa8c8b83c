//! Replies to Allegro conversations against the simulator: text, files and END_REQUEST arrive
//! as the seller's; closed conversations refuse in agents' words; a POST whose answer is lost
//! is never repeated and is found again by its text; rate limits come back as such; buyers'
//! files download with the account's token; the wired channels deliver through the core's
//! sender exactly once.

use chrono::{DateTime, Utc};
use marketdesk_channels::allegro::{
    AllegroIssueReplies, AllegroIssuesSource, AllegroMessagingSource, AllegroThreadReplies,
};
use marketdesk_channels::settings::{AllegroSettings, ChannelSettings};
use marketdesk_channels::wiring::Channels;
use marketdesk_core::domain::{
    Attachment, Channel, ConversationKind, PollCursor, ReplyState, Ticket,
};
use marketdesk_core::ids::MessageId;
use marketdesk_core::jobs::InboundEvent;
use marketdesk_core::ports::{
    ConversationSource, Delivered, MarketplaceError, OutgoingFile, OutgoingReply, ReplyChannel,
};
use marketdesk_core::repo::{replies as reply_repo, tickets};
use marketdesk_core::services::replies::{self, NewReply};
use marketdesk_core::services::sender::{self, SendOutcome};
use marketdesk_testkit::backend::temp_backend;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration as StdDuration;

mod common;

use common::{
    allegro_registry, cycle, AllegroSeller, Shop, WithAdapters, CLIENT_ID, CLIENT_SECRET, UA,
};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
/// The smallest PDF the simulator needs to see (bytes are not parsed).
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Standard base64 with padding, for the control API's `data_base64`.
fn base64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Both Allegro reply channels of a connected seller.
struct Replies {
    issues: AllegroIssueReplies,
    threads: AllegroThreadReplies,
}

type Harness = WithAdapters<Replies>;

impl Harness {
    async fn start(login: &str) -> Self {
        let seller = AllegroSeller::start(login, temp_backend(), |c| c).await;
        let adapters = Replies {
            issues: AllegroIssueReplies::new(
                common::allegro_access(seller.ports(), &seller.clients),
                seller.clients.clone(),
            ),
            threads: AllegroThreadReplies::new(
                common::allegro_access(seller.ports(), &seller.clients),
                seller.clients.clone(),
            ),
        };
        Self { seller, adapters }
    }

    /// A fault on the next `remaining` POSTs under `path_prefix`.
    async fn fault_post(&self, path_prefix: &str, kind: Value) {
        let mut rule = json!({ "path_prefix": path_prefix, "method": "POST", "remaining": 1 });
        if let (Some(rule), Some(kind)) = (rule.as_object_mut(), kind.as_object()) {
            rule.extend(kind.clone());
        }
        self.control.fault(rule).await;
    }

    /// Moves the simulator past Allegro's one-message-per-second limit.
    async fn next_second(&self) {
        self.control.advance_clock(2).await;
    }

    /// What the seller posted through the API into `conversation`, oldest first.
    async fn posted(&self, conversation: &str) -> Vec<Value> {
        self.control
            .allegro_posted(&format!(
                "?seller_id={}&conversation_id={conversation}",
                self.seller_id
            ))
            .await
    }

    /// Polls and ingests everything once (scheduler, poller, ingest); the tickets stored.
    async fn sync(&self) -> Vec<Ticket> {
        let ports = self.ports().clone();
        cycle(&ports, &allegro_registry(&ports, &self.clients)).await;
        tickets::list_recent(&*ports.store, &self.integration.tenant_id, None, 50)
            .await
            .expect("tickets")
            .0
    }

    /// The event the source reads for `id` on a first poll.
    async fn event(&self, channel: Channel, id: &str) -> InboundEvent {
        let ports = self.ports().clone();
        let cursor = PollCursor {
            tenant_id: self.integration.tenant_id.clone(),
            integration_id: self.integration.id.clone(),
            channel,
            position: None,
            polled_at: None,
        };
        let batch = match channel {
            Channel::AllegroIssues => {
                AllegroIssuesSource::new(
                    common::allegro_access(&ports, &self.clients),
                    self.clients.clone(),
                )
                .poll(&self.integration, &cursor)
                .await
            }
            _ => {
                AllegroMessagingSource::new(
                    common::allegro_access(&ports, &self.clients),
                    self.clients.clone(),
                )
                .poll(&self.integration, &cursor)
                .await
            }
        }
        .expect("poll");
        batch
            .events
            .into_iter()
            .find(|e| e.conversation.external_id == id)
            .unwrap_or_else(|| panic!("no event for {id}"))
    }
}

fn reply(text: &str) -> OutgoingReply {
    OutgoingReply {
        reply_id: MessageId::generate(),
        text: text.into(),
        attachment: None,
        ask_to_confirm: false,
    }
}

fn with_file(text: &str, filename: &str, content_type: &str, data: &[u8]) -> OutgoingReply {
    OutgoingReply {
        attachment: Some(OutgoingFile {
            filename: filename.into(),
            content_type: content_type.into(),
            data: data.to_vec(),
        }),
        ..reply(text)
    }
}

/// A little before now: `find_delivered` looks from the first attempt on.
fn just_before() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::seconds(1)
}

/// The ticket of conversation `id`.
fn ticket_of(tickets: &[Ticket], id: &str) -> Ticket {
    tickets
        .iter()
        .find(|t| t.conversation.external_id == id)
        .unwrap_or_else(|| panic!("no ticket for {id}"))
        .clone()
}

fn closed(error: &MarketplaceError) -> bool {
    matches!(error, MarketplaceError::Refused(m) if m == "the conversation is closed on Allegro")
}

async fn open_dispute(h: &Harness, shop: &Shop, attachments: Value) -> String {
    h.control.create(
        "/allegro/inbox/issues",
        json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                "type": "DISPUTE", "reason": "PRODUCT_DAMAGED_PARCEL_INTACT", "text": "Kubek pęknięty.",
                "attachments": attachments }),
    )
    .await
}

#[tokio::test]
async fn dispute_replies_arrive_as_the_sellers_with_files_and_end_requests() {
    let h = Harness::start("sklep_odpowiedzi").await;
    let shop = h.shop("kupujacy_odp").await;
    let dispute = open_dispute(
        &h,
        &shop,
        json!([{ "file_name": "kubek.png", "content_type": "image/png", "data_base64": base64(PNG) }]),
    )
    .await;
    let t = ticket_of(&h.sync().await, &dispute);
    assert_eq!(t.conversation.kind, ConversationKind::AllegroDispute);
    // Allegro's 1 post/s per user covers /messaging posts only (allegro-api.md §4.2):
    // replies to issues take no send slot.
    assert_eq!(h.adapters.issues.min_interval(), None);
    let since = just_before();

    let text = "Dzień dobry, wyślemy nowy kubek.";
    let first = h
        .adapters
        .issues
        .deliver(&h.integration, &t, &reply(text))
        .await
        .expect("text reply");
    h.next_second().await;
    let second = h
        .adapters
        .issues
        .deliver(
            &h.integration,
            &t,
            &with_file(
                "Faktura w załączniku.",
                "faktura.pdf",
                "application/pdf",
                PDF,
            ),
        )
        .await
        .expect("reply with a file");
    h.next_second().await;
    let third = h
        .adapters
        .issues
        .deliver(
            &h.integration,
            &t,
            &OutgoingReply {
                ask_to_confirm: true,
                ..reply("Czy problem został rozwiązany?")
            },
        )
        .await
        .expect("END_REQUEST");

    let posted = h.posted(&dispute).await;
    assert_eq!(posted.len(), 3, "{posted:?}");
    assert_eq!(posted[0]["message_id"], json!(first.external_id));
    assert_eq!(posted[0]["text"], json!(text));
    assert_eq!(posted[0]["type"], json!("REGULAR"));
    assert_eq!(posted[0]["attachments"], json!([]));
    assert_eq!(posted[1]["message_id"], json!(second.external_id));
    let files = posted[1]["attachments"].as_array().expect("attachments");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["file_name"], json!("faktura.pdf"));
    assert_eq!(files[0]["content_type"], json!("application/pdf"));
    assert_eq!(files[0]["size"], json!(PDF.len()));
    assert_eq!(posted[2]["message_id"], json!(third.external_id));
    assert_eq!(posted[2]["type"], json!("END_REQUEST"));
    assert!(first.created_at < second.created_at && second.created_at < third.created_at);

    // Read back, the replies are the seller's, and the file is the one sent.
    let token = access_token(&h).await;
    let chat = h
        .client()
        .full_issue_chat(&token, &dispute)
        .await
        .expect("chat");
    let mine = chat
        .iter()
        .find(|m| m.id == second.external_id)
        .expect("posted message in the chat");
    assert_eq!(
        mine.role(),
        Some(&marketdesk_allegro::issues::IssueAuthorRole::Seller)
    );
    let url = mine.attachments[0].url.clone().expect("url");
    let sent = h
        .adapters
        .issues
        .fetch_attachment(
            &h.integration,
            &t,
            &Attachment {
                id: None,
                link: None,
                filename: "faktura.pdf".into(),
                content_type: None,
                url,
            },
        )
        .await
        .expect("own file");
    assert_eq!(sent.read_all().await.expect("file bytes"), PDF);

    // An earlier attempt is found by its text; a text never posted is not.
    let found = h
        .adapters
        .issues
        .find_delivered(&h.integration, &t, &format!("  {text}\n"), since)
        .await
        .expect("find");
    assert_eq!(found, Some(first.clone()));
    let never = h
        .adapters
        .issues
        .find_delivered(&h.integration, &t, "Tego nigdy nie wysłano.", since)
        .await
        .expect("find");
    assert_eq!(never, None);
    let later = h
        .adapters
        .issues
        .find_delivered(
            &h.integration,
            &t,
            text,
            first.created_at + chrono::Duration::milliseconds(1),
        )
        .await
        .expect("find");
    assert_eq!(later, None, "only messages at or after `since`");
    // The buyer's own words are not a seller's reply.
    let buyers = h
        .adapters
        .issues
        .find_delivered(&h.integration, &t, "Kubek pęknięty.", since)
        .await
        .expect("find");
    assert_eq!(buyers, None);

    // The buyer's file, as the source mapped it, downloads with the account's token.
    let event = h.event(Channel::AllegroIssues, &dispute).await;
    let file = event.messages[0].attachments[0].clone();
    let fetched = h
        .adapters
        .issues
        .fetch_attachment(&h.integration, &t, &file)
        .await
        .expect("buyer's file");
    assert_eq!(fetched.filename, "kubek.png");
    assert_eq!(fetched.content_type, "image/png");
    assert_eq!(fetched.read_all().await.expect("file bytes"), PNG);
    // A URL on another host never gets the token.
    let foreign = h
        .adapters
        .issues
        .fetch_attachment(
            &h.integration,
            &t,
            &Attachment {
                url: "https://attacker.example/sale/issues/attachments/1".into(),
                ..file
            },
        )
        .await
        .expect_err("foreign host");
    assert!(
        matches!(foreign, MarketplaceError::Refused(_)),
        "{foreign:?}"
    );
}

/// The account's stored access token (to read the conversation back as the seller).
async fn access_token(h: &Harness) -> marketdesk_allegro::AccessToken {
    use secrecy::ExposeSecret;
    let pair = marketdesk_core::services::tokens::load(
        h.ports(),
        &h.integration.tenant_id,
        &h.integration.id,
    )
    .await
    .expect("load")
    .expect("tokens");
    marketdesk_allegro::AccessToken::new(pair.access_token.expose_secret())
}

#[tokio::test]
async fn closed_conversations_refuse_replies_in_agents_words() {
    let h = Harness::start("sklep_zamkniety").await;
    let shop = h.shop("kupujacy_zamk").await;
    let dispute = open_dispute(&h, &shop, json!([])).await;
    let problem = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "POST_PURCHASE_ISSUE", "sub_type": "PRODUCT_ARRIVED_DAMAGED", "text": "Zgnieciona." }),
        )
        .await;
    let claim = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "CLAIM", "reason": "DEFECT_FOUND_DURING_USE", "text": "Pękł." }),
        )
        .await;
    // Tickets made while the conversations were open; Allegro closes them afterwards.
    let tickets = h.sync().await;
    h.control
        .post(
            &format!("/allegro/inbox/issues/{dispute}/close"),
            json!({ "status": "DISPUTE_CLOSED" }),
        )
        .await;
    h.control
        .post(
            &format!("/allegro/inbox/threads/{problem}/close"),
            json!({}),
        )
        .await;
    let t = ticket_of(&tickets, &dispute);
    let error = h
        .adapters
        .issues
        .deliver(&h.integration, &t, &reply("Za późno?"))
        .await
        .expect_err("closed dispute");
    assert!(closed(&error), "{error:?}");
    let t = ticket_of(&tickets, &problem);
    let error = h
        .adapters
        .threads
        .deliver(&h.integration, &t, &reply("Za późno?"))
        .await
        .expect_err("closed thread");
    assert!(closed(&error), "{error:?}");
    assert!(h.posted(&dispute).await.is_empty());
    assert!(h.posted(&problem).await.is_empty());

    // END_REQUEST on a claim is Allegro's refusal, passed on (not "closed").
    let t = ticket_of(&tickets, &claim);
    let error = h
        .adapters
        .issues
        .deliver(
            &h.integration,
            &t,
            &OutgoingReply {
                ask_to_confirm: true,
                ..reply("Rozwiązane?")
            },
        )
        .await
        .expect_err("END_REQUEST on a claim");
    assert!(
        matches!(&error, MarketplaceError::Refused(m) if !closed(&error) && m.contains("422")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_failed_post_is_unavailable_never_repeated_and_found_by_its_text() {
    let h = Harness::start("sklep_awaria").await;
    let shop = h.shop("kupujacy_awaria").await;
    let dispute = open_dispute(&h, &shop, json!([])).await;
    let t = ticket_of(&h.sync().await, &dispute);
    let path = format!("/sale/issues/{dispute}/message");
    let since = just_before();
    let text = "Odpowiedź mimo awarii.";

    // A 500 before Allegro acted: nothing posted, and the client did not try again (one
    // fault, so a second attempt would have gone through).
    h.fault_post(&path, json!({ "kind": "server_error" })).await;
    let error = h
        .adapters
        .issues
        .deliver(&h.integration, &t, &reply(text))
        .await
        .expect_err("500");
    assert!(
        matches!(error, MarketplaceError::Unavailable(_)),
        "{error:?}"
    );
    assert!(h.posted(&dispute).await.is_empty(), "not retried");
    assert_eq!(
        h.adapters
            .issues
            .find_delivered(&h.integration, &t, text, since)
            .await
            .expect("find"),
        None
    );

    // A 500 after Allegro posted: unavailable, posted once, and found instead of posted again.
    h.fault_post(&path, json!({ "kind": "server_error_after_processing" }))
        .await;
    let error = h
        .adapters
        .issues
        .deliver(&h.integration, &t, &reply(text))
        .await
        .expect_err("lost answer");
    assert!(
        matches!(error, MarketplaceError::Unavailable(_)),
        "{error:?}"
    );
    let posted = h.posted(&dispute).await;
    assert_eq!(posted.len(), 1, "posted once, never twice: {posted:?}");
    let found = h
        .adapters
        .issues
        .find_delivered(&h.integration, &t, text, since)
        .await
        .expect("find")
        .expect("the earlier attempt");
    assert_eq!(json!(found.external_id), posted[0]["message_id"]);

    // 429: injected (issue posts have no one-message-per-second limit, allegro-api.md §4.2).
    h.next_second().await;
    h.fault_post(
        &path,
        json!({ "kind": "too_many_requests", "retry_after_seconds": 5 }),
    )
    .await;
    let error = h
        .adapters
        .issues
        .deliver(&h.integration, &t, &reply("Druga wiadomość."))
        .await
        .expect_err("429");
    assert!(
        matches!(error, MarketplaceError::RateLimited { retry_after } if retry_after >= StdDuration::from_secs(5)),
        "{error:?}"
    );
    h.adapters
        .issues
        .deliver(&h.integration, &t, &reply("Druga wiadomość."))
        .await
        .expect("after the wait");
    h.adapters
        .issues
        .deliver(&h.integration, &t, &reply("Trzecia, od razu."))
        .await
        .expect("no posting limit on issues");
    assert_eq!(h.posted(&dispute).await.len(), 3);
}

#[tokio::test]
async fn thread_replies_arrive_with_files_and_are_found_in_both_kinds_of_thread() {
    let h = Harness::start("sklep_watki").await;
    let shop = h.shop("kupujacy_watki").await;
    let problem = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "POST_PURCHASE_ISSUE", "sub_type": "PRODUCT_ARRIVED_DAMAGED", "text": "Zgnieciona.",
                    "attachments": [{ "file_name": "paczka.png", "content_type": "image/png", "data_base64": base64(PNG) }] }),
        )
        .await;
    let question = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "type": "COMMON",
                    "text": "Czy jest faktura?" }),
        )
        .await;
    let tickets = h.sync().await;
    let p = ticket_of(&tickets, &problem);
    let q = ticket_of(&tickets, &question);
    assert_eq!(
        p.conversation.kind,
        ConversationKind::AllegroPurchaseProblem
    );
    assert_eq!(q.conversation.kind, ConversationKind::AllegroCommonThread);
    assert!(h
        .adapters
        .threads
        .min_interval()
        .is_some_and(|i| i >= StdDuration::from_secs(1)));
    let since = just_before();

    let text = "Przepraszamy, wysyłamy nowy.";
    let first = h
        .adapters
        .threads
        .deliver(&h.integration, &p, &reply(text))
        .await
        .expect("text reply");
    h.next_second().await;
    let second = h
        .adapters
        .threads
        .deliver(
            &h.integration,
            &p,
            &with_file("Etykieta zwrotna.", "etykieta.png", "image/png", PNG),
        )
        .await
        .expect("reply with a file");
    h.next_second().await;
    let answer = "Tak, faktura jest w paczce.";
    let third = h
        .adapters
        .threads
        .deliver(&h.integration, &q, &reply(answer))
        .await
        .expect("answer to a question");

    let posted = h.posted(&problem).await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(posted[0]["message_id"], json!(first.external_id));
    assert_eq!(posted[0]["text"], json!(text));
    assert_eq!(posted[1]["message_id"], json!(second.external_id));
    assert_eq!(
        posted[1]["attachments"][0]["file_name"],
        json!("etykieta.png")
    );
    assert_eq!(
        posted[1]["attachments"][0]["content_type"],
        json!("image/png")
    );
    assert_eq!(posted[1]["attachments"][0]["size"], json!(PNG.len()));
    assert_eq!(h.posted(&question).await.len(), 1);

    // Read back, the reply is the seller's.
    let token = access_token(&h).await;
    let messages = h
        .client()
        .thread_messages_since(&token, &problem, None)
        .await
        .expect("messages");
    let mine = messages
        .iter()
        .find(|m| m.id == first.external_id)
        .expect("posted message");
    assert_eq!(
        mine.role(),
        Some(&marketdesk_allegro::messaging::MessageAuthorRole::Seller)
    );

    // Found by text in a purchase problem (SELLER) and in a question (the seller's USER).
    let found = h
        .adapters
        .threads
        .find_delivered(&h.integration, &p, text, since)
        .await
        .expect("find");
    assert_eq!(found, Some(first));
    let found = h
        .adapters
        .threads
        .find_delivered(&h.integration, &q, answer, since)
        .await
        .expect("find");
    assert_eq!(found, Some(third));
    let buyers = h
        .adapters
        .threads
        .find_delivered(&h.integration, &q, "Czy jest faktura?", since)
        .await
        .expect("find");
    assert_eq!(buyers, None, "the buyer's USER message is not the seller's");
    let never = h
        .adapters
        .threads
        .find_delivered(&h.integration, &p, "Nigdy nie wysłane.", since)
        .await
        .expect("find");
    assert_eq!(never, None);

    // The buyer's file downloads with the account's token.
    let event = h.event(Channel::AllegroMessaging, &problem).await;
    let file = event.messages[0].attachments[0].clone();
    let fetched = h
        .adapters
        .threads
        .fetch_attachment(&h.integration, &p, &file)
        .await
        .expect("buyer's file");
    assert_eq!(fetched.filename, "paczka.png");
    assert_eq!(fetched.content_type, "image/png");
    assert_eq!(fetched.read_all().await.expect("file bytes"), PNG);

    // A lost answer: unavailable, posted once, found by its text.
    h.next_second().await;
    let path = format!("/messaging/threads/{problem}/messages");
    h.fault_post(&path, json!({ "kind": "server_error_after_processing" }))
        .await;
    let lost = "Czy paczka już dotarła?";
    let error = h
        .adapters
        .threads
        .deliver(&h.integration, &p, &reply(lost))
        .await
        .expect_err("lost answer");
    assert!(
        matches!(error, MarketplaceError::Unavailable(_)),
        "{error:?}"
    );
    let posted = h.posted(&problem).await;
    assert_eq!(posted.len(), 3);
    let found: Delivered = h
        .adapters
        .threads
        .find_delivered(&h.integration, &p, lost, since)
        .await
        .expect("find")
        .expect("found");
    assert_eq!(json!(found.external_id), posted[2]["message_id"]);
    h.next_second().await;
    h.fault_post(
        &path,
        json!({ "kind": "too_many_requests", "retry_after_seconds": 1 }),
    )
    .await;
    let error = h
        .adapters
        .threads
        .deliver(&h.integration, &p, &reply("Jeszcze raz."))
        .await
        .expect_err("429");
    assert!(
        matches!(error, MarketplaceError::RateLimited { .. }),
        "{error:?}"
    );
    assert_eq!(h.posted(&problem).await.len(), 3);
}

#[tokio::test]
async fn the_wired_channels_deliver_through_the_sender_exactly_once() {
    let h = Harness::start("sklep_wysylka").await;
    let shop = h.shop("kupujacy_wysylka").await;
    let dispute = open_dispute(&h, &shop, json!([])).await;
    let t = ticket_of(&h.sync().await, &dispute);
    let ports = h.ports().clone();

    let settings = ChannelSettings {
        user_agent: UA.into(),
        public_url: None,
        allegro: Some(AllegroSettings {
            client_id: CLIENT_ID.into(),
            client_secret: SecretString::from(CLIENT_SECRET.to_owned()),
            api_url: Some(h.sandbox.base_url.clone()),
            auth_url: Some(h.sandbox.base_url.clone()),
        }),
        empik_api_url: h.sandbox.base_url.clone(),
        max_answer_bytes: marketdesk_channels::settings::DEFAULT_MAX_ANSWER_BYTES,
        allegro_budget: marketdesk_core::services::budget::BudgetPolicy::allegro(),
    };
    let channels = Channels::build(&ports, &settings).expect("channels");
    for channel in [
        Channel::AllegroIssues,
        Channel::AllegroMessaging,
        Channel::EmpikThreads,
    ] {
        assert!(
            channels.deliveries.channel(channel).is_some(),
            "{channel:?}"
        );
    }
    let without_allegro = Channels::build(
        &ports,
        &ChannelSettings {
            allegro: None,
            ..settings.clone()
        },
    )
    .expect("channels");
    assert!(without_allegro
        .deliveries
        .channel(Channel::AllegroIssues)
        .is_none());
    assert!(without_allegro
        .deliveries
        .channel(Channel::EmpikThreads)
        .is_some());

    let text = "Dziękujemy, zwrot jest w drodze.";
    let submitted = replies::submit(
        &ports,
        &t.tenant_id,
        &t.id,
        Some(&marketdesk_core::domain::Actor::User {
            id: "u-Agentka".into(),
            name: "Agentka".into(),
        }),
        serde_json::from_value::<NewReply>(json!({ "text": text })).expect("reply"),
    )
    .await
    .expect("submit");
    let job = ports
        .queues
        .outbound
        .receive(1, StdDuration::from_secs(30))
        .await
        .expect("receive")
        .pop()
        .expect("an outbound job");

    // The answer to the POST is lost: the sender hands the job back...
    h.fault_post(
        &format!("/sale/issues/{dispute}/message"),
        json!({ "kind": "server_error_after_processing" }),
    )
    .await;
    let first = sender::handle_body(&ports, &channels.deliveries, &job.body).await;
    assert!(first.is_err(), "{first:?}");
    assert_eq!(h.posted(&dispute).await.len(), 1);
    // ...and the redelivered job finds the message instead of posting it again.
    let outcome = sender::handle_body(&ports, &channels.deliveries, &job.body)
        .await
        .expect("second run");
    let SendOutcome::Sent(sent) = outcome else {
        panic!("not sent: {outcome:?}");
    };
    let posted = h.posted(&dispute).await;
    assert_eq!(posted.len(), 1, "exactly once: {posted:?}");
    assert_eq!(json!(sent.external_id), posted[0]["message_id"]);
    assert_eq!(sent.attempts, 1);
    let stored = reply_repo::get(&*ports.store, &t.tenant_id, &t.id, &submitted.id)
        .await
        .expect("get")
        .expect("reply");
    assert_eq!(stored.value.state, ReplyState::Sent);
}

#[tokio::test]
async fn a_reply_fails_after_retries_and_a_manual_retry_sends_it() {
    let h = Harness::start("sklep_awaria").await;
    let shop = h.shop("kupujacy_awaria").await;
    let dispute = open_dispute(&h, &shop, json!([])).await;
    let t = ticket_of(&h.sync().await, &dispute);
    let ports = h.ports().clone();
    let deliveries = marketdesk_core::ports::DeliveryRegistry::empty().with_channel(
        Channel::AllegroIssues,
        std::sync::Arc::new(AllegroIssueReplies::new(
            common::allegro_access(&ports, &h.clients),
            h.clients.clone(),
        )),
    );
    let submitted = replies::submit(
        &ports,
        &t.tenant_id,
        &t.id,
        None,
        serde_json::from_value::<NewReply>(json!({ "text": "Wysyłamy kuriera." })).expect("reply"),
    )
    .await
    .expect("submit");
    let job = ports
        .queues
        .outbound
        .receive(1, StdDuration::from_secs(30))
        .await
        .expect("receive")
        .pop()
        .expect("an outbound job");

    // Allegro answers 500 (before taking the message) to every attempt.
    for attempt in 1..=sender::MAX_ATTEMPTS {
        h.fault_post(
            &format!("/sale/issues/{dispute}/message"),
            json!({ "kind": "server_error" }),
        )
        .await;
        let result = sender::handle_body(&ports, &deliveries, &job.body).await;
        if attempt < sender::MAX_ATTEMPTS {
            assert!(
                result.is_err_and(|e| !e.is_permanent()),
                "attempt {attempt}"
            );
        } else {
            let outcome = result.expect("settled");
            let SendOutcome::Failed(failed) = outcome else {
                panic!("not failed: {outcome:?}");
            };
            assert!(
                failed
                    .failure
                    .as_deref()
                    .is_some_and(|f| f.contains("unavailable")),
                "{failed:?}"
            );
        }
    }
    assert!(h.posted(&dispute).await.is_empty());

    // The agent retries once Allegro is back: sent, once.
    let retried = replies::retry(&ports, &t.tenant_id, &t.id, None, &submitted.id)
        .await
        .expect("retry");
    assert_eq!(retried.state, ReplyState::Sending);
    let job = ports
        .queues
        .outbound
        .receive(10, StdDuration::from_secs(30))
        .await
        .expect("receive")
        .into_iter()
        .find(|m| m.body.contains(submitted.id.as_str()))
        .expect("queued again");
    let outcome = sender::handle_body(&ports, &deliveries, &job.body)
        .await
        .expect("sent");
    assert!(matches!(outcome, SendOutcome::Sent(_)), "{outcome:?}");
    let posted = h.posted(&dispute).await;
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["text"], "Wysyłamy kuriera.");
}
