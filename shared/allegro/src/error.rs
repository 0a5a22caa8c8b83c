//! Errors of REST calls ([`AllegroError`]) and Allegro's error bodies (`ErrorsHolder`,
//! `AuthError`). Messages never contain tokens or the client secret.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// The error code of Allegro's answer for a seller account under a sale blockade.
pub const ACCOUNT_BLOCKED_CODE: &str = "SellerAccountWithSellBlockadeException";

/// One entry of Allegro's `ErrorsHolder` (`{"errors": [...]}`); every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiError {
    /// Machine code, e.g. `NotFoundException`, `VALIDATION_ERROR`, `THREAD_CLOSED`.
    pub code: String,
    /// Developer message (English).
    pub message: Option<String>,
    /// More detail, often null.
    pub details: Option<String>,
    /// Field path or request path, often null.
    pub path: Option<String>,
    /// Message for people, localised by `Accept-Language`.
    pub user_message: Option<String>,
    /// Extra key/values (an object; sometimes `{}` or null).
    pub metadata: Option<serde_json::Value>,
}

/// The `{"errors": [...]}` body.
#[derive(Debug, Default, Deserialize)]
struct ErrorsHolder {
    #[serde(default, deserialize_with = "crate::lenient::null_as_default")]
    errors: Vec<ApiError>,
}

/// The OAuth-style body (`{"error", "error_description"}`), used by 401s and the token endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AuthErrorBody {
    /// OAuth error code, e.g. `invalid_token`, `invalid_grant`.
    pub error: String,
    /// Human description.
    pub error_description: Option<String>,
}

/// Reads an `ErrorsHolder` body; anything else gives no entries.
pub(crate) fn parse_errors(body: &[u8]) -> Vec<ApiError> {
    serde_json::from_slice::<ErrorsHolder>(body)
        .map(|holder| holder.errors)
        .unwrap_or_default()
}

/// Reads an `AuthError` body, if the body is one.
pub(crate) fn parse_auth_error(body: &[u8]) -> Option<AuthErrorBody> {
    serde_json::from_slice::<AuthErrorBody>(body)
        .ok()
        .filter(|e| !e.error.is_empty())
}

