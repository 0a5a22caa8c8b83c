//! Offer commands on a backend (issue 18 items 4–5): stock control, renewal and price sync
//! planned, stored and sent through the outbox, against an in-test Allegro that takes one
//! command at a time per offer (a second one while the first runs is refused as `Busy`, as
//! Allegro does) and is idempotent by command id.
//!
//! Takes whole [`Ports`]; the store is the backend's, the clock a [`ManualClock`] and the
//! outbound queue an in-memory one whose delayed jobs run when the clock reaches them.

use crate::domain::account_event::AccountEventKind;
use crate::domain::offer::{MarketOffer, OfferStatus, SellingFormat};
use crate::domain::offer_command::{CommandState, OfferCommand};
use crate::domain::product::ChangeSource;
use crate::domain::{Actor, Environment, Integration, IntegrationKind, Role};
use crate::ids::{IntegrationId, TenantId};
use crate::ports::offers::{
    CommandError, CommandReport, OfferChange, OfferCommandKind, OfferCommands, TaskOutcome,
};
use crate::ports::{
    Clock, DeliveryRegistry, ManualClock, MarketplaceError, Ports, Queue, QueueError, QueueMessage,
    Queues,
};
use crate::repo::{account_events, integrations, offer_commands as repo, offers};
use crate::services::caller::Caller;
use crate::services::catalogue::{self, BulkUpsert, NewPriceList, ProductUpsert};
use crate::services::offer_commands::{self as service, CommandsQuery, JobOutcome};
use crate::services::sender;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Deref;
use std::sync::{Arc, Mutex};

/// An outbound queue in memory: jobs become due `delay` after they were sent, on the test's
/// clock.
struct TimedQueue {
    clock: Arc<ManualClock>,
    jobs: Mutex<Vec<(DateTime<Utc>, u64, String)>>,
    sent: Mutex<u64>,
}

impl TimedQueue {
    fn take_next(&self) -> Option<(DateTime<Utc>, String)> {
        let mut jobs = self.jobs.lock().expect("jobs");
        let at = jobs
            .iter()
            .enumerate()
            .min_by_key(|(_, (due, n, _))| (*due, *n))
            .map(|(i, _)| i)?;
        let (due, _, body) = jobs.remove(at);
        Some((due, body))
    }

    fn pending(&self) -> Vec<String> {
        let jobs = self.jobs.lock().expect("jobs");
        jobs.iter().map(|(_, _, body)| body.clone()).collect()
    }
}

#[async_trait]
impl Queue for TimedQueue {
    async fn send(&self, body: &str, delay: std::time::Duration) -> Result<String, QueueError> {
        let mut n = self.sent.lock().expect("counter");
        *n += 1;
        let due = self.clock.now() + Duration::from_std(delay).unwrap_or_default();
        self.jobs
            .lock()
            .expect("jobs")
            .push((due, *n, body.to_owned()));
        Ok(n.to_string())
    }

    async fn receive(
        &self,
        _max: u32,
        _visibility: std::time::Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        Ok(Vec::new())
    }

    async fn delete(&self, _receipt: &str) -> Result<(), QueueError> {
        Ok(())
    }

    async fn release(&self, _receipt: &str, _delay: std::time::Duration) -> Result<(), QueueError> {
        Ok(())
    }
}

/// One command as the in-test Allegro took it.
#[derive(Debug, Clone)]
struct Accepted {
    id: String,
    change: OfferChange,
    offers: Vec<String>,
    reads_left: u32,
}

#[derive(Default, Clone)]
struct FakeState {
    /// Every `send` call, by command id.
    send_calls: Vec<String>,
    /// Commands accepted, in order (one per id).
    accepted: Vec<Accepted>,
    /// Sends refused as busy (ours or planted).
    busy_answers: u32,
    /// Refuse this many next sends as busy.
    busy_next: u32,
    /// Accept the next send but lose its answer (a 5xx after the work was done).
    lose_next_answer: bool,
    /// Offers whose tasks fail, with the message.
    failing: HashMap<String, String>,
    /// Report reads before a command completes.
    report_lag: u32,
    /// Report reads.
    report_reads: u32,
}

