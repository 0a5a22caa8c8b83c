//! CRM customers as agents look them up: by a custom field's exact value, by e-mail address,
//! by any part of the name, and one customer with their tickets.

use super::paging::{self, Position};
use super::request::{cursor_error, RequestError};
use super::ticket_views::{self, TicketQuery};
use crate::domain::{words, Customer, Ticket};
use crate::ids::{CustomerId, TenantId};
use crate::ports::Ports;
use crate::repo::customers;
use serde::{Deserialize, Serialize};

/// The query of `GET /v1/customers`: `field` and `value`, `email`, or `name`.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// A custom field's name, e.g. `Allegro login` (with `value`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(min_length = 1, pattern = r"\S"))]
    pub field: Option<String>,
    /// The exact value of `field`.
    #[serde(default)]
    pub value: Option<String>,
    /// An e-mail address (any case): every customer having it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(min_length = 1))]
    pub email: Option<String>,
    /// Words of the name: each must start a word of the customer's name, case and Polish
    /// diacritics ignored (`now` and `Nowak` find "Anna Nowak", so does `anna now`). Empty lists
    /// everyone by name. A page may hold fewer customers than `limit` while `next_cursor` says
    /// more may follow.
    #[serde(default)]
    pub name: Option<String>,
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

/// One page of customers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerPage {
    /// The customers.
    pub customers: Vec<Customer>,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// Finds customers of the tenant by field value, e-mail address or name words.
pub async fn search(
    ports: &Ports,
    tenant: &TenantId,
    query: &CustomerQuery,
) -> Result<CustomerPage, RequestError> {
    let limit = paging::limit(query.limit)?;
    let store = &*ports.store;
    if let Some(email) = &query.email {
        if query.field.is_some() || query.value.is_some() || query.name.is_some() {
            return Err(RequestError::invalid(
                "email",
                "look up by one of field and value, email, or name",
            ));
        }
        return by_email(ports, tenant, email, query.cursor.as_deref(), limit as u32).await;
    }
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
        (None, None, Some(name)) if name.trim().is_empty() => {
            let position = Position::decode(query.cursor.as_deref())?;
            let (page, next) =
                customers::list_by_name(store, tenant, "", position.store, limit as u32)
                    .await
                    .map_err(cursor_error)?;
            Ok(CustomerPage {
                customers: page,
                next_cursor: next_cursor(next),
            })
        }
        (None, None, Some(name)) => {
            by_name_words(ports, tenant, name, query.cursor.as_deref(), limit as u32).await
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
            "give field and value, email, or a name (may be empty to list everyone)",
        )),
    }
}

fn next_cursor(store: Option<crate::ports::PageCursor>) -> Option<String> {
    store.map(|store| {
        Position {
            store: Some(store),
            skip: 0,
        }
        .encode()
    })
}

/// Customers with this address: one query of their e-mail items, one `get` per customer.
async fn by_email(
    ports: &Ports,
    tenant: &TenantId,
    email: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<CustomerPage, RequestError> {
    let wanted = customers::normalize_email(email);
    if wanted.is_empty() || wanted.contains('#') {
        return Err(RequestError::invalid(
            "email",
            "give an e-mail address such as jan@example.com",
        ));
    }
    let store = &*ports.store;
    let position = Position::decode(cursor)?;
    let (ids, next) = customers::page_by_email(store, tenant, &wanted, position.store, limit)
        .await
        .map_err(cursor_error)?;
    let mut found = Vec::new();
    for id in ids {
        // The item and the customer are written together; checking the customer anyway keeps
        // a lookup honest should the two ever disagree.
        if let Some(customer) = customers::get(store, tenant, &id).await? {
            if customer
                .value
                .emails
                .iter()
                .any(|e| customers::normalize_email(e) == wanted)
            {
                found.push(customer.value);
            }
        }
    }
    Ok(CustomerPage {
        customers: found,
        next_cursor: next_cursor(next),
    })
}

/// Customers whose name has, for every word asked, a word starting with it ("now" and
/// "Nowak" find "Anna Nowak"; "anna now" too). Reads one page of the name-word items of the
/// longest word asked and one `get` per customer on it, so a page may hold fewer than `limit`
/// customers (more may follow: see `next_cursor`).
async fn by_name_words(
    ports: &Ports,
    tenant: &TenantId,
    name: &str,
    cursor: Option<&str>,
    limit: u32,
) -> Result<CustomerPage, RequestError> {
    let asked = words::words(name, customers::MAX_NAME_WORDS);
    let Some(longest) = asked.iter().max_by_key(|w| w.chars().count()).cloned() else {
        return Err(RequestError::invalid(
            "name",
            "give a word of the name (letters or digits), or leave it empty to list everyone",
        ));
    };
    let store = &*ports.store;
    let position = Position::decode(cursor)?;
    let (matches, next) =
        customers::page_by_name_word(store, tenant, &longest, position.store, limit)
            .await
            .map_err(cursor_error)?;
    let mut found = Vec::new();
    for (word, id) in matches {
        let Some(customer) = customers::get(store, tenant, &id).await? else {
            continue;
        };
        let own = words::words(&customer.value.name, customers::MAX_NAME_WORDS);
        let all_match = asked
            .iter()
            .all(|a| own.iter().any(|w| w.starts_with(a.as_str())));
        // A customer with two words matching the longest one has two items; it is shown at
        // the first of them only (items come in word order).
        let first_item = own
            .iter()
            .filter(|w| w.starts_with(longest.as_str()))
            .min()
            .is_some_and(|w| *w == word);
        if all_match && first_item {
            found.push(customer.value);
        }
    }
    Ok(CustomerPage {
        customers: found,
        next_cursor: next_cursor(next),
    })
}

/// The query of `GET /v1/customers/{id}`: paging of the customer's tickets.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CustomerTicketsQuery {
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

/// A customer with a page of their tickets.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetail {
    /// The customer.
    pub customer: Customer,
    /// Their tickets, most recent activity first.
    pub tickets: Vec<Ticket>,
    /// Pass as `cursor` for more tickets; `null` at the end.
    #[cfg_attr(feature = "openapi", schema(required = true))]
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
