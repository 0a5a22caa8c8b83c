//! The order journal and the order list (scope `allegro:api:orders:read`, public media type):
//! `GET /order/events` (events after a stored id, 60 days kept), `GET /order/event-stats` (the
//! newest event, where a new reader starts) and `GET /order/checkout-forms` (allegro-api.md §7).

use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media};
use crate::lenient::{lenient_enum, Timestamp};
use crate::orders::CheckoutForm;
use crate::token::AccessToken;
use reqwest::Method;
use serde::Deserialize;

/// Most events one `GET /order/events` answers.
pub const MAX_EVENTS_PER_PAGE: u32 = 1000;

lenient_enum! {
    /// `OrderEvent.type`.
    pub enum OrderEventType {
        /// Bought, checkout form not filled in.
        Bought => "BOUGHT",
        /// Filled in, not paid yet (data may still change).
        FilledIn => "FILLED_IN",
        /// Paid: ready for processing.
        ReadyForProcessing => "READY_FOR_PROCESSING",
        /// Cancelled by the buyer.
        BuyerCancelled => "BUYER_CANCELLED",
        /// The fulfillment status changed.
        FulfillmentStatusChanged => "FULFILLMENT_STATUS_CHANGED",
        /// Modified by the buyer.
        BuyerModified => "BUYER_MODIFIED",
        /// Cancelled by Allegro.
        AutoCancelled => "AUTO_CANCELLED",
    }
}

/// `OrderEvent`: what changed, and which checkout form (read the form for the data).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderEvent {
    /// Event id: the cursor to continue after.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// Event type.
    #[serde(rename = "type")]
    pub event_type: Option<OrderEventType>,
    /// When it happened.
    pub occurred_at: Option<Timestamp>,
    /// The order it is about.
    pub order: Option<OrderEventData>,
}

impl OrderEvent {
    /// The checkout form id, if the event names one.
    pub fn checkout_form_id(&self) -> Option<&str> {
        self.order
            .as_ref()?
            .checkout_form
            .as_ref()?
            .id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
    }
}

/// `OrderEventData`: the part of the order the event carries.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OrderEventData {
    /// The checkout form and its revision.
    pub checkout_form: Option<CheckoutFormRef>,
}

/// `{id, revision}` of a checkout form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CheckoutFormRef {
    /// Checkout form id (uuid).
    pub id: Option<String>,
    /// Its revision when the event was made.
    pub revision: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OrderEventsList {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    events: Vec<OrderEvent>,
}

/// `OrderEventStats.latestEvent`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LatestOrderEvent {
    /// Event id.
    #[serde(deserialize_with = "crate::lenient::string_or_number")]
    pub id: Option<String>,
    /// When it happened.
    pub occurred_at: Option<Timestamp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct OrderEventStats {
    latest_event: Option<LatestOrderEvent>,
}

/// `CheckoutForms`: one page of the order list.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CheckoutFormsPage {
    /// The orders of the page.
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    pub checkout_forms: Vec<CheckoutForm>,
    /// How many were returned.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub count: Option<u64>,
    /// How many match in all.
    #[serde(deserialize_with = "crate::lenient::count")]
    pub total_count: Option<u64>,
}

/// Filters of `GET /order/checkout-forms` (the ones marketdesk uses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckoutFormsQuery {
    /// Skip this many.
    pub offset: u32,
    /// Page size, 1–100.
    pub limit: u32,
    /// `BOUGHT`, `FILLED_IN`, `READY_FOR_PROCESSING` or `CANCELLED`.
    pub status: Option<String>,
    /// Only this buyer's.
    pub buyer_login: Option<String>,
}

impl AllegroClient {
    /// `GET /order/events?from=&limit=`: events after `from` (all retained without it), oldest
    /// first; `limit` is clamped to 1–1000.
    pub async fn order_events(
        &self,
        token: &AccessToken,
        from: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OrderEvent>, AllegroError> {
        let mut url = self.http().api_url(&["order", "events"])?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(from) = from {
                query.append_pair("from", from);
            }
            query.append_pair("limit", &limit.clamp(1, MAX_EVENTS_PER_PAGE).to_string());
        }
        let list: OrderEventsList = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await?;
        Ok(list.events)
    }

    /// `GET /order/event-stats`: the newest event, `None` when the account has none.
    pub async fn order_event_stats(
        &self,
        token: &AccessToken,
    ) -> Result<Option<LatestOrderEvent>, AllegroError> {
        let url = self.http().api_url(&["order", "event-stats"])?;
        let stats: OrderEventStats = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await?;
        Ok(stats.latest_event.filter(|e| e.id.is_some()))
    }

    /// `GET /order/checkout-forms`: one page of orders.
    pub async fn checkout_forms(
        &self,
        token: &AccessToken,
        query: &CheckoutFormsQuery,
    ) -> Result<CheckoutFormsPage, AllegroError> {
        let mut url = self.http().api_url(&["order", "checkout-forms"])?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("offset", &query.offset.to_string());
            pairs.append_pair("limit", &query.limit.clamp(1, 100).to_string());
            if let Some(status) = &query.status {
                pairs.append_pair("status", status);
            }
            if let Some(login) = &query.buyer_login {
                pairs.append_pair("buyer.login", login);
            }
        }
        self.http()
            .call_json(&Call::api(Method::GET, url, Media::Public, token))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_decode_leniently() {
        let list: OrderEventsList = serde_json::from_str(
            r#"{"events":[{"id":1532603898317497,"type":"READY_FOR_PROCESSING","occurredAt":"2026-01-01T10:00:00.000Z",
                "order":{"checkoutForm":{"id":" c1 ","revision":"819b5836"},"buyer":{"id":"1"},"lineItems":[]}},
               {"id":"2","type":"SOMETHING_NEW","order":null}]}"#,
        )
        .expect("decodes");
        assert_eq!(list.events[0].id.as_deref(), Some("1532603898317497"));
        assert_eq!(list.events[0].checkout_form_id(), Some("c1"));
        assert_eq!(
            list.events[1].event_type,
            Some(OrderEventType::Unknown("SOMETHING_NEW".into()))
        );
        assert_eq!(list.events[1].checkout_form_id(), None);
        let empty: OrderEventStats = serde_json::from_str("{}").expect("decodes");
        assert!(empty.latest_event.is_none());
    }
}
