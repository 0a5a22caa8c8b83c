//! The AWS backend for tests: DynamoDB Local for the store, moto for SQS and Secrets Manager.
//!
//! `MARKETDESK_TEST_DYNAMODB_ENDPOINT` and `MARKETDESK_TEST_MOTO_ENDPOINT` point at the
//! emulators (`scripts/test --serve` starts them). When either is unset a test is skipped,
//! unless `MARKETDESK_TEST_REQUIRE_EMULATORS=1`, which makes it fail.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::types::QueueAttributeName;
use marketdesk_aws::{create_table, AwsBackend, AwsSettings, DynamoStore};
use marketdesk_core::ports::{Ports, SystemClock};
use marketdesk_core::repo::word_index::StoreWordIndex;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const DYNAMODB_VAR: &str = "MARKETDESK_TEST_DYNAMODB_ENDPOINT";
const MOTO_VAR: &str = "MARKETDESK_TEST_MOTO_ENDPOINT";
const REQUIRE_VAR: &str = "MARKETDESK_TEST_REQUIRE_EMULATORS";
/// Receives before SQS moves a message to its dead-letter queue (as deployed).
pub const MAX_RECEIVE_COUNT: u32 = 5;
pub const VISIBILITY: Duration = Duration::from_secs(30);

/// Both emulator endpoints, `None` to skip, or a panic when emulators are required.
pub fn endpoints() -> Option<(String, String)> {
    let read = |var: &str| {
        std::env::var(var)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    match (read(DYNAMODB_VAR), read(MOTO_VAR)) {
        (Some(dynamodb), Some(moto)) => Some((dynamodb, moto)),
        _ if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") => panic!(
            "{DYNAMODB_VAR} and {MOTO_VAR} must both be set when {REQUIRE_VAR}=1: start the \
             emulators (scripts/test does) and export them, or unset {REQUIRE_VAR} to skip"
        ),
        _ => None,
    }
}

/// An SDK configuration for an emulator: us-east-1, test credentials, few retries.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .test_credentials()
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await
}

/// A uniquely named queue with a dead-letter queue; the queue's URL.
pub async fn create_queue(client: &aws_sdk_sqs::Client, role: &str, unique: &str) -> String {
    let name = format!("pipeline-{role}-{unique}");
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("create the dead-letter queue")
        .queue_url
        .expect("queue URL");
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("dead-letter queue attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("dead-letter queue ARN");
    let redrive = json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": MAX_RECEIVE_COUNT.to_string(),
    });
    client
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .expect("create the queue")
        .queue_url
        .expect("queue URL")
}

/// Ports on a fresh table (DynamoDB Local) and fresh queues and secrets prefix (moto).
pub async fn aws_ports(dynamodb_endpoint: &str, moto_endpoint: &str) -> Ports {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config(dynamodb_endpoint).await);
    let table_name = format!("marketdesk-pipeline-{unique}");
    create_table(&dynamodb, &table_name)
        .await
        .expect("create the table in DynamoDB Local");
    let moto = sdk_config(moto_endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&moto);
    let settings = AwsSettings {
        table_name: table_name.clone(),
        poll_jobs_queue_url: create_queue(&sqs, "poll-jobs", &unique).await,
        inbound_queue_url: create_queue(&sqs, "inbound", &unique).await,
        outbound_queue_url: create_queue(&sqs, "outbound", &unique).await,
        webhooks_queue_url: create_queue(&sqs, "webhooks", &unique).await,
        secrets_prefix: format!("marketdesk/pipeline-{unique}"),
        secrets_key_id: None,
        notify_from: Some("noreply@example.com".into()),
    };
    settings.validate().expect("settings");
    // One SDK configuration serves one endpoint: everything on moto, then the store is
    // replaced by the same adapter on DynamoDB Local.
    let mut ports = AwsBackend::from_sdk_config(&moto, settings, Arc::new(SystemClock));
    ports.store = Arc::new(DynamoStore::new(dynamodb, table_name));
    ports.text_index = Arc::new(StoreWordIndex::new(ports.store.clone()));
    ports
}
