//! Glue shared by the Lambda functions: logging, wiring the AWS backend from the environment,
//! and SQS batches with partial failures.

pub mod sqs;

use marketdesk_core::ports::{Ports, SystemClock};
use std::sync::Arc;

/// Boxed error type of the Lambda runtime.
pub type Error = lambda_runtime::Error;

/// Starts logging: JSON when the function is configured with `LogFormat: JSON` (Lambda sets
/// `AWS_LAMBDA_LOG_FORMAT`), level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.
pub fn init_tracing() {
    lambda_runtime::tracing::init_default_subscriber();
}

/// Builds every port on AWS from the `MARKETDESK_*` variables, once per cold start.
pub async fn ports_from_env() -> Result<Ports, Error> {
    let ports = marketdesk_aws::AwsBackend::from_env(Arc::new(SystemClock)).await?;
    Ok(ports)
}
