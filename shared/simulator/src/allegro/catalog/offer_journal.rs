//! The offers' life as Allegro runs it (allegro-api.md §8): stock and price changes, ending,
//! renewal under the same id, archival 60 days after ending, and the offer event journal
//! (`/sale/offer-events`) that announces them for 24 hours.
//!
//! Events are written for offers that are `ACTIVE` or `ACTIVATING`, except `OFFER_ENDED` (the
//! end of an active offer) and `OFFER_ARCHIVED`; like Allegro's, they carry no new values.

use super::{Catalog, Offer, Price};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};

/// How long the journal keeps an event.
pub const OFFER_EVENT_RETENTION: Duration = Duration::hours(24);
/// How long after ending an offer is archived (then 404, and never renewed).
pub const ARCHIVE_AFTER: Duration = Duration::days(60);
/// The event types the simulator writes (a subset of Allegro's `type` values).
pub const OFFER_EVENT_TYPES: &[&str] = &[
    "OFFER_ACTIVATED",
    "OFFER_CHANGED",
    "OFFER_ENDED",
    "OFFER_STOCK_CHANGED",
    "OFFER_PRICE_CHANGED",
    "OFFER_ARCHIVED",
    "OFFER_BID_PLACED",
    "OFFER_BID_CANCELED",
    "OFFER_TRANSLATION_UPDATED",
    "OFFER_VISIBILITY_CHANGED",
    "OFFER_DELIVERY_COUNTRIES_BLOCKED",
];

/// One entry of the offer journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferEventRecord {
    /// Position in the journal (strictly increasing); clients see it base64-encoded.
    pub seq: u64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// One of [`OFFER_EVENT_TYPES`].
    pub event_type: String,
    /// The offer.
    pub offer_id: String,
    /// The offer's seller.
    pub seller_id: String,
    /// The offer's `external.id` then.
    pub external_id: Option<String>,
    /// For `OFFER_ENDED`: why.
    pub ended_by: Option<String>,
}

impl OfferEventRecord {
    /// The id clients see and send back as `from` (Allegro's look: `MTEzMjQzODU3NA`).
    pub fn id(&self) -> String {
        STANDARD_NO_PAD.encode(self.seq.to_string())
    }

    /// The position an id names, if it is one.
    pub fn seq_of(id: &str) -> Option<u64> {
        let bytes = STANDARD_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
        String::from_utf8(bytes).ok()?.parse().ok()
    }
}

/// Why an offer cannot be renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewRefusal {
    /// Only an `ENDED` offer is renewed.
    NotEnded,
    /// Auctions are never renewed (a new offer is needed).
    Auction,
    /// Archived: 60 days after ending.
    Archived,
    /// Renewal needs stock.
    NoStock,
}

impl Offer {
    /// Whether the offer is archived at `now` (ended 60 days ago or more).
    pub fn is_archived(&self, now: DateTime<Utc>) -> bool {
        self.archived
            || (self.status == "ENDED" && self.ended_at.is_some_and(|at| at + ARCHIVE_AFTER <= now))
    }

    fn is_live(&self) -> bool {
        self.status == "ACTIVE" || self.status == "ACTIVATING"
    }
}

impl Catalog {
    /// The offer journal, oldest first (every seller's), as kept at `now` (24 hours).
    pub fn offer_events(&self, now: DateTime<Utc>) -> Vec<&OfferEventRecord> {
        self.offer_events
            .iter()
            .filter(|e| e.occurred_at + OFFER_EVENT_RETENTION > now)
            .collect()
    }

    /// Appends an event about `offer_id` to the journal.
    pub fn record_offer_event(&mut self, offer_id: &str, event_type: &str, at: DateTime<Utc>) {
        let Some(offer) = self.offers.get(offer_id) else {
            return;
        };
        let seq = self
            .offer_events
            .last()
            .map_or(1_132_438_574, |e| e.seq + 1);
        let record = OfferEventRecord {
            seq,
            occurred_at: at,
            event_type: event_type.into(),
            offer_id: offer_id.into(),
            seller_id: offer.seller_id.clone(),
            external_id: offer.external_id.clone(),
            ended_by: (event_type == "OFFER_ENDED")
                .then(|| offer.ended_by.clone())
                .flatten(),
        };
        self.offer_events.push(record);
    }

    /// Sets an offer's stock; an active offer set to 0 ends (`EMPTY_STOCK`). `None` for an
    /// unknown offer.
    pub fn set_offer_stock(&mut self, id: &str, stock: u32, at: DateTime<Utc>) -> Option<()> {
        let offer = self.offers.get_mut(id)?;
        if offer.stock == stock {
            return Some(());
        }
        offer.stock = stock;
        offer.updated_at = at;
        let live = offer.is_live();
        if live {
            self.record_offer_event(id, "OFFER_STOCK_CHANGED", at);
            if stock == 0 {
                self.end_offer(id, "EMPTY_STOCK", at);
            }
        }
        Some(())
    }

    /// Sets an offer's buy-now price. `None` for an unknown offer.
    pub fn set_offer_price(&mut self, id: &str, price: Price, at: DateTime<Utc>) -> Option<()> {
        let offer = self.offers.get_mut(id)?;
        if offer.price == price {
            return Some(());
        }
        offer.price = price;
        offer.updated_at = at;
        if offer.is_live() {
            self.record_offer_event(id, "OFFER_PRICE_CHANGED", at);
        }
        Some(())
    }

