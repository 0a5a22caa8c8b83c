//! Polling Allegro Message Center threads (`/messaging`, beta.v1: purchase problems and buyers'
//! questions).
//!
//! Threads are listed newest last message first (20 per page, cursor paging); a poll reads
//! pages until one reaches a thread whose last message is older than the watermark (the newest
//! `lastMessageDateTime` seen so far) minus 2 minutes of overlap; on the first poll, older than
//! 30 days. Every listed thread is compared with its fingerprint in the cursor position (last
//! message time and status, so a thread closed without a message is noticed too while it is
//! listed):
//!
//! - unchanged: nothing more is read, no event;
//! - changed: its messages since the last one seen are read (`thread_messages_since`) and an
//!   event carries them with an empty panel (ingest keeps the stored one);
//! - unknown and newer than the floor: all its messages, its order and the EAN of each distinct
//!   offer are read (each order and offer at most once per poll), and the event carries the full
//!   panel and the buyer's e-mails;
//! - unknown and older: ignored (outside the window).
//!
//! `COMMON` threads name both sides `USER`, so the seller's login decides who wrote what. It is
//! taken from a `SELLER` participant of any listed thread, else read once with `GET /me`, and
//! kept in the position. Fingerprints of threads not listed and quiet for 30 days are dropped.
//!
//! Cost per cycle: **an idle account costs exactly 1 call** (`GET /messaging/threads?limit=20`),
//! unless more than 20 threads got a message within the overlap; each changed thread adds one
//! call per 20 new messages, each new one its order and offers. The first poll may add `/me`.
//!
//! Any failure returns `Err` before anything is emitted, so the poller keeps the old cursor and
//! the next cycle reads the same changes again; nothing is lost.

use super::access::{self, AllegroAccess};
use super::client::AllegroClients;
use super::mapping;
use super::orders::OrderLookup;
use super::positions::{ThreadMark, ThreadsPosition, SYNC_WINDOW};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketdesk_allegro::messaging::{ParticipantRole, Thread, ThreadFilter, MESSAGING_MAX_LIMIT};
use marketdesk_allegro::{AccessToken, AllegroClient, AllegroError};
use marketdesk_core::domain::{ConversationKind, Integration, PollCursor};
use marketdesk_core::ports::{ConversationSource, MarketplaceError, PollBatch};
use std::collections::HashSet;

/// How far before the watermark each poll reads again, absorbing late-listed messages.
pub const OVERLAP: Duration = Duration::minutes(2);
/// Most thread pages one poll reads (20 threads each), a guard against endless paging.
const MAX_PAGES: usize = 500;

/// Reads an Allegro account's Message Center threads (channel `allegro_messaging`).
pub struct AllegroMessagingSource {
    access: AllegroAccess,
    clients: AllegroClients,
}

/// What a poll does with a listed thread.
enum Work {
    /// Known thread with news: messages since the last one seen.
    Changed(Option<DateTime<Utc>>),
    /// Thread new to the poller: everything, with its order.
    New,
}

impl AllegroMessagingSource {
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
        let mut position = ThreadsPosition::decode(cursor.position.as_deref());
        let floor = position
            .watermark
            .map_or(now - SYNC_WINDOW, |watermark| watermark - OVERLAP);
        let listed = list_down_to(client, token, floor).await?;
        if position.seller_login.is_none() {
            position.seller_login = listed
                .iter()
                .find_map(|t| t.participant_login(&ParticipantRole::Seller))
                .filter(|login| !login.is_empty())
                .map(str::to_owned);
        }

        let mut ids = HashSet::new();
        let mut work: Vec<(&Thread, Work)> = Vec::new();
        // Oldest first, so tickets are created in the order the buyers wrote.
        for thread in listed.iter().rev() {
            if thread.id.is_empty() || !ids.insert(thread.id.clone()) {
                continue;
            }
            match position.threads.get(&thread.id) {
                Some(known) if *known == ThreadMark::of(thread) => {}
                Some(known) => work.push((thread, Work::Changed(known.last_at()))),
                None if is_recent(thread, floor) => work.push((thread, Work::New)),
                None => {}
            }
        }

        let needs_login = work
            .iter()
            .any(|(t, _)| mapping::thread_kind(t) == ConversationKind::AllegroCommonThread);
        if needs_login && position.seller_login.is_none() {
            let me = client.me(token).await?;
            position.seller_login = Some(
                me.login
                    .filter(|login| !login.trim().is_empty())
                    .ok_or_else(|| AllegroError::Decode {
                        message: "GET /me answered without the seller's login".into(),
                        trace_id: None,
                    })?,
            );
        }
        let seller_login = position.seller_login.clone().unwrap_or_default();

        let api_url = client.config().api_url.clone();
        let attachment_url = move |id: &str| {
            let mut url = api_url.clone();
            url.path_segments_mut().ok()?.pop_if_empty().extend([
                "messaging",
                "message-attachments",
                id,
            ]);
            Some(url.to_string())
        };
        let mut orders = OrderLookup::new(client, token);
        let mut events = Vec::new();
        for (thread, job) in work {
            let (since, order) = match job {
                Work::Changed(since) => (since, None),
                Work::New => {
                    let order_id = thread.orders.iter().find_map(|o| o.id.as_deref());
                    (None, Some(orders.context(order_id).await?))
                }
            };
            let mut messages = client
                .thread_messages_since(token, &thread.id, since)
                .await?;
            // Allegro lists newest first and the client sorts stably by time, so messages of
            // the same millisecond are still newest first: reverse, then sort again.
            messages.reverse();
            messages.sort_by_key(|m| m.created_at.as_ref().and_then(|t| t.as_datetime()));
            events.push(mapping::thread_event(
                integration,
                thread,
                &messages,
                &seller_login,
                order.as_ref(),
                &attachment_url,
                now,
            ));
            position
                .threads
                .insert(thread.id.clone(), ThreadMark::of(thread));
        }

        let newest = listed
            .iter()
            .filter_map(|t| t.last_message_date_time.as_ref()?.as_datetime())
            .max();
        position.watermark = position.watermark.max(newest);
        position.prune(&ids, now);
        Ok(PollBatch {
            events,
            next_position: Some(position.encode()),
        })
    }
}

/// Threads newest first, page after page, until a page reaches one older than `floor`.
async fn list_down_to(
    client: &AllegroClient,
    token: &AccessToken,
    floor: DateTime<Utc>,
) -> Result<Vec<Thread>, AllegroError> {
    let mut listed = Vec::new();
    let mut page_id: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_threads(
                token,
                &ThreadFilter::default(),
                MESSAGING_MAX_LIMIT,
                page_id.as_deref(),
            )
            .await?;
        let passed = page.threads.iter().any(|t| !is_recent(t, floor));
        listed.extend(page.threads);
        match page.next_page {
            Some(next) if !passed && Some(&next) != page_id.as_ref() => page_id = Some(next),
            _ => break,
        }
    }
    Ok(listed)
}

/// Whether the thread's last message is at or after `floor` (a thread without a readable time
/// counts as recent).
fn is_recent(thread: &Thread, floor: DateTime<Utc>) -> bool {
    thread
        .last_message_date_time
        .as_ref()
        .and_then(|t| t.as_datetime())
        .is_none_or(|at| at >= floor)
}

#[async_trait]
impl ConversationSource for AllegroMessagingSource {
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
