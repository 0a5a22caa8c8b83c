//! The Allegro application's credentials, kept in one Secrets Manager secret created by the
//! stack (`{"client_id": "...", "client_secret": "..."}`) and read once per cold start.

use aws_config::SdkConfig;
use secrecy::SecretString;
use serde::Deserialize;

/// The placeholder the template writes until an operator fills the secret in.
const PLACEHOLDER: &str = "CHANGE_ME";

/// Why the application secret could not be read. Never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum AppSecretError {
    /// Secrets Manager failed.
    #[error("cannot read the Allegro application secret {arn}: {reason}")]
    Unavailable {
        /// The secret's ARN.
        arn: String,
        /// Short reason (error code only).
        reason: String,
    },
    /// The secret is not the expected JSON.
    #[error("the Allegro application secret {0} must be JSON {{\"client_id\": ..., \"client_secret\": ...}}")]
    Malformed(String),
}

#[derive(Deserialize)]
struct Stored {
    client_id: String,
    client_secret: String,
}

/// The application's client id and secret; `None` while the secret still holds the placeholder.
pub async fn allegro_application(
    sdk_config: &SdkConfig,
    arn: &str,
) -> Result<Option<(String, SecretString)>, AppSecretError> {
    let client = aws_sdk_secretsmanager::Client::new(sdk_config);
    let answer = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| AppSecretError::Unavailable {
            arn: arn.to_owned(),
            reason: e
                .as_service_error()
                .and_then(|s| {
                    aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(s).map(str::to_owned)
                })
                .unwrap_or_else(|| "request failed".into()),
        })?;
    let text = answer.secret_string().unwrap_or_default();
    let stored: Stored =
        serde_json::from_str(text).map_err(|_| AppSecretError::Malformed(arn.to_owned()))?;
    if stored.client_id == PLACEHOLDER || stored.client_secret == PLACEHOLDER {
        return Ok(None);
    }
    Ok(Some((
        stored.client_id,
        SecretString::from(stored.client_secret),
    )))
}
