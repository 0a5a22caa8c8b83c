//! The seller's ERP side of orders (issue 17 item 3): each order's buyer as a CRM customer
//! card, the cursor feed `GET /v1/erp/orders?since=`, and the `order.created` event, both
//! carrying the customer as the integration's `settings.erp.customers` says.

use super::buyers::{self, Buyer};
use super::events::{self, Event};
use super::request::RequestError;
use crate::domain::checkout_form::CheckoutFormData;
use crate::domain::erp::{BuyerCard, ErpCustomer, TradeDetails};
use crate::domain::order::Order;
use crate::domain::{EventType, Integration};
use crate::ids::{CustomerId, TenantId};
use crate::ports::Ports;
use crate::repo::customers::{self, CustomerWriteError};
use crate::repo::{erp_feed, integrations, is_conflict, RepoError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The CRM field an order's buyer is matched by when the integration names none: orders
/// need a card even where the helpdesk links no customer.
pub const DEFAULT_LOGIN_FIELD: &str = "Allegro login";
/// Feed page size when the ERP names none.
pub const DEFAULT_FEED_LIMIT: u32 = 100;
/// Largest feed page.
pub const MAX_FEED_LIMIT: u32 = 1000;
/// How often a lost race on the customer is retried.
const ATTEMPTS: usize = 5;

/// The buyer of an order read through `integration` as a CRM customer card: the customer
/// found by login (the helpdesk's field, else [`DEFAULT_LOGIN_FIELD`]) or created, with the
/// order's company, NIP, addresses and type recorded on it. `None` for a form without a login.
pub async fn card_for(
    ports: &Ports,
    integration: &Integration,
    form: &CheckoutFormData,
) -> Result<Option<BuyerCard>, RepoError> {
    let login = form.buyer.login.trim();
    if login.is_empty() {
        return Ok(None);
    }
    let details = TradeDetails::of_form(form);
    let person = [&form.buyer.first_name, &form.buyer.last_name]
        .iter()
        .filter_map(|part| part.as_deref().map(str::trim))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name = Some(person)
        .filter(|n| !n.is_empty())
        .or_else(|| details.company_name.clone())
        .unwrap_or_else(|| login.to_owned());
    let configured = integration.settings.crm_field.trim();
    let field = if configured.is_empty() {
        DEFAULT_LOGIN_FIELD
    } else {
        configured
    };
    let buyer = Buyer {
        login: login.to_owned(),
        name: Some(name.clone()),
        emails: form.buyer.email.iter().cloned().collect(),
    };
    let tenant = &integration.tenant_id;
    let Some(customer_id) = buyers::find_or_create(ports, tenant, field, &buyer).await? else {
        return Ok(None);
    };
    record_trade(ports, tenant, &customer_id, &details).await;
    Ok(Some(BuyerCard {
        customer_id,
        login: login.to_owned(),
        name,
        email: form.buyer.email.clone(),
        details,
    }))
}

/// Keeps the order's trade details on the customer: addresses and type from the latest
/// order; company and NIP replaced only by an order that has them (a private purchase does
/// not erase a company's NIP). A failure is logged: the order's own card still has them.
async fn record_trade(ports: &Ports, tenant: &TenantId, id: &CustomerId, details: &TradeDetails) {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let stored = match customers::get(store, tenant, id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(tenant = %tenant, customer = %id, %error, "customer not read; trade details not kept");
                return;
            }
        };
        let old = stored.value.trade.clone().unwrap_or_default();
        let merged = TradeDetails {
            company_name: details.company_name.clone().or(old.company_name),
            nip: details.nip.clone().or(old.nip),
            delivery_address: details.delivery_address.clone().or(old.delivery_address),
            invoice_address: details.invoice_address.clone().or(old.invoice_address),
            customer_type: details.customer_type.or(old.customer_type),
        };
        if stored.value.trade.as_ref() == Some(&merged) {
            return;
        }
        let mut next = stored.value.clone();
        next.trade = Some(merged);
        match customers::update(store, &stored, &next).await {
            Ok(()) => return,
            Err(CustomerWriteError::Repo(error)) if is_conflict(&error) => continue,
            Err(error) => {
                tracing::warn!(tenant = %tenant, customer = %id, %error, "trade details not kept");
                return;
            }
        }
    }
    tracing::warn!(tenant = %tenant, customer = %id, "customer kept changing; trade details not kept");
}

