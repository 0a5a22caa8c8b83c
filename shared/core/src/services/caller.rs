//! Who is calling the API: a person with a session or a program with an API key.
//!
//! Both authenticate to the same [`Caller`]: the tenant the call may reach, the role that
//! says what it may do, and the [`Actor`] every write records as its author.

use crate::domain::{Actor, Role};
use crate::ids::TenantId;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant whose data the call may reach (and no other).
    pub tenant_id: TenantId,
    /// What the call may do (the user's current role, or the key's).
    pub role: Role,
    /// Who is acting: recorded on every write.
    pub actor: Actor,
    /// The session used, as the SHA-256 of its token (never the token); `None` for API keys.
    pub session: Option<String>,
}

impl Caller {
    /// Whether the call came with a session cookie (so writes need the CSRF token).
    pub fn has_session(&self) -> bool {
        self.session.is_some()
    }
}
