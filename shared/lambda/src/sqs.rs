//! SQS batches: each record handled on its own, failures reported per record.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use marketdesk_core::disposition::{disposition, Disposition};
use marketdesk_core::ports::Queue;
use marketdesk_core::services::ServiceError;
use std::future::Future;
use std::sync::OnceLock;

/// Handles every record of `event` with `handle` and reports the ones to retry.
///
/// What becomes of each record is core's [`disposition`], shared with `marketdesk serve`'s
/// loops: permanent failures are logged and dropped; failures to retry are hidden on `queue`
/// for their delay (the queues' visibility timeouts are short so a crashed invocation's batch
/// comes back within seconds; retries keep their old pace) and reported so SQS redelivers
/// them (and dead-letters them eventually).
pub async fn process_batch<F, Fut>(
    event: SqsEvent,
    queue: &dyn Queue,
    handle: F,
) -> SqsBatchResponse
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), ServiceError>>,
{
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        record_queue_age(&record, chrono::Utc::now().timestamp_millis());
        let Some(body) = record.body else {
            tracing::error!(message_id = %id, "SQS record without a body; dropped");
            continue;
        };
        let result = handle(body).await;
        let disposition = disposition(&result);
        if let Err(error) = &result {
            disposition.log(&id, error);
        }
        if let Disposition::Retry(delay) = disposition {
            if let Some(receipt) = record.receipt_handle.as_deref() {
                if let Err(release_error) = queue.release(receipt, delay).await {
                    tracing::warn!(message_id = %id, %release_error, "could not delay the retry");
                }
            }
            response.add_failure(id);
        }
    }
    crate::emf::flush();
    response
}

/// The queue's name in the metrics: which of the `MARKETDESK_*_QUEUE_URL` queues the record
/// came from (its ARN ends with the queue name the URL ends with), else `other`.
fn queue_label(source_arn: &str) -> &'static str {
    static QUEUES: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    let queues = QUEUES.get_or_init(|| {
        [
            (
                "poll_jobs",
                marketdesk_aws::backend::POLL_JOBS_QUEUE_URL_VAR,
            ),
            ("inbound", marketdesk_aws::backend::INBOUND_QUEUE_URL_VAR),
            ("outbound", marketdesk_aws::backend::OUTBOUND_QUEUE_URL_VAR),
            ("webhooks", marketdesk_aws::backend::WEBHOOKS_QUEUE_URL_VAR),
        ]
        .into_iter()
        .filter_map(|(label, var)| {
            let url = std::env::var(var).ok()?;
            Some((label, url.rsplit('/').next()?.to_owned()))
        })
        .collect()
    });
    let name = source_arn.rsplit(':').next().unwrap_or_default();
    queues
        .iter()
        .find(|(_, queue)| !queue.is_empty() && queue == name)
        .map_or("other", |(label, _)| label)
}

/// Records how long the record waited on its queue (from SQS's `SentTimestamp`).
fn record_queue_age(record: &SqsMessage, now_ms: i64) {
    let Some(sent_ms) = record
        .attributes
        .get("SentTimestamp")
        .and_then(|sent| sent.parse::<i64>().ok())
    else {
        return;
    };
    let age = std::time::Duration::from_millis(u64::try_from(now_ms - sent_ms).unwrap_or(0));
    let queue = queue_label(record.event_source_arn.as_deref().unwrap_or_default());
    marketdesk_core::metrics::queue_age(queue, age);
}