/// An order as the ERP gets it: without the agents' `buyer_card`, with the customer as
/// configured beside it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErpOrder {
    /// The order (its `buyer_card` left out: see `customer`).
    pub order: Order,
    /// The buyer's card, or the unspecified customer, as the integration sends them.
    pub customer: ErpCustomer,
}

impl ErpOrder {
    /// The `order.created` event of this order: the order and its customer as the integration
    /// sends them to the ERP (the ERP's view of an order is this module's, so is its event).
    pub fn created_event(&self) -> Event {
        Event {
            kind: EventType::OrderCreated,
            data: serde_json::json!(self),
        }
    }

    /// `order` with its customer as `integration` (if still there) configures it.
    pub fn of(mut order: Order, integration: Option<&Integration>) -> Self {
        let setting = integration
            .map(|i| i.settings.erp.customers)
            .unwrap_or_default();
        let customer = ErpCustomer::as_configured(setting, order.buyer_card.as_ref());
        order.buyer_card = None;
        Self { order, customer }
    }
}

/// Emits `order.created` with the order and its customer as configured.
pub async fn announce_created(ports: &Ports, integration: &Integration, order: &Order) {
    let erp = ErpOrder::of(order.clone(), Some(integration));
    events::emit(ports, &integration.tenant_id, erp.created_event()).await;
}

/// The query of `GET /v1/erp/orders`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next_since` of the previous page; absent: from the first order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(pattern = "^[0-9]*$"))]
    pub since: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000, default = 100))]
    pub limit: Option<u32>,
}

/// One entry of the feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedItem {
    /// The entry's place in the feed.
    pub seq: u64,
    /// The order as that write left it, with its customer.
    #[serde(flatten)]
    pub order: ErpOrder,
}

/// One page of the feed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedPage {
    /// Orders in the order they were stored or changed (an order changed later comes again).
    pub orders: Vec<FeedItem>,
    /// Pass as `since` next time (unchanged when nothing new came).
    pub next_since: String,
    /// The page was full: ask again at once.
    pub has_more: bool,
}

/// A page of the caller's tenant's order feed after `since`.
pub async fn feed(
    ports: &Ports,
    tenant: &TenantId,
    query: &FeedQuery,
) -> Result<FeedPage, RequestError> {
    let limit = query.limit.unwrap_or(DEFAULT_FEED_LIMIT);
    if !(1..=MAX_FEED_LIMIT).contains(&limit) {
        return Err(RequestError::invalid(
            "limit",
            format!("must be 1 to {MAX_FEED_LIMIT}"),
        ));
    }
    let since = match query.since.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => text.parse::<u64>().map_err(|_| {
            RequestError::invalid(
                "since",
                "must be the next_since of an earlier page (a number)",
            )
        })?,
    };
    let entries = erp_feed::entries_after(&*ports.store, tenant, since, limit).await?;
    let settings: HashMap<_, _> = integrations::list_for_tenant(&*ports.store, tenant)
        .await?
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect();
    let next_since = entries.last().map_or(since, |e| e.seq).to_string();
    let has_more = entries.len() == limit as usize;
    let orders = entries
        .into_iter()
        .map(|entry| FeedItem {
            seq: entry.seq,
            order: ErpOrder::of(
                entry.order.clone(),
                settings.get(&entry.order.integration_id),
            ),
        })
        .collect();
    Ok(FeedPage {
        orders,
        next_since,
        has_more,
    })
}
