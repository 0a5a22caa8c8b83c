//! Reading an Allegro account's offers (issue 18 item 2) and linking them to catalogue
//! products by EAN (item 3): the `allegro_offers` poll channel.
//!
//! A first poll (no cursor) takes the journal's newest event as the cursor and then reads
//! every offer, a page of 1 000 (`/sale/offers`) a call. `/sale/offers` carries no EAN, so an
//! offer not stored yet is read once in full (`offer(id)`, one call each); an offer already
//! stored keeps its EAN and costs nothing beyond its page. Each later poll reads the journal
//! after the cursor (one call) and reads each offer named there once, however many events it
//! has; an `OFFER_ARCHIVED` event or a 404 marks the offer archived. Every [`FULL_READ_EVERY`],
//! when the cursor is older than the journal keeps ([`CURSOR_TRUSTED_FOR`]) or when Allegro no
//! longer knows the cursor, the offers are read again in full the same way.
//!
//! Calls: a first read of `n` offers costs `1 + n + ⌈n / 300⌉` (the newest event, one full
//! read per offer for its EAN, and a page per poll: at most [`MAX_READS_PER_POLL`] full reads
//! go into one poll, so a large account's first read spreads over several polls, the position
//! keeping the offset; measured: 1 201 offers, 1 201 reads in 5 polls of one page each); a
//! daily re-read `1 + ⌈n / 1000⌉` plus one per offer new since (measured: 2 pages, no read for
//! 1 201 offers); an idle poll 1; a poll with changes 1 + one per changed offer.
//!
//! Linking: when the account's "link automatically" is on, an offer with an EAN, not linked,
//! with an event since the switch was turned on is linked to the product holding its EAN
//! (`domain::offer::links_on_event`); it gets price sync when that was on already
//! (`price_sync_when_linked`) and keeps "do not renew automatically" on. A full read links
//! nothing: an offer with no event since the switch stays unlinked, as the source says.

use super::ServiceError;
use crate::domain::offer::{
    links_on_event, price_sync_when_linked, MarketOffer, OfferRules, OfferStatus,
};
use crate::domain::{Environment, Integration, PollCursor};
use crate::ports::offers::{OfferData, OfferEventKind, OfferReader};
use crate::ports::{MarketplaceError, PageCursor, Ports};
use crate::repo::{cursors, is_conflict, offers, products, Versioned};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How often every offer is read again in full, to catch what the journal does not say
/// (it lists events of active offers only).
pub const FULL_READ_EVERY: Duration = Duration::hours(24);
/// A cursor last used longer ago than this may have lost events (Allegro keeps the journal
/// for 24 hours; an hour's margin): the offers are read again in full.
pub const CURSOR_TRUSTED_FOR: Duration = Duration::hours(23);
/// Offers asked for per `/sale/offers` page (Allegro's most).
pub const PAGE_SIZE: u32 = 1000;
/// Most full offer reads (`offer(id)`, for the EAN) one poll spends on a full read.
pub const MAX_READS_PER_POLL: usize = 300;
/// Most `/sale/offers` pages one poll reads.
const MAX_PAGES_PER_POLL: usize = 20;
/// How often a lost race on an offer is retried.
const ATTEMPTS: usize = 5;

/// What one offers poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferSyncOutcome {
    /// Journal events read.
    pub events: usize,
    /// `/sale/offers` pages read.
    pub pages: usize,
    /// Offers read in full (`offer(id)`).
    pub offers_read: usize,
    /// Offers written.
    pub saved: usize,
    /// Offers linked to a product.
    pub linked: usize,
    /// Offers marked archived.
    pub archived: usize,
    /// Whether a full read began in this poll.
    pub full_read_started: bool,
    /// Whether a full read finished in this poll.
    pub full_read_finished: bool,
}

/// The channel's position, kept as JSON in the poll cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    /// The last journal event read (`""`: the journal was empty); `None` before the first read.
    #[serde(default)]
    event: Option<String>,
    /// The full read under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    full_read: Option<FullRead>,
    /// When the last finished full read began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    full_read_at: Option<DateTime<Utc>>,
}

