//! API keys: how agents' and admins' programs authenticate to the agent API.

use crate::ids::{ApiKeyId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a key may do.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads tickets and customers, comments (and, later, replies).
    Agent,
    /// Everything an agent may do, plus integrations and API keys.
    Admin,
}

impl Role {
    /// The role's name in the API and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// Whether the role may administer the tenant (integrations, keys).
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "agent" => Ok(Role::Agent),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?}: expected agent or admin")),
        }
    }
}

/// An API key as listed: everything but the secret, which is shown once at creation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    /// The key's public id (used to revoke it).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ApiKeyId,
    /// The tenant whose data the key reaches.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// What the key may do.
    pub role: Role,
    /// A label chosen by whoever created it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
    /// The key's first characters, to tell keys apart, e.g. `mdk_AbCd…`.
    pub hint: String,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
}
