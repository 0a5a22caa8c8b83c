//! The Allegro channels against the simulator: disputes, claims, purchase-problem threads and
//! buyers' questions become inbound events; idle polls cost one call per channel; faults,
//! expired tokens and revoked accounts lose nothing; the whole pipeline makes tickets once.

use chrono::{Duration, Utc};
use marketdesk_channels::allegro::{AllegroIssuesSource, AllegroMessagingSource};
use marketdesk_core::domain::{
    AuthorKind, Channel, ConnectionState, ConversationKind, PollCursor, TicketPanel,
};
use marketdesk_core::jobs::InboundEvent;
use marketdesk_core::ports::{ConversationSource, ManualClock, MarketplaceError, PollBatch};
use marketdesk_core::repo::{integrations, tickets};
use marketdesk_core::services::poller::PollOutcome;
use marketdesk_core::services::polling::PollingSettings;
use marketdesk_core::services::{scheduler, tokens};
use marketdesk_testkit::backend::{temp_backend, temp_backend_with_clock, TempBackend};
use secrecy::ExposeSecret;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

mod common;

use common::{
    allegro_registry, assert_pipeline_tickets, cycle, seed_pipeline, AllegroSeller, Shop,
    WithAdapters, CLIENT_ID, SANDBOX_SITE,
};

/// Both Allegro sources of a connected seller.
struct Sources {
    issues: AllegroIssuesSource,
    messaging: AllegroMessagingSource,
}

type Harness = WithAdapters<Sources>;

impl Harness {
    /// Everything on the system clock, with short client retries.
    async fn start(login: &str) -> Self {
        Self::start_with(login, temp_backend(), |c| c).await
    }

    async fn start_with(
        login: &str,
        backend: TempBackend,
        adjust: impl Fn(marketdesk_allegro::AllegroConfig) -> marketdesk_allegro::AllegroConfig,
    ) -> Self {
        let seller = AllegroSeller::start(login, backend, adjust).await;
        let adapters = Sources {
            issues: AllegroIssuesSource::new(
                common::allegro_access(seller.ports(), &seller.clients),
                seller.clients.clone(),
            ),
            messaging: AllegroMessagingSource::new(
                common::allegro_access(seller.ports(), &seller.clients),
                seller.clients.clone(),
            ),
        };
        Self { seller, adapters }
    }

    /// Forgets the simulator's request count for the application.
    fn reset_calls(&self) {
        self.sandbox
            .state
            .lock()
            .allegro
            .accounts
            .rate
            .remove(CLIENT_ID);
    }

    /// REST calls the application made since [`Harness::reset_calls`] (the simulator's
    /// per-client-id rate window).
    fn calls(&self) -> u32 {
        self.sandbox
            .state
            .lock()
            .allegro
            .accounts
            .rate
            .get(CLIENT_ID)
            .map_or(0, |w| w.count)
    }

    fn cursor(&self, channel: Channel, position: Option<String>) -> PollCursor {
        PollCursor {
            tenant_id: self.integration.tenant_id.clone(),
            integration_id: self.integration.id.clone(),
            channel,
            position,
            polled_at: None,
        }
    }

    async fn poll(
        &self,
        channel: Channel,
        position: &Option<String>,
    ) -> Result<PollBatch, MarketplaceError> {
        let cursor = self.cursor(channel, position.clone());
        match channel {
            Channel::AllegroIssues => self.adapters.issues.poll(&self.integration, &cursor).await,
            _ => {
                self.adapters
                    .messaging
                    .poll(&self.integration, &cursor)
                    .await
            }
        }
    }
}

/// The world of one seller: a buyer, two offers with EANs and an order of both.
async fn shop(h: &Harness, buyer_login: &str) -> Shop {
    h.shop(buyer_login).await
}

fn event<'a>(batch: &'a PollBatch, id: &str) -> &'a InboundEvent {
    batch
        .events
        .iter()
        .find(|e| e.conversation.external_id == id)
        .unwrap_or_else(|| panic!("no event for {id}"))
}

fn authors(event: &InboundEvent) -> Vec<AuthorKind> {
    event.messages.iter().map(|m| m.author).collect()
}

