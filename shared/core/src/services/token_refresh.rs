//! The token refresher: finds the Allegro accounts whose token pairs need refreshing.

use super::ServiceError;
use crate::domain::{Integration, Marketplace};
use crate::ports::{PageCursor, Ports};
use crate::repo::integrations;

/// Every connected Allegro integration (the ones holding token pairs that age).
pub async fn due_integrations(ports: &Ports) -> Result<Vec<Integration>, ServiceError> {
    let mut due = Vec::new();
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = integrations::list_all(&*ports.store, after, 500).await?;
        due.extend(
            page.into_iter()
                .filter(|i| i.kind == Marketplace::Allegro && i.should_poll()),
        );
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(due),
        }
    }
}

/// What one refresher run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RefreshReport {
    /// Accounts looked at.
    pub accounts: usize,
    /// Pairs refreshed.
    pub refreshed: usize,
    /// Accounts found disconnected (refresh token refused).
    pub disconnected: usize,
    /// Accounts whose refresh failed for now (retried next run or on use).
    pub failed: usize,
}

/// Refreshes every connected Allegro account whose access token expires within
/// [`super::tokens::REFRESH_AHEAD`]. One account's failure does not stop the others.
pub async fn run(
    ports: &Ports,
    refresher: &dyn super::tokens::TokenRefresher,
) -> Result<RefreshReport, ServiceError> {
    use super::tokens::{refresh_if_due, RefreshOutcome, REFRESH_AHEAD};
    let mut report = RefreshReport::default();
    for integration in due_integrations(ports).await? {
        report.accounts += 1;
        match refresh_if_due(ports, &integration, refresher, REFRESH_AHEAD).await {
            Ok(RefreshOutcome::Refreshed) => report.refreshed += 1,
            Ok(RefreshOutcome::Disconnected) => report.disconnected += 1,
            Ok(_) => {}
            Err(error) => {
                report.failed += 1;
                tracing::warn!(integration = %integration.id, %error, "token refresh failed; will retry");
            }
        }
    }
    Ok(report)
}
