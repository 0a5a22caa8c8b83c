//! The seller's Allegro offers as marketdesk keeps them, their link to a catalogue product, and
//! the back-office rules on them from the source documents (allegro-api.md §8): which offers
//! are linked automatically, which are renewed, which follow price changes, and how stock
//! changes are grouped into commands.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long after ending Allegro still renews an offer under the same number (then it is
/// archived).
pub const RENEWAL_WINDOW: Duration = Duration::days(60);
/// Most offers one Allegro command names (`offerCriteria[].offers`).
pub const MAX_OFFERS_PER_COMMAND: usize = 1000;

/// An offer's publication status (`publication.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OfferStatus {
    /// A draft.
    Inactive,
    /// Being published.
    Activating,
    /// Listed.
    Active,
    /// Ended (renewable for 60 days unless an auction).
    Ended,
}

/// An offer's selling format (`sellingMode.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SellingFormat {
    /// Buy now.
    BuyNow,
    /// Auction (never renewed).
    Auction,
    /// Classified advertisement.
    Advertisement,
}

/// One Allegro offer of an integration, as last read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarketOffer {
    /// Allegro's offer number (`https://allegro.pl/oferta/<id>`).
    pub id: String,
    /// The integration (Allegro account) it belongs to.
    pub integration_id: String,
    /// Title.
    pub name: String,
    /// Publication status.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub status: OfferStatus,
    /// Selling format.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub format: SellingFormat,
    /// Units available.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub stock: u32,
    /// Buy-now price, decimal text (`"49.99"`).
    pub price: Option<String>,
    /// Currency of the price.
    pub currency: Option<String>,
    /// The product's EAN (GTIN parameter 225693), if the offer has one.
    pub ean: Option<String>,
    /// The primary image.
    pub image_url: Option<String>,
    /// When it last ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Whether Allegro has archived it (60 days after ending; never renewed).
    pub archived: bool,
    /// The catalogue product it is linked to, by SKU.
    pub product_sku: Option<String>,
    /// When it was linked.
    pub linked_at: Option<DateTime<Utc>>,
    /// "Do not renew automatically": on unless someone turned it off, as in the source.
    pub no_auto_renew: bool,
    /// Whether the product's price changes reach it.
    pub price_sync: bool,
    /// When it was last read from Allegro.
    pub read_at: DateTime<Utc>,
}

/// Per-account offer settings (Allegro; `settings.offers`). Switches that only act on what
/// happens after they are turned on keep the time they were turned on (`*_since`), stamped by
/// [`stamp_switches`].
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferSettings {
    /// Whether the account's offers are read and kept (a few calls per poll interval).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub enabled: bool,
    /// "Link offers to products automatically": offers are linked to the catalogue product with
    /// the same EAN when they next appear in the offer journal.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub link_automatically: bool,
    /// When automatic linking was last switched on (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub link_automatically_since: Option<DateTime<Utc>>,
    /// Stock control: the product's stock is pushed to its linked offers (production only).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub stock_control: bool,
    /// "Raise stock on offers when the product's stock rises after an ERP sync".
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub raise_stock: bool,
    /// "Renew ended offers automatically": ended buy-now offers whose product has stock are
    /// renewed under the same number.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub renew_automatically: bool,
    /// "Renew at the product's current price" (from the account's price list).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub renew_at_current_price: bool,
    /// "Change the offer price when the product price changes": product price changes are sent
    /// to linked offers that take them.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub price_sync: bool,
    /// When price sync was last switched on (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub price_sync_since: Option<DateTime<Utc>>,
    /// The price list the account's prices come from (`None`: `Default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub price_list: Option<String>,
    /// The account's default category (stored and shown; marketdesk creates no offers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub default_category: Option<String>,
}

impl OfferSettings {
    /// The rules these settings give an account in production (`test_mode: false`) or in
    /// Allegro's test environment.
    pub fn rules(&self, test_mode: bool) -> OfferRules {
        OfferRules {
            link_automatically_since: self
                .link_automatically
                .then_some(self.link_automatically_since)
                .flatten(),
            price_sync_since: self.price_sync.then_some(self.price_sync_since).flatten(),
            renew_automatically: self.renew_automatically,
            test_mode,
        }
    }
}

/// Stamps the time a "since" switch was turned on (`now`) when `after` turns it on and
/// `before` had it off; a switch turned off keeps no time.
pub fn stamp_switches(before: &OfferSettings, after: &mut OfferSettings, now: DateTime<Utc>) {
    after.link_automatically_since = match (before.link_automatically, after.link_automatically) {
        (_, false) => None,
        (false, true) => Some(now),
        (true, true) => before.link_automatically_since.or(Some(now)),
    };
    after.price_sync_since = match (before.price_sync, after.price_sync) {
        (_, false) => None,
        (false, true) => Some(now),
        (true, true) => before.price_sync_since.or(Some(now)),
    };
}

