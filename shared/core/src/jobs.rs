//! The messages that travel on the queues between the functions.

use crate::domain::{Attachment, AuthorKind, Channel, ConversationRef, TicketPanel};
use crate::ids::{IntegrationId, MessageId, TenantId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Scheduler → poller: poll one channel of one integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollJob {
    /// The tenant owning the integration.
    pub tenant_id: TenantId,
    /// The integration to poll.
    pub integration_id: IntegrationId,
    /// Which inbox to poll.
    pub channel: Channel,
    /// The poll lease token this job holds (`services::polling`); absent in jobs queued by
    /// older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<String>,
    /// Until when the account counts as active: the poller queues a follow-up re-read
    /// while this lies ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_until: Option<DateTime<Utc>>,
    /// The time on its inbox's cadence grid (`core::polling`) this read is for: the poller
    /// skips the job when the inbox was read at or after it. Absent in an explicit "poll
    /// now" (a re-read of an active conversation, a manual refresh) and in jobs queued by
    /// older versions: those always read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
}

impl PollJob {
    /// A job for one channel of one integration, holding no lease yet.
    pub fn new(tenant_id: TenantId, integration_id: IntegrationId, channel: Channel) -> Self {
        Self {
            tenant_id,
            integration_id,
            channel,
            lease: None,
            active_until: None,
            due_at: None,
        }
    }

    /// This job for the read due at `due_at` on its inbox's cadence grid.
    pub fn due(mut self, due_at: DateTime<Utc>) -> Self {
        self.due_at = Some(due_at);
        self
    }
}

/// Poller → ingest: the current state of one marketplace conversation with messages read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    /// The tenant owning the integration.
    pub tenant_id: TenantId,
    /// The integration the conversation was read from.
    pub integration_id: IntegrationId,
    /// The marketplace's identity of the conversation.
    pub conversation: ConversationRef,
    /// The buyer's reason or the thread topic.
    pub subject: String,
    /// The marketplace's status, verbatim.
    pub marketplace_status: String,
    /// Whether the marketplace still accepts messages.
    pub open_for_replies: bool,
    /// Buyer's login (Allegro) or customer id (EmpikPlace): the CRM match key.
    pub buyer_login: String,
    /// Buyer's display name, when the marketplace tells it.
    #[serde(default)]
    pub buyer_name: Option<String>,
    /// Buyer's e-mail addresses (Allegro: the masked and the plain alias form).
    #[serde(default)]
    pub buyer_emails: Vec<String>,
    /// The order behind the conversation.
    pub order_id: Option<String>,
    /// Reason, links and products for the ticket panel.
    #[serde(default)]
    pub panel: TicketPanel,
    /// EmpikPlace: Mirakl's `shop_reply_needed_since` of the thread as read (`None`: the shop
    /// answered; always `None` for Allegro).
    #[serde(default)]
    pub shop_reply_needed_since: Option<DateTime<Utc>>,
    /// Messages read in this poll (possibly overlapping earlier polls).
    pub messages: Vec<InboundMessage>,
}

/// An [`InboundEvent`] as it travels on the inbound queue: with the time the poller read it,
/// so ingest can tell a late, older reading from a newer one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundDelivery {
    /// The event.
    #[serde(flatten)]
    pub event: InboundEvent,
    /// When the poller read the marketplace; absent in events queued by older versions.
    #[serde(default)]
    pub observed_at: Option<DateTime<Utc>>,
}

/// One marketplace message inside an [`InboundEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    /// The marketplace's message id.
    pub external_id: String,
    /// Who wrote it.
    pub author: AuthorKind,
    /// Author's display name, if given.
    pub author_name: Option<String>,
    /// Plain text.
    pub text: String,
    /// Attached files.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The marketplace's timestamp.
    pub created_at: DateTime<Utc>,
}

/// API or ingest → sender: deliver one stored reply to the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundJob {
    /// The tenant owning the ticket.
    pub tenant_id: TenantId,
    /// The ticket replied to.
    pub ticket_id: TicketId,
    /// The stored reply to deliver.
    pub reply_id: MessageId,
    /// This queue message's own id (a redelivery carries the same one, a second job for the
    /// same reply another): tells the sender whether an attempt under way was its own, cut
    /// short by a crash. Absent in jobs queued by older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}
