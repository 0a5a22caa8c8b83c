//! The audit log: who changed what, when, with the state before and after.

use crate::domain::Actor;
use crate::ids::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What kind of thing an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// One recorded change. `actor` `null`: the operator's command line or marketdesk itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// The entry's id (time-ordered).
    pub id: String,
    /// The tenant whose data changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// Who made it; `null` for the operator's command line or marketdesk itself.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub actor: Option<Actor>,
    /// What was done, `<subject kind>.<verb>` (e.g. `integration.updated`,
    /// `ticket.reply_submitted`, `api_key.revoked`).
    pub action: String,
    /// What it was done to.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub subject: Subject,
    /// The state before the change (`null` for a creation). Secrets (passwords, tokens, keys
    /// and hashes) read `[redacted]`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, required = true))]
    pub before: Option<Value>,
    /// The state after the change (`null` for a deletion); secrets redacted.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, required = true))]
    pub after: Option<Value>,
}
