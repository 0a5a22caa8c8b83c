//! Emulator wiring shared by the integration tests.
//!
//! `MARKETDESK_TEST_DYNAMODB_ENDPOINT` (DynamoDB Local) and `MARKETDESK_TEST_MOTO_ENDPOINT`
//! (moto: SQS, Secrets Manager, SES) point at the emulators. When one is unset its tests are
//! skipped, unless `MARKETDESK_TEST_REQUIRE_EMULATORS=1`, which turns a missing one into a failure.

#![allow(dead_code)] // each test binary uses part of this module

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::types::QueueAttributeName;
use marketdesk_aws::{create_table, DynamoStore, SqsQueue};
use marketdesk_core::conformance::queue::MAX_RECEIVES;
use tokio::sync::OnceCell;

/// DynamoDB Local endpoint variable.
pub const DYNAMODB_VAR: &str = "MARKETDESK_TEST_DYNAMODB_ENDPOINT";
/// moto endpoint variable.
pub const MOTO_VAR: &str = "MARKETDESK_TEST_MOTO_ENDPOINT";
/// Set to `1` to fail, not skip, when an emulator is not configured.
pub const REQUIRE_VAR: &str = "MARKETDESK_TEST_REQUIRE_EMULATORS";

/// The endpoint in `var`, `None` to skip, or a panic when emulators are required.
pub fn endpoint(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some(value.trim().to_owned()),
        _ if std::env::var(REQUIRE_VAR).as_deref() == Ok("1") => panic!(
            "{var} is not set but {REQUIRE_VAR}=1: start the emulators (scripts/test does) \
             and export {var}, or unset {REQUIRE_VAR} to skip these tests"
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

/// The name of this process's store table, created on first use. Only the name is cached:
/// every `#[tokio::test]` has its own runtime, so clients are built per test.
static TABLE: OnceCell<String> = OnceCell::const_new();

/// A DynamoDB client for DynamoDB Local, or `None` to skip.
pub async fn dynamodb_client() -> Option<aws_sdk_dynamodb::Client> {
    let endpoint = endpoint(DYNAMODB_VAR)?;
    Some(aws_sdk_dynamodb::Client::new(&sdk_config(&endpoint).await))
}

/// A store on a table shared by this process's tests, or `None` to skip.
pub async fn dynamo_store() -> Option<Box<DynamoStore>> {
    let client = dynamodb_client().await?;
    let table = TABLE
        .get_or_init(|| async {
            let name = format!("marketdesk-test-{}", uuid::Uuid::new_v4().simple());
            create_table(&client, &name)
                .await
                .expect("create the test table in DynamoDB Local");
            name
        })
        .await;
    Some(Box::new(DynamoStore::new(client, table.clone())))
}

/// The request budget on the shared table in DynamoDB Local, or `None` to skip.
pub async fn dynamo_budget() -> Option<Box<marketdesk_aws::DynamoBudget>> {
    let store = dynamo_store().await?;
    let client = dynamodb_client().await?;
    Some(Box::new(marketdesk_aws::DynamoBudget::new(
        client,
        store.table_name(),
    )))
}

/// Ports whose store is the shared table on DynamoDB Local, or `None` to skip. The other
/// adapters point at an address nothing listens on: suites given these ports use only the
/// store and the clock.
pub async fn dynamo_ports() -> Option<Box<marketdesk_core::ports::Ports>> {
    let store = dynamo_store().await?;
    let unused = "http://127.0.0.1:9";
    let settings = marketdesk_aws::AwsSettings {
        table_name: "unused".into(),
        poll_jobs_queue_url: format!("{unused}/poll-jobs"),
        inbound_queue_url: format!("{unused}/inbound"),
        outbound_queue_url: format!("{unused}/outbound"),
        webhooks_queue_url: format!("{unused}/webhooks"),
        secrets_prefix: "marketdesk/unused".into(),
        secrets_key_id: None,
        notify_from: None,
    };
    let mut ports = marketdesk_aws::AwsBackend::from_sdk_config(
        &sdk_config(unused).await,
        settings,
        std::sync::Arc::new(marketdesk_core::ports::SystemClock),
    );
    ports.store = std::sync::Arc::from(store as Box<dyn marketdesk_core::ports::Store>);
    Some(Box::new(ports))
}

/// The AWS text index (word entries) on the shared test table, or `None` to skip.
pub async fn dynamo_word_index() -> Option<Box<marketdesk_core::repo::word_index::StoreWordIndex>> {
    let store: std::sync::Arc<dyn marketdesk_core::ports::Store> =
        std::sync::Arc::from(dynamo_store().await? as Box<dyn marketdesk_core::ports::Store>);
    Some(Box::new(
        marketdesk_core::repo::word_index::StoreWordIndex::new(store),
    ))
}

/// An SQS client for moto, or `None` to skip.
pub async fn sqs_client() -> Option<aws_sdk_sqs::Client> {
    let endpoint = endpoint(MOTO_VAR)?;
    Some(aws_sdk_sqs::Client::new(&sdk_config(&endpoint).await))
}

/// Creates a uniquely named queue whose dead-letter queue (also returned) receives messages
/// after [`MAX_RECEIVES`] receives; returns their URLs.
pub async fn create_queue_pair(client: &aws_sdk_sqs::Client) -> (String, String) {
    let name = format!("conf-{}", uuid::Uuid::new_v4().simple());
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
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": MAX_RECEIVES.to_string(),
    });
    let url = client
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .expect("create the queue")
        .queue_url
        .expect("queue URL");
    (url, dlq_url)
}

