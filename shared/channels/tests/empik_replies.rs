//! Replies to EmpikPlace threads against the simulator: M12 addressed to the thread's
//! CUSTOMER (never the operator), files as `files` parts, earlier attempts found in M10, a
//! failed M12 never repeated, 429 with its wait, buyers' files through M13.

use chrono::{DateTime, Utc};
use marketdesk_channels::empik::{EmpikThreadReplies, EmpikThreadsSource};
use marketdesk_core::domain::{
    Attachment, Channel, ConversationKind, Integration, IntegrationKind, PollCursor, Ticket,
};
use marketdesk_core::ids::MessageId;
use marketdesk_core::ports::{
    ConversationSource, MarketplaceError, MarketplaceRegistry, OutgoingFile, OutgoingReply,
    ReplyChannel,
};
use marketdesk_core::repo::{integrations, tickets};
use marketdesk_mirakl::{MiraklClient, MiraklConfig, SenderType};
use marketdesk_sandbox::RunningSandbox;
use marketdesk_testkit::backend::{seed_connected_integration, temp_backend, TempBackend};
use marketdesk_testkit::SimulatorControl;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration as StdDuration;

mod common;

const UA: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";
/// The smallest PDF the simulator needs to see (bytes are not parsed).
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
/// "Not really a JPEG", as the buyer's photo.
const PHOTO: &[u8] = b"\xff\xd8\xff\xe0photo-of-a-broken-mug\xff\xd9";