/// The panel of a conversation about the shop's order.
fn assert_order_panel(event: &InboundEvent, shop: &Shop) {
    assert_eq!(event.order_id.as_deref(), Some(shop.order_id.as_str()));
    assert_eq!(
        event.panel.order_url.as_deref(),
        Some(
            format!(
                "{SANDBOX_SITE}/moje-allegro/sprzedaz/zamowienia/{}",
                shop.order_id
            )
            .as_str()
        )
    );
    let products = &event.panel.products;
    assert_eq!(products.len(), 2, "{products:?}");
    assert_eq!(products[0].name, "Kubek ceramiczny biały 300 ml");
    assert_eq!(products[0].quantity, 2);
    assert_eq!(
        products[0].offer_id.as_deref(),
        Some(shop.offers[0].as_str())
    );
    assert_eq!(
        products[0].offer_url.as_deref(),
        Some(format!("{SANDBOX_SITE}/oferta/{}", shop.offers[0]).as_str())
    );
    assert_eq!(products[0].ean.as_deref(), Some("5901234123457"));
    assert_eq!(products[1].quantity, 1);
    assert_eq!(products[1].ean.as_deref(), Some("5909876543210"));
    assert_eq!(event.buyer_login, shop.buyer_login);
    assert_eq!(event.buyer_name.as_deref(), Some("Anna Nowak"));
    assert_eq!(event.buyer_emails, shop.buyer_emails);
}

