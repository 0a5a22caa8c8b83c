//! The audit log: who changed what, when, with the state before and after.

use crate::domain::Actor;
use crate::ids::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What kind of thing an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A ticket (status, assignment, replies, comments).
    Ticket,
    /// A marketplace integration and its settings.
    Integration,
    /// An API key.
    ApiKey,
    /// A person's account.
    User,
    /// A CRM customer.
    Customer,
    /// A webhook endpoint.
    Webhook,
    /// A marketplace order.
    Order,
}

impl SubjectKind {
    /// The kind's name in the API and in store keys.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Ticket => "ticket",
            SubjectKind::Integration => "integration",
            SubjectKind::ApiKey => "api_key",
            SubjectKind::User => "user",
            SubjectKind::Customer => "customer",
            SubjectKind::Webhook => "webhook",
            SubjectKind::Order => "order",
        }
    }
}

/// The thing an audit entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// What kind of thing it is.
    pub kind: SubjectKind,
    /// Its id.
    pub id: String,
}

impl Subject {
    /// The subject `kind` with id `id`.
    pub fn new(kind: SubjectKind, id: impl std::fmt::Display) -> Self {
        Self {
            kind,
            id: id.to_string(),
        }
    }
}

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's id (time-ordered).
    pub id: String,
    /// The tenant whose data changed.
    pub tenant_id: TenantId,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// Who made it; `null` for the operator's command line or marketdesk itself.
    pub actor: Option<Actor>,
    /// What was done, `<subject kind>.<verb>` (e.g. `integration.updated`).
    pub action: String,
    /// What it was done to.
    pub subject: Subject,
    /// The state before the change (`null` for a creation); secrets redacted.
    pub before: Option<Value>,
    /// The state after the change (`null` for a deletion); secrets redacted.
    pub after: Option<Value>,
}