/// Why a REST call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AllegroError {
    /// 401: the access token is missing, invalid, expired or revoked; refresh it (or, when the
    /// refresh fails with `invalid_grant`, the seller must sign in again).
    #[error("Allegro rejected the access token: {error}{}", describe(.description, .trace_id))]
    Unauthorized {
        /// OAuth error code (`invalid_token`, `unauthorized`, …); empty when the body had none.
        error: String,
        /// Allegro's description.
        description: Option<String>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// 403: the token lacks a scope, or the resource is not the seller's (or the User-Agent was
    /// refused).
    #[error("Allegro refused access{}", entries(.errors, .trace_id))]
    Forbidden {
        /// The error entries.
        errors: Vec<ApiError>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// 404: no such resource (or not visible to this seller).
    #[error("not found on Allegro{}", entries(.errors, .trace_id))]
    NotFound {
        /// The error entries.
        errors: Vec<ApiError>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// 409: the resource's state forbids the change (e.g. `DISPUTE_ALREADY_RESOLVED`).
    #[error("conflict on Allegro: {code}{}", entries(.errors, .trace_id))]
    Conflict {
        /// The first error's code.
        code: String,
        /// The error entries.
        errors: Vec<ApiError>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// 400, 413, 415 or 422: the request was refused (e.g. `VALIDATION_ERROR`, `THREAD_CLOSED`,
    /// `ATTACHMENT_ERROR`, file too big, unsupported type).
    #[error("Allegro refused the request ({status}){}", entries(.errors, .trace_id))]
    Validation {
        /// HTTP status.
        status: u16,
        /// The error entries.
        errors: Vec<ApiError>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// 429: too many requests. Wait `retry_after` before calling again (Allegro blocks the
    /// client id for a minute); the client does not sleep on it.
    #[error("rate limited by Allegro; retry after {}s{}", .retry_after.as_secs(), describe(&None, .trace_id))]
    RateLimited {
        /// How long to wait: the larger of `Retry-After` and the policy's floor (60 s).
        retry_after: Duration,
        /// `Retry-After` exactly as sent, if any.
        retry_after_header: Option<Duration>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// 5xx after the retries ran out.
    #[error("Allegro server error {status}{}", entries(.errors, .trace_id))]
    Server {
        /// HTTP status.
        status: u16,
        /// The error entries.
        errors: Vec<ApiError>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// Any other unexpected status (e.g. 406 for a wrong media type).
    #[error("unexpected answer {status} from Allegro{}", entries(.errors, .trace_id))]
    Unexpected {
        /// HTTP status.
        status: u16,
        /// The error entries.
        errors: Vec<ApiError>,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// No answer: connection failure or timeout, after the retries ran out.
    #[error("network error talking to Allegro: {message}")]
    Network {
        /// What failed (never includes the URL or headers).
        message: String,
        /// Whether it was a timeout.
        timeout: bool,
    },
    /// The answer was not what the API documents (malformed JSON, wrong shape).
    #[error("could not decode Allegro's answer: {message}{}", describe(&None, .trace_id))]
    Decode {
        /// What did not decode.
        message: String,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// The answer was larger than the configured cap (`AllegroConfig::max_answer_bytes`); it
    /// was not read further. Treated like an outage: the poll's cursor does not move.
    #[error("Allegro's answer exceeds {limit} bytes; not read{}", describe(&None, .trace_id))]
    AnswerTooLarge {
        /// The cap in bytes.
        limit: u64,
        /// The `trace-id` header.
        trace_id: Option<String>,
    },
    /// A URL the client refuses to use: malformed, or on a host that must not see the token.
    #[error("refused URL: {reason}")]
    InvalidUrl {
        /// Why.
        reason: String,
    },
}

impl AllegroError {
    /// The `trace-id` of the answer, when there was one (quote it to Allegro's support).
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { trace_id, .. }
            | Self::Forbidden { trace_id, .. }
            | Self::NotFound { trace_id, .. }
            | Self::Conflict { trace_id, .. }
            | Self::Validation { trace_id, .. }
            | Self::RateLimited { trace_id, .. }
            | Self::AnswerTooLarge { trace_id, .. }
            | Self::Server { trace_id, .. }
            | Self::Unexpected { trace_id, .. }
            | Self::Decode { trace_id, .. } => trace_id.as_deref(),
            Self::Network { .. } | Self::InvalidUrl { .. } => None,
        }
    }

    /// The error entries of the body (empty for errors without one).
    pub fn errors(&self) -> &[ApiError] {
        match self {
            Self::Forbidden { errors, .. }
            | Self::NotFound { errors, .. }
            | Self::Conflict { errors, .. }
            | Self::Validation { errors, .. }
            | Self::Server { errors, .. }
            | Self::Unexpected { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether any error entry has this code (e.g. `THREAD_CLOSED`).
    pub fn has_code(&self, code: &str) -> bool {
        self.errors().iter().any(|e| e.code == code)
    }

    /// Whether Allegro answered that the seller account is blocked (403
    /// `SellerAccountWithSellBlockadeException`, allegro-api.md §4.3).
    pub fn is_account_blocked(&self) -> bool {
        matches!(self, Self::Forbidden { .. }) && self.has_code(ACCOUNT_BLOCKED_CODE)
    }

    /// Whether trying the same call later may succeed (network, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Network { .. } | Self::Server { .. } | Self::RateLimited { .. }
        )
    }
}

/// ` (code: message; …) [trace-id …]` for Display.
fn entries(errors: &[ApiError], trace_id: &Option<String>) -> String {
    let listed: Vec<String> = errors
        .iter()
        .map(
            |e| match e.message.as_deref().or(e.user_message.as_deref()) {
                Some(message) if !message.is_empty() => format!("{}: {message}", e.code),
                _ => e.code.clone(),
            },
        )
        .collect();
    let mut text = String::new();
    if !listed.is_empty() {
        text.push_str(&format!(" ({})", listed.join("; ")));
    }
    text.push_str(&trace(trace_id));
    text
}

/// ` (description) [trace-id …]` for Display.
fn describe(description: &Option<String>, trace_id: &Option<String>) -> String {
    let mut text = String::new();
    if let Some(description) = description.as_deref().filter(|d| !d.is_empty()) {
        text.push_str(&format!(" ({description})"));
    }
    text.push_str(&trace(trace_id));
    text
}

fn trace(trace_id: &Option<String>) -> String {
    trace_id
        .as_deref()
        .map(|id| format!(" [trace-id {id}]"))
        .unwrap_or_default()
}

/// A network error's text without the URL (which may carry a one-time upload address).
pub(crate) fn network_message(error: reqwest::Error) -> (String, bool) {
    let timeout = error.is_timeout();
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    (message, timeout)
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message.as_deref() {
            Some(message) => write!(f, "{}: {message}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_holder_bodies_parse_leniently() {
        let body = br#"{"errors":[{"code":"CheckoutFormNotFoundException","message":"Checkout form x not found","details":null,"path":"/order/checkout-forms/x","userMessage":"Checkout form x not found","metadata":{}},{"code":"OTHER","metadata":null,"extra":1}]}"#;
        let errors = parse_errors(body);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].code, "CheckoutFormNotFoundException");
        assert_eq!(errors[0].path.as_deref(), Some("/order/checkout-forms/x"));
        assert_eq!(errors[1].metadata, None);
        assert!(parse_errors(b"<html>").is_empty());
        assert!(parse_errors(br#"{"errors":null}"#).is_empty());
    }

    #[test]
    fn auth_errors_parse_only_when_they_are_auth_errors() {
        let body = br#"{"error":"invalid_token","error_description":"Access token expired"}"#;
        let parsed = parse_auth_error(body).expect("an auth error");
        assert_eq!(parsed.error, "invalid_token");
        assert!(parse_auth_error(br#"{"errors":[]}"#).is_none());
    }

    #[test]
    fn display_names_codes_and_trace_ids() {
        let error = AllegroError::Conflict {
            code: "DISPUTE_ALREADY_RESOLVED".into(),
            errors: vec![ApiError {
                code: "DISPUTE_ALREADY_RESOLVED".into(),
                message: Some("Dispute is closed".into()),
                ..ApiError::default()
            }],
            trace_id: Some("abc".into()),
        };
        assert_eq!(
            error.to_string(),
            "conflict on Allegro: DISPUTE_ALREADY_RESOLVED (DISPUTE_ALREADY_RESOLVED: Dispute is closed) [trace-id abc]"
        );
        assert!(error.has_code("DISPUTE_ALREADY_RESOLVED"));
        assert_eq!(error.trace_id(), Some("abc"));
        assert!(!error.is_transient());
        let limited = AllegroError::RateLimited {
            retry_after: Duration::from_secs(60),
            retry_after_header: None,
            trace_id: None,
        };
        assert_eq!(
            limited.to_string(),
            "rate limited by Allegro; retry after 60s"
        );
        assert!(limited.is_transient());
    }
}
