//! CRM customers, matched to buyers by a named custom field.

use super::erp::TradeDetails;
use super::Actor;
use crate::ids::{CustomerId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A CRM customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    /// The customer's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: CustomerId,
    /// The owning tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// Display name.
    pub name: String,
    /// E-mail addresses (Allegro buyers get both the masked and the plain alias form).
    pub emails: Vec<String>,
    /// Named values, e.g. `Allegro login` → `jan_kowalski`; each value identifies this customer
    /// in the tenant: no other customer of the tenant holds the same field with the same value.
    pub custom_fields: BTreeMap<String, String>,
    /// Phone number, as written.
    #[serde(default)]
    pub phone: Option<String>,
    /// A free-text note for colleagues.
    #[serde(default)]
    pub note: Option<String>,
    /// Field values kept from merged records where this customer had its own value (e.g. a
    /// second Allegro login); they still find this customer, so the buyer's next conversation
    /// under that login is linked here.
    #[serde(default)]
    pub other_field_values: Vec<FieldValue>,
    /// When the customer was created.
    pub created_at: DateTime<Utc>,
    /// When a person or key last changed the customer (edit or merge).
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Who last changed or merged the customer.
    #[serde(default)]
    pub updated_by: Option<Actor>,
    /// Company, NIP, addresses and customer type from the buyer's orders (the ERP card):
    /// addresses and type from the latest order, company and NIP from the latest order that
    /// had them; `null` until an order of theirs is stored.
    #[serde(default)]
    pub trade: Option<TradeDetails>,
}

/// One custom field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldValue {
    /// The field's name, e.g. "Allegro login".
    pub field: String,
    /// Its value.
    pub value: String,
}

/// Field names compare case-insensitively and without surrounding white space
/// ("Allegro login" = "allegro login "), as their lookup items do.
pub fn field_key(field: &str) -> String {
    field.trim().to_lowercase()
}

impl Customer {
    /// A customer with a name and nothing else yet.
    pub fn new(
        id: CustomerId,
        tenant_id: TenantId,
        name: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            tenant_id,
            name: name.into(),
            emails: Vec::new(),
            custom_fields: BTreeMap::new(),
            phone: None,
            note: None,
            other_field_values: Vec::new(),
            created_at,
            updated_at: None,
            updated_by: None,
            trade: None,
        }
    }

    /// Every (field, value) pair that identifies this customer: its custom fields and the
    /// values kept from merged records.
    pub fn identifying_values(&self) -> Vec<FieldValue> {
        self.custom_fields
            .iter()
            .map(|(field, value)| FieldValue {
                field: field.clone(),
                value: value.clone(),
            })
            .chain(self.other_field_values.iter().cloned())
            .collect()
    }

    /// Takes in what `other` (the same person's second record) knows. This customer's own
    /// values win; what it lacks comes from `other`; e-mail addresses and field values are
    /// unioned, and a field both hold with different values keeps `other`'s value in
    /// [`Customer::other_field_values`], so both marketplace logins keep finding the person.
    pub fn absorb(&mut self, other: &Customer) {
        if self.name.trim().is_empty() {
            self.name = other.name.clone();
        }
        for email in &other.emails {
            if !self.emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                self.emails.push(email.clone());
            }
        }
        for pair in other.identifying_values() {
            let own = self
                .custom_fields
                .iter()
                .find(|(field, _)| field_key(field) == field_key(&pair.field))
                .map(|(_, value)| value.clone());
            match own {
                None => {
                    self.custom_fields.insert(pair.field, pair.value);
                }
                Some(value) if value == pair.value => {}
                Some(_) => {
                    let known = self.other_field_values.iter().any(|kept| {
                        field_key(&kept.field) == field_key(&pair.field) && kept.value == pair.value
                    });
                    if !known {
                        self.other_field_values.push(pair);
                    }
                }
            }
        }
        if self.phone.is_none() {
            self.phone = other.phone.clone();
        }
        if self.note.is_none() {
            self.note = other.note.clone();
        }
    }
}
