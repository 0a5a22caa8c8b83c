//! Orders as agents and programs see them through the API (issue 17): the list with filters
//! and a cursor, one order with its checkout form, the paid forms waiting for an agent, and an
//! agent making an order of one (idempotent: one form, one order).

use super::caller::Caller;
use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use super::{audit, orders as journal};
use crate::domain::checkout_form::{CheckoutFormData, FormStatus, StoredCheckoutForm};
use crate::domain::order::{Order, OrderStatus};
use crate::domain::order_update::OrderUpdate;
use crate::domain::{Marketplace, Subject, SubjectKind};
use crate::ids::IntegrationId;
use crate::ports::Ports;
use crate::repo::{integrations, is_conflict, orders, Versioned};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Store page size while filtering.
const SCAN_PAGE: u32 = 100;
/// Most orders looked at for one page of a filtered list (a short page comes with a cursor).
const SCAN_BUDGET: usize = 1000;
/// How often a lost race on the checkout form is retried.
const ATTEMPTS: usize = 5;

/// The query of `GET /v1/orders`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// Only orders of this integration (id).
    #[serde(default)]
    pub integration: Option<String>,
    /// Only orders in this status.
    #[serde(default)]
    pub status: Option<OrderStatus>,
    /// Only orders of this buyer login (any case).
    #[serde(default)]
    pub buyer: Option<String>,
    /// Only orders whose buyer's customer card is this CRM customer (id); orders stored before
    /// customer cards have none.
    #[serde(default)]
    pub customer: Option<String>,
    /// Only orders created at or after this time.
    #[serde(default)]
    pub created_from: Option<DateTime<Utc>>,
    /// Only orders created at or before this time (not before `created_from`).
    #[serde(default)]
    pub created_to: Option<DateTime<Utc>>,
    /// Where to continue: the `next_cursor` of the previous page.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, default = 25))]
    pub limit: Option<u32>,
}

impl OrderQuery {
    fn matches(&self, order: &Order) -> bool {
        self.integration
            .as_deref()
            .is_none_or(|i| order.integration_id.as_str() == i)
            && self.status.is_none_or(|s| order.status == s)
            && self
                .buyer
                .as_deref()
                .is_none_or(|b| order.buyer_login.eq_ignore_ascii_case(b.trim()))
            && self.customer.as_deref().is_none_or(|c| {
                order
                    .buyer_card
                    .as_ref()
                    .is_some_and(|card| card.customer_id.as_str() == c)
            })
    }
}

/// The order made of the checkout form a ticket's conversation is about (Allegro tickets name
/// the form as their order id), if it was made.
pub async fn of_ticket(
    store: &dyn crate::ports::Store,
    ticket: &crate::domain::Ticket,
) -> Result<Option<Order>, RequestError> {
    let Some(form_id) = ticket.order_id.as_deref() else {
        return Ok(None);
    };
    if ticket.source != crate::domain::Marketplace::Allegro {
        return Ok(None);
    }
    let id = Order::id_for(&ticket.integration_id, form_id);
    Ok(orders::get_order(store, &ticket.tenant_id, &id)
        .await?
        .map(|v| v.value))
}

/// One page of orders, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPage {
    /// The orders.
    pub orders: Vec<Order>,
    /// Where the next page starts (`None`: the end).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// An order with the checkout form it was made of.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderDetail {
    /// The order.
    pub order: Order,
    /// The form as last read: buyer, delivery, invoice (with the NIP), lines, payment,
    /// status, fulfillment status; `None` if it was never stored.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub checkout_form: Option<CheckoutFormData>,
    /// Fulfillment statuses and invoices sent or being sent to the marketplace, newest first:
    /// state, when sent, the last error.
    pub updates: Vec<OrderUpdate>,
}

/// A paid checkout form waiting for an agent.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaidForm {
    /// The integration it was read through.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// When marketdesk read it.
    pub read_at: DateTime<Utc>,
    /// The form.
    pub checkout_form: CheckoutFormData,
}