    /// Ends a live offer (`ended_by`: `USER`, `EMPTY_STOCK`, `EXPIRATION`, …). `None` for an
    /// unknown offer; an offer not live stays as it is.
    pub fn end_offer(&mut self, id: &str, ended_by: &str, at: DateTime<Utc>) -> Option<()> {
        let offer = self.offers.get_mut(id)?;
        if !offer.is_live() {
            return Some(());
        }
        offer.status = "ENDED".into();
        offer.ended_at = Some(at);
        offer.ended_by = Some(ended_by.into());
        offer.updated_at = at;
        self.record_offer_event(id, "OFFER_ENDED", at);
        Some(())
    }

    /// Renews an ended offer under the same id (`ACTIVATE`): never an auction, an archived
    /// offer or one without stock.
    pub fn renew_offer(&mut self, id: &str, at: DateTime<Utc>) -> Option<Result<(), RenewRefusal>> {
        let offer = self.offers.get_mut(id)?;
        let refusal = if offer.is_archived(at) {
            Some(RenewRefusal::Archived)
        } else if offer.format == "AUCTION" {
            Some(RenewRefusal::Auction)
        } else if offer.status != "ENDED" {
            Some(RenewRefusal::NotEnded)
        } else if offer.stock == 0 {
            Some(RenewRefusal::NoStock)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Some(Err(refusal));
        }
        offer.status = "ACTIVE".into();
        offer.updated_at = at;
        self.record_offer_event(id, "OFFER_ACTIVATED", at);
        Some(Ok(()))
    }

    /// Announces the archival of every offer ended 60 days before `now` (once each), at the
    /// moment it happened.
    pub fn sweep_archived(&mut self, now: DateTime<Utc>) {
        let due: Vec<(String, DateTime<Utc>)> = self
            .offers
            .values()
            .filter(|o| !o.archived && o.is_archived(now))
            .filter_map(|o| Some((o.id.clone(), o.ended_at? + ARCHIVE_AFTER)))
            .collect();
        for (id, at) in due {
            if let Some(offer) = self.offers.get_mut(&id) {
                offer.archived = true;
            }
            self.record_offer_event(&id, "OFFER_ARCHIVED", at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default() + Duration::hours(hours)
    }

    #[test]
    fn an_offer_lives_ends_renews_and_is_archived_with_its_events() {
        let mut catalog = Catalog::default();
        let id = catalog
            .add_offer(
                "s1",
                "Kubek",
                Some("5901234123457".into()),
                Price::pln_from_grosze(1990),
                at(0),
            )
            .id
            .clone();
        catalog.set_offer_stock(&id, 5, at(1));
        catalog.set_offer_price(&id, Price::pln_from_grosze(2490), at(2));
        catalog.set_offer_stock(&id, 0, at(3));
        assert_eq!(catalog.offer(&id).map(|o| o.status.as_str()), Some("ENDED"));
        // Changes of an ended offer write no event.
        catalog.set_offer_price(&id, Price::pln_from_grosze(2590), at(4));
        assert_eq!(
            catalog.renew_offer(&id, at(5)),
            Some(Err(RenewRefusal::NoStock))
        );
        catalog.set_offer_stock(&id, 2, at(6));
        assert_eq!(catalog.renew_offer(&id, at(7)), Some(Ok(())));
        let types: Vec<&str> = catalog
            .offer_events(at(8))
            .iter()
            .map(|e| e.event_type.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "OFFER_STOCK_CHANGED",
                "OFFER_PRICE_CHANGED",
                "OFFER_STOCK_CHANGED",
                "OFFER_ENDED",
                "OFFER_ACTIVATED"
            ]
        );
        assert_eq!(
            catalog.offer_events(at(8))[3].ended_by.as_deref(),
            Some("EMPTY_STOCK")
        );
        // 24 hours later the journal has forgotten them.
        assert!(catalog.offer_events(at(32)).is_empty());

        catalog.end_offer(&id, "USER", at(40));
        let archived = at(40) + ARCHIVE_AFTER;
        assert_eq!(
            catalog.renew_offer(&id, archived),
            Some(Err(RenewRefusal::Archived))
        );
        catalog.sweep_archived(archived);
        catalog.sweep_archived(archived + Duration::hours(1));
        let last: Vec<&str> = catalog
            .offer_events(archived + Duration::hours(1))
            .iter()
            .map(|e| e.event_type.as_str())
            .collect();
        assert_eq!(last, ["OFFER_ARCHIVED"]);
    }

    #[test]
    fn auctions_are_never_renewed_and_ids_round_trip() {
        let mut catalog = Catalog::default();
        let id = catalog
            .add_offer("s1", "Aukcja", None, Price::pln_from_grosze(100), at(0))
            .id
            .clone();
        if let Some(offer) = catalog.offer_mut(&id) {
            offer.format = "AUCTION".into();
        }
        catalog.end_offer(&id, "EXPIRATION", at(1));
        assert_eq!(
            catalog.renew_offer(&id, at(2)),
            Some(Err(RenewRefusal::Auction))
        );
        let event = &catalog.offer_events(at(2))[0];
        assert_eq!(OfferEventRecord::seq_of(&event.id()), Some(event.seq));
        assert_eq!(event.id(), "MTEzMjQzODU3NA");
        assert_eq!(OfferEventRecord::seq_of("not base64!"), None);
    }
}
