//! Replies from agents: checked against the conversation's limits, stored in the outbox as
//! `sending` and queued for the sender; failed ones can be sent again.

use super::request::RequestError;
use super::validation;
use crate::domain::{
    Actor, AuthorKind, ConversationKind, Integration, Reply, ReplyLimits, ReplyState, Subject,
    SubjectKind, Ticket,
};
use crate::ids::{MessageId, TenantId, TicketId};
use crate::jobs::OutboundJob;
use crate::ports::Ports;
use crate::repo::{files, integrations, replies, tickets};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use std::time::Duration;

/// Longest attachment file name, in characters.
pub const MAX_FILENAME_CHARS: usize = 200;

/// The body of `POST /v1/tickets/{id}/replies`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// Plain text; HTML is refused. The conversation sets the length: Allegro issues 1 to 20000
    /// characters, Message Center 1 to 2000, EmpikPlace 3 to 50000. May be empty only with
    /// `ask_to_confirm` (the integration's `closure_message` is sent).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 50000,
            pattern = r"^$|^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$"
        )
    )]
    pub text: String,
    /// At most one file.
    #[serde(default)]
    pub attachment: Option<NewAttachment>,
    /// Allegro disputes only: send as END_REQUEST, asking the buyer to confirm the problem is
    /// solved.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = false))]
    pub ask_to_confirm: bool,
}

/// A file in a reply request.
#[derive(Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    /// File name shown to the buyer: a file name without a path.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^/\\\x00-\x1F\x7F-\x9F]*[^\s/\\\x00-\x1F\x7F-\x9F][^/\\\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub filename: String,
    /// Media type. Allegro: image/png, image/gif, image/bmp, image/tiff, image/jpeg or
    /// application/pdf; EmpikPlace: any.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub content_type: String,
    /// The file (not empty), base64 with padding (standard alphabet).
    #[cfg_attr(feature = "openapi", schema(format = Byte, min_length = 4))]
    pub data_base64: String,
}

impl std::fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAttachment")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("base64_chars", &self.data_base64.len())
            .finish()
    }
}

/// A reply checked and ready to store.
struct CheckedReply {
    text: String,
    file: Option<(String, String, Vec<u8>)>,
    ask_to_confirm: bool,
}

/// Stores an agent's reply as `sending` and queues it for delivery. `actor` is recorded
/// and its name shown as the author in the ticket (never sent to the marketplace).
pub async fn submit(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    actor: Option<&Actor>,
    request: NewReply,
) -> Result<Reply, RequestError> {
    let store = &*ports.store;
    let ticket = tickets::get(store, tenant, ticket_id)
        .await?
        .ok_or(RequestError::NotFound("ticket"))?
        .value;
    let integration = integrations::get(store, tenant, &ticket.integration_id)
        .await?
        .ok_or(RequestError::NotFound("ticket's integration"))?
        .value;
    let checked = check(&ticket, &integration, request)?;
    refuse_closed(&ticket)?;
    if let Some((_, _, data)) = &checked.file {
        check_conversation_total(ports, tenant, &ticket, data.len() as u64).await?;
    }

    let id = MessageId::generate();
    let attachment = match &checked.file {
        Some((filename, content_type, data)) => {
            Some(files::put(store, tenant, ticket_id, &id, filename, content_type, data).await?)
        }
        None => None,
    };
    let reply = Reply {
        id,
        ticket_id: ticket_id.clone(),
        author: AuthorKind::SellerViaMarketdesk,
        author_name: actor.and_then(Actor::display_name),
        actor: actor.cloned(),
        text: checked.text,
        attachment,
        ask_to_confirm: checked.ask_to_confirm,
        state: ReplyState::Sending,
        external_id: None,
        failure: None,
        attempts: 0,
        first_attempt_at: None,
        attempt_started_at: None,
        attempt_job: None,
        not_after: None,
        created_at: ports.clock.now(),
        sent_at: None,
        failure_reported: false,
    };
    replies::create(store, tenant, &reply).await?;
    super::audit::record(
        ports,
        tenant,
        actor,
        super::audit::actions::REPLY_SUBMITTED,
        Subject::new(SubjectKind::Ticket, ticket_id),
        None,
        super::audit::state(&reply),
    )
    .await;
    let queued = enqueue(ports, tenant, reply).await?;
    refresh_summary(ports, tenant, ticket_id).await;
    Ok(queued)
}

