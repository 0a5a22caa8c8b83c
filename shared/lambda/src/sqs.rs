//! SQS batches: each record handled on its own, failures reported per record.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use marketdesk_core::ports::heartbeat::RETRY_DELAY;
use marketdesk_core::ports::Queue;
use marketdesk_core::services::ServiceError;
use std::future::Future;

/// Handles every record of `event` with `handle` and reports the ones to retry.
///
/// Permanent failures (malformed body, entity gone) are logged and dropped, since retrying
/// cannot help; rate-limited ones are hidden on `queue` for the wait the marketplace asked for,
/// other failures for [`RETRY_DELAY`] (the queues' visibility timeouts are short so a crashed
/// invocation's batch comes back within seconds; retries keep their old pace); all are
/// reported so SQS redelivers them (and dead-letters them eventually).
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
        let Some(body) = record.body else {
            tracing::error!(message_id = %id, "SQS record without a body; dropped");
            continue;
        };
        match handle(body).await {
            Ok(()) => {}
            Err(error) if error.is_obsolete() => {
                tracing::info!(message_id = %id, %error, "dropping work for something deleted meanwhile");
            }
            Err(error) if error.is_permanent() => {
                tracing::error!(message_id = %id, %error, "dropping a message that can never succeed");
            }
            Err(error) => {
                tracing::warn!(message_id = %id, %error, "message failed; it will be retried");
                let delay = error.retry_after().unwrap_or(RETRY_DELAY);
                if let Some(receipt) = record.receipt_handle.as_deref() {
                    if let Err(release_error) = queue.release(receipt, delay).await {
                        tracing::warn!(message_id = %id, %release_error, "could not delay the retry");
                    }
                }
                response.add_failure(id);
            }
        }
    }
    response
}
