//! Saved replies: a tenant's reusable answers, per language, with placeholders.

use super::{Actor, Language};
use crate::ids::{SavedReplyId, TenantId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A reusable answer text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedReply {
    /// The saved reply's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: SavedReplyId,
    /// The owning tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// Short title agents pick it by.
    pub title: String,
    /// The language the text is written in.
    pub language: Language,
    /// Plain text with placeholders (`{buyer_login}`, `{buyer_name}`, `{order_id}`,
    /// `{shop_name}`, `{agent_name}`).
    pub text: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: Option<Actor>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: Option<Actor>,
}
