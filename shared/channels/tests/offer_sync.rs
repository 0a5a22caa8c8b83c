//! The offers channel end to end against the simulator (issue 18): an account with offers
//! switched on is read in full with every offer's EAN, a stock change in Allegro reaches the
//! stored offer through the journal, and automatic linking links only the offers with an event
//! after it was switched on.

mod common;

use common::orders::World;
use marketdesk_channels::allegro::offers::AllegroOfferReader;
use marketdesk_core::domain::offer::{stamp_switches, MarketOffer};
use marketdesk_core::domain::product::Product;
use marketdesk_core::domain::Channel;
use marketdesk_core::jobs::PollJob;
use marketdesk_core::ports::MarketplaceRegistry;
use marketdesk_core::repo::{integrations, offers, products};
use marketdesk_core::services::poller::{self, PollOutcome};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

const MUG_EAN: &str = "5901234123457";

struct Offers {
    w: World,
    registry: MarketplaceRegistry,
}

impl Offers {
    async fn start(login: &str) -> Self {
        let w = World::start(login, false).await;
        let reader = AllegroOfferReader::new(
            common::allegro_access(&w.ports, &w.clients),
            w.clients.clone(),
        );
        let registry = w.registry.clone().with_offer_reader(Arc::new(reader));
        Self { w, registry }
    }

    async fn offer(&self, name: &str, ean: &str) -> String {
        self.w
            .control
            .create(
                "/allegro/offers",
                json!({ "seller_id": self.w.seller_id, "name": name, "ean": ean, "stock": 8 }),
            )
            .await
    }

    /// Changes the account's offer settings as the settings patch does (switch times stamped).
    async fn settings(
        &self,
        change: impl FnOnce(&mut marketdesk_core::domain::offer::OfferSettings),
    ) {
        let i = &self.w.integration;
        let stored = integrations::get(&*self.w.ports.store, &i.tenant_id, &i.id)
            .await
            .expect("read")
            .expect("stored");
        let mut integration = stored.value.clone();
        change(&mut integration.settings.offers);
        stamp_switches(
            &stored.value.settings.offers,
            &mut integration.settings.offers,
            chrono::Utc::now(),
        );
        integrations::update(&*self.w.ports.store, &integration, stored.version)
            .await
            .expect("settings stored");
    }

    async fn poll(&self) -> PollOutcome {
        let i = &self.w.integration;
        let job = PollJob::new(i.tenant_id.clone(), i.id.clone(), Channel::AllegroOffers);
        poller::run(&self.w.ports, &self.registry, &job)
            .await
            .expect("offers poll")
    }

    async fn stored(&self, id: &str) -> MarketOffer {
        let i = &self.w.integration;
        offers::get(&*self.w.ports.store, &i.tenant_id, &i.id, id)
            .await
            .expect("read")
            .expect("stored")
            .value
    }
}

#[tokio::test]
async fn offers_are_read_with_their_ean_kept_current_by_the_journal_and_linked_after_the_switch() {
    let o = Offers::start("sklep_oferty_sync").await;
    let mug = o.offer("Kubek ceramiczny biały", MUG_EAN).await;
    let twin = o.offer("Kubek ceramiczny biały 2", MUG_EAN).await;
    let plate = o.offer("Talerz płytki biały", "96385074").await;
    let now = chrono::Utc::now();
    let product = Product {
        sku: "KUB-1".into(),
        name: "Kubek".into(),
        ean: Some(MUG_EAN.into()),
        stock: 3,
        unit: Default::default(),
        prices: BTreeMap::new(),
        image_url: None,
        created_at: now,
        updated_at: now,
    };
    products::save(
        &*o.w.ports.store,
        &o.w.integration.tenant_id,
        &product,
        None,
        &[],
    )
    .await
    .expect("product");

    // Switched off: nothing is read.
    assert_eq!(o.poll().await, PollOutcome::Skipped);
    o.settings(|s| s.enabled = true).await;
    o.w.clear_calls().await;
    assert!(matches!(o.poll().await, PollOutcome::Polled { .. }));
    for (id, ean) in [(&mug, MUG_EAN), (&twin, MUG_EAN), (&plate, "96385074")] {
        let offer = o.stored(id).await;
        assert_eq!(offer.ean.as_deref(), Some(ean), "{id}");
        assert_eq!(offer.stock, 8);
        assert_eq!(offer.product_sku, None, "linking is off");
    }
    o.stored(&o.w.offer_id).await; // the world's own offer too

    // A stock change in Allegro reaches the stored offer through the journal, read once.
    o.w.act(
        &format!("/allegro/offers/{plate}/stock"),
        json!({ "stock": 3 }),
    )
    .await;
    o.poll().await;
    assert_eq!(o.stored(&plate).await.stock, 3);

    // Linking switched on: the offer with an event since is linked, its twin with the same EAN
    // and no event stays unlinked until something happens on it.
    o.settings(|s| s.link_automatically = true).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    o.w.act(
        &format!("/allegro/offers/{mug}/stock"),
        json!({ "stock": 5 }),
    )
    .await;
    o.poll().await;
    let linked = o.stored(&mug).await;
    assert_eq!(linked.product_sku.as_deref(), Some("KUB-1"));
    assert_eq!(linked.stock, 5);
    assert!(linked.no_auto_renew);
    assert_eq!(o.stored(&twin).await.product_sku, None);
    assert_eq!(
        o.stored(&plate).await.product_sku,
        None,
        "no product has its EAN"
    );
}
