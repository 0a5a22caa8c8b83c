//! The hook every attempt passes before it is sent: the installation's request budget for
//! this shop (`marketdesk-core`'s `services::budget` behind it, key `empik#<shop>`). Mirakl
//! publishes no per-second limit, so the gate only holds the block after a 429: every worker
//! stops calling the shop until it ends.

use async_trait::async_trait;
use std::fmt::Debug;
use std::time::Duration;

/// The shop's shared request budget as the client sees it.
#[async_trait]
pub trait ShopGate: Send + Sync + Debug {
    /// Whether an attempt may be sent now; `Err(retry_after)` while the shop is blocked: the
    /// client answers [`crate::MiraklError::RateLimited`] without sending.
    async fn admit(&self) -> Result<(), Duration>;

    /// The shop answered 429 (`retry_after` when it said how long): block it for every
    /// worker. Answers how long the block lasts.
    async fn rate_limited(&self, retry_after: Option<Duration>) -> Duration;
}
