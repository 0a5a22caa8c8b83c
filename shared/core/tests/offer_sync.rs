//! The offers channel (`services::offer_sync`) on the embedded backend, with an offer reader
//! answering from memory and counting its calls: the first read, the journal, linking by EAN
//! only after the switch, EAN look-ups only when needed, archival, full re-reads, failures in
//! the account log, and the scheduler's plan for the channel.

mod support;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketdesk_core::domain::account_event::AccountEventKind;
use marketdesk_core::domain::offer::{OfferStatus, SellingFormat};
use marketdesk_core::domain::product::Product;
use marketdesk_core::domain::{Channel, Integration};
use marketdesk_core::ids::TenantId;
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::offers::{
    OfferData, OfferEvent, OfferEventKind, OfferPage, OfferReader,
};
use marketdesk_core::ports::{MarketplaceError, MarketplaceRegistry};
use marketdesk_core::repo::{account_events, cursors, integrations, offers, products};
use marketdesk_core::services::offer_sync::{self, OfferSyncOutcome, MAX_READS_PER_POLL};
use marketdesk_core::services::polling::PollingSettings;
use marketdesk_core::services::{poller, scheduler};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use support::*;

const EAN: &str = "5901234123457";

/// Calls the reader answered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Calls {
    pages: usize,
    newest: usize,
    journal: usize,
    reads: Vec<String>,
}

#[derive(Default)]
struct World {
    /// Offers Allegro has (archived ones are gone).
    offers: BTreeMap<String, OfferData>,
    events: Vec<OfferEvent>,
    /// Event ids before this index were dropped (past the 24 hours).
    forgotten: usize,
    journal_down: bool,
    calls: Calls,
}

/// An Allegro account's offers in memory.
#[derive(Default)]
struct FakeAllegro(Mutex<World>);

impl FakeAllegro {
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.0.lock().expect("world")
    }

    fn add(&self, id: &str, ean: Option<&str>) {
        self.world().offers.insert(
            id.into(),
            OfferData {
                id: id.into(),
                name: format!("Kubek {id}"),
                status: OfferStatus::Active,
                format: SellingFormat::BuyNow,
                stock: 5,
                price: Some("19.90".into()),
                currency: Some("PLN".into()),
                ean: ean.map(str::to_owned),
                image_url: None,
                category_id: None,
                ended_at: None,
            },
        );
    }

    fn event(&self, offer: &str, kind: OfferEventKind, at: DateTime<Utc>) {
        let mut world = self.world();
        let id = format!("ev-{:06}", world.events.len() + 1);
        world.events.push(OfferEvent {
            id,
            offer_id: offer.into(),
            kind,
            occurred_at: at,
        });
    }

    fn calls(&self) -> Calls {
        std::mem::take(&mut self.world().calls)
    }
}

#[async_trait]
impl OfferReader for FakeAllegro {
    async fn offers(
        &self,
        _: &Integration,
        offset: u64,
        limit: u32,
    ) -> Result<OfferPage, MarketplaceError> {
        let mut world = self.world();
        world.calls.pages += 1;
        let offers = world
            .offers
            .values()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|offer| OfferData {
                ean: None,
                ..offer.clone()
            })
            .collect();
        Ok(OfferPage {
            offers,
            total: world.offers.len() as u64,
        })
    }

    async fn newest_event(&self, _: &Integration) -> Result<Option<String>, MarketplaceError> {
        let mut world = self.world();
        world.calls.newest += 1;
        Ok(world.events.last().map(|e| e.id.clone()))
    }

    async fn events_after(
        &self,
        _: &Integration,
        from: Option<&str>,
    ) -> Result<Vec<OfferEvent>, MarketplaceError> {
        let mut world = self.world();
        world.calls.journal += 1;
        if world.journal_down {
            return Err(MarketplaceError::Unavailable("HTTP 503".into()));
        }
        let start = match from {
            None => world.forgotten,
            Some(from) => match world.events.iter().position(|e| e.id == from) {
                Some(at) if at >= world.forgotten => at + 1,
                _ => return Err(MarketplaceError::Refused("unknown event id".into())),
            },
        };
        Ok(world
            .events
            .iter()
            .skip(start)
            .take(1000)
            .cloned()
            .collect())
    }

    async fn offer(
        &self,
        _: &Integration,
        offer_id: &str,
    ) -> Result<Option<OfferData>, MarketplaceError> {
        let mut world = self.world();
        world.calls.reads.push(offer_id.into());
        Ok(world.offers.get(offer_id).cloned())
    }
}