/// Allegro's command endpoints as the tests need them: idempotent by id, one running command
/// per offer (a second one is refused as busy), reports complete after `report_lag` reads.
#[derive(Default)]
struct FakeAllegro {
    state: Mutex<FakeState>,
}

impl FakeAllegro {
    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.state.lock().expect("fake state")
    }
}

#[async_trait]
impl OfferCommands for FakeAllegro {
    async fn send(
        &self,
        _integration: &Integration,
        command_id: &str,
        change: &OfferChange,
        offer_ids: &[String],
    ) -> Result<(), CommandError> {
        let mut state = self.state();
        state.send_calls.push(command_id.to_owned());
        if state.accepted.iter().any(|a| a.id == command_id) {
            return Ok(());
        }
        let overlapping = state
            .accepted
            .iter()
            .any(|a| a.reads_left > 0 && a.offers.iter().any(|o| offer_ids.contains(o)));
        if overlapping || state.busy_next > 0 {
            state.busy_next = state.busy_next.saturating_sub(1);
            state.busy_answers += 1;
            return Err(CommandError::Busy);
        }
        let reads_left = state.report_lag.max(1);
        state.accepted.push(Accepted {
            id: command_id.to_owned(),
            change: change.clone(),
            offers: offer_ids.to_vec(),
            reads_left,
        });
        if std::mem::take(&mut state.lose_next_answer) {
            return Err(CommandError::Marketplace(MarketplaceError::Unavailable(
                "502 after the command was taken".into(),
            )));
        }
        Ok(())
    }

    async fn report(
        &self,
        _integration: &Integration,
        _kind: OfferCommandKind,
        command_id: &str,
    ) -> Result<CommandReport, MarketplaceError> {
        let mut state = self.state();
        state.report_reads += 1;
        let failing = state.failing.clone();
        let Some(accepted) = state.accepted.iter_mut().find(|a| a.id == command_id) else {
            return Err(MarketplaceError::Refused("no such command".into()));
        };
        accepted.reads_left = accepted.reads_left.saturating_sub(1);
        let completed = accepted.reads_left == 0;
        let tasks = accepted
            .offers
            .iter()
            .map(|offer| {
                let outcome = match failing.get(offer) {
                    _ if !completed => TaskOutcome::Pending,
                    Some(message) => TaskOutcome::Failed(message.clone()),
                    None => TaskOutcome::Succeeded,
                };
                (offer.clone(), outcome)
            })
            .collect();
        Ok(CommandReport { completed, tasks })
    }
}

/// A backend with the test's clock, queue and Allegro.
struct World {
    ports: Ports,
    clock: Arc<ManualClock>,
    queue: Arc<TimedQueue>,
    allegro: Arc<FakeAllegro>,
    registry: DeliveryRegistry,
    tenant: TenantId,
    caller: Caller,
}

impl World {
    fn new(base: &Ports) -> Self {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let queue = Arc::new(TimedQueue {
            clock: clock.clone(),
            jobs: Mutex::new(Vec::new()),
            sent: Mutex::new(0),
        });
        let allegro = Arc::new(FakeAllegro::default());
        let mut ports = base.clone();
        ports.clock = clock.clone();
        ports.queues = Queues {
            outbound: queue.clone(),
            ..base.queues.clone()
        };
        let tenant = TenantId::from(super::unique("t-offcmd").as_str());
        let caller = Caller {
            tenant_id: tenant.clone(),
            role: Role::Admin,
            actor: Actor::ApiKey {
                id: "key-erp".into(),
                name: Some("ERP".into()),
            },
            session: None,
        };
        let registry = DeliveryRegistry::empty().with_offer_commands(allegro.clone());
        Self {
            ports,
            clock,
            queue,
            allegro,
            registry,
            tenant,
            caller,
        }
    }

    /// Runs every queued job, due ones first, moving the clock to each; the outcomes of the
    /// offer jobs in order.
    async fn drain(&self) -> usize {
        let mut ran = 0;
        while let Some((due, body)) = self.queue.take_next() {
            if due > self.clock.now() {
                self.clock.set(due);
            }
            sender::handle_body(&self.ports, &self.registry, &body)
                .await
                .unwrap_or_else(|e| panic!("job {body} failed: {e}"));
            ran += 1;
            assert!(ran < 10_000, "jobs keep coming");
        }
        ran
    }