/// The offer settings of an Allegro account at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRules {
    /// Since when offers are linked to products by EAN (`None`: switched off).
    pub link_automatically_since: Option<DateTime<Utc>>,
    /// Since when product price changes are sent to linked offers (`None`: switched off).
    pub price_sync_since: Option<DateTime<Utc>>,
    /// Whether ended offers are renewed.
    pub renew_automatically: bool,
    /// Whether the account is in Allegro's test environment (stock control is not offered).
    pub test_mode: bool,
}

/// Whether an offer event that happened at `event_at` links its offer by EAN: only events
/// since the setting was switched on do, so an offer with no event since stays unlinked until
/// something happens on it (as the source document says).
pub fn links_on_event(rules: &OfferRules, offer: &MarketOffer, event_at: DateTime<Utc>) -> bool {
    offer.product_sku.is_none()
        && offer.ean.is_some()
        && rules
            .link_automatically_since
            .is_some_and(|since| event_at >= since)
}

/// The price-sync switch an offer gets when it is linked at `linked_at` (or renewed then):
/// on when the account's price sync was already on, off for offers linked before.
pub fn price_sync_when_linked(rules: &OfferRules, linked_at: DateTime<Utc>) -> bool {
    rules
        .price_sync_since
        .is_some_and(|since| linked_at >= since)
}

/// Whether an offer is to be renewed now: the account renews automatically and is not in test
/// mode, the offer's own "do not renew" is off, it is an ended buy-now offer, not archived and
/// ended less than 60 days ago, and its product has stock.
pub fn renewal_due(
    rules: &OfferRules,
    offer: &MarketOffer,
    product_stock: Option<u32>,
    now: DateTime<Utc>,
) -> bool {
    rules.renew_automatically
        && !rules.test_mode
        && !offer.no_auto_renew
        && offer.status == OfferStatus::Ended
        && offer.format == SellingFormat::BuyNow
        && !offer.archived
        && offer.ended_at.is_some_and(|at| now - at < RENEWAL_WINDOW)
        && product_stock.is_some_and(|stock| stock > 0)
}

