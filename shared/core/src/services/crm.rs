//! Editing CRM customers: changing their details and merging two records of one person.
//!
//! Every change records its actor (`Caller::actor`) on the customer (`updated_by`). The one
//! place each change is committed is marked `change committed` for the audit log.

use super::caller::Caller;
use super::request::RequestError;
use super::validation;
use crate::domain::customer::field_key;
use crate::domain::Customer;
use crate::ids::{CustomerId, TenantId};
use crate::ports::Ports;
use crate::repo::customers::{self, CustomerWriteError, MergedInto};
use crate::repo::{is_conflict, tickets, Versioned};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// Longest customer name.
pub const MAX_NAME_CHARS: usize = 200;
/// Most e-mail addresses of one customer.
pub const MAX_EMAILS: usize = 10;
/// Longest phone number as written.
pub const MAX_PHONE_CHARS: usize = 40;
/// Longest note.
pub const MAX_NOTE_CHARS: usize = 5000;
/// Most custom fields of one customer.
pub const MAX_CUSTOM_FIELDS: usize = 20;
/// Longest custom field name.
pub const MAX_FIELD_NAME_CHARS: usize = 50;
/// Longest custom field value.
pub const MAX_FIELD_VALUE_CHARS: usize = 150;
/// Most identifying values (custom fields and values kept from merges) of one customer:
/// bounds the merge's single transaction.
pub const MAX_IDENTIFYING_VALUES: usize = 30;
/// How often a lost optimistic-update race is retried before answering 409.
const ATTEMPTS: usize = 5;
/// Ticket links read per step while a merge moves tickets.
const TICKETS_PER_STEP: u32 = 100;

/// A one-line label as `validation::label` checks it (the document's pattern): not blank, no
/// control characters.
#[cfg(feature = "openapi")]
const LABEL_PATTERN: &str =
    r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";

/// The document's schema of `CustomerPatch::custom_fields` (utoipa 4 has no `maxProperties`).
#[cfg(feature = "openapi")]
fn custom_fields_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, SchemaType};
    let value = ObjectBuilder::new()
        .schema_type(SchemaType::String)
        .min_length(Some(1))
        .max_length(Some(MAX_FIELD_VALUE_CHARS))
        .pattern(Some(LABEL_PATTERN))
        .nullable(true);
    ObjectBuilder::new()
        .schema_type(SchemaType::Object)
        .max_properties(Some(MAX_CUSTOM_FIELDS))
        .additional_properties(Some(value))
        .description(Some(
            "Fields to set (names 1 to 50 characters, ignoring case; values 1 to 150); `null` \
             removes a field; fields not named stay. At most 20 fields.",
        ))
        .build()
}

/// Tells "absent" (`None`) from "null" (`Some(None)`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The body of `PATCH /v1/customers/{id}`: only what is given changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    /// New name (not blank).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: Option<String>,
    /// The complete list (replaces the stored one); duplicates ignoring case are dropped.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, max_items = 10, format = "email", max_length = 254)
    )]
    pub emails: Option<Vec<String>>,
    /// A phone number such as +48 600 100 200 (`null` clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 40,
            pattern = r"^\s*[+ ()./-]*[0-9][+ ()./-]*[0-9][+ ()./-]*[0-9][0-9+ ()./-]*\s*$"
        )
    )]
    pub phone: Option<Option<String>>,
    /// Custom fields to set; a field given `null` is removed, fields not named stay.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = custom_fields_schema))]
    pub custom_fields: Option<BTreeMap<String, Option<String>>>,
    /// Plain text for colleagues; HTML is refused. `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 5000,
            pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
        )
    )]
    pub note: Option<Option<String>>,
}

/// The body of `POST /v1/customers/{id}/merge`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The other customer's id (another record of the same person): merged into this one and
    /// removed.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9_-]+$")
    )]
    pub from: String,
}

fn check_emails(list: &[String]) -> Result<Vec<String>, RequestError> {
    if list.len() > MAX_EMAILS {
        return Err(RequestError::invalid(
            "emails",
            format!("at most {MAX_EMAILS} addresses"),
        ));
    }
    let mut kept: Vec<String> = Vec::new();
    for (i, address) in list.iter().enumerate() {
        let address = address.trim();
        validation::email(&format!("emails[{i}]"), address)?;
        if address.contains('#') {
            return Err(RequestError::invalid(
                format!("emails[{i}]"),
                format!("{address:?} is not an e-mail address such as shop@example.com"),
            ));
        }
        if !kept.iter().any(|k| k.eq_ignore_ascii_case(address)) {
            kept.push(address.to_owned());
        }
    }
    Ok(kept)
}

