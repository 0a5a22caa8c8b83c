//! Errors of the OAuth endpoints. Allegro's descriptions can quote the refused token
//! ("Invalid refresh token: <token>"), so every secret sent is cut out of them.

use crate::config::RetryPolicy;
use crate::error::{parse_auth_error, AllegroError};
use crate::http::{parse_retry_after, Raw};
use std::time::Duration;

/// Why an OAuth call failed. Messages never contain tokens, codes or the client secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// `invalid_grant`: the refresh token or code is used, expired or revoked. The seller must
    /// authorize the application again; do not retry.
    #[error("the grant is no longer valid (invalid_grant){}", describe(.description))]
    InvalidGrant {
        /// Allegro's description, with secrets removed.
        description: Option<String>,
    },
    /// 401: Allegro refused the application's client id or secret (or the seller unlinked it).
    #[error("Allegro refused the application's client credentials{}", describe(.description))]
    InvalidClient {
        /// Allegro's description.
        description: Option<String>,
    },
    /// Any other refusal (`invalid_request`, `invalid_scope`, `unsupported_grant_type`, …).
    #[error("Allegro refused the OAuth request ({status} {error}){}", describe(.description))]
    Rejected {
        /// HTTP status.
        status: u16,
        /// OAuth error code (empty when the body had none).
        error: String,
        /// Allegro's description, with secrets removed.
        description: Option<String>,
    },
    /// 429: wait `retry_after` before the next OAuth call.
    #[error("rate limited by Allegro; retry after {}s", .retry_after.as_secs())]
    RateLimited {
        /// How long to wait (at least the policy's floor).
        retry_after: Duration,
    },
    /// 5xx after the retries ran out.
    #[error("Allegro OAuth server error {status}")]
    Server {
        /// HTTP status.
        status: u16,
    },
    /// No answer (connection failure or timeout) after the retries ran out.
    #[error("network error talking to Allegro OAuth: {message}")]
    Network {
        /// What failed.
        message: String,
        /// Whether it was a timeout.
        timeout: bool,
    },
    /// The answer was not a token response.
    #[error("could not decode Allegro's OAuth answer: {message}")]
    Decode {
        /// What did not decode (never the body itself).
        message: String,
    },
    /// The configured OAuth URL is unusable.
    #[error("refused URL: {reason}")]
    InvalidUrl {
        /// Why.
        reason: String,
    },
}

impl OAuthError {
    /// Whether the seller has to authorize again (`invalid_grant`).
    pub fn requires_reauthorization(&self) -> bool {
        matches!(self, Self::InvalidGrant { .. })
    }

    /// Whether trying again later may succeed (network, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Network { .. } | Self::Server { .. } | Self::RateLimited { .. }
        )
    }
}

impl From<AllegroError> for OAuthError {
    fn from(error: AllegroError) -> Self {
        match error {
            AllegroError::Network { message, timeout } => Self::Network { message, timeout },
            AllegroError::InvalidUrl { reason } => Self::InvalidUrl { reason },
            AllegroError::Decode { message, .. } => Self::Decode { message },
            AllegroError::RateLimited { retry_after, .. } => Self::RateLimited { retry_after },
            AllegroError::Server { status, .. } | AllegroError::Unexpected { status, .. } => {
                Self::Server { status }
            }
            other => Self::Rejected {
                status: 0,
                error: String::new(),
                description: Some(other.to_string()),
            },
        }
    }
}

fn describe(description: &Option<String>) -> String {
    description
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

/// Cuts every non-empty secret out of a text.
fn redact(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret, "[REDACTED]")
        })
}

/// The error of a non-2xx token-endpoint answer.
pub(crate) fn from_answer(raw: &Raw, policy: &RetryPolicy, secrets: &[&str]) -> OAuthError {
    let status = raw.status.as_u16();
    let body = parse_auth_error(&raw.body);
    let description = body
        .as_ref()
        .and_then(|b| b.error_description.as_deref())
        .map(|d| redact(d, secrets));
    let error = body.map(|b| b.error).unwrap_or_default();
    match status {
        _ if error == "invalid_grant" => OAuthError::InvalidGrant { description },
        401 => OAuthError::InvalidClient { description },
        429 => OAuthError::RateLimited {
            retry_after: raw
                .header("retry-after")
                .and_then(parse_retry_after)
                .unwrap_or_default()
                .max(policy.rate_limit_floor),
        },
        500..=599 => OAuthError::Server { status },
        _ => OAuthError::Rejected {
            status,
            error,
            description,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;

    fn raw(status: u16, body: &str) -> Raw {
        Raw {
            status: StatusCode::from_u16(status).expect("status"),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn invalid_grant_is_distinct_and_hides_the_token() {
        let error = from_answer(
            &raw(
                400,
                r#"{"error":"invalid_grant","error_description":"Invalid refresh token: refresh-secret-1"}"#,
            ),
            &RetryPolicy::default(),
            &["refresh-secret-1"],
        );
        assert!(error.requires_reauthorization());
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("refresh-secret-1"), "{shown}");
        assert!(
            shown.contains("Invalid refresh token: [REDACTED]"),
            "{shown}"
        );
    }

    #[test]
    fn other_answers_map_by_status_and_code() {
        let policy = RetryPolicy::default();
        assert!(matches!(
            from_answer(
                &raw(
                    401,
                    r#"{"error":"Unauthorized","error_description":"Unauthorized"}"#
                ),
                &policy,
                &[]
            ),
            OAuthError::InvalidClient { .. }
        ));
        assert!(matches!(
            from_answer(
                &raw(400, r#"{"error":"invalid_scope","error_description":"Invalid scope: x"}"#),
                &policy,
                &[]
            ),
            OAuthError::Rejected { status: 400, ref error, .. } if error == "invalid_scope"
        ));
        assert!(matches!(
            from_answer(&raw(429, ""), &policy, &[]),
            OAuthError::RateLimited { retry_after } if retry_after.as_secs() == 60
        ));
        let server = from_answer(&raw(502, "<html>"), &policy, &[]);
        assert!(matches!(server, OAuthError::Server { status: 502 }));
        assert!(server.is_transient());
    }

    #[test]
    fn redaction_ignores_empty_secrets() {
        assert_eq!(redact("a b", &["", "b"]), "a [REDACTED]");
    }
}
