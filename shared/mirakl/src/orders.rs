//! OR11: orders by id (≤ 100 ids per call, chunked), offset-paginated.

use crate::client::MiraklClient;
use crate::error::{MiraklError, MiraklResult};
use crate::http::Call;
use crate::lenient;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Most order ids in one OR11 call.
pub const MAX_ORDER_IDS: usize = 100;
/// Largest OR11 page (`max`).
pub const MAX_ORDER_PAGE: u32 = 100;

/// One OR11 call: which orders and which page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    /// Only these order ids (at most 100); empty = every order of the shop.
    pub order_ids: Vec<String>,
    /// Page size, 1..=100 (Mirakl's default is 10).
    pub max: Option<u32>,
    /// Index of the first order of the page.
    pub offset: u32,
}

impl OrderQuery {
    /// The orders `order_ids` (at most 100), first page.
    pub fn ids<I, S>(order_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            order_ids: order_ids.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets the page size.
    pub fn max(mut self, max: u32) -> Self {
        self.max = Some(max);
        self
    }

    /// Sets the offset.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = offset;
        self
    }

    fn call(&self) -> MiraklResult<Call> {
        if self.order_ids.len() > MAX_ORDER_IDS {
            return Err(MiraklError::invalid(format!(
                "at most {MAX_ORDER_IDS} order ids per call, not {}",
                self.order_ids.len()
            )));
        }
        if let Some(max) = self.max {
            if !(1..=MAX_ORDER_PAGE).contains(&max) {
                return Err(MiraklError::invalid(format!(
                    "order page size must be 1..={MAX_ORDER_PAGE}, not {max}"
                )));
            }
        }
        let mut call = Call::get(CONTEXT, &["orders"]);
        if !self.order_ids.is_empty() {
            call = call.query("order_ids", self.order_ids.join(","));
        }
        if let Some(max) = self.max {
            call = call.query("max", max.to_string());
        }
        if self.offset > 0 {
            call = call.query("offset", self.offset.to_string());
        }
        Ok(call.query("paginate", "true"))
    }
}

/// One OR11 page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderPage {
    /// The orders.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub orders: Vec<Order>,
    /// How many orders match in all, if sent.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub total_count: Option<i64>,
}

/// An order (the fields marketdesk shows; others are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Mirakl order id, e.g. `Order_00010-A` (the thread entity id).
    #[serde(default, deserialize_with = "lenient::string")]
    pub order_id: String,
    /// Customer-facing order number, e.g. `Order_00010`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub commercial_id: Option<String>,
    /// State code (open set: WAITING_ACCEPTANCE, SHIPPING, SHIPPED, RECEIVED, CLOSED, ...).
    #[serde(default, deserialize_with = "lenient::string")]
    pub order_state: String,
    /// Creation date.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub created_date: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, deserialize_with = "lenient::opt_date")]
    pub last_updated_date: Option<DateTime<Utc>>,
    /// Currency ISO code.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub currency_iso_code: Option<String>,
    /// Price of the lines without shipping.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub price: Option<f64>,
    /// Shipping price.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub shipping_price: Option<f64>,
    /// Total price.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub total_price: Option<f64>,
    /// Sales channel, if any.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The buyer (addresses are not kept: masked before acceptance anyway).
    #[serde(default)]
    pub customer: Option<OrderCustomer>,
    /// Anonymised relay address for notifications (does not take replies).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_notification_email: Option<String>,
    /// The lines.
    #[serde(default, deserialize_with = "lenient::null_default")]
    pub order_lines: Vec<OrderLine>,
}

/// A sales channel `{code, label}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Channel code.
    #[serde(default, deserialize_with = "lenient::string")]
    pub code: String,
    /// Channel label.
    #[serde(default, deserialize_with = "lenient::string")]
    pub label: String,
}

/// The buyer of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCustomer {
    /// Customer id (expected to equal the thread's CUSTOMER participant id).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub customer_id: Option<String>,
    /// First name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub lastname: Option<String>,
    /// Locale, e.g. `pl_PL`.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub locale: Option<String>,
}

impl OrderCustomer {
    /// "Firstname Lastname" from the parts present, `None` when both are missing.
    pub fn display_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.firstname, &self.lastname]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// One order line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// Line id, e.g. `Order_00010-A-1`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub order_line_id: String,
    /// Line state code.
    #[serde(default, deserialize_with = "lenient::string")]
    pub order_line_state: String,
    /// Offer id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub offer_id: Option<i64>,
    /// The seller's offer SKU.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub offer_sku: Option<String>,
    /// The operator's catalogue SKU.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub product_sku: Option<String>,
    /// The seller's product SKU.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub product_shop_sku: Option<String>,
    /// Product title.
    #[serde(default, deserialize_with = "lenient::string")]
    pub product_title: String,
    /// Quantity.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub quantity: Option<i64>,
    /// Unit price.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub price_unit: Option<f64>,
    /// Line price without shipping.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub price: Option<f64>,
    /// Line total.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub total_price: Option<f64>,
}

