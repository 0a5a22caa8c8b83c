//! Glue shared by the Lambda functions: logging, wiring the AWS backend from the environment,
//! and SQS batches with partial failures.

pub mod emf;
pub mod sqs;

use marketdesk_channels::settings::{AllegroSettings, ChannelSettings};
use marketdesk_channels::wiring::Channels;
use marketdesk_core::config::Env;
use marketdesk_core::ports::{Ports, SystemClock};
use std::sync::Arc;

/// Boxed error type of the Lambda runtime.
pub type Error = lambda_runtime::Error;

/// Starts logging: JSON when the function is configured with `LogFormat: JSON` (Lambda sets
/// `AWS_LAMBDA_LOG_FORMAT`), level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`; and installs the
/// metrics recorder writing CloudWatch Embedded Metric Format (`emf`).
pub fn init_tracing() {
    lambda_runtime::tracing::init_default_subscriber();
    emf::install();
}

/// Builds every port on AWS from the `MARKETDESK_*` variables, once per cold start.
pub async fn ports_from_env() -> Result<Ports, Error> {
    let ports = marketdesk_aws::AwsBackend::from_env(Arc::new(SystemClock)).await?;
    Ok(ports)
}

/// Builds the marketplace channels from the `MARKETDESK_*` variables; the Allegro
/// application's credentials come from the Secrets Manager secret named by
/// `MARKETDESK_ALLEGRO_CLIENT_SECRET_ARN` (left unconfigured while it holds the placeholder).
pub async fn channels_from_env(ports: &Ports) -> Result<Channels, Error> {
    let env = Env::from_process();
    let mut settings = ChannelSettings::from_env(&env, None)?;
    if let Some(arn) = env.optional("MARKETDESK_ALLEGRO_CLIENT_SECRET_ARN") {
        // The configuration the adapters were built from: one load per cold start.
        let sdk_config = marketdesk_aws::sdk_config::shared().await;
        match marketdesk_aws::app_secret::allegro_application(&sdk_config, arn).await? {
            Some((client_id, client_secret)) => {
                settings.allegro = Some(AllegroSettings {
                    client_id,
                    client_secret,
                    api_url: env.optional("MARKETDESK_ALLEGRO_API_URL").map(str::to_owned),
                    auth_url: env.optional("MARKETDESK_ALLEGRO_AUTH_URL").map(str::to_owned),
                });
            }
            None => tracing::warn!(
                "the Allegro application secret still holds its placeholder: Allegro accounts cannot connect"
            ),
        }
    }
    let mut channels = Channels::build(ports, &settings)?;
    channels.webhook_settings =
        marketdesk_core::services::webhooks::WebhookSettings::from_env(&env)?;
    // The scheduler runs at the EventBridge rule's rate, which the template passes as
    // MARKETDESK_POLL_INTERVAL (the same variable `marketdesk serve` reads); the poller
    // re-reads active accounts.
    let tick = env
        .duration("MARKETDESK_POLL_INTERVAL")?
        .unwrap_or(marketdesk_channels::wiring::DEFAULT_TICK);
    channels.polling = marketdesk_core::services::polling::PollingSettings::from_env(
        &env,
        tick,
        settings.allegro_budget,
    )?;
    Ok(channels)
}
