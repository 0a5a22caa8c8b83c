//! A new message's common parts, before it joins an issue's chat or a thread.

use super::Inbox;
use chrono::{DateTime, Utc};

/// What every new message has, whichever conversation it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Id (uuid).
    pub id: String,
    /// The inbox's creation counter for it.
    pub seq: u64,
    /// Author login, if the API shows one.
    pub login: Option<String>,
    /// Text.
    pub text: String,
    /// Attachment ids.
    pub attachments: Vec<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl Draft {
    /// A message with a fresh id and the inbox's next creation counter.
    pub fn new(
        inbox: &mut Inbox,
        login: Option<String>,
        text: String,
        attachments: Vec<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            seq: inbox.next_seq(),
            login,
            text,
            attachments,
            created_at,
        }
    }
}