    async fn account(
        &self,
        name: &str,
        environment: Environment,
        settings: impl FnOnce(&mut crate::domain::offer::OfferSettings),
    ) -> Integration {
        let now = self.clock.now();
        let mut integration = Integration::new(
            IntegrationId::from(super::unique(name).as_str()),
            self.tenant.clone(),
            IntegrationKind::Allegro,
            name,
            environment,
            now - Duration::days(30),
        );
        integration.settings.offers.enabled = true;
        settings(&mut integration.settings.offers);
        integrations::create(&*self.ports.store, &integration)
            .await
            .expect("integration stored");
        integration
    }

    async fn offer(&self, integration: &Integration, offer: MarketOffer) {
        offers::save(
            &*self.ports.store,
            &self.tenant,
            &integration.id,
            &offer,
            None,
        )
        .await
        .expect("offer stored");
    }

    async fn stored_offer(&self, integration: &Integration, id: &str) -> MarketOffer {
        offers::get(&*self.ports.store, &self.tenant, &integration.id, id)
            .await
            .expect("read")
            .expect("offer")
            .value
    }

    async fn product(&self, upsert: ProductUpsert, source: ChangeSource) {
        let report = catalogue::upsert(
            &self.ports,
            &self.caller,
            BulkUpsert {
                products: vec![upsert],
            },
            source,
        )
        .await
        .expect("upsert");
        assert!(report.rejected.is_empty(), "{report:?}");
    }

    async fn commands(&self, integration: &Integration) -> Vec<OfferCommand> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let (page, next) = repo::page(
                &*self.ports.store,
                &self.tenant,
                &integration.id,
                after,
                100,
            )
            .await
            .expect("commands");
            all.extend(page);
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        all.reverse();
        all
    }

    async fn log_kinds(&self, integration: &Integration) -> Vec<AccountEventKind> {
        let (events, _) =
            account_events::list(&*self.ports.store, &self.tenant, &integration.id, None, 100)
                .await
                .expect("log");
        events.iter().map(|e| e.kind).collect()
    }

    /// What the in-test Allegro has seen so far.
    fn seen(&self) -> FakeState {
        self.allegro.state().clone()
    }

    fn accepted(&self) -> Vec<Accepted> {
        self.allegro.state().accepted.clone()
    }
}

fn stock(sku: &str, stock: u32) -> ProductUpsert {
    ProductUpsert {
        sku: sku.into(),
        name: Some(format!("Produkt {sku}")),
        stock: Some(stock),
        ..ProductUpsert::default()
    }
}

fn priced(sku: &str, list: &str, amount: &str) -> ProductUpsert {
    ProductUpsert {
        sku: sku.into(),
        prices: Some(BTreeMap::from([(list.to_owned(), amount.to_owned())])),
        ..ProductUpsert::default()
    }
}

fn live(
    integration: &Integration,
    id: &str,
    sku: &str,
    stock: u32,
    at: DateTime<Utc>,
) -> MarketOffer {
    MarketOffer {
        id: id.into(),
        integration_id: integration.id.to_string(),
        name: format!("Oferta {id}"),
        status: OfferStatus::Active,
        format: SellingFormat::BuyNow,
        stock,
        price: Some("10.00".into()),
        currency: Some("PLN".into()),
        ean: None,
        image_url: None,
        ended_at: None,
        archived: false,
        product_sku: Some(sku.into()),
        linked_at: Some(at),
        no_auto_renew: true,
        price_sync: false,
        read_at: at,
    }
}

fn ended(
    integration: &Integration,
    id: &str,
    sku: &str,
    ended_days_ago: i64,
    now: DateTime<Utc>,
) -> MarketOffer {
    MarketOffer {
        status: OfferStatus::Ended,
        stock: 0,
        ended_at: Some(now - Duration::days(ended_days_ago)),
        no_auto_renew: false,
        ..live(integration, id, sku, 0, now)
    }
}

