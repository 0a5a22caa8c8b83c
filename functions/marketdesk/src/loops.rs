//! The background loops of `marketdesk serve`: what EventBridge and SQS do on AWS.

use marketdesk_channels::ticks;
use marketdesk_channels::wiring::Channels;
use marketdesk_core::ports::heartbeat::{self, Heartbeat};
use marketdesk_core::ports::{Ports, Queue, QueueMessage};
use marketdesk_core::services::{ingest, poller, sender, token_refresh, webhooks, ServiceError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long a received message stays hidden without a heartbeat: while it is handled the
/// heartbeat extends it, so this is how soon a job of a process that died (kill -9, power
/// loss) is delivered again.
const VISIBILITY: Duration = heartbeat::SHORT_VISIBILITY;
/// When a failed job is tried again.
const RETRY_DELAY: Duration = heartbeat::RETRY_DELAY;
/// Pause between receives when a queue is empty.
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

/// Starts every loop; each stops when `stop` turns true.
pub fn spawn_all(
    ports: Ports,
    channels: Channels,
    poll_interval: Duration,
    stop: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
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

    let p = ports.clone();
    handles.push(tokio::spawn(consume(
        ports.queues.poll_jobs.clone(),
        stop.clone(),
        move |body| {
            let (p, m) = (p.clone(), marketplaces.clone());
            async move { poller::handle_body(&p, &*m, &body).await.map(|_| ()) }
        },
    )));

    let p = ports.clone();
    handles.push(tokio::spawn(consume(
        ports.queues.inbound.clone(),
        stop.clone(),
        move |body| {
            let p = p.clone();
            async move { ingest::handle_body(&p, &body).await.map(|_| ()) }
        },
    )));

    let (p, transport, settings) = (
        ports.clone(),
        channels.webhooks.clone(),
        Arc::new(channels.webhook_settings.clone()),
    );
    handles.push(tokio::spawn(consume(
        ports.queues.webhooks.clone(),
        stop.clone(),
        move |body| {
            let (p, t, s) = (p.clone(), transport.clone(), settings.clone());
            async move { webhooks::handle_body(&p, &*t, &s, &body).await }
        },
    )));

    let (p, deliveries) = (ports.clone(), Arc::new(channels.deliveries.clone()));
    handles.push(tokio::spawn(consume(
        ports.queues.outbound.clone(),
        stop,
        move |body| {
            let (p, d) = (p.clone(), deliveries.clone());
            async move { sender::handle_body(&p, &d, &body).await.map(|_| ()) }
        },
    )));

    handles
}

/// What EventBridge's one-minute rule does on AWS.
async fn scheduler_tick(ports: &Ports, channels: &Channels) {
    match ticks::scheduler_tick(ports, channels).await {
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

/// Receives from `queue` and handles each message until stopped, like a Lambda SQS trigger.
async fn consume<F, Fut>(queue: Arc<dyn Queue>, mut stop: watch::Receiver<bool>, handle: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), ServiceError>>,
{
    while !*stop.borrow() {
        let batch = match queue.receive(10, VISIBILITY).await {
            Ok(batch) => batch,
            Err(error) => {
                tracing::error!(%error, "queue receive failed");
                Vec::new()
            }
        };
        if batch.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_PAUSE) => {},
                () = stopped(&mut stop) => return,
            }
            continue;
        }
        let mut heartbeat =
            Heartbeat::new(&*queue, VISIBILITY, batch.iter().map(|m| m.receipt.clone()));
        for message in batch {
            let result = heartbeat.run(handle(message.body.clone())).await;
            heartbeat.let_go(&message.receipt);
            settle(&*queue, &message, result).await;
        }
    }
}

/// Deletes, delays or leaves a handled message, as the Lambda SQS integration would.
async fn settle(queue: &dyn Queue, message: &QueueMessage, result: Result<(), ServiceError>) {
    let outcome = match result {
        Ok(()) => queue.delete(&message.receipt).await,
        Err(error) if error.is_obsolete() => {
            tracing::info!(message_id = %message.id, %error, "dropping work for something deleted meanwhile");
            queue.delete(&message.receipt).await
        }
        Err(error) if error.is_permanent() => {
            tracing::error!(message_id = %message.id, %error, "dropping a message that can never succeed");
            queue.delete(&message.receipt).await
        }
        Err(error) => {
            tracing::warn!(message_id = %message.id, receive_count = message.receive_count, %error, "message failed; it will be retried");
            // Hidden for the wait asked for, else the retry delay; it moves to the
            // dead-letter queue after the maximum number of receives.
            let delay = error.retry_after().unwrap_or(RETRY_DELAY);
            queue.release(&message.receipt, delay).await
        }
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