const CONTEXT: &str = "OR11 list orders";

impl MiraklClient {
    /// OR11: one page of orders.
    pub async fn orders_page(&self, query: &OrderQuery) -> MiraklResult<OrderPage> {
        self.http.json(query.call()?).await
    }

    /// OR11: every page from `query.offset` on (page size `query.max`, default 100), each
    /// order once; orders without an id are dropped.
    pub async fn all_orders(&self, query: &OrderQuery) -> MiraklResult<Vec<Order>> {
        let mut page_query = query.clone();
        let max = *page_query.max.get_or_insert(MAX_ORDER_PAGE);
        let mut seen = HashSet::new();
        let mut orders = Vec::new();
        loop {
            let page = self.orders_page(&page_query).await?;
            let received = u32::try_from(page.orders.len()).unwrap_or(u32::MAX);
            let before = orders.len();
            orders.extend(
                page.orders
                    .into_iter()
                    .filter(|o| !o.order_id.is_empty() && seen.insert(o.order_id.clone())),
            );
            let next = page_query.offset.saturating_add(received);
            let done = match page.total_count {
                Some(total) => i64::from(next) >= total,
                None => received < max,
            };
            // An empty page or a page of nothing new also ends the walk (no endless loop).
            if done || received == 0 || orders.len() == before {
                return Ok(orders);
            }
            page_query.offset = next;
        }
    }

    /// OR11: the orders `order_ids` (duplicates dropped, 100 ids per call). Unknown ids are
    /// simply missing from the answer.
    pub async fn orders_by_ids<S: AsRef<str>>(&self, order_ids: &[S]) -> MiraklResult<Vec<Order>> {
        let mut unique = HashSet::new();
        let ids: Vec<String> = order_ids
            .iter()
            .map(|id| id.as_ref().trim())
            .filter(|id| !id.is_empty() && unique.insert(*id))
            .map(str::to_owned)
            .collect();
        let mut orders = Vec::new();
        for chunk in ids.chunks(MAX_ORDER_IDS) {
            let query = OrderQuery::ids(chunk.iter().cloned()).max(MAX_ORDER_PAGE);
            orders.extend(self.all_orders(&query).await?);
        }
        Ok(orders)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_example_order_decodes() {
        let json = r#"{"orders": [{
          "order_id": "EMP123456-A", "commercial_id": "EMP123456", "order_state": "SHIPPING",
          "created_date": "2024-05-01T10:00:00Z", "currency_iso_code": "PLN",
          "price": 59.98, "shipping_price": 9.99, "total_price": "69.97",
          "customer": {"customer_id": "c-98765", "firstname": "Jan", "lastname": "Kowalski",
            "billing_address": null},
          "channel": null,
          "order_lines": [{"order_line_id": "EMP123456-A-1", "order_line_state": "SHIPPING",
            "offer_id": 2130, "offer_sku": "MY-SKU-1", "product_sku": 1416621944,
            "product_title": "Przykładowy produkt", "quantity": 2, "price_unit": 29.99,
            "price": 59.98, "total_price": 69.97}]}],
         "total_count": 1}"#;
        let page: OrderPage = serde_json::from_str(json).expect("page");
        assert_eq!(page.total_count, Some(1));
        let order = &page.orders[0];
        assert_eq!(order.total_price, Some(69.97));
        assert_eq!(
            order
                .customer
                .as_ref()
                .and_then(OrderCustomer::display_name),
            Some("Jan Kowalski".into())
        );
        let line = &order.order_lines[0];
        assert_eq!(line.product_sku.as_deref(), Some("1416621944"));
        assert_eq!((line.quantity, line.price_unit), (Some(2), Some(29.99)));
    }

    #[test]
    fn queries_are_checked() {
        let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
        assert!(OrderQuery::ids(many).call().is_err());
        assert!(OrderQuery::ids(["a"]).max(0).call().is_err());
        assert!(OrderQuery::ids(["a"]).max(101).call().is_err());
        let call = OrderQuery::ids(["a", "b"])
            .max(5)
            .offset(10)
            .call()
            .expect("ok");
        let pairs: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            pairs,
            vec![
                ("order_ids", "a,b"),
                ("max", "5"),
                ("offset", "10"),
                ("paginate", "true")
            ]
        );
    }
}
