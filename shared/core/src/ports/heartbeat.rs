//! Keeps received queue messages hidden while their work runs, so the visibility timeout can
//! be short: a worker that dies stops extending, and its messages come back within one
//! timeout (seconds, not minutes) for another worker, while live work is never redelivered.

use super::queue::{Queue, QueueError};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Visibility timeout for work handled under a [`Heartbeat`]: how long a crashed worker's
/// messages stay hidden before they are delivered again.
pub const SHORT_VISIBILITY: Duration = Duration::from_secs(30);

/// When a failed job is tried again: the failed message is hidden this long (the old
/// visibility timeout), so five receives still span about 15 minutes of outage before the
/// dead-letter queue, although a crashed worker's job comes back within seconds.
pub const RETRY_DELAY: Duration = Duration::from_secs(180);

/// The messages of one received batch that are still being worked on, and when their
/// visibility is next extended (every third of the timeout, so two extensions may fail
/// before a message reappears).
pub struct Heartbeat<'q> {
    queue: &'q dyn Queue,
    visibility: Duration,
    held: Vec<String>,
    next_extension: Instant,
}

impl<'q> Heartbeat<'q> {
    /// Starts holding `receipts`, received just now with `visibility`.
    pub fn new(
        queue: &'q dyn Queue,
        visibility: Duration,
        receipts: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            queue,
            visibility,
            held: receipts.into_iter().collect(),
            next_extension: Instant::now() + visibility / 3,
        }
    }

    /// Stops extending `receipt` (its message was deleted, released or left to come back).
    pub fn let_go(&mut self, receipt: &str) {
        self.held.retain(|held| held != receipt);
    }

    /// The receipts still held.
    pub fn held(&self) -> &[String] {
        &self.held
    }

    /// Runs `work`, extending every held message's visibility whenever an extension is due
    /// meanwhile.
    pub async fn run<F: Future>(&mut self, work: F) -> F::Output {
        let mut work = std::pin::pin!(work);
        loop {
            match tokio::time::timeout_at(self.next_extension, work.as_mut()).await {
                Ok(output) => return output,
                Err(_) => self.extend().await,
            }
        }
    }

    /// Hides every held message for another full visibility timeout from now.
    pub async fn extend(&mut self) {
        self.next_extension = Instant::now() + self.visibility / 3;
        let mut gone = Vec::new();
        for receipt in &self.held {
            match self.queue.release(receipt, self.visibility).await {
                Ok(()) => {}
                // Deleted or delivered to someone else: nothing left to keep.
                Err(QueueError::StaleReceipt) => gone.push(receipt.clone()),
                Err(error) => {
                    tracing::warn!(%error, "could not extend a message's visibility; it may be delivered again")
                }
            }
        }
        self.held.retain(|held| !gone.contains(held));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::QueueMessage;
    use async_trait::async_trait;
    use std::sync::Mutex;

    /// Records the extensions asked for.
    #[derive(Default)]
    struct Recording {
        released: Mutex<Vec<(String, Duration)>>,
    }

    #[async_trait]
    impl Queue for Recording {
        async fn send(&self, _: &str, _: Duration) -> Result<String, QueueError> {
            Ok("id".into())
        }
        async fn receive(&self, _: u32, _: Duration) -> Result<Vec<QueueMessage>, QueueError> {
            Ok(Vec::new())
        }
        async fn delete(&self, _: &str) -> Result<(), QueueError> {
            Ok(())
        }
        async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
            if receipt == "stale" {
                return Err(QueueError::StaleReceipt);
            }
            self.released
                .lock()
                .expect("lock")
                .push((receipt.to_owned(), delay));
            Ok(())
        }
    }

    #[tokio::test]
    async fn long_work_keeps_every_held_message_hidden_and_short_work_costs_nothing() {
        let queue = Recording::default();
        // Scaled down: 300 ms stands for 30 s, so extensions are due every 100 ms.
        let visibility = Duration::from_millis(300);
        let mut heartbeat = Heartbeat::new(
            &queue,
            visibility,
            ["a".to_owned(), "b".to_owned(), "stale".to_owned()],
        );
        heartbeat
            .run(tokio::time::sleep(Duration::from_millis(40)))
            .await;
        assert!(queue.released.lock().expect("lock").is_empty());

        // 40 + 300 ms: extensions near 100, 200 and 300 ms, for both live messages, counted
        // across the two runs (a batch's jobs run one after another).
        heartbeat
            .run(tokio::time::sleep(Duration::from_millis(300)))
            .await;
        let released = queue.released.lock().expect("lock").clone();
        assert!((4..=6).contains(&released.len()), "{released:?}");
        assert_eq!(
            released.len() % 2,
            0,
            "both messages each time: {released:?}"
        );
        assert!(released.iter().all(|(_, d)| *d == visibility));
        assert_eq!(heartbeat.held(), ["a", "b"], "a stale receipt is dropped");

        let before = released.len();
        heartbeat.let_go("a");
        heartbeat
            .run(tokio::time::sleep(Duration::from_millis(150)))
            .await;
        let released = queue.released.lock().expect("lock").clone();
        assert!(released.len() > before, "{released:?}");
        assert!(
            released[before..].iter().all(|(r, _)| r == "b"),
            "{released:?}"
        );
    }
}