async fn allegro_with_offers(b: &Backend, configure: impl FnOnce(&mut Integration)) -> Integration {
    let mut integration = connected_allegro(&b.ports, "t1").await;
    let stored = integrations::get(&*b.ports.store, &integration.tenant_id, &integration.id)
        .await
        .expect("read")
        .expect("stored");
    integration.settings.offers.enabled = true;
    configure(&mut integration);
    integrations::update(&*b.ports.store, &integration, stored.version)
        .await
        .expect("update");
    integration
}

async fn poll(b: &Backend, allegro: &FakeAllegro, integration: &Integration) -> OfferSyncOutcome {
    let cursor = cursors::get(
        &*b.ports.store,
        &integration.tenant_id,
        &integration.id,
        Channel::AllegroOffers,
    )
    .await
    .expect("cursor");
    offer_sync::poll(&b.ports, allegro, integration, cursor)
        .await
        .expect("poll")
}

async fn stored(
    b: &Backend,
    integration: &Integration,
    id: &str,
) -> marketdesk_core::domain::offer::MarketOffer {
    offers::get(&*b.ports.store, &integration.tenant_id, &integration.id, id)
        .await
        .expect("read")
        .expect("stored")
        .value
}

async fn product(b: &Backend, tenant: &TenantId, sku: &str, ean: &str) {
    let now = b.clock.now();
    let product = Product {
        sku: sku.into(),
        name: "Kubek".into(),
        ean: Some(ean.into()),
        stock: 3,
        unit: Default::default(),
        prices: BTreeMap::new(),
        image_url: None,
        created_at: now,
        updated_at: now,
    };
    products::save(&*b.ports.store, tenant, &product, None, &[])
        .await
        .expect("product saved");
}

use marketdesk_core::ports::Clock;

#[tokio::test]
async fn the_first_read_stores_every_offer_with_its_ean_reading_each_once_then_only_pages() {
    let b = backend();
    let integration = allegro_with_offers(&b, |_| {}).await;
    let allegro = FakeAllegro::default();
    for i in 0..1200 {
        allegro.add(&format!("{i:05}"), Some(EAN));
    }
    allegro.add("no-ean", None);
    allegro.event("00001", OfferEventKind::Changed, b.clock.now());

    // 1201 offers, at most 300 full reads a poll: five polls, each offer read once.
    let mut polls = 0;
    let mut reads = Vec::new();
    let mut pages = 0;
    loop {
        let outcome = poll(&b, &allegro, &integration).await;
        polls += 1;
        let calls = allegro.calls();
        assert!(
            calls.reads.len() <= MAX_READS_PER_POLL,
            "{}",
            calls.reads.len()
        );
        reads.extend(calls.reads);
        pages += calls.pages;
        if polls == 1 {
            assert!(outcome.full_read_started);
            assert_eq!(calls.newest, 1, "the cursor is the journal's newest event");
            assert_eq!(calls.journal, 0);
        } else {
            assert_eq!(calls.journal, 1, "later polls read the journal too");
        }
        if outcome.full_read_finished {
            break;
        }
        assert!(polls < 10, "the first read never ended");
    }
    assert_eq!(polls, 5);
    assert_eq!(reads.len(), 1201, "one full read per offer");
    let distinct: std::collections::BTreeSet<_> = reads.iter().collect();
    assert_eq!(distinct.len(), 1201);
    assert_eq!(pages, 5, "one page a poll while the reads run out");
    let offer = stored(&b, &integration, "01199").await;
    assert_eq!(offer.ean.as_deref(), Some(EAN));
    assert!(offer.no_auto_renew, "on by default");
    assert_eq!(offer.product_sku, None, "a full read links nothing");
    assert_eq!(stored(&b, &integration, "no-ean").await.ean, None);

    // A day later everything is read again: two pages, no full read (the EANs are known).
    b.clock.advance(Duration::hours(24));
    let outcome = poll(&b, &allegro, &integration).await;
    assert!(outcome.full_read_started && outcome.full_read_finished);
    let calls = allegro.calls();
    assert_eq!(
        (calls.newest, calls.pages, calls.reads.len()),
        (1, 2, 0),
        "{calls:?}"
    );
    // An idle poll: one journal call.
    b.clock.advance(Duration::minutes(10));
    poll(&b, &allegro, &integration).await;
    assert_eq!(
        allegro.calls(),
        Calls {
            journal: 1,
            ..Calls::default()
        }
    );
}