fn check_phone(written: &str) -> Result<String, RequestError> {
    let phone = written.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.' | '/'));
    if !allowed || digits < 3 || written.chars().count() > MAX_PHONE_CHARS {
        return Err(RequestError::invalid(
            "phone",
            format!(
                "must be a phone number such as +48 600 100 200 (digits, spaces, + - ( ) . /; \
                 at most {MAX_PHONE_CHARS} characters)"
            ),
        ));
    }
    Ok(phone.to_owned())
}

fn apply_custom_fields(
    fields: &mut BTreeMap<String, String>,
    patch: BTreeMap<String, Option<String>>,
) -> Result<(), RequestError> {
    let mut seen = Vec::new();
    for (name, value) in patch {
        let at = format!("custom_fields.{name}");
        validation::label(&at, &name, MAX_FIELD_NAME_CHARS)?;
        let key = field_key(&name);
        if seen.contains(&key) {
            return Err(RequestError::invalid(
                at,
                "names the same field as another entry (field names ignore case)",
            ));
        }
        seen.push(key.clone());
        // One field per name whatever its case: the new spelling replaces the old one.
        fields.retain(|stored, _| field_key(stored) != key);
        if let Some(value) = value {
            validation::label(&at, &value, MAX_FIELD_VALUE_CHARS)?;
            fields.insert(name.trim().to_owned(), value.trim().to_owned());
        }
    }
    if fields.len() > MAX_CUSTOM_FIELDS {
        return Err(RequestError::invalid(
            "custom_fields",
            format!("a customer has at most {MAX_CUSTOM_FIELDS} custom fields"),
        ));
    }
    Ok(())
}

/// Applies a patch to a copy of `stored`, checking every field.
fn patched(stored: &Customer, patch: &CustomerPatch) -> Result<Customer, RequestError> {
    let mut next = stored.clone();
    if let Some(name) = &patch.name {
        validation::label("name", name, MAX_NAME_CHARS)?;
        next.name = name.trim().to_owned();
    }
    if let Some(emails) = &patch.emails {
        next.emails = check_emails(emails)?;
    }
    if let Some(phone) = &patch.phone {
        next.phone = phone.as_deref().map(check_phone).transpose()?;
    }
    if let Some(note) = &patch.note {
        if let Some(text) = note {
            validation::plain_text("note", text, MAX_NOTE_CHARS)?;
        }
        next.note = note.clone();
    }
    if let Some(fields) = &patch.custom_fields {
        apply_custom_fields(&mut next.custom_fields, fields.clone())?;
    }
    if next.identifying_values().len() > MAX_IDENTIFYING_VALUES {
        return Err(RequestError::invalid(
            "custom_fields",
            format!("a customer has at most {MAX_IDENTIFYING_VALUES} field values"),
        ));
    }
    Ok(next)
}

fn field_taken(field: String, value: String, holder: CustomerId) -> RequestError {
    RequestError::invalid(
        format!("custom_fields.{field}"),
        format!(
            "{value:?} belongs to customer {holder}; if it is the same person, merge the two \
             (POST /v1/customers/{{id}}/merge)"
        ),
    )
}

/// Changes a customer's details; the caller is recorded as `updated_by`.
pub async fn update(
    ports: &Ports,
    caller: &Caller,
    id: &CustomerId,
    patch: CustomerPatch,
) -> Result<Customer, RequestError> {
    let store = &*ports.store;
    let tenant = &caller.tenant_id;
    for _ in 0..ATTEMPTS {
        let stored = customers::get(store, tenant, id)
            .await?
            .ok_or(RequestError::NotFound("customer"))?;
        let mut next = patched(&stored.value, &patch)?;
        if next == stored.value {
            return Ok(next);
        }
        next.updated_at = Some(ports.clock.now());
        next.updated_by = Some(caller.actor.clone());
        match customers::update(store, &stored, &next).await {
            Ok(()) => {
                // change committed: customer.updated (before: stored.value, after: next)
                tracing::info!(tenant = %tenant, customer = %id, "customer updated");
                return Ok(next);
            }
            Err(CustomerWriteError::FieldTaken {
                field,
                value,
                holder,
            }) => return Err(field_taken(field, value, holder)),
            Err(CustomerWriteError::Repo(e)) if is_conflict(&e) => continue,
            Err(CustomerWriteError::Repo(e)) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the customer kept changing; try again".into(),
    ))
}