/// A full read spread over polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FullRead {
    /// The next offset in `/sale/offers`.
    offset: u64,
    /// When it began: offers not seen since are looked up when it ends.
    started_at: DateTime<Utc>,
}

impl Position {
    fn decode(text: Option<&str>) -> Self {
        // An unreadable position (a format of another version) starts over with a full read.
        text.and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }
}

/// What a poll learned about one offer.
enum Update {
    /// Read in full (with its EAN, if it has one).
    Read(OfferData),
    /// Listed on a `/sale/offers` page (no EAN: the stored one stays).
    Listed(OfferData),
    /// Gone: archived by Allegro.
    Archived,
    /// Named by the journal without a change marketdesk keeps (a bid, a translation).
    Touched,
}

/// The rules of `integration`'s offer settings now.
pub fn rules_of(integration: &Integration) -> OfferRules {
    integration
        .settings
        .offers
        .rules(integration.environment == Environment::Sandbox)
}

/// One poll of the account's offers from `cursor` (see the module's description). The
/// cursor is saved only after what it covers is stored, so a failure reads it again.
pub async fn poll(
    ports: &Ports,
    reader: &dyn OfferReader,
    integration: &Integration,
    mut cursor: PollCursor,
) -> Result<OfferSyncOutcome, ServiceError> {
    let now = ports.clock.now();
    let rules = rules_of(integration);
    let mut outcome = OfferSyncOutcome::default();
    let mut position = Position::decode(cursor.position.as_deref());
    let cursor_too_old = cursor
        .polled_at
        .is_some_and(|at| now - at > CURSOR_TRUSTED_FOR);
    let full_read_due = position.full_read.is_none()
        && position
            .full_read_at
            .is_none_or(|at| now - at >= FULL_READ_EVERY);
    let mut started = false;
    if position.event.is_none() || cursor_too_old || full_read_due {
        start_full_read(reader, integration, &mut position, now).await?;
        started = true;
    }
    if !started {
        let from = position.event.clone().unwrap_or_default();
        let from = (!from.is_empty()).then_some(from.as_str());
        match reader.events_after(integration, from).await {
            // Allegro no longer knows the position: read everything again from now.
            Err(MarketplaceError::Refused(reason)) => {
                tracing::warn!(integration = %integration.id, %reason, "offer journal position refused; reading the offers again");
                start_full_read(reader, integration, &mut position, now).await?;
                started = true;
            }
            Err(other) => return Err(other.into()),
            Ok(events) => {
                outcome.events = events.len();
                apply_events(ports, reader, integration, &rules, &events, &mut outcome).await?;
                if let Some(last) = events.last() {
                    position.event = Some(last.id.clone());
                }
            }
        }
    }
    outcome.full_read_started = started;
    if position.full_read.is_some() {
        continue_full_read(
            ports,
            reader,
            integration,
            &rules,
            &mut position,
            &mut outcome,
        )
        .await?;
    }
    cursor.position =
        Some(serde_json::to_string(&position).map_err(|e| ServiceError::Malformed(e.to_string()))?);
    cursor.polled_at = Some(ports.clock.now());
    cursors::save(&*ports.store, &cursor).await?;
    Ok(outcome)
}

/// Starts a full read at offset 0, the journal continuing from its newest event (taken
/// first, so nothing that happens during the read is missed).
async fn start_full_read(
    reader: &dyn OfferReader,
    integration: &Integration,
    position: &mut Position,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    position.event = Some(reader.newest_event(integration).await?.unwrap_or_default());
    position.full_read = Some(FullRead {
        offset: 0,
        started_at: now,
    });
    Ok(())
}

