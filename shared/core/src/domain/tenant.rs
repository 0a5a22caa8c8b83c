//! Tenants: the seller companies using marketdesk.

use crate::ids::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A seller's company; every other entity belongs to exactly one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    /// The tenant's id.
    pub id: TenantId,
    /// Display name of the company.
    pub name: String,
    /// When the tenant was created.
    pub created_at: DateTime<Utc>,
}
