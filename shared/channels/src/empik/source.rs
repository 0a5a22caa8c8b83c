//! Polling EmpikPlace inbox threads (M11) into inbound events.
//!
//! A poll lists the threads updated since the watermark (the newest `date_updated` seen)
//! minus a 2-minute overlap, with their last 100 messages (one M11 call per 50 threads, Mirakl's
//! default page: pages stay well below the answer cap), and
//! compares each with its mark in the cursor position (`date_updated`, last message date,
//! message count, `shop_reply_needed_since`; see `position`):
//!
//! - unchanged: nothing more is read, no event (the overlap re-lists the newest threads on
//!   every poll; this is what keeps them from being ingested again and again);
//! - changed: an event with its messages and an empty panel (ingest keeps the stored panel);
//! - new (no mark) and with a message since the integration was enabled: an event with the
//!   full panel (reason code, order link, the order's products) and the subject: the topic,
//!   or for a `REASON_CODE` topic the reason's label (RE02, cached in the position; see
//!   `reasons`).
//!
//! **Long threads.** M11 carries only a thread's newest 100 messages. When
//! `metadata.total_count` says more arrived since the mark than M11 carried (a thread longer
//! than 100 seen for the first time, or one that gained more than 100 during a downtime or a
//! long back-off), the whole thread is read with M10, so nothing is lost up to Mirakl's cap of
//! 1000 messages per thread. A thread's messages are split over several events when they would
//! not fit one queue message.
//!
//! **Orders (OR11).** Read for new threads, and for known threads whose order OR11 did not
//! return before (when they change), in one call of up to 100 ids, and **at most once a minute
//! per shop** (Mirakl's guidance; the time is kept in the position). A new thread within the
//! minute becomes a ticket at once, without products; its order is read at the next poll the
//! minute allows (the listing reaches back to it until then), and that event fills the panel.
//!
//! Cost per poll: **an idle shop costs exactly one M11 call**. A changed thread costs nothing
//! more unless it needs M10; new threads add at most one OR11 a minute and, rarely, one RE02.
//!
//! Any failure returns `Err` before anything is emitted, so the poller keeps the old cursor and
//! the next poll reads the same changes again; nothing is lost.

use super::access::EmpikAccess;
use super::errors::to_marketplace_error;
use super::mapping;
use super::position::{EmpikPosition, PanelState, ThreadMark};
use super::reasons;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketdesk_core::domain::{Integration, PollCursor, TicketPanel};
use marketdesk_core::ports::{ConversationSource, MarketplaceError, PollBatch};
use marketdesk_mirakl::{MiraklClient, MiraklError, Order, Thread, ThreadQuery, MAX_ORDER_IDS};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Re-read this much before the stored watermark: the deliberate overlap absorbs clock skew
/// and threads updated while the previous poll was paging; the marks keep it free.
const OVERLAP: Duration = Duration::minutes(2);
/// Least time between two OR11 calls for one shop (Mirakl: at most once per minute).
pub const ORDERS_INTERVAL: Duration = Duration::minutes(1);

/// Reads EmpikPlace threads changed since the cursor.
pub struct EmpikThreadsSource {
    access: EmpikAccess,
    base_url: String,
    user_agent: String,
    max_answer_bytes: u64,
}

/// What a poll does with a listed thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    /// Never emitted: every message, the full panel.
    New,
    /// Emitted before and changed since; `known` messages were stored then.
    Changed { known: i64, panel: PanelState },
    /// Unchanged, but its order still waits to be read.
    OrderOnly,
}

impl Work {
    /// Whether this work reads the thread's order (if it has one).
    fn wants_order(self) -> bool {
        match self {
            Work::New | Work::OrderOnly => true,
            Work::Changed { panel, .. } => panel != PanelState::Done,
        }
    }
}

impl EmpikThreadsSource {
    /// A source calling EmpikPlace at `base_url` (the simulator's address in tests).
    pub fn new(
        access: EmpikAccess,
        base_url: impl Into<String>,
        user_agent: impl Into<String>,
    ) -> Self {
        Self {
            access,
            base_url: base_url.into(),
            max_answer_bytes: marketdesk_mirakl::DEFAULT_MAX_ANSWER_BYTES,
            user_agent: user_agent.into(),
        }
    }

    /// The same channel with another cap on Mirakl answers (`MARKETDESK_MAX_ANSWER_BYTES`).
    pub fn with_max_answer_bytes(mut self, limit: u64) -> Self {
        self.max_answer_bytes = limit;
        self
    }

    /// A client with the integration's API key.
    pub async fn client(
        &self,
        integration: &Integration,
    ) -> Result<MiraklClient, MarketplaceError> {
        let key = self.access.api_key(integration).await?;
        self.access.client_with(
            integration,
            &key,
            &self.base_url,
            &self.user_agent,
            self.max_answer_bytes,
        )
    }
}