#[tokio::test]
async fn disputes_claims_and_threads_become_events_and_idle_polls_cost_one_call() {
    let h = Harness::start("sklep_cztery").await;
    let shop = shop(&h, "kupujaca_anna").await;
    let dispute = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "DISPUTE", "reason": "PRODUCT_DAMAGED_PARCEL_INTACT", "text": "Kubek pęknięty.",
                    "attachments": [{ "file_name": "kubek.png", "content_type": "image/png",
                                      "data_base64": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==" }] }),
        )
        .await;
    h.control
        .create(
            &format!("/allegro/inbox/issues/{dispute}/messages"),
            json!({ "author": "ADMIN", "text": "Dzień dobry, tu Allegro." }),
        )
        .await;
    h.control
        .create(
            &format!("/allegro/inbox/issues/{dispute}/messages"),
            json!({ "author": "SELLER", "text": "Wyślemy nowy kubek." }),
        )
        .await;
    let claim = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "CLAIM", "reason": "DEFECT_FOUND_DURING_USE", "text": "Talerz pękł w zmywarce." }),
        )
        .await;
    let problem = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "POST_PURCHASE_ISSUE", "sub_type": "PRODUCT_ARRIVED_DAMAGED", "text": "Paczka zgnieciona." }),
        )
        .await;
    h.control
        .create(
            &format!("/allegro/inbox/threads/{problem}/messages"),
            json!({ "author": "CONSULTANT", "text": "Konsultant Allegro: proszę o zdjęcia." }),
        )
        .await;
    let question = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "type": "COMMON",
                    "text": "Czy kubek nadaje się do mikrofali?" }),
        )
        .await;
    h.control
        .create(
            &format!("/allegro/inbox/threads/{question}/messages"),
            json!({ "author": "SELLER", "text": "Tak, nadaje się." }),
        )
        .await;

    h.reset_calls();
    let issues = h.poll(Channel::AllegroIssues, &None).await.expect("issues");
    assert_eq!(issues.events.len(), 2);
    assert_eq!(
        h.calls(),
        1 + 2 + 1 + 2,
        "the list, two chats, the shared order once, each offer once"
    );
    let d = event(&issues, &dispute);
    assert_eq!(d.conversation.kind, ConversationKind::AllegroDispute);
    assert_eq!(d.subject, "Przedmiot jest uszkodzony");
    assert_eq!(
        d.panel.reason_code.as_deref(),
        Some("PRODUCT_DAMAGED_PARCEL_INTACT")
    );
    assert_eq!(
        d.panel.conversation_url.as_deref(),
        Some(format!("{SANDBOX_SITE}/moje-allegro/sprzedaz/dyskusje/{dispute}").as_str())
    );
    assert_eq!(d.marketplace_status, "DISPUTE_ONGOING");
    assert!(d.open_for_replies);
    assert_eq!(
        authors(d),
        [
            AuthorKind::Buyer,
            AuthorKind::MarketplaceStaff,
            AuthorKind::SellerViaMarketplace
        ]
    );
    assert_eq!(d.messages[0].text, "Kubek pęknięty.");
    let files = &d.messages[0].attachments;
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].filename, "kubek.png");
    assert!(
        files[0].url.contains("/sale/issues/attachments/"),
        "{}",
        files[0].url
    );
    assert_order_panel(d, &shop);
    let c = event(&issues, &claim);
    assert_eq!(c.conversation.kind, ConversationKind::AllegroClaim);
    assert_eq!(c.subject, "Wada wykryta podczas używania");
    assert_eq!(c.marketplace_status, "CLAIM_SUBMITTED");
    assert_order_panel(c, &shop);

    h.reset_calls();
    let threads = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect("threads");
    assert_eq!(threads.events.len(), 2);
    assert_eq!(
        h.calls(),
        1 + 2 + 1 + 2,
        "the list, two threads' messages, the order and its offers; the seller's login \
         comes from the purchase problem's participants, so no /me"
    );
    let p = event(&threads, &problem);
    assert_eq!(
        p.conversation.kind,
        ConversationKind::AllegroPurchaseProblem
    );
    assert_eq!(p.subject, "Przedmiot dotarł uszkodzony");
    assert_eq!(
        p.panel.reason_code.as_deref(),
        Some("PRODUCT_ARRIVED_DAMAGED")
    );
    assert_eq!(p.marketplace_status, "OPEN");
    assert_eq!(
        authors(p),
        [AuthorKind::Buyer, AuthorKind::MarketplaceStaff]
    );
    assert_order_panel(p, &shop);
    let q = event(&threads, &question);
    assert_eq!(q.conversation.kind, ConversationKind::AllegroCommonThread);
    assert_eq!(q.subject, "Pytanie kupującego");
    assert_eq!(q.buyer_login, shop.buyer_login);
    assert_eq!(
        authors(q),
        [AuthorKind::Buyer, AuthorKind::SellerViaMarketplace],
        "COMMON threads: the seller's login tells the sides apart"
    );
    assert_eq!(q.order_id, None);
    assert_eq!(q.panel, TicketPanel::default());
    for e in issues.events.iter().chain(&threads.events) {
        assert!(
            e.messages
                .windows(2)
                .all(|w| w[0].created_at <= w[1].created_at),
            "sorted by createdAt"
        );
    }

    // Nothing changed: no events, and exactly one API call per channel.
    h.reset_calls();
    let idle = h
        .poll(Channel::AllegroIssues, &issues.next_position)
        .await
        .expect("idle issues");
    assert!(idle.events.is_empty());
    assert_eq!(h.calls(), 1, "an idle issues poll is one GET /sale/issues");
    h.reset_calls();
    let idle_threads = h
        .poll(Channel::AllegroMessaging, &threads.next_position)
        .await
        .expect("idle threads");
    assert!(idle_threads.events.is_empty());
    assert_eq!(
        h.calls(),
        1,
        "an idle messaging poll is one GET /messaging/threads"
    );
    assert_eq!(
        idle_threads.next_position, threads.next_position,
        "an idle position stays put"
    );
}

