//! The scheduler's fan-out and the poller's cursor handling, on the embedded backend.

mod support;

use async_trait::async_trait;
use marketdesk_core::domain::{Channel, ConnectionState, Integration, Marketplace, PollCursor};
use marketdesk_core::jobs::{InboundEvent, PollJob};
use marketdesk_core::ports::{
    Condition, ConversationSource, Item, Key, MarketplaceError, MarketplaceRegistry, Page,
    PollBatch, Ports, Query, Store, StoreError, WriteOp,
};
use marketdesk_core::repo::{cursors, integrations, leases};
use marketdesk_core::services::{observe, poller, polling, scheduler, ServiceError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

#[tokio::test]
async fn fan_out_queues_one_job_per_pollable_integration_and_channel() {
    let b = backend();
    let allegro = connected_allegro(&b.ports, "t1").await;
    let empik = integration("t2", Marketplace::Empik, true, ConnectionState::Connected);
    integrations::create(&*b.ports.store, &empik)
        .await
        .expect("create");
    let inactive = integration(
        "t1",
        Marketplace::Allegro,
        false,
        ConnectionState::Connected,
    );
    integrations::create(&*b.ports.store, &inactive)
        .await
        .expect("create");
    let pending = integration("t1", Marketplace::Allegro, true, ConnectionState::Pending);
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
        Marketplace::Allegro,
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

/// Records when each integration's channel was read; answers nothing new, except a buyer's
/// message at the first read of `news_for` (which makes that account active).
#[derive(Default)]
struct RecordingSource {
    clock: Option<Arc<marketdesk_core::ports::ManualClock>>,
    reads: Mutex<Vec<(String, Channel, chrono::DateTime<chrono::Utc>)>>,
    news_for: Option<Integration>,
}

#[async_trait]
impl ConversationSource for RecordingSource {
    async fn poll(
        &self,
        integration: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError> {
        let now = marketdesk_core::ports::Clock::now(&**self.clock.as_ref().expect("clock"));
        let mut reads = self.reads.lock().expect("lock");
        let first = !reads
            .iter()
            .any(|(id, c, _)| *id == integration.id.0 && *c == cursor.channel);
        reads.push((integration.id.0.clone(), cursor.channel, now));
        let events = match &self.news_for {
            Some(active) if first && active.id == integration.id => {
                vec![event(active, &format!("news-{}", cursor.channel.as_str()))]
            }
            _ => Vec::new(),
        };
        Ok(PollBatch {
            events,
            next_position: cursor.position.clone(),
        })
    }
}

/// Deletes received poll jobs (done).
async fn delete_all(b: &Backend, messages: &[marketdesk_core::ports::QueueMessage]) {
    for message in messages {
        b.ports
            .queues
            .poll_jobs
            .delete(&message.receipt)
            .await
            .expect("delete");
    }
}

/// Runs every poll job visible now, with `settings`.
async fn run_visible_polls(
    b: &Backend,
    registry: &MarketplaceRegistry,
    settings: &polling::PollingSettings,
) {
    let messages = drain(&*b.ports.queues.poll_jobs).await;
    for message in &messages {
        poller::handle_body_with(&b.ports, registry, &message.body, settings)
            .await
            .expect("poll");
    }
    delete_all(b, &messages).await;
}

#[tokio::test]
async fn the_schedule_reads_each_inbox_at_its_cadence_spread_over_the_interval() {
    let b = backend();
    let mut accounts = Vec::new();
    for _ in 0..40 {
        accounts.push(connected_allegro(&b.ports, "t1").await.id.0);
    }
    let source = Arc::new(RecordingSource {
        clock: Some(b.clock.clone()),
        ..RecordingSource::default()
    });
    let registry = MarketplaceRegistry::empty()
        .with_source(Channel::AllegroIssues, source.clone())
        .with_source(Channel::AllegroMessaging, source.clone());
    let settings = polling::PollingSettings::new(Duration::from_secs(60));
    assert_eq!(settings.issues_every, Duration::from_secs(300));

    // Ten minutes of one-minute ticks, the clock moving a second at a time (up to and with
    // second 600, when the reads due in the last second of the tenth minute run).
    let begin = b.ports.clock.now();
    let mut first_tick = None;
    for second in 0..=600 {
        if second % 60 == 0 {
            let report = scheduler::schedule(&b.ports, &settings)
                .await
                .expect("schedule");
            let plan = report
                .plan(Channel::AllegroMessaging)
                .expect("messaging plan");
            assert_eq!((plan.accounts, plan.cadence), (40, Duration::from_secs(60)));
            first_tick.get_or_insert(report);
        }
        run_visible_polls(&b, &registry, &settings).await;
        b.clock.advance(chrono::Duration::seconds(1));
    }
    let first_tick = first_tick.expect("ticked");
    // The first tick queues every Message Center inbox and some of the issues inboxes, none
    // of them twice.
    assert_eq!(first_tick.fan_out.jobs + first_tick.not_due, 80);
    assert!(first_tick.fan_out.jobs >= 40, "{first_tick:?}");

    let reads = source.reads.lock().expect("lock").clone();
    for account in &accounts {
        let times = |channel: Channel| -> Vec<i64> {
            reads
                .iter()
                .filter(|(id, c, _)| id == account && *c == channel)
                .map(|(_, _, at)| (*at - begin).num_seconds())
                .collect()
        };
        let messaging = times(Channel::AllegroMessaging);
        assert_eq!(messaging.len(), 10, "{account}: {messaging:?}");
        assert!(
            messaging.windows(2).all(|w| w[1] - w[0] == 60),
            "Message Center every minute at the same offset: {messaging:?}"
        );
        let issues = times(Channel::AllegroIssues);
        assert_eq!(
            issues.len(),
            2,
            "{account}: issues every 5 minutes: {issues:?}"
        );
        assert_eq!(issues[1] - issues[0], 300);
    }
    // Spread over the minute, not a burst at the tick: the first minute's Message Center
    // reads fall into at least 5 of its 6 ten-second slices.
    let mut slices: Vec<i64> = reads
        .iter()
        .filter(|(_, c, at)| *c == Channel::AllegroMessaging && (*at - begin).num_seconds() < 60)
        .map(|(_, _, at)| (*at - begin).num_seconds() / 10)
        .collect();
    slices.sort_unstable();
    slices.dedup();
    assert!(slices.len() >= 5, "reads bunched: {slices:?}");

    // On schedule, the worst-case staleness of a channel is about its cadence: from each
    // account's last read to its next one.
    let report = scheduler::schedule(&b.ports, &settings)
        .await
        .expect("schedule");
    let gauges = observe::refresh_with(&b.ports, &report.plans)
        .await
        .expect("gauges");
    let messaging = worst_of(&gauges, Channel::AllegroMessaging);
    assert!((55..=61).contains(&messaging), "{gauges:?}");
    let issues = worst_of(&gauges, Channel::AllegroIssues);
    assert!((240..=301).contains(&issues), "{gauges:?}");
    // An account never read since it was switched on, ten minutes ago, falls behind.
    connected_allegro(&b.ports, "t2").await;
    let gauges = observe::refresh_with(&b.ports, &report.plans)
        .await
        .expect("gauges");
    assert!(
        worst_of(&gauges, Channel::AllegroMessaging) >= 600,
        "{gauges:?}"
    );
}

#[tokio::test]
async fn an_active_account_is_never_read_less_often_than_an_idle_one_at_any_interval() {
    // Below the 12 s re-read pause the regular read comes sooner: the re-read queued for an
    // active conversation must not absorb it.
    for tick in [1u64, 2, 5, 10, 60] {
        let b = backend();
        let active = connected_allegro(&b.ports, "t1").await;
        let idle = connected_allegro(&b.ports, "t1").await;
        let source = Arc::new(RecordingSource {
            clock: Some(b.clock.clone()),
            news_for: Some(active.clone()),
            ..RecordingSource::default()
        });
        let registry = MarketplaceRegistry::empty()
            .with_source(Channel::AllegroIssues, source.clone())
            .with_source(Channel::AllegroMessaging, source.clone());
        let settings = polling::PollingSettings::new(Duration::from_secs(tick));
        assert_eq!(settings.active_every, Duration::from_secs(12));
        // Eight minutes (an idle issues inbox is first read within 5), the clock moving 250 ms
        // at a time, a tick every `tick` seconds.
        let begin = b.ports.clock.now();
        for quarter in 0..(4 * 480) {
            if quarter % (4 * tick) == 0 {
                scheduler::schedule(&b.ports, &settings)
                    .await
                    .expect("schedule");
            }
            run_visible_polls(&b, &registry, &settings).await;
            b.clock.advance(chrono::Duration::milliseconds(250));
        }
        let reads = source.reads.lock().expect("lock").clone();
        for channel in [Channel::AllegroMessaging, Channel::AllegroIssues] {
            let times = |account: &Integration| -> Vec<i64> {
                reads
                    .iter()
                    .filter(|(id, c, _)| *id == account.id.0 && *c == channel)
                    .map(|(_, _, at)| (*at - begin).num_milliseconds())
                    .collect()
            };
            let active_reads = times(&active);
            let first = *active_reads.first().expect("the active account was read");
            // While it is active (3 minutes from the read that found the news): its longest
            // wait between two reads, and the number of reads, against the idle account's over
            // a window of the same length.
            let span = 170_000;
            let within = |times: &[i64], from: i64| -> Vec<i64> {
                times
                    .iter()
                    .copied()
                    .filter(|at| (from..from + span).contains(at))
                    .collect()
            };
            let idle_reads = times(&idle);
            let idle_from = *idle_reads.first().expect("the idle account was read");
            let (active_window, idle_window) =
                (within(&active_reads, first), within(&idle_reads, idle_from));
            // One read in the window: it waits the whole window for the next.
            let longest =
                |times: &[i64]| times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(span);
            assert!(
                active_window.len() >= idle_window.len(),
                "tick {tick}s, {channel:?}: active read {} times, idle {} times: {active_window:?} vs {idle_window:?}",
                active_window.len(),
                idle_window.len()
            );
            assert!(
                longest(&active_window) <= longest(&idle_window) + 250,
                "tick {tick}s, {channel:?}: active waits up to {} ms, idle {} ms: {active_window:?} vs {idle_window:?}",
                longest(&active_window),
                longest(&idle_window)
            );
        }
    }
}

fn worst_of(gauges: &observe::Gauges, channel: Channel) -> u64 {
    gauges.staleness[channel.as_str()].as_secs()
}

#[tokio::test]
async fn a_read_asked_for_while_a_poll_runs_follows_it_instead_of_being_dropped() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let tick = Duration::from_secs(60);
    let mut job = job(&i);
    // A job queued and running when the next tick asks for the following read in 30 s.
    assert_eq!(
        polling::request_poll(&b.ports, job.clone(), Duration::ZERO, tick)
            .await
            .expect("request"),
        polling::Requested::Queued
    );
    let queued = drain(&*b.ports.queues.poll_jobs).await;
    assert_eq!(queued.len(), 1);
    job.lease = serde_json::from_str::<PollJob>(&queued[0].body)
        .expect("job")
        .lease;
    delete_all(&b, &queued).await;
    let holder = polling::start(&b.ports, &job)
        .await
        .expect("start")
        .expect("holds the lease");
    let started = b.ports.clock.now();
    b.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(
        polling::request_poll(&b.ports, job.clone(), Duration::from_secs(30), tick)
            .await
            .expect("request"),
        polling::Requested::Deferred
    );
    assert_eq!(
        polling::request_poll(&b.ports, job.clone(), Duration::from_secs(30), tick)
            .await
            .expect("request"),
        polling::Requested::Merged,
        "one read to come is enough"
    );
    // Finishing, the poll queues that read at its due time, holding the lease for it.
    let follow_up =
        polling::finish_with_follow_up(&b.ports, &job, &holder, started, None, None, tick)
            .await
            .expect("finish");
    assert_eq!(follow_up, Some(Duration::from_secs(30)));
    assert!(
        drain(&*b.ports.queues.poll_jobs).await.is_empty(),
        "not before its time"
    );
    b.clock.advance(chrono::Duration::seconds(30));
    let queued = drain(&*b.ports.queues.poll_jobs).await;
    assert_eq!(queued.len(), 1);
    let next: PollJob = serde_json::from_str(&queued[0].body).expect("job");
    delete_all(&b, &queued).await;
    let next_holder = polling::start(&b.ports, &next).await.expect("start");
    assert!(next_holder.is_some(), "the follow-up holds the lease");

    // A read asked for before a poll started is covered by it: no extra poll.
    b.clock.advance(chrono::Duration::seconds(1));
    polling::request_poll(&b.ports, next.clone(), Duration::ZERO, tick)
        .await
        .expect("request");
    let later = b.ports.clock.now() + chrono::Duration::seconds(1);
    b.clock.advance(chrono::Duration::seconds(2));
    let done = polling::finish_with_follow_up(
        &b.ports,
        &next,
        &next_holder.expect("holder"),
        later,
        None,
        None,
        tick,
    )
    .await
    .expect("finish");
    assert_eq!(done, None);
    b.clock.advance(chrono::Duration::seconds(60));
    assert!(drain(&*b.ports.queues.poll_jobs).await.is_empty());
}

/// A store that lets "the scheduler" record a read on a lease just before the poller's
/// first delete of it: the race between a finishing poll and a tick.
struct TickDuringRelease {
    inner: Arc<dyn Store>,
    due: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
}

#[async_trait]
impl Store for TickDuringRelease {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        let due = self.due.lock().expect("lock").take();
        if let Some(due) = due {
            let deferral = leases::defer_at(&*self.inner, key, due, due).await;
            assert_eq!(deferral.expect("defer"), leases::Deferral::Recorded);
        }
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
}

#[tokio::test]
async fn a_tick_between_a_polls_last_look_and_its_release_neither_loses_the_read_nor_stalls() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let tick = Duration::from_secs(60);
    let racing = |due| Ports {
        store: Arc::new(TickDuringRelease {
            inner: b.ports.store.clone(),
            due: Mutex::new(Some(due)),
        }),
        ..b.ports.clone()
    };
    let running = || async {
        let mut job = job(&i);
        assert_eq!(
            polling::request_poll(&b.ports, job.clone(), Duration::ZERO, tick)
                .await
                .expect("request"),
            polling::Requested::Queued
        );
        let queued = drain(&*b.ports.queues.poll_jobs).await;
        delete_all(&b, &queued).await;
        job.lease = serde_json::from_str::<PollJob>(&queued[0].body)
            .expect("job")
            .lease;
        let holder = polling::start(&b.ports, &job).await.expect("start");
        (job, holder.expect("holds the lease"))
    };

    // A poll with nothing to follow up: the read recorded during its release is queued.
    let (job, holder) = running().await;
    let due = b.ports.clock.now() + chrono::Duration::seconds(30);
    let follow_up = polling::finish_with_follow_up(
        &racing(due),
        &job,
        &holder,
        b.ports.clock.now(),
        None,
        None,
        tick,
    )
    .await
    .expect("finish");
    assert_eq!(follow_up, Some(Duration::from_secs(30)));
    b.clock.advance(chrono::Duration::seconds(30));
    let queued = drain(&*b.ports.queues.poll_jobs).await;
    assert_eq!(queued.len(), 1, "the recorded read is queued");
    delete_all(&b, &queued).await;
    let next: PollJob = serde_json::from_str(&queued[0].body).expect("job");
    let next_holder = polling::start(&b.ports, &next)
        .await
        .expect("start")
        .expect("holds the lease");

    // A failed poll gives its lease back even when a read was recorded meanwhile: the next
    // tick queues again instead of waiting minutes for the lease to expire.
    let due = b.ports.clock.now() + chrono::Duration::seconds(30);
    polling::finish(&racing(due), &next, &next_holder)
        .await
        .expect("finish");
    assert_eq!(
        polling::request_poll(&b.ports, job.clone(), Duration::ZERO, tick)
            .await
            .expect("request"),
        polling::Requested::Queued
    );
}

#[tokio::test]
async fn a_read_asked_for_while_a_job_waits_survives_the_job_taking_its_lease() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let tick = Duration::from_secs(60);
    polling::request_poll(&b.ports, job(&i), Duration::from_secs(50), tick)
        .await
        .expect("request");
    // The next tick lands before the job ran: it asks for the read 60 s after it.
    b.clock.advance(chrono::Duration::seconds(50));
    assert_eq!(
        polling::request_poll(&b.ports, job(&i), Duration::from_secs(60), tick)
            .await
            .expect("request"),
        polling::Requested::Deferred
    );
    let queued = drain(&*b.ports.queues.poll_jobs).await;
    delete_all(&b, &queued).await;
    let waiting: PollJob = serde_json::from_str(&queued[0].body).expect("job");
    let holder = polling::start(&b.ports, &waiting)
        .await
        .expect("start")
        .expect("holds the lease");
    let follow_up = polling::finish_with_follow_up(
        &b.ports,
        &waiting,
        &holder,
        b.ports.clock.now(),
        None,
        None,
        tick,
    )
    .await
    .expect("finish");
    assert_eq!(
        follow_up,
        Some(Duration::from_secs(60)),
        "the renewal kept it"
    );
}