#[tokio::test]
async fn the_journal_rereads_each_changed_offer_once_and_archives_gone_offers() {
    let b = backend();
    let integration = allegro_with_offers(&b, |_| {}).await;
    let allegro = FakeAllegro::default();
    for id in ["a", "b", "c", "d"] {
        allegro.add(id, Some(EAN));
    }
    let outcome = poll(&b, &allegro, &integration).await;
    assert!(outcome.full_read_finished);
    allegro.calls();

    let now = b.clock.now();
    allegro.world().offers.get_mut("a").expect("a").stock = 2;
    allegro.event("a", OfferEventKind::StockChanged, now);
    allegro.event("a", OfferEventKind::StockChanged, now);
    allegro.event("a", OfferEventKind::PriceChanged, now);
    allegro.event("b", OfferEventKind::Archived, now);
    allegro.world().offers.remove("b");
    allegro.event("c", OfferEventKind::Ended, now);
    allegro.world().offers.remove("c"); // archived meanwhile: 404
    allegro.event("d", OfferEventKind::Other, now);
    b.clock.advance(Duration::minutes(10));
    let outcome = poll(&b, &allegro, &integration).await;
    assert_eq!(outcome.events, 6);
    let calls = allegro.calls();
    assert_eq!(
        calls.reads,
        ["a", "c"],
        "once per changed offer, none for a bid"
    );
    assert_eq!(calls.journal, 1);
    assert_eq!(stored(&b, &integration, "a").await.stock, 2);
    assert!(stored(&b, &integration, "b").await.archived);
    assert!(stored(&b, &integration, "c").await.archived);
    assert!(!stored(&b, &integration, "d").await.archived);
    assert_eq!(outcome.archived, 2);

    // The cursor moved past them: the next poll reads nothing again.
    b.clock.advance(Duration::minutes(10));
    assert_eq!(poll(&b, &allegro, &integration).await.events, 0);
    assert!(allegro.calls().reads.is_empty());
}

#[tokio::test]
async fn only_offers_with_an_event_after_the_switch_are_linked_by_ean() {
    let b = backend();
    let switched_on = start() + Duration::hours(1);
    let integration = allegro_with_offers(&b, |i| {
        i.settings.offers.link_automatically = true;
        i.settings.offers.link_automatically_since = Some(switched_on);
        i.settings.offers.price_sync = true;
        i.settings.offers.price_sync_since = Some(start());
    })
    .await;
    product(&b, &integration.tenant_id, "KUB-1", EAN).await;
    let allegro = FakeAllegro::default();
    for id in ["before", "after", "quiet", "other-ean"] {
        allegro.add(id, Some(EAN));
    }
    allegro
        .world()
        .offers
        .get_mut("other-ean")
        .expect("offer")
        .ean = Some("4006381333931".into());
    poll(&b, &allegro, &integration).await;
    assert_eq!(stored(&b, &integration, "quiet").await.product_sku, None);

    allegro.event(
        "before",
        OfferEventKind::Changed,
        start() + Duration::minutes(30),
    );
    allegro.event(
        "after",
        OfferEventKind::StockChanged,
        start() + Duration::hours(2),
    );
    allegro.event(
        "other-ean",
        OfferEventKind::Changed,
        start() + Duration::hours(2),
    );
    b.clock.set(start() + Duration::hours(3));
    let outcome = poll(&b, &allegro, &integration).await;
    assert_eq!(outcome.linked, 1);
    let linked = stored(&b, &integration, "after").await;
    assert_eq!(linked.product_sku.as_deref(), Some("KUB-1"));
    assert_eq!(linked.linked_at, Some(start() + Duration::hours(3)));
    assert!(linked.price_sync, "price sync was on before the link");
    assert!(linked.no_auto_renew);
    assert_eq!(stored(&b, &integration, "before").await.product_sku, None);
    assert_eq!(stored(&b, &integration, "quiet").await.product_sku, None);
    assert_eq!(
        stored(&b, &integration, "other-ean").await.product_sku,
        None,
        "no product holds its EAN"
    );
    let (linked_offers, _) =
        offers::linked_to_product(&*b.ports.store, &integration.tenant_id, "KUB-1", None, 100)
            .await
            .expect("links");
    assert_eq!(linked_offers.len(), 1);
    assert_eq!(linked_offers[0].offer_id, "after");
}

#[tokio::test]
async fn an_old_or_unknown_cursor_reads_every_offer_again() {
    let b = backend();
    let integration = allegro_with_offers(&b, |_| {}).await;
    let allegro = FakeAllegro::default();
    allegro.add("a", Some(EAN));
    allegro.event("a", OfferEventKind::Changed, b.clock.now());
    poll(&b, &allegro, &integration).await;
    allegro.calls();

    // Allegro forgot the cursor's event: the offers are read again from its newest event.
    allegro.event("a", OfferEventKind::Changed, b.clock.now());
    allegro.world().forgotten = 2;
    b.clock.advance(Duration::minutes(10));
    let outcome = poll(&b, &allegro, &integration).await;
    assert!(outcome.full_read_started && outcome.full_read_finished);
    let calls = allegro.calls();
    assert_eq!((calls.journal, calls.newest, calls.pages), (1, 1, 1));

    // A cursor last used 23 hours ago or more is not trusted.
    allegro.add("b", Some(EAN));
    b.clock.advance(Duration::hours(23) + Duration::minutes(1));
    let outcome = poll(&b, &allegro, &integration).await;
    assert!(outcome.full_read_started);
    assert_eq!(
        allegro.calls().reads,
        ["b"],
        "only the new offer is read in full"
    );
    assert_eq!(
        stored(&b, &integration, "b").await.ean.as_deref(),
        Some(EAN)
    );
}

