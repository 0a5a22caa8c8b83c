//! [`SqsQueue`]: the queue port on one SQS standard queue.
//!
//! Dead-lettering is the queue's own `RedrivePolicy` (set in infra), not done here.

use crate::sdk_error::{self, ceil_secs};
use async_trait::async_trait;
use aws_sdk_sqs::operation::change_message_visibility::ChangeMessageVisibilityError;
use aws_sdk_sqs::operation::delete_message::DeleteMessageError;
use aws_sdk_sqs::operation::send_message::SendMessageError;
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use aws_sdk_sqs::Client;
use marketdesk_core::ports::queue::QueueStats;
use marketdesk_core::ports::queue::{validate_receive, validate_send};
use marketdesk_core::ports::{Queue, QueueError, QueueMessage};
use std::collections::HashMap;
use std::time::Duration;

/// Longest visibility timeout SQS accepts (12 hours).
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 60 * 60);

/// The queue port on one SQS queue, addressed by its URL.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
}

impl SqsQueue {
    /// A queue adapter for `queue_url`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// The URL of the queue.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }
}

impl SqsQueue {
    /// `GetQueueAttributes` of `queue_url`: the approximate counts (and what else is asked).
    async fn attributes(
        &self,
        queue_url: &str,
        names: &[QueueAttributeName],
    ) -> Result<HashMap<QueueAttributeName, String>, QueueError> {
        let mut request = self.client.get_queue_attributes().queue_url(queue_url);
        for name in names {
            request = request.attribute_names(name.clone());
        }
        let out = request.send().await.map_err(|err| {
            QueueError::Unavailable(sdk_error::describe("GetQueueAttributes", &err))
        })?;
        Ok(out.attributes.unwrap_or_default())
    }

    /// Messages in the dead-letter queue named by this queue's `RedrivePolicy`.
    async fn dead_letters(&self, redrive_policy: &str) -> Result<u64, QueueError> {
        let target = serde_json::from_str::<serde_json::Value>(redrive_policy)
            .ok()
            .and_then(|policy| policy["deadLetterTargetArn"].as_str().map(str::to_owned))
            .ok_or_else(|| {
                QueueError::Unavailable("GetQueueAttributes: unreadable RedrivePolicy".into())
            })?;
        // arn:<partition>:sqs:<region>:<account>:<queue name>
        let mut parts = target.rsplitn(3, ':');
        let (name, account) = (parts.next().unwrap_or_default(), parts.next());
        let mut request = self.client.get_queue_url().queue_name(name);
        if let Some(account) = account {
            request = request.queue_owner_aws_account_id(account);
        }
        let dlq_url = request
            .send()
            .await
            .map_err(|err| QueueError::Unavailable(sdk_error::describe("GetQueueUrl", &err)))?
            .queue_url
            .ok_or_else(|| QueueError::Unavailable("GetQueueUrl: no queue URL".into()))?;
        let attributes = self
            .attributes(
                &dlq_url,
                &[
                    QueueAttributeName::ApproximateNumberOfMessages,
                    QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
                    QueueAttributeName::ApproximateNumberOfMessagesDelayed,
                ],
            )
            .await?;
        Ok(
            count(&attributes, QueueAttributeName::ApproximateNumberOfMessages)
                + count(
                    &attributes,
                    QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
                )
                + count(
                    &attributes,
                    QueueAttributeName::ApproximateNumberOfMessagesDelayed,
                ),
        )
    }
}

