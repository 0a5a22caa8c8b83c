//! AWS adapters of the marketdesk ports: DynamoDB store, SQS queues, secrets sealed in the
//! table under a KMS data key (Secrets Manager for the migration and the application secret)
//! and SES v2 notifier, wired together by [`AwsBackend`].
//!
//! Every adapter passes the conformance suite of `marketdesk-core` (see `tests/`), run against
//! DynamoDB Local and moto. SDK errors become port errors by their modeled variants, never by
//! message text, and carry no item data or secret values.

#![warn(missing_docs)]

pub mod app_secret;
pub mod backend;
pub mod budget;
pub mod dynamodb;
pub mod schema;
pub mod sdk_config;
pub mod secrets_manager;
pub mod ses;
pub mod sqs;
pub mod table_secrets;

mod sdk_error;

pub use backend::{AwsBackend, AwsError, AwsSettings};
pub use budget::DynamoBudget;
pub use dynamodb::DynamoStore;
pub use schema::{create_table, SchemaError};
pub use secrets_manager::SecretsManagerSecrets;
pub use ses::SesNotifier;
pub use sqs::SqsQueue;
pub use table_secrets::{EncryptedTableSecrets, KmsDataKey};
