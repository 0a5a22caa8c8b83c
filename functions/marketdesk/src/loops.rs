//! The background loops of `marketdesk serve`: what EventBridge and SQS do on AWS.

use marketdesk_channels::wiring::Channels;
use marketdesk_core::disposition::{disposition, Disposition};
use marketdesk_core::ports::heartbeat::{self, Heartbeat};
use marketdesk_core::ports::queue::MAX_RECEIVE_BATCH;
use marketdesk_core::ports::{Ports, Queue, QueueMessage};
use marketdesk_core::services::{
    ingest, poller, sender, ticks, token_refresh, webhooks, ServiceError,
};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

/// How long a received message stays hidden without a heartbeat: while it is handled the
/// heartbeat extends it, so this is how soon a job of a process that died (kill -9, power
/// loss) is delivered again.
const VISIBILITY: Duration = heartbeat::SHORT_VISIBILITY;
/// Longest pause between receives when a queue is empty; the queue's `ready` wakes the
/// consumer sooner when a message is sent or a delayed one comes due.
const IDLE_PAUSE: Duration = Duration::from_millis(500);
/// Token refresh period (the hourly schedule on AWS).
const TOKEN_REFRESH_PERIOD: Duration = Duration::from_secs(3600);

/// How often expired items are removed from the embedded store.
const PURGE_PERIOD: Duration = Duration::from_secs(3600);

/// Removes expired items (audit entries after a year, sessions, webhook deliveries, …) at
/// start and then hourly, as DynamoDB's TTL does on AWS.
pub fn purge_expired(
    store: Arc<marketdesk_local::SqliteStore>,
    clock: Arc<dyn marketdesk_core::ports::Clock>,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(every(PURGE_PERIOD, stop, move || {
        let (store, clock) = (store.clone(), clock.clone());
        async move {
            match store.purge_expired(clock.now().timestamp()).await {
                Ok(removed) => tracing::info!(removed, "expired items purged"),
                Err(error) => tracing::warn!(%error, "could not purge expired items"),
            }
        }
    }))
}

/// Longest a message of the other queues (ingest, sender, webhooks) may take: below the
/// visibility timeout, so it is never handled twice at once.
const OTHER_TIMEOUT: Duration = Duration::from_secs(150);

/// How the loops run: the scheduler's period, workers per queue, the poll job timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopSettings {
    /// The scheduler's period (`--poll-interval`).
    pub poll_interval: Duration,
    /// Messages handled at once per queue (`MARKETDESK_WORKERS`).
    pub workers: usize,
    /// Longest one poll job may take (`MARKETDESK_POLL_TIMEOUT`).
    pub poll_timeout: Duration,
}

/// Starts every loop; each stops when `stop` turns true.
pub fn spawn_all(
    ports: Ports,
    channels: Channels,
    settings: LoopSettings,
    stop: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let poll_interval = settings.poll_interval;
    let polls = Consumption {
        workers: settings.workers,
        timeout: settings.poll_timeout,
    };
    let others = Consumption {
        workers: settings.workers,
        timeout: OTHER_TIMEOUT,
    };
    let mut handles = Vec::new();

    let marketplaces = Arc::new(channels.registry.clone());
    let (p, c) = (ports.clone(), channels.clone());
    handles.push(tokio::spawn(every(
        poll_interval,
        stop.clone(),
        move || {
            let (p, c) = (p.clone(), c.clone());
            async move { scheduler_tick(&p, &c).await }
        },
    )));

    if let Some(refresher) = channels.refresher.clone() {
        let p = ports.clone();
        handles.push(tokio::spawn(every(
            TOKEN_REFRESH_PERIOD,
            stop.clone(),
            move || {
                let (p, r) = (p.clone(), refresher.clone());
                async move {
                    match token_refresh::run(&p, &*r).await {
                        Ok(report) => tracing::info!(
                            accounts = report.accounts,
                            refreshed = report.refreshed,
                            disconnected = report.disconnected,
                            failed = report.failed,
                            "token refresh"
                        ),
                        Err(error) => tracing::error!(%error, "token refresh tick failed"),
                    }
                }
            },
        )));
    }

    let (p, polling) = (ports.clone(), channels.polling);
    handles.push(tokio::spawn(consume(
        "poll_jobs",
        ports.queues.poll_jobs.clone(),
        stop.clone(),
        polls,
        move |body| {
            let (p, m) = (p.clone(), marketplaces.clone());
            async move {
                poller::handle_body_with(&p, &*m, &body, &polling)
                    .await
                    .map(|_| ())
            }
        },
    )));

    let p = ports.clone();
    handles.push(tokio::spawn(consume(
        "inbound",
        ports.queues.inbound.clone(),
        stop.clone(),
        others,
        move |body| {
            let p = p.clone();
            async move { ingest::handle_job(&p, &body).await }
        },
    )));

    let (p, transport, settings) = (
        ports.clone(),
        channels.webhooks.clone(),
        Arc::new(channels.webhook_settings.clone()),
    );
    handles.push(tokio::spawn(consume(
        "webhooks",
        ports.queues.webhooks.clone(),
        stop.clone(),
        others,
        move |body| {
            let (p, t, s) = (p.clone(), transport.clone(), settings.clone());
            async move { webhooks::handle_body(&p, &*t, &s, &body).await }
        },
    )));

    let (p, deliveries) = (ports.clone(), Arc::new(channels.deliveries.clone()));
    handles.push(tokio::spawn(consume(
        "outbound",
        ports.queues.outbound.clone(),
        stop,
        others,
        move |body| {
            let (p, d) = (p.clone(), deliveries.clone());
            async move { sender::handle_body(&p, &d, &body).await.map(|_| ()) }
        },
    )));

    handles
}