fn ids_of(accepted: &[Accepted], integration_offers: &HashSet<String>) -> Vec<usize> {
    accepted
        .iter()
        .filter(|a| a.offers.iter().all(|o| integration_offers.contains(o)))
        .map(|a| a.offers.len())
        .collect()
}

/// A stock change on a product reaches every linked live offer of the production accounts
/// with stock control on, one command per group of at most 1 000 offers; a test-mode account
/// and an account without stock control are left alone; each command is logged with its
/// outcome; a stock of 0 is never sent.
pub async fn a_stock_change_reaches_every_linked_offer_with_one_command_per_group(
    base: impl Deref<Target = Ports>,
) {
    let world = World::new(&base);
    let now = world.clock.now();
    world.product(stock("MUG", 5), ChangeSource::Api).await;
    let on = |s: &mut crate::domain::offer::OfferSettings| {
        s.stock_control = true;
        s.raise_stock = true;
    };
    let big = world.account("big", Environment::Production, on).await;
    let small = world.account("small", Environment::Production, on).await;
    let test_account = world.account("sandbox", Environment::Sandbox, on).await;
    let off = world.account("off", Environment::Production, |_| {}).await;
    let mut big_ids = HashSet::new();
    for n in 0..1001 {
        let id = format!("B{n:05}");
        world.offer(&big, live(&big, &id, "MUG", 5, now)).await;
        big_ids.insert(id);
    }
    for id in ["S1", "S2"] {
        world.offer(&small, live(&small, id, "MUG", 5, now)).await;
    }
    world
        .offer(&test_account, live(&test_account, "T1", "MUG", 5, now))
        .await;
    world.offer(&off, live(&off, "O1", "MUG", 5, now)).await;

    world.product(stock("MUG", 7), ChangeSource::Api).await;
    world.drain().await;

    let accepted = world.accepted();
    assert!(
        accepted
            .iter()
            .all(|a| a.change == OfferChange::Quantity { value: 7 }),
        "{accepted:?}"
    );
    assert_eq!(
        ids_of(&accepted, &big_ids),
        [1000, 1],
        "two commands for 1 001 offers"
    );
    let small_ids: HashSet<String> = ["S1".to_owned(), "S2".to_owned()].into();
    assert_eq!(ids_of(&accepted, &small_ids), [2]);
    assert_eq!(
        accepted.len(),
        3,
        "nothing for the test-mode account or without stock control"
    );
    assert_eq!(world.stored_offer(&big, "B01000").await.stock, 7);
    assert_eq!(world.stored_offer(&test_account, "T1").await.stock, 5);
    assert_eq!(world.stored_offer(&off, "O1").await.stock, 5);
    let commands = world.commands(&big).await;
    assert_eq!(commands.len(), 2);
    assert!(commands.iter().all(|c| c.state == CommandState::Done));
    assert_eq!(commands[0].succeeded_offers().len(), 1000);
    assert_eq!(
        world.log_kinds(&big).await,
        [AccountEventKind::StockPriceCommand; 2],
        "every command is logged with its outcome"
    );
    assert!(world.commands(&test_account).await.is_empty());

    // Out of stock: 0 is not sent (it would end the offers).
    world.product(stock("MUG", 0), ChangeSource::Api).await;
    world.drain().await;
    assert_eq!(world.accepted().len(), 3);
}

/// "Raise stock" off: an ERP sync lowers offers but does not raise them; an agent's change in
/// the workspace is pushed either way.
pub async fn without_raise_stock_an_erp_rise_is_not_pushed(base: impl Deref<Target = Ports>) {
    let world = World::new(&base);
    let now = world.clock.now();
    world.product(stock("CUP", 5), ChangeSource::Api).await;
    let account = world
        .account("noraise", Environment::Production, |s| {
            s.stock_control = true
        })
        .await;
    world
        .offer(&account, live(&account, "C1", "CUP", 5, now))
        .await;

    world.product(stock("CUP", 9), ChangeSource::Api).await;
    world.drain().await;
    assert!(world.accepted().is_empty(), "an ERP rise is not pushed");
    world
        .product(stock("CUP", 3), ChangeSource::CsvImport)
        .await;
    world.drain().await;
    assert_eq!(world.accepted().len(), 1);
    assert_eq!(
        world.accepted()[0].change,
        OfferChange::Quantity { value: 3 }
    );
    world.product(stock("CUP", 4), ChangeSource::Web).await;
    world.drain().await;
    assert_eq!(world.accepted().len(), 2);
    assert_eq!(world.stored_offer(&account, "C1").await.stock, 4);
}

