//! Conformance checks for the poll lease on a backend's store: one job per integration and
//! channel queued or running, whichever worker asks.

use crate::domain::Channel;
use crate::ids::{IntegrationId, TenantId};
use crate::jobs::PollJob;
use crate::ports::{Condition, Item, Key, Page, Ports, Query, Store, StoreError, WriteOp};
use crate::repo::leases;
use crate::services::polling;
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
