//! Wiring: the settings from the environment and the four adapters built from one SDK config.

use crate::{
    DynamoStore, EncryptedTableSecrets, KmsDataKey, SecretsManagerSecrets, SesNotifier, SqsQueue,
};
use async_trait::async_trait;
use aws_config::SdkConfig;
use marketdesk_core::ports::notifier::looks_like_email;
use marketdesk_core::ports::{
    Clock, Notification, Notifier, NotifyError, Ports, Queues, SecretName, Secrets,
};
use marketdesk_core::repo::word_index::StoreWordIndex;
use std::sync::Arc;

/// Name of the DynamoDB table (required).
pub const TABLE_NAME_VAR: &str = "MARKETDESK_TABLE_NAME";
/// URL of the scheduler → poller queue (required).
pub const POLL_JOBS_QUEUE_URL_VAR: &str = "MARKETDESK_POLL_JOBS_QUEUE_URL";
/// URL of the poller → ingest queue (required).
pub const INBOUND_QUEUE_URL_VAR: &str = "MARKETDESK_INBOUND_QUEUE_URL";
/// URL of the API → sender queue (required).
pub const OUTBOUND_QUEUE_URL_VAR: &str = "MARKETDESK_OUTBOUND_QUEUE_URL";
/// URL of the events → sender queue of webhook deliveries (required).
pub const WEBHOOKS_QUEUE_URL_VAR: &str = "MARKETDESK_WEBHOOKS_QUEUE_URL";
/// Prefix of every secret name, e.g. `marketdesk/prod` (required).
pub const SECRETS_PREFIX_VAR: &str = "MARKETDESK_SECRETS_PREFIX";
/// KMS key (id, ARN or alias) wrapping the data key of the secrets kept in the table. Unset:
/// every account's credentials stay one Secrets Manager secret each (the old layout).
pub const SECRETS_KEY_ID_VAR: &str = "MARKETDESK_SECRETS_KEY_ID";
/// Sender address of notifications (optional: only functions that notify need it).
pub const NOTIFY_FROM_VAR: &str = "MARKETDESK_NOTIFY_FROM";

/// Why the AWS backend could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// A required environment variable is unset or empty.
    #[error("environment variable {0} is not set")]
    MissingVar(&'static str),
    /// An environment variable holds an unusable value.
    #[error("environment variable {name} is invalid: {reason}")]
    InvalidVar {
        /// The variable's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No AWS region is configured (set AWS_REGION; Lambda sets it).
    #[error("no AWS region configured: set AWS_REGION")]
    NoRegion,
}

/// Where the adapters find their resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    /// The single DynamoDB table.
    pub table_name: String,
    /// Scheduler → poller queue URL.
    pub poll_jobs_queue_url: String,
    /// Poller → ingest queue URL.
    pub inbound_queue_url: String,
    /// API → sender queue URL.
    pub outbound_queue_url: String,
    /// Events → sender queue URL (webhook deliveries).
    pub webhooks_queue_url: String,
    /// Prefix of every secret name in Secrets Manager (with a KMS key: where secrets not yet
    /// moved into the table are found).
    pub secrets_prefix: String,
    /// KMS key of the secrets sealed in the table; `None` keeps them in Secrets Manager.
    pub secrets_key_id: Option<String>,
    /// Notification sender; `None` makes every notification fail with a clear error.
    pub notify_from: Option<String>,
}