/// A second command on the same offers waits until the first has finished (Allegro would
/// refuse it), and a `Busy` answer is retried later under the same id.
pub async fn a_second_command_waits_for_the_first_and_busy_is_retried(
    base: impl Deref<Target = Ports>,
) {
    let world = World::new(&base);
    let now = world.clock.now();
    world.allegro.state().report_lag = 3;
    world.product(stock("PEN", 5), ChangeSource::Web).await;
    let account = world
        .account("queue", Environment::Production, |s| s.stock_control = true)
        .await;
    for id in ["P1", "P2"] {
        world
            .offer(&account, live(&account, id, "PEN", 5, now))
            .await;
    }
    world.product(stock("PEN", 7), ChangeSource::Web).await;
    // The first plan is made before the second change (a plan sends the product's stock as
    // it is when the plan runs).
    let plan = world.queue.take_next().expect("a plan job").1;
    service::handle_body(&world.ports, Some(&*world.allegro), &plan)
        .await
        .expect("plan");
    world.product(stock("PEN", 9), ChangeSource::Web).await;
    world.drain().await;
    let state = world.seen();
    assert_eq!(state.busy_answers, 0, "our own commands never overlap");
    let changes: Vec<&OfferChange> = state.accepted.iter().map(|a| &a.change).collect();
    assert_eq!(
        changes,
        [
            &OfferChange::Quantity { value: 7 },
            &OfferChange::Quantity { value: 9 }
        ]
    );
    let commands = world.commands(&account).await;
    assert!(
        commands[1].sent_at >= commands[0].finished_at,
        "the second was sent after the first finished: {commands:?}"
    );
    assert_eq!(world.stored_offer(&account, "P1").await.stock, 9);

    // Another command (made outside marketdesk) runs on the offers: Allegro says busy twice.
    world.allegro.state().busy_next = 2;
    world.product(stock("PEN", 4), ChangeSource::Web).await;
    world.drain().await;
    let commands = world.commands(&account).await;
    let last = commands.last().expect("a third command");
    assert_eq!(last.busy, 2);
    assert_eq!(last.state, CommandState::Done);
    let state = world.seen();
    assert_eq!(state.accepted.len(), 3, "accepted once");
    assert_eq!(
        state.send_calls.iter().filter(|id| **id == last.id).count(),
        3,
        "sent three times under one id"
    );
}

/// A job delivered again sends nothing twice; a send whose answer was lost is sent again under
/// the same id (one command for Allegro); a plan made again stores no second command.
pub async fn a_redelivered_job_sends_nothing_twice(base: impl Deref<Target = Ports>) {
    let world = World::new(&base);
    let now = world.clock.now();
    world.product(stock("INK", 5), ChangeSource::Web).await;
    let account = world
        .account("redeliver", Environment::Production, |s| {
            s.stock_control = true
        })
        .await;
    world
        .offer(&account, live(&account, "I1", "INK", 5, now))
        .await;
    world.product(stock("INK", 6), ChangeSource::Web).await;

    let plan = world.queue.take_next().expect("a plan job").1;
    for _ in 0..2 {
        service::handle_body(&world.ports, Some(&*world.allegro), &plan)
            .await
            .expect("plan");
    }
    assert_eq!(
        world.commands(&account).await.len(),
        1,
        "one command for a plan run twice"
    );
    let jobs = world.queue.pending();
    let first = jobs.first().expect("the command's first step").clone();
    world.queue.jobs.lock().expect("jobs").clear();
    let sent = service::handle_body(&world.ports, Some(&*world.allegro), &first)
        .await
        .expect("step");
    assert!(matches!(sent, JobOutcome::Sent(_)), "{sent:?}");
    // Delivered again once its report is due: the step was made, so it does nothing.
    world.clock.advance(Duration::seconds(30));
    let again = service::handle_body(&world.ports, Some(&*world.allegro), &first)
        .await
        .expect("step again");
    assert_eq!(again, JobOutcome::Nothing);
    assert_eq!(world.allegro.state().send_calls.len(), 1, "sent once");
    assert_eq!(world.allegro.state().report_reads, 0, "nothing else done");
    world.drain().await;
    assert_eq!(world.commands(&account).await[0].state, CommandState::Done);

    // The answer is lost after Allegro took the command: the retry uses the same id.
    world.allegro.state().lose_next_answer = true;
    world.product(stock("INK", 8), ChangeSource::Web).await;
    world.drain().await;
    let state = world.seen();
    assert_eq!(state.accepted.len(), 2, "one command for Allegro");
    let last = &state.accepted[1].id;
    assert_eq!(state.send_calls.iter().filter(|id| *id == last).count(), 2);
    assert_eq!(world.stored_offer(&account, "I1").await.stock, 8);
}

