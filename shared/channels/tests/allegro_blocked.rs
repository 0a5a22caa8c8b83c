//! A blocked Allegro seller account (issue 17 item 5, allegro-api.md §4.3) against the
//! simulator on the embedded backend: the first polls that meet Allegro's
//! `SellerAccountWithSellBlockadeException` switch the integration off once, with one entry in
//! the account's event log and one notice to its alert addresses, however many channel polls
//! meet it at once or are delivered again; then nothing more is read.

mod common;

use common::orders::World;
use marketdesk_core::domain::account_event::AccountEventKind;
use marketdesk_core::jobs::PollJob;
use marketdesk_core::repo::{account_events, integrations};
use marketdesk_core::services::poller::{self, PollOutcome};
use marketdesk_local::{RecordingNotifier, SqliteDb, DATABASE_FILE};
use serde_json::json;

#[tokio::test]
async fn a_blocked_seller_account_is_switched_off_once_with_one_notice() {
    let w = World::start("sklep_blokada", true).await;
    let ports = &w.ports;
    let tenant = &w.integration.tenant_id;
    let stored = integrations::get(&*ports.store, tenant, &w.integration.id)
        .await
        .expect("read")
        .expect("stored");
    let mut integration = stored.value;
    integration.settings.alert_emails = vec!["szef@example.com".into()];
    integrations::update(&*ports.store, &integration, stored.version)
        .await
        .expect("alert address set");
    w.poll().await; // the journal starts at the newest event

    w.act(
        &format!("/allegro/sellers/{}/block", w.seller_id),
        json!({}),
    )
    .await;
    // Every channel's poll meets the blockade at once, then the same jobs come again.
    let jobs: Vec<PollJob> = integration
        .poll_channels()
        .into_iter()
        .map(|channel| PollJob::new(tenant.clone(), integration.id.clone(), channel))
        .collect();
    assert_eq!(jobs.len(), 3, "issues, messaging and orders");
    let mut outcomes = Vec::new();
    for _round in 0..2 {
        let polls = jobs.iter().map(|job| poller::run(ports, &w.registry, job));
        for outcome in futures_util::future::join_all(polls).await {
            outcomes.push(outcome.expect("a blocked account is not a failed job"));
        }
    }
    assert!(
        outcomes.contains(&PollOutcome::Blocked),
        "the blockade was seen: {outcomes:?}"
    );
    let after = integrations::get(&*ports.store, tenant, &integration.id)
        .await
        .expect("read")
        .expect("stored")
        .value;
    assert!(!after.active, "switched off");

    let (events, _) = account_events::list(&*ports.store, tenant, &integration.id, None, 100)
        .await
        .expect("log");
    let blocked: Vec<_> = events
        .iter()
        .filter(|e| e.kind == AccountEventKind::Blocked)
        .collect();
    assert_eq!(blocked.len(), 1, "one entry: {events:?}");
    assert!(blocked[0].alerted);
    assert!(
        blocked[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("blockade")),
        "Allegro's words: {:?}",
        blocked[0].reason
    );
    assert!(
        events
            .iter()
            .all(|e| e.kind != AccountEventKind::OrderSyncFailed),
        "a blockade is not an order sync error: {events:?}"
    );

    let backend = w.backend.as_ref().expect("embedded");
    let db = SqliteDb::open(&backend.dir.path().join(DATABASE_FILE)).expect("database");
    let notifier = RecordingNotifier::new(&db, ports.clock.clone()).expect("notifier");
    let notices: Vec<_> = notifier
        .recorded()
        .await
        .expect("recorded")
        .into_iter()
        .filter(|n| n.notification.subject.contains("blocked"))
        .collect();
    assert_eq!(notices.len(), 1, "one notice");
    assert_eq!(notices[0].notification.to, ["szef@example.com"]);

    // Switched off: the next poll interval reads nothing.
    w.clear_calls().await;
    w.poll().await;
    assert!(
        w.order_calls().await.is_empty(),
        "no calls while switched off"
    );
}