/// A fresh queue and its dead-letter queue on moto, or `None` to skip.
pub async fn sqs_queues() -> Option<(Box<SqsQueue>, Box<SqsQueue>)> {
    let client = sqs_client().await?;
    let (url, dlq_url) = create_queue_pair(&client).await;
    Some((
        Box::new(SqsQueue::new(client.clone(), url)),
        Box::new(SqsQueue::new(client, dlq_url)),
    ))
}

/// A unique secrets prefix on moto, or `None` to skip.
pub async fn secrets() -> Option<Box<marketdesk_aws::SecretsManagerSecrets>> {
    let endpoint = endpoint(MOTO_VAR)?;
    let client = aws_sdk_secretsmanager::Client::new(&sdk_config(&endpoint).await);
    Some(Box::new(marketdesk_aws::SecretsManagerSecrets::new(
        client,
        format!("marketdesk/test-{}", uuid::Uuid::new_v4().simple()),
    )))
}

/// A fresh symmetric KMS key on moto (its ARN), or `None` to skip.
pub async fn kms_key() -> Option<String> {
    let client = kms_client().await?;
    let key = client
        .create_key()
        .description("marketdesk test secrets key")
        .send()
        .await
        .expect("create a KMS key on moto");
    key.key_metadata()
        .map(|m| m.arn().unwrap_or(m.key_id()).to_owned())
}

/// A KMS client for moto, or `None` to skip.
pub async fn kms_client() -> Option<aws_sdk_kms::Client> {
    let endpoint = endpoint(MOTO_VAR)?;
    Some(aws_sdk_kms::Client::new(&sdk_config(&endpoint).await))
}

/// A store on a new table of its own in DynamoDB Local (for items every test would share,
/// such as the secrets' data key), or `None` to skip.
pub async fn fresh_dynamo_store() -> Option<std::sync::Arc<dyn marketdesk_core::ports::Store>> {
    let client = dynamodb_client().await?;
    let name = format!("marketdesk-test-{}", uuid::Uuid::new_v4().simple());
    create_table(&client, &name)
        .await
        .expect("create a test table in DynamoDB Local");
    Some(std::sync::Arc::new(DynamoStore::new(client, name)))
}

/// The secrets sealed in `store` under a data key wrapped by `kms_key` on moto, falling back to
/// (and moving from) Secrets Manager under `legacy_prefix`; `None` to skip.
pub async fn table_secrets(
    store: std::sync::Arc<dyn marketdesk_core::ports::Store>,
    kms_key: &str,
    legacy_prefix: Option<&str>,
) -> Option<marketdesk_aws::EncryptedTableSecrets> {
    let moto = sdk_config(&endpoint(MOTO_VAR)?).await;
    let legacy = legacy_prefix.map(|prefix| {
        marketdesk_aws::SecretsManagerSecrets::new(
            aws_sdk_secretsmanager::Client::new(&moto),
            prefix,
        )
    });
    Some(marketdesk_aws::EncryptedTableSecrets::new(
        store.clone(),
        marketdesk_aws::KmsDataKey::new(aws_sdk_kms::Client::new(&moto), kms_key, store),
        legacy,
    ))
}

/// Sealed table secrets for the conformance suite: a new table, a new KMS key and a legacy
/// prefix of their own; `None` to skip.
pub async fn table_secrets_conformance() -> Option<Box<marketdesk_aws::EncryptedTableSecrets>> {
    let store = fresh_dynamo_store().await?;
    let key = kms_key().await?;
    let prefix = format!("marketdesk/conf-{}", uuid::Uuid::new_v4().simple());
    table_secrets(store, &key, Some(&prefix))
        .await
        .map(Box::new)
}
