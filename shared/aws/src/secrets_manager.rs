//! [`SecretsManagerSecrets`]: the secrets port on AWS Secrets Manager, under a name prefix.
//!
//! Errors name the secret and the failing call, never the value.

use crate::sdk_error;
use async_trait::async_trait;
use aws_sdk_secretsmanager::operation::create_secret::CreateSecretError;
use aws_sdk_secretsmanager::operation::delete_secret::DeleteSecretError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_sdk_secretsmanager::operation::put_secret_value::PutSecretValueError;
use aws_sdk_secretsmanager::operation::restore_secret::RestoreSecretError;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
use aws_sdk_secretsmanager::Client;
use marketdesk_core::ports::{SecretName, Secrets, SecretsError};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Longest secret name Secrets Manager accepts.
const MAX_NAME_LEN: usize = 512;
/// Attempts of [`Secrets::put`] while a just-deleted name is still being removed.
const PUT_ATTEMPTS: u32 = 8;

/// The secrets port on Secrets Manager; every name is stored as `<prefix>/<name>`.
#[derive(Debug, Clone)]
pub struct SecretsManagerSecrets {
    client: Client,
    prefix: String,
}

impl SecretsManagerSecrets {
    /// Secrets stored under `prefix` (e.g. `marketdesk/prod`; surrounding slashes are ignored,
    /// an empty prefix stores names as they are).
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        Self {
            client,
            prefix: prefix.into().trim_matches('/').to_owned(),
        }
    }

    /// The name prefix, without surrounding slashes.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The name stored in Secrets Manager for `name`.
    pub fn full_name(&self, name: &SecretName) -> Result<String, SecretsError> {
        let full = if self.prefix.is_empty() {
            name.as_str().to_owned()
        } else {
            format!("{}/{}", self.prefix, name.as_str())
        };
        if full.len() > MAX_NAME_LEN {
            return Err(SecretsError::InvalidName(full));
        }
        SecretName::new(full.clone())?;
        Ok(full)
    }

    /// Every secret under the prefix (not those scheduled for deletion), as port names.
    pub async fn list(&self) -> Result<Vec<SecretName>, SecretsError> {
        let start = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let filter = Filter::builder()
            .key(FilterNameStringType::Name)
            .values(&start)
            .build();
        let mut names = Vec::new();
        let mut pages = self
            .client
            .list_secrets()
            .filters(filter)
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                SecretsError::Unavailable(format!(
                    "{} (prefix {start})",
                    sdk_error::describe("ListSecrets", &e)
                ))
            })?;
            for entry in page.secret_list() {
                // The name filter matches words anywhere in some versions: keep the prefix's own.
                let Some(name) = entry.name().and_then(|n| n.strip_prefix(&start)) else {
                    continue;
                };
                if entry.deleted_date().is_some() {
                    continue;
                }
                if let Ok(name) = SecretName::new(name) {
                    names.push(name);
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// Whether the secret exists but is scheduled for deletion.
    async fn is_deleted(&self, id: &str) -> bool {
        self.client
            .describe_secret()
            .secret_id(id)
            .send()
            .await
            .is_ok_and(|out| out.deleted_date.is_some())
    }
}

fn unavailable(message: String, id: &str) -> SecretsError {
    SecretsError::Unavailable(format!("{message} (secret {id})"))
}

#[async_trait]
impl Secrets for SecretsManagerSecrets {
    async fn put(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretsError> {
        let id = self.full_name(name)?;
        for attempt in 1..=PUT_ATTEMPTS {
            let put = self
                .client
                .put_secret_value()
                .secret_id(&id)
                .secret_string(value.expose_secret())
                .send()
                .await;
            let err = match put {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            match err.as_service_error() {
                Some(PutSecretValueError::ResourceNotFoundException(_)) => {
                    let created = self
                        .client
                        .create_secret()
                        .name(&id)
                        .secret_string(value.expose_secret())
                        .send()
                        .await;
                    match created {
                        Ok(_) => return Ok(()),
                        // Created meanwhile by someone else: put the value over it.
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(CreateSecretError::is_resource_exists_exception) => {}
                        // The name is still being removed after a forced delete.
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(CreateSecretError::is_invalid_request_exception) =>
                        {
                            backoff(attempt).await
                        }
                        Err(e) => {
                            return Err(unavailable(sdk_error::describe("CreateSecret", &e), &id))
                        }
                    }
                }
                // Scheduled for deletion (with a recovery window): restore, then put.
                Some(PutSecretValueError::InvalidRequestException(_))
                    if self.is_deleted(&id).await =>
                {
                    let restored = self.client.restore_secret().secret_id(&id).send().await;
                    match restored {
                        Ok(_) => {}
                        Err(e)
                            if e.as_service_error().is_some_and(|e| {
                                matches!(
                                    e,
                                    RestoreSecretError::ResourceNotFoundException(_)
                                        | RestoreSecretError::InvalidRequestException(_)
                                )
                            }) =>
                        {
                            backoff(attempt).await
                        }
                        Err(e) => {
                            return Err(unavailable(sdk_error::describe("RestoreSecret", &e), &id))
                        }
                    }
                }
                _ => {
                    return Err(unavailable(
                        sdk_error::describe("PutSecretValue", &err),
                        &id,
                    ))
                }
            }
        }
        Err(unavailable(
            "PutSecretValue: the name is still being deleted; try again later".into(),
            &id,
        ))
    }

    async fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        let id = self.full_name(name)?;
        match self.client.get_secret_value().secret_id(&id).send().await {
            Ok(out) => match out.secret_string {
                Some(value) => Ok(Some(SecretString::from(value))),
                None => Err(unavailable(
                    "GetSecretValue: the secret holds binary data, not a string".into(),
                    &id,
                )),
            },
            Err(err) => match err.as_service_error() {
                Some(GetSecretValueError::ResourceNotFoundException(_)) => Ok(None),
                // A secret scheduled for deletion is gone for the application.
                Some(GetSecretValueError::InvalidRequestException(_))
                    if self.is_deleted(&id).await =>
                {
                    Ok(None)
                }
                _ => Err(unavailable(
                    sdk_error::describe("GetSecretValue", &err),
                    &id,
                )),
            },
        }
    }

    async fn delete(&self, name: &SecretName) -> Result<(), SecretsError> {
        let id = self.full_name(name)?;
        let deleted = self
            .client
            .delete_secret()
            .secret_id(&id)
            .force_delete_without_recovery(true)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(DeleteSecretError::ResourceNotFoundException(_)) => Ok(()),
                Some(DeleteSecretError::InvalidRequestException(_))
                    if self.is_deleted(&id).await =>
                {
                    Ok(())
                }
                _ => Err(unavailable(sdk_error::describe("DeleteSecret", &err), &id)),
            },
        }
    }
}

/// Waits a little longer on each attempt (0.25 s, 0.5 s, ... up to 2 s).
async fn backoff(attempt: u32) {
    let millis = (250 * u64::from(attempt)).min(2000);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(prefix: &str) -> SecretsManagerSecrets {
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .build();
        SecretsManagerSecrets::new(Client::from_conf(config), prefix)
    }

    #[test]
    fn names_carry_the_prefix() {
        let name = SecretName::new("integrations/t1/i1/tokens").expect("valid");
        assert_eq!(
            secrets("/marketdesk/prod/")
                .full_name(&name)
                .expect("valid"),
            "marketdesk/prod/integrations/t1/i1/tokens"
        );
        assert_eq!(
            secrets("").full_name(&name).expect("valid"),
            "integrations/t1/i1/tokens"
        );
        let long = SecretName::new("x".repeat(510)).expect("valid alone");
        assert!(matches!(
            secrets("marketdesk/prod").full_name(&long),
            Err(SecretsError::InvalidName(_))
        ));
        assert!(secrets("bad prefix").full_name(&name).is_err());
    }
}
