//! The scheduler's fan-out and the poller's cursor handling, on the embedded backend.

mod support;

use async_trait::async_trait;
use marketdesk_core::domain::{Channel, ConnectionState, Integration, IntegrationKind, PollCursor};
use marketdesk_core::jobs::{InboundEvent, PollJob};
use marketdesk_core::ports::{
    ConversationSource, MarketplaceError, MarketplaceRegistry, PollBatch,
};
use marketdesk_core::repo::{cursors, integrations};
use marketdesk_core::services::{poller, scheduler, ServiceError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

#[tokio::test]
async fn fan_out_queues_one_job_per_pollable_integration_and_channel() {
    let b = backend();
    let allegro = connected_allegro(&b.ports, "t1").await;
    let empik = integration(
        "t2",
        IntegrationKind::Empikplace,
        true,
        ConnectionState::Connected,
    );
    integrations::create(&*b.ports.store, &empik)
        .await
        .expect("create");
    let inactive = integration(
        "t1",
        IntegrationKind::Allegro,
        false,
        ConnectionState::Connected,
    );
    integrations::create(&*b.ports.store, &inactive)
        .await
        .expect("create");
    let pending = integration(
        "t1",
        IntegrationKind::Allegro,
        true,
        ConnectionState::Pending,
    );
    integrations::create(&*b.ports.store, &pending)
        .await
        .expect("create");

    let report = scheduler::fan_out(&b.ports).await.expect("fan out");
    assert_eq!(report.integrations, 4);
    assert_eq!(report.jobs, 3);

    let mut jobs: Vec<(String, Channel)> = drain(&*b.ports.queues.poll_jobs)
        .await
        .iter()
        .map(|m| serde_json::from_str::<PollJob>(&m.body).expect("poll job"))
        .map(|j| (j.integration_id.0, j.channel))
        .collect();
    jobs.sort_by_key(|(id, c)| (id.clone(), c.as_str()));
    let mut expected = vec![
        (allegro.id.0.clone(), Channel::AllegroIssues),
        (allegro.id.0.clone(), Channel::AllegroMessaging),
        (empik.id.0.clone(), Channel::EmpikThreads),
    ];
    expected.sort_by_key(|(id, c)| (id.clone(), c.as_str()));
    assert_eq!(jobs, expected);
}

/// A channel reader answering from a script, recording the cursors it was given.
struct ScriptedSource {
    answers: Mutex<Vec<Result<PollBatch, MarketplaceError>>>,
    seen_positions: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl ConversationSource for ScriptedSource {
    async fn poll(
        &self,
        _: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError> {
        self.seen_positions
            .lock()
            .expect("lock")
            .push(cursor.position.clone());
        self.answers.lock().expect("lock").remove(0)
    }
}

fn job(i: &Integration) -> PollJob {
    PollJob::new(i.tenant_id.clone(), i.id.clone(), Channel::AllegroIssues)
}

fn event(i: &Integration, id: &str) -> InboundEvent {
    dispute(
        i,
        id,
        "DISPUTE_ONGOING",
        vec![message(
            &format!("{id}-m1"),
            marketdesk_core::domain::AuthorKind::Buyer,
            "Paczka uszkodzona",
            0,
        )],
    )
}

#[tokio::test]
async fn cursor_advances_only_after_events_are_queued() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let source = Arc::new(ScriptedSource {
        answers: Mutex::new(vec![
            Ok(PollBatch {
                events: vec![event(&i, "issue-1"), event(&i, "issue-2")],
                next_position: Some("2026-11-22T09:05:00Z".into()),
            }),
            Err(MarketplaceError::Unavailable("HTTP 503".into())),
            Err(MarketplaceError::RateLimited {
                retry_after: Duration::from_secs(60),
            }),
        ]),
        seen_positions: Mutex::new(Vec::new()),
    });
    let registry = MarketplaceRegistry::empty().with_source(Channel::AllegroIssues, source.clone());

    let outcome = poller::run(&b.ports, &registry, &job(&i))
        .await
        .expect("poll");
    assert_eq!(outcome, poller::PollOutcome::Polled { events: 2 });
    let queued = drain(&*b.ports.queues.inbound).await;
    assert_eq!(queued.len(), 2);
    let first: InboundEvent = serde_json::from_str(&queued[0].body).expect("inbound event");
    assert_eq!(first.tenant_id, i.tenant_id);
    let cursor = cursors::get(&*b.ports.store, &i.tenant_id, &i.id, Channel::AllegroIssues)
        .await
        .expect("cursor");
    assert_eq!(cursor.position.as_deref(), Some("2026-11-22T09:05:00Z"));
    assert_eq!(cursor.polled_at, Some(start()));

    let err = poller::run(&b.ports, &registry, &job(&i))
        .await
        .expect_err("5xx");
    assert!(!err.is_permanent(), "a 5xx is retried");
    assert_eq!(err.retry_after(), None);
    let err = poller::run(&b.ports, &registry, &job(&i))
        .await
        .expect_err("429");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert!(matches!(
        err,
        ServiceError::Marketplace(MarketplaceError::RateLimited { .. })
    ));

    let cursor = cursors::get(&*b.ports.store, &i.tenant_id, &i.id, Channel::AllegroIssues)
        .await
        .expect("cursor");
    assert_eq!(
        cursor.position.as_deref(),
        Some("2026-11-22T09:05:00Z"),
        "failures do not move the cursor"
    );
    assert_eq!(
        *source.seen_positions.lock().expect("lock"),
        vec![
            None,
            Some("2026-11-22T09:05:00Z".into()),
            Some("2026-11-22T09:05:00Z".into())
        ],
        "each poll starts from the stored cursor"
    );
}

#[tokio::test]
async fn jobs_for_unpollable_or_unknown_integrations_do_nothing() {
    let b = backend();
    let registry = MarketplaceRegistry::empty();
    let inactive = integration(
        "t1",
        IntegrationKind::Allegro,
        false,
        ConnectionState::Connected,
    );
    integrations::create(&*b.ports.store, &inactive)
        .await
        .expect("create");
    assert_eq!(
        poller::run(&b.ports, &registry, &job(&inactive))
            .await
            .expect("poll"),
        poller::PollOutcome::Skipped
    );

    let live = connected_allegro(&b.ports, "t1").await;
    assert_eq!(
        poller::run(&b.ports, &registry, &job(&live))
            .await
            .expect("poll"),
        poller::PollOutcome::NoAdapter
    );

    let mut gone = job(&live);
    gone.integration_id = "deleted".into();
    let err = poller::run(&b.ports, &registry, &gone)
        .await
        .expect_err("unknown integration");
    assert!(err.is_permanent());

    let err = poller::handle_body(&b.ports, &registry, "{not json")
        .await
        .expect_err("malformed");
    assert!(err.is_permanent());
    assert!(drain(&*b.ports.queues.inbound).await.is_empty());
}

#[tokio::test]
async fn duplicate_poll_jobs_are_merged_while_one_is_queued_or_running() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let source = Arc::new(ScriptedSource {
        answers: Mutex::new(vec![
            Ok(PollBatch {
                events: Vec::new(),
                next_position: None,
            }),
            Ok(PollBatch {
                events: Vec::new(),
                next_position: None,
            }),
        ]),
        seen_positions: Mutex::new(Vec::new()),
    });
    let registry = MarketplaceRegistry::empty()
        .with_source(Channel::AllegroIssues, source.clone())
        .with_source(Channel::AllegroMessaging, source.clone());

    let first = scheduler::fan_out(&b.ports).await.expect("fan out");
    assert_eq!((first.jobs, first.merged), (2, 0));
    // The next tick comes while both jobs still wait: nothing more is queued.
    let second = scheduler::fan_out(&b.ports).await.expect("fan out");
    assert_eq!((second.jobs, second.merged), (0, 2));
    let queued = drain(&*b.ports.queues.poll_jobs).await;
    assert_eq!(queued.len(), 2, "one job per integration and channel");

    // A stray job for a queued channel (an older version's, or a redelivery) reads nothing.
    let stray = job(&i);
    assert_eq!(
        poller::run(&b.ports, &registry, &stray).await.expect("run"),
        poller::PollOutcome::Merged
    );
    assert!(source.seen_positions.lock().expect("lock").is_empty());

    // The queued jobs run once each and free their channel for the next tick.
    for message in &queued {
        let job: PollJob = serde_json::from_str(&message.body).expect("poll job");
        assert!(job.lease.is_some(), "the job carries its lease");
        assert_eq!(
            poller::run(&b.ports, &registry, &job).await.expect("run"),
            poller::PollOutcome::Polled { events: 0 }
        );
    }
    assert_eq!(source.seen_positions.lock().expect("lock").len(), 2);
    let third = scheduler::fan_out(&b.ports).await.expect("fan out");
    assert_eq!((third.jobs, third.merged), (2, 0));
}
