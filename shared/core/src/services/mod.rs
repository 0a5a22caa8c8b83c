//! What each function does, as plain functions over the ports. Handlers only decode and encode.

pub mod account_access;
pub mod account_log;
pub mod alerts;
pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod autoresponder;
pub mod budget;
pub mod buyers;
pub mod caller;
pub mod catalogue;
pub mod comments;
pub mod connect;
pub mod connection_changes;
pub mod crm;
pub mod customer_export;
pub mod customer_views;
pub mod erp;
pub mod events;
pub mod health;
pub mod ingest;
pub mod integrations;
pub mod observe;
pub mod offer_commands;
pub mod offer_desk;
pub mod offer_settings;
pub mod offer_sync;
pub mod order_desk;
pub mod order_updates;
pub mod orders;
pub mod paging;
pub mod people;
pub mod poll_batch;
pub mod poller;
pub mod polling;
pub mod preview;
pub mod reindex;
pub mod replies;
pub mod request;
pub mod saved_replies;
pub mod scheduler;
pub mod search;
pub mod sender;
pub mod signatures;
pub mod sla;
pub mod ticket_views;
pub mod ticks;
pub mod timeline;
pub mod token_refresh;
pub mod tokens;
pub mod validation;
pub mod views;
pub mod webhooks;
pub mod workflow;
pub mod workspace;

use crate::ports::{MarketplaceError, QueueError};
use crate::repo::RepoError;
use std::time::Duration;

/// Why handling one unit of work failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The work item does not decode; retrying cannot help.
    #[error("malformed work item: {0}")]
    Malformed(String),
    /// The work item refers to something that does not exist (any more); retrying cannot help.
    #[error("{0}")]
    Gone(String),
    /// The store failed.
    #[error(transparent)]
    Repo(#[from] RepoError),
    /// A queue failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// A backing service (secrets, notifier) failed; retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The marketplace failed.
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
}

impl ServiceError {
    /// Whether retrying the same work item can never succeed (drop it, log it).
    pub fn is_permanent(&self) -> bool {
        matches!(self, ServiceError::Malformed(_) | ServiceError::Gone(_))
    }

    /// Whether the work item is for something deleted meanwhile (an integration removed with
    /// jobs in flight): dropped as routine, not as an error.
    pub fn is_obsolete(&self) -> bool {
        matches!(self, ServiceError::Gone(_))
    }

    /// How long to wait before retrying, when the failure says so (rate limits).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ServiceError::Marketplace(MarketplaceError::RateLimited { retry_after }) => {
                Some(*retry_after)
            }
            _ => None,
        }
    }
}

/// Decodes a queue message body into a work item.
pub fn decode_job<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, ServiceError> {
    serde_json::from_str(body).map_err(|e| ServiceError::Malformed(e.to_string()))
}