/// Reads each offer the journal named once (the newest event's time decides linking).
async fn apply_events(
    ports: &Ports,
    reader: &dyn OfferReader,
    integration: &Integration,
    rules: &OfferRules,
    events: &[crate::ports::offers::OfferEvent],
    outcome: &mut OfferSyncOutcome,
) -> Result<(), ServiceError> {
    // Per offer, in the order first named: the newest event time, whether it was archived,
    // and whether anything marketdesk keeps changed.
    let mut order: Vec<&str> = Vec::new();
    let mut seen: HashMap<&str, (DateTime<Utc>, bool, bool)> = HashMap::new();
    for event in events {
        let entry = seen.entry(event.offer_id.as_str()).or_insert_with(|| {
            order.push(event.offer_id.as_str());
            (event.occurred_at, false, false)
        });
        entry.0 = entry.0.max(event.occurred_at);
        entry.1 |= event.kind == OfferEventKind::Archived;
        entry.2 |= event.kind != OfferEventKind::Other;
    }
    for offer_id in order {
        let (at, archived, changed) = seen[offer_id];
        let update = if archived {
            Update::Archived
        } else if changed {
            outcome.offers_read += 1;
            match reader.offer(integration, offer_id).await? {
                Some(data) => Update::Read(data),
                None => Update::Archived,
            }
        } else {
            Update::Touched
        };
        store(
            ports,
            integration,
            rules,
            offer_id,
            update,
            Some(at),
            outcome,
        )
        .await?;
    }
    Ok(())
}

/// Reads pages of the full read until it ends or this poll's reads run out.
async fn continue_full_read(
    ports: &Ports,
    reader: &dyn OfferReader,
    integration: &Integration,
    rules: &OfferRules,
    position: &mut Position,
    outcome: &mut OfferSyncOutcome,
) -> Result<(), ServiceError> {
    let Some(mut full) = position.full_read.clone() else {
        return Ok(());
    };
    let (tenant, id) = (&integration.tenant_id, &integration.id);
    let mut reads_left = MAX_READS_PER_POLL.saturating_sub(outcome.offers_read);
    for _ in 0..MAX_PAGES_PER_POLL {
        let page = reader.offers(integration, full.offset, PAGE_SIZE).await?;
        outcome.pages += 1;
        let mut done = 0u64;
        for listed in &page.offers {
            let known = offers::get(&*ports.store, tenant, id, &listed.id)
                .await?
                .is_some();
            let update = if known {
                Update::Listed(listed.clone())
            } else {
                // Not stored yet: its EAN is unknown, read it in full once.
                if reads_left == 0 {
                    break;
                }
                reads_left -= 1;
                outcome.offers_read += 1;
                match reader.offer(integration, &listed.id).await? {
                    Some(data) => Update::Read(data),
                    None => Update::Archived,
                }
            };
            store(ports, integration, rules, &listed.id, update, None, outcome).await?;
            done += 1;
        }
        full.offset += done;
        let page_len = page.offers.len() as u64;
        if done < page_len {
            // Out of reads for this poll: the next one goes on from here.
            position.full_read = Some(full);
            return Ok(());
        }
        if page_len < u64::from(PAGE_SIZE) || full.offset >= page.total {
            archive_unseen(ports, reader, integration, rules, full.started_at, outcome).await?;
            position.full_read = None;
            position.full_read_at = Some(full.started_at);
            outcome.full_read_finished = true;
            return Ok(());
        }
    }
    position.full_read = Some(full);
    Ok(())
}

