//! Tickets: one per buyer conversation, whichever marketplace endpoint it came from.

use super::author::AuthorKind;
use super::marketplace::Marketplace;
use super::reply_state::ReplyState;
use super::ticket_status::TicketStatus;
use crate::ids::{CustomerId, IntegrationId, TenantId, TicketId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of marketplace conversation a ticket mirrors.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Allegro `/sale/issues` of type DISPUTE.
    AllegroDispute,
    /// Allegro `/sale/issues` of type CLAIM.
    AllegroClaim,
    /// Allegro Message Center thread of type POST_PURCHASE_ISSUE.
    AllegroPurchaseProblem,
    /// Allegro Message Center thread of type COMMON (a buyer's question).
    AllegroCommonThread,
    /// EmpikPlace (Mirakl) inbox thread.
    EmpikThread,
}

impl ConversationKind {
    /// The marketplace endpoint whose ids this kind shares: an Allegro issue keeps its id when
    /// a dispute becomes a claim, so both kinds are one id space (one ticket per issue).
    pub fn id_space(self) -> &'static str {
        match self {
            ConversationKind::AllegroDispute | ConversationKind::AllegroClaim => "allegro_issue",
            ConversationKind::AllegroPurchaseProblem | ConversationKind::AllegroCommonThread => {
                "allegro_thread"
            }
            ConversationKind::EmpikThread => "empik_thread",
        }
    }

    /// The inbox this kind of conversation is read from and answered in.
    pub fn channel(self) -> super::cursor::Channel {
        use super::cursor::Channel;
        match self {
            ConversationKind::AllegroDispute | ConversationKind::AllegroClaim => {
                Channel::AllegroIssues
            }
            ConversationKind::AllegroPurchaseProblem | ConversationKind::AllegroCommonThread => {
                Channel::AllegroMessaging
            }
            ConversationKind::EmpikThread => Channel::EmpikThreads,
        }
    }

    /// The marketplace this kind of conversation lives on.
    pub fn source(self) -> Marketplace {
        match self {
            ConversationKind::EmpikThread => Marketplace::Empik,
            _ => Marketplace::Allegro,
        }
    }
}

/// The marketplace's own identity of a conversation: the key that makes ingest idempotent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConversationRef {
    /// Kind of conversation.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub kind: ConversationKind,
    /// The marketplace's id (issue id, thread id).
    pub external_id: String,
}

/// One product of the order behind a ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelProduct {
    /// Product or offer name.
    pub name: String,
    /// Quantity ordered.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub quantity: u32,
    /// The marketplace's offer or product id.
    pub offer_id: Option<String>,
    /// Link to the offer as the buyer sees it.
    pub offer_url: Option<String>,
    /// EAN (GTIN), when the marketplace tells it.
    pub ean: Option<String>,
}

/// What the ticket panel shows about the conversation beside the messages.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketPanel {
    /// The marketplace's reason code or subtype, verbatim (the subject is its readable form).
    pub reason_code: Option<String>,
    /// Link to the conversation on the marketplace.
    pub conversation_url: Option<String>,
    /// Link to the order in the seller panel or back office.
    pub order_url: Option<String>,
    /// The order's products; empty when the marketplace no longer returns the order.
    pub products: Vec<PanelProduct>,
}

/// The latest buyer-visible message of a ticket, shortened, as lists show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePreview {
    /// Who wrote it.
    pub author: AuthorKind,
    /// The author's name, when known.
    #[serde(default)]
    pub author_name: Option<String>,
    /// Its text, at most `services::preview::PREVIEW_CHARS` characters (an ellipsis marks a cut).
    pub text: String,
}

