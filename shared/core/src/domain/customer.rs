//! CRM customers, matched to buyers by a named custom field.

use crate::ids::{CustomerId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A CRM customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's id.
    pub id: CustomerId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// Display name.
    pub name: String,
    /// E-mail addresses (Allegro buyers get both the masked and the plain alias form).
    pub emails: Vec<String>,
    /// Named text fields, e.g. "Allegro login" → "jan_kowalski".
    pub custom_fields: BTreeMap<String, String>,
    /// When the customer was created.
    pub created_at: DateTime<Utc>,
}
