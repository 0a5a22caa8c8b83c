//! Who did something: a person signed in, or a program with an API key.

use crate::ids::{ApiKeyId, UserId};
use serde::{Deserialize, Serialize};

/// The author of a write, recorded on what it created or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A person signed in with a session.
    User {
        /// The user's id.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: UserId,
        /// The user's name at the time of the write.
        name: String,
    },
    /// A program presenting an API key.
    ApiKey {
        /// The key's public id.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        id: ApiKeyId,
        /// The API key's label, if it has one.
        name: Option<String>,
    },
}

impl Actor {
    /// The name shown as the author (the person's name, or the key's label).
    pub fn display_name(&self) -> Option<String> {
        match self {
            Actor::User { name, .. } => Some(name.clone()),
            Actor::ApiKey { name, .. } => name.clone(),
        }
    }

    /// The user behind the write, when it was a person.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Actor::User { id, .. } => Some(id),
            Actor::ApiKey { .. } => None,
        }
    }
}
