//! Conformance checks for the poll lease on a backend's store: one job per integration and
//! channel queued or running, whichever worker asks.

use crate::domain::Channel;
use crate::ids::{IntegrationId, TenantId};
use crate::jobs::PollJob;
use crate::ports::{
    Condition, Item, Key, Page, Ports, Query, Queue, QueueError, QueueMessage, Store, StoreError,
    WriteOp,
};
use crate::repo::leases;
use crate::services::poll_batch::{self, WhenHeld};
use crate::services::polling::{self, Requested};
use async_trait::async_trait;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Only one of many concurrent queuers gets the lease; a duplicate job is refused while the
/// queued one holds it; the queued job's own token renews it; after release (or expiry) the
/// next job is queued again.
pub async fn one_poll_per_integration_and_channel(ports: impl Deref<Target = Ports>) {
    let ports: &Ports = &ports;
    let tenant = TenantId(super::unique("t"));
    let integration = IntegrationId(super::unique("int"));
    let key = polling::lease_key(&tenant, &integration, Channel::AllegroMessaging);
    let now = ports.clock.now();
    let until = now + chrono::Duration::seconds(60);

    // Eight workers race for the same lease: exactly one wins.
    let mut racers = Vec::new();
    for worker in 0..8 {
        let (store, key) = (ports.store.clone(), key.clone());
        racers.push(tokio::spawn(async move {
            leases::take_at(&*store, &key, &format!("w{worker}"), None, until, now)
                .await
                .expect("take")
        }));
    }
    let mut winners = Vec::new();
    for (worker, racer) in racers.into_iter().enumerate() {
        if racer.await.expect("join") {
            winners.push(format!("w{worker}"));
        }
    }
    assert_eq!(winners.len(), 1, "one holder at a time: {winners:?}");
    let loser = if winners[0] == "w0" { "w1" } else { "w0" };
    assert!(
        !leases::take_at(&*ports.store, &key, loser, None, until, now)
            .await
            .expect("take"),
        "a live lease is not taken over"
    );
    assert!(
        leases::take_at(&*ports.store, &key, &winners[0], None, until, now)
            .await
            .expect("renew"),
        "the holder renews"
    );
    // Expired: anyone takes it.
    let later = until + chrono::Duration::seconds(1);
    assert!(leases::take_at(
        &*ports.store,
        &key,
        loser,
        None,
        later + chrono::Duration::seconds(60),
        later
    )
    .await
    .expect("take after expiry"));

    // A queued job holds the lease under its token: a job without it is a duplicate, the
    // queued job itself renews it when it starts, and after it finishes the next one runs.
    let fresh = IntegrationId(super::unique("int"));
    let lease_key = polling::lease_key(&tenant, &fresh, Channel::AllegroIssues);
    assert!(
        leases::take_at(&*ports.store, &lease_key, "queued-token", None, until, now)
            .await
            .expect("queue")
    );
    let job = PollJob::new(tenant.clone(), fresh.clone(), Channel::AllegroIssues);
    assert_eq!(polling::start(ports, &job).await.expect("start"), None);
    let item = ports
        .store
        .get(&lease_key)
        .await
        .expect("get")
        .expect("lease item");
    assert!(item.expires_at.is_some(), "the lease item expires (TTL)");
    let queued = PollJob {
        lease: Some("queued-token".into()),
        ..job.clone()
    };
    assert_eq!(
        polling::start(ports, &queued).await.expect("start"),
        Some("queued-token".to_owned()),
        "the queued job renews its own lease"
    );
    polling::finish(ports, &queued, "queued-token")
        .await
        .expect("finish");
    let next = polling::start(ports, &job).await.expect("start");
    assert!(next.is_some(), "free again once the job is done");
    // A hand-over: the running job passes the lease to its follow-up's token.
    let running = next.expect("token");
    assert!(leases::take_at(
        &*ports.store,
        &lease_key,
        "follow-up",
        Some(&running),
        until,
        now
    )
    .await
    .expect("hand over"));
    assert_eq!(polling::start(ports, &queued).await.expect("start"), None);
}

