//! Buyers, orders and offers (the data), and the read-only REST routes over them: `/me`,
//! `/order/checkout-forms/{id}`, `/sale/product-offers/{offerId}`, plus the removed
//! `/sale/disputes*` family.
//!
//! Seed data through the control API (`allegro::control`) or the `add_*` methods below.

mod disputes;
mod me;
mod offer_command_api;
pub mod offer_commands;
mod offer_journal;
mod offer_list;
mod offers;
mod order_events;
mod order_writes;
pub use order_writes::seller_writes_json;
mod orders;

pub use offer_journal::{OfferEventRecord, OFFER_EVENT_TYPES};

use crate::state::SimulatorState;
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

/// The marketplace every simulated account and order belongs to.
pub const MARKETPLACE_ID: &str = "allegro-pl";
/// Allegro's product parameter id for the EAN (GTIN).
pub const EAN_PARAMETER_ID: &str = "225693";
/// Allegro's product parameter name for the EAN (GTIN).
pub const EAN_PARAMETER_NAME: &str = "EAN (GTIN)";
/// Domain of the masked buyer e-mail addresses.
pub const MASKED_EMAIL_DOMAIN: &str = "allegromail.pl";
/// How far back orders can be read: older ones answer 404 like Allegro (12 months).
pub const ORDER_RETENTION: Duration = Duration::days(365);
/// How long `/order/events` keeps an event (allegro-api.md §7.1: 60 days).
pub const ORDER_EVENT_RETENTION: Duration = Duration::days(60);

/// An amount of money as Allegro writes it (`{"amount": "123.45", "currency": "PLN"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// Decimal amount as a string, two decimal places (`"123.45"`).
    pub amount: String,
    /// ISO 4217 currency code.
    pub currency: String,
}

impl Price {
    /// A PLN price from an amount in grosze.
    pub fn pln_from_grosze(grosze: u64) -> Self {
        Self {
            amount: format!("{}.{:02}", grosze / 100, grosze % 100),
            currency: "PLN".into(),
        }
    }

    /// The amount in hundredths (grosze), if it is a well-formed non-negative decimal with at
    /// most two decimal places.
    pub fn hundredths(&self) -> Option<u64> {
        parse_hundredths(&self.amount)
    }
}

/// Parses `"12"`, `"12.3"`, `"12.34"` into hundredths; `None` for anything else.
pub fn parse_hundredths(amount: &str) -> Option<u64> {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    if whole.is_empty()
        || whole.len() > 12
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || (amount.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

/// A buyer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    /// Allegro user id (digits).
    pub id: String,
    /// Login.
    pub login: String,
    /// The masked address Allegro shows sellers: `<alias>+<suffix>@allegromail.pl`.
    pub email: String,
    /// The alias without the suffix: `<alias>@allegromail.pl` (mail there reaches the buyer too).
    pub plain_email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}

/// An offer (listing) of a seller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// Offer id (digits).
    pub id: String,
    /// The seller who listed it.
    pub seller_id: String,
    /// Title.
    pub name: String,
    /// EAN (GTIN) of the product, if any (product parameter `225693`).
    pub ean: Option<String>,
    /// Buy-now price.
    pub price: Price,
    /// Units available.
    pub stock: u32,
    /// The seller's own id for the offer (`external.id`), if any.
    pub external_id: Option<String>,
    /// Category id.
    pub category_id: String,
    /// `BUY_NOW`, `AUCTION` or `ADVERTISEMENT`.
    pub format: String,
    /// `INACTIVE`, `ACTIVATING`, `ACTIVE` or `ENDED`.
    pub status: String,
    /// When it last ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it last ended (`USER`, `EMPTY_STOCK`, `EXPIRATION`, …).
    pub ended_by: Option<String>,
    /// Whether the archival (60 days after ending) was announced in the offer journal.
    pub archived: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    /// Line item id (uuid).
    pub id: String,
    /// The offer bought.
    pub offer_id: String,
    /// Units bought (at least 1).
    pub quantity: u32,
    /// Unit price paid.
    pub price: Price,
}