#[tokio::test]
async fn the_poller_reads_offers_only_when_switched_on_and_logs_a_failed_sync() {
    let b = backend();
    let integration = allegro_with_offers(&b, |_| {}).await;
    let allegro = Arc::new(FakeAllegro::default());
    allegro.add("a", Some(EAN));
    let registry = MarketplaceRegistry::empty().with_offer_reader(allegro.clone());
    let job = PollJob::new(
        integration.tenant_id.clone(),
        integration.id.clone(),
        Channel::AllegroOffers,
    );
    let outcome = poller::run(&b.ports, &registry, &job).await.expect("poll");
    assert_eq!(outcome, poller::PollOutcome::Polled { events: 0 });
    assert!(offers::get(
        &*b.ports.store,
        &integration.tenant_id,
        &integration.id,
        "a"
    )
    .await
    .expect("read")
    .is_some());

    allegro.world().journal_down = true;
    b.clock.advance(Duration::minutes(10));
    poller::run(&b.ports, &registry, &job)
        .await
        .expect_err("the journal is down");
    let (log, _) = account_events::list(
        &*b.ports.store,
        &integration.tenant_id,
        &integration.id,
        None,
        10,
    )
    .await
    .expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, AccountEventKind::OfferSyncFailed);
    assert!(log[0].reason.as_deref().unwrap_or_default().contains("503"));

    // Switched off: nothing is read.
    allegro.world().journal_down = false;
    let stored_integration =
        integrations::get(&*b.ports.store, &integration.tenant_id, &integration.id)
            .await
            .expect("read")
            .expect("stored");
    let mut off = stored_integration.value.clone();
    off.settings.offers.enabled = false;
    integrations::update(&*b.ports.store, &off, stored_integration.version)
        .await
        .expect("update");
    allegro.calls();
    b.clock.advance(Duration::minutes(10));
    let outcome = poller::run(&b.ports, &registry, &job).await.expect("poll");
    assert_eq!(outcome, poller::PollOutcome::Skipped);
    assert_eq!(allegro.calls(), Calls::default());
}

#[tokio::test]
async fn the_schedule_polls_offers_and_orders_of_accounts_that_read_them() {
    let b = backend();
    let plain = connected_allegro(&b.ports, "t1").await;
    let reading = allegro_with_offers(&b, |i| i.settings.orders.enabled = true).await;
    let settings = PollingSettings::new(std::time::Duration::from_secs(60));
    let mut queued: Vec<(String, Channel)> = Vec::new();
    // Offers are read every 10 minutes: within ten ticks each account's inbox comes due.
    for _ in 0..10 {
        let report = scheduler::schedule(&b.ports, &settings)
            .await
            .expect("tick");
        let offers_plan = report.plan(Channel::AllegroOffers).expect("planned");
        assert_eq!(offers_plan.accounts, 1);
        assert_eq!(offers_plan.cadence.as_secs(), 600);
        // Each job comes due within the tick; taken before the next one, freeing its lease.
        b.clock.advance(Duration::minutes(1));
        for message in drain(&*b.ports.queues.poll_jobs).await {
            let job: PollJob = serde_json::from_str(&message.body).expect("job");
            b.ports
                .store
                .delete(
                    &marketdesk_core::services::polling::lease_key(
                        &job.tenant_id,
                        &job.integration_id,
                        job.channel,
                    ),
                    marketdesk_core::ports::Condition::None,
                )
                .await
                .expect("lease freed");
            b.ports
                .queues
                .poll_jobs
                .delete(&message.receipt)
                .await
                .expect("delete");
            queued.push((job.integration_id.0, job.channel));
        }
    }
    let of = |id: &str, channel: Channel| {
        queued
            .iter()
            .filter(|(i, c)| i == id && *c == channel)
            .count()
    };
    assert_eq!(of(&reading.id.0, Channel::AllegroOffers), 1);
    assert_eq!(of(&reading.id.0, Channel::AllegroOrders), 10);
    assert_eq!(of(&plain.id.0, Channel::AllegroOffers), 0);
    assert_eq!(of(&plain.id.0, Channel::AllegroOrders), 0);
    assert_eq!(of(&plain.id.0, Channel::AllegroMessaging), 10);
}
