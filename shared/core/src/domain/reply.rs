//! Replies: messages agents and the autoresponder send to buyers, kept in an outbox until the
//! marketplace has them.

use super::actor::Actor;
use super::author::AuthorKind;
pub use super::reply_state::ReplyState;
use super::ticket::ConversationKind;
use crate::ids::{MessageId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The attached file of a reply, stored beside it (the bytes are in the file store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileRef {
    /// File name shown to the buyer.
    pub filename: String,
    /// Media type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// How many stored chunks hold the bytes.
    pub chunks: u32,
}

/// One reply in the outbox. `actor` is absent for autoresponses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    /// The reply's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: MessageId,
    /// The ticket answered.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub ticket_id: TicketId,
    /// An agent (`seller_via_marketdesk`) or the autoresponder.
    pub author: AuthorKind,
    /// Who sent it (the user's or the API key's name), when known. Shown in the ticket,
    /// never sent to the marketplace.
    pub author_name: Option<String>,
    /// Who sent it in marketdesk (a user or an API key); absent for autoresponses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub actor: Option<Actor>,
    /// Plain text as sent (the closure message when an `ask_to_confirm` reply had none).
    pub text: String,
    /// The attached file, if any.
    pub attachment: Option<FileRef>,
    /// Allegro disputes: sent as a request to confirm the problem is solved.
    pub ask_to_confirm: bool,
    /// Delivery state.
    pub state: ReplyState,
    /// The marketplace's message id once sent.
    pub external_id: Option<String>,
    /// Why delivery failed (last error while retrying, final reason when failed).
    pub failure: Option<String>,
    /// Delivery attempts made so far (since the last manual retry).
    pub attempts: u32,
    /// When the first attempt of this round began: an earlier attempt may have reached the
    /// marketplace unnoticed, so later attempts look for it from this time on.
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// When the attempt now under way began (cleared when it ends): a second worker leaves
    /// the reply alone while it is recent, and looks for its result once it is stale.
    #[serde(default)]
    pub attempt_started_at: Option<DateTime<Utc>>,
    /// The outbound job (`OutboundJob::job`) that began the attempt under way (internal): when
    /// that same job is delivered again, its worker died (live work keeps its message hidden),
    /// so a crashed worker's job resumes it at once instead of after the sender's `IN_FLIGHT`.
    #[serde(default)]
    pub attempt_job: Option<String>,
    /// Never deliver after this moment (autoresponses: 60 minutes after the buyer wrote).
    #[serde(default)]
    pub not_after: Option<DateTime<Utc>>,
    /// When the reply was written.
    pub created_at: DateTime<Utc>,
    /// When the marketplace took it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Whether its failure was reported to the integration's `alert_emails` (or there were
    /// none): each failure is reported once, however often its job is redelivered; a manual
    /// retry starts afresh.
    #[serde(default)]
    pub failure_reported: bool,
}

/// What a marketplace conversation accepts in one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyLimits {
    /// Shortest text, in characters.
    pub min_chars: usize,
    /// Longest text, in characters.
    pub max_chars: usize,
    /// Largest single attachment, in bytes.
    pub max_file_bytes: u64,
    /// Most attachment bytes over the whole conversation (EmpikPlace), if limited.
    pub max_conversation_bytes: Option<u64>,
    /// Media types allowed for attachments; `None` = any.
    pub content_types: Option<&'static [&'static str]>,
}

/// Media types Allegro accepts for attachments.
pub const ALLEGRO_CONTENT_TYPES: &[&str] = &[
    "image/png",
    "image/gif",
    "image/bmp",
    "image/tiff",
    "image/jpeg",
    "application/pdf",
];

/// 1 MiB.
const MIB: u64 = 1024 * 1024;

impl ReplyLimits {
    /// The limits of a conversation kind (allegro-api.md §5.3, §6; mirakl-api.md M12; the
    /// product's 10 MB per EmpikPlace conversation).
    pub fn of(kind: ConversationKind) -> Self {
        match kind {
            ConversationKind::AllegroDispute | ConversationKind::AllegroClaim => Self {
                min_chars: 1,
                max_chars: 20_000,
                max_file_bytes: 2 * MIB,
                max_conversation_bytes: None,
                content_types: Some(ALLEGRO_CONTENT_TYPES),
            },
            ConversationKind::AllegroPurchaseProblem | ConversationKind::AllegroCommonThread => {
                Self {
                    min_chars: 1,
                    max_chars: 2_000,
                    max_file_bytes: 5 * MIB,
                    max_conversation_bytes: None,
                    content_types: Some(ALLEGRO_CONTENT_TYPES),
                }
            }
            ConversationKind::EmpikThread => Self {
                min_chars: 3,
                max_chars: 50_000,
                max_file_bytes: 10_000_000,
                max_conversation_bytes: Some(10_000_000),
                content_types: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_follow_the_marketplace_endpoints() {
        assert_eq!(
            ReplyLimits::of(ConversationKind::AllegroClaim).max_chars,
            20_000
        );
        assert_eq!(
            ReplyLimits::of(ConversationKind::AllegroCommonThread).max_file_bytes,
            5 * 1024 * 1024
        );
        assert_eq!(
            ReplyLimits::of(ConversationKind::EmpikThread).max_conversation_bytes,
            Some(10_000_000)
        );
        assert!(ReplyLimits::of(ConversationKind::EmpikThread)
            .content_types
            .is_none());
    }
}
