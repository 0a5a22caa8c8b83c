//! The offer ports on Allegro against the simulator (issue 18): every offer is read with its
//! status, format and EAN, the journal shows a change, a stock change for 1 000 offers is one
//! command (and the calls it costs are counted), a second command while the first runs is
//! refused as `Busy`, an ended buy-now offer renews under its number and an auction does not.

mod common;

use chrono::Utc;
use common::orders::World;
use marketdesk_channels::allegro::offers::{AllegroOfferCommands, AllegroOfferReader};
use marketdesk_core::domain::offer::{OfferStatus, SellingFormat};
use marketdesk_core::ports::offers::{
    CommandError, CommandReport, OfferChange, OfferCommandKind, OfferCommands, OfferEventKind,
    OfferReader, TaskOutcome,
};
use serde_json::{json, Value};

struct Offers {
    w: World,
    reader: AllegroOfferReader,
    commands: AllegroOfferCommands,
}

impl Offers {
    async fn start(login: &str) -> Self {
        let w = World::start(login, false).await;
        let reader = AllegroOfferReader::new(
            common::allegro_access(&w.ports, &w.clients),
            w.clients.clone(),
        );
        let commands = AllegroOfferCommands::new(
            common::allegro_access(&w.ports, &w.clients),
            w.clients.clone(),
        );
        Self {
            w,
            reader,
            commands,
        }
    }

    /// A new offer of the seller (control API); its id.
    async fn offer(&self, extra: Value) -> String {
        let mut body = json!({ "seller_id": self.w.seller_id, "name": "Kubek ceramiczny" });
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        self.w.control.create("/allegro/offers", body).await
    }

    /// The command's report once its tasks finished (5 s at most).
    async fn finished(&self, kind: OfferCommandKind, id: &str) -> CommandReport {
        for _ in 0..100 {
            let report = self
                .commands
                .report(&self.w.integration, kind, id)
                .await
                .expect("report");
            if report.completed {
                return report;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("command {id} did not finish");
    }

    /// Marketplace calls whose path starts with `prefix` since the log was last cleared.
    async fn calls(&self, prefix: &str) -> Vec<Value> {
        self.w.control.requests(prefix).await
    }
}

fn command_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test]
async fn every_offer_is_read_with_its_ean_and_the_journal_shows_a_change() {
    let o = Offers::start("sklep_oferty_odczyt").await;
    let mug = o
        .offer(json!({ "ean": "5901234123457", "price": "24.99", "stock": 8 }))
        .await;
    let auction = o
        .offer(json!({ "ean": "5909876543210", "format": "AUCTION" }))
        .await;
    let ended_at = Utc::now() - chrono::Duration::days(2);
    let ended = o
        .offer(json!({ "ean": "96385074", "ended_at": ended_at }))
        .await;

    let page = o
        .reader
        .offers(&o.w.integration, 0, 1000)
        .await
        .expect("page");
    assert_eq!(page.total, 4, "the world's offer and three more");
    let listed = |id: &str| {
        page.offers
            .iter()
            .find(|offer| offer.id == id)
            .cloned()
            .expect("listed")
    };
    let listed_mug = listed(&mug);
    assert_eq!(
        (listed_mug.status, listed_mug.format, listed_mug.stock),
        (OfferStatus::Active, SellingFormat::BuyNow, 8)
    );
    assert_eq!(listed_mug.price.as_deref(), Some("24.99"));
    assert_eq!(listed_mug.ean, None, "the list does not carry the EAN");
    assert_eq!(listed(&auction).format, SellingFormat::Auction);
    assert_eq!(listed(&ended).status, OfferStatus::Ended);

    let full = o
        .reader
        .offer(&o.w.integration, &mug)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(full.ean.as_deref(), Some("5901234123457"));
    assert_eq!(full.currency.as_deref(), Some("PLN"));
    let ended_full = o
        .reader
        .offer(&o.w.integration, &ended)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(ended_full.ean.as_deref(), Some("96385074"));
    let when = ended_full.ended_at.expect("an end time");
    assert!((when - ended_at).num_seconds().abs() <= 1, "{when}");
    assert_eq!(
        o.reader
            .offer(&o.w.integration, "99999999999")
            .await
            .expect("read"),
        None
    );

    // A reader starts at the newest event and sees what follows.
    let start = o
        .reader
        .newest_event(&o.w.integration)
        .await
        .expect("newest");
    o.w.act(
        &format!("/allegro/offers/{mug}/stock"),
        json!({ "stock": 3 }),
    )
    .await;
    let events = o
        .reader
        .events_after(&o.w.integration, start.as_deref())
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].offer_id, mug);
    assert_eq!(events[0].kind, OfferEventKind::StockChanged);
    let newest = o
        .reader
        .newest_event(&o.w.integration)
        .await
        .expect("newest");
    assert_eq!(newest.as_deref(), Some(events[0].id.as_str()));
}