/// The quantity commands that bring linked offers to their product's stock: offers whose stock
/// differs, grouped by the new quantity (one `FIXED` command per quantity), at most
/// [`MAX_OFFERS_PER_COMMAND`] offers a command, in a stable order. Ended and archived offers
/// are left to renewal; a quantity of 0 is not sent (it would end the offer; Allegro's `FIXED`
/// wants more than 0), so such offers are left as they are.
pub fn stock_commands<'a>(
    offers: impl IntoIterator<Item = (&'a MarketOffer, u32)>,
) -> Vec<(u32, Vec<String>)> {
    let mut by_quantity: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (offer, stock) in offers {
        let live = matches!(offer.status, OfferStatus::Active | OfferStatus::Activating);
        if live && !offer.archived && stock > 0 && offer.stock != stock {
            by_quantity.entry(stock).or_default().push(offer.id.clone());
        }
    }
    let mut commands = Vec::new();
    for (quantity, mut ids) in by_quantity {
        ids.sort();
        for chunk in ids.chunks(MAX_OFFERS_PER_COMMAND) {
            commands.push((quantity, chunk.to_vec()));
        }
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default() + Duration::days(days)
    }

    fn offer(id: &str) -> MarketOffer {
        MarketOffer {
            id: id.into(),
            integration_id: "int-1".into(),
            name: "Kubek".into(),
            status: OfferStatus::Active,
            format: SellingFormat::BuyNow,
            stock: 5,
            price: Some("19.90".into()),
            currency: Some("PLN".into()),
            ean: Some("5901234123457".into()),
            image_url: None,
            ended_at: None,
            archived: false,
            product_sku: None,
            linked_at: None,
            no_auto_renew: true,
            price_sync: false,
            read_at: at(0),
        }
    }

    #[test]
    fn only_events_since_the_switch_link_an_offer_with_an_ean() {
        let rules = OfferRules {
            link_automatically_since: Some(at(10)),
            ..OfferRules::default()
        };
        assert!(!links_on_event(&rules, &offer("1"), at(9)));
        assert!(links_on_event(&rules, &offer("1"), at(10)));
        let no_ean = MarketOffer {
            ean: None,
            ..offer("2")
        };
        assert!(!links_on_event(&rules, &no_ean, at(11)));
        let linked = MarketOffer {
            product_sku: Some("S".into()),
            ..offer("3")
        };
        assert!(!links_on_event(&rules, &linked, at(11)));
        assert!(!links_on_event(&OfferRules::default(), &offer("4"), at(11)));
    }

    #[test]
    fn price_sync_is_on_for_offers_linked_after_it_was_switched_on() {
        let rules = OfferRules {
            price_sync_since: Some(at(5)),
            ..OfferRules::default()
        };
        assert!(!price_sync_when_linked(&rules, at(4)));
        assert!(price_sync_when_linked(&rules, at(5)));
        assert!(!price_sync_when_linked(&OfferRules::default(), at(6)));
    }

    #[test]
    fn renewal_takes_an_ended_buy_now_offer_with_stock_inside_60_days_and_the_switch_off() {
        let rules = OfferRules {
            renew_automatically: true,
            ..OfferRules::default()
        };
        let ended = MarketOffer {
            status: OfferStatus::Ended,
            ended_at: Some(at(0)),
            no_auto_renew: false,
            ..offer("1")
        };
        assert!(renewal_due(&rules, &ended, Some(3), at(59)));
        // Each condition alone stops it.
        assert!(!renewal_due(&rules, &ended, Some(3), at(60)), "60 days");
        assert!(!renewal_due(&rules, &ended, Some(0), at(1)), "no stock");
        assert!(!renewal_due(&rules, &ended, None, at(1)), "not linked");
        let opted_out = MarketOffer {
            no_auto_renew: true,
            ..ended.clone()
        };
        assert!(
            !renewal_due(&rules, &opted_out, Some(3), at(1)),
            "the default opt-out"
        );
        let auction = MarketOffer {
            format: SellingFormat::Auction,
            ..ended.clone()
        };
        assert!(!renewal_due(&rules, &auction, Some(3), at(1)), "auction");
        let archived = MarketOffer {
            archived: true,
            ..ended.clone()
        };
        assert!(!renewal_due(&rules, &archived, Some(3), at(1)), "archived");
        let active = MarketOffer {
            status: OfferStatus::Active,
            ..ended.clone()
        };
        assert!(!renewal_due(&rules, &active, Some(3), at(1)), "not ended");
        let test_mode = OfferRules {
            test_mode: true,
            ..rules.clone()
        };
        assert!(
            !renewal_due(&test_mode, &ended, Some(3), at(1)),
            "test mode"
        );
        let off = OfferRules::default();
        assert!(!renewal_due(&off, &ended, Some(3), at(1)), "setting off");
    }

    #[test]
    fn stock_commands_group_by_quantity_in_chunks_of_1000() {
        let offers: Vec<MarketOffer> = (0..2500).map(|i| offer(&format!("{i:05}"))).collect();
        let ended = MarketOffer {
            status: OfferStatus::Ended,
            ..offer("ended")
        };
        let mut pairs: Vec<(&MarketOffer, u32)> = offers
            .iter()
            .enumerate()
            .map(|(i, o)| (o, if i < 2100 { 7 } else { 9 }))
            .collect();
        pairs.push((&ended, 7));
        let unchanged = offer("same");
        pairs.push((&unchanged, 5));
        let emptied = offer("zero");
        pairs.push((&emptied, 0));
        let commands = stock_commands(pairs);
        let shape: Vec<(u32, usize)> = commands.iter().map(|(q, ids)| (*q, ids.len())).collect();
        assert_eq!(shape, [(7, 1000), (7, 1000), (7, 100), (9, 400)]);
        assert_eq!(commands[0].1[0], "00000");
    }

    #[test]
    fn a_switch_turned_on_keeps_when_and_a_switch_turned_off_forgets_it() {
        let t0 = Utc::now();
        let off = OfferSettings::default();
        let mut on = OfferSettings {
            link_automatically: true,
            price_sync: true,
            ..OfferSettings::default()
        };
        stamp_switches(&off, &mut on, t0);
        assert_eq!(on.link_automatically_since, Some(t0));
        assert_eq!(on.rules(false).price_sync_since, Some(t0));
        let mut still_on = on.clone();
        stamp_switches(&on, &mut still_on, t0 + Duration::hours(1));
        assert_eq!(still_on.link_automatically_since, Some(t0));
        let mut off_again = OfferSettings {
            price_sync: false,
            ..still_on.clone()
        };
        stamp_switches(&still_on, &mut off_again, t0 + Duration::hours(2));
        assert_eq!(off_again.price_sync_since, None);
        assert_eq!(off_again.rules(false).price_sync_since, None);
        assert!(off_again.rules(true).test_mode);
    }
}