/// A ticket: one buyer conversation with its CRM link and workflow state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: TicketId,
    /// The owning tenant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    /// The integration (marketplace account) the conversation belongs to.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub integration_id: IntegrationId,
    /// The marketplace conversation mirrored.
    pub conversation: ConversationRef,
    /// The marketplace (Allegro or EmpikPlace), shown and filtered on; always
    /// `conversation.kind.source()`, stored so lists need not derive it.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub source: Marketplace,
    /// The buyer's reason (Allegro) or the thread topic (EmpikPlace).
    pub subject: String,
    /// Workflow status, mapped from the marketplace status by the integration's settings;
    /// the mapping's `open` while a person has to answer (`status::shown_status`); an agent's
    /// status while it holds (`services::workflow`).
    pub status: TicketStatus,
    /// The marketplace's own status, verbatim (unknown values included).
    pub marketplace_status: String,
    /// Whether the marketplace still accepts messages (Allegro `chatActive`, thread OPEN).
    pub open_for_replies: bool,
    /// When the marketplace state above was read; an older reading delivered late never
    /// overwrites a newer one.
    #[serde(default)]
    pub marketplace_observed_at: Option<DateTime<Utc>>,
    /// Queue the ticket sits in.
    pub queue: Option<String>,
    /// Category of the ticket.
    pub category: Option<String>,
    /// Buyer's marketplace login (Allegro) or customer id (EmpikPlace).
    pub buyer_login: String,
    /// Linked CRM customer, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    /// The marketplace order behind the conversation.
    pub order_id: Option<String>,
    /// Reason, links and products shown beside the messages.
    #[serde(default)]
    pub panel: TicketPanel,
    /// Who wrote the latest message the buyer can see.
    pub last_author: Option<AuthorKind>,
    /// Whether a person has to answer (rules: docs/architecture.md, "Ticket state";
    /// `status::TicketState`).
    pub needs_reply: bool,
    /// Delivery state of the ticket's latest reply from marketdesk (an agent's or the
    /// autoresponder's; cancelled ones aside); `None` before the first. `failed`: it could not
    /// be sent and the ticket needs a reply.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<super::reply_state::DeliveryFilter>, inline))]
    pub delivery: Option<ReplyState>,
    /// When the ticket was created.
    pub created_at: DateTime<Utc>,
    /// Latest activity (message or status change): lists are ordered by it.
    pub updated_at: DateTime<Utc>,
    /// Which opening of the conversation this is: 1, then one more each time the conversation
    /// is reopened.
    #[serde(default = "first_opening")]
    pub opening: u32,
    /// Messages at or before this time belong to earlier openings (set on reopening).
    #[serde(default)]
    pub opening_after: Option<DateTime<Utc>>,
    /// When marketdesk saw the conversation close (it stays closed until reopened).
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// When marketdesk first saw the marketplace decide the case (a dispute closed or
    /// unresolved, a claim accepted or rejected, a thread closed); cleared when it is ongoing
    /// again. The decision answers every message written before it.
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    /// The autoresponder's plan for the current opening.
    #[serde(default)]
    pub autoreply: Option<AutoreplyPlan>,
    /// The latest message the buyer can see, shortened for lists; kept by the summary
    /// (`services::timeline::summarize`) whenever messages or replies change, so a list need
    /// not read timelines. Absent on tickets stored before it (filled by their next write or
    /// `marketdesk reindex`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub preview: Option<MessagePreview>,
    /// EmpikPlace: since when Mirakl says the shop owes an answer (`shop_reply_needed_since`
    /// of the thread); `None` once the shop answered, and for Allegro.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub shop_reply_needed_since: Option<DateTime<Utc>>,
    /// What agents decided (assignee, queue-independent labels, snooze, a status set by
    /// hand) and the SLA clock; shown at the top level of the ticket.
    #[serde(flatten, default)]
    pub workflow: super::workflow::TicketWorkflow,
}

fn first_opening() -> u32 {
    1
}

/// The autoresponse owed to the buyer's first message of one opening.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoreplyPlan {
    /// The opening answered.
    pub opening: u32,
    /// The marketplace id of the buyer's first message of the opening.
    pub buyer_message_id: String,
    /// When the buyer wrote it.
    pub buyer_message_at: DateTime<Utc>,
    /// When to answer (the message time plus the configured delay).
    pub due_at: DateTime<Utc>,
    /// Latest moment to answer (60 minutes after the message); later it is skipped.
    pub deadline: DateTime<Utc>,
    /// Where it stands.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub state: AutoreplyState,
    /// Why it was skipped, when it was.
    #[serde(default)]
    pub skip_reason: Option<String>,
}

/// Where an autoresponse stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoreplyState {
    /// Waiting for its time.
    Pending,
    /// Handed to the outbox.
    Queued,
    /// Delivered.
    Sent,
    /// Not sent, and never will be (`skip_reason` says why).
    Skipped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_kinds_know_their_marketplace() {
        assert_eq!(
            ConversationKind::AllegroClaim.source(),
            Marketplace::Allegro
        );
        assert_eq!(
            ConversationKind::AllegroCommonThread.source(),
            Marketplace::Allegro
        );
        assert_eq!(ConversationKind::EmpikThread.source(), Marketplace::Empik);
    }
}
