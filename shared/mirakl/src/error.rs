//! The one error type of the client. No variant ever holds the API key: server messages are
//! scrubbed of it before they are stored (see `http.rs`).

use std::time::Duration;

/// What can go wrong talking to the Mirakl seller API.
#[derive(Debug, thiserror::Error)]
pub enum MiraklError {
    /// 401: the API key is missing, wrong or revoked; the seller must enter a new one.
    #[error("Mirakl rejected the API key (401): {message}")]
    Unauthorized {
        /// The server's message (may be empty).
        message: String,
    },
    /// 403: the key may not use this resource or this `shop_id`.
    #[error("Mirakl denied access (403): {message}")]
    Forbidden {
        /// The server's message (may be empty).
        message: String,
    },
    /// 404: the thread, attachment or resource does not exist for this shop.
    #[error("not found on Mirakl (404): {message}")]
    NotFound {
        /// The server's message (may be empty).
        message: String,
    },
    /// 400: Mirakl refused a parameter or the request body.
    #[error("Mirakl refused the request (400): {message}")]
    BadRequest {
        /// The server's message.
        message: String,
    },
    /// Any other refusal (3xx, 405, 406, 409, 410, 415, 422, ...).
    #[error("Mirakl answered {status}: {message}")]
    Rejected {
        /// HTTP status code.
        status: u16,
        /// The server's message (may be empty).
        message: String,
    },
    /// 429 that could not be waited out inline; try again after `retry_after` (if known).
    #[error("Mirakl rate limit reached (429), retry after {retry_after:?}")]
    RateLimited {
        /// The server's `Retry-After`, if it sent a usable one.
        retry_after: Option<Duration>,
    },
    /// 5xx still failing after the retries (or not retried because the call is not idempotent).
    #[error("Mirakl server error ({status}): {message}")]
    Server {
        /// HTTP status code.
        status: u16,
        /// The server's message (may be empty).
        message: String,
    },
    /// The request did not complete: connection failure, timeout, broken body.
    #[error("network error talking to Mirakl: {0}")]
    Network(#[source] reqwest::Error),
    /// A successful answer whose body could not be read as expected.
    #[error("could not decode Mirakl's answer to {context}: {message}")]
    Decode {
        /// Which call answered.
        context: String,
        /// What did not fit.
        message: String,
    },
    /// The answer was larger than the configured cap; it was not read further. Not transient
    /// for the client, but the caller treats it like an outage (the cursor does not move).
    #[error("Mirakl's answer to {context} exceeds {limit} bytes; not read")]
    AnswerTooLarge {
        /// Which call answered.
        context: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// Refused on the client before anything was sent (e.g. a reply body too short).
    #[error("invalid request: {message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
    },
    /// The client configuration is unusable (bad base URL, key not a valid header value).
    #[error("invalid Mirakl client configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
}

impl MiraklError {
    /// Whether trying the same call again later may succeed (rate limit, 5xx, network).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Network(_)
        )
    }

    /// Whether the seller's credentials are at fault (401 or 403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::Forbidden { .. })
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }

    pub(crate) fn decode(context: &str, message: impl std::fmt::Display) -> Self {
        Self::Decode {
            context: context.to_owned(),
            message: message.to_string(),
        }
    }
}

/// Result of a client call.
pub type MiraklResult<T> = Result<T, MiraklError>;