#[tokio::test]
async fn news_re_emit_exactly_the_conversation_concerned() {
    let h = Harness::start("sklep_nowosci").await;
    let shop = shop(&h, "kupujacy_nowy").await;
    let dispute = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "DISPUTE", "reason": "NO_PRODUCT_RECEIVED", "text": "Nie doszło." }),
        )
        .await;
    let other_dispute = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id,
                    "type": "DISPUTE", "reason": "OTHER", "text": "Inna sprawa." }),
        )
        .await;
    let problem = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "POST_PURCHASE_ISSUE", "sub_type": "MISSING_PRODUCT_ELEMENTS", "text": "Brak ucha." }),
        )
        .await;
    let question = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "type": "COMMON", "text": "Czy wysyłka dziś?" }),
        )
        .await;
    let issues = h.poll(Channel::AllegroIssues, &None).await.expect("issues");
    let threads = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect("threads");
    assert_eq!((issues.events.len(), threads.events.len()), (2, 2));

    // A buyer writes in one dispute and in the question thread.
    let follow_up = h
        .control
        .create(
            &format!("/allegro/inbox/issues/{dispute}/messages"),
            json!({ "author": "BUYER", "text": "Halo?" }),
        )
        .await;
    let question_follow_up = h
        .control
        .create(
            &format!("/allegro/inbox/threads/{question}/messages"),
            json!({ "author": "BUYER", "text": "Halo, jest ktoś?" }),
        )
        .await;
    let issues2 = h
        .poll(Channel::AllegroIssues, &issues.next_position)
        .await
        .expect("issues again");
    assert_eq!(issues2.events.len(), 1);
    let d = &issues2.events[0];
    assert_eq!(d.conversation.external_id, dispute);
    assert_ne!(d.conversation.external_id, other_dispute);
    assert_eq!(d.messages.len(), 2, "the whole chat: ingest de-duplicates");
    assert_eq!(d.messages[1].external_id, follow_up);
    assert_eq!(d.messages[1].author, AuthorKind::Buyer);
    assert_eq!(
        d.panel,
        TicketPanel::default(),
        "an update keeps the stored panel"
    );
    assert_eq!(d.subject, "Nie otrzymałem przedmiotu");

    h.reset_calls();
    let threads2 = h
        .poll(Channel::AllegroMessaging, &threads.next_position)
        .await
        .expect("threads again");
    assert_eq!(threads2.events.len(), 1);
    let q = &threads2.events[0];
    assert_eq!(q.conversation.external_id, question);
    assert!(
        q.messages
            .iter()
            .any(|m| m.external_id == question_follow_up && m.author == AuthorKind::Buyer),
        "{:?}",
        q.messages
    );
    assert_eq!(
        h.calls(),
        2,
        "the thread list, then that thread's new messages"
    );

    // A thread closed without a message still updates its ticket.
    h.control
        .post(
            &format!("/allegro/inbox/threads/{problem}/close"),
            json!({}),
        )
        .await;
    let threads3 = h
        .poll(Channel::AllegroMessaging, &threads2.next_position)
        .await
        .expect("closed thread");
    assert_eq!(threads3.events.len(), 1);
    let p = &threads3.events[0];
    assert_eq!(p.conversation.external_id, problem);
    assert_eq!(p.marketplace_status, "CLOSED");
    assert!(!p.open_for_replies);

    // So does a closed dispute.
    h.control
        .post(
            &format!("/allegro/inbox/issues/{other_dispute}/close"),
            json!({ "status": "DISPUTE_CLOSED" }),
        )
        .await;
    let issues3 = h
        .poll(Channel::AllegroIssues, &issues2.next_position)
        .await
        .expect("closed dispute");
    assert_eq!(issues3.events.len(), 1);
    assert_eq!(issues3.events[0].conversation.external_id, other_dispute);
    assert_eq!(issues3.events[0].marketplace_status, "DISPUTE_CLOSED");
    assert!(!issues3.events[0].open_for_replies);

    // And then everything is quiet again.
    for (channel, position) in [
        (Channel::AllegroIssues, &issues3.next_position),
        (Channel::AllegroMessaging, &threads3.next_position),
    ] {
        let quiet = h.poll(channel, position).await.expect("quiet");
        assert!(quiet.events.is_empty(), "{channel:?}: {:?}", quiet.events);
    }
}