/// An order (Allegro: checkout form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Checkout form id (uuid).
    pub id: String,
    /// The seller it was bought from.
    pub seller_id: String,
    /// The buyer.
    pub buyer_id: String,
    /// What was bought.
    pub line_items: Vec<LineItem>,
    /// When it was bought.
    pub bought_at: DateTime<Utc>,
    /// Checkout form status: `BOUGHT`, `FILLED_IN`, `READY_FOR_PROCESSING` or `CANCELLED`.
    pub status: String,
    /// Fulfillment status (`NEW` until the seller changes it).
    pub fulfillment_status: String,
    /// The company invoice data the buyer gave, if any.
    pub invoice: Option<CompanyInvoice>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Company invoice data of an order (`invoice.address` with `company`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyInvoice {
    /// Company name.
    pub company_name: String,
    /// Polish tax id (NIP), given as `ids[type=PL_NIP]`; none for a foreign company.
    pub nip: Option<String>,
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub zip_code: String,
    /// ISO country code.
    #[serde(default = "poland")]
    pub country_code: String,
}

fn poland() -> String {
    "PL".into()
}

/// One entry of the order journal (`/order/events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEventRecord {
    /// Event id: microseconds since the epoch, strictly increasing (allegro-api.md §7.1).
    pub id: u64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// `BOUGHT`, `FILLED_IN`, `READY_FOR_PROCESSING`, `BUYER_CANCELLED`, …
    pub event_type: String,
    /// The order (checkout form) it is about.
    pub order_id: String,
    /// The order's seller.
    pub seller_id: String,
}

/// A seller's invoice of an order (`POST /order/checkout-forms/{id}/invoices`, then its file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellerInvoice {
    /// Invoice id (uuid).
    pub id: String,
    /// The file name declared.
    pub file_name: String,
    /// The invoice number declared, if any.
    pub invoice_number: Option<String>,
    /// When it was declared.
    pub created_at: DateTime<Utc>,
    /// The PDF, once uploaded.
    pub file: Option<Vec<u8>>,
    /// When the file was uploaded.
    pub uploaded_at: Option<DateTime<Utc>>,
}

/// A fulfillment status the seller set (`PUT /order/checkout-forms/{id}/fulfillment`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfillmentChange {
    /// The order.
    pub order_id: String,
    /// The status set.
    pub status: String,
    /// The `checkoutForm.revision` sent, if any.
    pub revision: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Fulfillment statuses Allegro knows (`CheckoutFormFulfillmentStatus`).
pub const FULFILLMENT_STATUSES: &[&str] = &[
    "NEW",
    "PROCESSING",
    "READY_FOR_SHIPMENT",
    "READY_FOR_PICKUP",
    "SENT",
    "PICKED_UP",
    "CANCELLED",
    "SUSPENDED",
    "RETURNED",
];

/// Checkout form statuses Allegro knows.
pub const CHECKOUT_FORM_STATUSES: &[&str] =
    &["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING", "CANCELLED"];

/// Order event types Allegro publishes (`OrderEventType`).
pub const ORDER_EVENT_TYPES: &[&str] = &[
    "BOUGHT",
    "FILLED_IN",
    "READY_FOR_PROCESSING",
    "BUYER_CANCELLED",
    "FULFILLMENT_STATUS_CHANGED",
    "BUYER_MODIFIED",
    "AUTO_CANCELLED",
];

impl Order {
    /// Sum of `price × quantity` over the line items, in hundredths.
    pub fn total_hundredths(&self) -> u64 {
        self.line_items
            .iter()
            .map(|item| item.price.hundredths().unwrap_or(0) * u64::from(item.quantity))
            .sum()
    }
}

/// Buyers, orders and offers.
#[derive(Debug, Default)]
pub struct Catalog {
    buyers: BTreeMap<String, Buyer>,
    offers: BTreeMap<String, Offer>,
    orders: BTreeMap<String, Order>,
    order_events: Vec<OrderEventRecord>,
    offer_events: Vec<offer_journal::OfferEventRecord>,
    commands: offer_commands::CommandBook,
    seller_invoices: BTreeMap<String, Vec<SellerInvoice>>,
    fulfillment_changes: Vec<FulfillmentChange>,
    next_buyer: u64,
    next_offer: u64,
}