/// An ended buy-now offer with stock is renewed once (price, stock, then ACTIVATE); one whose
/// "do not renew" is on, an auction, an archived offer, one ended 60 days ago and a test-mode
/// account's are left alone; a renewed offer gets price sync on when the account's was on;
/// a product's stock rising renews too.
pub async fn an_ended_buy_now_offer_with_stock_renews_once(base: impl Deref<Target = Ports>) {
    let world = World::new(&base);
    let now = world.clock.now();
    world.product(stock("LAMP", 4), ChangeSource::Api).await;
    world
        .product(priced("LAMP", "Default", "59.00"), ChangeSource::Api)
        .await;
    let renew = |s: &mut crate::domain::offer::OfferSettings| {
        s.renew_automatically = true;
        s.renew_at_current_price = true;
        s.price_sync = true;
        s.price_sync_since = Some(Utc::now() - Duration::days(1));
    };
    let account = world.account("renew", Environment::Production, renew).await;
    let test_account = world
        .account("renew-test", Environment::Sandbox, renew)
        .await;
    let due = ended(&account, "R1", "LAMP", 5, now);
    let opted_out = MarketOffer {
        no_auto_renew: true,
        ..ended(&account, "R2", "LAMP", 5, now)
    };
    let auction = MarketOffer {
        format: SellingFormat::Auction,
        ..ended(&account, "R3", "LAMP", 5, now)
    };
    let archived = MarketOffer {
        archived: true,
        ..ended(&account, "R4", "LAMP", 5, now)
    };
    let too_old = ended(&account, "R5", "LAMP", 60, now);
    let test_mode = ended(&test_account, "R6", "LAMP", 5, now);
    for offer in [&due, &opted_out, &auction, &archived, &too_old] {
        world.offer(&account, offer.clone()).await;
    }
    world.offer(&test_account, test_mode.clone()).await;

    let mut queued = Vec::new();
    for offer in [&due, &due, &opted_out, &auction, &archived, &too_old] {
        queued.push(
            service::offer_changed(&world.ports, &account, offer)
                .await
                .expect("offer changed"),
        );
    }
    queued.push(
        service::offer_changed(&world.ports, &test_account, &test_mode)
            .await
            .expect("offer changed"),
    );
    assert_eq!(queued, [true, true, false, false, false, false, false]);
    world.drain().await;

    let changes: Vec<(OfferChange, Vec<String>)> = world
        .accepted()
        .into_iter()
        .map(|a| (a.change, a.offers))
        .collect();
    let r1 = vec!["R1".to_owned()];
    assert_eq!(
        changes,
        [
            (
                OfferChange::Price {
                    amount: "59.00".into(),
                    currency: "PLN".into()
                },
                r1.clone()
            ),
            (OfferChange::Quantity { value: 4 }, r1.clone()),
            (OfferChange::Activate, r1.clone()),
        ],
        "renewed once, at the product's price, with its stock"
    );
    let renewed = world.stored_offer(&account, "R1").await;
    assert_eq!(renewed.status, OfferStatus::Activating);
    assert!(renewed.price_sync, "renewed after price sync was on");
    assert_eq!(
        world.log_kinds(&account).await,
        [AccountEventKind::OfferRenewal; 3]
    );
    assert!(world.commands(&test_account).await.is_empty());

    // A product out of stock renews nothing until its stock rises.
    world.product(stock("BULB", 0), ChangeSource::Api).await;
    let waiting = ended(&account, "R7", "BULB", 2, now);
    world.offer(&account, waiting.clone()).await;
    assert!(!service::offer_changed(&world.ports, &account, &waiting)
        .await
        .expect("offer changed"));
    world.product(stock("BULB", 2), ChangeSource::Api).await;
    world.drain().await;
    let last: Vec<(OfferChange, Vec<String>)> = world
        .accepted()
        .into_iter()
        .skip(3)
        .map(|a| (a.change, a.offers))
        .collect();
    let r7 = vec!["R7".to_owned()];
    assert_eq!(
        last,
        [
            (OfferChange::Quantity { value: 2 }, r7.clone()),
            (OfferChange::Activate, r7),
        ],
        "no price in the Default list for BULB: renewed at the offer's price"
    );
}