/// One page of paid forms, oldest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaidFormPage {
    /// The forms.
    pub forms: Vec<PaidForm>,
    /// Where the next page starts (`None`: the end).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// The query of `GET /v1/orders/paid-forms`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PaidFormQuery {
    /// Where to continue: the `next_cursor` of the previous page.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, default = 25))]
    pub limit: Option<u32>,
}

/// The body of `POST /v1/orders`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// A paid checkout form from `/v1/orders/paid-forms`, to make an order of.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub checkout_form_id: String,
    /// The integration that read it (needed only when several accounts could have).
    #[serde(default)]
    pub integration_id: Option<String>,
}

/// A page of the caller's tenant's orders.
pub async fn list(
    ports: &Ports,
    caller: &Caller,
    query: &OrderQuery,
) -> Result<OrderPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    if let (Some(from), Some(to)) = (query.created_from, query.created_to) {
        if from > to {
            return Err(RequestError::invalid(
                "created_to",
                "must not be before created_from",
            ));
        }
    }
    let start = Position::decode(query.cursor.as_deref())?;
    let (store, tenant) = (&*ports.store, &caller.tenant_id);
    let (orders, next_cursor) = paging::filtered(
        start,
        limit,
        SCAN_BUDGET,
        |cursor| async move {
            orders::list_orders(
                store,
                tenant,
                query.created_from,
                query.created_to,
                cursor,
                SCAN_PAGE,
            )
            .await
            .map_err(cursor_error)
        },
        |order| query.matches(order),
    )
    .await?;
    Ok(OrderPage {
        orders,
        next_cursor,
    })
}

/// One order of the caller's tenant with its checkout form.
pub async fn get(ports: &Ports, caller: &Caller, id: &str) -> Result<OrderDetail, RequestError> {
    let order = orders::get_order(&*ports.store, &caller.tenant_id, id)
        .await?
        .ok_or(RequestError::NotFound("order"))?
        .value;
    let checkout_form = orders::get_form(
        &*ports.store,
        &caller.tenant_id,
        &order.integration_id,
        &order.checkout_form_id,
    )
    .await?
    .map(|stored| stored.value.form);
    let updates = super::order_updates::list(ports, &caller.tenant_id, &order.id).await?;
    Ok(OrderDetail {
        order,
        checkout_form,
        updates,
    })
}

/// A page of the paid forms waiting for an agent, oldest first.
pub async fn paid_forms(
    ports: &Ports,
    caller: &Caller,
    query: &PaidFormQuery,
) -> Result<PaidFormPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let start = Position::decode(query.cursor.as_deref())?;
    let (store, tenant) = (&*ports.store, &caller.tenant_id);
    let (forms, next_cursor) = paging::filtered(
        start,
        limit,
        SCAN_BUDGET,
        |cursor| async move {
            orders::list_paid_forms(store, tenant, cursor, SCAN_PAGE)
                .await
                .map_err(cursor_error)
        },
        // The index lags on DynamoDB: a form made an order meanwhile is left out.
        StoredCheckoutForm::awaits_order,
    )
    .await?;
    Ok(PaidFormPage {
        forms: forms
            .into_iter()
            .map(|stored| PaidForm {
                integration_id: stored.integration_id,
                read_at: stored.read_at,
                checkout_form: stored.form,
            })
            .collect(),
        next_cursor,
    })
}