/// A store whose every commit takes `per_commit` of the manual clock (a slow disk: a tick's
/// writes go out seconds after it started); a batch of writes is one commit.
struct SlowCommits {
    inner: Arc<dyn Store>,
    clock: Arc<marketdesk_core::ports::ManualClock>,
    per_commit: chrono::Duration,
}

#[async_trait]
impl Store for SlowCommits {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.clock.advance(self.per_commit);
        self.inner.put(item, condition).await
    }
    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.clock.advance(self.per_commit);
        self.inner.delete(key, condition).await
    }
    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.clock.advance(self.per_commit);
        self.inner.transact(ops).await
    }
    async fn get_each(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        self.inner.get_each(keys).await
    }
    async fn put_each(&self, writes: Vec<(Item, Condition)>) -> Result<Vec<bool>, StoreError> {
        self.clock.advance(self.per_commit);
        self.inner.put_each(writes).await
    }
}

#[tokio::test]
async fn two_overlapping_slow_ticks_read_each_due_inbox_once_and_on_time() {
    // Issue 15's measured fault: a tick computed every delay from the `now` read before its
    // loop while its writes went out seconds later (500 ms a commit here), and a second tick
    // started before the first was done (EventBridge does not wait; neither does a missed
    // tick of `serve`). Both ask for the same due reads.
    let b = backend();
    let mut accounts = Vec::new();
    for _ in 0..30 {
        accounts.push(connected_allegro(&b.ports, "t1").await);
    }
    let source = Arc::new(RecordingSource {
        clock: Some(b.clock.clone()),
        ..RecordingSource::default()
    });
    let registry = MarketplaceRegistry::empty()
        .with_source(Channel::AllegroIssues, source.clone())
        .with_source(Channel::AllegroMessaging, source.clone());
    let settings = polling::PollingSettings::new(Duration::from_secs(60));
    let slow = Ports {
        store: Arc::new(SlowCommits {
            inner: b.ports.store.clone(),
            clock: b.clock.clone(),
            per_commit: chrono::Duration::milliseconds(500),
        }),
        ..b.ports.clone()
    };
    let begin = b.ports.clock.now();
    let (first, second) = tokio::join!(
        scheduler::schedule(&slow, &settings),
        scheduler::schedule(&slow, &settings)
    );
    first.expect("first tick");
    second.expect("second tick");
    // Three minutes of polls, the clock moving a second at a time, no further tick: every
    // read that happens is one these two ticks asked for (or a follow-up of one).
    while b.ports.clock.now() < begin + chrono::Duration::seconds(180) {
        run_visible_polls(&b, &registry, &settings).await;
        b.clock.advance(chrono::Duration::seconds(1));
    }
    let reads = source.reads.lock().expect("lock").clone();
    let (mut issues_read, mut not_once, mut late) = (0, Vec::new(), Vec::new());
    for account in &accounts {
        for channel in [Channel::AllegroMessaging, Channel::AllegroIssues] {
            let times: Vec<i64> = reads
                .iter()
                .filter(|(id, c, _)| *id == account.id.0 && *c == channel)
                .map(|(_, _, at)| (*at - begin).num_milliseconds())
                .collect();
            let cadence = settings.wanted(channel);
            let key = polling::phase_key(&account.tenant_id, &account.id, channel);
            let due_in = marketdesk_core::polling::next_due_in(&key, cadence, begin);
            if due_in >= settings.tick {
                assert!(
                    times.is_empty(),
                    "{channel:?} not due yet, read at {times:?}"
                );
                continue;
            }
            issues_read += usize::from(channel == Channel::AllegroIssues);
            let due_ms = i64::try_from(due_in.as_millis()).expect("ms");
            if times.len() != 1 {
                not_once.push(format!("{channel:?} due at {due_ms} ms, read at {times:?}"));
            }
            // On time: the due second, give or take the 1 s step and a commit or two.
            if times
                .iter()
                .any(|at| !(due_ms..=due_ms + 3_000).contains(at))
            {
                late.push(format!("{channel:?} due at {due_ms} ms, read at {times:?}"));
            }
        }
    }
    assert!(
        issues_read > 0,
        "some issues inboxes were due in the window"
    );
    assert!(
        not_once.is_empty() && late.is_empty(),
        "{} inboxes not read exactly once: {not_once:#?}\n{} read off time: {late:#?}",
        not_once.len(),
        late.len()
    );
}

