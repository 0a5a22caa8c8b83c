//! Checking an EmpikPlace API key with A01 before it is stored (A01 is called only here,
//! never on a poll: Mirakl asks for it at most once a day).

use async_trait::async_trait;
use marketdesk_core::domain::{Environment, Marketplace};
use marketdesk_core::ports::{CredentialCheck, CredentialCheckError, CredentialVerdict};
use marketdesk_mirakl::{MiraklClient, MiraklConfig, MiraklError};
use secrecy::{ExposeSecret, SecretString};

/// Asks EmpikPlace (A01 `GET /api/account`) whether a key works.
pub struct EmpikKeyCheck {
    base_url: String,
    user_agent: String,
}

impl EmpikKeyCheck {
    /// A check against EmpikPlace at `base_url`.
    pub fn new(base_url: impl Into<String>, user_agent: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            user_agent: user_agent.into(),
        }
    }
}

#[async_trait]
impl CredentialCheck for EmpikKeyCheck {
    async fn check_api_key(
        &self,
        kind: Marketplace,
        _environment: Environment,
        api_key: &SecretString,
    ) -> Result<CredentialVerdict, CredentialCheckError> {
        if kind != Marketplace::Empik {
            return Ok(CredentialVerdict::Unchecked);
        }
        let config = MiraklConfig::new(api_key.expose_secret().to_owned())
            .with_base_url(self.base_url.clone())
            .with_user_agent(self.user_agent.clone());
        let client = MiraklClient::new(config)
            .map_err(|e| CredentialCheckError::Unavailable(e.to_string()))?;
        match client.account().await {
            Ok(account) => {
                tracing::info!(shop_id = account.shop_id, "EmpikPlace key accepted");
                Ok(CredentialVerdict::Valid {
                    account_name: Some(account.shop_name),
                })
            }
            Err(MiraklError::Unauthorized { .. }) => Ok(CredentialVerdict::Invalid {
                reason: "EmpikPlace refused the API key (401): check it in the Empik panel under Profil → Klucz API".into(),
            }),
            Err(MiraklError::Forbidden { .. }) => Ok(CredentialVerdict::Invalid {
                reason: "the API key has no access to this shop (403)".into(),
            }),
            Err(other) => Err(CredentialCheckError::Unavailable(other.to_string())),
        }
    }
}