#[tokio::test]
async fn orders_allegro_no_longer_returns_give_no_products() {
    let h = Harness::start("sklep_stary").await;
    let buyer = h
        .control
        .create("/allegro/buyers", json!({ "login": "kupujacy_stary" }))
        .await;
    let offer = h
        .control
        .create(
            "/allegro/offers",
            json!({ "seller_id": h.seller_id, "name": "Stara lampa stołowa mosiężna" }),
        )
        .await;
    let old_order = h
        .control
        .create(
            "/allegro/orders",
            json!({ "seller_id": h.seller_id, "buyer_id": buyer, "offer_ids": [offer],
                    "bought_at": (Utc::now() - Duration::days(400)).to_rfc3339() }),
        )
        .await;
    let claim = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": buyer, "order_id": old_order,
                    "type": "CLAIM", "reason": "DEFECT_FOUND_DURING_USE", "text": "Lampa nie świeci." }),
        )
        .await;
    let batch = h.poll(Channel::AllegroIssues, &None).await.expect("poll");
    let e = event(&batch, &claim);
    assert!(e.panel.products.is_empty());
    assert_eq!(e.order_id.as_deref(), Some(old_order.as_str()));
    assert!(
        e.panel.order_url.is_some(),
        "the link stays; Allegro may still show it"
    );
    assert_eq!(e.buyer_login, "kupujacy_stary");
    assert!(e.buyer_emails.is_empty());
}

#[tokio::test]
async fn injected_faults_lose_nothing() {
    let h = Harness::start_with("sklep_awarie", temp_backend(), |c| {
        c.with_timeout(StdDuration::from_millis(500))
    })
    .await;
    let shop = shop(&h, "kupujacy_awarie").await;
    let dispute = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "DISPUTE", "reason": "NOT_AS_DESCRIBED", "text": "Inny kolor." }),
        )
        .await;
    let question = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "type": "COMMON", "text": "Jaki kolor?" }),
        )
        .await;

    // 429: the poll fails with Allegro's wait (at least 60 s), the next one delivers.
    h.control.fault(json!({ "path_prefix": "/sale/issues", "remaining": 1, "kind": "too_many_requests", "retry_after_seconds": 90 }))
        .await;
    let limited = h
        .poll(Channel::AllegroIssues, &None)
        .await
        .expect_err("429");
    assert_eq!(
        limited,
        MarketplaceError::RateLimited {
            retry_after: StdDuration::from_secs(90)
        }
    );
    // A 429 while reading the chat of a conversation found on the list fails the whole poll.
    h.control.fault(json!({ "path_prefix": format!("/sale/issues/{dispute}/chat"), "remaining": 1, "kind": "too_many_requests", "retry_after_seconds": 1 }))
        .await;
    let limited = h
        .poll(Channel::AllegroIssues, &None)
        .await
        .expect_err("429");
    assert_eq!(
        limited,
        MarketplaceError::RateLimited {
            retry_after: StdDuration::from_secs(60)
        },
        "never less than Allegro's one-minute block"
    );
    // Malformed JSON from the order: unavailable, nothing emitted.
    h.control.fault(
        json!({ "path_prefix": "/order/checkout-forms", "remaining": 1, "kind": "malformed_json" }),
    )
    .await;
    let malformed = h
        .poll(Channel::AllegroIssues, &None)
        .await
        .expect_err("bad JSON");
    assert!(
        matches!(malformed, MarketplaceError::Unavailable(_)),
        "{malformed:?}"
    );
    // Once the faults are spent, the same (unadvanced) cursor delivers the dispute.
    let issues = h
        .poll(Channel::AllegroIssues, &None)
        .await
        .expect("healthy");
    assert_eq!(event(&issues, &dispute).panel.products.len(), 2);

    // 500s: two are retried by the client; more than its three attempts make the poll fail.
    h.control
        .fault(
            json!({ "path_prefix": "/messaging/threads", "remaining": 2, "kind": "server_error" }),
        )
        .await;
    let retried = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect("retried inside the client");
    assert_eq!(retried.events.len(), 1);
    h.control
        .fault(
            json!({ "path_prefix": "/messaging/threads", "remaining": 10, "kind": "server_error" }),
        )
        .await;
    let failed = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect_err("500s");
    assert!(
        matches!(failed, MarketplaceError::Unavailable(_)),
        "{failed:?}"
    );
    h.control.clear_faults().await;
    // Timeouts: each attempt gives up after the client's timeout.
    h.control.fault(json!({ "path_prefix": format!("/messaging/threads/{question}/messages"), "remaining": 3, "kind": "timeout", "hang_ms": 2000 }))
        .await;
    let timed_out = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect_err("timeouts");
    assert!(
        matches!(timed_out, MarketplaceError::Unavailable(_)),
        "{timed_out:?}"
    );
    h.control.fault(
        json!({ "path_prefix": "/messaging/threads", "remaining": 1, "kind": "malformed_json" }),
    )
    .await;
    let malformed = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect_err("bad JSON");
    assert!(
        matches!(malformed, MarketplaceError::Unavailable(_)),
        "{malformed:?}"
    );
    let threads = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect("healthy");
    assert_eq!(event(&threads, &question).messages.len(), 1);
}

