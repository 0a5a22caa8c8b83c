//! The token refresher: finds the Allegro accounts whose token pairs need refreshing.

use super::ServiceError;
use crate::domain::{Integration, IntegrationKind};
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
                .filter(|i| i.kind == IntegrationKind::Allegro && i.should_poll()),
        );
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(due),
        }
    }
}