/// What EventBridge's one-minute rule does on AWS.
async fn scheduler_tick(ports: &Ports, channels: &Channels) {
    match ticks::scheduler_tick(ports, &channels.polling, channels.oauth.as_deref()).await {
        Ok(report) => tracing::debug!(
            integrations = report.integrations,
            jobs = report.jobs,
            connected = report.connected,
            autoresponses = report.autoresponses,
            autoresponses_skipped = report.autoresponses_skipped,
            "scheduler tick"
        ),
        Err(error) => tracing::error!(%error, "scheduler tick failed"),
    }
}

/// Runs `tick` now and then every `period` until stopped.
async fn every<F, Fut>(period: Duration, mut stop: watch::Receiver<bool>, tick: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => tick().await,
            () = stopped(&mut stop) => return,
        }
    }
}

/// How a queue is consumed: how many messages are handled at once, and how long one may
/// take before it is given up (and put back in the queue for a later try).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consumption {
    /// Messages handled at once (at least 1).
    pub workers: usize,
    /// Longest time one message may take.
    pub timeout: Duration,
}

/// When a timed-out message comes back.
const TIMED_OUT_RETRY: Duration = Duration::from_secs(15);

/// Receives from `queue` (called `name` in the metrics) and handles up to
/// `consumption.workers` messages at once until stopped, like a Lambda SQS trigger with a
/// maximum concurrency: a slow or hanging message holds one worker, never the others. A
/// message that takes longer than the timeout is abandoned and comes back later. On stop,
/// the messages in hand are finished.
pub async fn consume<F, Fut>(
    name: &'static str,
    queue: Arc<dyn Queue>,
    mut stop: watch::Receiver<bool>,
    consumption: Consumption,
    handle: F,
) where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ServiceError>> + Send + 'static,
{
    let handle = Arc::new(handle);
    let workers = Arc::new(Semaphore::new(consumption.workers.max(1)));
    let mut running = JoinSet::new();
    while !*stop.borrow() {
        while running.try_join_next().is_some() {}
        let first = tokio::select! {
            permit = workers.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = stopped(&mut stop) => break,
        };
        // Receive only as many messages as there are free workers: the rest stay visible
        // to other consumers instead of waiting hidden here.
        let mut permits = vec![first];
        while permits.len() < MAX_RECEIVE_BATCH as usize {
            match workers.clone().try_acquire_owned() {
                Ok(permit) => permits.push(permit),
                Err(_) => break,
            }
        }
        let wanted = u32::try_from(permits.len()).unwrap_or(MAX_RECEIVE_BATCH);
        let batch = match queue.receive(wanted, VISIBILITY).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::error!(%error, "queue receive failed");
                Vec::new()
            }
        };
        if batch.is_empty() {
            drop(permits);
            tokio::select! {
                _ = tokio::time::sleep(IDLE_PAUSE) => {},
                () = queue.ready() => {},
                () = stopped(&mut stop) => break,
            }
            continue;
        }
        for (message, permit) in batch.into_iter().zip(permits) {
            if let Some(age) = message
                .sent_at
                .and_then(|sent| (chrono::Utc::now() - sent).to_std().ok())
            {
                marketdesk_core::metrics::queue_age(name, age);
            }
            let (queue, handle) = (queue.clone(), handle.clone());
            running.spawn(async move {
                let _worker = permit;
                // Keeps the message hidden while it runs (short visibility: a crashed
                // process's messages come back within seconds).
                let mut heartbeat = Heartbeat::new(&*queue, VISIBILITY, [message.receipt.clone()]);
                let work = tokio::time::timeout(consumption.timeout, handle(message.body.clone()));
                let outcome = heartbeat.run(work).await;
                heartbeat.let_go(&message.receipt);
                match outcome {
                    Ok(result) => settle(&*queue, &message, result).await,
                    Err(_) => {
                        tracing::warn!(
                            queue = name,
                            message_id = %message.id,
                            timeout_s = consumption.timeout.as_secs_f64(),
                            "message took too long; it will be retried"
                        );
                        if let Err(error) = queue.release(&message.receipt, TIMED_OUT_RETRY).await
                        {
                            tracing::warn!(message_id = %message.id, %error, "could not release a timed-out message");
                        }
                    }
                }
            });
        }
    }
    while running.join_next().await.is_some() {}
}

