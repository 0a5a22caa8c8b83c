//! DynamoDB Local and moto (SQS, Secrets Manager, KMS, SES) for the AWS adapters' tests.
//!
//! `MARKETDESK_TEST_DYNAMODB_ENDPOINT` and `MARKETDESK_TEST_MOTO_ENDPOINT` point at the
//! emulators (`scripts/test --serve` starts them and prints the exports). When one is unset the
//! tests needing it are skipped (the helpers answer `None`), unless
//! `MARKETDESK_TEST_REQUIRE_EMULATORS=1`, which turns a missing one into a failure.

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::types::QueueAttributeName;
use marketdesk_aws::{
    create_table, AwsBackend, AwsSettings, DynamoBudget, DynamoStore, EncryptedTableSecrets,
    KmsDataKey, SecretsManagerSecrets, SqsQueue,
};
use marketdesk_core::ports::{Ports, Store, SystemClock};
use marketdesk_core::repo::word_index::StoreWordIndex;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// DynamoDB Local endpoint variable.
pub const DYNAMODB_VAR: &str = "MARKETDESK_TEST_DYNAMODB_ENDPOINT";
/// moto endpoint variable.
pub const MOTO_VAR: &str = "MARKETDESK_TEST_MOTO_ENDPOINT";
/// Set to `1` to fail, not skip, when an emulator is not configured.
pub const REQUIRE_VAR: &str = "MARKETDESK_TEST_REQUIRE_EMULATORS";
/// Receives before SQS moves a message to its dead-letter queue, as deployed
/// (`infra/template.yaml`).
pub const DEPLOYED_MAX_RECEIVES: u32 = 5;

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

