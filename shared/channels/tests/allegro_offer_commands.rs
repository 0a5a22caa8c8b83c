//! Offer commands end to end against the simulator (issue 18 items 4–5): a product's stock
//! change reaches its 1 000 linked offers as one quantity command through the outbox (the
//! Allegro calls it costs are counted), and an ended buy-now offer is renewed under its number
//! (stock first, then `ACTIVATE`) while an ended auction is left alone.

mod common;

use chrono::Utc;
use common::orders::World;
use marketdesk_channels::allegro::offers::{AllegroOfferCommands, AllegroOfferReader};
use marketdesk_core::domain::offer::{MarketOffer, OfferStatus, SellingFormat};
use marketdesk_core::domain::offer_command::CommandState;
use marketdesk_core::domain::product::ChangeSource;
use marketdesk_core::domain::{Actor, Environment, Role};
use marketdesk_core::ports::offers::OfferReader;
use marketdesk_core::ports::DeliveryRegistry;
use marketdesk_core::repo::{integrations, offer_commands, offers};
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::catalogue::{self, BulkUpsert, ProductUpsert};
use marketdesk_core::services::{offer_commands as service, sender};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

struct Desk {
    w: World,
    reader: AllegroOfferReader,
    registry: DeliveryRegistry,
    caller: Caller,
}

impl Desk {
    /// A production account with stock control, raising stock and renewal on.
    async fn start(login: &str) -> Self {
        let mut w = World::start(login, false).await;
        let mut integration = w.integration.clone();
        integration.environment = Environment::Production;
        let offer_settings = &mut integration.settings.offers;
        offer_settings.enabled = true;
        offer_settings.stock_control = true;
        offer_settings.raise_stock = true;
        offer_settings.renew_automatically = true;
        let stored = integrations::get(&*w.ports.store, &integration.tenant_id, &integration.id)
            .await
            .expect("read")
            .expect("stored");
        integrations::update(&*w.ports.store, &integration, stored.version)
            .await
            .expect("settings");
        w.integration = integration;
        let reader = AllegroOfferReader::new(
            common::allegro_access(&w.ports, &w.clients),
            w.clients.clone(),
        );
        let commands = AllegroOfferCommands::new(
            common::allegro_access(&w.ports, &w.clients),
            w.clients.clone(),
        );
        let registry = DeliveryRegistry::empty().with_offer_commands(Arc::new(commands));
        let caller = Caller {
            tenant_id: w.integration.tenant_id.clone(),
            role: Role::Admin,
            actor: Actor::ApiKey {
                id: "key-erp".into(),
                name: None,
            },
            session: None,
        };
        Self {
            w,
            reader,
            registry,
            caller,
        }
    }

    /// A new offer in the simulator, stored in marketdesk as read and linked to `sku`.
    async fn linked_offer(&self, sku: &str, extra: Value) -> MarketOffer {
        let mut body = json!({ "seller_id": self.w.seller_id, "name": "Kubek ceramiczny" });
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        let id = self.w.control.create("/allegro/offers", body).await;
        let read = self
            .reader
            .offer(&self.w.integration, &id)
            .await
            .expect("read")
            .expect("found");
        let now = Utc::now();
        let offer = MarketOffer {
            id: read.id,
            integration_id: self.w.integration.id.to_string(),
            name: read.name,
            status: read.status,
            format: read.format,
            stock: read.stock,
            price: read.price,
            currency: read.currency,
            ean: read.ean,
            image_url: read.image_url,
            ended_at: read.ended_at,
            archived: false,
            product_sku: Some(sku.into()),
            linked_at: Some(now),
            no_auto_renew: false,
            price_sync: false,
            read_at: now,
        };
        offers::save(
            &*self.w.ports.store,
            &self.w.integration.tenant_id,
            &self.w.integration.id,
            &offer,
            None,
        )
        .await
        .expect("stored");
        offer
    }

    async fn stock(&self, sku: &str, stock: u32) {
        let report = catalogue::upsert(
            &self.w.ports,
            &self.caller,
            BulkUpsert {
                products: vec![ProductUpsert {
                    sku: sku.into(),
                    name: Some(format!("Produkt {sku}")),
                    stock: Some(stock),
                    ..ProductUpsert::default()
                }],
            },
            ChangeSource::Api,
        )
        .await
        .expect("upsert");
        assert!(report.rejected.is_empty(), "{report:?}");
    }

    /// Runs the outbound queue as the sender does until it is empty (delayed jobs included).
    async fn run_outbox(&self) {
        let queue = &self.w.ports.queues.outbound;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let messages = queue
                .receive(10, Duration::from_secs(30))
                .await
                .expect("receive");
            for message in &messages {
                sender::handle_body(&self.w.ports, &self.registry, &message.body)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", message.body));
                queue.delete(&message.receipt).await.expect("delete");
            }
            if messages.is_empty() {
                let stats = queue.stats().await.expect("stats").expect("counted");
                if stats.waiting == 0 && stats.in_flight == 0 {
                    return;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the outbox never emptied"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    async fn calls(&self, prefix: &str) -> Vec<Value> {
        self.w.control.requests(prefix).await
    }
}

#[tokio::test]
async fn a_stock_change_reaches_1000_linked_offers_as_one_command() {
    let d = Desk::start("sklep_stany").await;
    d.stock("MUG", 5).await;
    let mut ids = Vec::new();
    for n in 0..1000 {
        let offer = d
            .linked_offer("MUG", json!({ "name": format!("Kubek {n}"), "stock": 5 }))
            .await;
        ids.push(offer.id);
    }
    d.w.clear_calls().await;

    d.stock("MUG", 7).await;
    d.run_outbox().await;

    let calls = d.calls("/sale/").await;
    let puts = calls.iter().filter(|c| c["method"] == "PUT").count();
    println!(
        "Allegro calls to push one stock change to 1000 linked offers through the outbox: {} ({puts} command PUT, {} report reads)",
        calls.len(),
        calls.len() - puts
    );
    assert_eq!(puts, 1, "{calls:?}");
    assert!(
        calls.iter().all(|c| c["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/sale/offer-quantity-change-commands"))),
        "{calls:?}"
    );
    assert!(calls.len() <= 4, "{calls:?}");
    let mut changed = 0;
    for offset in [0, 1000] {
        let page = d
            .reader
            .offers(&d.w.integration, offset, 1000)
            .await
            .expect("page");
        changed += page
            .offers
            .iter()
            .filter(|o| ids.contains(&o.id) && o.stock == 7)
            .count();
    }
    assert_eq!(changed, 1000, "every linked offer has the new stock");
    let (commands, _) = offer_commands::page(
        &*d.w.ports.store,
        &d.w.integration.tenant_id,
        &d.w.integration.id,
        None,
        10,
    )
    .await
    .expect("commands");
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].state, CommandState::Done);
    assert_eq!(commands[0].succeeded_offers().len(), 1000);
}

