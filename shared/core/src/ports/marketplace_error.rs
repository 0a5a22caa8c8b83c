//! Why a marketplace call failed: the one error of every marketplace port (conversations,
//! deliveries, orders, offers), so the queue decides retry, delay or drop the same way for all.

use std::time::Duration;

/// Why a marketplace call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarketplaceError {
    /// The marketplace asked us to slow down (HTTP 429).
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited {
        /// How long to wait before the next call.
        retry_after: Duration,
    },
    /// The account's credentials are dead (invalid_grant, revoked app, bad API key).
    #[error("credentials rejected: {0}")]
    CredentialsRejected(String),
    /// A network fault or 5xx; worth retrying.
    #[error("marketplace unavailable: {0}")]
    Unavailable(String),
    /// The marketplace refused the request as invalid; retrying will not help.
    #[error("marketplace refused the request: {0}")]
    Refused(String),
    /// The marketplace reports the seller account blocked (Allegro's sale blockade,
    /// allegro-api.md §4.3): nothing works until the seller settles it with the marketplace.
    #[error("the seller account is blocked: {0}")]
    AccountBlocked(String),
}
