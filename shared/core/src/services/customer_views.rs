//! CRM customers as agents look them up: by a custom field's exact value, by name prefix,
//! and one customer with their tickets.

use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use super::ticket_views::{self, TicketQuery};
use crate::domain::{Customer, Ticket};
use crate::ids::{CustomerId, TenantId};
use crate::ports::Ports;
use crate::repo::customers;
use serde::{Deserialize, Serialize};

/// The query of `GET /v1/customers`: `field` and `value`, or `name`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// A custom field's name, e.g. `Allegro login` (with `value`).
    #[serde(default)]
    pub field: Option<String>,
    /// The exact value of `field`.
    #[serde(default)]
    pub value: Option<String>,
    /// Start of the name (case-insensitive); empty lists everyone by name.
    #[serde(default)]
    pub name: Option<String>,
    /// Where to continue (name lists).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 25).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One page of customers.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerPage {
    /// The customers.
    pub customers: Vec<Customer>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// Finds customers of the tenant by field value or name prefix.
pub async fn search(
    ports: &Ports,
    tenant: &TenantId,
    query: &CustomerQuery,
) -> Result<CustomerPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let store = &*ports.store;
    match (&query.field, &query.value, &query.name) {
        (Some(field), Some(value), None) => {
            if field.trim().is_empty() {
                return Err(RequestError::invalid("field", "must not be empty"));
            }
            if query.cursor.is_some() {
                return Err(RequestError::invalid(
                    "cursor",
                    "a field lookup has a single page",
                ));
            }
            let found = match customers::find_by_field(store, tenant, field, value).await? {
                Some(id) => customers::get(store, tenant, &id).await?.map(|v| v.value),
                None => None,
            };
            Ok(CustomerPage {
                customers: found.into_iter().collect(),
                next_cursor: None,
            })
        }
        (None, None, Some(name)) => {
            let position = Position::decode(query.cursor.as_deref())?;
            let (page, next) =
                customers::list_by_name(store, tenant, name.trim(), position.store, limit as u32)
                    .await
                    .map_err(cursor_error)?;
            Ok(CustomerPage {
                customers: page,
                next_cursor: next.map(|store| {
                    Position {
                        store: Some(store),
                        skip: 0,
                    }
                    .encode()
                }),
            })
        }
        (Some(_), None, _) => Err(RequestError::invalid(
            "value",
            "give the value to look for in the field",
        )),
        (None, Some(_), _) => Err(RequestError::invalid(
            "field",
            "give the custom field the value belongs to",
        )),
        (Some(_), Some(_), Some(_)) => Err(RequestError::invalid(
            "name",
            "look up either by field and value or by name, not both",
        )),
        (None, None, None) => Err(RequestError::invalid(
            "name",
            "give field and value, or a name prefix (may be empty to list everyone)",
        )),
    }
}

/// The query of `GET /v1/customers/{id}`: paging of the customer's tickets.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerTicketsQuery {
    /// Where to continue the ticket list (from `next_cursor`).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Tickets per page, 1–100 (default 25).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A customer with a page of their tickets.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerDetail {
    /// The customer.
    pub customer: Customer,
    /// Their tickets, most recent activity first.
    pub tickets: Vec<Ticket>,
    /// Pass as `cursor` for more tickets; `null` at the end.
    pub next_cursor: Option<String>,
}

/// One customer of the tenant with a page of their tickets (found by filtering the tenant's
/// ticket list while paging; see [`ticket_views`] for the cost).
pub async fn detail(
    ports: &Ports,
    tenant: &TenantId,
    id: &CustomerId,
    query: &CustomerTicketsQuery,
) -> Result<CustomerDetail, RequestError> {
    let customer = customers::get(&*ports.store, tenant, id)
        .await?
        .ok_or(RequestError::NotFound("customer"))?
        .value;
    let tickets = ticket_views::list(
        ports,
        tenant,
        &TicketQuery {
            customer: Some(id.clone()),
            cursor: query.cursor.clone(),
            limit: query.limit,
            ..TicketQuery::default()
        },
    )
    .await?;
    Ok(CustomerDetail {
        customer,
        tickets: tickets.tickets,
        next_cursor: tickets.next_cursor,
    })
}
