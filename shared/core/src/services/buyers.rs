//! Finding a marketplace buyer in the CRM by the integration's login field, or creating them:
//! the one matching rule shared by the helpdesk (a conversation's buyer, `ingest`) and the
//! orders (an order's buyer, `erp`).

use crate::domain::Customer;
use crate::ids::{CustomerId, TenantId};
use crate::ports::Ports;
use crate::repo::{customers, RepoError};

/// A buyer as a marketplace names them.
#[derive(Debug, Clone, Default)]
pub struct Buyer {
    /// The marketplace login (or customer id): the value of the CRM field.
    pub login: String,
    /// Their name, if known (else the login is the customer's name).
    pub name: Option<String>,
    /// E-mail addresses to give a new customer.
    pub emails: Vec<String>,
}

/// The customer whose `field` holds the buyer's login, or a new one with it filled in (two
/// workers meeting the same new buyer make one customer: the field's guard is unique).
/// `None` when the field or the login is empty.
pub async fn find_or_create(
    ports: &Ports,
    tenant: &TenantId,
    field: &str,
    buyer: &Buyer,
) -> Result<Option<CustomerId>, RepoError> {
    let field = field.trim();
    if field.is_empty() || buyer.login.is_empty() {
        return Ok(None);
    }
    let store = &*ports.store;
    if let Some(id) = customers::find_by_field(store, tenant, field, &buyer.login).await? {
        return Ok(Some(id));
    }
    let name = buyer
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| buyer.login.clone());
    let customer = Customer {
        emails: buyer.emails.clone(),
        custom_fields: [(field.to_owned(), buyer.login.clone())]
            .into_iter()
            .collect(),
        ..Customer::new(
            CustomerId::generate(),
            tenant.clone(),
            name,
            ports.clock.now(),
        )
    };
    Ok(Some(customers::create(store, &customer).await?))
}