#[tokio::test]
async fn a_stock_change_for_1000_offers_is_one_command() {
    let o = Offers::start("sklep_tysiac").await;
    let mut ids = Vec::new();
    for n in 0..1000 {
        ids.push(o.offer(json!({ "name": format!("Kubek {n}") })).await);
    }
    o.w.clear_calls().await;
    let id = command_id();
    o.commands
        .send(
            &o.w.integration,
            &id,
            &OfferChange::Quantity { value: 7 },
            &ids,
        )
        .await
        .expect("sent");
    let report = o.finished(OfferCommandKind::Quantity, &id).await;
    assert_eq!(report.tasks.len(), 1000);
    assert!(report
        .tasks
        .iter()
        .all(|(_, outcome)| *outcome == TaskOutcome::Succeeded));
    let calls = o.calls("/sale/offer-quantity-change-commands").await;
    let puts = calls.iter().filter(|c| c["method"] == "PUT").count();
    let task_reads = calls
        .iter()
        .filter(|c| c["path"].as_str().is_some_and(|p| p.ends_with("/tasks")))
        .count();
    let summaries = calls.len() - puts - task_reads;
    // The measure of issue 18: one command, one page of tasks, and one summary per look
    // (the simulator runs tasks after 100 ms; the test looks every 50 ms).
    println!(
        "Allegro calls to push one stock change to 1000 offers: {} ({puts} command, {summaries} summaries, {task_reads} task page)",
        calls.len()
    );
    assert_eq!((puts, task_reads), (1, 1), "{calls:?}");
    assert!((1..=4).contains(&summaries), "{calls:?}");
    assert!(calls.iter().all(|c| c["status"].as_u64() < Some(300)));

    // The world's own offer makes 1 001: two pages.
    let mut offers = Vec::new();
    for offset in [0, 1000] {
        let page = o
            .reader
            .offers(&o.w.integration, offset, 1000)
            .await
            .expect("page");
        offers.extend(page.offers);
    }
    let changed = offers
        .iter()
        .filter(|offer| ids.contains(&offer.id))
        .filter(|offer| offer.stock == 7)
        .count();
    assert_eq!(changed, 1000);
    let listed = o.w.control.get("/allegro/offer-commands").await;
    assert_eq!(listed["counts"]["quantity"], 1, "{listed}");
}

#[tokio::test]
async fn a_second_command_while_the_first_runs_is_busy_and_a_lost_answer_is_sent_again() {
    let o = Offers::start("sklep_zajety").await;
    let offer = vec![o.offer(json!({})).await];
    o.w.act(
        "/allegro/offer-commands/settings",
        json!({ "task_delay_ms": 60_000 }),
    )
    .await;
    let first = command_id();
    let quantity = OfferChange::Quantity { value: 5 };
    o.commands
        .send(&o.w.integration, &first, &quantity, &offer)
        .await
        .expect("sent");
    let price = OfferChange::Price {
        amount: "19.99".into(),
        currency: "PLN".into(),
    };
    let second = command_id();
    assert_eq!(
        o.commands
            .send(&o.w.integration, &second, &price, &offer)
            .await,
        Err(CommandError::Busy)
    );
    // The first answer was lost: the same command again is no second command.
    o.commands
        .send(&o.w.integration, &first, &quantity, &offer)
        .await
        .expect("the same command");
    let waiting = o
        .commands
        .report(&o.w.integration, OfferCommandKind::Quantity, &first)
        .await
        .expect("report");
    assert!(!waiting.completed);
    // A reused id for another command is refused, not taken for busy.
    let reused = o
        .commands
        .send(
            &o.w.integration,
            &first,
            &OfferChange::Quantity { value: 6 },
            &offer,
        )
        .await;
    assert!(
        matches!(reused, Err(CommandError::Marketplace(_))),
        "{reused:?}"
    );
    o.w.act("/allegro/offer-commands/finish", json!({})).await;
    let done = o.finished(OfferCommandKind::Quantity, &first).await;
    assert_eq!(done.tasks, vec![(offer[0].clone(), TaskOutcome::Succeeded)]);
    o.commands
        .send(&o.w.integration, &second, &price, &offer)
        .await
        .expect("taken once the first finished");
    // An id Allegro never saw has no report.
    assert!(o
        .commands
        .report(&o.w.integration, OfferCommandKind::Price, &command_id())
        .await
        .is_err());
}

