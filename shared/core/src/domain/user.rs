//! People who sign in: the admins and agents of one tenant.

use super::{Actor, Role};
use crate::ids::{TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The language of a user's screens and e-mails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Polish (the default: the sellers are Polish).
    #[default]
    Pl,
    /// English.
    En,
}

/// A user as listed: everything but the credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// The user's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: UserId,
    /// The tenant the user works for (one tenant per user).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// Normalized e-mail address (trimmed, lower case); unique across every tenant.
    #[cfg_attr(feature = "openapi", schema(format = "email"))]
    pub email: String,
    /// The name shown to colleagues and on the user's replies in the ticket.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// Language of the user's screens and e-mails.
    pub language: Language,
    /// Deactivated users cannot sign in and their sessions end.
    pub active: bool,
    /// Invited, not accepted yet: no password is set.
    pub invitation_pending: bool,
    /// When the user was created (invited).
    pub created_at: DateTime<Utc>,
    /// When the user was last changed.
    pub updated_at: DateTime<Utc>,
    /// Who created (invited) the user.
    pub created_by: Option<Actor>,
    /// Who changed the user last.
    pub updated_by: Option<Actor>,
}