#[tokio::test]
async fn expired_access_tokens_are_refreshed_on_demand() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let h = Harness::start_with(
        "sklep_tokeny",
        temp_backend_with_clock(clock.clone()),
        |c| c,
    )
    .await;
    let shop = shop(&h, "kupujacy_tokeny").await;
    h.control.create(
        "/allegro/inbox/threads",
        json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "type": "COMMON", "text": "Pytanie?" }),
    )
    .await;
    let stored = |h: &Harness| {
        let ports = h.ports().clone();
        let (tenant, id) = (h.integration.tenant_id.clone(), h.integration.id.clone());
        async move {
            tokens::load(&ports, &tenant, &id)
                .await
                .expect("load")
                .expect("a pair")
                .access_token
                .expose_secret()
                .to_owned()
        }
    };
    let first = stored(&h).await;

    // Both clocks 13 h on: the core sees the token expired and refreshes before the call.
    h.control.advance_clock(13 * 3600).await;
    clock.advance(Duration::hours(13));
    let batch = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect("refreshed first");
    assert_eq!(batch.events.len(), 1);
    let second = stored(&h).await;
    assert_ne!(first, second);

    // Only Allegro's clock moves: the token looks fresh here, Allegro answers 401, the source
    // refreshes once and reads again.
    h.control.advance_clock(13 * 3600).await;
    let batch = h
        .poll(Channel::AllegroIssues, &None)
        .await
        .expect("refreshed after a 401");
    assert!(batch.events.is_empty());
    let third = stored(&h).await;
    assert_ne!(second, third);
    let integration = integrations::get(
        &*h.ports().store,
        &h.integration.tenant_id,
        &h.integration.id,
    )
    .await
    .expect("get")
    .expect("exists")
    .value;
    assert_eq!(integration.connection, ConnectionState::Connected);
}