impl AwsSettings {
    /// Reads the settings from the process environment (the `*_VAR` constants of this module).
    pub fn from_env() -> Result<Self, AwsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (variable name → value), e.g. a map in tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AwsError> {
        let optional = |name: &'static str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let required = |name: &'static str| optional(name).ok_or(AwsError::MissingVar(name));
        let settings = Self {
            table_name: required(TABLE_NAME_VAR)?,
            poll_jobs_queue_url: required(POLL_JOBS_QUEUE_URL_VAR)?,
            inbound_queue_url: required(INBOUND_QUEUE_URL_VAR)?,
            outbound_queue_url: required(OUTBOUND_QUEUE_URL_VAR)?,
            webhooks_queue_url: required(WEBHOOKS_QUEUE_URL_VAR)?,
            secrets_prefix: required(SECRETS_PREFIX_VAR)?,
            secrets_key_id: optional(SECRETS_KEY_ID_VAR),
            notify_from: optional(NOTIFY_FROM_VAR),
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the values that can be checked without calling AWS.
    pub fn validate(&self) -> Result<(), AwsError> {
        for (name, url) in [
            (POLL_JOBS_QUEUE_URL_VAR, &self.poll_jobs_queue_url),
            (INBOUND_QUEUE_URL_VAR, &self.inbound_queue_url),
            (OUTBOUND_QUEUE_URL_VAR, &self.outbound_queue_url),
            (WEBHOOKS_QUEUE_URL_VAR, &self.webhooks_queue_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(AwsError::InvalidVar {
                    name,
                    reason: "expected a queue URL (https://sqs.<region>.amazonaws.com/...)".into(),
                });
            }
        }
        let prefix = self.secrets_prefix.trim_matches('/');
        if prefix.is_empty() || SecretName::new(prefix).is_err() {
            return Err(AwsError::InvalidVar {
                name: SECRETS_PREFIX_VAR,
                reason: "use ASCII letters, digits and /_+=.@- (e.g. marketdesk/prod)".into(),
            });
        }
        if let Some(from) = &self.notify_from {
            if !looks_like_email(from) {
                return Err(AwsError::InvalidVar {
                    name: NOTIFY_FROM_VAR,
                    reason: "not an e-mail address".into(),
                });
            }
        }
        Ok(())
    }
}

/// Builds [`Ports`] backed by DynamoDB, SQS, the table's sealed secrets (or Secrets Manager
/// without a KMS key) and SES.
#[derive(Debug, Clone, Copy)]
pub struct AwsBackend;

impl AwsBackend {
    /// Reads [`AwsSettings::from_env`], loads the default AWS configuration once (region,
    /// credentials, and endpoint overrides such as `AWS_ENDPOINT_URL_DYNAMODB`) and builds
    /// every adapter from it.
    pub async fn from_env(clock: Arc<dyn Clock>) -> Result<Ports, AwsError> {
        Self::from_settings(AwsSettings::from_env()?, clock).await
    }

    /// Takes the default AWS configuration (region, credentials, endpoint overrides; loaded once
    /// per process, [`crate::sdk_config::shared`]) and builds
    /// every adapter for `settings` (read from somewhere else than the process environment, e.g.
    /// a stack's outputs).
    pub async fn from_settings(
        settings: AwsSettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Ports, AwsError> {
        let sdk_config = crate::sdk_config::shared().await;
        if sdk_config.region().is_none() {
            return Err(AwsError::NoRegion);
        }
        Ok(Self::from_sdk_config(&sdk_config, settings, clock))
    }

    /// The secrets in the table with Secrets Manager as the source to move from, for
    /// `marketdesk migrate-secrets`; refused when `settings` names no KMS key.
    pub async fn secrets_migration(
        settings: &AwsSettings,
    ) -> Result<EncryptedTableSecrets, AwsError> {
        let sdk_config = crate::sdk_config::shared().await;
        if sdk_config.region().is_none() {
            return Err(AwsError::NoRegion);
        }
        Self::table_secrets(&sdk_config, settings)
    }

    /// [`Self::secrets_migration`] on a given SDK configuration (tests pass an emulator's).
    pub fn table_secrets(
        sdk_config: &SdkConfig,
        settings: &AwsSettings,
    ) -> Result<EncryptedTableSecrets, AwsError> {
        let key_id = settings
            .secrets_key_id
            .clone()
            .ok_or(AwsError::MissingVar(SECRETS_KEY_ID_VAR))?;
        let store: Arc<dyn marketdesk_core::ports::Store> = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(sdk_config),
            settings.table_name.clone(),
        ));
        Ok(EncryptedTableSecrets::new(
            store.clone(),
            KmsDataKey::new(aws_sdk_kms::Client::new(sdk_config), key_id, store),
            Some(SecretsManagerSecrets::new(
                aws_sdk_secretsmanager::Client::new(sdk_config),
                settings.secrets_prefix.clone(),
            )),
        ))
    }

    /// Builds every adapter from one SDK configuration (tests pass an emulator's).
    pub fn from_sdk_config(
        sdk_config: &SdkConfig,
        settings: AwsSettings,
        clock: Arc<dyn Clock>,
    ) -> Ports {
        let dynamodb = aws_sdk_dynamodb::Client::new(sdk_config);
        let sqs = aws_sdk_sqs::Client::new(sdk_config);
        let queue = |url: String| -> Arc<dyn marketdesk_core::ports::Queue> {
            Arc::new(SqsQueue::new(sqs.clone(), url))
        };
        let notifier: Arc<dyn Notifier> = match settings.notify_from {
            Some(from) => Arc::new(SesNotifier::new(
                aws_sdk_sesv2::Client::new(sdk_config),
                from,
            )),
            None => Arc::new(NoSender),
        };
        let budget = Arc::new(crate::budget::DynamoBudget::new(
            dynamodb.clone(),
            settings.table_name.clone(),
        ));
        let store: Arc<dyn marketdesk_core::ports::Store> =
            Arc::new(DynamoStore::new(dynamodb, settings.table_name));
        let secrets_manager = SecretsManagerSecrets::new(
            aws_sdk_secretsmanager::Client::new(sdk_config),
            settings.secrets_prefix,
        );
        let secrets: Arc<dyn Secrets> = match settings.secrets_key_id {
            Some(key_id) => Arc::new(EncryptedTableSecrets::new(
                store.clone(),
                KmsDataKey::new(aws_sdk_kms::Client::new(sdk_config), key_id, store.clone()),
                Some(secrets_manager),
            )),
            None => Arc::new(secrets_manager),
        };
        Ports {
            budget,
            text_index: Arc::new(StoreWordIndex::new(store.clone())),
            store,
            queues: Queues {
                poll_jobs: queue(settings.poll_jobs_queue_url),
                inbound: queue(settings.inbound_queue_url),
                outbound: queue(settings.outbound_queue_url),
                webhooks: queue(settings.webhooks_queue_url),
            },
            secrets,
            notifier,
            clock,
        }
    }
}

/// The notifier of a function configured without a sender: every notification fails.
#[derive(Debug)]
struct NoSender;

#[async_trait]
impl Notifier for NoSender {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        notification.validate()?;
        Err(NotifyError::Unavailable(format!(
            "cannot send e-mail: environment variable {NOTIFY_FROM_VAR} is not set for this function"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::BehaviorVersion;
    use marketdesk_core::ports::SystemClock;
    use std::collections::HashMap;

    fn complete() -> HashMap<&'static str, String> {
        HashMap::from([
            (TABLE_NAME_VAR, "marketdesk-prod".to_owned()),
            (
                POLL_JOBS_QUEUE_URL_VAR,
                "https://sqs.eu-central-1.amazonaws.com/123456789012/poll-jobs".to_owned(),
            ),
            (
                INBOUND_QUEUE_URL_VAR,
                "https://sqs.eu-central-1.amazonaws.com/123456789012/inbound".to_owned(),
            ),
            (
                OUTBOUND_QUEUE_URL_VAR,
                "https://sqs.eu-central-1.amazonaws.com/123456789012/outbound".to_owned(),
            ),
            (
                WEBHOOKS_QUEUE_URL_VAR,
                "https://sqs.eu-central-1.amazonaws.com/123456789012/webhooks".to_owned(),
            ),
            (SECRETS_PREFIX_VAR, "marketdesk/prod".to_owned()),
            (NOTIFY_FROM_VAR, "desk@example.com".to_owned()),
        ])
    }

    fn settings(vars: &HashMap<&'static str, String>) -> Result<AwsSettings, AwsError> {
        AwsSettings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn complete_environment_is_read() {
        let got = settings(&complete()).expect("complete");
        assert_eq!(got.table_name, "marketdesk-prod");
        assert_eq!(got.notify_from.as_deref(), Some("desk@example.com"));
    }

    #[test]
    fn errors_name_the_missing_variable() {
        for var in [
            TABLE_NAME_VAR,
            POLL_JOBS_QUEUE_URL_VAR,
            INBOUND_QUEUE_URL_VAR,
            OUTBOUND_QUEUE_URL_VAR,
            WEBHOOKS_QUEUE_URL_VAR,
            SECRETS_PREFIX_VAR,
        ] {
            for value in [None, Some("   ")] {
                let mut vars = complete();
                match value {
                    None => vars.remove(var),
                    Some(blank) => vars.insert(var, blank.to_owned()),
                };
                let err = settings(&vars).expect_err("incomplete");
                assert!(matches!(err, AwsError::MissingVar(name) if name == var));
                assert!(err.to_string().contains(var), "{err}");
            }
        }
    }

    #[test]
    fn errors_name_the_invalid_variable() {
        for (var, value) in [
            (INBOUND_QUEUE_URL_VAR, "inbound"),
            (SECRETS_PREFIX_VAR, "has space"),
            (SECRETS_PREFIX_VAR, "/"),
            (NOTIFY_FROM_VAR, "not-an-address"),
        ] {
            let mut vars = complete();
            vars.insert(var, value.to_owned());
            let err = settings(&vars).expect_err("invalid");
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[tokio::test]
    async fn missing_sender_fails_only_when_notifying() {
        let mut vars = complete();
        vars.remove(NOTIFY_FROM_VAR);
        let settings = settings(&vars).expect("the sender is optional");
        assert_eq!(settings.notify_from, None);
        let sdk_config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let ports = AwsBackend::from_sdk_config(&sdk_config, settings, Arc::new(SystemClock));
        let notification = Notification {
            to: vec!["ops@example.com".into()],
            subject: "Autoresponse sent".into(),
            body: "…".into(),
        };
        let err = ports
            .notifier
            .notify(&notification)
            .await
            .expect_err("no sender");
        assert!(
            matches!(&err, NotifyError::Unavailable(m) if m.contains(NOTIFY_FROM_VAR)),
            "{err}"
        );
        let invalid = Notification {
            to: Vec::new(),
            ..notification
        };
        assert!(matches!(
            ports.notifier.notify(&invalid).await,
            Err(NotifyError::Invalid(_))
        ));
    }
}
