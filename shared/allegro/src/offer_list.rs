//! `GET /sale/offers` (the seller's offers, paged by offset) and `GET /sale/offer-events` (the
//! offer journal of the last 24 hours), scope `allegro:api:sale:offers:read`
//! (allegro-api.md §8.1–8.2). The journal's events carry no new values: read the changed offers.

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media};
use crate::lenient::Timestamp;
use crate::models::IdRef;
use crate::offers::{SellingMode, Stock};
use crate::token::AccessToken;
use reqwest::Method;
use serde::Deserialize;

/// Most offers one page of `/sale/offers` holds.
pub const MAX_OFFERS_PER_PAGE: u32 = 1000;
/// Most events one page of `/sale/offer-events` holds.
pub const MAX_OFFER_EVENTS_PER_PAGE: u32 = 1000;

/// An offer as `/sale/offers` lists it (`OfferListingDto`: the fields marketdesk keeps).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListedOffer {
    /// Offer id (digits).
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Title.
    pub name: Option<String>,
    /// Category.
    pub category: Option<IdRef>,
    /// The primary image.
    pub primary_image: Option<Image>,
    /// Format and price.
    pub selling_mode: Option<SellingMode>,
    /// Stock.
    pub stock: Option<Stock>,
    /// Publication state.
    pub publication: Option<ListedPublication>,
    /// The seller's own id of the offer.
    pub external: Option<IdRef>,
}

/// `{url}` of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Image {
    /// Where it is.
    pub url: Option<String>,
}

/// The publication of a listed offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListedPublication {
    /// `INACTIVE`, `ACTIVATING`, `ACTIVE` or `ENDED`.
    pub status: Option<String>,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
}

/// One page of `/sale/offers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OfferPage {
    /// The offers of the page.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub offers: Vec<ListedOffer>,
    /// Offers matching the filters in all.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub total_count: Option<u64>,
}

/// One event of the offer journal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OfferEvent {
    /// The event's id (the `from` of the next read).
    pub id: Option<String>,
    /// When it happened.
    pub occurred_at: Option<Timestamp>,
    /// `OFFER_ACTIVATED`, `OFFER_CHANGED`, `OFFER_ENDED`, `OFFER_STOCK_CHANGED`, …
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// The offer it is about.
    pub offer: Option<IdRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct OfferEventsList {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    offer_events: Vec<OfferEvent>,
}

impl AllegroClient {
    /// `GET /sale/offers?offset=&limit=`: one page of the seller's offers (archived ones are
    /// absent); `limit` is clamped to 1–1000.
    pub async fn sale_offers(
        &self,
        token: &AccessToken,
        offset: u32,
        limit: u32,
    ) -> Result<OfferPage, AllegroError> {
        let mut url = self.http().api_url(&["sale", "offers"])?;
        url.query_pairs_mut()
            .append_pair("offset", &offset.to_string())
            .append_pair("limit", &limit.clamp(1, MAX_OFFERS_PER_PAGE).to_string());
        self.http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
    }

    /// `GET /sale/offer-events?from=&limit=`: the journal after `from` (the retained 24 hours
    /// without it), oldest first; `limit` is clamped to 1–1000.
    pub async fn offer_events(
        &self,
        token: &AccessToken,
        from: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OfferEvent>, AllegroError> {
        let mut url = self.http().api_url(&["sale", "offer-events"])?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(from) = from {
                query.append_pair("from", from);
            }
            query.append_pair(
                "limit",
                &limit.clamp(1, MAX_OFFER_EVENTS_PER_PAGE).to_string(),
            );
        }
        let list: OfferEventsList = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await?;
        Ok(list.offer_events)
    }
}

impl AllegroClient {
    /// `GET /sale/offers?offer.id=`: one offer as the list shows it (with `publication.endedAt`,
    /// which `/sale/product-offers/{id}` lacks); `None` when it is not listed (unknown,
    /// another seller's, archived).
    pub async fn sale_offer(
        &self,
        token: &AccessToken,
        offer_id: &str,
    ) -> Result<Option<ListedOffer>, AllegroError> {
        let mut url = self.http().api_url(&["sale", "offers"])?;
        url.query_pairs_mut()
            .append_pair("offer.id", offer_id)
            .append_pair("limit", "1");
        let page: OfferPage = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await?;
        Ok(page
            .offers
            .into_iter()
            .find(|o| o.id.as_deref() == Some(offer_id)))
    }
}
