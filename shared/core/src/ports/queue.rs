//! Queue port: an at-least-once work queue with a visibility timeout and a dead-letter queue.
//!
//! Semantics follow SQS standard queues: a received message is hidden for the visibility
//! timeout and comes back unless deleted; a message received more than the queue's
//! maximum receive count is moved to its dead-letter queue instead of being delivered again.

use async_trait::async_trait;
use std::time::Duration;

/// Most messages one receive call may return (the SQS limit).
pub const MAX_RECEIVE_BATCH: u32 = 10;
/// Longest delay a message can be sent with (the SQS limit, 15 minutes).
pub const MAX_SEND_DELAY: Duration = Duration::from_secs(15 * 60);
/// Largest message body in bytes (the SQS limit, 256 KiB).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A message handed out by [`Queue::receive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// Stable id of the message, the same on every delivery.
    pub id: String,
    /// Handle for this delivery, used to delete or release it.
    pub receipt: String,
    /// The body as sent.
    pub body: String,
    /// How many times the message has been received, this delivery included.
    pub receive_count: u32,
    /// When it was sent (a delay included in its age), when the queue tells.
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Why a queue operation failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The request breaks a queue limit (body size, batch size, delay).
    #[error("invalid queue request: {0}")]
    Invalid(String),
    /// The receipt is unknown or no longer valid (the message was redelivered or deleted).
    #[error("stale receipt")]
    StaleReceipt,
    /// The queue service failed; the caller may retry.
    #[error("queue unavailable: {0}")]
    Unavailable(String),
}

/// An at-least-once work queue.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Enqueues `body`, visible after `delay` (at most [`MAX_SEND_DELAY`]); returns the message id.
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError>;

    /// Receives up to `max` (1..=[`MAX_RECEIVE_BATCH`]) visible messages and hides them for
    /// `visibility`. Returns at once, possibly with no messages.
    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError>;

    /// Deletes a received message for good.
    async fn delete(&self, receipt: &str) -> Result<(), QueueError>;

    /// Makes a received message visible again after `delay` (zero: at once), e.g. to back off.
    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError>;

    /// Resolves when a message may be ready to receive: a message was sent, or a delayed or
    /// hidden one became visible. Local queues wake their consumers at once, as SQS long
    /// polling returns as soon as a message arrives; the default never resolves, and
    /// consumers fall back to their idle pause.
    async fn ready(&self) {
        std::future::pending::<()>().await;
    }

    /// Enqueues each `(body, delay)` as [`Queue::send`] does; answers the message ids in
    /// order. For many messages at once (a scheduler tick's poll jobs): the default sends them
    /// one by one, a backend may group them (the SQLite queue commits them together). An
    /// error may leave the messages before it sent.
    async fn send_each(
        &self,
        messages: Vec<(String, Duration)>,
    ) -> Result<Vec<String>, QueueError> {
        let mut ids = Vec::with_capacity(messages.len());
        for (body, delay) in &messages {
            ids.push(self.send(body, *delay).await?);
        }
        Ok(ids)
    }

    /// How many messages the queue holds, for health checks; `Ok(None)` where the adapter does
    /// not count (it still answered nothing wrong). Reads only: nothing is received or changed.
    async fn stats(&self) -> Result<Option<QueueStats>, QueueError> {
        Ok(None)
    }
}

/// A queue's contents at one moment (health checks, `marketdesk status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Messages ready or waiting for their delay.
    pub waiting: u64,
    /// Messages received and not yet deleted (being worked on).
    pub in_flight: u64,
    /// Age in seconds of the oldest message not yet done.
    pub oldest_age_seconds: Option<u64>,
    /// Messages in its dead-letter queue.
    pub dead_letters: u64,
}

/// Checks a send request against the limits shared by every backend.
pub fn validate_send(body: &str, delay: Duration) -> Result<(), QueueError> {
    if body.is_empty() {
        return Err(QueueError::Invalid("empty message body".into()));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(QueueError::Invalid(format!(
            "message body is {} bytes, the limit is {MAX_BODY_BYTES}",
            body.len()
        )));
    }
    if delay > MAX_SEND_DELAY {
        return Err(QueueError::Invalid(format!(
            "delay {}s exceeds the limit of {}s",
            delay.as_secs(),
            MAX_SEND_DELAY.as_secs()
        )));
    }
    Ok(())
}

/// Checks a receive request against the limits shared by every backend.
pub fn validate_receive(max: u32, visibility: Duration) -> Result<(), QueueError> {
    if max == 0 || max > MAX_RECEIVE_BATCH {
        return Err(QueueError::Invalid(format!(
            "receive batch must be 1..={MAX_RECEIVE_BATCH}, got {max}"
        )));
    }
    if visibility > Duration::from_secs(12 * 60 * 60) {
        return Err(QueueError::Invalid(
            "visibility timeout exceeds 12 hours".into(),
        ));
    }
    Ok(())
}