/// Both endpoints, DynamoDB Local's and moto's, or `None` to skip (see [`endpoint`]).
pub fn endpoints() -> Option<(String, String)> {
    Some((endpoint(DYNAMODB_VAR)?, endpoint(MOTO_VAR)?))
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

/// A DynamoDB client for DynamoDB Local, or `None` to skip.
pub async fn dynamodb_client() -> Option<aws_sdk_dynamodb::Client> {
    let endpoint = endpoint(DYNAMODB_VAR)?;
    Some(aws_sdk_dynamodb::Client::new(&sdk_config(&endpoint).await))
}

/// Creates a new, uniquely named table (`<prefix>-<uuid>`) with the deployed key schema; its
/// name.
pub async fn fresh_table(client: &aws_sdk_dynamodb::Client, prefix: &str) -> String {
    let name = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    create_table(client, &name)
        .await
        .expect("create a test table in DynamoDB Local");
    name
}

/// The name of this process's shared store table, created on first use. Only the name is
/// cached: every `#[tokio::test]` has its own runtime, so clients are built per test.
static TABLE: OnceCell<String> = OnceCell::const_new();

/// A store on a table shared by this process's tests, or `None` to skip.
pub async fn dynamo_store() -> Option<Box<DynamoStore>> {
    let client = dynamodb_client().await?;
    let table = TABLE
        .get_or_init(|| fresh_table(&client, "marketdesk-test"))
        .await;
    Some(Box::new(DynamoStore::new(client, table.clone())))
}

/// A store on a new table of its own (for items every test would share, such as the
/// secrets' data key), or `None` to skip.
pub async fn fresh_dynamo_store() -> Option<Arc<dyn Store>> {
    let client = dynamodb_client().await?;
    let name = fresh_table(&client, "marketdesk-test").await;
    Some(Arc::new(DynamoStore::new(client, name)))
}

/// The request budget on the shared table, or `None` to skip.
pub async fn dynamo_budget() -> Option<Box<DynamoBudget>> {
    let store = dynamo_store().await?;
    let client = dynamodb_client().await?;
    Some(Box::new(DynamoBudget::new(client, store.table_name())))
}

/// The AWS text index (word entries) on the shared table, or `None` to skip.
pub async fn dynamo_word_index() -> Option<Box<StoreWordIndex>> {
    let store: Arc<dyn Store> = Arc::from(dynamo_store().await? as Box<dyn Store>);
    Some(Box::new(StoreWordIndex::new(store)))
}

/// Settings whose queues and secrets point at an address nothing listens on, for tests that
/// use only the table.
pub fn table_only_settings(table_name: &str) -> AwsSettings {
    let unused = "http://127.0.0.1:9";
    AwsSettings {
        table_name: table_name.to_owned(),
        poll_jobs_queue_url: format!("{unused}/queue/poll-jobs"),
        inbound_queue_url: format!("{unused}/queue/inbound"),
        outbound_queue_url: format!("{unused}/queue/outbound"),
        webhooks_queue_url: format!("{unused}/queue/webhooks"),
        secrets_prefix: "marketdesk/unused".into(),
        secrets_key_id: None,
        notify_from: None,
    }
}

/// Ports whose store is the shared table on DynamoDB Local, or `None` to skip. The other
/// adapters point at an address nothing listens on: suites given these ports use only the
/// store and the clock.
pub async fn dynamo_ports() -> Option<Box<Ports>> {
    let store = dynamo_store().await?;
    let mut ports = AwsBackend::from_sdk_config(
        &sdk_config("http://127.0.0.1:9").await,
        table_only_settings("unused"),
        Arc::new(SystemClock),
    );
    ports.store = Arc::from(store as Box<dyn Store>);
    Some(Box::new(ports))
}

/// An SQS client for moto, or `None` to skip.
pub async fn sqs_client() -> Option<aws_sdk_sqs::Client> {
    let endpoint = endpoint(MOTO_VAR)?;
    Some(aws_sdk_sqs::Client::new(&sdk_config(&endpoint).await))
}

/// Creates a uniquely named queue (`<prefix>-<uuid>`) whose dead-letter queue receives a
/// message after `max_receives` receives; their URLs, the queue's first.
pub async fn create_queue_pair(
    client: &aws_sdk_sqs::Client,
    prefix: &str,
    max_receives: u32,
) -> (String, String) {
    let name = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
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
        "maxReceiveCount": max_receives.to_string(),
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

/// A fresh queue and its dead-letter queue (after `max_receives`) on moto, or `None` to skip.
pub async fn sqs_queues(max_receives: u32) -> Option<(Box<SqsQueue>, Box<SqsQueue>)> {
    let client = sqs_client().await?;
    let (url, dlq_url) = create_queue_pair(&client, "conf", max_receives).await;
    Some((
        Box::new(SqsQueue::new(client.clone(), url)),
        Box::new(SqsQueue::new(client, dlq_url)),
    ))
}

/// A unique Secrets Manager prefix on moto, or `None` to skip.
pub async fn secrets() -> Option<Box<SecretsManagerSecrets>> {
    let endpoint = endpoint(MOTO_VAR)?;
    let client = aws_sdk_secretsmanager::Client::new(&sdk_config(&endpoint).await);
    Some(Box::new(SecretsManagerSecrets::new(
        client,
        format!("marketdesk/test-{}", uuid::Uuid::new_v4().simple()),
    )))
}

/// A KMS client for moto, or `None` to skip.
pub async fn kms_client() -> Option<aws_sdk_kms::Client> {
    let endpoint = endpoint(MOTO_VAR)?;
    Some(aws_sdk_kms::Client::new(&sdk_config(&endpoint).await))
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

/// The secrets sealed in `store` under a data key wrapped by `kms_key` on moto, falling back to
/// (and moving from) Secrets Manager under `legacy_prefix`; `None` to skip.
pub async fn table_secrets(
    store: Arc<dyn Store>,
    kms_key: &str,
    legacy_prefix: Option<&str>,
) -> Option<EncryptedTableSecrets> {
    let moto = sdk_config(&endpoint(MOTO_VAR)?).await;
    let legacy = legacy_prefix.map(|prefix| {
        SecretsManagerSecrets::new(aws_sdk_secretsmanager::Client::new(&moto), prefix)
    });
    Some(EncryptedTableSecrets::new(
        store.clone(),
        KmsDataKey::new(aws_sdk_kms::Client::new(&moto), kms_key, store),
        legacy,
    ))
}

/// Sealed table secrets for the conformance suite: a new table, a new KMS key and a legacy
/// prefix of their own; `None` to skip.
pub async fn table_secrets_conformance() -> Option<Box<EncryptedTableSecrets>> {
    let store = fresh_dynamo_store().await?;
    let key = kms_key().await?;
    let prefix = format!("marketdesk/conf-{}", uuid::Uuid::new_v4().simple());
    table_secrets(store, &key, Some(&prefix))
        .await
        .map(Box::new)
}

/// Every port on the emulators, as a deployment wires them: a fresh table (DynamoDB Local),
/// fresh queues with dead-letter queues after [`DEPLOYED_MAX_RECEIVES`] and a fresh secrets
/// prefix (moto), the system clock.
pub async fn pipeline_ports(dynamodb_endpoint: &str, moto_endpoint: &str) -> Ports {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config(dynamodb_endpoint).await);
    let table_name = fresh_table(&dynamodb, "marketdesk-pipeline").await;
    let moto = sdk_config(moto_endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&moto);
    let queue = |role: &'static str| {
        let sqs = sqs.clone();
        async move {
            create_queue_pair(&sqs, &format!("pipeline-{role}"), DEPLOYED_MAX_RECEIVES)
                .await
                .0
        }
    };
    let settings = AwsSettings {
        table_name: table_name.clone(),
        poll_jobs_queue_url: queue("poll-jobs").await,
        inbound_queue_url: queue("inbound").await,
        outbound_queue_url: queue("outbound").await,
        webhooks_queue_url: queue("webhooks").await,
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