/// Sends a failed reply again; `actor` is recorded in the audit log.
pub async fn retry(
    ports: &Ports,
    tenant: &TenantId,
    ticket_id: &TicketId,
    actor: Option<&Actor>,
    reply_id: &MessageId,
) -> Result<Reply, RequestError> {
    let store = &*ports.store;
    let ticket = tickets::get(store, tenant, ticket_id)
        .await?
        .ok_or(RequestError::NotFound("ticket"))?
        .value;
    let stored = replies::get(store, tenant, ticket_id, reply_id)
        .await?
        .ok_or(RequestError::NotFound("reply"))?;
    if stored.value.state != ReplyState::Failed {
        return Err(RequestError::WrongState {
            code: "reply_not_failed",
            message: format!(
                "the reply is {}; only failed replies can be retried",
                state_name(stored.value.state)
            ),
        });
    }
    refuse_closed(&ticket)?;
    let before = stored.value.clone();
    let mut reply = stored.value;
    reply.state = ReplyState::Sending;
    reply.attempts = 0;
    reply.failure = None;
    // A new round: if it fails again, that failure is reported too.
    reply.failure_reported = false;
    // `first_attempt_at` stays: an earlier attempt may have got through unnoticed, and the
    // sender looks for it from then on before posting again.
    replies::update(store, tenant, &reply, stored.version).await?;
    super::audit::record(
        ports,
        tenant,
        actor,
        super::audit::actions::REPLY_RETRIED,
        Subject::new(SubjectKind::Ticket, ticket_id),
        super::audit::state(&before),
        super::audit::state(&reply),
    )
    .await;
    let queued = enqueue(ports, tenant, reply).await?;
    refresh_summary(ports, tenant, ticket_id).await;
    Ok(queued)
}

/// Brings the ticket's summary (its latest reply's delivery) up to date after a reply was
/// queued. Best effort: the reply is stored and queued either way, and the sender refreshes
/// the summary again when it settles.
async fn refresh_summary(ports: &Ports, tenant: &TenantId, ticket_id: &TicketId) {
    if let Err(error) = super::sender::refresh_ticket(ports, tenant, ticket_id).await {
        tracing::warn!(ticket = %ticket_id, %error, "ticket summary not refreshed after queueing a reply");
    }
}

/// Queues a stored `sending` reply. When the queue refuses, the reply is marked failed (so
/// it can be retried), the failure is settled like the sender's (the ticket needs a reply, the
/// alert addresses hear of it) and the caller hears that the service is unavailable.
pub async fn enqueue(
    ports: &Ports,
    tenant: &TenantId,
    reply: Reply,
) -> Result<Reply, RequestError> {
    let job = OutboundJob {
        tenant_id: tenant.clone(),
        ticket_id: reply.ticket_id.clone(),
        reply_id: reply.id.clone(),
        job: Some(uuid::Uuid::new_v4().simple().to_string()),
    };
    let body = serde_json::to_string(&job).map_err(|e| RequestError::Internal(e.to_string()))?;
    match ports.queues.outbound.send(&body, Duration::ZERO).await {
        Ok(_) => Ok(reply),
        Err(error) => {
            if let Some(stored) =
                replies::get(&*ports.store, tenant, &reply.ticket_id, &reply.id).await?
            {
                let mut failed = stored.value;
                failed.state = ReplyState::Failed;
                failed.failure = Some("could not be queued for delivery; retry it".into());
                failed.failure_reported = false;
                replies::update(&*ports.store, tenant, &failed, stored.version).await?;
                if let Err(problem) = super::sender::settle_failure(ports, tenant, &failed).await {
                    tracing::warn!(reply = %failed.id, %problem, "a reply that could not be queued was not fully settled");
                }
            }
            Err(RequestError::Unavailable(error.to_string()))
        }
    }
}

/// The state's name in messages.
fn state_name(state: ReplyState) -> &'static str {
    match state {
        ReplyState::Sending => "still sending",
        ReplyState::Sent => "sent",
        ReplyState::Failed => "failed",
        ReplyState::Cancelled => "cancelled",
    }
}

/// A closed conversation takes internal comments only.
fn refuse_closed(ticket: &Ticket) -> Result<(), RequestError> {
    if ticket.open_for_replies {
        return Ok(());
    }
    Err(RequestError::WrongState {
        code: "conversation_closed",
        message: format!(
            "the marketplace conversation is closed ({}); only internal comments are possible",
            ticket.marketplace_status
        ),
    })
}