/// Merges customer `request.from` into `id`: the other record's tickets move here, its
/// details merge in (this customer's values win; e-mail addresses and field values are
/// unioned) and it is removed, its field lookups now finding this customer. Safe to repeat:
/// once done, the same request answers the merged customer again (and moves any ticket
/// linked to the removed record meanwhile).
pub async fn merge(
    ports: &Ports,
    caller: &Caller,
    id: &CustomerId,
    request: MergeRequest,
) -> Result<Customer, RequestError> {
    let store = &*ports.store;
    let tenant = &caller.tenant_id;
    let from = CustomerId::parse(request.from.trim())
        .map_err(|_| RequestError::invalid("from", "must be a customer id"))?;
    if &from == id {
        return Err(RequestError::invalid(
            "from",
            "is this customer; name the other record of the same person",
        ));
    }
    for _ in 0..ATTEMPTS {
        let kept = customers::get(store, tenant, id)
            .await?
            .ok_or(RequestError::NotFound("customer"))?;
        let Some(other) = customers::get(store, tenant, &from).await? else {
            return match customers::merged_into(store, tenant, &from).await? {
                Some(done) if &done.into == id => {
                    move_tickets(ports, tenant, &from, id).await?;
                    Ok(kept.value)
                }
                Some(done) => Err(RequestError::invalid(
                    "from",
                    format!("was merged into customer {} already", done.into),
                )),
                None => Err(RequestError::invalid(
                    "from",
                    format!("no customer {from} in this tenant"),
                )),
            };
        };
        move_tickets(ports, tenant, &from, id).await?;
        let next = merged(ports, caller, &kept, &other)?;
        let record = MergedInto {
            into: id.clone(),
            merged_at: ports.clock.now(),
            merged_by: Some(caller.actor.clone()),
        };
        match customers::merge(store, &kept, &next, &other, &record).await {
            Ok(()) => {
                // change committed: customer.merged (kept: kept.value → next, removed: other.value)
                tracing::info!(tenant = %tenant, customer = %id, merged = %from, "customers merged");
                // A ticket ingest linked to the other record while the merge ran.
                move_tickets(ports, tenant, &from, id).await?;
                return Ok(next);
            }
            Err(e) if is_transient_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "the customers kept changing; try again".into(),
    ))
}

fn is_transient_conflict(error: &crate::repo::RepoError) -> bool {
    is_conflict(error)
        || matches!(
            error,
            crate::repo::RepoError::Store(crate::ports::StoreError::TransactionCancelled(_))
        )
}

/// The kept customer with the other's details merged in, checked against the limits that
/// keep the merge one transaction.
fn merged(
    ports: &Ports,
    caller: &Caller,
    kept: &Versioned<Customer>,
    other: &Versioned<Customer>,
) -> Result<Customer, RequestError> {
    let mut next = kept.value.clone();
    next.absorb(&other.value);
    if next.emails.len() > 2 * MAX_EMAILS {
        return Err(RequestError::invalid(
            "from",
            format!(
                "together the two have {} e-mail addresses; remove some first (at most {})",
                next.emails.len(),
                2 * MAX_EMAILS
            ),
        ));
    }
    let values = next.identifying_values().len();
    if values > MAX_IDENTIFYING_VALUES {
        return Err(RequestError::invalid(
            "from",
            format!(
                "together the two have {values} field values; remove some first (at most \
                 {MAX_IDENTIFYING_VALUES})"
            ),
        ));
    }
    next.updated_at = Some(ports.clock.now());
    next.updated_by = Some(caller.actor.clone());
    Ok(next)
}

/// Moves every ticket linked to `from` to `to`, one versioned write per ticket.
async fn move_tickets(
    ports: &Ports,
    tenant: &TenantId,
    from: &CustomerId,
    to: &CustomerId,
) -> Result<(), RequestError> {
    let store = &*ports.store;
    loop {
        // Every link read is moved or removed below, so the next read starts afresh.
        let linked = customers::linked_tickets(store, tenant, from, TICKETS_PER_STEP).await?;
        if linked.is_empty() {
            return Ok(());
        }
        for ticket_id in linked {
            move_ticket(ports, tenant, &ticket_id, from, to).await?;
        }
    }
}

async fn move_ticket(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &crate::ids::TicketId,
    from: &CustomerId,
    to: &CustomerId,
) -> Result<(), RequestError> {
    let store = &*ports.store;
    for _ in 0..ATTEMPTS {
        let Some(stored) = tickets::get(store, tenant, ticket_id).await? else {
            customers::unlink_ticket(store, tenant, from, ticket_id).await?;
            return Ok(());
        };
        if stored.value.customer_id.as_ref() != Some(from) {
            // A stale link: the ticket belongs to someone else now.
            customers::unlink_ticket(store, tenant, from, ticket_id).await?;
            return Ok(());
        }
        let mut ticket = stored.value;
        ticket.customer_id = Some(to.clone());
        match tickets::move_to_customer(store, &ticket, stored.version, from).await {
            Ok(()) => return Ok(()),
            Err(e) if is_conflict(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(RequestError::Conflict(
        "a ticket of the customer kept changing; try the merge again".into(),
    ))
}