#[tokio::test]
async fn a_revoked_account_is_disconnected() {
    let h = Harness::start("sklep_cofniety").await;
    h.poll(Channel::AllegroIssues, &None)
        .await
        .expect("works while connected");
    h.control
        .post(
            &format!("/allegro/sellers/{}/revoke", h.seller_id),
            json!({}),
        )
        .await;
    let error = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect_err("revoked");
    assert!(
        matches!(&error, MarketplaceError::CredentialsRejected(reason) if reason.contains("connected again")),
        "{error:?}"
    );
    let integration = integrations::get(
        &*h.ports().store,
        &h.integration.tenant_id,
        &h.integration.id,
    )
    .await
    .expect("get")
    .expect("exists")
    .value;
    assert!(
        matches!(integration.connection, ConnectionState::Disconnected { ref reason, .. } if reason.contains("invalid_grant")),
        "{:?}",
        integration.connection
    );
    let error = h
        .poll(Channel::AllegroIssues, &None)
        .await
        .expect_err("still revoked");
    assert!(
        matches!(error, MarketplaceError::CredentialsRejected(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_pipeline_makes_each_ticket_once_with_customer_and_panel() {
    let h = Harness::start("sklep_potok").await;
    let ports = h.ports().clone();
    let scenario = seed_pipeline(
        &ports,
        &h.integration,
        &h.control,
        &h.seller_id,
        "kupujaca_potok",
    )
    .await;
    let dispute = &scenario.dispute;
    let registry = allegro_registry(&ports, &h.clients);

    let started = Instant::now();
    assert_eq!(cycle(&ports, &registry).await, 4);
    println!(
        "one cycle (fan-out, 2 polls, 4 ingests): {:?}",
        started.elapsed()
    );
    let (_, d) = assert_pipeline_tickets(&ports, &h.integration, &scenario).await;

    // Everything again: nothing new.
    assert_eq!(cycle(&ports, &registry).await, 0);
    let (again, _) = tickets::list_recent(&*ports.store, &h.integration.tenant_id, None, 50)
        .await
        .expect("tickets");
    assert_eq!(again.len(), 4);
    let messages = tickets::messages(&*ports.store, &h.integration.tenant_id, &d.id)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 2);

    // A buyer message travels to its ticket in one more cycle.
    h.control
        .create(
            &format!("/allegro/inbox/issues/{dispute}/messages"),
            json!({ "author": "BUYER", "text": "Kiedy zwrot?" }),
        )
        .await;
    let started = Instant::now();
    assert_eq!(cycle(&ports, &registry).await, 1);
    println!(
        "buyer message → ticket in one cycle: {:?}",
        started.elapsed()
    );
    let d = tickets::get(&*ports.store, &h.integration.tenant_id, &d.id)
        .await
        .expect("ticket")
        .expect("exists")
        .value;
    assert!(d.needs_reply);
    assert_eq!(d.panel.products.len(), 2, "the update kept the panel");
}

#[tokio::test]
async fn openings_allegro_wrote_for_the_buyer_are_the_buyers_and_advisers_wait_for_the_seller() {
    let h = Harness::start("sklep_asystent").await;
    let shop = shop(&h, "kupujaca_ewa").await;
    let dispute = h
        .control
        .create(
            "/allegro/inbox/issues",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "DISPUTE", "reason": "NO_PRODUCT_RECEIVED", "first_author": "SYSTEM",
                    "text": "Kupujący zgłasza, że paczka nie dotarła." }),
        )
        .await;
    for (author, text) in [
        ("SYSTEM", "Sprzedający ma 3 dni na odpowiedź."),
        ("SELLER", "Sprawdzamy u przewoźnika."),
        ("ADMIN", "Doradca Allegro: prosimy o numer przesyłki."),
    ] {
        h.control
            .create(
                &format!("/allegro/inbox/issues/{dispute}/messages"),
                json!({ "author": author, "text": text }),
            )
            .await;
    }
    let problem = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "order_id": shop.order_id,
                    "type": "POST_PURCHASE_ISSUE", "sub_type": "NO_PRODUCT_IN_THE_SHIPMENT",
                    "first_author": "ALLEGRO", "text": "Kupująca pisze, że paczka była pusta." }),
        )
        .await;
    h.control
        .create(
            &format!("/allegro/inbox/threads/{problem}/messages"),
            json!({ "author": "ALLEGRO", "text": "Przypomnienie o terminie." }),
        )
        .await;

    let issues = h.poll(Channel::AllegroIssues, &None).await.expect("issues");
    let d = event(&issues, &dispute);
    assert_eq!(
        authors(d),
        [
            AuthorKind::MarketplaceForBuyer,
            AuthorKind::MarketplaceSystem,
            AuthorKind::SellerViaMarketplace,
            AuthorKind::MarketplaceStaff
        ]
    );
    assert_eq!(d.buyer_login, shop.buyer_login);
    let threads = h
        .poll(Channel::AllegroMessaging, &None)
        .await
        .expect("threads");
    let p = event(&threads, &problem);
    assert_eq!(
        authors(p),
        [
            AuthorKind::MarketplaceForBuyer,
            AuthorKind::MarketplaceSystem
        ]
    );

    for e in [d, p] {
        let outcome = marketdesk_core::services::ingest::run(h.ports(), e)
            .await
            .expect("ingest");
        let ticket = tickets::get(
            &*h.ports().store,
            &h.integration.tenant_id,
            &outcome.ticket_id,
        )
        .await
        .expect("get")
        .expect("ticket")
        .value;
        assert!(
            ticket.needs_reply,
            "{}: the adviser, or the buyer's opening, waits for the seller",
            e.conversation.external_id
        );
    }
}

/// What one simulated second did.
#[derive(Clone, Copy)]
struct Second {
    /// Seconds since the run began.
    at: i64,
    /// A Message Center poll ran.
    messaging_polled: bool,
    /// A Message Center poll read changes.
    read_changes: bool,
}