/// Queues `job` (through its lease, as the scheduler does), then runs what is visible now.
async fn queue_and_run(
    b: &Backend,
    registry: &MarketplaceRegistry,
    job: PollJob,
) -> Vec<poller::PollOutcome> {
    let tick = Duration::from_secs(60);
    assert!(
        polling::queue_poll(&b.ports, job, Duration::ZERO, None, tick)
            .await
            .expect("queue")
    );
    let settings = polling::PollingSettings::reads_once(tick);
    let messages = drain(&*b.ports.queues.poll_jobs).await;
    let mut outcomes = Vec::new();
    for message in &messages {
        outcomes.push(
            poller::handle_body_with(&b.ports, registry, &message.body, &settings)
                .await
                .expect("poll"),
        );
    }
    delete_all(b, &messages).await;
    outcomes
}

#[tokio::test]
async fn a_job_whose_inbox_was_read_at_or_after_its_due_time_is_skipped_and_a_late_one_runs() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let source = Arc::new(RecordingSource {
        clock: Some(b.clock.clone()),
        ..RecordingSource::default()
    });
    let registry = MarketplaceRegistry::empty().with_source(Channel::AllegroIssues, source.clone());
    let reads = || source.reads.lock().expect("lock").len();
    // A read now ("poll now": no due time).
    let read_at = b.ports.clock.now();
    assert_eq!(
        queue_and_run(&b, &registry, job(&i)).await,
        [poller::PollOutcome::Polled { events: 0 }]
    );
    assert_eq!(reads(), 1);
    b.clock.advance(chrono::Duration::seconds(5));
    // Jobs for due times that read covered (before it, and the very moment it began): skipped
    // without a marketplace call, the lease given back.
    for due_at in [read_at - chrono::Duration::seconds(3), read_at] {
        assert_eq!(
            queue_and_run(&b, &registry, job(&i).due(due_at)).await,
            [poller::PollOutcome::AlreadyRead]
        );
        assert_eq!(reads(), 1, "not read again for {due_at}");
    }
    // A "poll now" always reads.
    assert_eq!(
        queue_and_run(&b, &registry, job(&i)).await,
        [poller::PollOutcome::Polled { events: 0 }]
    );
    assert_eq!(reads(), 2);
    // A late job (its due time after the last read, long past by now) is queued without a
    // delay and reads.
    let last_read = b.ports.clock.now();
    let due_at = last_read + chrono::Duration::seconds(10);
    b.clock.advance(chrono::Duration::seconds(45));
    assert_eq!(
        queue_and_run(&b, &registry, job(&i).due(due_at)).await,
        [poller::PollOutcome::Polled { events: 0 }]
    );
    assert_eq!(reads(), 3);
    // The skipped jobs left the lease free: the next request is queued at once.
    assert_eq!(
        polling::request_poll(&b.ports, job(&i), Duration::ZERO, Duration::from_secs(60))
            .await
            .expect("request"),
        polling::Requested::Queued
    );
}