/// What to do with each listed thread, oldest change first (tickets are created in the order
/// the customers wrote); unchanged threads and threads without a message since `enabled_at`
/// are left out.
fn plan<'a>(
    listed: &'a [Thread],
    position: &EmpikPosition,
    enabled_at: DateTime<Utc>,
) -> Vec<(&'a Thread, Work)> {
    let mut work: Vec<(&Thread, Work)> = listed
        .iter()
        .filter(|t| mapping::has_message_after(t, enabled_at))
        .filter_map(|thread| {
            let job = match position.threads.get(&thread.id) {
                None => Work::New,
                Some(mark) if !mark.unchanged(thread) => Work::Changed {
                    known: mark.messages,
                    panel: mark.panel,
                },
                Some(mark) if mark.panel == PanelState::OrderWaiting => Work::OrderOnly,
                Some(_) => return None,
            };
            Some((thread, job))
        })
        .collect();
    work.sort_by_key(|(thread, _)| thread.date_updated);
    work
}

/// Whether M11 left out messages that are not stored yet: more arrived since the `known`
/// ones than it carried. Without a count, a full listing (100) may hide older ones.
fn misses_messages(thread: &Thread, known: i64) -> bool {
    let carried = thread.messages.len();
    match thread.metadata.total_count {
        Some(total) => total - known > i64::try_from(carried).unwrap_or(i64::MAX),
        None => carried >= marketdesk_mirakl::LISTED_MESSAGES_MAX,
    }
}

/// The orders to read now: those of `work` that want one, at most 100 distinct ids, when the
/// shop's last OR11 is a minute old; `None` when the minute is not over.
fn orders_to_read(
    work: &[(&Thread, Work)],
    orders_read_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Vec<String>> {
    if orders_read_at.is_some_and(|at| now - at < ORDERS_INTERVAL) {
        return None;
    }
    let mut ids: Vec<String> = Vec::new();
    for id in work
        .iter()
        .filter(|(_, job)| job.wants_order())
        .filter_map(|(thread, _)| thread.order_id())
    {
        if ids.len() == MAX_ORDER_IDS {
            break;
        }
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_owned());
        }
    }
    Some(ids)
}