/// A price change in the account's price list reaches the linked offers with price sync on,
/// grouped by price, in the list's currency; offers with it off, other lists and accounts
/// without price sync are left alone.
pub async fn price_changes_reach_the_opted_in_offers_only(base: impl Deref<Target = Ports>) {
    let world = World::new(&base);
    let now = world.clock.now();
    catalogue::create_price_list(
        &world.ports,
        &world.caller,
        NewPriceList {
            name: "EUR".into(),
            currency: Some("EUR".into()),
        },
    )
    .await
    .expect("price list");
    world.product(stock("VASE", 3), ChangeSource::Api).await;
    let account = world
        .account("prices", Environment::Production, |s| {
            s.price_sync = true;
            s.price_list = Some("EUR".into());
        })
        .await;
    let unsynced = world
        .account("noprices", Environment::Production, |_| {})
        .await;
    let opted_in = MarketOffer {
        price_sync: true,
        ..live(&account, "V1", "VASE", 3, now)
    };
    let opted_out = live(&account, "V2", "VASE", 3, now);
    let other_account = MarketOffer {
        price_sync: true,
        ..live(&unsynced, "V3", "VASE", 3, now)
    };
    world.offer(&account, opted_in).await;
    world.offer(&account, opted_out).await;
    world.offer(&unsynced, other_account).await;

    world
        .product(priced("VASE", "Default", "99.00"), ChangeSource::Api)
        .await;
    world.drain().await;
    assert!(world.accepted().is_empty(), "another price list: nothing");
    world
        .product(priced("VASE", "EUR", "21.50"), ChangeSource::Api)
        .await;
    world.drain().await;
    let accepted = world.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(
        accepted[0].change,
        OfferChange::Price {
            amount: "21.50".into(),
            currency: "EUR".into()
        }
    );
    assert_eq!(accepted[0].offers, ["V1"]);
    assert_eq!(
        world.stored_offer(&account, "V1").await.price.as_deref(),
        Some("21.50")
    );

    // Failures per offer are retried (bounded) and each command is logged; the list shows
    // every command with its outcome.
    world
        .allegro
        .state()
        .failing
        .insert("V1".into(), "offer validation failed".into());
    world
        .product(priced("VASE", "EUR", "22.00"), ChangeSource::Api)
        .await;
    world.drain().await;
    let page = service::list(
        &world.ports,
        &world.tenant,
        &account.id,
        &CommandsQuery::default(),
    )
    .await
    .expect("list");
    assert_eq!(
        page.commands.len(),
        1 + 1 + service::MAX_RETRIES as usize,
        "the first, the failing one and its retries"
    );
    assert!(page.commands[0].failed_offers()[0].1.contains("validation"));
    assert!(page.commands[0].retry == service::MAX_RETRIES);
    assert_eq!(
        world.log_kinds(&account).await.len(),
        page.commands.len(),
        "every command logged"
    );
}