/// The race fixed in 8ba44b2: the scheduler records a read on the lease (`defer_at`) between
/// the queued job's look at its lease and its renewal (`polling::start`). The renewal must
/// still succeed (the job is not dropped as a duplicate, which stalled the channel until the
/// lease expired) and keep the recorded read for its hand-over.
pub async fn a_renewal_racing_a_recorded_read_keeps_the_lease(ports: impl Deref<Target = Ports>) {
    let ports: &Ports = &ports;
    let tenant = TenantId(super::unique("t"));
    let integration = IntegrationId(super::unique("int"));
    let key = polling::lease_key(&tenant, &integration, Channel::AllegroMessaging);
    let now = ports.clock.now();
    let until = now + chrono::Duration::seconds(60);
    assert!(
        leases::take_at(&*ports.store, &key, "queued-token", None, until, now)
            .await
            .expect("queue")
    );
    let wanted_at = now + chrono::Duration::seconds(30);
    let racing = RecordsAReadBeforeTheNextPut {
        inner: ports.store.clone(),
        key: key.clone(),
        due_at: wanted_at,
        now,
        fired: AtomicBool::new(false),
    };
    let raced = Ports {
        store: Arc::new(racing),
        ..ports.clone()
    };
    let job = PollJob {
        lease: Some("queued-token".into()),
        ..PollJob::new(
            tenant.clone(),
            integration.clone(),
            Channel::AllegroMessaging,
        )
    };
    assert_eq!(
        polling::start(&raced, &job).await.expect("start"),
        Some("queued-token".to_owned()),
        "the queued job renews its own lease although a read was recorded on it meanwhile"
    );
    let (_, recorded) = leases::held_by(&*ports.store, &key, "queued-token")
        .await
        .expect("read lease")
        .expect("still held by the job");
    assert_eq!(
        recorded.map(|due| due.timestamp_millis()),
        Some(wanted_at.timestamp_millis()),
        "the renewal keeps the recorded read"
    );
}

/// A store that, just before the first conditional write to `key`, records a read on the
/// lease there as the scheduler would: the interleaving of the race, made certain.
struct RecordsAReadBeforeTheNextPut {
    inner: Arc<dyn Store>,
    key: Key,
    due_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    fired: AtomicBool,
}

#[async_trait]
impl Store for RecordsAReadBeforeTheNextPut {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        if item.key == self.key && !self.fired.swap(true, Ordering::SeqCst) {
            let recorded = leases::defer_at(&*self.inner, &self.key, self.due_at, self.now)
                .await
                .expect("record a read");
            assert_eq!(recorded, leases::Deferral::Recorded);
        }
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
}

/// `ports` with the poll jobs going to memory: these checks are about the store (the AWS
/// suite's ports have no queue behind them).
fn with_jobs_in_memory(ports: &Ports) -> Ports {
    let mut ports = ports.clone();
    ports.queues.poll_jobs = Arc::new(SentJobs::default());
    ports
}

/// A queue that keeps what is sent and hands nothing out.
#[derive(Default)]
struct SentJobs {
    bodies: std::sync::Mutex<Vec<String>>,
}

