//! Errors of the services behind the agent API, which the HTTP layer maps to status codes.

use crate::ports::{SecretsError, StoreError};
use crate::repo::RepoError;

/// Why an API request could not be served.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The request breaks a rule; `field` names the part at fault (`settings.autoresponder.text`).
    #[error("{field}: {message}")]
    Invalid {
        /// Dotted path of the field at fault.
        field: String,
        /// What is wrong, in words a person can act on.
        message: String,
    },
    /// The thing asked for does not exist in the caller's tenant.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state (e.g. it kept changing meanwhile).
    #[error("{0}")]
    Conflict(String),
    /// The request cannot apply in the thing's current state; `code` says which state
    /// (e.g. `conversation_closed`, `reply_not_failed`).
    #[error("{message}")]
    WrongState {
        /// Machine-readable code.
        code: &'static str,
        /// What is wrong, in words a person can act on.
        message: String,
    },
    /// The request breaks a rule that has its own machine-readable `code` (answered 422, like
    /// [`RequestError::Invalid`], but telling which rule: `orders_from_too_early`).
    #[error("{field}: {message}")]
    Rule {
        /// Machine-readable code.
        code: &'static str,
        /// Dotted path of the field at fault.
        field: String,
        /// What is wrong, in words a person can act on.
        message: String,
    },
    /// A backing service failed; retrying later may help. Details are for the log only.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Stored data is broken or an invariant failed. Details are for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RequestError {
    /// A validation error naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        RequestError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<RepoError> for RequestError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::Store(StoreError::Unavailable(reason)) => RequestError::Unavailable(reason),
            RepoError::Store(StoreError::ConditionFailed)
            | RepoError::Store(StoreError::TransactionCancelled(_))
            | RepoError::AlreadyExists => RequestError::Conflict(
                "the item changed while the request was handled; try again".into(),
            ),
            RepoError::NotFound => RequestError::NotFound("item"),
            other => RequestError::Internal(other.to_string()),
        }
    }
}

impl From<SecretsError> for RequestError {
    fn from(error: SecretsError) -> Self {
        match error {
            SecretsError::Unavailable(reason) => RequestError::Unavailable(reason),
            SecretsError::InvalidName(name) => {
                RequestError::Internal(format!("invalid secret name {name}"))
            }
        }
    }
}

/// Maps a store refusal of a client-supplied page cursor to a validation error on `cursor`.
pub(crate) fn cursor_error(error: RepoError) -> RequestError {
    match error {
        RepoError::Store(StoreError::Invalid(_)) => {
            RequestError::invalid("cursor", "not a cursor returned by this list")
        }
        other => other.into(),
    }
}