/// An approximate count attribute; absent or unreadable counts as zero.
fn count(attributes: &HashMap<QueueAttributeName, String>, name: QueueAttributeName) -> u64 {
    attributes
        .get(&name)
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

fn seconds(duration: Duration, what: &str) -> Result<i32, QueueError> {
    i32::try_from(ceil_secs(duration))
        .map_err(|_| QueueError::Invalid(format!("{what} is out of range")))
}

fn message(message: Message) -> Result<QueueMessage, QueueError> {
    let missing = |what: &str| QueueError::Unavailable(format!("ReceiveMessage: no {what}"));
    let receive_count = message
        .attributes
        .as_ref()
        .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
        .ok_or_else(|| missing("ApproximateReceiveCount"))?
        .parse()
        .map_err(|_| {
            QueueError::Unavailable("ReceiveMessage: ApproximateReceiveCount is not a count".into())
        })?;
    Ok(QueueMessage {
        id: message.message_id.ok_or_else(|| missing("message id"))?,
        receipt: message
            .receipt_handle
            .ok_or_else(|| missing("receipt handle"))?,
        body: message.body.ok_or_else(|| missing("body"))?,
        receive_count,
        // Not asked for: the Lambda functions read it from the SQS event (marketdesk-lambda).
        sent_at: None,
    })
}

#[async_trait]
impl Queue for SqsQueue {
    async fn send(&self, body: &str, delay: Duration) -> Result<String, QueueError> {
        validate_send(body, delay)?;
        let out = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .delay_seconds(seconds(delay, "delay")?)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(SendMessageError::InvalidMessageContents(_)) => {
                    QueueError::Invalid("message body holds characters SQS does not accept".into())
                }
                _ => QueueError::Unavailable(sdk_error::describe("SendMessage", &err)),
            })?;
        out.message_id
            .ok_or_else(|| QueueError::Unavailable("SendMessage: no message id".into()))
    }

    async fn receive(
        &self,
        max: u32,
        visibility: Duration,
    ) -> Result<Vec<QueueMessage>, QueueError> {
        validate_receive(max, visibility)?;
        let max = i32::try_from(max)
            .map_err(|_| QueueError::Invalid("receive batch is out of range".into()))?;
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max)
            .visibility_timeout(seconds(visibility, "visibility timeout")?)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|err| QueueError::Unavailable(sdk_error::describe("ReceiveMessage", &err)))?;
        out.messages
            .unwrap_or_default()
            .into_iter()
            .map(message)
            .collect()
    }

    async fn delete(&self, receipt: &str) -> Result<(), QueueError> {
        if receipt.is_empty() {
            return Err(QueueError::StaleReceipt);
        }
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(DeleteMessageError::ReceiptHandleIsInvalid(_)) => QueueError::StaleReceipt,
                _ => QueueError::Unavailable(sdk_error::describe("DeleteMessage", &err)),
            })?;
        Ok(())
    }

    async fn release(&self, receipt: &str, delay: Duration) -> Result<(), QueueError> {
        if delay > MAX_VISIBILITY {
            return Err(QueueError::Invalid("release delay exceeds 12 hours".into()));
        }
        if receipt.is_empty() {
            return Err(QueueError::StaleReceipt);
        }
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(seconds(delay, "release delay")?)
            .send()
            .await
            .map_err(|err| match err.as_service_error() {
                Some(
                    ChangeMessageVisibilityError::ReceiptHandleIsInvalid(_)
                    | ChangeMessageVisibilityError::MessageNotInflight(_),
                ) => QueueError::StaleReceipt,
                _ => QueueError::Unavailable(sdk_error::describe("ChangeMessageVisibility", &err)),
            })?;
        Ok(())
    }

    /// SQS's approximate counts (`GetQueueAttributes`, and its dead-letter queue's); the age of
    /// the oldest message is CloudWatch's `ApproximateAgeOfOldestMessage`, not an attribute.
    async fn stats(&self) -> Result<Option<QueueStats>, QueueError> {
        let attributes = self
            .attributes(
                &self.queue_url,
                &[
                    QueueAttributeName::ApproximateNumberOfMessages,
                    QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
                    QueueAttributeName::ApproximateNumberOfMessagesDelayed,
                    QueueAttributeName::RedrivePolicy,
                ],
            )
            .await?;
        let dead_letters = match attributes.get(&QueueAttributeName::RedrivePolicy) {
            Some(policy) => self.dead_letters(policy).await?,
            None => 0,
        };
        Ok(Some(QueueStats {
            waiting: count(&attributes, QueueAttributeName::ApproximateNumberOfMessages)
                + count(
                    &attributes,
                    QueueAttributeName::ApproximateNumberOfMessagesDelayed,
                ),
            in_flight: count(
                &attributes,
                QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            ),
            oldest_age_seconds: None,
            dead_letters,
        }))
    }
}