/// Checks the request against the conversation's rules and limits.
fn check(
    ticket: &Ticket,
    integration: &Integration,
    request: NewReply,
) -> Result<CheckedReply, RequestError> {
    let kind = ticket.conversation.kind;
    let limits = ReplyLimits::of(kind);
    if request.ask_to_confirm && kind != ConversationKind::AllegroDispute {
        return Err(RequestError::invalid(
            "ask_to_confirm",
            "only Allegro disputes can ask the buyer to confirm the problem is solved",
        ));
    }
    let text = if request.ask_to_confirm && request.text.trim().is_empty() {
        integration
            .settings
            .closure_message
            .clone()
            .filter(|m| !m.trim().is_empty())
            .ok_or_else(|| {
                RequestError::invalid(
                    "text",
                    "is empty and the integration has no default closure message \
                     (settings.closure_message)",
                )
            })?
    } else {
        request.text
    };
    validation::plain_text("text", &text, limits.max_chars)?;
    let chars = text.trim().chars().count();
    if chars < limits.min_chars {
        return Err(RequestError::invalid(
            "text",
            format!("must be at least {} characters long here", limits.min_chars),
        ));
    }
    let text = super::signatures::signed(&text, integration.settings.signature.as_deref());
    super::signatures::check_length(&text, limits.max_chars)?;
    let file = request
        .attachment
        .map(|attachment| check_attachment(&limits, attachment))
        .transpose()?;
    Ok(CheckedReply {
        text,
        file,
        ask_to_confirm: request.ask_to_confirm,
    })
}

/// Checks and decodes the attachment: name, type, size.
fn check_attachment(
    limits: &ReplyLimits,
    attachment: NewAttachment,
) -> Result<(String, String, Vec<u8>), RequestError> {
    validation::label(
        "attachment.filename",
        &attachment.filename,
        MAX_FILENAME_CHARS,
    )?;
    if attachment.filename.contains(['/', '\\']) {
        return Err(RequestError::invalid(
            "attachment.filename",
            "must be a file name without a path",
        ));
    }
    let content_type = attachment.content_type.trim().to_ascii_lowercase();
    if let Some(allowed) = limits.content_types {
        if !allowed.contains(&content_type.as_str()) {
            return Err(RequestError::invalid(
                "attachment.content_type",
                format!(
                    "{:?} is not accepted here; use one of {}",
                    attachment.content_type,
                    allowed.join(", ")
                ),
            ));
        }
    } else {
        // As given: a tab or line break around the type is a control character, not padding.
        validation::label("attachment.content_type", &attachment.content_type, 100)?;
    }
    // Largest base64 text that can decode to an allowed file, checked before decoding.
    let max_encoded = limits.max_file_bytes.div_ceil(3) * 4;
    if attachment.data_base64.len() as u64 > max_encoded {
        return Err(too_large(limits.max_file_bytes));
    }
    let data = STANDARD
        .decode(attachment.data_base64.trim())
        .map_err(|_| {
            RequestError::invalid(
                "attachment.data_base64",
                "is not base64 (standard alphabet with padding)",
            )
        })?;
    if data.is_empty() {
        return Err(RequestError::invalid(
            "attachment.data_base64",
            "the file is empty",
        ));
    }
    if data.len() as u64 > limits.max_file_bytes {
        return Err(too_large(limits.max_file_bytes));
    }
    Ok((attachment.filename, content_type, data))
}

fn too_large(max: u64) -> RequestError {
    RequestError::invalid(
        "attachment.data_base64",
        format!("the file is larger than the {max} bytes this conversation accepts"),
    )
}

/// EmpikPlace: the files of all replies of a conversation (except failed ones) stay within
/// the per-conversation total.
async fn check_conversation_total(
    ports: &Ports,
    tenant: &TenantId,
    ticket: &Ticket,
    adding: u64,
) -> Result<(), RequestError> {
    let Some(max) = ReplyLimits::of(ticket.conversation.kind).max_conversation_bytes else {
        return Ok(());
    };
    let used: u64 = replies::of_ticket(&*ports.store, tenant, &ticket.id)
        .await?
        .iter()
        .filter(|r| matches!(r.state, ReplyState::Sending | ReplyState::Sent))
        .filter_map(|r| r.attachment.as_ref())
        .map(|f| f.size)
        .sum();
    if used + adding > max {
        return Err(RequestError::invalid(
            "attachment.data_base64",
            format!(
                "this conversation allows {max} bytes of attachments in total; {used} are used \
                 and this file has {adding}"
            ),
        ));
    }
    Ok(())
}