/// After a full read: each stored offer not seen since it began (gone from `/sale/offers`,
/// which leaves archived offers out) is read once, and marked archived on a 404.
async fn archive_unseen(
    ports: &Ports,
    reader: &dyn OfferReader,
    integration: &Integration,
    rules: &OfferRules,
    started_at: DateTime<Utc>,
    outcome: &mut OfferSyncOutcome,
) -> Result<(), ServiceError> {
    let (tenant, id) = (&integration.tenant_id, &integration.id);
    let mut unseen = Vec::new();
    let mut after: Option<PageCursor> = None;
    loop {
        let (page, next) = offers::page(&*ports.store, tenant, id, after, 500).await?;
        unseen.extend(
            page.into_iter()
                .filter(|offer| !offer.archived && offer.read_at < started_at)
                .map(|offer| offer.id),
        );
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    for offer_id in unseen {
        outcome.offers_read += 1;
        let update = match reader.offer(integration, &offer_id).await? {
            Some(data) => Update::Read(data),
            None => Update::Archived,
        };
        store(ports, integration, rules, &offer_id, update, None, outcome).await?;
    }
    Ok(())
}

/// The offer as `update` leaves it (`None`: nothing to store).
fn next_state(
    integration: &Integration,
    before: Option<&MarketOffer>,
    update: &Update,
    now: DateTime<Utc>,
) -> Option<MarketOffer> {
    let from_data = |data: &OfferData, ean: Option<String>| {
        let mut offer = before.cloned().unwrap_or_else(|| MarketOffer {
            id: data.id.clone(),
            integration_id: integration.id.to_string(),
            name: String::new(),
            status: OfferStatus::Inactive,
            format: data.format,
            stock: 0,
            price: None,
            currency: None,
            ean: None,
            image_url: None,
            ended_at: None,
            archived: false,
            product_sku: None,
            linked_at: None,
            // "Do not renew automatically" is on by default, as in the source.
            no_auto_renew: true,
            price_sync: false,
            read_at: now,
        });
        offer.name = data.name.clone();
        offer.status = data.status;
        offer.format = data.format;
        offer.stock = data.stock;
        offer.price = data.price.clone();
        offer.currency = data.currency.clone();
        offer.ean = ean;
        offer.image_url = data.image_url.clone().or(offer.image_url);
        offer.ended_at = data.ended_at.or(offer.ended_at);
        offer.archived = false;
        offer.read_at = now;
        offer
    };
    match update {
        Update::Read(data) => Some(from_data(data, data.ean.clone())),
        Update::Listed(data) => {
            let ean = data
                .ean
                .clone()
                .or_else(|| before.and_then(|b| b.ean.clone()));
            Some(from_data(data, ean))
        }
        Update::Archived => before.filter(|b| !b.archived).map(|b| MarketOffer {
            archived: true,
            read_at: now,
            ..b.clone()
        }),
        Update::Touched => before.cloned(),
    }
}

/// Stores what a poll learned about one offer, linking it when an event at `event_at`
/// links it; retried on a lost race (an agent's link or another poll) with a fresh read.
async fn store(
    ports: &Ports,
    integration: &Integration,
    rules: &OfferRules,
    offer_id: &str,
    update: Update,
    event_at: Option<DateTime<Utc>>,
    outcome: &mut OfferSyncOutcome,
) -> Result<(), ServiceError> {
    let (tenant, id) = (&integration.tenant_id, &integration.id);
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let now = ports.clock.now();
        let before: Option<Versioned<MarketOffer>> =
            offers::get(&*ports.store, tenant, id, offer_id).await?;
        let Some(mut offer) =
            next_state(integration, before.as_ref().map(|b| &b.value), &update, now)
        else {
            return Ok(());
        };
        let mut linked = false;
        if let Some(at) = event_at.filter(|at| links_on_event(rules, &offer, *at)) {
            let ean = offer.ean.clone().unwrap_or_default();
            if let Some(sku) = products::owner_of_ean(&*ports.store, tenant, &ean).await? {
                offer.product_sku = Some(sku);
                offer.linked_at = Some(now);
                offer.price_sync = price_sync_when_linked(rules, now);
                linked = true;
                tracing::debug!(offer = offer_id, event_at = %at, "offer linked by EAN");
            }
        }
        if before.as_ref().is_some_and(|b| b.value == offer) {
            // Unchanged, but a renewal queued by an earlier read may have been lost with its
            // poll; asking again is cheap (one renewal per ending is claimed in the store).
            super::offer_commands::offer_changed(ports, integration, &offer).await?;
            return Ok(());
        }
        let archived_now = offer.archived && !before.as_ref().is_some_and(|b| b.value.archived);
        match offers::save(&*ports.store, tenant, id, &offer, before.as_ref()).await {
            Err(error) if is_conflict(&error) => last_error = Some(error),
            Err(error) => return Err(error.into()),
            Ok(()) => {
                outcome.saved += 1;
                outcome.linked += usize::from(linked);
                outcome.archived += usize::from(archived_now);
                // An ended offer due for renewal gets its renewal planned (the command runner
                // decides with the account's rules; most offers return at once).
                super::offer_commands::offer_changed(ports, integration, &offer).await?;
                return Ok(());
            }
        }
    }
    Err(last_error
        .map(ServiceError::from)
        .unwrap_or_else(|| ServiceError::Unavailable("offer not stored".into())))
}