/// Makes an order of a paid checkout form, by the caller: `(order, created)`. A form already
/// made an order (by an agent or automatically) answers that order with `created: false`.
pub async fn create(
    ports: &Ports,
    caller: &Caller,
    request: NewOrder,
) -> Result<(Order, bool), RequestError> {
    let tenant = &caller.tenant_id;
    let form_id = request.checkout_form_id.trim();
    if form_id.is_empty() || !crate::ids::is_well_formed(form_id) {
        return Err(RequestError::invalid(
            "checkout_form_id",
            "must be the id of a checkout form (letters, digits, '-' and '_')",
        ));
    }
    let integration = find_form_integration(ports, caller, request.integration_id, form_id).await?;
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let stored = orders::get_form(store, tenant, &integration.id, form_id)
            .await?
            .ok_or(RequestError::NotFound("checkout form"))?;
        let order_id = Order::id_for(&integration.id, form_id);
        if let Some(existing) = orders::get_order(store, tenant, &order_id).await? {
            link_form(ports, stored, &order_id).await?;
            return Ok((existing.value, false));
        }
        if stored.value.form.status != FormStatus::ReadyForProcessing {
            return Err(RequestError::WrongState {
                code: "checkout_form_not_paid",
                message: format!(
                    "only paid checkout forms (READY_FOR_PROCESSING) become orders; this one is {}",
                    status_name(&stored.value.form.status)
                ),
            });
        }
        let card = super::erp::card_for(ports, &integration, &stored.value.form).await?;
        let order = journal::order_of(
            &integration,
            &stored.value.form,
            Some(caller.actor.clone()),
            card,
            ports.clock.now(),
        );
        if !orders::create_order(store, &order).await? {
            continue; // made meanwhile (the journal or another agent): answer that one
        }
        link_form(ports, stored, &order.id).await?;
        tracing::info!(tenant = %tenant, order = %order.id, "order created by an agent");
        super::erp::announce_created(ports, &integration, &order).await;
        audit::record(
            ports,
            tenant,
            Some(&caller.actor),
            audit::actions::ORDER_CREATED,
            Subject::new(SubjectKind::Order, &order.id),
            None,
            audit::state(&order),
        )
        .await;
        return Ok((order, true));
    }
    Err(RequestError::Conflict(
        "the checkout form kept changing; try again".into(),
    ))
}

/// The Allegro integration holding the form: the one named, else the tenant's account that
/// stored it.
async fn find_form_integration(
    ports: &Ports,
    caller: &Caller,
    named: Option<String>,
    form_id: &str,
) -> Result<crate::domain::Integration, RequestError> {
    let all = integrations::list_for_tenant(&*ports.store, &caller.tenant_id).await?;
    let candidates = all.into_iter().filter(|i| {
        i.kind == Marketplace::Allegro && named.as_deref().is_none_or(|n| i.id.as_str() == n)
    });
    for integration in candidates {
        let form =
            orders::get_form(&*ports.store, &caller.tenant_id, &integration.id, form_id).await?;
        if form.is_some() {
            return Ok(integration);
        }
    }
    Err(RequestError::NotFound("checkout form"))
}

/// Records the order on its form, which takes the form out of the paid-forms list. A lost race
/// is retried on the form as stored then.
async fn link_form(
    ports: &Ports,
    mut stored: Versioned<StoredCheckoutForm>,
    order_id: &str,
) -> Result<(), RequestError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        if stored.value.order_id.as_deref() == Some(order_id) {
            return Ok(());
        }
        let mut next = stored.value.clone();
        next.order_id = Some(order_id.to_owned());
        match orders::put_form(store, &next, Some(stored.version)).await {
            Ok(()) => return Ok(()),
            Err(e) if is_conflict(&e) => {
                stored =
                    orders::get_form(store, &next.tenant_id, &next.integration_id, &next.form.id)
                        .await?
                        .ok_or(RequestError::NotFound("checkout form"))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the checkout form kept changing; try again".into(),
    ))
}

/// The marketplace's name of a form status.
fn status_name(status: &FormStatus) -> String {
    match status {
        FormStatus::Bought => "BOUGHT".into(),
        FormStatus::FilledIn => "FILLED_IN".into(),
        FormStatus::ReadyForProcessing => "READY_FOR_PROCESSING".into(),
        FormStatus::Cancelled => "CANCELLED".into(),
        FormStatus::Other(other) => other.clone(),
    }
}