impl Catalog {
    /// The buyer with this id.
    pub fn buyer(&self, id: &str) -> Option<&Buyer> {
        self.buyers.get(id)
    }

    /// The buyer with this login.
    pub fn buyer_by_login(&self, login: &str) -> Option<&Buyer> {
        self.buyers.values().find(|b| b.login == login)
    }

    /// The offer with this id (any seller's).
    pub fn offer(&self, id: &str) -> Option<&Offer> {
        self.offers.get(id)
    }

    /// The order with this id (any seller's, however old).
    pub fn order(&self, id: &str) -> Option<&Order> {
        self.orders.get(id)
    }

    /// The offer with this id, to change it.
    pub fn offer_mut(&mut self, id: &str) -> Option<&mut Offer> {
        self.offers.get_mut(id)
    }

    /// The order with this id, to change it.
    pub fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.get_mut(id)
    }

    /// Every buyer, by id.
    pub fn buyers(&self) -> impl Iterator<Item = &Buyer> {
        self.buyers.values()
    }

    /// Every offer, by id.
    pub fn offers(&self) -> impl Iterator<Item = &Offer> {
        self.offers.values()
    }

    /// Every order, by id.
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }

    /// The orders of one seller with one buyer, oldest first.
    pub fn orders_between(&self, seller_id: &str, buyer_id: &str) -> Vec<&Order> {
        let mut orders: Vec<&Order> = self
            .orders
            .values()
            .filter(|o| o.seller_id == seller_id && o.buyer_id == buyer_id)
            .collect();
        orders.sort_by_key(|o| o.bought_at);
        orders
    }

    /// The order journal, oldest first (every seller's).
    pub fn order_events(&self) -> &[OrderEventRecord] {
        &self.order_events
    }

    /// The seller's invoices of an order, oldest first.
    pub fn seller_invoices(&self, order_id: &str) -> &[SellerInvoice] {
        self.seller_invoices
            .get(order_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The seller's invoices of an order, to add one or its file.
    pub fn seller_invoices_mut(&mut self, order_id: &str) -> &mut Vec<SellerInvoice> {
        self.seller_invoices.entry(order_id.to_owned()).or_default()
    }

    /// Every fulfillment status sellers set, oldest first.
    pub fn fulfillment_changes(&self) -> &[FulfillmentChange] {
        &self.fulfillment_changes
    }

    /// Records a fulfillment status a seller set.
    pub fn record_fulfillment_change(&mut self, change: FulfillmentChange) {
        self.fulfillment_changes.push(change);
    }

    /// Appends an event about `order_id` to the journal (its seller's) and answers its id.
    /// Ids are the time in microseconds, bumped to stay strictly increasing.
    pub fn record_order_event(
        &mut self,
        order_id: &str,
        event_type: &str,
        at: DateTime<Utc>,
    ) -> Option<u64> {
        let seller_id = self.orders.get(order_id)?.seller_id.clone();
        let micros = u64::try_from(at.timestamp_micros()).unwrap_or(0);
        let id = match self.order_events.last() {
            Some(last) if last.id >= micros => last.id + 1,
            _ => micros,
        };
        self.order_events.push(OrderEventRecord {
            id,
            occurred_at: at,
            event_type: event_type.into(),
            order_id: order_id.into(),
            seller_id,
        });
        Some(id)
    }

    /// Creates a buyer with a fresh id and masked e-mail addresses.
    pub fn add_buyer(&mut self, login: &str, first_name: &str, last_name: &str) -> &Buyer {
        self.next_buyer += 1;
        let id = (50_000_000 + self.next_buyer).to_string();
        let alias = mask_alias(&id);
        let suffix = &hex_digest(&format!("suffix:{id}"))[..9];
        let buyer = Buyer {
            id: id.clone(),
            login: login.into(),
            email: format!("{alias}+{suffix}@{MASKED_EMAIL_DOMAIN}"),
            plain_email: format!("{alias}@{MASKED_EMAIL_DOMAIN}"),
            first_name: first_name.into(),
            last_name: last_name.into(),
        };
        self.buyers.entry(id).or_insert(buyer)
    }

    /// Creates an offer with a fresh id, stock 100, category `"257931"`.
    pub fn add_offer(
        &mut self,
        seller_id: &str,
        name: &str,
        ean: Option<String>,
        price: Price,
        now: DateTime<Utc>,
    ) -> &Offer {
        self.next_offer += 1;
        let id = (17_000_000_000 + self.next_offer).to_string();
        let offer = Offer {
            id: id.clone(),
            seller_id: seller_id.into(),
            name: name.into(),
            ean,
            price,
            stock: 100,
            external_id: None,
            category_id: "257931".into(),
            format: "BUY_NOW".into(),
            status: "ACTIVE".into(),
            ended_at: None,
            ended_by: None,
            archived: false,
            created_at: now,
            updated_at: now,
        };
        self.offers.entry(id).or_insert(offer)
    }

    /// Stores an order as given (the caller checked seller, buyer and offers).
    pub fn insert_order(&mut self, order: Order) -> &Order {
        match self.orders.entry(order.id.clone()) {
            Entry::Occupied(mut entry) => {
                entry.insert(order);
                entry.into_mut()
            }
            Entry::Vacant(entry) => entry.insert(order),
        }
    }

    /// Creates a `READY_FOR_PROCESSING` order with a fresh uuid; each line is
    /// `(offer_id, quantity, unit price)`.
    pub fn add_order(
        &mut self,
        seller_id: &str,
        buyer_id: &str,
        lines: Vec<(String, u32, Price)>,
        bought_at: DateTime<Utc>,
    ) -> &Order {
        let order = Order {
            id: uuid::Uuid::new_v4().to_string(),
            seller_id: seller_id.into(),
            buyer_id: buyer_id.into(),
            line_items: lines
                .into_iter()
                .map(|(offer_id, quantity, price)| LineItem {
                    id: uuid::Uuid::new_v4().to_string(),
                    offer_id,
                    quantity,
                    price,
                })
                .collect(),
            bought_at,
            status: "READY_FOR_PROCESSING".into(),
            fulfillment_status: "NEW".into(),
            invoice: None,
            updated_at: bought_at,
        };
        self.insert_order(order)
    }
}

/// The constant part of a buyer's masked e-mail: 10 lowercase letters and digits.
fn mask_alias(buyer_id: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("alias:{buyer_id}").as_bytes())
        .iter()
        .take(10)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A UUID derived from `seed` (the same seed always gives the same id).
pub fn stable_uuid(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Lowercase hex SHA-256 of `text`.
fn hex_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The catalog routes: `/me`, orders, offers, and the removed disputes API.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .merge(me::routes())
        .merge(orders::routes())
        .merge(order_events::routes())
        .merge(order_writes::routes())
        .merge(offers::routes())
        .merge(offer_list::routes())
        .merge(offer_command_api::routes())
        .merge(disputes::routes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_and_print() {
        assert_eq!(parse_hundredths("12"), Some(1200));
        assert_eq!(parse_hundredths("12.3"), Some(1230));
        assert_eq!(parse_hundredths("0.05"), Some(5));
        for bad in ["", ".5", "12.", "1.234", "-1", "1e3", "abc", "1,50"] {
            assert_eq!(parse_hundredths(bad), None, "{bad:?}");
        }
        assert_eq!(Price::pln_from_grosze(12_345).amount, "123.45");
        assert_eq!(Price::pln_from_grosze(5).amount, "0.05");
    }

    #[test]
    fn buyers_get_masked_addresses() {
        let mut catalog = Catalog::default();
        let buyer = catalog.add_buyer("kupujacy", "Jan", "Kowalski").clone();
        let (alias, rest) = buyer.email.split_once('+').expect("a suffix");
        assert_eq!(alias.len(), 10);
        assert!(rest.ends_with("@allegromail.pl"));
        assert_eq!(buyer.plain_email, format!("{alias}@allegromail.pl"));
        assert_eq!(catalog.buyer(&buyer.id), Some(&buyer));
        assert_eq!(catalog.buyer_by_login("kupujacy"), Some(&buyer));
        let other = catalog.add_buyer("inny", "", "").clone();
        assert_ne!(other.id, buyer.id);
        assert_ne!(other.plain_email, buyer.plain_email);
    }
}
