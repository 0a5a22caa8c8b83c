//! A Lambda SQS handler's partial batch response: the records to retry are reported in
//! `batchItemFailures` (so SQS redelivers them, and only them) and hidden for their delay;
//! records that succeeded or can never succeed are not reported (SQS deletes them).

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use marketdesk_core::ports::heartbeat::RETRY_DELAY;
use marketdesk_core::ports::queue::{Queue, QueueError, QueueMessage};
use marketdesk_core::ports::MarketplaceError;
use marketdesk_core::services::ServiceError;
use serde_json::json;
use std::sync::Mutex;
use std::time::Duration;

/// The queue the records came from; remembers which receipts were delayed and by how much.
#[derive(Default)]
struct ReleaseLog(Mutex<Vec<(String, Duration)>>);

#[async_trait]
impl Queue for ReleaseLog {
    async fn send(&self, _body: &str, _delay: Duration) -> Result<String, QueueError> {
        Err(QueueError::Unavailable("not used by batches".into()))
    }

    async fn receive(
        &self,
        _max: u32,
        _visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        Ok(Vec::new())
    }

    async fn delete(&self, _receipt: &str) -> Result<(), QueueError> {
        Err(QueueError::Unavailable(
            "Lambda deletes, not the handler".into(),
        ))
    }

    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        self.0
            .lock()
            .expect("log")
            .push((receipt.to_owned(), delay));
        Ok(())
    }
}

fn record(id: &str, body: &str) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = Some(id.to_owned());
    record.receipt_handle = Some(format!("receipt-{id}"));
    record.body = Some(body.to_owned());
    record
}

/// The work of each body: what a service would answer.
async fn work(body: String) -> Result<(), ServiceError> {
    match body.as_str() {
        "fine" => Ok(()),
        "malformed" => Err(ServiceError::Malformed("not a job".into())),
        "gone" => Err(ServiceError::Gone("integration removed".into())),
        "outage" => Err(ServiceError::Marketplace(MarketplaceError::Unavailable(
            "502 from the marketplace".into(),
        ))),
        "limited" => Err(ServiceError::Marketplace(MarketplaceError::RateLimited {
            retry_after: Duration::from_secs(75),
        })),
        other => panic!("unexpected body {other}"),
    }
}

#[tokio::test]
async fn failed_records_are_reported_for_redelivery_and_only_they() {
    let mut event = SqsEvent::default();
    event.records = vec![
        record("m-fine", "fine"),
        record("m-outage", "outage"),
        record("m-malformed", "malformed"),
        record("m-limited", "limited"),
        record("m-gone", "gone"),
    ];
    let queue = ReleaseLog::default();

    let response = marketdesk_lambda::sqs::process_batch(event, &queue, work).await;

    // The wire shape the Lambda SQS integration reads (ReportBatchItemFailures).
    assert_eq!(
        serde_json::to_value(&response).expect("serializes"),
        json!({"batchItemFailures": [
            {"itemIdentifier": "m-outage"},
            {"itemIdentifier": "m-limited"},
        ]})
    );
    assert_eq!(
        *queue.0.lock().expect("log"),
        [
            ("receipt-m-outage".to_owned(), RETRY_DELAY),
            ("receipt-m-limited".to_owned(), Duration::from_secs(75)),
        ]
    );
}

#[tokio::test]
async fn a_batch_that_all_succeeds_reports_no_failures() {
    let mut event = SqsEvent::default();
    event.records = vec![record("m-1", "fine"), record("m-2", "fine")];
    let queue = ReleaseLog::default();
    let response = marketdesk_lambda::sqs::process_batch(event, &queue, work).await;
    assert_eq!(
        serde_json::to_value(&response).expect("serializes"),
        json!({"batchItemFailures": []})
    );
    assert!(queue.0.lock().expect("log").is_empty());
}
