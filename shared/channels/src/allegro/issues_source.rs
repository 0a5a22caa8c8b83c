//! Polling Allegro post-purchase issues (`/sale/issues`, beta: disputes and claims).
//!
//! Allegro keeps no event journal for issues and lists them by opening date only, so a poll
//! reads the list (newest opened first, 100 per page) down to the issues opened 6 months ago
//! and compares each with the fingerprint stored in the cursor position (messages count, last
//! message time, status, `chatActive`; see `positions`):
//!
//! - unchanged: nothing more is read, no event;
//! - changed: the whole chat is read (`full_issue_chat`) and an event carries all of it
//!   (ingest de-duplicates by message id), with an empty panel so the stored panel stays;
//! - unknown and changed within the last 30 days (every such issue on the first poll): the
//!   chat, the order (`/order/checkout-forms/{id}`) and the EAN of each distinct offer are read
//!   (each at most once per poll) and the event carries the full panel and the buyer's e-mails;
//! - unknown and quiet for 30 days: ignored (outside the sync window).
//!
//! Fingerprints of issues not listed for 30 days are dropped. Cost per cycle: one call per 100
//! issues opened within 6 months, so **an idle account with fewer than 100 issues opened in 6
//! months costs exactly 1 call** (`GET /sale/issues?limit=100&offset=0`); each changed issue
//! adds its chat pages (1 per 100 messages), each new one its order and offers. The access
//! token is read from the secrets port and refreshed only near its expiry.
//!
//! Any failure returns `Err` before anything is emitted, so the poller keeps the old cursor and
//! the next cycle reads the same changes again; nothing is lost.

use super::access::{self, AllegroAccess};
use super::client::AllegroClients;
use super::mapping;
use super::orders::OrderLookup;
use super::positions::{day_number, last_activity, IssueMark, IssuesPosition, SYNC_WINDOW};
use async_trait::async_trait;
use chrono::Duration;
use marketdesk_allegro::issues::IssueFilter;
use marketdesk_allegro::{AccessToken, AllegroClient, AllegroError};
use marketdesk_core::domain::{Integration, PollCursor};
use marketdesk_core::ports::{ConversationSource, MarketplaceError, PollBatch};

/// Issues opened longer ago than this are not synchronised (the product's 6 months).
pub const OPENED_WINDOW: Duration = Duration::days(183);

/// Reads an Allegro account's disputes and claims (channel `allegro_issues`).
pub struct AllegroIssuesSource {
    access: AllegroAccess,
    clients: AllegroClients,
}

impl AllegroIssuesSource {
    /// A source using the core's clock and access tokens and the Allegro clients.
    pub fn new(access: AllegroAccess, clients: AllegroClients) -> Self {
        Self { access, clients }
    }

    /// One poll with one token: every Allegro failure is returned as is.
    async fn read(
        &self,
        client: &AllegroClient,
        token: &AccessToken,
        integration: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, AllegroError> {
        let now = self.access.clock.now();
        let today = day_number(now);
        let changed_since = now - SYNC_WINDOW;
        let mut position = IssuesPosition::decode(cursor.position.as_deref());
        let issues = client
            .all_issues(token, &IssueFilter::default(), Some(now - OPENED_WINDOW))
            .await?;
        let mut orders = OrderLookup::new(client, token);
        let mut events = Vec::new();
        // Oldest opened first, so tickets are created in the order the buyers wrote.
        for issue in issues.iter().rev().filter(|i| !i.id.is_empty()) {
            let mark = IssueMark::of(issue, today);
            let is_new = match position.issues.get(&issue.id) {
                Some(known) if known.fingerprint == mark.fingerprint => {
                    position.issues.insert(issue.id.clone(), mark);
                    continue;
                }
                Some(_) => false,
                None if last_activity(issue).is_none_or(|at| at >= changed_since) => true,
                None => continue,
            };
            let chat = client.full_issue_chat(token, &issue.id).await?;
            let order = if is_new {
                let checkout_form = issue.checkout_form.as_ref().and_then(|f| f.id.as_deref());
                Some(orders.context(checkout_form).await?)
            } else {
                None
            };
            events.push(mapping::issue_event(
                integration,
                issue,
                &chat,
                order.as_ref(),
                now,
            ));
            position.issues.insert(issue.id.clone(), mark);
        }
        position.prune(today);
        Ok(PollBatch {
            events,
            next_position: Some(position.encode()),
        })
    }
}

#[async_trait]
impl ConversationSource for AllegroIssuesSource {
    async fn poll(
        &self,
        integration: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError> {
        let client = self.clients.for_integration(integration);
        access::with_token(&self.access, integration, |token| async move {
            self.read(client, &token, integration, cursor).await
        })
        .await
    }
}