/// Deletes or delays a handled message as core's [`disposition`] says (as on Lambda).
async fn settle(queue: &dyn Queue, message: &QueueMessage, result: Result<(), ServiceError>) {
    let disposition = disposition(&result);
    if let Err(error) = &result {
        disposition.log(&message.id, error);
    }
    let outcome = match disposition {
        Disposition::Retry(delay) => queue.release(&message.receipt, delay).await,
        _ => queue.delete(&message.receipt).await,
    };
    if let Err(error) = outcome {
        tracing::warn!(message_id = %message.id, %error, "could not settle a message");
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard returned by wait_for is dropped here, keeping callers' futures Send.
    let _ = stop.wait_for(|stopped| *stopped).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Instant;

    /// Runs `consume` over two messages, the first hanging for 30 s; answers how long the
    /// second took to be handled (`None`: not within 3 s).
    async fn second_handled_after(workers: usize) -> Option<Duration> {
        let backend = marketdesk_testkit::backend::temp_backend();
        let queue = backend.ports.queues.poll_jobs.clone();
        queue.send("hang", Duration::ZERO).await.expect("send");
        queue.send("quick", Duration::ZERO).await.expect("send");
        let handled: Arc<Mutex<Option<Instant>>> = Arc::default();
        let (stop_tx, stop_rx) = watch::channel(false);
        let started = Instant::now();
        let seen = handled.clone();
        let consumer = tokio::spawn(consume(
            "test",
            queue,
            stop_rx,
            Consumption {
                workers,
                timeout: Duration::from_secs(30),
            },
            move |body| {
                let seen = seen.clone();
                async move {
                    if body == "hang" {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    } else {
                        *seen.lock().expect("lock") = Some(Instant::now());
                    }
                    Ok(())
                }
            },
        ));
        let deadline = started + Duration::from_secs(3);
        while Instant::now() < deadline && handled.lock().expect("lock").is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = stop_tx.send(true);
        consumer.abort();
        let at = *handled.lock().expect("lock");
        at.map(|at| at - started)
    }

    #[tokio::test]
    async fn a_hanging_message_does_not_delay_the_next_one() {
        let took = second_handled_after(4).await;
        assert!(
            took.is_some_and(|took| took < Duration::from_secs(2)),
            "the quick message waited behind the hanging one: {took:?}"
        );
        // One worker is the old one-after-another loop: the quick message waits.
        assert_eq!(second_handled_after(1).await, None);
    }

    #[tokio::test]
    async fn a_message_over_its_timeout_is_abandoned_and_comes_back() {
        let backend = marketdesk_testkit::backend::temp_backend();
        let queue = backend.ports.queues.inbound.clone();
        queue.send("slow", Duration::ZERO).await.expect("send");
        let (stop_tx, stop_rx) = watch::channel(false);
        let consumer = tokio::spawn(consume(
            "test",
            queue.clone(),
            stop_rx,
            Consumption {
                workers: 2,
                timeout: Duration::from_millis(200),
            },
            |_body| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            },
        ));
        tokio::time::sleep(Duration::from_millis(700)).await;
        let _ = stop_tx.send(true);
        tokio::time::timeout(Duration::from_secs(5), consumer)
            .await
            .expect("the consumer stops: the abandoned job is not awaited")
            .expect("join");
        // Released for a later try instead of waiting out the visibility timeout.
        tokio::time::sleep(TIMED_OUT_RETRY + Duration::from_millis(200)).await;
        let again = queue.receive(1, VISIBILITY).await.expect("receive");
        assert_eq!(again.len(), 1, "the abandoned message is back");
        assert!(again[0].receive_count >= 2);
    }
}