#[tokio::test]
async fn an_ended_buy_now_offer_renews_under_its_number_and_an_auction_is_refused() {
    let o = Offers::start("sklep_wznowienie").await;
    let ended_at = Utc::now() - chrono::Duration::days(10);
    let buy_now = o.offer(json!({ "stock": 4, "ended_at": ended_at })).await;
    let auction = o
        .offer(json!({ "stock": 1, "format": "AUCTION", "ended_at": ended_at }))
        .await;
    let start = o
        .reader
        .newest_event(&o.w.integration)
        .await
        .expect("newest");
    let id = command_id();
    let both = vec![buy_now.clone(), auction.clone()];
    o.commands
        .send(&o.w.integration, &id, &OfferChange::Activate, &both)
        .await
        .expect("sent");
    let report = o.finished(OfferCommandKind::Publication, &id).await;
    let outcome = |offer: &str| {
        report
            .tasks
            .iter()
            .find(|(id, _)| id == offer)
            .map(|(_, outcome)| outcome.clone())
            .expect("a task")
    };
    assert_eq!(outcome(&buy_now), TaskOutcome::Succeeded);
    assert!(
        matches!(outcome(&auction), TaskOutcome::Failed(message) if message.contains("auction")),
        "{report:?}"
    );
    let renewed = o
        .reader
        .offer(&o.w.integration, &buy_now)
        .await
        .expect("read")
        .expect("the same number");
    assert_eq!(renewed.status, OfferStatus::Active);
    let still = o
        .reader
        .offer(&o.w.integration, &auction)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(still.status, OfferStatus::Ended);
    let events = o
        .reader
        .events_after(&o.w.integration, start.as_deref())
        .await
        .expect("events");
    assert_eq!(
        events
            .iter()
            .map(|e| (e.offer_id.as_str(), e.kind))
            .collect::<Vec<_>>(),
        vec![(buy_now.as_str(), OfferEventKind::Activated)]
    );
}

#[tokio::test]
async fn the_wired_channels_read_and_change_offers_through_the_budget() {
    use marketdesk_channels::settings::{AllegroSettings, ChannelSettings};
    use marketdesk_channels::wiring::Channels;
    use marketdesk_core::ports::Marketplaces;
    use secrecy::SecretString;

    let o = Offers::start("sklep_okablowany").await;
    let base = o.w.sandbox.base_url.clone();
    let settings = ChannelSettings {
        user_agent: common::UA.into(),
        public_url: None,
        allegro: Some(AllegroSettings {
            client_id: common::CLIENT_ID.into(),
            client_secret: SecretString::from(common::CLIENT_SECRET.to_owned()),
            api_url: Some(base.clone()),
            auth_url: Some(base.clone()),
        }),
        empik_api_url: base,
        max_answer_bytes: marketdesk_channels::settings::DEFAULT_MAX_ANSWER_BYTES,
        allegro_budget: marketdesk_core::services::budget::BudgetPolicy::allegro(),
    };
    let channels = Channels::build(&o.w.ports, &settings).expect("channels");
    let reader = channels.registry.offer_reader().expect("an offer reader");
    let commands = channels
        .deliveries
        .offer_commands()
        .expect("offer commands");
    let page = reader.offers(&o.w.integration, 0, 100).await.expect("page");
    assert_eq!(page.offers.len(), 1);
    let id = command_id();
    commands
        .send(
            &o.w.integration,
            &id,
            &OfferChange::End,
            std::slice::from_ref(&o.w.offer_id),
        )
        .await
        .expect("sent");
    let without_allegro = Channels::build(
        &o.w.ports,
        &ChannelSettings {
            allegro: None,
            ..settings
        },
    )
    .expect("channels");
    assert!(without_allegro.registry.offer_reader().is_none());
    assert!(without_allegro.deliveries.offer_commands().is_none());
}