#[async_trait]
impl ConversationSource for EmpikThreadsSource {
    async fn poll(
        &self,
        integration: &Integration,
        cursor: &PollCursor,
    ) -> Result<PollBatch, MarketplaceError> {
        let client = self.client(integration).await?;
        let now = self.access.clock.now();
        let mut position = EmpikPosition::decode(cursor.position.as_deref());
        let watermark = position.watermark.unwrap_or(integration.enabled_at);
        let since = position
            .oldest_waiting()
            .map_or(watermark - OVERLAP, |w| w.min(watermark - OVERLAP))
            .max(integration.enabled_at - OVERLAP);
        let listed = client
            .all_threads(&ThreadQuery::new().updated_since(since).with_messages(true))
            .await
            .map_err(to_marketplace_error)?;
        let work = plan(&listed, &position, integration.enabled_at);

        // The reason labels new tickets are titled with.
        let codes: BTreeSet<String> = work
            .iter()
            .filter(|(_, job)| *job == Work::New)
            .filter_map(|(thread, _)| mapping::reason_code(thread))
            .map(str::to_owned)
            .collect();
        if reasons::needs_refresh(position.reasons.as_ref(), &codes, now) {
            position.reasons =
                Some(reasons::refresh(&client, position.reasons.take(), &codes, now).await?);
        }
        let labels = position
            .reasons
            .as_ref()
            .map(|r| r.labels.clone())
            .unwrap_or_default();

        // One OR11 a minute at most, for the orders of new threads and of panels still lacking
        // theirs.
        let wanted = orders_to_read(&work, position.orders_read_at, now);
        let mut orders: HashMap<String, Order> = HashMap::new();
        if let Some(ids) = wanted.as_ref().filter(|ids| !ids.is_empty()) {
            orders = client
                .orders_by_ids(ids)
                .await
                .map_err(to_marketplace_error)?
                .into_iter()
                .map(|o| (o.order_id.clone(), o))
                .collect();
            position.orders_read_at = Some(now);
        }
        let was_read = |order_id: &str| {
            wanted
                .as_ref()
                .is_some_and(|ids| ids.iter().any(|id| id == order_id))
        };

        let attachment_url = |id: &str| format!("mirakl-attachment:{id}");
        let mut events = Vec::new();
        for (listed_thread, job) in work {
            let known = match job {
                Work::Changed { known, .. } => known,
                Work::New => 0,
                Work::OrderOnly => i64::MAX,
            };
            let full;
            let thread = if job != Work::OrderOnly && misses_messages(listed_thread, known) {
                match client.thread(&listed_thread.id).await {
                    Ok(thread) => {
                        full = thread;
                        &full
                    }
                    // Listed a moment ago, gone now: keep what M11 carried rather than stall
                    // the shop's polling on it.
                    Err(MiraklError::NotFound { message }) => {
                        tracing::warn!(thread = %listed_thread.id, %message, "M10 lost a listed EmpikPlace thread");
                        listed_thread
                    }
                    Err(error) => return Err(to_marketplace_error(error)),
                }
            } else {
                listed_thread
            };
            let order_id = thread.order_id();
            let (panel, state) = match order_id {
                None if job == Work::New => (mapping::panel(thread, None, None), PanelState::Done),
                None => (TicketPanel::default(), PanelState::Done),
                Some(id) if job.wants_order() && was_read(id) => {
                    let order = orders.get(id);
                    let state = if order.is_some() {
                        PanelState::Done
                    } else {
                        PanelState::OrderMissing
                    };
                    (
                        mapping::panel(thread, order, Some(client.order_url(id))),
                        state,
                    )
                }
                Some(id) => match job {
                    Work::New => (
                        mapping::panel(thread, None, Some(client.order_url(id))),
                        PanelState::OrderWaiting,
                    ),
                    // Still waiting for the minute: nothing to say yet.
                    Work::OrderOnly => continue,
                    Work::Changed { panel, .. } => (TicketPanel::default(), panel),
                },
            };
            let stored = thread
                .metadata
                .total_count
                .unwrap_or_else(|| i64::try_from(thread.messages.len()).unwrap_or(i64::MAX));
            events.extend(mapping::events(
                integration,
                thread,
                mapping::subject(thread, &labels),
                panel,
                &attachment_url,
            ));
            position
                .threads
                .insert(thread.id.clone(), ThreadMark::of(thread, stored, state));
        }

        let listed_ids: HashSet<String> = listed.iter().map(|t| t.id.clone()).collect();
        let newest = listed.iter().filter_map(|t| t.date_updated).max();
        position.watermark = Some(newest.map_or(watermark, |t| t.max(watermark)));
        position.prune(&listed_ids);
        Ok(PollBatch {
            events,
            next_position: Some(position.encode()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(id: &str, total: Option<i64>, carried: usize) -> Thread {
        let messages: Vec<serde_json::Value> = (0..carried)
            .map(|n| serde_json::json!({"id": format!("{id}-{n}"), "date_created": "2026-11-01T10:00:00Z"}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "id": id,
            "entities": [{"id": format!("order-{id}"), "label": "x", "type": "MMP_ORDER"}],
            "date_updated": "2026-11-01T10:00:00Z",
            "metadata": {"total_count": total},
            "messages": messages
        }))
        .expect("thread")
    }

    #[test]
    fn m10_is_needed_only_when_more_arrived_than_m11_carried() {
        assert!(!misses_messages(&thread("a", Some(100), 100), 0));
        assert!(misses_messages(&thread("a", Some(101), 100), 0));
        assert!(!misses_messages(&thread("a", Some(150), 100), 50));
        assert!(misses_messages(&thread("a", Some(1000), 100), 1));
        assert!(!misses_messages(&thread("a", None, 99), 0));
        assert!(misses_messages(&thread("a", None, 100), 0));
    }

    #[test]
    fn orders_are_read_once_a_minute_for_at_most_100_distinct_ids() {
        let now = Utc::now();
        let threads: Vec<Thread> = (0..150)
            .map(|n| thread(&n.to_string(), Some(1), 1))
            .collect();
        let mut work: Vec<(&Thread, Work)> = threads.iter().map(|t| (t, Work::New)).collect();
        work.push((&threads[0], Work::OrderOnly));
        work.push((
            &threads[1],
            Work::Changed {
                known: 1,
                panel: PanelState::Done,
            },
        ));
        let ids = orders_to_read(&work, None, now).expect("allowed");
        assert_eq!(ids.len(), MAX_ORDER_IDS);
        assert_eq!(ids[0], "order-0");
        assert_eq!(
            orders_to_read(&work, Some(now - Duration::seconds(59)), now),
            None
        );
        assert!(orders_to_read(&work, Some(now - ORDERS_INTERVAL), now).is_some());
        let quiet = [(
            &threads[1],
            Work::Changed {
                known: 1,
                panel: PanelState::Done,
            },
        )];
        assert_eq!(orders_to_read(&quiet, None, now), Some(Vec::new()));
    }
}
