//! What becomes of a queue message once its work ran: one policy for the Lambda SQS batches
//! (`marketdesk_lambda::sqs::process_batch`) and the local consumer loops (`marketdesk serve`).

use crate::ports::heartbeat::RETRY_DELAY;
use crate::services::ServiceError;
use std::time::Duration;

/// What to do with a handled message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// The work is done: delete the message.
    Done,
    /// The work is for something deleted meanwhile: delete the message (routine).
    DropObsolete,
    /// The work can never succeed (malformed, refers to nothing): delete the message.
    DropPermanent,
    /// Try again: hide the message this long (the wait a rate limit asked for, else
    /// [`RETRY_DELAY`]); the queue dead-letters it after its maximum number of receives.
    Retry(Duration),
}

impl Disposition {
    /// Whether the message leaves the queue.
    pub fn deletes(self) -> bool {
        !matches!(self, Disposition::Retry(_))
    }

    /// Logs why a failed message was dropped or will be retried.
    pub fn log(self, message_id: &str, error: &ServiceError) {
        match self {
            Disposition::Done => {}
            Disposition::DropObsolete => {
                tracing::info!(message_id, %error, "dropping work for something deleted meanwhile");
            }
            Disposition::DropPermanent => {
                tracing::error!(message_id, %error, "dropping a message that can never succeed");
            }
            Disposition::Retry(delay) => {
                tracing::warn!(message_id, %error, delay_s = delay.as_secs(), "message failed; it will be retried");
            }
        }
    }
}

/// The disposition of a message whose work ended with `result`.
pub fn disposition(result: &Result<(), ServiceError>) -> Disposition {
    match result {
        Ok(()) => Disposition::Done,
        Err(error) if error.is_obsolete() => Disposition::DropObsolete,
        Err(error) if error.is_permanent() => Disposition::DropPermanent,
        Err(error) => Disposition::Retry(error.retry_after().unwrap_or(RETRY_DELAY)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MarketplaceError;

    #[test]
    fn success_deletes_and_gone_or_malformed_work_is_dropped() {
        assert_eq!(disposition(&Ok(())), Disposition::Done);
        let gone = disposition(&Err(ServiceError::Gone("integration removed".into())));
        assert_eq!(gone, Disposition::DropObsolete);
        let malformed = disposition(&Err(ServiceError::Malformed("not JSON".into())));
        assert_eq!(malformed, Disposition::DropPermanent);
        assert!(gone.deletes() && malformed.deletes() && Disposition::Done.deletes());
    }

    #[test]
    fn rate_limits_wait_as_asked_and_other_failures_the_retry_delay() {
        let limited = disposition(&Err(ServiceError::Marketplace(
            MarketplaceError::RateLimited {
                retry_after: Duration::from_secs(75),
            },
        )));
        assert_eq!(limited, Disposition::Retry(Duration::from_secs(75)));
        assert!(!limited.deletes());
        let outage = disposition(&Err(ServiceError::Marketplace(
            MarketplaceError::Unavailable("502".into()),
        )));
        assert_eq!(outage, Disposition::Retry(RETRY_DELAY));
    }
}
