//! The device flow (RFC 8628 as Allegro runs it): ask for a device and user code, show the
//! user the verification address, then poll the token endpoint every `interval` seconds.

use super::errors::{self, OAuthError};
use super::response::{seconds, token_set};
use super::DEVICE_CODE_GRANT;
use crate::client::AllegroClient;
use crate::http::Retry;
use crate::token::{DeviceCode, TokenSet};
use serde_json::Value;
use std::time::Duration;
use url::form_urlencoded;

/// The answer of the device endpoint.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    /// The code to poll with (secret).
    pub device_code: DeviceCode,
    /// The code the user confirms on the verification page.
    pub user_code: String,
    /// The verification page.
    pub verification_uri: String,
    /// The verification page with the user code filled in, when sent.
    pub verification_uri_complete: Option<String>,
    /// How long the codes stay valid.
    pub expires_in: Duration,
    /// How long to wait between polls.
    pub interval: Duration,
}

/// The result of one poll.
#[derive(Debug, Clone)]
pub enum DevicePoll {
    /// The user has not confirmed yet: poll again after `interval`.
    Pending,
    /// Polling too fast: add 5 s to the interval, then poll again.
    SlowDown,
    /// The user refused.
    Denied,
    /// The device code is expired, used or unknown: start over.
    Expired,
    /// The user confirmed: the tokens.
    Tokens(TokenSet),
}

/// Allegro's default polling interval when the answer names none.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

impl AllegroClient {
    /// Starts the device flow (`POST /auth/oauth/device`); `scopes` empty asks for every scope
    /// the application has.
    pub async fn start_device_flow(
        &self,
        scopes: &[&str],
    ) -> Result<DeviceAuthorization, OAuthError> {
        // The serializer is not Send: finish it before any await.
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("client_id", &self.config().client_id);
            if !scopes.is_empty() {
                form.append_pair("scope", &scopes.join(" "));
            }
            form.finish()
        };
        let raw = self.oauth_post(&["device"], body, Retry::Safe).await?;
        if !raw.status.is_success() {
            return Err(errors::from_answer(&raw, &self.config().retry, &[]));
        }
        device_authorization(&raw.body)
    }

    /// Polls once for the tokens of a device authorization.
    pub async fn poll_device_flow(
        &self,
        device_code: &DeviceCode,
    ) -> Result<DevicePoll, OAuthError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", DEVICE_CODE_GRANT)
            .append_pair("device_code", device_code.expose())
            .finish();
        let raw = self.oauth_post(&["token"], form, Retry::Safe).await?;
        if raw.status.is_success() {
            return token_set(&raw.body).map(DevicePoll::Tokens);
        }
        match errors::from_answer(&raw, &self.config().retry, &[device_code.expose()]) {
            OAuthError::Rejected {
                error, description, ..
            } => match error.as_str() {
                "authorization_pending" => Ok(DevicePoll::Pending),
                "slow_down" => Ok(DevicePoll::SlowDown),
                "access_denied" => Ok(DevicePoll::Denied),
                "expired_token" => Ok(DevicePoll::Expired),
                // Allegro: 400 invalid_request "Invalid device code" for used, expired or
                // unknown codes (allegro-api.md §2.6).
                "invalid_request"
                    if description
                        .as_deref()
                        .is_some_and(|d| d.to_ascii_lowercase().contains("device code")) =>
                {
                    Ok(DevicePoll::Expired)
                }
                _ => Err(OAuthError::Rejected {
                    status: raw.status.as_u16(),
                    error,
                    description,
                }),
            },
            OAuthError::InvalidGrant { .. } => Ok(DevicePoll::Expired),
            other => Err(other),
        }
    }
}

/// Reads the device endpoint's answer leniently (only `device_code` is required).
fn device_authorization(body: &[u8]) -> Result<DeviceAuthorization, OAuthError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| OAuthError::Decode {
        message: "the device response is not JSON".into(),
    })?;
    let text = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let device_code = text("device_code").ok_or_else(|| OAuthError::Decode {
        message: "the device response has no device_code".into(),
    })?;
    Ok(DeviceAuthorization {
        device_code: DeviceCode::new(device_code),
        user_code: text("user_code").unwrap_or_default(),
        verification_uri: text("verification_uri").unwrap_or_default(),
        verification_uri_complete: text("verification_uri_complete"),
        expires_in: value
            .get("expires_in")
            .and_then(seconds)
            .unwrap_or(Duration::from_secs(3600)),
        interval: value
            .get("interval")
            .and_then(seconds)
            .filter(|d| !d.is_zero())
            .unwrap_or(DEFAULT_INTERVAL),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_answers_parse_with_defaults() {
        let full = device_authorization(br#"{"device_code":"d","expires_in":3600,"user_code":"u","interval":5,"verification_uri":"https://allegro.pl/skojarz-aplikacje","verification_uri_complete":"https://allegro.pl/skojarz-aplikacje?code=u"}"#)
            .expect("parses");
        assert_eq!(full.device_code.expose(), "d");
        assert_eq!(full.interval, Duration::from_secs(5));
        assert!(full.verification_uri_complete.is_some());
        let bare = device_authorization(br#"{"device_code":"d"}"#).expect("parses");
        assert_eq!(bare.interval, DEFAULT_INTERVAL);
        assert!(device_authorization(br#"{"user_code":"u"}"#).is_err());
    }
}