#[async_trait]
impl Queue for SentJobs {
    async fn send(&self, body: &str, _delay: std::time::Duration) -> Result<String, QueueError> {
        let mut bodies = self
            .bodies
            .lock()
            .map_err(|e| QueueError::Unavailable(e.to_string()))?;
        bodies.push(body.to_owned());
        Ok(bodies.len().to_string())
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

/// The holder of the lease under `key`, if any.
async fn holder_of(ports: &Ports, key: &Key) -> Option<String> {
    let item = ports.store.get(key).await.expect("read lease")?;
    item.data
        .get("holder")
        .and_then(|holder| holder.as_str())
        .map(str::to_owned)
}

/// Two overlapping scheduler ticks ask for the same due read (the second seconds later, its
/// clock moved on): the first queues it, the second is merged into it (not recorded for
/// after it, which read the inbox twice), and the job finishing hands over no second read.
pub async fn overlapping_ticks_queue_each_due_read_once(ports: impl Deref<Target = Ports>) {
    let ports = &with_jobs_in_memory(&ports);
    let tenant = TenantId(super::unique("t"));
    let integration = IntegrationId(super::unique("int"));
    let tick = std::time::Duration::from_secs(60);
    let due_at = ports.clock.now() + chrono::Duration::seconds(40);
    let job = PollJob::new(
        tenant.clone(),
        integration.clone(),
        Channel::AllegroMessaging,
    )
    .due(due_at);
    let first = poll_batch::request_polls(ports, vec![job.clone()], WhenHeld::Defer, tick)
        .await
        .expect("first tick");
    assert_eq!(first, [Requested::Queued]);
    // The second tick, one by one and batched: the read is the one already queued.
    assert_eq!(
        polling::request_poll(ports, job.clone(), std::time::Duration::ZERO, tick)
            .await
            .expect("second tick"),
        Requested::Merged
    );
    let second =
        poll_batch::request_polls(ports, vec![job.clone(), job.clone()], WhenHeld::Defer, tick)
            .await
            .expect("second tick, batched");
    assert_eq!(second, [Requested::Merged, Requested::Merged]);
    let key = polling::lease_key(&tenant, &integration, Channel::AllegroMessaging);
    let holder = holder_of(ports, &key)
        .await
        .expect("the queued job holds the lease");
    let (_, recorded) = leases::held_by(&*ports.store, &key, &holder)
        .await
        .expect("read lease")
        .expect("held");
    assert_eq!(
        recorded, None,
        "no second read recorded for the same due time"
    );
    // The queued job runs (a second early, as a whole-second queue delay may make it) and
    // finishes: nothing follows it.
    let queued = PollJob {
        lease: Some(holder.clone()),
        ..job.clone()
    };
    let running = polling::start(ports, &queued)
        .await
        .expect("start")
        .expect("the queued job renews its lease");
    let started = due_at - chrono::Duration::seconds(1);
    let follow_up =
        polling::finish_with_follow_up(ports, &queued, &running, started, None, None, tick)
            .await
            .expect("finish");
    assert_eq!(follow_up, None);
    assert_eq!(
        holder_of(ports, &key).await,
        None,
        "the lease is free again"
    );
    // The next due time is a read of its own.
    let next = job.clone().due(due_at + chrono::Duration::seconds(60));
    assert_eq!(
        poll_batch::request_polls(ports, vec![next], WhenHeld::Defer, tick)
            .await
            .expect("next tick"),
        [Requested::Queued]
    );
}

/// A tick's requests written in one batch keep the one-by-one conditions: a lease held by a
/// live job is never overwritten (the read is recorded on it, or merged), a free one is
/// taken, and a lease taken by another worker between the batch's read and its write is
/// left to that worker.
pub async fn batched_requests_keep_the_lease_conditions(ports: impl Deref<Target = Ports>) {
    let ports = &with_jobs_in_memory(&ports);
    let tenant = TenantId(super::unique("t"));
    let now = ports.clock.now();
    let tick = std::time::Duration::from_secs(60);
    let due_at = now + chrono::Duration::seconds(30);
    let ids: Vec<IntegrationId> = (0..4)
        .map(|_| IntegrationId(super::unique("int")))
        .collect();
    let jobs: Vec<PollJob> = ids
        .iter()
        .map(|id| PollJob::new(tenant.clone(), id.clone(), Channel::AllegroIssues).due(due_at))
        .collect();
    let keys: Vec<Key> = ids
        .iter()
        .map(|id| polling::lease_key(&tenant, id, Channel::AllegroIssues))
        .collect();
    let until = now + chrono::Duration::seconds(120);
    // 0: held by a live job; 1: free; 2: held, a read already recorded; 3: taken by another
    // worker between the batch's read and its write.
    assert!(
        leases::take_at(&*ports.store, &keys[0], "other", None, until, now)
            .await
            .expect("take")
    );
    assert!(
        leases::take_at(&*ports.store, &keys[2], "busy", None, until, now)
            .await
            .expect("take")
    );
    assert_eq!(
        leases::defer_at(
            &*ports.store,
            &keys[2],
            now + chrono::Duration::seconds(5),
            now
        )
        .await
        .expect("defer"),
        leases::Deferral::Recorded
    );
    let racing = Ports {
        store: Arc::new(TakesBeforeTheBatch {
            inner: ports.store.clone(),
            key: keys[3].clone(),
            until,
            now,
            fired: AtomicBool::new(false),
        }),
        ..ports.clone()
    };
    let outcomes = poll_batch::request_polls(&racing, jobs.clone(), WhenHeld::Defer, tick)
        .await
        .expect("request");
    assert_eq!(
        outcomes,
        [
            Requested::Deferred,
            Requested::Queued,
            Requested::Merged,
            Requested::Deferred
        ]
    );
    assert_eq!(holder_of(ports, &keys[0]).await.as_deref(), Some("other"));
    let (_, recorded) = leases::held_by(&*ports.store, &keys[0], "other")
        .await
        .expect("read")
        .expect("held");
    assert_eq!(
        recorded.map(|due| due.timestamp_millis()),
        Some(due_at.timestamp_millis()),
        "the due time is recorded on the held lease, not the request's moment"
    );
    let taken = holder_of(ports, &keys[1]).await.expect("taken");
    assert!(!["other", "busy", "racer"].contains(&taken.as_str()));
    assert_eq!(holder_of(ports, &keys[2]).await.as_deref(), Some("busy"));
    assert_eq!(
        holder_of(ports, &keys[3]).await.as_deref(),
        Some("racer"),
        "the lease taken meanwhile stays with its worker"
    );
    // "Everything now" merges into a live holder without recording anything.
    let fresh = IntegrationId(super::unique("int"));
    let key = polling::lease_key(&tenant, &fresh, Channel::AllegroIssues);
    assert!(
        leases::take_at(&*ports.store, &key, "other", None, until, now)
            .await
            .expect("take")
    );
    let now_job = PollJob::new(tenant.clone(), fresh, Channel::AllegroIssues);
    assert_eq!(
        poll_batch::request_polls(ports, vec![now_job], WhenHeld::Merge, tick)
            .await
            .expect("request"),
        [Requested::Merged]
    );
    let (_, recorded) = leases::held_by(&*ports.store, &key, "other")
        .await
        .expect("read")
        .expect("held");
    assert_eq!(recorded, None);
}

/// A store on which another worker takes the lease under `key` just before the first batch
/// of writes: the interleaving of the race, made certain.
struct TakesBeforeTheBatch {
    inner: Arc<dyn Store>,
    key: Key,
    until: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
    fired: AtomicBool,
}

#[async_trait]
impl Store for TakesBeforeTheBatch {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }

    async fn delete(&self, key: &Key, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(key, condition).await
    }

    async fn query(&self, query: &Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }

    async fn get_each(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        self.inner.get_each(keys).await
    }

    async fn put_each(&self, writes: Vec<(Item, Condition)>) -> Result<Vec<bool>, StoreError> {
        if !self.fired.swap(true, Ordering::SeqCst) {
            let taken =
                leases::take_at(&*self.inner, &self.key, "racer", None, self.until, self.now)
                    .await
                    .expect("the other worker takes the lease");
            assert!(taken);
        }
        self.inner.put_each(writes).await
    }
}
