//! The batch offer commands against the simulator: a stock change for many offers is one
//! command, its report and tasks are read (every page), a repeat with the same id is the same
//! command, a reused id and a busy offer are told apart, an ended buy-now offer renews under
//! its number and an auction does not.

mod common;

use common::Sim;
use marketdesk_allegro::offer_commands::{CommandEndpoint, CommandSendError, OfferModification};
use marketdesk_allegro::AccessToken;
use serde_json::json;

/// Waits (up to 5 s) until the command's report says its tasks finished.
async fn wait_done(sim: &Sim, token: &AccessToken, endpoint: CommandEndpoint, id: &str) {
    for _ in 0..100 {
        let report = sim
            .client
            .offer_command_report(token, endpoint, id)
            .await
            .expect("report")
            .expect("known command");
        if report.completed_at.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("command {id} did not finish");
}

async fn stock(sim: &Sim, token: &AccessToken, offer_id: &str) -> Option<u64> {
    sim.client
        .product_offer(token, offer_id)
        .await
        .expect("offer")
        .and_then(|o| o.stock)
        .and_then(|s| s.available)
}

#[tokio::test]
async fn a_stock_change_for_many_offers_is_one_command_whose_tasks_are_read() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_komendy").await;
    let mut offers = Vec::new();
    for n in 0..3 {
        offers.push(sim.offer(&seller_id, &format!("Kubek {n}"), None).await);
    }
    let id = "5f0c8a1e-8d1b-4c55-9a3e-0b7d7c6f2a11";
    let report = sim
        .client
        .send_offer_command(&token, id, &OfferModification::FixedQuantity(12), &offers)
        .await
        .expect("taken");
    assert_eq!(report.id.as_deref(), Some(id));
    assert_eq!(report.task_count.and_then(|c| c.total), Some(3));
    // The answer was lost? The same command again is the same command.
    sim.client
        .send_offer_command(&token, id, &OfferModification::FixedQuantity(12), &offers)
        .await
        .expect("the same command");
    wait_done(&sim, &token, CommandEndpoint::Quantity, id).await;
    let tasks = sim
        .client
        .offer_command_tasks(&token, CommandEndpoint::Quantity, id)
        .await
        .expect("tasks")
        .expect("known command");
    assert_eq!(tasks.len(), 3);
    assert!(tasks.iter().all(|t| t.status.as_deref() == Some("SUCCESS")));
    for offer in &offers {
        assert_eq!(stock(&sim, &token, offer).await, Some(12));
    }
    let listed = sim.control.get("/allegro/offer-commands").await;
    assert_eq!(listed["counts"]["quantity"], 1, "{listed}");
    // Unknown ids have no report.
    assert!(sim
        .client
        .offer_command_report(&token, CommandEndpoint::Price, id)
        .await
        .expect("answered")
        .is_none());
    // More than 1000 offers is never sent.
    let too_many: Vec<String> = (0..1001).map(|n| n.to_string()).collect();
    let refused = sim
        .client
        .send_offer_command(
            &token,
            "6a1d9b2f-9e2c-4d66-8b4f-1c8e8d7f3b22",
            &OfferModification::End,
            &too_many,
        )
        .await;
    assert!(matches!(refused, Err(CommandSendError::Api(_))));
}

#[tokio::test]
async fn a_busy_offer_is_told_from_a_reused_id() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_zajety").await;
    let offer = vec![sim.offer(&seller_id, "Talerz", None).await];
    let (status, _) = sim
        .control
        .post_status(
            "/allegro/offer-commands/settings",
            &json!({ "task_delay_ms": 60_000 }),
        )
        .await;
    assert_eq!(status, 200);
    let first = "7b2eac30-af3d-4e77-9c50-2d9f9e804c33";
    let second = "8c3fbd41-b04e-4f88-8d61-3eaf0f915d44";
    sim.client
        .send_offer_command(&token, first, &OfferModification::FixedQuantity(3), &offer)
        .await
        .expect("taken");
    let price = OfferModification::FixedPrice {
        amount: "19.99".into(),
        currency: "PLN".into(),
    };
    let busy = sim
        .client
        .send_offer_command(&token, second, &price, &offer)
        .await;
    assert!(matches!(busy, Err(CommandSendError::Busy)), "{busy:?}");
    let reused = sim
        .client
        .send_offer_command(&token, first, &OfferModification::FixedQuantity(4), &offer)
        .await;
    assert!(
        matches!(reused, Err(CommandSendError::IdReused)),
        "{reused:?}"
    );
    let waiting = sim
        .client
        .offer_command_tasks(&token, CommandEndpoint::Quantity, first)
        .await
        .expect("tasks")
        .expect("known");
    assert_eq!(waiting[0].status.as_deref(), Some("NEW"));
    let (status, _) = sim
        .control
        .post_status("/allegro/offer-commands/finish", &json!({}))
        .await;
    assert_eq!(status, 200);
    // Once the first ran, the second (same id) is taken.
    sim.client
        .send_offer_command(&token, second, &price, &offer)
        .await
        .expect("taken after the first finished");
}

#[tokio::test]
async fn an_ended_buy_now_offer_renews_under_its_number_and_an_auction_does_not() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_wznowienia").await;
    let ended_at = chrono::Utc::now() - chrono::Duration::days(3);
    let buy_now = sim
        .create(
            "/allegro/offers",
            json!({ "seller_id": seller_id, "name": "Kubek", "stock": 4, "ended_at": ended_at }),
            "id",
        )
        .await;
    let auction = sim
        .create(
            "/allegro/offers",
            json!({ "seller_id": seller_id, "name": "Aukcja", "stock": 1, "format": "AUCTION",
                    "ended_at": ended_at }),
            "id",
        )
        .await;
    let id = "9d40ce52-c15f-4a99-8e72-4fb01fa26e55";
    let offers = vec![buy_now.clone(), auction.clone()];
    sim.client
        .send_offer_command(&token, id, &OfferModification::Activate, &offers)
        .await
        .expect("taken");
    wait_done(&sim, &token, CommandEndpoint::Publication, id).await;
    let tasks = sim
        .client
        .offer_command_tasks(&token, CommandEndpoint::Publication, id)
        .await
        .expect("tasks")
        .expect("known");
    let of = |offer: &str| {
        tasks
            .iter()
            .find(|t| t.offer_id() == Some(offer))
            .expect("a task per offer")
    };
    assert_eq!(of(&buy_now).status.as_deref(), Some("SUCCESS"));
    assert_eq!(of(&auction).status.as_deref(), Some("FAIL"));
    assert!(
        of(&auction).failure().contains("auction"),
        "{:?}",
        of(&auction)
    );
    let status = |offer: String| {
        let client = sim.client.clone();
        let token = token.clone();
        async move {
            client
                .product_offer(&token, &offer)
                .await
                .expect("offer")
                .and_then(|o| o.publication)
                .and_then(|p| p.status)
        }
    };
    assert_eq!(status(buy_now).await.as_deref(), Some("ACTIVE"));
    assert_eq!(status(auction).await.as_deref(), Some("ENDED"));
}