/// Simulated seconds on the manual `clock` until `stop` says so: a scheduler tick at every
/// whole minute of the run, then every due poll job and inbound event, each second.
async fn run_seconds(
    h: &Harness,
    clock: &ManualClock,
    registry: &marketdesk_core::ports::MarketplaceRegistry,
    settings: &PollingSettings,
    second: &mut i64,
    stop: impl Fn(Second) -> bool,
) {
    loop {
        if *second % 60 == 0 {
            scheduler::schedule(h.ports(), settings)
                .await
                .expect("schedule");
        }
        let outcomes = common::run_polls(h.ports(), registry, settings).await;
        common::ingest_all(h.ports()).await;
        let messaging: Vec<&PollOutcome> = outcomes
            .iter()
            .filter(|(channel, _)| *channel == Channel::AllegroMessaging)
            .map(|(_, outcome)| outcome)
            .collect();
        let now = Second {
            at: *second,
            messaging_polled: !messaging.is_empty(),
            read_changes: messaging
                .iter()
                .any(|outcome| matches!(outcome, PollOutcome::Polled { events } if *events > 0)),
        };
        if stop(now) {
            return;
        }
        clock.advance(Duration::seconds(1));
        *second += 1;
        assert!(*second < 1200, "the simulated run went on for 20 minutes");
    }
}

#[tokio::test]
async fn an_active_conversation_is_re_read_within_seconds_while_idle_ones_wait_their_minute() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let h = Harness::start_with(
        "sklep_aktywny",
        temp_backend_with_clock(clock.clone()),
        |c| c,
    )
    .await;
    let registry = allegro_registry(h.ports(), &h.clients);
    let settings = PollingSettings::new(StdDuration::from_secs(60));
    assert_eq!(settings.active_every, StdDuration::from_secs(12));
    let shop = shop(&h, "kupujacy_aktywny").await;
    let question = h
        .control
        .create(
            "/allegro/inbox/threads",
            json!({ "seller_id": h.seller_id, "buyer_id": shop.buyer_id, "type": "COMMON",
                    "text": "Czy wyślecie dziś?" }),
        )
        .await;
    let buyer_writes = |text: &'static str| {
        let path = format!("/allegro/inbox/threads/{question}/messages");
        let h = &h;
        async move {
            h.control
                .create(&path, json!({ "author": "BUYER", "text": text }))
                .await;
        }
    };

    // The regular read at the account's offset in the minute finds the question.
    let mut second = 0;
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.read_changes
    })
    .await;
    let first_read = second;
    assert!(
        first_read < 60,
        "read within the first minute: {first_read}"
    );

    // The buyer writes again 5 s later: the conversation is active, re-read every 12 s.
    let wrote = first_read + 5;
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.at == wrote
    })
    .await;
    buyer_writes("Halo? Potrzebuję na jutro.").await;
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.read_changes
    })
    .await;
    let active_delay = second - wrote;
    assert!(
        active_delay <= 15,
        "an active conversation's message waited {active_delay} s (regular interval 60 s)"
    );

    // Three idle minutes later only the regular reads remain: a message written 5 s after
    // one waits for the next, most of a minute.
    let quiet_from = second + 200;
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.at == quiet_from
    })
    .await;
    // Past the active period, the next Message Center poll is a regular one.
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.messaging_polled
    })
    .await;
    let wrote = second + 5;
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.at == wrote
    })
    .await;
    buyer_writes("Czy ktoś tu jest?").await;
    run_seconds(&h, &clock, &registry, &settings, &mut second, |s| {
        s.read_changes
    })
    .await;
    let idle_delay = second - wrote;
    assert!(
        (50..=60).contains(&idle_delay),
        "an idle account is read at its cadence: {idle_delay} s"
    );

    // Both messages reached the ticket.
    let (tickets, _) = tickets::list_recent(&*h.ports().store, &h.integration.tenant_id, None, 10)
        .await
        .expect("tickets");
    assert_eq!(tickets.len(), 1);
    let messages = tickets::messages(&*h.ports().store, &h.integration.tenant_id, &tickets[0].id)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 3, "the question and both follow-ups");
    println!("buyer message → read: active {active_delay} s, idle {idle_delay} s");
}