/// Records the request-budget priority a conversation read would be admitted with.
#[derive(Default)]
struct PrioritySource {
    seen: Mutex<Vec<marketdesk_core::domain::budget::Priority>>,
}

#[async_trait]
impl ConversationSource for PrioritySource {
    async fn poll(
        &self,
        _: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError> {
        self.seen
            .lock()
            .expect("lock")
            .push(marketdesk_core::services::budget::conversation_read_priority());
        Ok(PollBatch {
            events: Vec::new(),
            next_position: cursor.position.clone(),
        })
    }
}

#[tokio::test]
async fn a_re_read_of_an_active_inbox_reads_ahead_of_the_scheduled_polls() {
    use marketdesk_core::domain::budget::Priority;
    let b = backend();
    let source = Arc::new(PrioritySource::default());
    let registry = MarketplaceRegistry::empty().with_source(Channel::AllegroIssues, source.clone());
    // A scheduled read, the follow-up of an inbox active for another minute, and that of
    // one whose activity has ended (three accounts: the active one's follow-up holds its
    // lease).
    let scheduled = connected_allegro(&b.ports, "t1").await;
    poller::run(&b.ports, &registry, &job(&scheduled))
        .await
        .expect("scheduled");
    let mut active = job(&connected_allegro(&b.ports, "t2").await);
    active.active_until = Some(start() + chrono::Duration::seconds(60));
    poller::run(&b.ports, &registry, &active)
        .await
        .expect("re-read");
    let mut ended = job(&connected_allegro(&b.ports, "t3").await);
    ended.active_until = Some(start() - chrono::Duration::seconds(1));
    poller::run(&b.ports, &registry, &ended)
        .await
        .expect("ended");
    assert_eq!(
        *source.seen.lock().expect("lock"),
        [Priority::Poll, Priority::ActiveRead, Priority::Poll]
    );
}