#[tokio::test]
async fn an_ended_buy_now_offer_is_renewed_under_its_number_and_an_auction_is_not() {
    let d = Desk::start("sklep_wznawia").await;
    d.stock("LAMP", 3).await;
    let ended_at = Utc::now() - chrono::Duration::days(10);
    let buy_now = d
        .linked_offer("LAMP", json!({ "stock": 0, "ended_at": ended_at }))
        .await;
    let auction = d
        .linked_offer(
            "LAMP",
            json!({ "stock": 0, "format": "AUCTION", "ended_at": ended_at }),
        )
        .await;
    assert_eq!(
        (buy_now.status, auction.format),
        (OfferStatus::Ended, SellingFormat::Auction)
    );
    d.w.clear_calls().await;

    assert!(
        service::offer_changed(&d.w.ports, &d.w.integration, &buy_now)
            .await
            .expect("changed")
    );
    assert!(
        !service::offer_changed(&d.w.ports, &d.w.integration, &auction)
            .await
            .expect("changed")
    );
    d.run_outbox().await;

    let renewed = d
        .reader
        .offer(&d.w.integration, &buy_now.id)
        .await
        .expect("read")
        .expect("the same number");
    assert!(
        matches!(
            renewed.status,
            OfferStatus::Active | OfferStatus::Activating
        ),
        "{renewed:?}"
    );
    assert_eq!(renewed.stock, 3, "stocked before renewal");
    let still = d
        .reader
        .offer(&d.w.integration, &auction.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(still.status, OfferStatus::Ended);
    let puts: Vec<String> = d
        .calls("/sale/")
        .await
        .iter()
        .filter(|c| c["method"] == "PUT")
        .filter_map(|c| {
            c["path"]
                .as_str()
                .map(|p| p.rsplit_once('/').map_or(p, |(head, _)| head).to_owned())
        })
        .collect();
    assert_eq!(
        puts,
        [
            "/sale/offer-quantity-change-commands",
            "/sale/offer-publication-commands"
        ],
        "stock, then ACTIVATE, once"
    );
}

#[tokio::test]
async fn an_offer_that_ends_in_allegro_is_renewed_once_the_offer_sync_reads_it() {
    use marketdesk_core::domain::Channel;
    use marketdesk_core::jobs::PollJob;
    use marketdesk_core::services::poller;

    let d = Desk::start("sklep_konczy").await;
    d.stock("VASE", 4).await;
    let vase = d.linked_offer("VASE", json!({ "stock": 4 })).await;
    assert_eq!(vase.status, OfferStatus::Active);
    let reader = AllegroOfferReader::new(
        common::allegro_access(&d.w.ports, &d.w.clients),
        d.w.clients.clone(),
    );
    let registry = d.w.registry.clone().with_offer_reader(Arc::new(reader));
    let i = &d.w.integration;
    let job = PollJob::new(i.tenant_id.clone(), i.id.clone(), Channel::AllegroOffers);
    // The first poll reads everything and starts the journal; the offer keeps its link and
    // its "do not renew" switched off.
    poller::run(&d.w.ports, &registry, &job)
        .await
        .expect("first read");
    d.run_outbox().await;
    let stored = offers::get(&*d.w.ports.store, &i.tenant_id, &i.id, &vase.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.value.product_sku.as_deref(), Some("VASE"));
    assert!(!stored.value.no_auto_renew);

    // The offer ends in Allegro (its journal says so); the next poll reads it as ended and the
    // runner renews it under the same number.
    d.w.act(&format!("/allegro/offers/{}/end", vase.id), json!({}))
        .await;
    poller::run(&d.w.ports, &registry, &job)
        .await
        .expect("journal");
    let ended = offers::get(&*d.w.ports.store, &i.tenant_id, &i.id, &vase.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        ended.value.status,
        OfferStatus::Ended,
        "the sync saw the end"
    );
    d.run_outbox().await;
    let renewed = d
        .reader
        .offer(&d.w.integration, &vase.id)
        .await
        .expect("read")
        .expect("the same number");
    assert!(
        matches!(
            renewed.status,
            OfferStatus::Active | OfferStatus::Activating
        ),
        "{renewed:?}"
    );
    let activations = d.calls("/sale/offer-publication-commands").await;
    let puts = activations
        .iter()
        .filter(|call| call["method"] == "PUT")
        .count();
    assert_eq!(puts, 1, "renewed once: {activations:?}");
}