/// Standard base64 with padding, for the control API's `data_base64`.
fn base64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A simulator with a shop, a customer, their order and thread (with the buyer's photo), and
/// an integration holding the shop's key.
struct Harness {
    sandbox: RunningSandbox,
    backend: TempBackend,
    control: SimulatorControl,
    integration: Integration,
    replies: EmpikThreadReplies,
    api_key: String,
    customer_id: String,
    thread_id: String,
    ticket: Ticket,
}

impl Harness {
    async fn start() -> Self {
        let sandbox = RunningSandbox::start_local().await.expect("sandbox");
        let control = SimulatorControl::new(&sandbox.base_url);
        let backend = temp_backend();
        let ports = backend.ports.clone();
        let shop = control.mirakl_shop(json!({"name": "Sklep Empik"})).await;
        let customer = control.mirakl_customer("Anna", "Nowak").await;
        let customer_id = customer["customer_id"].as_str().expect("id").to_owned();
        let order = control.post("/mirakl/orders", json!({"shop_id": shop["shop_id"], "customer_id": customer_id,
            "lines": [{"title": "Kubek ceramiczny", "sku": "KUB-1", "quantity": 1, "price": 24.99}]})).await;
        let seeded =
            seed_connected_integration(&ports, "t1", "empik-odp", IntegrationKind::Empikplace)
                .await;
        // Enabled a while ago: the thread below is imported whatever the clocks' rounding.
        let stored = integrations::get(&*ports.store, &seeded.tenant_id, &seeded.id)
            .await
            .expect("get")
            .expect("exists");
        let mut integration = stored.value.clone();
        integration.enabled_at = Utc::now() - chrono::Duration::hours(1);
        integrations::update(&*ports.store, &integration, stored.version)
            .await
            .expect("enabled earlier");
        let api_key = shop["api_key"].as_str().expect("key").to_owned();
        common::empik::store_api_key(&ports, &integration, &shop).await;
        let thread = control.post("/mirakl/threads", json!({"shop_id": shop["shop_id"], "customer_id": customer_id,
            "order_id": order["order_id"], "topic": {"type": "FREE_TEXT", "value": "Uszkodzony kubek"},
            "body": "Kubek dotarł pęknięty, zdjęcie w załączniku.",
            "attachment": {"name": "kubek.jpg", "content_type": "image/jpeg", "data_base64": base64(PHOTO)}})).await;
        let thread_id = thread["thread_id"].as_str().expect("id").to_owned();
        let replies =
            EmpikThreadReplies::new(common::empik_access(&ports), sandbox.base_url.clone(), UA);
        // The ticket as the pipeline stores it: poll, ingest.
        let registry = MarketplaceRegistry::empty().with_source(
            Channel::EmpikThreads,
            Arc::new(EmpikThreadsSource::new(
                common::empik_access(&ports),
                sandbox.base_url.clone(),
                UA,
            )),
        );
        common::cycle(&ports, &registry).await;
        let ticket = tickets::list_recent(&*ports.store, &integration.tenant_id, None, 10)
            .await
            .expect("tickets")
            .0
            .into_iter()
            .find(|t| t.conversation.external_id == thread_id)
            .expect("the thread's ticket");
        assert_eq!(ticket.conversation.kind, ConversationKind::EmpikThread);
        Self {
            sandbox,
            backend,
            control,
            integration,
            replies,
            api_key,
            customer_id,
            thread_id,
            ticket,
        }
    }

    /// A fault on the next M12 of the harness's thread.
    async fn fault_reply(&self, kind: Value) {
        let mut rule = json!({ "path_prefix": format!("/api/inbox/threads/{}/message", self.thread_id),
                               "method": "POST", "remaining": 1 });
        if let (Some(rule), Some(kind)) = (rule.as_object_mut(), kind.as_object()) {
            rule.extend(kind.clone());
        }
        self.control.fault(rule).await;
    }

    /// What the shop posted through M12 into the thread, oldest first.
    async fn posted(&self) -> Vec<Value> {
        self.control.mirakl_posted(Some(&self.thread_id)).await
    }

    /// A client of the shop, to read the thread back.
    fn client(&self) -> MiraklClient {
        MiraklClient::new(
            MiraklConfig::new(self.api_key.clone())
                .with_base_url(self.sandbox.base_url.clone())
                .with_user_agent(UA),
        )
        .expect("client")
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

fn just_before() -> DateTime<Utc> {
    Utc::now() - chrono::Duration::seconds(1)
}

#[tokio::test]
async fn replies_reach_the_customer_with_files_and_are_found_again() {
    let h = Harness::start().await;
    assert_eq!(h.replies.min_interval(), None);
    let since = just_before();
    let text = "Dzień dobry, wyślemy nowy kubek.";
    let first = h
        .replies
        .deliver(&h.integration, &h.ticket, &reply(text))
        .await
        .expect("text reply");
    let second = h
        .replies
        .deliver(
            &h.integration,
            &h.ticket,
            &OutgoingReply {
                attachment: Some(OutgoingFile {
                    filename: "etykieta zwrotna.pdf".into(),
                    content_type: "application/pdf".into(),
                    data: PDF.to_vec(),
                }),
                ..reply("Etykieta zwrotna w załączniku.")
            },
        )
        .await
        .expect("reply with a file");

    // Addressed to the thread's customer only: the operator takes part too, but is not written to.
    let posted = h.posted().await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(posted[0]["message_id"], json!(first.external_id));
    assert_eq!(posted[0]["body"], json!(text));
    assert_eq!(
        posted[0]["to"],
        json!([{ "type": "CUSTOMER", "id": h.customer_id }])
    );
    assert_eq!(posted[0]["files"], json!([]));
    assert_eq!(posted[1]["message_id"], json!(second.external_id));
    assert_eq!(
        posted[1]["to"],
        json!([{ "type": "CUSTOMER", "id": h.customer_id }])
    );
    let files = posted[1]["files"].as_array().expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["name"], json!("etykieta zwrotna.pdf"));
    assert_eq!(files[0]["content_type"], json!("application/pdf"));
    assert_eq!(files[0]["size"], json!(PDF.len()));

    // Read back through M10, the replies are the shop's, the file is there.
    let thread = h.client().thread(&h.thread_id).await.expect("M10");
    let mine = thread
        .messages
        .iter()
        .find(|m| m.id == second.external_id)
        .expect("posted message");
    assert_eq!(mine.from.kind, SenderType::ShopUser);
    assert_eq!(mine.attachments.len(), 1);
    let sent = h
        .client()
        .download_attachment(&mine.attachments[0].id)
        .await
        .expect("M13");
    assert_eq!(sent.data, PDF);

    // An earlier attempt is found by its text; a text never posted, or the buyer's, is not.
    let found = h
        .replies
        .find_delivered(&h.integration, &h.ticket, &format!("{text}  "), since)
        .await
        .expect("find")
        .expect("found");
    assert_eq!(found.external_id, first.external_id);
    for other in [
        "Tego nigdy nie wysłano.",
        "Kubek dotarł pęknięty, zdjęcie w załączniku.",
    ] {
        let none = h
            .replies
            .find_delivered(&h.integration, &h.ticket, other, since)
            .await
            .expect("find");
        assert_eq!(none, None, "{other}");
    }
    let later = h
        .replies
        .find_delivered(
            &h.integration,
            &h.ticket,
            text,
            found.created_at + chrono::Duration::milliseconds(1),
        )
        .await
        .expect("find");
    assert_eq!(later, None, "only messages at or after `since`");

    // The buyer's photo, as the source mapped it, downloads through M13.
    let source = EmpikThreadsSource::new(
        common::empik_access(&h.backend.ports),
        h.sandbox.base_url.clone(),
        UA,
    );
    let integration = &h.integration;
    let batch = source
        .poll(
            integration,
            &PollCursor {
                tenant_id: integration.tenant_id.clone(),
                integration_id: integration.id.clone(),
                channel: Channel::EmpikThreads,
                position: None,
                polled_at: None,
            },
        )
        .await
        .expect("poll");
    let file = batch.events[0].messages[0].attachments[0].clone();
    let fetched = h
        .replies
        .fetch_attachment(&h.integration, &h.ticket, &file)
        .await
        .expect("buyer's photo");
    assert_eq!(fetched.filename, "kubek.jpg");
    assert_eq!(fetched.content_type, "image/jpeg");
    assert_eq!(fetched.read_all().await.expect("file bytes"), PHOTO);
    let not_ours = h
        .replies
        .fetch_attachment(
            &h.integration,
            &h.ticket,
            &Attachment {
                url: "https://example.com/kubek.jpg".into(),
                ..file.clone()
            },
        )
        .await
        .expect_err("not a Mirakl attachment");
    assert!(matches!(not_ours, MarketplaceError::Refused(_)));
    let gone = h
        .replies
        .fetch_attachment(
            &h.integration,
            &h.ticket,
            &Attachment {
                url: "mirakl-attachment:no-such-file".into(),
                ..file
            },
        )
        .await
        .expect_err("unknown attachment");
    assert!(matches!(gone, MarketplaceError::Refused(_)), "{gone:?}");
}

#[tokio::test]
async fn a_failed_m12_is_unavailable_never_repeated_and_found_by_its_text() {
    let h = Harness::start().await;
    let since = just_before();
    let text = "Odpowiedź mimo awarii.";

    // A 500 before Mirakl acted: nothing posted, not tried again (a second try would pass).
    h.fault_reply(json!({ "kind": "server_error" })).await;
    let error = h
        .replies
        .deliver(&h.integration, &h.ticket, &reply(text))
        .await
        .expect_err("500");
    assert!(
        matches!(error, MarketplaceError::Unavailable(_)),
        "{error:?}"
    );
    assert!(h.posted().await.is_empty(), "not retried");
    assert_eq!(
        h.replies
            .find_delivered(&h.integration, &h.ticket, text, since)
            .await
            .expect("find"),
        None
    );

    // A 500 after Mirakl posted: unavailable, posted once, found instead of posted again.
    h.fault_reply(json!({ "kind": "server_error_after_processing" }))
        .await;
    let error = h
        .replies
        .deliver(&h.integration, &h.ticket, &reply(text))
        .await
        .expect_err("lost answer");
    assert!(
        matches!(error, MarketplaceError::Unavailable(_)),
        "{error:?}"
    );
    let posted = h.posted().await;
    assert_eq!(posted.len(), 1, "posted once, never twice: {posted:?}");
    let found = h
        .replies
        .find_delivered(&h.integration, &h.ticket, text, since)
        .await
        .expect("find")
        .expect("the earlier attempt");
    assert_eq!(json!(found.external_id), posted[0]["message_id"]);

    // Refusals are final: a body Mirakl would refuse, a thread that does not exist.
    let error = h
        .replies
        .deliver(&h.integration, &h.ticket, &reply("ok"))
        .await
        .expect_err("too short");
    assert!(matches!(error, MarketplaceError::Refused(_)), "{error:?}");
    let mut gone = h.ticket.clone();
    gone.conversation.external_id = "no-such-thread".into();
    let error = h
        .replies
        .deliver(&h.integration, &gone, &reply("Dzień dobry"))
        .await
        .expect_err("unknown thread");
    assert!(matches!(error, MarketplaceError::Refused(_)), "{error:?}");
    assert_eq!(h.posted().await.len(), 1);

    // Last, since it blocks the shop: a 429 blocks it for every worker for at least a minute
    // (a Retry-After of 30 s included), nothing posted, and the next reply is not even sent.
    h.fault_reply(json!({ "kind": "too_many_requests", "retry_after_seconds": 30 }))
        .await;
    let error = h
        .replies
        .deliver(&h.integration, &h.ticket, &reply("Druga wiadomość."))
        .await
        .expect_err("429");
    assert_eq!(
        error,
        MarketplaceError::RateLimited {
            retry_after: StdDuration::from_secs(60)
        }
    );
    let error = h
        .replies
        .deliver(&h.integration, &h.ticket, &reply("Trzecia wiadomość."))
        .await
        .expect_err("blocked");
    assert!(
        matches!(error, MarketplaceError::RateLimited { .. }),
        "{error:?}"
    );
    assert_eq!(h.posted().await.len(), 1);
}
