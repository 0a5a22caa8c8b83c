//! The device flow (RFC 8628 as Allegro runs it) through the `oauth2` crate: ask for a device
//! and user code, show the user the verification address, then poll the token endpoint every
//! `interval` seconds. Polling is one request per call (the scheduler's tick is the loop, as a
//! Lambda cannot wait minutes), so the crate's polling loop is cut after its first answer.

use super::errors::OAuthError;
use super::response::seconds;
use super::to_scopes;
use super::transport::{from_request_error, unreadable, Transport};
use crate::client::AllegroClient;
use crate::http::Retry;
use crate::token::{DeviceCode, TokenSet};
use oauth2::StandardDeviceAuthorizationResponse;
use serde_json::{json, Map, Value};
use std::time::Duration;

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

/// How long device codes live when the answer does not say (Allegro: 3600 s).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// Allegro's verification page, for an answer that names none.
const VERIFICATION_PAGE: &str = "https://allegro.pl/skojarz-aplikacje";

impl AllegroClient {
    /// Starts the device flow (`POST /auth/oauth/device`); `scopes` empty asks for every scope
    /// the application has.
    pub async fn start_device_flow(
        &self,
        scopes: &[&str],
    ) -> Result<DeviceAuthorization, OAuthError> {
        let client = self.oauth_client()?;
        let transport = Transport::new(self, Retry::Safe, &[]).reshaping(rfc8628_answer);
        client
            .exchange_device_code()
            // Allegro wants the client id in the body besides the Basic header.
            .add_extra_param("client_id", self.config().client_id.as_str())
            .add_scopes(to_scopes(scopes))
            .request_async(&transport)
            .await
            .map(DeviceAuthorization::from)
            .map_err(from_request_error)
    }

    /// Polls once for the tokens of a device authorization.
    pub async fn poll_device_flow(
        &self,
        device_code: &DeviceCode,
    ) -> Result<DevicePoll, OAuthError> {
        let client = self.oauth_client()?;
        // The crate polls with the whole authorization answer; only the device code is sent.
        let authorization: StandardDeviceAuthorizationResponse = serde_json::from_value(json!({
            "device_code": device_code.expose(),
            "user_code": "",
            "verification_uri": VERIFICATION_PAGE,
            "expires_in": DEFAULT_LIFETIME.as_secs(),
        }))
        .map_err(|e| unreadable(&e))?;
        let transport = Transport::new(self, Retry::Safe, &[device_code.expose()]);
        let answer = client
            .exchange_device_access_token(&authorization)
            // After one answer the clock says the code is over, which ends the crate's loop.
            .set_time_fn(|| {
                if transport.answered() {
                    chrono::DateTime::<chrono::Utc>::MAX_UTC
                } else {
                    chrono::Utc::now()
                }
            })
            .request_async(&transport, |_| std::future::ready(()), None)
            .await;
        // A refusal is read from Allegro's answer by the transport (the crate only sees that
        // the request failed and would wait and poll again).
        if let Some(refusal) = transport.take_failure() {
            return poll_refusal(refusal);
        }
        answer
            .map(|tokens| DevicePoll::Tokens(TokenSet::from(tokens)))
            .map_err(from_request_error)
    }
}

/// What a refused poll means for the flow.
fn poll_refusal(refusal: OAuthError) -> Result<DevicePoll, OAuthError> {
    match refusal {
        OAuthError::Rejected {
            status,
            error,
            description,
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
                status,
                error,
                description,
            }),
        },
        OAuthError::InvalidGrant { .. } => Ok(DevicePoll::Expired),
        other => Err(other),
    }
}

impl From<StandardDeviceAuthorizationResponse> for DeviceAuthorization {
    fn from(answer: StandardDeviceAuthorizationResponse) -> Self {
        Self {
            device_code: DeviceCode::new(answer.device_code().secret().clone()),
            user_code: answer.user_code().secret().clone(),
            verification_uri: answer.verification_uri().to_string(),
            verification_uri_complete: answer
                .verification_uri_complete()
                .map(|uri| uri.secret().clone()),
            expires_in: answer.expires_in(),
            interval: answer.interval(),
        }
    }
}

/// Rewrites Allegro's device answer into RFC 8628's shape for the crate, leniently: only
/// `device_code` is required; numbers may come as strings; a missing or zero interval is 5 s,
/// a missing lifetime 3600 s. A body that is not a JSON object is left for the crate to refuse.
fn rfc8628_answer(body: Vec<u8>) -> Vec<u8> {
    let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(&body) else {
        return body;
    };
    let text = |name: &str| {
        answer
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_owned()))
    };
    let mut shaped = Map::new();
    if let Some(device_code) = text("device_code") {
        shaped.insert("device_code".into(), device_code);
    }
    shaped.insert(
        "user_code".into(),
        text("user_code").unwrap_or_else(|| Value::String(String::new())),
    );
    shaped.insert(
        "verification_uri".into(),
        text("verification_uri").unwrap_or_else(|| Value::String(VERIFICATION_PAGE.into())),
    );
    if let Some(complete) = text("verification_uri_complete") {
        shaped.insert("verification_uri_complete".into(), complete);
    }
    let lifetime = answer
        .get("expires_in")
        .and_then(seconds)
        .unwrap_or(DEFAULT_LIFETIME);
    shaped.insert("expires_in".into(), lifetime.as_secs().into());
    let interval = answer
        .get("interval")
        .and_then(seconds)
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_INTERVAL);
    shaped.insert("interval".into(), interval.as_secs().into());
    serde_json::to_vec(&Value::Object(shaped)).unwrap_or(body)
}

/// Reads the device endpoint's answer as the flow does (the unit tests' entry).
#[cfg(test)]
fn device_authorization(body: &[u8]) -> Result<DeviceAuthorization, OAuthError> {
    serde_json::from_slice::<StandardDeviceAuthorizationResponse>(&rfc8628_answer(body.to_vec()))
        .map(DeviceAuthorization::from)
        .map_err(|e| unreadable(&e))
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
